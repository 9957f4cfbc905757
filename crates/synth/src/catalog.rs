//! The fixed vocabulary of the synthetic project: model definitions with their real list prices (USD per
//! unit, held as integer pico-dollars so that costs are exact decimals like Langfuse's `Decimal(18,12)`),
//! the model names SDKs send, model-parameter presets, prompts, services, tags, tenants and the status
//! message templates errors and warnings are drawn from.

/// USD per unit in units of 1e-12 USD (`0.0000025` = `2_500_000`).
pub type PriceE12 = i64;

/// A pricing-tier condition (API.md §9.6).
#[derive(Clone, Copy, Debug)]
pub enum Condition {
    /// Sum of usage units over keys containing `key_substring` (emitted as the regex `usage_pattern`) > value.
    UsageGreaterThan {
        usage_pattern: &'static str,
        key_substring: &'static str,
        value: u64,
    },
    /// A model parameter's value is one of `values`.
    ModelParameterIn {
        key: &'static str,
        values: &'static [&'static str],
    },
}

/// One pricing tier; the first tier of a model is its default tier (priority 0, no conditions).
#[derive(Debug)]
pub struct Tier {
    pub id: &'static str,
    pub name: &'static str,
    pub priority: i64,
    pub conditions: &'static [Condition],
    pub prices: &'static [(&'static str, PriceE12)],
}

/// A model definition as `/api/public/models` lists it.
#[derive(Debug)]
pub struct ModelDef {
    pub id: &'static str,
    pub model_name: &'static str,
    pub match_pattern: &'static str,
    pub created_at: &'static str,
    pub start_date: Option<&'static str>,
    pub unit: &'static str,
    pub tokenizer_id: Option<&'static str>,
    /// JSON text of the tokenizer config.
    pub tokenizer_config: Option<&'static str>,
    pub managed: bool,
    pub tiers: &'static [Tier],
}

impl ModelDef {
    /// The default tier (always the first).
    pub fn default_tier(&self) -> Option<&'static Tier> {
        self.tiers.first()
    }
}

const OPENAI_TOKENIZER: &str =
    "{\"tokensPerName\":1,\"tokenizerModel\":\"gpt-4o\",\"tokensPerMessage\":3}";

macro_rules! tier {
    ($id:expr, $name:expr, $prio:expr, [$($c:expr),*], [$(($k:expr, $v:expr)),* $(,)?]) => {
        Tier { id: $id, name: $name, priority: $prio, conditions: &[$($c),*], prices: &[$(($k, $v)),*] }
    };
}

