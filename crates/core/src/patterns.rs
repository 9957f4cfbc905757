//! Error patterns: status messages folded into templates.
//!
//! Template rules, applied left to right in one scan (no regex): `http://…` / `https://…` up to the
//! next whitespace → `<url>`; a quoted run (`'…'`, `"…"`, `` `…` ``) → `<str>`; a UUID (8-4-4-4-12 hex)
//! → `<uuid>`; a path (a `/` followed by a name and at least one more `/`, up to whitespace) → `<path>`;
//! an alphanumeric run of at least 6 hex digits containing a digit → `<hex>`; any other alphanumeric run
//! of at least 12 characters with two digits or more and both letter cases (a generated organisation,
//! request or key id) → `<id>`; a run of digits (with decimal points between digits), or digits glued to
//! a unit (`10082ms`, `12MB`) → `<n>` (the unit kept); everything else is kept. So `timeout after
//! 30000 ms calling https://x/y` and `timeout after 5 ms calling https://z` share the template
//! `timeout after <n> ms calling <url>`.
//!
//! [`error_patterns`] considers the observations the filter keeps with level ERROR (and WARNING when
//! asked) and a status message. Per template: count, first and last start time, the most frequent
//! services and models (top 3, most frequent first, ties by name), up to 5 example trace ids (earliest
//! first) and one example message. Patterns are ordered by count, then template.

use hashbrown::HashMap;
use serde::{Deserialize, Serialize};

use crate::filter::{DimReader, Dimension, Filter};
use crate::intern::{NONE, Sym};
use crate::kernel::Prepared;
use crate::row::Level;
use crate::store::Store;

/// Options of [`error_patterns`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PatternOptions {
    pub include_warnings: bool,
    pub top: usize,
    pub examples: usize,
}

impl Default for PatternOptions {
    fn default() -> Self {
        Self {
            include_warnings: false,
            top: 3,
            examples: 5,
        }
    }
}

/// A value and how often it occurs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ranked {
    pub key: Option<String>,
    pub count: u64,
}

/// One error pattern.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorPattern {
    pub template: String,
    pub count: u64,
    pub errors: u64,
    pub warnings: u64,
    pub first_seen_ms: i64,
    pub last_seen_ms: i64,
    pub top_services: Vec<Ranked>,
    pub top_models: Vec<Ranked>,
    pub example_trace_ids: Vec<String>,
    pub example_message: String,
}

fn is_hex(c: u8) -> bool {
    c.is_ascii_hexdigit()
}

fn uuid_at(b: &[u8]) -> bool {
    b.len() >= 36
        && b.iter().take(36).enumerate().all(|(i, &c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == b'-'
            } else {
                is_hex(c)
            }
        })
        && b.get(36).is_none_or(|c| !c.is_ascii_alphanumeric())
}

/// True for a generated identifier that is not hex: an alphanumeric run of at least
/// [`RANDOM_ID_MIN_LEN`] characters with two digits or more, an upper-case and a lower-case letter, such
/// as an organisation id (`org-iOtKD7kY9In9EuRqtVbehDs`) or a request id (`req_011CeSSjtcFVaKs49dKpwAmr`).
/// Words, model names and CamelCase names (`gpt4`, `v14`, `HttpClient2Factory`) are shorter, single-case
/// or carry one digit, so they stay.
fn is_random_id(word: &[u8]) -> bool {
    word.len() >= RANDOM_ID_MIN_LEN
        && word.iter().filter(|c| c.is_ascii_digit()).count() >= 2
        && word.iter().any(u8::is_ascii_uppercase)
        && word.iter().any(u8::is_ascii_lowercase)
}

/// Units a number may carry without a space (`waited 10082ms`, `5s`, `12MB`): the number folds, the unit
/// stays. Other letters after digits make a name (`4o` in `gpt-4o`), which stays whole.
const UNITS: [&str; 12] = [
    "ns", "us", "ms", "s", "m", "h", "d", "b", "kb", "mb", "gb", "x",
];

