//! PREPARE: engine figures to what components show — labels, formatted values, chart series, colours.
//! Pure functions, tested natively; components only render their output.

pub mod breakdown;
pub mod errors;
pub mod latency;
pub mod overview;
pub mod scores;

use std::cmp::Ordering;

/// `items` in the order `cmp` gives; stable (equal items keep their order).
///
/// Every table of the app sorts through here, so the wasm holds one sort instead of one per comparator
/// (each `sort_by` with its own closure is a whole driftsort). Tables hold at most thousands of rows, so
/// the indirect comparator call costs nothing visible.
pub fn sorted_by<T>(items: Vec<T>, cmp: &dyn Fn(&T, &T) -> Ordering) -> Vec<T> {
    let order = sorted_indices(items.len(), &|a, b| match (items.get(a), items.get(b)) {
        (Some(x), Some(y)) => cmp(x, y),
        _ => Ordering::Equal,
    });
    let mut slots: Vec<Option<T>> = items.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|i| slots.get_mut(i).and_then(Option::take))
        .collect()
}

/// `0..len` ordered by `cmp`, ties by index (so the one unstable sort gives a stable order).
fn sorted_indices(len: usize, cmp: &dyn Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    order.sort_unstable_by(|&a, &b| cmp(a, b).then(a.cmp(&b)));
    order
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