/// Every model definition, in the order `/api/public/models` returns them (modelName ASC, unit ASC,
/// startDate DESC NULLS LAST).
pub static MODELS: &[ModelDef] = &[
    ModelDef {
        id: "cmhw2k7c10002ld08x1s0tq8e",
        model_name: "claude-haiku-4-5-20251001",
        match_pattern: "(?i)^(anthropic/)?(claude-haiku-4-5(-20251001)?)$",
        created_at: "2025-10-16T09:12:44.201Z",
        start_date: None,
        unit: "TOKENS",
        tokenizer_id: Some("claude"),
        tokenizer_config: None,
        managed: true,
        tiers: &[tier!(
            "cmhw2k7c10002ld08x1s0tq8e_tier_default",
            "Standard",
            0,
            [],
            [
                ("input", 1_000_000),
                ("input_cache_read", 100_000),
                ("input_cache_creation", 1_250_000),
                ("output", 5_000_000),
            ]
        )],
    },
    ModelDef {
        id: "cmg8v3p2x0001jz07e4m1qk5r",
        model_name: "claude-sonnet-4-5-20250929",
        match_pattern: "(?i)^(anthropic/)?(claude-sonnet-4-5(-20250929)?)$",
        created_at: "2025-09-30T07:41:02.118Z",
        start_date: None,
        unit: "TOKENS",
        tokenizer_id: Some("claude"),
        tokenizer_config: None,
        managed: true,
        tiers: &[
            tier!(
                "cmg8v3p2x0001jz07e4m1qk5r_tier_default",
                "Standard",
                0,
                [],
                [
                    ("input", 3_000_000),
                    ("input_cache_read", 300_000),
                    ("input_cache_creation", 3_750_000),
                    ("output", 15_000_000),
                ]
            ),
            tier!(
                "cmg8v3p2x0001jz07e4m1qk5r_tier_large_context",
                "Large Context",
                1,
                [Condition::UsageGreaterThan {
                    usage_pattern: "input",
                    key_substring: "input",
                    value: 200_000
                }],
                [
                    ("input", 6_000_000),
                    ("input_cache_read", 600_000),
                    ("input_cache_creation", 7_500_000),
                    ("output", 22_500_000),
                ]
            ),
        ],
    },
    ModelDef {
        id: "cmi4dall3e0007pj02hq9w3xk",
        model_name: "dall-e-3",
        match_pattern: "(?i)^(openai/)?(dall-e-3)$",
        created_at: "2026-02-18T15:30:09.660Z",
        start_date: None,
        unit: "IMAGES",
        tokenizer_id: None,
        tokenizer_config: None,
        managed: false,
        tiers: &[
            tier!(
                "cmi4dall3e0008pj02a7n5b2vd",
                "Standard",
                0,
                [],
                [("output", 40_000_000_000)]
            ),
            tier!(
                "cmi4dall3e0009pj02c0m8r6tf",
                "HD",
                1,
                [Condition::ModelParameterIn {
                    key: "quality",
                    values: &["hd"]
                }],
                [("output", 80_000_000_000)]
            ),
        ],
    },
    ModelDef {
        id: "cmj0ftclf0003qa09k2v7n1bz",
        model_name: "ft:gpt-4o-mini:acme:ticket-classifier",
        match_pattern: "(?i)^ft:gpt-4o-mini-2024-07-18:acme:ticket-classifier:.*$",
        created_at: "2026-11-26T16:02:11.348Z",
        start_date: None,
        unit: "TOKENS",
        tokenizer_id: Some("openai"),
        tokenizer_config: Some(OPENAI_TOKENIZER),
        managed: false,
        tiers: &[tier!(
            "cmj0ftclf0004qa09w8d2k6ma",
            "Standard",
            0,
            [],
            [
                ("input", 300_000),
                ("input_cached_tokens", 150_000),
                ("output", 1_200_000),
            ]
        )],
    },
    ModelDef {
        id: "cm8q2g5fl0004ab7p9x2c3d4e",
        model_name: "gemini-2.5-flash",
        match_pattern: "(?i)^(google/)?(gemini-2.5-flash)$",
        created_at: "2025-06-17T18:02:37.905Z",
        start_date: None,
        unit: "TOKENS",
        tokenizer_id: None,
        tokenizer_config: None,
        managed: true,
        tiers: &[tier!(
            "cm8q2g5fl0004ab7p9x2c3d4e_tier_default",
            "Standard",
            0,
            [],
            [
                ("input", 300_000),
                ("input_cached_tokens", 75_000),
                ("output", 2_500_000),
                ("output_reasoning_tokens", 2_500_000),
            ]
        )],
    },
    ModelDef {
        id: "cm7a41gpt0001mx0k5q8r2w9z",
        model_name: "gpt-4.1",
        match_pattern: "(?i)^(openai/)?(gpt-4.1)(-2025-04-14)?$",
        created_at: "2025-04-15T10:20:31.442Z",
        start_date: None,
        unit: "TOKENS",
        tokenizer_id: Some("openai"),
        tokenizer_config: Some(OPENAI_TOKENIZER),
        managed: true,
        tiers: &[
            tier!(
                "cm7a41gpt0001mx0k5q8r2w9z_tier_default",
                "Standard",
                0,
                [],
                [
                    ("input", 2_000_000),
                    ("input_cached_tokens", 500_000),
                    ("output", 8_000_000),
                ]
            ),
            tier!(
                "cm7a41gpt0001mx0k5q8r2w9z_tier_priority",
                "Priority",
                1,
                [Condition::ModelParameterIn {
                    key: "service_tier",
                    values: &["priority"]
                }],
                [
                    ("input", 3_500_000),
                    ("input_cached_tokens", 875_000),
                    ("output", 14_000_000),
                ]
            ),
        ],
    },
    ModelDef {
        id: "cm7a41mini0002mx0k7t3y5u1",
        model_name: "gpt-4.1-mini",
        match_pattern: "(?i)^(openai/)?(gpt-4.1-mini)(-2025-04-14)?$",
        created_at: "2025-04-15T10:20:31.442Z",
        start_date: None,
        unit: "TOKENS",
        tokenizer_id: Some("openai"),
        tokenizer_config: Some(OPENAI_TOKENIZER),
        managed: true,
        tiers: &[tier!(
            "cm7a41mini0002mx0k7t3y5u1_tier_default",
            "Standard",
            0,
            [],
            [
                ("input", 400_000),
                ("input_cached_tokens", 100_000),
                ("output", 1_600_000),
            ]
        )],
    },
    ModelDef {
        id: "cm5f2qz8w0003lx0ku1v7g9ab",
        model_name: "gpt-4o",
        match_pattern: "(?i)^(openai/)?(gpt-4o)$",
        created_at: "2026-03-02T14:20:11.540Z",
        start_date: Some("2026-07-01T00:00:00.000Z"),
        unit: "TOKENS",
        tokenizer_id: None,
        tokenizer_config: None,
        managed: false,
        tiers: &[tier!(
            "cm5f2qz8w0004lx0k3b1c8d2e",
            "Standard",
            0,
            [],
            [
                ("input", 2_000_000),
                ("input_cached_tokens", 1_000_000),
                ("output", 8_000_000),
            ]
        )],
    },
    ModelDef {
        id: "b9854a5c92dc496b997d99d20",
        model_name: "gpt-4o",
        match_pattern: "(?i)^(openai/)?(gpt-4o)$",
        created_at: "2024-05-13T23:15:07.670Z",
        start_date: None,
        unit: "TOKENS",
        tokenizer_id: Some("openai"),
        tokenizer_config: Some(OPENAI_TOKENIZER),
        managed: true,
        tiers: &[tier!(
            "b9854a5c92dc496b997d99d20_tier_default",
            "Standard",
            0,
            [],
            [
                ("input", 2_500_000),
                ("input_cached_tokens", 1_250_000),
                ("output", 10_000_000),
            ]
        )],
    },
    ModelDef {
        id: "clyrjp56f0000t0mzapoocd7u",
        model_name: "gpt-4o-mini",
        match_pattern: "(?i)^(openai/)?(gpt-4o-mini)$",
        created_at: "2024-07-18T17:56:09.591Z",
        start_date: None,
        unit: "TOKENS",
        tokenizer_id: Some("openai"),
        tokenizer_config: Some(OPENAI_TOKENIZER),
        managed: true,
        tiers: &[tier!(
            "clyrjp56f0000t0mzapoocd7u_tier_default",
            "Standard",
            0,
            [],
            [
                ("input", 150_000),
                ("input_cached_tokens", 75_000),
                ("output", 600_000),
            ]
        )],
    },
    ModelDef {
        id: "cmj0llama0005qa09h3r6s8pt",
        model_name: "llama-3.3-70b-instruct",
        match_pattern: "(?i)^(meta-llama/)?(llama-3.3-70b-instruct)$",
        created_at: "2026-11-26T16:05:48.012Z",
        start_date: None,
        unit: "TOKENS",
        tokenizer_id: None,
        tokenizer_config: None,
        managed: false,
        tiers: &[tier!(
            "cmj0llama0006qa09t5v1m2xy",
            "Standard",
            0,
            [],
            [("input", 590_000), ("output", 790_000)]
        )],
    },
    ModelDef {
        id: "cm9o4mini0003tz06b8w2e4r7",
        model_name: "o4-mini",
        match_pattern: "(?i)^(openai/)?(o4-mini)(-2025-04-16)?$",
        created_at: "2025-04-17T08:03:55.210Z",
        start_date: None,
        unit: "TOKENS",
        tokenizer_id: Some("openai"),
        tokenizer_config: Some(OPENAI_TOKENIZER),
        managed: true,
        tiers: &[tier!(
            "cm9o4mini0003tz06b8w2e4r7_tier_default",
            "Standard",
            0,
            [],
            [
                ("input", 1_100_000),
                ("input_cached_tokens", 275_000),
                ("output", 4_400_000),
                ("output_reasoning_tokens", 4_400_000),
            ]
        )],
    },
    ModelDef {
        id: "clzjr85f70000ymmzg7hqffra",
        model_name: "text-embedding-3-small",
        match_pattern: "(?i)^(openai/)?(text-embedding-3-small)$",
        created_at: "2024-01-26T17:35:21.129Z",
        start_date: None,
        unit: "TOKENS",
        tokenizer_id: None,
        tokenizer_config: None,
        managed: true,
        tiers: &[tier!(
            "clzjr85f70000ymmzg7hqffra_tier_default",
            "Standard",
            0,
            [],
            [("total", 20_000)]
        )],
    },
];

