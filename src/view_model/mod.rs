//! PREPARE: engine figures to what components show — labels, formatted values, chart series, colours.
//! Pure functions, tested natively; components only render their output.

pub mod breakdown;
pub mod errors;
pub mod latency;
pub mod overview;
pub mod scores;
pub mod traces;

use std::cmp::Ordering;

/// `items` in the order `cmp` gives; stable (equal items keep their order).
///
/// Through [`loupe_core::sort::sort_by`], the one stable sort the whole wasm shares, so the app's tables
/// add no sort routine of their own (each `sort_by` with its own closure is a whole driftsort).
pub fn sorted_by<T>(mut items: Vec<T>, cmp: &dyn Fn(&T, &T) -> Ordering) -> Vec<T> {
    loupe_core::sort::sort_by(&mut items, cmp);
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorting_is_stable() {
        let items = vec![(2, 'a'), (1, 'b'), (2, 'c'), (1, 'd'), (0, 'e')];
        let sorted = sorted_by(items, &|x, y| x.0.cmp(&y.0));
        assert_eq!(sorted, [(0, 'e'), (1, 'b'), (1, 'd'), (2, 'a'), (2, 'c')]);
        assert!(sorted_by(Vec::<u8>::new(), &|x, y| x.cmp(y)).is_empty());
    }
}
