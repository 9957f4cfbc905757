//! Legacy (v1) objects for a self-hosted Langfuse v3's `/observations`, `/observations/{id}`, `/traces`
//! and `/traces/{id}` (API.md §8.3-§8.5, §9.1, §9.2, §12.5): `null` for unset values, parsed JSON for
//! input/output/metadata, derived back-compat fields (`calculated*Cost`, `promptTokens`, `usage`).
//! A v3 deployment has no synthetic `t-<traceId>` rows: legacy traces' top-level observations have no
//! parent there, and traces are their own objects.

use crate::dataset::{Dataset, Row, usd};
use crate::io;
use crate::json::{push_iso_ms_quoted, push_js_number, push_json_str, push_u64};
use crate::v2::metadata_entries;

/// Trace field groups of the legacy list and detail (`core io scores observations metrics`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceFields {
    pub io: bool,
    pub scores: bool,
    pub observations: bool,
    pub metrics: bool,
}

impl TraceFields {
    /// Parses `fields`: absent or empty ⇒ every group; unknown names are ignored.
    pub fn parse(fields: Option<&str>) -> Self {
        let Some(text) = fields.map(str::trim).filter(|t| !t.is_empty()) else {
            return Self {
                io: true,
                scores: true,
                observations: true,
                metrics: true,
            };
        };
        let has = |g: &str| text.split(',').any(|f| f.trim() == g);
        Self {
            io: has("io"),
            scores: has("scores"),
            observations: has("observations"),
            metrics: has("metrics"),
        }
    }
}

fn opt_str(out: &mut String, v: Option<&str>) {
    match v.filter(|s| !s.is_empty()) {
        Some(s) => push_json_str(out, s),
        None => out.push_str("null"),
    }
}

fn opt_num(out: &mut String, v: Option<f64>) {
    match v {
        Some(x) => push_js_number(out, x),
        None => out.push_str("null"),
    }
}

fn metadata_object(out: &mut String, row: &Row<'_>) {
    out.push('{');
    for (i, (k, v)) in metadata_entries(row).iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_json_str(out, k);
        out.push(':');
        out.push_str(v);
    }
    out.push('}');
}

impl Dataset {
    /// True when row `index` exists in a v3 deployment's observations table (synthetic roots do not).
    pub fn is_v1_observation(&self, index: usize) -> bool {
        self.row(index).is_some_and(|r| !r.is_synthetic_root())
    }