/// How an SDK reports usage for a model family (API.md §10 key vocabulary).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UsageStyle {
    /// `input`, `input_cached_tokens`, `output`, `output_reasoning_tokens`, `total`.
    OpenAi,
    /// `input`, `input_cache_read`, `input_cache_creation`, `output`, `total`.
    Anthropic,
    /// `input`, `total` (embeddings).
    Embedding,
    /// `output` (images), `total`.
    Images,
}

/// A model name as SDKs send it, with the definition Langfuse matched at ingestion time (`None`: the
/// row carries usage but no cost; a project model that matches it was added to the list later).
#[derive(Debug)]
pub struct ProvidedModel {
    pub name: &'static str,
    pub matched: Option<usize>,
    pub style: UsageStyle,
    /// Median time to first token, ms.
    pub ttft_median_ms: f64,
    /// Decode speed, output tokens per second.
    pub tokens_per_s: f64,
}

/// Indexes into [`MODELS`].
#[allow(dead_code)]
pub mod m {
    pub const CLAUDE_HAIKU: usize = 0;
    pub const CLAUDE_SONNET: usize = 1;
    pub const DALL_E: usize = 2;
    pub const FT_MINI: usize = 3;
    pub const GEMINI_FLASH: usize = 4;
    pub const GPT41: usize = 5;
    pub const GPT41_MINI: usize = 6;
    pub const GPT4O_PROJECT: usize = 7;
    pub const GPT4O_MINI: usize = 9;
    pub const LLAMA: usize = 10;
    pub const O4_MINI: usize = 11;
    pub const EMBED_SMALL: usize = 12;
}

