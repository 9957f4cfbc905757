//! The compact in-memory dataset and its typed accessors.
//!
//! Rows are kept in the order `/api/public/v2/observations` returns them: `startTime DESC,
//! xxHash32(traceId) DESC, id DESC` (ids compared as strings, bytewise). Strings are never stored per
//! row: names, models, prompts, environments, releases and tags are indexes into [`crate::catalog`];
//! user and session ids are formatted from their index; ids are 128-bit integers formatted on output.
//! A row takes 80 bytes plus 4 bytes of trace index; traces take about 48 bytes each.

use crate::catalog::{self, ModelDef, PROMPTS, PROVIDED, ProvidedModel, SERVICES, Tier};
use crate::ids;
use crate::json;

/// "No value" in u32 index and duration columns.
pub(crate) const NONE: u32 = u32::MAX;

/// Row flags.
pub(crate) mod flag {
    /// Langfuse's `isRootObservation`.
    pub const ROOT: u8 = 1;
    /// The legacy pipeline's synthetic `t-<traceId>` root span.
    pub const SYNTH_ROOT: u8 = 2;
    /// The row carries usage details.
    pub const USAGE: u8 = 4;
}

/// Observation types (API.md §9.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ObsType {
    Span,
    Generation,
    Event,
    Agent,
    Tool,
    Chain,
    Retriever,
    Evaluator,
    Embedding,
    Guardrail,
}

impl ObsType {
    pub const ALL: [ObsType; 10] = [
        Self::Span,
        Self::Generation,
        Self::Event,
        Self::Agent,
        Self::Tool,
        Self::Chain,
        Self::Retriever,
        Self::Evaluator,
        Self::Embedding,
        Self::Guardrail,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Span => "SPAN",
            Self::Generation => "GENERATION",
            Self::Event => "EVENT",
            Self::Agent => "AGENT",
            Self::Tool => "TOOL",
            Self::Chain => "CHAIN",
            Self::Retriever => "RETRIEVER",
            Self::Evaluator => "EVALUATOR",
            Self::Embedding => "EMBEDDING",
            Self::Guardrail => "GUARDRAIL",
        }
    }

    /// Parses the wire name (exact, upper case).
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == text)
    }
}

/// Observation levels (API.md §9.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Level {
    Debug,
    Default,
    Warning,
    Error,
}

impl Level {
    pub const ALL: [Level; 4] = [Self::Debug, Self::Default, Self::Warning, Self::Error];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Debug => "DEBUG",
            Self::Default => "DEFAULT",
            Self::Warning => "WARNING",
            Self::Error => "ERROR",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == text)
    }
}

/// One observation, compact.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Obs {
    pub id: u128,
    pub start_ms: i64,
    pub trace: u32,
    /// Row index of the physical parent, or [`NONE`].
    pub parent: u32,
    /// `endTime - startTime`, or [`NONE`] when there is no end time.
    pub duration_ms: u32,
    /// `completionStartTime - startTime`, or [`NONE`].
    pub ttft_ms: u32,
    /// Usage units: [input, input detail (cached / cache read), input cache creation, output, output
    /// reasoning]. Images are counted in `output`.
    pub usage: [u32; 5],
    pub name: u16,
    pub status: u16,
    pub kind: ObsType,
    pub level: Level,
    /// Index + 1 into [`PROVIDED`]; 0 = no model.
    pub model: u8,
    /// Index into [`catalog::PARAMS`]; 0 = none.
    pub params: u8,
    /// Index + 1 into [`PROMPTS`]; 0 = none.
    pub prompt: u8,
    pub flags: u8,
}

/// One trace's shared context.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Trace {
    pub id: u128,
    pub start_ms: i64,
    /// xxHash32 of the trace id string.
    pub hash: u32,
    pub user: u32,
    pub session: u32,
    pub service: u8,
    pub env: u8,
    pub release: u8,
    /// Bit i set: the service's tag i applies.
    pub tags: u8,
    pub tenant: u8,
    pub legacy: bool,
    /// Runs the release after the mid-range rollout (service version 2).
    pub new_version: bool,
}

/// One score, compact.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Score {
    pub id: u128,
    pub timestamp_ms: i64,
    pub trace: u32,
    /// Row index of the scored observation, or [`NONE`] for a trace score.
    pub obs: u32,
    pub kind: u8,
    /// NUMERIC value, category index, or 0/1.
    pub value: f64,
}

