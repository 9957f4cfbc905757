//! Inputs and outputs of one trace, fetched on demand from the connected project (`fields=core,io`,
//! filtered by trace id, cursor-paged), or regenerated for a trace of the built-in demo. Analytics fetches never ask for them: they are the bulk of
//! Langfuse's bytes and no figure needs them. Nothing here is kept: not in the store, the cache or a
//! snapshot.

use std::collections::HashMap;

use loupe_langfuse::CancelToken;

use super::session::Session;
use loupe_langfuse::decode::observation_records;

/// The input and output of one observation, as Langfuse stores them (raw strings, often JSON).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ObservationIo {
    pub input: Option<String>,
    pub output: Option<String>,
}

/// Inputs and outputs by observation id.
pub type TraceIo = HashMap<String, ObservationIo>;

/// Fetches the inputs and outputs of `trace_id`, or says what went wrong and what to do.
pub async fn fetch_trace_io(session: &Session, trace_id: &str) -> Result<TraceIo, String> {
    if session.is_legacy() {
        return Err(
            "This instance has no /api/public/v2/observations, the read path that returns \
                    inputs and outputs per trace; open the trace in Langfuse to see them."
                .to_owned(),
        );
    }
    let bodies = session
        .scheduler
        .client()
        .trace_io_pages(trace_id, &CancelToken::new())
        .await
        .map_err(|e| {
            format!("Inputs and outputs could not be fetched ({e}). Try again in a moment.")
        })?;
    io_of_pages(bodies.iter().map(Vec::as_slice))
}

/// The inputs and outputs of a trace of the built-in demo, regenerated from its seed (what the emulator
/// serves for the same trace).
pub fn demo_trace_io(trace_id: &str) -> Result<TraceIo, String> {
    let page = crate::state::demo::demo_trace_io_page(&crate::state::demo::demo_config(), trace_id)
        .ok_or_else(|| format!("The demo has no trace {trace_id}."))?;
    io_of_pages([page.as_bytes()])
}

/// Inputs and outputs by observation id from v2 pages with the `io` group.
fn io_of_pages<'a>(bodies: impl IntoIterator<Item = &'a [u8]>) -> Result<TraceIo, String> {
    let mut io = TraceIo::new();
    for (page, body) in bodies.into_iter().enumerate() {
        let (records, _) = observation_records(body, page as u32).map_err(|e| {
            format!(
                "Langfuse's answer for this trace could not be read ({e}). Try again in a moment."
            )
        })?;
        for record in records {
            if record.input.is_some() || record.output.is_some() {
                io.insert(
                    record.id,
                    ObservationIo {
                        input: record.input,
                        output: record.output,
                    },
                );
            }
        }
    }
    Ok(io)
}
