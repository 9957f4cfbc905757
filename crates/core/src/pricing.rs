//! Model prices as Langfuse's `/api/public/models` describes them (API.md §9.6), in engine form.
//!
//! Prices are USD **per unit** (per token for `TOKENS` models). A model has a default tier and optional
//! tiers chosen by conditions; the engine estimates a cost for an observation that Langfuse left without
//! one (API.md §10 "Cost", "Model match", "Tier match"). Decoders convert wire models into [`ModelPrice`].

use serde::{Deserialize, Serialize};

/// One model definition (project-defined or Langfuse-managed).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelPrice {
    pub id: String,
    pub model_name: String,
    /// Postgres-style regex matched against the observation's model name, e.g. `(?i)^(openai/)?(gpt-4o)$`.
    pub match_pattern: String,
    pub start_date_ms: Option<i64>,
    /// `TOKENS`, `CHARACTERS`, `IMAGES`, ... as sent; `None` when absent.
    pub unit: Option<String>,
    /// Project models win over Langfuse-managed ones.
    pub is_langfuse_managed: bool,
    /// Default-tier prices by usage type (`input`, `output`, `input_cached_tokens`, `total`, ...).
    pub prices: Vec<(String, f64)>,
    /// Pricing tiers ordered by ascending priority (the default tier included, flagged).
    pub tiers: Vec<PricingTier>,
}

/// A pricing tier: used when all its conditions hold (non-default tiers are tried by ascending priority).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PricingTier {
    pub id: String,
    pub name: String,
    pub is_default: bool,
    pub priority: i64,
    pub conditions: Vec<TierCondition>,
    pub prices: Vec<(String, f64)>,
}

/// A tier condition (API.md §9.6).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum TierCondition {
    /// Sum of usage units over keys matching `usage_detail_pattern`, compared with `value`.
    Usage {
        usage_detail_pattern: String,
        operator: CompareOp,
        value: f64,
        case_sensitive: bool,
    },
    /// A model parameter or metadata value is one of `values`.
    Attribute {
        source: AttributeSource,
        key: String,
        values: Vec<String>,
    },
    /// A condition this build does not understand: the tier never matches.
    Unsupported(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CompareOp {
    Gt,
    Gte,
    Lt,
    Lte,
    Eq,
    Neq,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AttributeSource {
    ModelParameters,
    Metadata,
}
