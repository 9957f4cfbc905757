//! Legacy v1 reads (written in the next milestone).

use loupe_synth::Dataset;

use crate::http::Answer;
use crate::params::Query;

pub(crate) fn observations(_ds: &Dataset, _q: &Query) -> Answer {
    Answer::next_404()
}
pub(crate) fn observation(_ds: &Dataset, _id: &str) -> Answer {
    Answer::next_404()
}
pub(crate) fn traces(_ds: &Dataset, _q: &Query) -> Answer {
    Answer::next_404()
}
pub(crate) fn trace(_ds: &Dataset, _id: &str, _q: &Query) -> Answer {
    Answer::next_404()
}
