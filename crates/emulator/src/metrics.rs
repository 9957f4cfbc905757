//! `/api/public/v2/metrics` (written in the next milestone).

use loupe_synth::Dataset;

use crate::http::Answer;
use crate::params::Query;

pub(crate) fn v2(_ds: &Dataset, _q: &Query) -> Answer {
    Answer::next_404()
}
