//! Observation inputs and outputs as the raw strings Langfuse stores (JSON text for most types), drawn
//! from small per-service phrasebooks by a hash of the observation id. Only the `io` field group and the
//! legacy trace/observation reads show them.

use crate::ObsType;
use crate::dataset::Row;
use crate::ids;
use crate::json::push_json_str;

const QUESTIONS: &[&str] = &[
    "Where is my order #{n}?",
    "I was charged twice for order {n}, can you refund one?",
    "How do I change the email address on my account?",
    "My package {n} says delivered but I never got it.",
    "Can I upgrade my plan mid-cycle?",
    "What is your return policy for opened items?",
];
const REPLIES: &[&str] = &[
    "Your order shipped and should arrive within two business days.",
    "I have issued a refund for the duplicate charge; it will show in 3-5 days.",
    "You can change your email under Settings > Account > Email.",
    "I have opened a carrier investigation and will update you within 24 hours.",
];
const TOPICS: &[&str] = &[
    "billing",
    "shipping",
    "account",
    "returns",
    "technical",
    "other",
];

fn pick<'a>(list: &[&'a str], h: u64) -> &'a str {
    list.get((h % list.len().max(1) as u64) as usize)
        .copied()
        .unwrap_or("")
}

fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_json_str(&mut out, s);
    out
}

/// (input, output) raw texts of a row; `None` when Langfuse would store nothing.
pub(crate) fn texts(row: &Row<'_>) -> (Option<String>, Option<String>) {
    let h = ids::mix64(row.obs.id as u64 ^ 0x10);
    let th = ids::mix64(row.trace.id as u64 ^ 0x77);
    let order = 10_000 + th % 90_000;
    let question = pick(QUESTIONS, th).replace("{n}", &order.to_string());
    let q = json_string(&question);
    match row.kind() {
        ObsType::Generation | ObsType::Evaluator => {
            if row.model() == Some("dall-e-3") {
                return (
                    Some(format!(
                        "{{\"prompt\":{}}}",
                        json_string("A watercolor illustration of a lighthouse at dawn")
                    )),
                    (row.output_tokens() > 0).then(|| {
                        format!("{{\"url\":\"https://cdn.acme.io/renders/{:016x}.png\"}}", h)
                    }),
                );
            }
            let input = format!(
                "[{{\"role\":\"system\",\"content\":\"You are the {} assistant.\"}},{{\"role\":\"user\",\"content\":{}}}]",
                row.trace_name(),
                q
            );
            let output = if row.level() == crate::Level::Error {
                None
            } else if row.name() == "classify" || row.name() == "retry-classify" {
                Some(format!(
                    "{{\"role\":\"assistant\",\"content\":{}}}",
                    json_string(&format!("{{\"category\":\"{}\"}}", pick(TOPICS, h)))
                ))
            } else {
                Some(format!(
                    "{{\"role\":\"assistant\",\"content\":{}}}",
                    json_string(pick(REPLIES, h))
                ))
            };
            (Some(input), output)
        }
        ObsType::Embedding => (
            Some(q),
            Some(format!(
                "{{\"dimensions\":1536,\"count\":1,\"digest\":\"{:08x}\"}}",
                h as u32
            )),
        ),
        ObsType::Tool => (
            Some(format!("{{\"order_id\":\"{order}\"}}")),
            (row.level() != crate::Level::Error).then(|| "{\"status\":\"ok\"}".to_string()),
        ),
        ObsType::Retriever => (
            Some(format!("{{\"query\":{q},\"top_k\":8}}")),
            Some(format!(
                "{{\"documents\":[\"kb-{:04}\",\"kb-{:04}\"]}}",
                h % 9000,
                (h >> 20) % 9000
            )),
        ),
        ObsType::Guardrail => (
            Some(q),
            Some(format!(
                "{{\"passed\":{}}}",
                row.level() == crate::Level::Default
            )),
        ),
        ObsType::Event => (None, Some("{\"rating\":\"thumbs_up\"}".to_string())),
        ObsType::Agent | ObsType::Chain | ObsType::Span
            if row.parent_index().is_none() || row.is_root() =>
        {
            (
                Some(format!("{{\"message\":{q}}}")),
                Some(format!("{{\"reply\":{}}}", json_string(pick(REPLIES, th)))),
            )
        }
        _ => (None, None),
    }
}
