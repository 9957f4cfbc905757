//! `GET /api/public/v2/observations` row JSON, key for key as Langfuse 4.16 writes it (API.md §9.3, §12).
//!
//! Key presence depends on the requested field groups; `latency`, `timeToFirstToken` (null unless `time`
//! or `metrics`), `modelId`, `inputPrice`, `outputPrice`, `totalPrice` (null unless `model`) are always
//! present. Unset strings are `""` (except `parentObservationId` and `traceName`, which are `null`),
//! prices are decimal strings, `input`/`output` are the raw stored strings.

use crate::catalog::{self, ParamValue};
use crate::dataset::{Dataset, Row, usd};
use crate::io;
use crate::json::{push_iso_ms, push_iso_ms_quoted, push_js_number, push_json_str, push_u64};

/// A set of v2 field groups.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FieldGroups(u16);

impl FieldGroups {
    pub const CORE: Self = Self(1);
    pub const BASIC: Self = Self(1 << 1);
    pub const TIME: Self = Self(1 << 2);
    pub const IO: Self = Self(1 << 3);
    pub const METADATA: Self = Self(1 << 4);
    pub const MODEL: Self = Self(1 << 5);
    pub const USAGE: Self = Self(1 << 6);
    pub const PROMPT: Self = Self(1 << 7);
    pub const METRICS: Self = Self(1 << 8);
    pub const TRACE_CONTEXT: Self = Self(1 << 9);

    /// Every group, in Langfuse's documented order, with its wire name.
    pub const NAMED: [(&'static str, FieldGroups); 10] = [
        ("core", Self::CORE),
        ("basic", Self::BASIC),
        ("time", Self::TIME),
        ("io", Self::IO),
        ("metadata", Self::METADATA),
        ("model", Self::MODEL),
        ("usage", Self::USAGE),
        ("prompt", Self::PROMPT),
        ("metrics", Self::METRICS),
        ("trace_context", Self::TRACE_CONTEXT),
    ];

    /// All groups.
    pub const ALL: Self = Self(0x3ff);

    /// The groups the app's demo uses: everything except `io`.
    pub const DEMO: Self = Self(0x3ff & !(1 << 3));

    /// Parses the `fields` parameter like Langfuse: absent or empty ⇒ `core,basic`; unknown names are
    /// dropped (all unknown ⇒ `core` only); `core` is always included.
    pub fn parse(fields: Option<&str>) -> Self {
        let Some(text) = fields.map(str::trim).filter(|t| !t.is_empty()) else {
            return Self(Self::CORE.0 | Self::BASIC.0);
        };
        let mut set = Self::CORE.0;
        for name in text.split(',') {
            let name = name.trim();
            if let Some((_, g)) = Self::NAMED.iter().find(|(n, _)| *n == name) {
                set |= g.0;
            }
        }
        Self(set)
    }

    pub fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    pub fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }
}

/// Metadata entries of a row: (key, JSON value text), as Langfuse returns them parsed.
pub(crate) fn metadata_entries(row: &Row<'_>) -> Vec<(&'static str, String)> {
    let quoted = |s: &str| {
        let mut out = String::with_capacity(s.len() + 2);
        push_json_str(&mut out, s);
        out
    };
    let mut v = vec![
        ("tenant", quoted(row.tenant())),
        ("service_name", quoted(row.service_name())),
        ("region", quoted(row.region())),
    ];
    if row.kind() == crate::ObsType::Tool {
        let status = match row.obs.status {
            catalog::st::ORDER_404 => "404",
            catalog::st::CRM_500 => "500",
            catalog::st::S3_SLOWDOWN => "503",
            _ => "200",
        };
        v.push(("http_status", status.to_string()));
    }
    v
}

fn push_params(out: &mut String, params: &[(&str, ParamValue)]) {
    out.push('{');
    for (i, (k, v)) in params.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_json_str(out, k);
        out.push(':');
        match v {
            ParamValue::Num(n) => out.push_str(n),
            ParamValue::Str(s) => push_json_str(out, s),
        }
    }
    out.push('}');
}

fn key(out: &mut String, k: &str) {
    out.push('"');
    out.push_str(k);
    out.push_str("\":");
}