/// Model names the data uses; a row's `model` byte is an index into this table plus one.
pub static PROVIDED: &[ProvidedModel] = &[
    ProvidedModel {
        name: "gpt-4o",
        matched: Some(m::GPT4O_PROJECT),
        style: UsageStyle::OpenAi,
        ttft_median_ms: 520.0,
        tokens_per_s: 85.0,
    },
    ProvidedModel {
        name: "gpt-4o-mini",
        matched: Some(m::GPT4O_MINI),
        style: UsageStyle::OpenAi,
        ttft_median_ms: 380.0,
        tokens_per_s: 120.0,
    },
    ProvidedModel {
        name: "gpt-4.1",
        matched: Some(m::GPT41),
        style: UsageStyle::OpenAi,
        ttft_median_ms: 560.0,
        tokens_per_s: 80.0,
    },
    ProvidedModel {
        name: "gpt-4.1-mini",
        matched: Some(m::GPT41_MINI),
        style: UsageStyle::OpenAi,
        ttft_median_ms: 400.0,
        tokens_per_s: 110.0,
    },
    ProvidedModel {
        name: "o4-mini",
        matched: Some(m::O4_MINI),
        style: UsageStyle::OpenAi,
        ttft_median_ms: 2400.0,
        tokens_per_s: 140.0,
    },
    ProvidedModel {
        name: "claude-sonnet-4-5-20250929",
        matched: Some(m::CLAUDE_SONNET),
        style: UsageStyle::Anthropic,
        ttft_median_ms: 900.0,
        tokens_per_s: 65.0,
    },
    ProvidedModel {
        name: "claude-haiku-4-5-20251001",
        matched: Some(m::CLAUDE_HAIKU),
        style: UsageStyle::Anthropic,
        ttft_median_ms: 450.0,
        tokens_per_s: 140.0,
    },
    ProvidedModel {
        name: "gemini-2.5-flash",
        matched: Some(m::GEMINI_FLASH),
        style: UsageStyle::OpenAi,
        ttft_median_ms: 600.0,
        tokens_per_s: 180.0,
    },
    ProvidedModel {
        name: "text-embedding-3-small",
        matched: Some(m::EMBED_SMALL),
        style: UsageStyle::Embedding,
        ttft_median_ms: 0.0,
        tokens_per_s: 0.0,
    },
    ProvidedModel {
        name: "dall-e-3",
        matched: Some(m::DALL_E),
        style: UsageStyle::Images,
        ttft_median_ms: 0.0,
        tokens_per_s: 0.0,
    },
    ProvidedModel {
        name: "ft:gpt-4o-mini-2024-07-18:acme:ticket-classifier:9xK2pQ",
        matched: None,
        style: UsageStyle::OpenAi,
        ttft_median_ms: 360.0,
        tokens_per_s: 120.0,
    },
    ProvidedModel {
        name: "llama-3.3-70b-instruct",
        matched: None,
        style: UsageStyle::OpenAi,
        ttft_median_ms: 700.0,
        tokens_per_s: 45.0,
    },
];