    /// Writes row `index` as an ObservationV1 (`detail`: the trace-detail quirk of 0 for missing prices).
    pub fn write_v1_observation(&self, index: usize, detail: bool, out: &mut String) {
        let Some(row) = self.row(index) else { return };
        let o = row.obs;
        out.push_str("{\"id\":");
        push_json_str(out, &row.id());
        out.push_str(",\"traceId\":");
        push_json_str(out, &row.trace_id());
        out.push_str(",\"startTime\":");
        push_iso_ms_quoted(out, row.start_ms());
        out.push_str(",\"endTime\":");
        match row.end_ms() {
            Some(e) => push_iso_ms_quoted(out, e),
            None => out.push_str("null"),
        }
        out.push_str(",\"projectId\":");
        push_json_str(out, crate::PROJECT_ID);
        out.push_str(",\"parentObservationId\":");
        let parent = row
            .parent_index()
            .and_then(|p| self.row(p))
            .filter(|p| !p.is_synthetic_root());
        opt_str(out, parent.map(|p| p.id()).as_deref());
        out.push_str(",\"type\":");
        push_json_str(out, row.kind().as_str());
        out.push_str(",\"environment\":");
        push_json_str(out, row.environment());
        out.push_str(",\"name\":");
        push_json_str(out, row.name());
        out.push_str(",\"level\":");
        push_json_str(out, row.level().as_str());
        out.push_str(",\"statusMessage\":");
        opt_str(out, Some(&row.status_message()));
        out.push_str(",\"version\":");
        opt_str(out, Some(row.version()));
        let created = row.created_ms();
        out.push_str(",\"createdAt\":");
        push_iso_ms_quoted(out, created);
        out.push_str(",\"updatedAt\":");
        push_iso_ms_quoted(out, created);
        let (input, output) = io::texts(&row);
        out.push_str(",\"input\":");
        out.push_str(input.as_deref().unwrap_or("null"));
        out.push_str(",\"output\":");
        out.push_str(output.as_deref().unwrap_or("null"));
        out.push_str(",\"metadata\":");
        metadata_object(out, &row);
        out.push_str(",\"model\":");
        opt_str(out, row.model());
        out.push_str(",\"modelParameters\":");
        match crate::catalog::PARAMS.get(usize::from(o.params)) {
            Some(p) if !p.is_empty() => {
                out.push('{');
                for (i, (k, v)) in p.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    push_json_str(out, k);
                    out.push(':');
                    match v {
                        crate::catalog::ParamValue::Num(n) => out.push_str(n),
                        crate::catalog::ParamValue::Str(s) => push_json_str(out, s),
                    }
                }
                out.push('}');
            }
            _ => out.push_str("null"),
        }
        out.push_str(",\"completionStartTime\":");
        match row.completion_start_ms() {
            Some(c) => push_iso_ms_quoted(out, c),
            None => out.push_str("null"),
        }
        let prompt = row.prompt();
        out.push_str(",\"promptId\":");
        opt_str(out, prompt.map(|p| p.0));
        out.push_str(",\"promptName\":");
        opt_str(out, prompt.map(|p| p.1));
        out.push_str(",\"promptVersion\":");
        opt_num(out, prompt.map(|p| p.2 as f64));
        out.push_str(",\"latency\":");
        opt_num(out, row.latency_ms().map(|ms| ms as f64 / 1000.0));
        out.push_str(",\"timeToFirstToken\":");
        opt_num(out, row.ttft_ms().map(|ms| ms as f64 / 1000.0));
        out.push_str(",\"usageDetails\":{");
        for (i, (k, v)) in row.usage().iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_json_str(out, k);
            out.push(':');
            push_u64(out, *v);
        }
        out.push_str("},\"costDetails\":{");
        let cost = row.cost_e12();
        for (i, (k, v)) in cost.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_json_str(out, k);
            out.push(':');
            push_js_number(out, usd(*v));
        }
        out.push('}');
        let def = crate::dataset::matched_model(o);
        let tier = def
            .and_then(|m| crate::dataset::select_tier(m, o))
            .filter(|_| !cost.is_empty());
        out.push_str(",\"usagePricingTierId\":");
        opt_str(out, tier.map(|t| t.id));
        out.push_str(",\"usagePricingTierName\":");
        opt_str(out, tier.map(|t| t.name));
        let price = |k: &str| {
            def.and_then(|m| m.default_tier())
                .and_then(|t| t.prices.iter().find(|(key, _)| *key == k))
                .map(|(_, p)| usd(*p))
                .or(if detail { Some(0.0) } else { None })
        };
        for (k, wire) in [
            ("input", "inputPrice"),
            ("output", "outputPrice"),
            ("total", "totalPrice"),
        ] {
            out.push_str(",\"");
            out.push_str(wire);
            out.push_str("\":");
            opt_num(out, price(k));
        }
        out.push_str(",\"calculatedInputCost\":");
        opt_num(out, row.input_cost_usd());
        out.push_str(",\"calculatedOutputCost\":");
        opt_num(out, row.output_cost_usd());
        out.push_str(",\"calculatedTotalCost\":");
        push_js_number(out, row.total_cost_usd());
        let (input_units, output_units, total_units) =
            (row.input_tokens(), row.output_tokens(), row.total_tokens());
        out.push_str(&format!(
            ",\"unit\":\"TOKENS\",\"promptTokens\":{input_units},\"completionTokens\":{output_units},\"totalTokens\":{total_units},\"modelId\":"
        ));
        opt_str(out, def.map(|m| m.id));
        out.push_str(&format!(
            ",\"usage\":{{\"unit\":\"TOKENS\",\"input\":{input_units},\"output\":{output_units},\"total\":{total_units}}}}}"
        ));
    }

    /// The trace timestamp (its first observation's start), ms.
    pub fn trace_timestamp_ms(&self, trace: usize) -> Option<i64> {
        self.traces.get(trace).map(|t| t.start_ms)
    }

    /// Any row of trace `trace`, for trace-level fields (name, user, session, tags, release, version, env).
    pub fn trace_context_row(&self, trace: usize) -> Option<Row<'_>> {
        self.row(*self.trace_row_indexes(trace).first()? as usize)
    }

    /// v1 rows of a trace (synthetic roots excluded), in v2 order.
    pub fn trace_v1_rows(&self, trace: usize) -> Vec<usize> {
        self.trace_row_indexes(trace)
            .iter()
            .map(|&i| i as usize)
            .filter(|&i| self.is_v1_observation(i))
            .collect()
    }

    /// Trace latency (list endpoint definition), seconds, and total cost, USD.
    pub fn trace_latency_and_cost(&self, trace: usize) -> (f64, f64) {
        let rows: Vec<Row<'_>> = self
            .trace_v1_rows(trace)
            .into_iter()
            .filter_map(|i| self.row(i))
            .collect();
        let min_start = rows.iter().map(|r| r.start_ms()).min();
        let max_start = rows.iter().map(|r| r.start_ms()).max();
        let max_end = rows.iter().filter_map(|r| r.end_ms()).max();
        let min_end = rows.iter().filter_map(|r| r.end_ms()).min();
        let latency = match (min_start, max_start) {
            (Some(a), Some(b)) => {
                let hi = b.max(max_end.unwrap_or(b));
                let lo = a.min(min_end.unwrap_or(a));
                (hi - lo) as f64 / 1000.0
            }
            _ => 0.0,
        };
        let cost_e12: i64 = rows.iter().map(|r| r.total_cost_e12()).sum();
        (latency, usd(cost_e12))
    }

    /// Writes a legacy trace object: list item (`detail = false`: observation and score ids) or detail
    /// (observation and score objects).
    pub fn write_trace(&self, trace: usize, fields: TraceFields, detail: bool, out: &mut String) {
        let (Some(row), Some(t)) = (self.trace_context_row(trace), self.traces.get(trace)) else {
            return;
        };
        let trace_id = row.trace_id();
        let obs = self.trace_v1_rows(trace);
        let root = obs.iter().filter_map(|&i| self.row(i)).find(|r| {
            r.parent_index()
                .is_none_or(|p| self.row(p).is_some_and(|p| p.is_synthetic_root()))
        });
        out.push_str("{\"id\":");
        push_json_str(out, &trace_id);
        out.push_str(",\"projectId\":");
        push_json_str(out, crate::PROJECT_ID);
        out.push_str(",\"name\":");
        push_json_str(out, row.trace_name());
        out.push_str(",\"timestamp\":");
        push_iso_ms_quoted(out, t.start_ms);
        out.push_str(",\"environment\":");
        push_json_str(out, row.environment());
        out.push_str(",\"tags\":[");
        for (i, tag) in row.tags().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_json_str(out, tag);
        }
        out.push_str("],\"bookmarked\":false,\"release\":");
        opt_str(out, Some(row.release()));
        out.push_str(",\"version\":");
        opt_str(out, Some(row.version()));
        out.push_str(",\"userId\":");
        opt_str(out, row.user_id().as_deref());
        out.push_str(",\"sessionId\":");
        opt_str(out, row.session_id().as_deref());
        out.push_str(",\"public\":false,\"input\":");
        let (input, output) = match (fields.io, root) {
            (true, Some(r)) => io::texts(&r),
            _ => (None, None),
        };
        out.push_str(input.as_deref().unwrap_or("null"));
        out.push_str(",\"output\":");
        out.push_str(output.as_deref().unwrap_or("null"));
        out.push_str(",\"metadata\":");
        if fields.io {
            metadata_object(out, &row);
        } else {
            out.push_str("{}");
        }
        let created = obs
            .iter()
            .filter_map(|&i| self.row(i))
            .map(|r| r.created_ms())
            .max()
            .unwrap_or(t.start_ms);
        out.push_str(",\"createdAt\":");
        push_iso_ms_quoted(out, created);
        out.push_str(",\"updatedAt\":");
        push_iso_ms_quoted(out, created);
        out.push_str(",\"externalId\":null,\"observations\":[");
        if fields.observations || detail {
            for (n, &i) in obs.iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                if detail {
                    self.write_v1_observation(i, true, out);
                } else if let Some(r) = self.row(i) {
                    push_json_str(out, &r.id());
                }
            }
        }
        out.push_str("],\"scores\":[");
        if fields.scores || detail {
            for (n, i) in self.trace_score_indexes(trace).into_iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                if let Some(s) = self.score(i) {
                    if detail {
                        s.write_v1(out);
                    } else {
                        push_json_str(out, &s.id());
                    }
                }
            }
        }
        let (latency, cost) = if fields.metrics || detail {
            self.trace_latency_and_cost(trace)
        } else {
            (-1.0, -1.0)
        };
        out.push_str("],\"totalCost\":");
        push_js_number(out, cost);
        out.push_str(",\"latency\":");
        push_js_number(out, latency);
        out.push_str(",\"htmlPath\":");
        push_json_str(
            out,
            &format!("/project/{}/traces/{}", crate::PROJECT_ID, trace_id),
        );
        out.push('}');
    }
}
