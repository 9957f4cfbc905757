//! Deterministic synthetic observations shaped like OTel-ingested Langfuse data, for tests and benches
//! of loupe-core (the app's realistic generator is `loupe-synth`; this one avoids a dependency cycle).
//!
//! Shape: traces of 3–20 observations (about 10 on average) under an AGENT root with a trace name from
//! 8 services, 500 users, about 4 traces per session, 2 environments, 5 releases, tag subsets; about a
//! third of the observations are GENERATIONs with a model, 4 usage keys, 4 cost keys, a first-token time
//! and model parameters; 2 % errors with recurring status messages, 5 % warnings; 16-hex observation
//! ids and 32-hex trace ids; metadata on every row.
#![allow(dead_code)]

use loupe_core::{Level, ObservationRow, ObservationType};

/// splitmix64.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    /// Long-tailed latency in ms.
    pub fn latency(&mut self, median: f64) -> i64 {
        let u = (self.below(1_000_000) as f64 + 0.5) / 1_000_000.0;
        let z = (-2.0 * u.ln()).sqrt()
            * (2.0 * std::f64::consts::PI * (self.below(1_000_000) as f64 / 1e6)).cos();
        (median * (0.9 * z).exp()).round().max(0.0) as i64
    }
}

const SERVICES: [&str; 8] = [
    "support-agent",
    "search",
    "summarize",
    "checkout-bot",
    "rag-qa",
    "triage",
    "translate",
    "code-review",
];
const MODELS: [(&str, f64, f64); 8] = [
    ("gpt-4o", 0.0000025, 0.00001),
    ("gpt-4o-mini", 0.00000015, 0.0000006),
    ("claude-sonnet-4-5", 0.000003, 0.000015),
    ("claude-haiku-4-5", 0.000001, 0.000005),
    ("gemini-2.5-pro", 0.00000125, 0.00001),
    ("gemini-2.5-flash", 0.0000003, 0.0000025),
    ("o3-mini", 0.0000011, 0.0000044),
    ("text-embedding-3-small", 0.00000002, 0.0),
];
const TAGS: [&str; 6] = ["prod", "beta", "tier-1", "tier-2", "eu", "us"];
const STATUS: [&str; 5] = [
    "Rate limit exceeded for request req_{}: retry after 12s",
    "upstream timeout after 30000 ms calling https://api.example.com/v1/items/{}",
    "tool 'lookup_order' failed: order {} not found",
    "context length exceeded: {} tokens > 128000",
    "connection reset by peer",
];
const NAMES: [&str; 8] = [
    "plan",
    "retrieve",
    "lookup_order",
    "rerank",
    "chat-completion",
    "embed",
    "guard",
    "format",
];