/// The generated project: observations in v2 order, their traces, scores and the models list.
#[derive(Debug)]
pub struct Dataset {
    pub(crate) config: crate::SynthConfig,
    pub(crate) rows: Vec<Obs>,
    pub(crate) traces: Vec<Trace>,
    /// Session start times (for session ids).
    pub(crate) sessions: Vec<i64>,
    /// CSR index: rows of trace t are `trace_rows[trace_offsets[t]..trace_offsets[t+1]]`, in v2 order.
    pub(crate) trace_offsets: Vec<u32>,
    pub(crate) trace_rows: Vec<u32>,
    /// Trace indexes ordered by trace timestamp DESC, id DESC (the legacy `/traces` order).
    pub(crate) traces_by_time: Vec<u32>,
    /// Scores ordered `timestamp DESC, id DESC`.
    pub(crate) scores: Vec<Score>,
}

/// A borrowed view of one observation with typed accessors (what the emulator filters and aggregates on).
#[derive(Clone, Copy)]
pub struct Row<'a> {
    pub(crate) ds: &'a Dataset,
    pub(crate) obs: &'a Obs,
    pub(crate) trace: &'a Trace,
    pub(crate) index: usize,
}

/// The project every row belongs to.
pub const PROJECT_ID: &str = "cm3k9x2pq0001ab8d7f3e2c1z";
/// The project's display name.
pub const PROJECT_NAME: &str = "loupe-demo";
/// The owning organization (id, name).
pub const ORGANIZATION: (&str, &str) = ("cm3k9x0aa0000ab8d1q2w3e4r", "Loupe Demo Org");

impl Dataset {
    /// Number of observations.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when there are no observations.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Bytes held on the heap by the dataset (allocated capacity of every column), for memory reports.
    pub fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        self.rows.capacity() * size_of::<Obs>()
            + self.traces.capacity() * size_of::<Trace>()
            + self.sessions.capacity() * size_of::<i64>()
            + (self.trace_offsets.capacity()
                + self.trace_rows.capacity()
                + self.traces_by_time.capacity())
                * size_of::<u32>()
            + self.scores.capacity() * size_of::<Score>()
    }

    /// The configuration this dataset was generated from.
    pub fn config(&self) -> &crate::SynthConfig {
        &self.config
    }

    /// Row `index` in v2 order, or `None` past the end.
    pub fn row(&self, index: usize) -> Option<Row<'_>> {
        let obs = self.rows.get(index)?;
        let trace = self.traces.get(obs.trace as usize)?;
        Some(Row {
            ds: self,
            obs,
            trace,
            index,
        })
    }

    /// Iterates all rows in v2 order.
    pub fn rows(&self) -> impl Iterator<Item = Row<'_>> + '_ {
        (0..self.rows.len()).filter_map(|i| self.row(i))
    }

    /// Number of traces.
    pub fn trace_count(&self) -> usize {
        self.traces.len()
    }

    /// Row indexes of trace `trace` (v2 order).
    pub fn trace_row_indexes(&self, trace: usize) -> &[u32] {
        let from = self.trace_offsets.get(trace).copied().unwrap_or(0) as usize;
        let to = self.trace_offsets.get(trace + 1).copied().unwrap_or(0) as usize;
        self.trace_rows.get(from..to).unwrap_or(&[])
    }

    /// Finds the trace index of a trace id string.
    pub fn find_trace(&self, trace_id: &str) -> Option<usize> {
        let hash = ids::xxhash32(trace_id.as_bytes());
        let mut buf = String::with_capacity(40);
        self.traces.iter().position(|t| {
            if t.hash != hash {
                return false;
            }
            buf.clear();
            push_trace_id(&mut buf, t);
            buf == trace_id
        })
    }

    /// Trace indexes ordered by timestamp DESC, id DESC.
    pub fn traces_by_time(&self) -> &[u32] {
        &self.traces_by_time
    }

    /// Position of the first row strictly after the v2 cursor tuple (startTime, traceId, id) in v2
    /// order (rows need not exist for the tuple).
    pub fn position_after(&self, start_ms: i64, trace_id: &str, id: &str) -> usize {
        let hash = ids::xxhash32(trace_id.as_bytes());
        let mut buf = String::with_capacity(72);
        self.rows.partition_point(|o| {
            // true while row sorts before or equal to the tuple (i.e. not strictly after).
            if o.start_ms != start_ms {
                return o.start_ms > start_ms;
            }
            let h = self.traces.get(o.trace as usize).map_or(0, |t| t.hash);
            if h != hash {
                return h > hash;
            }
            buf.clear();
            self.push_obs_id(&mut buf, o);
            buf.as_str() >= id
        })
    }

    pub(crate) fn push_obs_id(&self, out: &mut String, o: &Obs) {
        let Some(t) = self.traces.get(o.trace as usize) else {
            return;
        };
        push_obs_id(out, o, t);
    }

    /// The models list as the `data` array items of `/api/public/models`, one JSON object per entry, in
    /// list order.
    pub fn models_json_items(&self) -> Vec<String> {
        crate::models::model_items()
    }

    /// The full models list as a JSON array text.
    pub fn models_json(&self) -> String {
        let items = self.models_json_items();
        let mut out = String::from("[");
        out.push_str(&items.join(","));
        out.push(']');
        out
    }
}

