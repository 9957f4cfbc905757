//! Dimensions, filters, and the selection of observations a filter keeps.
//!
//! Dimension values (one per observation unless noted; "missing" is `None` / the empty string):
//! - `Model`, `PromptName`: the observation's own model / prompt name (missing on rows without them).
//! - `Service` (the trace name), `User`, `Session`, `Release`, `Tag`: trace-level, taken from the trace
//!   (see [`crate::trace`]), so every observation of a trace falls in the same group. `Tag` is
//!   multi-valued: an observation counts once under each tag of its trace (and under "missing" when the
//!   trace has none).
//! - `Environment`: the observation's environment, else its trace's. `Version`: the observation's.
//! - `ObservationType`, `Level`: the enum's wire name (`OTHER` for unknown values).
//! - `Name`: the observation name. `Metadata(key)`: the observation's metadata value for `key`.
//!
//! Filter semantics (all conditions AND-ed, evaluated per observation):
//! - `from_ms` (inclusive) / `to_ms` (exclusive) on the observation start time;
//! - each `include` entry: the dimension's value is one of `values` (for `Tag`: any tag is); `""` in
//!   `values` stands for "missing"; entries for the same dimension are AND-ed;
//! - each `exclude` entry: the value is none of `values` (for `Tag`: no tag is);
//! - `min/max_duration_ms` (inclusive): observation duration; rows without an end time fail a duration
//!   bound; `min/max_cost_usd` (inclusive): observation total cost, 0 when it has none;
//! - `text`: case-insensitive substring of the observation name or the trace name.
//!
//! Membership is decided once per dictionary symbol (a bitmap per condition), then tested per row.

use serde::{Deserialize, Serialize};

use crate::intern::{NONE, Sym};
use crate::row::{Level, ObservationType};
use crate::store::{Store, ctx, gk};
use crate::trace::TraceIndex;

/// A grouping / filtering dimension.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Dimension {
    Model,
    /// The trace name.
    Service,
    User,
    Session,
    Environment,
    Release,
    Version,
    Tag,
    ObservationType,
    Level,
    /// The observation name.
    Name,
    PromptName,
    /// A metadata key.
    Metadata(String),
}

impl Dimension {
    /// Every dimension without a parameter.
    pub const FIXED: [Dimension; 12] = [
        Self::Model,
        Self::Service,
        Self::User,
        Self::Session,
        Self::Environment,
        Self::Release,
        Self::Version,
        Self::Tag,
        Self::ObservationType,
        Self::Level,
        Self::Name,
        Self::PromptName,
    ];

    /// Parses the short names used in URLs and on the command line: `model`, `service`, `user`,
    /// `session`, `environment`, `release`, `version`, `tag`, `type`, `level`, `name`, `prompt`,
    /// `metadata:<key>`.
    pub fn parse(text: &str) -> Option<Self> {
        if let Some(key) = text.strip_prefix("metadata:") {
            return Some(Self::Metadata(key.to_owned()));
        }
        Some(match text {
            "model" => Self::Model,
            "service" | "trace_name" => Self::Service,
            "user" => Self::User,
            "session" => Self::Session,
            "environment" | "env" => Self::Environment,
            "release" => Self::Release,
            "version" => Self::Version,
            "tag" | "tags" => Self::Tag,
            "type" | "observation_type" => Self::ObservationType,
            "level" => Self::Level,
            "name" => Self::Name,
            "prompt" | "prompt_name" => Self::PromptName,
            _ => return None,
        })
    }

    /// The short name [`Dimension::parse`] accepts.
    pub fn short_name(&self) -> String {
        match self {
            Self::Model => "model".into(),
            Self::Service => "service".into(),
            Self::User => "user".into(),
            Self::Session => "session".into(),
            Self::Environment => "environment".into(),
            Self::Release => "release".into(),
            Self::Version => "version".into(),
            Self::Tag => "tag".into(),
            Self::ObservationType => "type".into(),
            Self::Level => "level".into(),
            Self::Name => "name".into(),
            Self::PromptName => "prompt".into(),
            Self::Metadata(k) => format!("metadata:{k}"),
        }
    }
}

/// Values of one dimension that a filter includes or excludes. `""` stands for "missing".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DimensionValues {
    pub dimension: Dimension,
    pub values: Vec<String>,
}

impl DimensionValues {
    /// A condition on `dimension`.
    pub fn new(dimension: Dimension, values: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Self {
            dimension,
            values: values.into_iter().map(Into::into).collect(),
        }
    }
}

