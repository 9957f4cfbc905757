//! Cost estimation from the models list, for observations Langfuse left without a cost.
//!
//! Rules (API.md §10, Langfuse 4.16):
//! - A row is estimated only when Langfuse gave no cost key, or only zeros, and it has usage.
//! - Model match: the row's model name is searched (not anchored unless the pattern anchors) with each
//!   model's `matchPattern`, a Postgres regex (`(?i)` prefix supported; a pattern that does not compile
//!   never matches). Among matches, project models win over Langfuse-managed ones, then the newest
//!   `startDate` (missing dates last), then list order. The observation time is not compared with
//!   `startDate`, as in 4.16.
//! - Tier match: non-default tiers by ascending priority; the first whose conditions all hold is used,
//!   else the default tier, else the model's flat `prices`. A usage condition sums the units of every
//!   usage key matching its regex; an attribute condition holds when the row's model parameter or metadata
//!   value for the key is one of the listed values; an unsupported condition never holds.
//! - Cost per usage key = price of the same key × units. Total = the `total`-priced cost when the tier
//!   prices `total` and the row has `total` usage, else the sum of the computed entries. Units are priced
//!   per unit whatever the model's unit (tokens, characters, images, ...).
//!
//! Output: (usage-key symbol, USD) in the row's usage-key order, `total` last.

use regex_lite::Regex;

use crate::intern::{NONE, Sym};
use crate::pricing::{AttributeSource, CompareOp, ModelPrice, PricingTier, TierCondition};
use crate::store::{GenRec, Store, gk};

/// A compiled tier condition.
#[derive(Debug)]
enum Cond {
    Usage {
        pattern: Option<Regex>,
        op: CompareOp,
        value: f64,
    },
    Attribute {
        source: AttributeSource,
        key: String,
        values: Vec<String>,
    },
    Never,
}

#[derive(Debug)]
struct Tier {
    conditions: Vec<Cond>,
    prices: Vec<(String, f64)>,
}

#[derive(Debug)]
struct Compiled {
    pattern: Option<Regex>,
    /// Non-default tiers by ascending priority.
    tiers: Vec<Tier>,
    /// Default prices (default tier, else the flat list).
    default_prices: Vec<(String, f64)>,
}

/// The models list, compiled, with a per-model-symbol match cache.
#[derive(Debug, Default)]
pub(crate) struct Pricing {
    models: Vec<ModelPrice>,
    compiled: Vec<Compiled>,
    /// Candidate order: indices into `models`, best first.
    order: Vec<usize>,
    /// `matched[model_sym]`: `Some(Some(i))` matched model `i`, `Some(None)` no match, `None` unknown yet.
    matched: Vec<Option<Option<u32>>>,
}

fn compile(pattern: &str, case_insensitive: bool) -> Option<Regex> {
    regex_lite::RegexBuilder::new(pattern)
        .case_insensitive(case_insensitive)
        .build()
        .ok()
}

fn compile_tier(tier: &PricingTier) -> Tier {
    let conditions = tier
        .conditions
        .iter()
        .map(|c| match c {
            TierCondition::Usage {
                usage_detail_pattern,
                operator,
                value,
                case_sensitive,
            } => Cond::Usage {
                pattern: compile(usage_detail_pattern, !case_sensitive),
                op: *operator,
                value: *value,
            },
            TierCondition::Attribute {
                source,
                key,
                values,
            } => Cond::Attribute {
                source: *source,
                key: key.clone(),
                values: values.clone(),
            },
            TierCondition::Unsupported(_) => Cond::Never,
        })
        .collect();
    Tier {
        conditions,
        prices: tier.prices.clone(),
    }
}

impl Pricing {
    pub(crate) fn new(models: Vec<ModelPrice>) -> Self {
        let compiled = models
            .iter()
            .map(|m| {
                let mut tiers: Vec<&PricingTier> =
                    m.tiers.iter().filter(|t| !t.is_default).collect();
                crate::sort::sort_by_key(&mut tiers, |t| t.priority);
                let default_prices = m
                    .tiers
                    .iter()
                    .find(|t| t.is_default)
                    .map_or_else(|| m.prices.clone(), |t| t.prices.clone());
                Compiled {
                    pattern: compile(&m.match_pattern, false),
                    tiers: tiers.into_iter().map(compile_tier).collect(),
                    default_prices,
                }
            })
            .collect();
        let mut order: Vec<usize> = (0..models.len()).collect();
        // Project models first, then newest start date (missing last); the sort is stable.
        crate::sort::sort_by(&mut order, |&a, &b| {
            let (ma, mb) = (&models[a], &models[b]);
            ma.is_langfuse_managed
                .cmp(&mb.is_langfuse_managed)
                .then_with(|| match (ma.start_date_ms, mb.start_date_ms) {
                    (Some(x), Some(y)) => y.cmp(&x),
                    (Some(_), None) => core::cmp::Ordering::Less,
                    (None, Some(_)) => core::cmp::Ordering::Greater,
                    (None, None) => core::cmp::Ordering::Equal,
                })
        });
        Self {
            models,
            compiled,
            order,
            matched: Vec::new(),
        }
    }