pub(crate) fn push_trace_id(out: &mut String, t: &Trace) {
    if t.legacy {
        ids::push_uuid(out, t.id);
    } else {
        ids::push_hex(out, t.id, 32);
    }
}

pub(crate) fn push_obs_id(out: &mut String, o: &Obs, t: &Trace) {
    if o.flags & flag::SYNTH_ROOT != 0 {
        out.push_str("t-");
        push_trace_id(out, t);
    } else if t.legacy {
        ids::push_uuid(out, o.id);
    } else {
        ids::push_hex(out, o.id, 16);
    }
}

/// Formats user index `u` as a user id.
pub(crate) fn push_user_id(out: &mut String, u: u32) {
    out.push_str("user_");
    ids::push_hex(out, u128::from(permute32(u ^ 0x5a5a_0001)), 8);
}

/// Formats session `s` (started at `start_ms`) as a session id.
pub(crate) fn push_session_id(out: &mut String, s: u32, start_ms: i64) {
    out.push_str("sess_");
    let iso = json::iso_ms(start_ms);
    out.push_str(iso.get(..10).unwrap_or("1970-01-01"));
    out.push('_');
    ids::push_hex(out, u128::from(permute32(s ^ 0x9e37_79b9)), 8);
}

/// A bijective 32-bit mix (lowbias32), so distinct indexes give distinct ids.
pub(crate) fn permute32(mut x: u32) -> u32 {
    x ^= x >> 16;
    x = x.wrapping_mul(0x7feb_352d);
    x ^= x >> 15;
    x = x.wrapping_mul(0x846c_a68b);
    x ^ (x >> 16)
}

