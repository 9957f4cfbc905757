//! Status messages: a template per failure pattern with variable parts (numbers, ids, UUIDs, URLs,
//! quoted strings) drawn from a hash of the observation id, so the same pattern recurs with different
//! details, as real provider and tool errors do.

use std::fmt::Write as _;

use crate::catalog::STATUS_TEMPLATES;
use crate::dataset::{Obs, provided};
use crate::ids;

/// Renders the status message of `o` ("" when it has none).
pub(crate) fn render(o: &Obs) -> String {
    let template = STATUS_TEMPLATES
        .get(usize::from(o.status))
        .copied()
        .unwrap_or("");
    if template.is_empty() {
        return String::new();
    }
    let mut h = ids::mix64((o.id as u64) ^ ((o.id >> 64) as u64) ^ 0x5eed);
    let mut next = move || {
        h = ids::mix64(h);
        h
    };
    let mut out = String::with_capacity(template.len() + 40);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find('}');
        let name = close.map(|c| &after[..c]).unwrap_or("");
        let known = fill(name, o, &mut next, &mut out);
        if known {
            rest = close.map_or("", |c| &after[c + 1..]);
        } else {
            out.push('{');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

fn fill(name: &str, o: &Obs, next: &mut impl FnMut() -> u64, out: &mut String) -> bool {
    match name {
        "model" => out.push_str(provided(o).map_or("gpt-4o", |p| p.name)),
        "n3" => {
            let _ = write!(out, "{}", 100 + next() % 900);
        }
        "n4" => {
            let _ = write!(out, "{}", 1000 + next() % 9000);
        }
        "n5" => {
            let _ = write!(out, "{}", 10_000 + next() % 90_000);
        }
        "ms" => {
            let _ = write!(out, "{}", 500 + next() % 30_000);
        }
        "secs" => {
            let v = next() % 60_000;
            let _ = write!(out, "{}.{:03}", v / 1000, v % 1000);
        }
        "uuid" => ids::push_uuid(
            out,
            ids::as_uuid_v4((u128::from(next()) << 64) | u128::from(next())),
        ),
        "hex8" => ids::push_hex(out, u128::from(next()), 8),
        "org" => {
            const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
            // A handful of organisations recur, as in a real project.
            let mut v = next() % 3 + 7;
            for _ in 0..24 {
                v = ids::mix64(v);
                out.push(
                    ALNUM
                        .get((v % ALNUM.len() as u64) as usize)
                        .map_or('x', |&b| b as char),
                );
            }
        }
        "req" => {
            const B58: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
            for _ in 0..20 {
                out.push(
                    B58.get((next() % B58.len() as u64) as usize)
                        .map_or('x', |&b| b as char),
                );
            }
        }
        "score" => {
            let _ = write!(out, "0.{}", 80 + next() % 20);
        }
        "pos" => {
            let _ = write!(out, "{}", 40 + next() % 2000);
        }
        "k" => {
            let _ = write!(out, "{}", 1 + next() % 5);
        }
        "tokens" => {
            let _ = write!(out, "{}", 128_001 + next() % 40_000);
        }
        _ => return false,
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::st;
    use crate::dataset::{Level, NONE, ObsType};

    fn obs(id: u128, status: u16) -> Obs {
        Obs {
            id,
            start_ms: 0,
            trace: 0,
            parent: NONE,
            duration_ms: 1,
            ttft_ms: NONE,
            usage: [0; 5],
            name: 0,
            status,
            kind: ObsType::Generation,
            level: Level::Error,
            model: 1,
            params: 0,
            prompt: 0,
            flags: 0,
        }
    }

    #[test]
    fn templates_fill_variable_parts_and_keep_literal_braces() {
        let a = render(&obs(1, st::ANTHROPIC_OVERLOADED));
        let b = render(&obs(2, st::ANTHROPIC_OVERLOADED));
        assert!(a.starts_with("Error code: 529 - {'type': 'error'"), "{a}");
        assert!(!a.contains("{req}"));
        assert_ne!(a, b, "variable parts differ between observations");
        let rl = render(&obs(3, st::OPENAI_RATE_LIMIT));
        assert!(
            rl.starts_with("Rate limit reached for gpt-4o in organization org-"),
            "{rl}"
        );
        assert!(!rl.contains('{'));
        assert_eq!(render(&obs(3, st::NONE)), "");
        assert_eq!(render(&obs(3, st::NONE)), render(&obs(3, 9999)));
    }
}