    pub(crate) fn models(&self) -> &[ModelPrice] {
        &self.models
    }

    /// Heap bytes of the models list and the match cache (the compiled patterns' internals are not
    /// visible and not counted).
    pub(crate) fn memory_bytes(&self) -> usize {
        let prices = |p: &Vec<(String, f64)>| {
            p.capacity() * core::mem::size_of::<(String, f64)>()
                + p.iter().map(|(k, _)| k.capacity()).sum::<usize>()
        };
        let deep: usize = self
            .models
            .iter()
            .map(|m| {
                m.id.capacity()
                    + m.model_name.capacity()
                    + m.match_pattern.capacity()
                    + m.unit.as_ref().map_or(0, String::capacity)
                    + prices(&m.prices)
                    + m.tiers.capacity() * core::mem::size_of::<PricingTier>()
                    + m.tiers
                        .iter()
                        .map(|t| {
                            t.id.capacity()
                                + t.name.capacity()
                                + prices(&t.prices)
                                + t.conditions.capacity() * core::mem::size_of::<TierCondition>()
                        })
                        .sum::<usize>()
            })
            .sum();
        let compiled: usize = self
            .compiled
            .iter()
            .map(|c| {
                prices(&c.default_prices)
                    + c.tiers.capacity() * core::mem::size_of::<Tier>()
                    + c.tiers
                        .iter()
                        .map(|t| {
                            prices(&t.prices)
                                + t.conditions.capacity() * core::mem::size_of::<Cond>()
                        })
                        .sum::<usize>()
            })
            .sum();
        self.matched.capacity() * core::mem::size_of::<Option<Option<u32>>>()
            + self.models.capacity() * core::mem::size_of::<ModelPrice>()
            + self.compiled.capacity() * core::mem::size_of::<Compiled>()
            + self.order.capacity() * core::mem::size_of::<usize>()
            + deep
            + compiled
    }

    /// The best model for a model name, by the rules in the module docs.
    pub(crate) fn match_model(&self, name: &str) -> Option<usize> {
        if name.is_empty() {
            return None;
        }
        self.order.iter().copied().find(|&i| {
            self.compiled
                .get(i)
                .and_then(|c| c.pattern.as_ref())
                .is_some_and(|re| re.is_match(name))
        })
    }

    /// Fills the match cache for model symbol `sym` (call with `&mut` before [`Pricing::estimate`]).
    pub(crate) fn ensure_matched(&mut self, sym: Sym, name: &str) {
        let i = sym as usize;
        if self.matched.len() <= i {
            self.matched.resize(i + 1, None);
        }
        if self.matched.get(i).copied().flatten().is_none() {
            let m = self.match_model(name).map(|m| m as u32);
            if let Some(slot) = self.matched.get_mut(i) {
                *slot = Some(m);
            }
        }
    }

    fn cached_match(&self, sym: Sym, name: &str) -> Option<usize> {
        match self.matched.get(sym as usize).copied().flatten() {
            Some(m) => m.map(|m| m as usize),
            None => self.match_model(name),
        }
    }