/// What to keep. The default keeps everything. See the module docs for the semantics.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Filter {
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub include: Vec<DimensionValues>,
    pub exclude: Vec<DimensionValues>,
    pub min_duration_ms: Option<i64>,
    pub max_duration_ms: Option<i64>,
    pub min_cost_usd: Option<f64>,
    pub max_cost_usd: Option<f64>,
    pub text: Option<String>,
}

impl Filter {
    /// A filter on the start-time range `[from_ms, to_ms)`.
    pub fn time_range(from_ms: i64, to_ms: i64) -> Self {
        Self {
            from_ms: Some(from_ms),
            to_ms: Some(to_ms),
            ..Self::default()
        }
    }
}

/// The dictionary symbols a dimension takes, resolved against a store.
pub(crate) struct DimReader<'s> {
    store: &'s Store,
    traces: &'s TraceIndex,
    dim: Dimension,
    /// For `Metadata(key)`: the key symbol (`None` when no row has the key).
    meta_key: Option<Sym>,
}

impl<'s> DimReader<'s> {
    pub(crate) fn new(store: &'s Store, dim: &Dimension) -> Self {
        let meta_key = match dim {
            Dimension::Metadata(k) => store.dicts.meta_keys.get(k).filter(|&s| s != NONE),
            _ => None,
        };
        Self {
            store,
            traces: store.traces(),
            dim: dim.clone(),
            meta_key,
        }
    }

    /// Number of symbols this dimension can take (the size of its dictionary).
    pub(crate) fn cardinality(&self) -> usize {
        let d = &self.store.dicts;
        match self.dim {
            Dimension::Model => d.models.len(),
            Dimension::Service | Dimension::Name => d.names.len(),
            Dimension::User => d.users.len(),
            Dimension::Session => d.sessions.len(),
            Dimension::Environment => d.environments.len(),
            Dimension::Release => d.releases.len(),
            Dimension::Version => d.versions.len(),
            Dimension::Tag => d.tags.len(),
            Dimension::ObservationType => ObservationType::ALL.len(),
            Dimension::Level => Level::ALL.len(),
            Dimension::PromptName => d.prompts.len(),
            Dimension::Metadata(_) => d.meta_values.len(),
        }
    }

    /// The text of a symbol (`None` for missing).
    pub(crate) fn label(&self, sym: Sym) -> Option<String> {
        self.label_str(sym).map(str::to_owned)
    }