/// The unit of a word made of digits then one of [`UNITS`] (any case), or `None`.
fn number_with_unit(word: &[u8]) -> Option<&str> {
    let digits = word.iter().take_while(|c| c.is_ascii_digit()).count();
    let unit = word.get(digits..).filter(|_| digits > 0)?;
    let unit = core::str::from_utf8(unit).ok()?;
    UNITS
        .iter()
        .any(|u| u.eq_ignore_ascii_case(unit))
        .then_some(unit)
}

/// The shortest run [`is_random_id`] folds: shorter mixed runs are names as often as ids (`9xK2pQ`).
const RANDOM_ID_MIN_LEN: usize = 12;

/// The template of a status message (see the module docs).
pub fn template(message: &str) -> String {
    let b = message.as_bytes();
    let mut out = String::with_capacity(message.len());
    let mut i = 0;
    while i < b.len() {
        let rest = b.get(i..).unwrap_or(&[]);
        let prev_alnum = i > 0 && b.get(i - 1).is_some_and(|c| c.is_ascii_alphanumeric());
        if rest.starts_with(b"http://") || rest.starts_with(b"https://") {
            let len = rest
                .iter()
                .position(|c| c.is_ascii_whitespace())
                .unwrap_or(rest.len());
            out.push_str("<url>");
            i += len;
            continue;
        }
        let c = rest.first().copied().unwrap_or(0);
        if matches!(c, b'\'' | b'"' | b'`')
            && let Some(end) = rest.iter().skip(1).position(|&x| x == c)
        {
            out.push_str("<str>");
            i += end + 2;
            continue;
        }
        if !prev_alnum && uuid_at(rest) {
            out.push_str("<uuid>");
            i += 36;
            continue;
        }
        if c == b'/' && !prev_alnum {
            let len = rest
                .iter()
                .position(|c| c.is_ascii_whitespace())
                .unwrap_or(rest.len());
            let word = rest.get(..len).unwrap_or(&[]);
            let names_start = word
                .get(1)
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'.');
            if names_start && word.iter().skip(1).any(|&x| x == b'/') {
                out.push_str("<path>");
                i += len;
                continue;
            }
        }
        if c.is_ascii_alphanumeric() {
            let len = rest
                .iter()
                .position(|c| !c.is_ascii_alphanumeric())
                .unwrap_or(rest.len());
            let word = rest.get(..len).unwrap_or(&[]);
            let digits = word.iter().any(u8::is_ascii_digit);
            if word.iter().all(u8::is_ascii_digit) {
                // A number, with decimal points between digits.
                let mut end = len;
                while rest.get(end) == Some(&b'.')
                    && rest.get(end + 1).is_some_and(u8::is_ascii_digit)
                {
                    end += 1;
                    end += rest
                        .get(end..)
                        .unwrap_or(&[])
                        .iter()
                        .take_while(|c| c.is_ascii_digit())
                        .count();
                }
                out.push_str("<n>");
                i += end;
                continue;
            }
            if word.len() >= 6 && digits && word.iter().all(|&x| is_hex(x)) {
                out.push_str("<hex>");
                i += len;
                continue;
            }
            if let Some(unit) = number_with_unit(word) {
                out.push_str("<n>");
                out.push_str(unit);
                i += len;
                continue;
            }
            if is_random_id(word) {
                out.push_str("<id>");
                i += len;
                continue;
            }
            out.push_str(core::str::from_utf8(word).unwrap_or(""));
            i += len;
            continue;
        }
        // Any other character, copied whole (UTF-8 aware).
        let ch_len = match c {
            0x00..=0x7f => 1,
            0xc0..=0xdf => 2,
            0xe0..=0xef => 3,
            _ => 4,
        };
        out.push_str(message.get(i..i + ch_len).unwrap_or("\u{fffd}"));
        i += ch_len.max(1);
    }
    out
}