    /// Estimated cost of a generation record, or `None` when no model or no priced usage key matches.
    pub(crate) fn estimate(
        &self,
        store: &Store,
        g: GenRec,
        key: [u32; gk::LEN],
    ) -> Option<(Vec<Sym>, Vec<f64>)> {
        if self.models.is_empty() {
            return None;
        }
        let model_sym = key[gk::MODEL];
        if model_sym == NONE {
            return None;
        }
        let d = &store.dicts;
        let m = self.cached_match(model_sym, d.models.resolve(model_sym))?;
        let compiled = self.compiled.get(m)?;
        let usage: Vec<(Sym, u64)> = store.usage_of(&g).collect();
        if usage.is_empty() {
            return None;
        }
        let attr = |source: AttributeSource, wanted: &str| -> Option<&str> {
            let set = match source {
                AttributeSource::ModelParameters => key[gk::PARAMS],
                AttributeSource::Metadata => {
                    store.meta.get(g.row as usize).copied().unwrap_or(NONE)
                }
            };
            d.metasets
                .resolve(set)
                .chunks_exact(2)
                .find(|p| d.meta_keys.resolve(p[0]) == wanted)
                .map(|p| d.meta_values.resolve(p[1]))
        };
        let holds = |c: &Cond| -> bool {
            match c {
                Cond::Never => false,
                Cond::Attribute {
                    source,
                    key,
                    values,
                } => attr(*source, key).is_some_and(|v| values.iter().any(|x| x == v)),
                Cond::Usage { pattern: None, .. } => false,
                Cond::Usage {
                    pattern: Some(re),
                    op,
                    value,
                } => {
                    let sum: f64 = usage
                        .iter()
                        .filter(|(k, _)| re.is_match(d.usage_keys.resolve(*k)))
                        .map(|&(_, u)| u as f64)
                        .sum();
                    match op {
                        CompareOp::Gt => sum > *value,
                        CompareOp::Gte => sum >= *value,
                        CompareOp::Lt => sum < *value,
                        CompareOp::Lte => sum <= *value,
                        CompareOp::Eq => sum == *value,
                        CompareOp::Neq => sum != *value,
                    }
                }
            }
        };
        let prices = compiled
            .tiers
            .iter()
            .find(|t| t.conditions.iter().all(holds))
            .map_or(&compiled.default_prices, |t| &t.prices);
        let price_of = |k: &str| prices.iter().find(|(p, _)| p == k).map(|&(_, v)| v);

        let mut keys = Vec::new();
        let mut values = Vec::new();
        let mut total_cost = None;
        let mut sum = 0.0;
        for &(k, units) in &usage {
            let name = d.usage_keys.resolve(k);
            if let Some(price) = price_of(name) {
                let cost = price * units as f64;
                if name == "total" {
                    total_cost = Some(cost);
                } else {
                    keys.push(k);
                    values.push(cost);
                    sum += cost;
                }
            }
        }
        if keys.is_empty() && total_cost.is_none() {
            return None;
        }
        keys.push(d.usage_keys.get("total").unwrap_or(NONE));
        values.push(total_cost.unwrap_or(sum));
        Some((keys, values))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::pricing::PricingTier;

    fn model(id: &str, pattern: &str, managed: bool, start: Option<i64>, input: f64) -> ModelPrice {
        ModelPrice {
            id: id.into(),
            model_name: id.into(),
            match_pattern: pattern.into(),
            start_date_ms: start,
            unit: Some("TOKENS".into()),
            is_langfuse_managed: managed,
            prices: vec![("input".into(), input)],
            tiers: vec![PricingTier {
                id: format!("{id}_default"),
                name: "Standard".into(),
                is_default: true,
                priority: 0,
                conditions: vec![],
                prices: vec![("input".into(), input)],
            }],
        }
    }

    #[test]
    fn postgres_style_case_insensitive_patterns_match() {
        let p = Pricing::new(vec![model(
            "m",
            "(?i)^(openai/)?(gpt-4o)$",
            true,
            None,
            1.0,
        )]);
        assert_eq!(p.match_model("gpt-4o"), Some(0));
        assert_eq!(p.match_model("OpenAI/GPT-4o"), Some(0));
        assert_eq!(p.match_model("gpt-4o-mini"), None);
        assert_eq!(p.match_model(""), None);
    }

    #[test]
    fn project_models_win_then_newest_start_date() {
        let p = Pricing::new(vec![
            model("managed", "gpt", true, Some(30), 1.0),
            model("old", "gpt", false, Some(10), 2.0),
            model("new", "gpt", false, Some(20), 3.0),
            model("undated", "gpt", false, None, 4.0),
        ]);
        assert_eq!(p.match_model("gpt"), Some(2));
        let p = Pricing::new(vec![
            model("undated", "gpt", false, None, 4.0),
            model("dated", "gpt", false, Some(1), 1.0),
        ]);
        assert_eq!(p.match_model("gpt"), Some(1));
    }

    #[test]
    fn broken_patterns_never_match() {
        let p = Pricing::new(vec![model("m", "(unclosed", false, None, 1.0)]);
        assert_eq!(p.match_model("(unclosed"), None);
    }
}