    /// The text of a symbol, borrowed (`None` for missing).
    pub(crate) fn label_str(&self, sym: Sym) -> Option<&'s str> {
        self.label_bytes(sym)
            .map(|b| core::str::from_utf8(b).unwrap_or(""))
    }

    /// The UTF-8 bytes of a symbol's text (`None` for missing): byte order is text order, and skipping
    /// the UTF-8 check matters when thousands of labels are sorted.
    pub(crate) fn label_bytes(&self, sym: Sym) -> Option<&'s [u8]> {
        let d = &self.store.dicts;
        let text = match self.dim {
            Dimension::Model => d.models.resolve_bytes(sym),
            Dimension::Service | Dimension::Name => d.names.resolve_bytes(sym),
            Dimension::User => d.users.resolve_bytes(sym),
            Dimension::Session => d.sessions.resolve_bytes(sym),
            Dimension::Environment => d.environments.resolve_bytes(sym),
            Dimension::Release => d.releases.resolve_bytes(sym),
            Dimension::Version => d.versions.resolve_bytes(sym),
            Dimension::Tag => d.tags.resolve_bytes(sym),
            Dimension::ObservationType => {
                return ObservationType::ALL
                    .get(sym as usize)
                    .map(|t| t.as_str().as_bytes());
            }
            Dimension::Level => {
                return Level::ALL.get(sym as usize).map(|l| l.as_str().as_bytes());
            }
            Dimension::PromptName => d.prompts.resolve_bytes(sym),
            Dimension::Metadata(_) => d.meta_values.resolve_bytes(sym),
        };
        (sym != NONE).then_some(text)
    }

    /// The per-trace column of a trace-level dimension (service, user, session, release), whose value
    /// is the same for every row of a trace.
    pub(crate) fn trace_column(&self) -> Option<&'s [Sym]> {
        match self.dim {
            Dimension::Service => Some(&self.traces.service),
            Dimension::User => Some(&self.traces.user),
            Dimension::Session => Some(&self.traces.session),
            Dimension::Release => Some(&self.traces.release),
            _ => None,
        }
    }

    /// The symbol of a text value, if this dimension has it. `""` is missing.
    pub(crate) fn lookup(&self, text: &str) -> Option<Sym> {
        let d = &self.store.dicts;
        match self.dim {
            Dimension::Model => d.models.get(text),
            Dimension::Service | Dimension::Name => d.names.get(text),
            Dimension::User => d.users.get(text),
            Dimension::Session => d.sessions.get(text),
            Dimension::Environment => d.environments.get(text),
            Dimension::Release => d.releases.get(text),
            Dimension::Version => d.versions.get(text),
            Dimension::Tag => d.tags.get(text),
            Dimension::ObservationType => ObservationType::ALL
                .iter()
                .position(|t| t.as_str() == text)
                .map(|i| i as Sym),
            Dimension::Level => Level::ALL
                .iter()
                .position(|l| l.as_str() == text)
                .map(|i| i as Sym),
            Dimension::PromptName => d.prompts.get(text),
            Dimension::Metadata(_) => d.meta_values.get(text),
        }
    }

    /// True for the multi-valued `Tag` dimension.
    pub(crate) fn is_multi(&self) -> bool {
        self.dim == Dimension::Tag
    }

    /// The tags of `row`'s trace (for `Tag`).
    pub(crate) fn tags(&self, row: u32) -> &'s [Sym] {
        let tr = self.store.trace.get(row as usize).copied().unwrap_or(NONE) as usize;
        let set = self.traces.tagset.get(tr).copied().unwrap_or(NONE);
        self.store.dicts.tagsets.resolve(set)
    }

    /// The single value of every selected row (for every dimension but `Tag`), through per-dictionary
    /// lookup tables so that each row costs one or two loads.
    pub(crate) fn values_for(&self, sel: &Selection) -> Vec<Sym> {
        let s = self.store;
        let d = &s.dicts;
        let trace_of = |r: u32| s.trace.get(r as usize).copied().unwrap_or(NONE) as usize;
        let by_trace = |col: &[Sym]| -> Vec<Sym> {
            sel.rows
                .iter()
                .map(|&r| col.get(trace_of(r)).copied().unwrap_or(NONE))
                .collect()
        };
        let by_context = |slot: usize| -> Vec<Sym> {
            let table: Vec<Sym> = d.contexts.entries().iter().map(|c| c[slot]).collect();
            sel.rows
                .iter()
                .map(|&r| {
                    table
                        .get(s.context.get(r as usize).copied().unwrap_or(NONE) as usize)
                        .copied()
                        .unwrap_or(NONE)
                })
                .collect()
        };
        let by_genkey = |slot: usize| -> Vec<Sym> {
            let table: Vec<Sym> = d.genkeys.entries().iter().map(|k| k[slot]).collect();
            sel.gens
                .iter()
                .map(|&gi| {
                    s.gens
                        .get(gi as usize)
                        .map_or(NONE, |g| table.get(g.key as usize).copied().unwrap_or(NONE))
                })
                .collect()
        };
        match &self.dim {
            Dimension::Model => by_genkey(gk::MODEL),
            Dimension::PromptName => by_genkey(gk::PROMPT),
            Dimension::Service => by_trace(&self.traces.service),
            Dimension::User => by_trace(&self.traces.user),
            Dimension::Session => by_trace(&self.traces.session),
            Dimension::Release => by_trace(&self.traces.release),
            Dimension::Tag => sel
                .rows
                .iter()
                .map(|&r| self.tags(r).first().copied().unwrap_or(NONE))
                .collect(),
            Dimension::Environment => {
                let own = by_context(ctx::ENVIRONMENT);
                own.into_iter()
                    .zip(&sel.rows)
                    .map(|(e, &r)| {
                        if e != NONE {
                            e
                        } else {
                            self.traces
                                .environment
                                .get(trace_of(r))
                                .copied()
                                .unwrap_or(NONE)
                        }
                    })
                    .collect()
            }
            Dimension::Version => by_context(ctx::VERSION),
            Dimension::ObservationType => sel
                .rows
                .iter()
                .map(|&r| s.obs_type.get(r as usize).map_or(NONE, |&t| t as u8 as Sym))
                .collect(),
            Dimension::Level => sel
                .rows
                .iter()
                .map(|&r| s.level.get(r as usize).map_or(NONE, |&l| l as u8 as Sym))
                .collect(),
            Dimension::Name => sel
                .rows
                .iter()
                .map(|&r| s.name.get(r as usize).copied().unwrap_or(NONE))
                .collect(),
            Dimension::Metadata(_) => {
                let Some(key) = self.meta_key else {
                    return vec![NONE; sel.rows.len()];
                };
                let table: Vec<Sym> = (0..d.metasets.len() as Sym)
                    .map(|set| {
                        d.metasets
                            .resolve(set)
                            .chunks_exact(2)
                            .find(|p| p[0] == key)
                            .map_or(NONE, |p| p[1])
                    })
                    .collect();
                sel.rows
                    .iter()
                    .map(|&r| {
                        table
                            .get(s.meta.get(r as usize).copied().unwrap_or(NONE) as usize)
                            .copied()
                            .unwrap_or(NONE)
                    })
                    .collect()
            }
        }
    }

    /// The single value of `row` (for every dimension but `Tag`). `gen` is the row's generation index.
    pub(crate) fn value(&self, row: u32, gen_index: Option<usize>) -> Sym {
        let s = self.store;
        let r = row as usize;
        let trace = || s.trace.get(r).copied().unwrap_or(NONE) as usize;
        let genkey = || {
            gen_index
                .and_then(|g| s.gens.get(g))
                .map(|g| s.dicts.genkeys.resolve(g.key))
                .unwrap_or([NONE; gk::LEN])
        };
        let context = || {
            s.dicts
                .contexts
                .resolve(s.context.get(r).copied().unwrap_or(NONE))
        };
        match self.dim {
            Dimension::Model => genkey()[gk::MODEL],
            Dimension::PromptName => genkey()[gk::PROMPT],
            Dimension::Service => self.traces.service.get(trace()).copied().unwrap_or(NONE),
            Dimension::User => self.traces.user.get(trace()).copied().unwrap_or(NONE),
            Dimension::Session => self.traces.session.get(trace()).copied().unwrap_or(NONE),
            Dimension::Release => self.traces.release.get(trace()).copied().unwrap_or(NONE),
            Dimension::Tag => self.tags(row).first().copied().unwrap_or(NONE),
            Dimension::Environment => {
                let own = context()[ctx::ENVIRONMENT];
                if own != NONE {
                    own
                } else {
                    self.traces
                        .environment
                        .get(trace())
                        .copied()
                        .unwrap_or(NONE)
                }
            }
            Dimension::Version => context()[ctx::VERSION],
            Dimension::ObservationType => {
                // `ObservationType` is `repr(u8)` in the order of `ObservationType::ALL`.
                s.obs_type.get(r).map_or(NONE, |&t| t as u8 as Sym)
            }
            Dimension::Level => {
                // `Level` is `repr(u8)` in the order of `Level::ALL`.
                s.level.get(r).map_or(NONE, |&l| l as u8 as Sym)
            }
            Dimension::Name => s.name.get(r).copied().unwrap_or(NONE),
            Dimension::Metadata(_) => {
                let Some(key) = self.meta_key else {
                    return NONE;
                };
                let set = s.meta.get(r).copied().unwrap_or(NONE);
                s.dicts
                    .metasets
                    .resolve(set)
                    .chunks_exact(2)
                    .find(|p| p[0] == key)
                    .map_or(NONE, |p| p[1])
            }
        }
    }
}