#[derive(Default)]
struct Acc {
    count: u64,
    errors: u64,
    warnings: u64,
    first: i64,
    last: i64,
    services: HashMap<Sym, u64>,
    models: HashMap<Sym, u64>,
    examples: Vec<(i64, Sym)>,
    example_status: Sym,
}

fn ranked(
    counts: &HashMap<Sym, u64>,
    label: impl Fn(Sym) -> Option<String>,
    top: usize,
) -> Vec<Ranked> {
    let mut v: Vec<Ranked> = counts
        .iter()
        .map(|(&k, &count)| Ranked {
            key: label(k),
            count,
        })
        .collect();
    crate::sort::sort_by(&mut v, |a, b| {
        b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key))
    });
    v.truncate(top);
    v
}

/// The error patterns of the observations `filter` keeps (see the module docs).
pub fn error_patterns(
    store: &Store,
    filter: &Filter,
    options: &PatternOptions,
) -> Vec<ErrorPattern> {
    let p = Prepared::new(store, filter);
    let services = DimReader::new(store, &Dimension::Service);
    let models = DimReader::new(store, &Dimension::Model);
    let service_of = services.values_for(&p.sel);
    let model_of = models.values_for(&p.sel);
    // One template per distinct status message.
    let mut template_of: HashMap<Sym, usize> = HashMap::new();
    let mut templates: Vec<String> = Vec::new();
    let mut index_of: HashMap<String, usize> = HashMap::new();
    let mut accs: Vec<Acc> = Vec::new();
    for (i, &row) in p.sel.rows.iter().enumerate() {
        let level = store
            .level
            .get(row as usize)
            .copied()
            .unwrap_or(Level::Default);
        let wanted = level == Level::Error || (options.include_warnings && level == Level::Warning);
        if !wanted {
            continue;
        }
        let status = store.status_of(row);
        if status == NONE {
            continue;
        }
        let slot = *template_of.entry(status).or_insert_with(|| {
            let t = template(store.dicts.status.resolve(status));
            *index_of.entry(t.clone()).or_insert_with(|| {
                templates.push(t);
                accs.push(Acc {
                    first: i64::MAX,
                    last: i64::MIN,
                    example_status: status,
                    ..Acc::default()
                });
                accs.len() - 1
            })
        });
        let Some(a) = accs.get_mut(slot) else {
            continue;
        };
        let start = store.start_ms.get(row as usize).copied().unwrap_or(0);
        a.count += 1;
        a.errors += u64::from(level == Level::Error);
        a.warnings += u64::from(level == Level::Warning);
        a.first = a.first.min(start);
        a.last = a.last.max(start);
        *a.services
            .entry(service_of.get(i).copied().unwrap_or(NONE))
            .or_default() += 1;
        *a.models
            .entry(model_of.get(i).copied().unwrap_or(NONE))
            .or_default() += 1;
        let trace = store.trace.get(row as usize).copied().unwrap_or(NONE);
        if !a.examples.iter().any(|&(_, t)| t == trace) {
            a.examples.push((start, trace));
            // Keep the earliest few.
            if a.examples.len() > options.examples {
                a.examples.sort_unstable();
                a.examples.truncate(options.examples);
            }
        }
    }
    let mut out: Vec<ErrorPattern> = templates
        .into_iter()
        .zip(accs)
        .map(|(template, mut a)| {
            a.examples.sort_unstable();
            ErrorPattern {
                template,
                count: a.count,
                errors: a.errors,
                warnings: a.warnings,
                first_seen_ms: a.first,
                last_seen_ms: a.last,
                top_services: ranked(&a.services, |k| services.label(k), options.top),
                top_models: ranked(&a.models, |k| models.label(k), options.top),
                example_trace_ids: a
                    .examples
                    .iter()
                    .map(|&(_, t)| store.trace_id_text(t))
                    .collect(),
                example_message: store.dicts.status.resolve(a.example_status).to_owned(),
            }
        })
        .collect();
    crate::sort::sort_by(&mut out, |a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.template.cmp(&b.template))
    });
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::ObservationRow;

    #[test]
    fn templates_fold_variable_details() {
        assert_eq!(
            template("upstream timeout after 30000 ms calling https://api.example.com/v1/items/42"),
            "upstream timeout after <n> ms calling <url>"
        );
        assert_eq!(
            template("Rate limit exceeded for request req_8f3a9b2c: retry after 1.5s"),
            "Rate limit exceeded for request req_<hex>: retry after <n>s"
        );
        assert_eq!(
            template("tool 'lookup_order' failed: order 44812 not found"),
            "tool <str> failed: order <n> not found"
        );
        assert_eq!(
            template("trace b6e2f1d4-7a3c-4e58-9f10-2c8d4a6b1e37 missing"),
            "trace <uuid> missing"
        );
        assert_eq!(
            template("cannot open /var/lib/app/cache.db"),
            "cannot open <path>"
        );
        assert_eq!(template("gpt4 and v14 stay"), "gpt4 and v14 stay");
        // Generated ids that are not hex fold, so one provider error is one pattern across organisations.
        assert_eq!(
            template(
                "Rate limit reached for gpt-4o in organization org-iOtKD7kY9In9EuRqtVbehDs on tokens"
            ),
            "Rate limit reached for gpt-4o in organization org-<id> on tokens"
        );
        assert_eq!(
            template("request_id: req_011CeSSjtcFVaKs49dKpwAmr"),
            "request_id: req_<id>"
        );
        // A number glued to its unit folds and keeps the unit; a name with digits stays.
        assert_eq!(
            template("Retrying (attempt 4/5), waited 10082ms for 12MB on gpt-4o, not 4ox"),
            "Retrying (attempt <n>/<n>), waited <n>ms for <n>MB on gpt-4o, not 4ox"
        );
        // Short or single-case words with digits stay: model names, versions, CamelCase names.
        assert_eq!(
            template("ft:gpt-4o-mini:acme:ticket-classifier:9xK2pQ via HttpClient2Factory"),
            "ft:gpt-4o-mini:acme:ticket-classifier:9xK2pQ via HttpClient2Factory"
        );
        assert_eq!(template("naïve “quotes” — ok"), "naïve “quotes” — ok");
        assert_eq!(
            template("unterminated 'quote 12"),
            "unterminated 'quote <n>"
        );
        assert_eq!(template(""), "");
    }

    #[test]
    fn patterns_count_and_rank() {
        let mut s = Store::new();
        let msgs = [
            "order 1 not found",
            "order 22 not found",
            "connection reset",
            "order 333 not found",
        ];
        for (i, m) in msgs.iter().enumerate() {
            let id = format!("o{i}");
            let trace = format!("t{}", if i == 2 { 0 } else { i });
            let mut r = ObservationRow::new(&id, &trace, 10 * i as i64);
            r.level = Level::Error;
            r.status_message = Some(m);
            r.trace_name = Some(if i == 3 { "b" } else { "a" });
            s.upsert(&r);
        }
        let mut w = ObservationRow::new("w", "t9", 0);
        w.level = Level::Warning;
        w.status_message = Some("order 5 not found");
        s.upsert(&w);
        let got = error_patterns(&s, &Filter::default(), &PatternOptions::default());
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].template, "order <n> not found");
        assert_eq!(got[0].count, 3);
        assert_eq!((got[0].first_seen_ms, got[0].last_seen_ms), (0, 30));
        assert_eq!(got[0].example_trace_ids, vec!["t0", "t1", "t3"]);
        assert_eq!(
            got[0].top_services,
            vec![
                Ranked {
                    key: Some("a".into()),
                    count: 2
                },
                Ranked {
                    key: Some("b".into()),
                    count: 1
                }
            ]
        );
        let with_warnings = error_patterns(
            &s,
            &Filter::default(),
            &PatternOptions {
                include_warnings: true,
                ..PatternOptions::default()
            },
        );
        assert_eq!(with_warnings[0].count, 4);
        assert_eq!(with_warnings[0].warnings, 1);
    }
}