/// Calls `sink` with `n` rows, trace by trace, children before their parent within a trace (as pages
/// ordered by start time descending deliver them). Returns the number of traces.
pub fn generate(n: usize, seed: u64, mut sink: impl FnMut(&ObservationRow<'_>)) -> usize {
    let mut rng = Rng::new(seed);
    let t0: i64 = 1_786_492_800_000; // 2026-08-12T00:00Z
    let span_ms: i64 = 7 * 86_400_000;
    let mut produced = 0;
    let mut traces = 0usize;
    let resource = r#"{"service.name":"support-bot","telemetry.sdk.language":"python","telemetry.sdk.version":"1.36.0"}"#;
    while produced < n {
        traces += 1;
        let trace_id = format!("{:016x}{:016x}", rng.next(), rng.next());
        let size = (3 + rng.below(18) as usize).min(n - produced).max(1);
        let service = SERVICES[rng.below(8) as usize];
        let user = format!("user_{}", rng.below(500));
        let session = format!("sess_{}", traces / 4 + rng.below(2) as usize);
        let env = if rng.chance(80) {
            "production"
        } else {
            "staging"
        };
        let release = format!("2026.08.{}", rng.below(5));
        let tag_mask = rng.below(64);
        let tags: Vec<&str> = TAGS
            .iter()
            .enumerate()
            .filter(|(i, _)| tag_mask & (1 << i) != 0)
            .map(|(_, t)| *t)
            .collect();
        let start = t0 + rng.below(span_ms as u64) as i64;
        let root_id = format!("{:016x}", rng.next());
        let channel = if rng.chance(50) { "web" } else { "api" };
        let meta = [("resourceAttributes", resource), ("channel", channel)];
        let mut end_max = start + 1;
        // Children first.
        for c in 1..size {
            let id = format!("{:016x}", rng.next());
            let kind = rng.below(100);
            let obs_type = match kind {
                0..=34 => ObservationType::Generation,
                35..=54 => ObservationType::Tool,
                55..=69 => ObservationType::Span,
                70..=79 => ObservationType::Retriever,
                80..=89 => ObservationType::Event,
                _ => ObservationType::Embedding,
            };
            let c_start = start + 5 + (c as i64) * 40 + rng.below(200) as i64;
            let lat = match obs_type {
                ObservationType::Generation => rng.latency(1800.0),
                ObservationType::Event => 0,
                _ => rng.latency(300.0),
            };
            let c_end = c_start + lat;
            end_max = end_max.max(c_end);
            let level_roll = rng.below(100);
            let level = if level_roll < 2 {
                Level::Error
            } else if level_roll < 7 {
                Level::Warning
            } else {
                Level::Default
            };
            let status = if level != Level::Default {
                Some(STATUS[rng.below(5) as usize].replace("{}", &rng.below(100_000).to_string()))
            } else {
                None
            };
            let mut row = ObservationRow::new(&id, &trace_id, c_start);
            row.parent_observation_id = Some(&root_id);
            row.end_time_ms = if obs_type == ObservationType::Event {
                None
            } else {
                Some(c_end)
            };
            row.observation_type = obs_type;
            row.name = Some(NAMES[rng.below(8) as usize]);
            row.level = level;
            row.status_message = status.as_deref();
            row.environment = Some(env);
            row.user_id = Some(&user);
            row.session_id = Some(&session);
            row.trace_name = Some(service);
            row.tags = &tags;
            row.release = Some(&release);
            row.version = Some("v14");
            row.is_root = Some(false);
            row.metadata = &meta;
            let (model, pin, pout) = MODELS[rng.below(if obs_type == ObservationType::Embedding {
                8
            } else {
                7
            }) as usize];
            let input = rng.below(4000) + 10;
            let cached = if rng.chance(40) { rng.below(input) } else { 0 };
            let output = if obs_type == ObservationType::Embedding {
                0
            } else {
                rng.below(800) + 1
            };
            let usage = [
                ("input", input - cached),
                ("input_cached_tokens", cached),
                ("output", output),
                ("total", input + output),
            ];
            let cost_in = (input - cached) as f64 * pin;
            let cost_cached = cached as f64 * pin / 2.0;
            let cost_out = output as f64 * pout;
            let cost = [
                ("input", cost_in),
                ("input_cached_tokens", cost_cached),
                ("output", cost_out),
                ("total", cost_in + cost_cached + cost_out),
            ];
            let params = [("temperature", "0.2"), ("max_tokens", "1024")];
            if matches!(
                obs_type,
                ObservationType::Generation | ObservationType::Embedding
            ) {
                row.model = Some(model);
                row.usage = &usage;
                row.cost = &cost;
                row.model_parameters = &params;
                if obs_type == ObservationType::Generation {
                    row.completion_start_time_ms = Some(c_start + lat / 4);
                    if rng.chance(30) {
                        row.prompt_name = Some("support-system");
                        row.prompt_version = Some(3);
                    }
                }
            }
            sink(&row);
            produced += 1;
        }
        let mut root = ObservationRow::new(&root_id, &trace_id, start);
        root.end_time_ms = Some(end_max + rng.below(50) as i64);
        root.observation_type = ObservationType::Agent;
        root.name = Some(service);
        root.environment = Some(env);
        root.user_id = Some(&user);
        root.session_id = Some(&session);
        root.trace_name = Some(service);
        root.tags = &tags;
        root.release = Some(&release);
        root.version = Some("v14");
        root.is_root = Some(true);
        root.metadata = &meta;
        sink(&root);
        produced += 1;
    }
    traces
}

/// A store filled with `n` synthetic rows.
pub fn store(n: usize, seed: u64) -> loupe_core::Store {
    let mut store = loupe_core::Store::new();
    generate(n, seed, |row| {
        store.upsert(row);
    });
    store.shrink_to_fit();
    store
}