/// A compiled include or exclude condition.
struct Condition<'s> {
    reader: DimReader<'s>,
    members: Vec<bool>,
    exclude: bool,
}

impl Condition<'_> {
    fn passes(&self, row: u32, gen_index: Option<usize>) -> bool {
        let hit = if self.reader.is_multi() {
            let tags = self.reader.tags(row);
            if tags.is_empty() {
                self.members.first().copied().unwrap_or(false)
            } else {
                tags.iter()
                    .any(|&t| self.members.get(t as usize).copied().unwrap_or(false))
            }
        } else {
            self.members
                .get(self.reader.value(row, gen_index) as usize)
                .copied()
                .unwrap_or(false)
        };
        hit != self.exclude
    }
}

/// The observations a filter keeps, in row order, with their generation-table index.
#[derive(Clone, Debug, Default)]
pub(crate) struct Selection {
    pub rows: Vec<u32>,
    /// Per selected row: index into `store.gens`, or `u32::MAX`.
    pub gens: Vec<u32>,
}

pub(crate) const NO_GEN: u32 = u32::MAX;

/// Evaluates `filter` over every row.
pub(crate) fn select(store: &Store, filter: &Filter) -> Selection {
    let mut conditions = Vec::new();
    for (list, exclude) in [(&filter.include, false), (&filter.exclude, true)] {
        for entry in list {
            let reader = DimReader::new(store, &entry.dimension);
            let mut members = vec![false; reader.cardinality().max(1)];
            for v in &entry.values {
                if let Some(sym) = reader.lookup(v)
                    && let Some(m) = members.get_mut(sym as usize)
                {
                    *m = true;
                }
            }
            conditions.push(Condition {
                reader,
                members,
                exclude,
            });
        }
    }
    let text_match: Option<Vec<bool>> =
        filter
            .text
            .as_deref()
            .filter(|t| !t.is_empty())
            .map(|needle| {
                let needle = needle.to_lowercase();
                store
                    .dicts
                    .names
                    .iter()
                    .map(|(_, name)| !name.is_empty() && name.to_lowercase().contains(&needle))
                    .collect()
            });
    let traces = store.traces();

    let mut sel = Selection::default();
    let simple = conditions.is_empty()
        && text_match.is_none()
        && filter.min_duration_ms.is_none()
        && filter.max_duration_ms.is_none()
        && filter.min_cost_usd.is_none()
        && filter.max_cost_usd.is_none();
    if simple {
        // Time range only: one comparison per row, generation indices by merging the sorted side table.
        let (from, to) = (
            filter.from_ms.unwrap_or(i64::MIN),
            filter.to_ms.unwrap_or(i64::MAX),
        );
        // Generation index per row from the (sparse, row-sorted) side table.
        let mut gen_of = vec![NO_GEN; store.len()];
        for (gi, g) in store.gens.iter().enumerate() {
            if let Some(slot) = gen_of.get_mut(g.row as usize) {
                *slot = gi as u32;
            }
        }
        if from == i64::MIN && to == i64::MAX {
            sel.rows = (0..store.len() as u32).collect();
            sel.gens = gen_of;
            return sel;
        }
        sel.rows.reserve(store.len());
        sel.gens.reserve(store.len());
        for ((r, &start), &gen_index) in store.start_ms.iter().enumerate().zip(&gen_of) {
            if start >= from && start < to {
                sel.rows.push(r as u32);
                sel.gens.push(gen_index);
            }
        }
        return sel;
    }
    let mut gi = 0usize;
    for r in 0..store.len() as u32 {
        while store.gens.get(gi).is_some_and(|g| g.row < r) {
            gi += 1;
        }
        let gen_index = store.gens.get(gi).filter(|g| g.row == r).map(|_| gi);
        let start = store.start_ms.get(r as usize).copied().unwrap_or(0);
        if filter.from_ms.is_some_and(|f| start < f) || filter.to_ms.is_some_and(|t| start >= t) {
            continue;
        }
        if filter.min_duration_ms.is_some() || filter.max_duration_ms.is_some() {
            let Some(d) = store.duration_ms(r) else {
                continue;
            };
            if filter.min_duration_ms.is_some_and(|m| d < m)
                || filter.max_duration_ms.is_some_and(|m| d > m)
            {
                continue;
            }
        }
        if filter.min_cost_usd.is_some() || filter.max_cost_usd.is_some() {
            let cost = gen_index
                .and_then(|g| store.gens.get(g))
                .map_or(0.0, |g| crate::rollup::row_cost(store, g));
            if filter.min_cost_usd.is_some_and(|m| cost < m)
                || filter.max_cost_usd.is_some_and(|m| cost > m)
            {
                continue;
            }
        }
        if let Some(tm) = &text_match {
            let name = store.name.get(r as usize).copied().unwrap_or(NONE);
            let tr = store.trace.get(r as usize).copied().unwrap_or(NONE) as usize;
            let service = traces.service.get(tr).copied().unwrap_or(NONE);
            let hit = |s: Sym| tm.get(s as usize).copied().unwrap_or(false);
            if !hit(name) && !hit(service) {
                continue;
            }
        }
        if !conditions.iter().all(|c| c.passes(r, gen_index)) {
            continue;
        }
        sel.rows.push(r);
        sel.gens.push(gen_index.map_or(NO_GEN, |g| g as u32));
    }
    sel
}