/// The usage keys and units of a row in wire order (`usageDetails`); empty without usage.
pub(crate) fn usage_entries(o: &Obs) -> ([(&'static str, u64); 6], usize) {
    let mut out = [("", 0u64); 6];
    let mut n = 0;
    if o.flags & flag::USAGE == 0 || o.model == 0 {
        return (out, 0);
    }
    let Some(pmodel) = PROVIDED.get(usize::from(o.model) - 1) else {
        return (out, 0);
    };
    let [input, in_detail, in_creation, output, out_detail] = o.usage.map(u64::from);
    let mut push = |k: &'static str, v: u64| {
        if let Some(slot) = out.get_mut(n) {
            *slot = (k, v);
            n += 1;
        }
    };
    match pmodel.style {
        catalog::UsageStyle::OpenAi => {
            push("input", input);
            if in_detail > 0 {
                push("input_cached_tokens", in_detail);
            }
            push("output", output);
            if out_detail > 0 {
                push("output_reasoning_tokens", out_detail);
            }
        }
        catalog::UsageStyle::Anthropic => {
            push("input", input);
            if in_detail > 0 {
                push("input_cache_read", in_detail);
            }
            if in_creation > 0 {
                push("input_cache_creation", in_creation);
            }
            push("output", output);
        }
        catalog::UsageStyle::Embedding => push("input", input),
        catalog::UsageStyle::Images => push("output", output),
    }
    push(
        "total",
        input + in_detail + in_creation + output + out_detail,
    );
    (out, n)
}

/// The tier Langfuse selects for a row under `model` (API.md §10 "Tier match").
pub(crate) fn select_tier(model: &'static ModelDef, o: &Obs) -> Option<&'static Tier> {
    let (usage, n) = usage_entries(o);
    let usage = usage.get(..n).unwrap_or(&[]);
    let params = catalog::PARAMS
        .get(usize::from(o.params))
        .copied()
        .unwrap_or(&[]);
    let mut tiers: Vec<&'static Tier> = model.tiers.iter().skip(1).collect();
    loupe_core::sort::sort_by_key(&mut tiers, |t| t.priority);
    for tier in tiers {
        let all = tier.conditions.iter().all(|c| match *c {
            catalog::Condition::UsageGreaterThan {
                key_substring,
                value,
                ..
            } => {
                let sum: u64 = usage
                    .iter()
                    .filter(|(k, _)| k.contains(key_substring))
                    .map(|(_, v)| *v)
                    .sum();
                sum > value
            }
            catalog::Condition::ModelParameterIn { key, values } => params.iter().any(|(k, v)| {
                *k == key
                    && match v {
                        catalog::ParamValue::Str(s) | catalog::ParamValue::Num(s) => {
                            values.contains(s)
                        }
                    }
            }),
        });
        if all {
            return Some(tier);
        }
    }
    model.default_tier()
}

/// Cost entries in 1e-12 USD for a row, computed like Langfuse (`cost[key] = price × units`; `total` = the
/// total-priced cost if any, else the sum). Empty when Langfuse computed no cost for the row.
pub(crate) fn cost_entries(o: &Obs) -> ([(&'static str, i64); 7], usize) {
    let mut out = [("", 0i64); 7];
    let Some(model) = matched_model(o) else {
        return (out, 0);
    };
    let Some(tier) = select_tier(model, o) else {
        return (out, 0);
    };
    let (usage, un) = usage_entries(o);
    let mut n = 0;
    let mut sum = 0i64;
    let mut total_priced = None;
    for (key, units) in usage.iter().take(un) {
        let Some((_, price)) = tier.prices.iter().find(|(k, _)| k == key) else {
            continue;
        };
        let cost = price.saturating_mul(*units as i64);
        if *key == "total" {
            total_priced = Some(cost);
            continue;
        }
        sum = sum.saturating_add(cost);
        if let Some(slot) = out.get_mut(n) {
            *slot = (key, cost);
            n += 1;
        }
    }
    if n == 0 && total_priced.is_none() {
        return (out, 0);
    }
    if let Some(slot) = out.get_mut(n) {
        *slot = ("total", total_priced.unwrap_or(sum));
        n += 1;
    }
    (out, n)
}

/// The model definition Langfuse matched at ingestion, if any.
pub(crate) fn matched_model(o: &Obs) -> Option<&'static ModelDef> {
    let pmodel = provided(o)?;
    catalog::MODELS.get(pmodel.matched?)
}

pub(crate) fn provided(o: &Obs) -> Option<&'static ProvidedModel> {
    PROVIDED.get(usize::from(o.model).checked_sub(1)?)
}

/// Converts 1e-12 USD to a float USD (one correctly rounded division, so the decimal prints exactly).
pub(crate) fn usd(e12: i64) -> f64 {
    e12 as f64 / 1e12
}

impl<'a> Row<'a> {
    /// Position in v2 order.
    pub fn index(&self) -> usize {
        self.index
    }
    /// Observation id.
    pub fn id(&self) -> String {
        let mut s = String::with_capacity(40);
        push_obs_id(&mut s, self.obs, self.trace);
        s
    }
    /// Trace id.
    pub fn trace_id(&self) -> String {
        let mut s = String::with_capacity(36);
        push_trace_id(&mut s, self.trace);
        s
    }
    /// Index of the trace in the dataset.
    pub fn trace_index(&self) -> usize {
        self.obs.trace as usize
    }
    /// xxHash32 of the trace id.
    pub fn trace_hash(&self) -> u32 {
        self.trace.hash
    }
    pub fn start_ms(&self) -> i64 {
        self.obs.start_ms
    }
    pub fn end_ms(&self) -> Option<i64> {
        (self.obs.duration_ms != NONE).then(|| self.obs.start_ms + i64::from(self.obs.duration_ms))
    }
    pub fn completion_start_ms(&self) -> Option<i64> {
        (self.obs.ttft_ms != NONE).then(|| self.obs.start_ms + i64::from(self.obs.ttft_ms))
    }
    /// `endTime - startTime` in ms.
    pub fn latency_ms(&self) -> Option<i64> {
        (self.obs.duration_ms != NONE).then_some(i64::from(self.obs.duration_ms))
    }
    /// `completionStartTime - startTime` in ms.
    pub fn ttft_ms(&self) -> Option<i64> {
        (self.obs.ttft_ms != NONE).then_some(i64::from(self.obs.ttft_ms))
    }
    /// Ingestion time: a little after the observation ended (legacy pipeline: seconds later).
    pub fn created_ms(&self) -> i64 {
        let base = self.end_ms().unwrap_or(self.obs.start_ms);
        let h = ids::mix64(self.obs.id as u64 ^ 0xc0ffee);
        let delay = 60
            + (h % 1900) as i64
            + if self.trace.legacy {
                4_000 + (h >> 32) as i64 % 9_000
            } else {
                0
            };
        base + delay
    }
    pub fn kind(&self) -> ObsType {
        self.obs.kind
    }
    pub fn level(&self) -> Level {
        self.obs.level
    }
    pub fn name(&self) -> &'static str {
        catalog::NAMES
            .get(usize::from(self.obs.name))
            .copied()
            .unwrap_or("")
    }
    /// The status message (empty when none).
    pub fn status_message(&self) -> String {
        crate::status::render(self.obs)
    }
    pub fn parent_id(&self) -> Option<String> {
        let parent = self.ds.rows.get(self.obs.parent as usize)?;
        let mut s = String::with_capacity(40);
        push_obs_id(&mut s, parent, self.trace);
        Some(s)
    }
    /// Row index of the physical parent.
    pub fn parent_index(&self) -> Option<usize> {
        (self.obs.parent != NONE).then_some(self.obs.parent as usize)
    }
    pub fn is_root(&self) -> bool {
        self.obs.flags & flag::ROOT != 0
    }
    /// The legacy pipeline's synthetic `t-<traceId>` root.
    pub fn is_synthetic_root(&self) -> bool {
        self.obs.flags & flag::SYNTH_ROOT != 0
    }
    /// Came through the legacy ingestion pipeline.
    pub fn is_legacy(&self) -> bool {
        self.trace.legacy
    }
    pub fn environment(&self) -> &'static str {
        catalog::ENVIRONMENTS
            .get(usize::from(self.trace.env))
            .copied()
            .unwrap_or("default")
    }
    pub fn version(&self) -> &'static str {
        let svc = SERVICES.get(usize::from(self.trace.service));
        svc.map_or("", |s| s.versions[usize::from(self.trace.new_version)])
    }
    pub fn release(&self) -> &'static str {
        catalog::RELEASES
            .get(usize::from(self.trace.release))
            .copied()
            .unwrap_or("")
    }
    pub fn trace_name(&self) -> &'static str {
        SERVICES
            .get(usize::from(self.trace.service))
            .map_or("", |s| s.trace_name)
    }
    /// `metadata.service_name`.
    pub fn service_name(&self) -> &'static str {
        SERVICES
            .get(usize::from(self.trace.service))
            .map_or("", |s| s.service_name)
    }
    pub fn tenant(&self) -> &'static str {
        catalog::TENANTS
            .get(usize::from(self.trace.tenant))
            .map_or("", |t| t.0)
    }
    pub fn region(&self) -> &'static str {
        catalog::TENANTS
            .get(usize::from(self.trace.tenant))
            .map_or("", |t| t.1)
    }
    /// Trace tags, in the service's tag order.
    pub fn tags(&self) -> impl Iterator<Item = &'static str> + 'a {
        let tags = SERVICES
            .get(usize::from(self.trace.service))
            .map_or(&[][..], |s| s.tags);
        let mask = self.trace.tags;
        tags.iter()
            .enumerate()
            .filter(move |(i, _)| mask & (1 << i) != 0)
            .map(|(_, t)| *t)
    }
    pub fn user_id(&self) -> Option<String> {
        (self.trace.user != NONE).then(|| {
            let mut s = String::with_capacity(13);
            push_user_id(&mut s, self.trace.user);
            s
        })
    }
    pub fn session_id(&self) -> Option<String> {
        let start = *self.ds.sessions.get(self.trace.session as usize)?;
        let mut s = String::with_capacity(30);
        push_session_id(&mut s, self.trace.session, start);
        Some(s)
    }
    /// Model name as the SDK sent it.
    pub fn model(&self) -> Option<&'static str> {
        provided(self.obs).map(|p| p.name)
    }
    /// The model definition Langfuse matched (its id is `modelId`/`internalModelId`).
    pub fn matched_model_id(&self) -> Option<&'static str> {
        matched_model(self.obs).map(|m| m.id)
    }
    /// `(promptId, promptName, promptVersion)`.
    pub fn prompt(&self) -> Option<(&'static str, &'static str, i64)> {
        PROMPTS
            .get(usize::from(self.obs.prompt).checked_sub(1)?)
            .copied()
    }
    /// `usageDetails` entries in wire order.
    pub fn usage(&self) -> Vec<(&'static str, u64)> {
        let (u, n) = usage_entries(self.obs);
        u.get(..n).unwrap_or(&[]).to_vec()
    }
    /// Σ usage keys containing `input`.
    pub fn input_tokens(&self) -> u64 {
        let (u, n) = usage_entries(self.obs);
        u.iter()
            .take(n)
            .filter(|(k, _)| k.contains("input"))
            .map(|(_, v)| v)
            .sum()
    }
    /// Σ usage keys containing `output`.
    pub fn output_tokens(&self) -> u64 {
        let (u, n) = usage_entries(self.obs);
        u.iter()
            .take(n)
            .filter(|(k, _)| k.contains("output"))
            .map(|(_, v)| v)
            .sum()
    }
    /// `usageDetails.total` (0 when absent).
    pub fn total_tokens(&self) -> u64 {
        let (u, n) = usage_entries(self.obs);
        u.iter()
            .take(n)
            .find(|(k, _)| *k == "total")
            .map_or(0, |(_, v)| *v)
    }
    /// `costDetails` entries in 1e-12 USD, wire order.
    pub fn cost_e12(&self) -> Vec<(&'static str, i64)> {
        let (c, n) = cost_entries(self.obs);
        c.get(..n).unwrap_or(&[]).to_vec()
    }
    /// Σ cost keys containing `input`, USD; `None` when no such key.
    pub fn input_cost_usd(&self) -> Option<f64> {
        self.cost_sum(|k| k.contains("input"))
    }
    /// Σ cost keys containing `output`, USD; `None` when no such key.
    pub fn output_cost_usd(&self) -> Option<f64> {
        self.cost_sum(|k| k.contains("output"))
    }
    /// `costDetails.total` in USD (0 when absent, like Langfuse's `totalCost`).
    pub fn total_cost_usd(&self) -> f64 {
        self.cost_sum(|k| k == "total").unwrap_or(0.0)
    }
    /// `costDetails.total` in 1e-12 USD (0 when absent).
    pub fn total_cost_e12(&self) -> i64 {
        let (c, n) = cost_entries(self.obs);
        c.iter()
            .take(n)
            .find(|(k, _)| *k == "total")
            .map_or(0, |(_, v)| *v)
    }
    fn cost_sum(&self, pick: impl Fn(&str) -> bool) -> Option<f64> {
        let (c, n) = cost_entries(self.obs);
        let mut any = false;
        let mut sum = 0i64;
        for (k, v) in c.iter().take(n) {
            if pick(k) {
                any = true;
                sum = sum.saturating_add(*v);
            }
        }
        any.then(|| usd(sum))
    }
    /// Metadata value as text (`tenant`, `service_name`, `region`, `http_status` on tools).
    pub fn metadata(&self, key: &str) -> Option<String> {
        crate::v2::metadata_entries(self)
            .into_iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.trim_matches('"').to_string())
    }
    /// Model-parameter value as text.
    pub fn model_parameter(&self, key: &str) -> Option<&'static str> {
        let params = catalog::PARAMS.get(usize::from(self.obs.params))?;
        params
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| match v {
                catalog::ParamValue::Num(s) | catalog::ParamValue::Str(s) => *s,
            })
    }
}