/// Indexes into [`PROVIDED`] (a row stores index + 1; 0 = no model).
pub mod pm {
    pub const GPT4O: u8 = 1;
    pub const GPT4O_MINI: u8 = 2;
    pub const GPT41: u8 = 3;
    pub const GPT41_MINI: u8 = 4;
    pub const O4_MINI: u8 = 5;
    pub const SONNET: u8 = 6;
    pub const HAIKU: u8 = 7;
    pub const GEMINI_FLASH: u8 = 8;
    pub const EMBED: u8 = 9;
    pub const DALL_E: u8 = 10;
    pub const FT_MINI: u8 = 11;
    pub const LLAMA: u8 = 12;
}

/// A model-parameter value: numbers are written bare, strings quoted.
#[derive(Clone, Copy, Debug)]
pub enum ParamValue {
    Num(&'static str),
    Str(&'static str),
}

/// Model-parameter presets; a row's `params` byte indexes this table (0 = no parameters).
pub static PARAMS: &[&[(&str, ParamValue)]] = {
    use ParamValue::{Num, Str};
    &[
        &[],
        &[("temperature", Num("0.2")), ("max_tokens", Num("1024"))],
        &[("temperature", Num("0.7")), ("max_tokens", Num("512"))],
        &[
            ("temperature", Num("0")),
            ("max_tokens", Num("256")),
            ("response_format", Str("json_object")),
        ],
        &[
            ("temperature", Num("0.2")),
            ("max_tokens", Num("2048")),
            ("service_tier", Str("priority")),
        ],
        &[
            ("reasoning_effort", Str("medium")),
            ("max_completion_tokens", Num("8192")),
        ],
        &[
            ("size", Str("1024x1024")),
            ("quality", Str("standard")),
            ("n", Num("1")),
        ],
        &[
            ("size", Str("1024x1792")),
            ("quality", Str("hd")),
            ("n", Num("1")),
        ],
        &[("temperature", Num("0.3")), ("max_tokens", Num("4096"))],
        &[
            ("temperature", Num("0.2")),
            ("max_tokens", Num("2048")),
            ("service_tier", Str("default")),
        ],
    ]
};

/// Parameter preset indexes.
pub mod pp {
    pub const CHAT: u8 = 1;
    pub const CREATIVE: u8 = 2;
    pub const JSON: u8 = 3;
    pub const PRIORITY: u8 = 4;
    pub const REASONING: u8 = 5;
    pub const IMAGE_STD: u8 = 6;
    pub const IMAGE_HD: u8 = 7;
    pub const LONG: u8 = 8;
    pub const DEFAULT_TIER: u8 = 9;
}

/// A managed prompt version: (promptId, name, version). A row's `prompt` byte is index + 1.
pub static PROMPTS: &[(&str, &str, i64)] = &[
    ("cmf1pr0mt0001sa0a1b2c3d4e", "support-agent/system", 12),
    ("cmf1pr0mt0002sa0a5f6g7h8i", "support-agent/system", 13),
    ("cmf1pr0mt0003sa0a9j0k1l2m", "support-reply/style", 4),
    ("cmf1pr0mt0004sa0a3n4o5p6q", "ticket-classifier", 7),
    ("cmf1pr0mt0005sa0a7r8s9t0u", "ticket-classifier", 8),
    ("cmf1pr0mt0006sa0a1v2w3x4y", "rag-answer", 3),
    ("cmf1pr0mt0007sa0a5z6a7b8c", "code-review/file", 21),
    ("cmf1pr0mt0008sa0a9d0e1f2g", "code-review/file", 22),
    ("cmf1pr0mt0009sa0a3h4i5j6k", "image-prompt-enhancer", 2),
];

/// A service: one trace name with its own agent tree shape.
#[derive(Debug)]
pub struct Service {
    pub trace_name: &'static str,
    pub service_name: &'static str,
    /// Relative share of sessions.
    pub weight: u32,
    /// Share of its traces that came through the legacy ingestion pipeline.
    pub legacy_share: f64,
    pub tags: &'static [&'static str],
    /// Version tag before and after the mid-range release.
    pub versions: [&'static str; 2],
}

pub static SERVICES: &[Service] = &[
    Service {
        trace_name: "support-agent",
        service_name: "support-bot",
        weight: 34,
        legacy_share: 0.03,
        tags: &["support", "tier-1", "tier-2", "escalated", "beta"],
        versions: ["v14", "v15"],
    },
    Service {
        trace_name: "rag-qa",
        service_name: "knowledge-api",
        weight: 26,
        legacy_share: 0.05,
        tags: &["rag", "kb:docs", "kb:policies", "internal"],
        versions: ["v7", "v8"],
    },
    Service {
        trace_name: "classify-ticket",
        service_name: "ticket-router",
        weight: 18,
        legacy_share: 0.4,
        tags: &["classification", "batch"],
        versions: ["v3", "v4"],
    },
    Service {
        trace_name: "code-review-agent",
        service_name: "review-bot",
        weight: 9,
        legacy_share: 0.0,
        tags: &["code", "github", "gitlab"],
        versions: ["v21", "v22"],
    },
    Service {
        trace_name: "image-studio",
        service_name: "creative-studio",
        weight: 7,
        legacy_share: 0.0,
        tags: &["images", "marketing"],
        versions: ["v5", "v6"],
    },
    Service {
        trace_name: "doc-summarizer",
        service_name: "doc-pipeline",
        weight: 6,
        legacy_share: 1.0,
        tags: &["batch", "summaries"],
        versions: ["v2", "v2"],
    },
];

pub const ENVIRONMENTS: &[&str] = &["production", "staging", "development"];

/// Releases: production moves from 0 to 1 mid-range; staging runs 1 then 2; development runs 3.
pub const RELEASES: &[&str] = &["1.41.3", "1.42.0", "1.43.0-rc.1", "1.43.0-dev"];

/// Tenants with their region (`metadata.tenant`, `metadata.region`).
pub const TENANTS: &[(&str, &str)] = &[
    ("acme-corp", "eu-west-1"),
    ("globex", "us-east-1"),
    ("initech", "us-east-1"),
    ("umbrella", "eu-central-1"),
    ("hooli", "us-west-2"),
    ("stark-industries", "us-east-1"),
    ("wayne-enterprises", "us-east-1"),
    ("tyrell", "ap-northeast-1"),
    ("soylent", "eu-west-1"),
    ("cyberdyne", "us-west-2"),
    ("massive-dynamic", "eu-west-1"),
    ("aperture", "us-west-2"),
];

/// Observation names; a row's `name` is an index into this table.
pub static NAMES: &[&str] = &[
    "support-agent",
    "input-moderation",
    "search-kb",
    "embed-query",
    "agent-step",
    "lookup_order",
    "get_customer",
    "create_ticket",
    "refund_status",
    "compose-reply",
    "pii-filter",
    "user-feedback",
    "rag-qa",
    "rewrite-query",
    "vector-search",
    "rerank",
    "answer",
    "classify-ticket",
    "classify",
    "retry-classify",
    "code-review-agent",
    "plan",
    "plan-review",
    "fetch_diff",
    "review-file",
    "test-runner",
    "run_tests",
    "summarize-tests",
    "review-quality",
    "final-summary",
    "image-studio",
    "prompt-enhance",
    "content-policy",
    "render-image",
    "upload-asset",
    "doc-summarizer",
    "chunk-document",
    "summarize-chunk",
    "reduce-summaries",
    "post-to-slack",
];

/// Name indexes.
pub mod n {
    pub const SUPPORT_AGENT: u16 = 0;
    pub const INPUT_MODERATION: u16 = 1;
    pub const SEARCH_KB: u16 = 2;
    pub const EMBED_QUERY: u16 = 3;
    pub const AGENT_STEP: u16 = 4;
    pub const LOOKUP_ORDER: u16 = 5;
    pub const COMPOSE_REPLY: u16 = 9;
    pub const PII_FILTER: u16 = 10;
    pub const USER_FEEDBACK: u16 = 11;
    pub const RAG_QA: u16 = 12;
    pub const REWRITE_QUERY: u16 = 13;
    pub const VECTOR_SEARCH: u16 = 14;
    pub const RERANK: u16 = 15;
    pub const ANSWER: u16 = 16;
    pub const CLASSIFY_TICKET: u16 = 17;
    pub const CLASSIFY: u16 = 18;
    pub const RETRY_CLASSIFY: u16 = 19;
    pub const CODE_REVIEW_AGENT: u16 = 20;
    pub const PLAN: u16 = 21;
    pub const PLAN_REVIEW: u16 = 22;
    pub const FETCH_DIFF: u16 = 23;
    pub const REVIEW_FILE: u16 = 24;
    pub const TEST_RUNNER: u16 = 25;
    pub const RUN_TESTS: u16 = 26;
    pub const SUMMARIZE_TESTS: u16 = 27;
    pub const REVIEW_QUALITY: u16 = 28;
    pub const FINAL_SUMMARY: u16 = 29;
    pub const IMAGE_STUDIO: u16 = 30;
    pub const PROMPT_ENHANCE: u16 = 31;
    pub const CONTENT_POLICY: u16 = 32;
    pub const RENDER_IMAGE: u16 = 33;
    pub const UPLOAD_ASSET: u16 = 34;
    pub const DOC_SUMMARIZER: u16 = 35;
    pub const CHUNK_DOCUMENT: u16 = 36;
    pub const SUMMARIZE_CHUNK: u16 = 37;
    pub const REDUCE_SUMMARIES: u16 = 38;
    pub const POST_TO_SLACK: u16 = 39;
}

/// Status-message templates. Placeholders are filled from the observation's own fields and a hash of its
/// id: `{model}` provided model name, `{n3}`/`{n4}`/`{n5}` numbers of that many digits, `{ms}` a duration,
/// `{secs}` seconds with 3 decimals, `{uuid}`, `{hex8}`, `{org}`, `{req}` request ids, `{score}` 0.80-0.99,
/// `{pos}` a position, `{k}` a small count, `{tokens}` a context size.
pub static STATUS_TEMPLATES: &[&str] = &[
    "",
    "Rate limit reached for {model} in organization org-{org} on tokens per min (TPM): Limit 30000000, Used 29{n5}, Requested {n4}. Please try again in {secs}s. Visit https://platform.openai.com/account/rate-limits to learn more.",
    "Error code: 529 - {'type': 'error', 'error': {'type': 'overloaded_error', 'message': 'Overloaded'}, 'request_id': 'req_011C{req}'}",
    "Request timed out after {ms} ms: POST https://api.openai.com/v1/chat/completions",
    "Upstream returned 502 Bad Gateway from https://api.anthropic.com/v1/messages (attempt {k} of 3)",
    "Upstream returned 503 Service Unavailable from https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent (attempt {k} of 3)",
    "HTTP 404 Not Found: GET https://orders.internal.acme.io/api/v2/orders/{n5}",
    "HTTP 500 Internal Server Error: POST https://crm.internal.acme.io/api/tickets (request id {uuid})",
    "Tool 'run_tests' timed out after {k}0s (job {uuid})",
    "Blocked by guardrail \"prompt-injection\": score {score} above threshold 0.80",
    "Blocked by guardrail \"pii-filter\": redacted {k} entities of type EMAIL_ADDRESS",
    "Failed to parse model output as JSON: Expected ',' or '}' after property value in JSON at position {pos} (line {k} column {n3})",
    "Only {k} of 8 documents above similarity threshold 0.75 for query '{hex8}'",
    "This model's maximum context length is 128000 tokens. However, your messages resulted in 1{n5} tokens. Please reduce the length of the messages.",
    "Retrying after rate limit (attempt {k}/5), waited {ms}ms",
    "Your request was rejected as a result of our safety system. Request id: {uuid}",
    "S3 PutObject failed: SlowDown: Please reduce your request rate. (key 'renders/{uuid}.png')",
    "Agent stopped: max iterations (8) reached after {secs}s",
    "Agent run failed: step 'agent-step' raised APIError after {ms} ms",
    "Slack API error: ratelimited (retry after {k}s) posting to channel C0{n4}",
    "Test suite failed: {k} of {n3} tests failed in {hex8}",
];

/// Status template indexes.
pub mod st {
    pub const NONE: u16 = 0;
    pub const OPENAI_RATE_LIMIT: u16 = 1;
    pub const ANTHROPIC_OVERLOADED: u16 = 2;
    pub const OPENAI_TIMEOUT: u16 = 3;
    pub const ANTHROPIC_502: u16 = 4;
    pub const GEMINI_503: u16 = 5;
    pub const ORDER_404: u16 = 6;
    pub const CRM_500: u16 = 7;
    pub const TESTS_TIMEOUT: u16 = 8;
    pub const GUARD_INJECTION: u16 = 9;
    pub const GUARD_PII: u16 = 10;
    pub const JSON_PARSE: u16 = 11;
    pub const LOW_RECALL: u16 = 12;
    pub const CONTEXT_LENGTH: u16 = 13;
    pub const RETRY_WARNING: u16 = 14;
    pub const SAFETY_REJECTED: u16 = 15;
    pub const S3_SLOWDOWN: u16 = 16;
    pub const MAX_ITERATIONS: u16 = 17;
    pub const AGENT_FAILED: u16 = 18;
    pub const SLACK_RATELIMITED: u16 = 19;
    pub const TESTS_FAILED: u16 = 20;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn models_are_in_langfuse_list_order() {
        for pair in MODELS.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            let key = |m: &ModelDef| (m.model_name, m.unit);
            assert!(key(a) <= key(b), "{} before {}", a.model_name, b.model_name);
            if key(a) == key(b) {
                // startDate DESC NULLS LAST
                assert!(a.start_date.is_some() || b.start_date.is_none());
            }
        }
    }

    #[test]
    fn index_constants_point_at_the_right_entries() {
        assert_eq!(MODELS[m::GPT4O_PROJECT].model_name, "gpt-4o");
        assert!(!MODELS[m::GPT4O_PROJECT].managed);
        assert!(MODELS[8].managed && MODELS[8].model_name == "gpt-4o");
        assert_eq!(MODELS[m::EMBED_SMALL].model_name, "text-embedding-3-small");
        assert_eq!(MODELS[m::O4_MINI].model_name, "o4-mini");
        assert_eq!(
            PROVIDED[usize::from(pm::LLAMA) - 1].name,
            "llama-3.3-70b-instruct"
        );
        assert_eq!(PROVIDED[usize::from(pm::DALL_E) - 1].name, "dall-e-3");
        assert_eq!(NAMES[usize::from(n::POST_TO_SLACK)], "post-to-slack");
        assert_eq!(NAMES[usize::from(n::COMPOSE_REPLY)], "compose-reply");
        assert_eq!(STATUS_TEMPLATES.len(), usize::from(st::TESTS_FAILED) + 1);
        assert_eq!(PARAMS.len(), usize::from(pp::DEFAULT_TIER) + 1);
        for model in MODELS {
            let default = model
                .default_tier()
                .map(|t| (t.priority, t.conditions.len()));
            assert_eq!(default, Some((0, 0)), "{}", model.model_name);
        }
    }
}