fn str_or_empty(out: &mut String, k: &str, v: Option<&str>) {
    key(out, k);
    push_json_str(out, v.unwrap_or(""));
    out.push(',');
}

fn price_string(out: &mut String, k: &str, price_e12: Option<i64>) {
    key(out, k);
    match price_e12 {
        Some(p) => {
            out.push('"');
            push_js_number(out, usd(p));
            out.push('"');
        }
        None => out.push_str("null"),
    }
}

/// Writes one v2 observation object for `row` with `fields`.
pub(crate) fn write_row(ds: &Dataset, row: &Row<'_>, fields: FieldGroups, out: &mut String) {
    let o = row.obs;
    out.push('{');
    key(out, "id");
    out.push('"');
    ds.push_obs_id(out, o);
    out.push_str("\",");
    key(out, "traceId");
    out.push('"');
    crate::dataset::push_trace_id(out, row.trace);
    out.push_str("\",");
    key(out, "startTime");
    push_iso_ms_quoted(out, o.start_ms);
    out.push(',');
    key(out, "endTime");
    match row.end_ms() {
        Some(e) => push_iso_ms_quoted(out, e),
        None => out.push_str("null"),
    }
    out.push(',');
    key(out, "projectId");
    push_json_str(out, crate::PROJECT_ID);
    out.push(',');
    key(out, "parentObservationId");
    match row.parent_id() {
        Some(p) => push_json_str(out, &p),
        None => out.push_str("null"),
    }
    out.push(',');
    key(out, "type");
    push_json_str(out, row.kind().as_str());
    out.push(',');
    let basic = fields.contains(FieldGroups::BASIC);
    if basic {
        str_or_empty(out, "name", Some(row.name()));
        str_or_empty(out, "level", Some(row.level().as_str()));
        str_or_empty(out, "statusMessage", Some(&row.status_message()));
        str_or_empty(out, "version", Some(row.version()));
        str_or_empty(out, "environment", Some(row.environment()));
    }
    if fields.contains(FieldGroups::TIME) {
        key(out, "completionStartTime");
        match row.completion_start_ms() {
            Some(c) => push_iso_ms_quoted(out, c),
            None => out.push_str("null"),
        }
        out.push(',');
        let created = row.created_ms();
        key(out, "createdAt");
        push_iso_ms_quoted(out, created);
        out.push(',');
        key(out, "updatedAt");
        push_iso_ms_quoted(out, created);
        out.push(',');
    }
    if fields.contains(FieldGroups::IO) {
        let (input, output) = io::texts(row);
        for (k, v) in [("input", input), ("output", output)] {
            key(out, k);
            match v {
                Some(text) => push_json_str(out, &text),
                None => out.push_str("null"),
            }
            out.push(',');
        }
    }
    if fields.contains(FieldGroups::METADATA) {
        key(out, "metadata");
        out.push('{');
        for (i, (k, v)) in metadata_entries(row).iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_json_str(out, k);
            out.push(':');
            out.push_str(v);
        }
        out.push_str("},");
    }
    let matched = row.matched_model_id();
    if fields.contains(FieldGroups::MODEL) {
        str_or_empty(out, "model", row.model());
        str_or_empty(out, "internalModelId", matched);
        key(out, "modelParameters");
        match catalog::PARAMS.get(usize::from(o.params)) {
            Some(p) if !p.is_empty() => push_params(out, p),
            _ => out.push_str("null"),
        }
        out.push(',');
    }
    if fields.contains(FieldGroups::USAGE) {
        let usage = row.usage();
        key(out, "usageDetails");
        out.push('{');
        for (i, (k, v)) in usage.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_json_str(out, k);
            out.push(':');
            push_u64(out, *v);
        }
        out.push_str("},");
        key(out, "inputUsage");
        push_u64(out, row.input_tokens());
        out.push(',');
        key(out, "outputUsage");
        push_u64(out, row.output_tokens());
        out.push(',');
        key(out, "totalUsage");
        push_u64(out, row.total_tokens());
        out.push(',');
        let cost = row.cost_e12();
        key(out, "costDetails");
        out.push('{');
        for (i, (k, v)) in cost.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_json_str(out, k);
            out.push(':');
            push_js_number(out, usd(*v));
        }
        out.push_str("},");
        for (k, v) in [
            ("inputCost", row.input_cost_usd()),
            ("outputCost", row.output_cost_usd()),
        ] {
            key(out, k);
            match v {
                Some(x) => push_js_number(out, x),
                None => out.push_str("null"),
            }
            out.push(',');
        }
        key(out, "totalCost");
        push_js_number(out, row.total_cost_usd());
        out.push(',');
        let tier = crate::dataset::matched_model(o).and_then(|m| crate::dataset::select_tier(m, o));
        let tier = if cost.is_empty() { None } else { tier };
        key(out, "usagePricingTierId");
        match tier {
            Some(t) => push_json_str(out, t.id),
            None => out.push_str("null"),
        }
        out.push(',');
        key(out, "usagePricingTierName");
        match tier {
            Some(t) => push_json_str(out, t.name),
            None => out.push_str("null"),
        }
        out.push(',');
    }
    if fields.contains(FieldGroups::PROMPT) {
        let prompt = row.prompt();
        str_or_empty(out, "promptId", prompt.map(|p| p.0));
        str_or_empty(out, "promptName", prompt.map(|p| p.1));
        key(out, "promptVersion");
        match prompt {
            Some(p) => crate::json::push_i64(out, p.2),
            None => out.push_str("null"),
        }
        out.push(',');
    }
    key(out, "latency");
    match row.latency_ms() {
        Some(ms) => push_js_number(out, ms as f64 / 1000.0),
        None => out.push_str("null"),
    }
    out.push(',');
    key(out, "timeToFirstToken");
    match row.ttft_ms() {
        Some(ms) if fields.contains(FieldGroups::TIME) || fields.contains(FieldGroups::METRICS) => {
            push_js_number(out, ms as f64 / 1000.0)
        }
        _ => out.push_str("null"),
    }
    out.push(',');
    if basic {
        str_or_empty(out, "userId", row.user_id().as_deref());
        str_or_empty(out, "sessionId", row.session_id().as_deref());
        key(out, "isRootObservation");
        out.push_str(if row.is_root() { "true" } else { "false" });
        out.push_str(",\"bookmarked\":false,\"public\":false,");
    }
    if fields.contains(FieldGroups::TRACE_CONTEXT) {
        key(out, "traceName");
        push_json_str(out, row.trace_name());
        out.push(',');
        key(out, "tags");
        out.push('[');
        for (i, t) in row.tags().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_json_str(out, t);
        }
        out.push_str("],");
        str_or_empty(out, "release", Some(row.release()));
    }
    let model_group = fields.contains(FieldGroups::MODEL);
    let def = if model_group {
        crate::dataset::matched_model(o)
    } else {
        None
    };
    key(out, "modelId");
    match def {
        Some(m) => push_json_str(out, m.id),
        None => out.push_str("null"),
    }
    out.push(',');
    let price = |usage_type: &str| {
        def.and_then(|m| m.default_tier()).and_then(|t| {
            t.prices
                .iter()
                .find(|(k, _)| *k == usage_type)
                .map(|(_, p)| *p)
        })
    };
    price_string(out, "inputPrice", price("input"));
    out.push(',');
    price_string(out, "outputPrice", price("output"));
    out.push(',');
    price_string(out, "totalPrice", price("total"));
    out.push('}');
}

/// Writes the v2 cursor for the row at `index` (standard base64 of the documented JSON).
pub(crate) fn cursor_for(ds: &Dataset, index: usize) -> Option<String> {
    let row = ds.row(index)?;
    let mut json = String::with_capacity(140);
    json.push_str("{\"lastStartTimeTo\":\"");
    push_iso_ms(&mut json, row.start_ms());
    json.push_str("\",\"lastTraceId\":");
    push_json_str(&mut json, &row.trace_id());
    json.push_str(",\"lastId\":");
    push_json_str(&mut json, &row.id());
    json.push('}');
    Some(crate::ids::base64_standard(&json))
}
