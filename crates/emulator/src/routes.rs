//! Route dispatch: which checks run for which route, then the handler.

use hyper::body::Incoming;
use hyper::{Method, Request, StatusCode};
use loupe_synth::{ORGANIZATION, PROJECT_ID, PROJECT_NAME};

use crate::faults::Resource;
use crate::http::{Answer, Route, State, guard};
use crate::params::{Issues, Query, page_body, page_params};

const EVENTS_ONLY_404: &str = "This endpoint is not available on deployments running in Langfuse v4 events_only mode. Learn more about Langfuse v4 at: https://langfuse.com/docs/v4";

pub(crate) fn dispatch(state: &State, route: &Route, req: &Request<Incoming>) -> Answer {
    let q = Query::parse(req.uri().query());
    let ds = state.dataset.as_ref();
    let legacy_only = state.config.legacy_only;
    match route {
        Route::Health => Answer::ok("{\"status\":\"OK\",\"version\":\"4.16.0\"}".to_string()),
        Route::Projects => {
            if req.method() != Method::GET {
                return Answer::error(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "Method not allowed",
                    "MethodNotAllowedError",
                );
            }
            let auth = req
                .headers()
                .get("authorization")
                .and_then(|v| v.to_str().ok());
            if let Err(answer) = crate::auth::check_projects(state, auth) {
                return answer;
            }
            Answer::ok(format!(
                "{{\"data\":[{{\"id\":\"{PROJECT_ID}\",\"name\":\"{PROJECT_NAME}\",\"organization\":{{\"id\":\"{}\",\"name\":\"{}\"}},\"metadata\":{{}}}}]}}",
                ORGANIZATION.0, ORGANIZATION.1
            ))
        }
        Route::Models => {
            if let Some(answer) = guard(state, req, Resource::PublicApi) {
                return answer;
            }
            let mut issues = Issues::default();
            let (page, limit) = page_params(&q, &mut issues);
            if let Some(answer) = issues.answer() {
                return answer;
            }
            let items = ds.models_json_items();
            let from = (page - 1).saturating_mul(limit).min(items.len());
            let to = from.saturating_add(limit).min(items.len());
            Answer::ok(page_body(
                items.get(from..to).unwrap_or(&[]),
                page,
                limit,
                items.len(),
            ))
        }
        Route::Model(id) => {
            if let Some(answer) = guard(state, req, Resource::PublicApi) {
                return answer;
            }
            let needle = format!("{{\"id\":{}", serde_json::Value::String(id.clone()));
            match ds
                .models_json_items()
                .into_iter()
                .find(|m| m.starts_with(&needle))
            {
                Some(item) => Answer::ok(item),
                None => Answer::not_found("No model with this id found."),
            }
        }
        Route::ObservationsV2 | Route::ScoresV3 | Route::MetricsV2 => {
            let resource = if matches!(route, Route::MetricsV2) {
                Resource::MetricsV2
            } else {
                Resource::PublicApi
            };
            if let Some(answer) = guard(state, req, resource) {
                return answer;
            }
            if legacy_only {
                return Answer::not_found(
                    "This API is not available on this deployment: Langfuse v4 read APIs are not enabled.",
                );
            }
            match route {
                Route::ObservationsV2 => crate::observations::v2(ds, &q),
                Route::ScoresV3 => crate::scores::v3(ds, &q),
                _ => crate::metrics::v2(ds, &q),
            }
        }
        Route::ObservationsV1 | Route::ObservationV1(_) | Route::Traces | Route::Trace(_) => {
            if !legacy_only {
                return Answer::message(StatusCode::NOT_FOUND, EVENTS_ONLY_404);
            }
            if let Some(answer) = guard(state, req, Resource::Legacy) {
                return answer;
            }
            match route {
                Route::ObservationsV1 => crate::legacy::observations(ds, &q),
                Route::ObservationV1(id) => crate::legacy::observation(ds, id),
                Route::Traces => crate::legacy::traces(ds, &q),
                Route::Trace(id) => crate::legacy::trace(ds, id, &q),
                _ => Answer::next_404(),
            }
        }
    }
}
