//! One connection to one Langfuse project: authenticated GETs with error mapping, "test connection", and
//! the small reads (project, health, models, per-trace IO).
//!
//! [`Client::get`] is the single place where an HTTP answer becomes `Ok(body)` (2xx) or an [`ApiError`]
//! (via [`ApiError::from_status`] with Langfuse's error body decoded by [`crate::decode::error_body`], or
//! [`ApiError::from_transport`]). It neither retries nor paces: the scheduler does that for bulk reads, and
//! one-off reads surface their error to the user.
//!
//! [`Client::test_connection`] tells apart, in this order: an unreachable host or CORS failure (health
//! check), wrong keys (401) and wrong key type (403) (projects), and an instance without the v4 read path
//! (404 on `/api/public/v2/observations?limit=1`, then a probe of the legacy `/api/public/observations` to
//! offer the fallback). Success carries the project's name and the server version.

use crate::decode;
use crate::error::ApiError;
use crate::hosts::{BaseUrl, Connection};
use crate::query;
use crate::transport::{CancelToken, HttpResponse, Transport};

/// How Loupe reads observations from this instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReadPath {
    /// `GET /api/public/v2/observations` (Langfuse v4 read path, cursor pages of 1000).
    V4,
    /// `GET /api/public/observations` + `/api/public/traces` (self-hosted v3 without the v4 path; pages of
    /// 100, slower).
    Legacy,
}

/// What a successful connection test found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectionInfo {
    pub project_id: Option<String>,
    /// The project's name, as Langfuse shows it.
    pub project_name: Option<String>,
    pub organization_name: Option<String>,
    /// The server version from `/api/public/health` (e.g. `4.16.0`), when it answered.
    pub server_version: Option<String>,
    pub read_path: ReadPath,
}

/// An authenticated Langfuse client over a [`Transport`].
#[derive(Clone, Debug)]
pub struct Client<T> {
    transport: T,
    connection: Connection,
    authorization: String,
}

impl<T: Transport> Client<T> {
    /// A client for `connection` over `transport`.
    pub fn new(transport: T, connection: Connection) -> Self {
        let authorization = connection.credentials.basic_auth_header();
        Self {
            transport,
            connection,
            authorization,
        }
    }

    /// The transport (its clock and sleep are the scheduler's).
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &BaseUrl {
        &self.connection.base_url
    }

    /// The `Authorization` header value.
    pub(crate) fn authorization(&self) -> &str {
        &self.authorization
    }

    /// The connection (keys included; its `Debug` redacts the secret).
    pub fn connection(&self) -> &Connection {
        &self.connection
    }

    /// One authenticated GET: the body of a 2xx answer, or the error the answer stands for.
    pub async fn get(&self, url: &str, cancel: &CancelToken) -> Result<HttpResponse, ApiError> {
        let response = self.send(url, cancel).await?;
        check_status(response, url)
    }

    /// One authenticated GET whose status is left to the caller (transport failures are still errors).
    pub async fn send(&self, url: &str, cancel: &CancelToken) -> Result<HttpResponse, ApiError> {
        if cancel.is_cancelled() {
            return Err(ApiError::Cancelled);
        }
        let headers = [("Authorization", self.authorization.as_str())];
        self.transport
            .get(url, &headers, cancel)
            .await
            .map_err(|e| ApiError::from_transport(e, self.connection.base_url.as_str()))
    }

    /// `GET /api/public/health` (no auth needed, but sending it is harmless).
    pub async fn health(&self, cancel: &CancelToken) -> Result<crate::wire::Health, ApiError> {
        let url = query::health_url(self.base_url());
        let response = self.get(&url, cancel).await?;
        decode::health(&response.body).map_err(decode_error)
    }

    /// `GET /api/public/projects`: the project the keys belong to.
    pub async fn projects(
        &self,
        cancel: &CancelToken,
    ) -> Result<Vec<crate::wire::Project>, ApiError> {
        let url = query::projects_url(self.base_url());
        let response = self.get(&url, cancel).await?;
        decode::projects(&response.body).map_err(decode_error)
    }

    /// Tests the connection; see the module docs for what it tells apart.
    pub async fn test_connection(&self, cancel: &CancelToken) -> Result<ConnectionInfo, ApiError> {
        // Health first: it needs no keys, so a failure here is the host (or CORS), never the keys. A health
        // route that errors (503, or 404 behind an odd proxy) still proves the host answers.
        let server_version = match self.health(cancel).await {
            Ok(health) => health.version,
            Err(e @ (ApiError::Unreachable { .. } | ApiError::Cancelled)) => return Err(e),
            Err(_) => None,
        };
        let projects = self.projects(cancel).await?;
        let project = projects.into_iter().next();
        let read_path = self.probe_read_path(cancel).await?;
        Ok(ConnectionInfo {
            project_id: project.as_ref().map(|p| p.id.clone()),
            project_name: project.as_ref().and_then(|p| p.name.clone()),
            organization_name: project.and_then(|p| p.organization_name),
            server_version,
            read_path,
        })
    }

    /// Which read path the instance offers: v4 if `/v2/observations` answers, else the legacy routes if
    /// `/observations` answers; `NotFound` when neither does.
    pub async fn probe_read_path(&self, cancel: &CancelToken) -> Result<ReadPath, ApiError> {
        match self
            .get(&query::v2_probe_url(self.base_url()), cancel)
            .await
        {
            Ok(_) => Ok(ReadPath::V4),
            Err(ApiError::NotFound { path, message }) => {
                let url = query::legacy_probe_url(self.base_url());
                match self.get(&url, cancel).await {
                    Ok(_) => Ok(ReadPath::Legacy),
                    Err(ApiError::NotFound { .. }) => Err(ApiError::NotFound { path, message }),
                    Err(e) => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// The raw v2 pages of one trace with inputs and outputs (`fields=core,io`), cursor-paged to the end.
    /// For the trace detail view; never used for analytics.
    pub async fn trace_io_pages(
        &self,
        trace_id: &str,
        cancel: &CancelToken,
    ) -> Result<Vec<Vec<u8>>, ApiError> {
        let mut bodies = Vec::new();
        let mut cursor: Option<String> = None;
        // A trace of more than 1000 pages is not something a detail view can show; stop rather than loop.
        for _ in 0..1000 {
            let url = query::trace_io_url(self.base_url(), trace_id, cursor.as_deref());
            let response = self.get(&url, cancel).await?;
            let meta = decode::page_meta(&response.body).map_err(decode_error)?;
            bodies.push(response.body);
            match meta.cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        Ok(bodies)
    }
}

/// Maps a non-2xx answer to its error; passes 2xx through.
pub(crate) fn check_status(response: HttpResponse, url: &str) -> Result<HttpResponse, ApiError> {
    if response.is_success() {
        return Ok(response);
    }
    Err(error_for(&response, url))
}

/// The error a non-2xx answer stands for, with Langfuse's message and retry hint when the body has them.
pub(crate) fn error_for(response: &HttpResponse, url: &str) -> ApiError {
    let body = decode::error_body(&response.body);
    ApiError::from_status(response.status, body.message, body.retry_after_seconds, url)
}

pub(crate) fn decode_error(error: decode::DecodeError) -> ApiError {
    ApiError::Decode {
        detail: error.to_string(),
    }
}
