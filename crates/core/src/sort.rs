//! One comparison sort for cold paths: output order of groups, patterns, sessions and lists, model and
//! tier order. Not for hot paths: quantiles and the kernel's per-row work keep their specialised sorts
//! (`radix`, `sort_unstable` on plain integers).
//!
//! Why: every `sort_by`/`sort_unstable_by` call site with its own closure instantiates a whole copy of the
//! standard library's sort (3–7 KB of wasm each). Here the sorting itself is one non-generic function over
//! indices with a `dyn` comparator; a call site adds only its comparator and a short permutation.
//!
//! Contract: [`sort_by`] and [`sort_by_key`] give exactly the order of the standard library's stable
//! `sort_by`/`sort_by_key` (equal elements keep their input order). As there, the comparator must be a
//! total order (every call site compares `Ord` keys). Cost: O(n log n) comparisons through a `dyn` call,
//! plus an index vector and a visited bitmap.

use core::cmp::Ordering;

/// The indices `0..len` in the order `cmp` gives them; ties keep index order (a stable sort).
///
/// A bottom-up merge sort written here rather than the standard library's sort: this crate compiles at
/// opt-level 3, where `sort_unstable_by` with a `dyn` comparator alone took 8.5 KB of wasm; this loop is
/// a small fraction of that, with the same O(n log n) comparisons.
#[inline(never)]
pub fn sorted_indices(len: usize, cmp: &mut dyn FnMut(usize, usize) -> Ordering) -> Vec<usize> {
    let mut from: Vec<usize> = (0..len).collect();
    let mut to = vec![0; len];
    let mut width = 1;
    while width < len {
        let mut start = 0;
        while start < len {
            let mid = (start + width).min(len);
            let end = (start + 2 * width).min(len);
            if let (Some(left), Some(right), Some(out)) = (
                from.get(start..mid),
                from.get(mid..end),
                to.get_mut(start..end),
            ) {
                merge(left, right, out, cmp);
            }
            start = end;
        }
        core::mem::swap(&mut from, &mut to);
        width *= 2;
    }
    from
}

/// Merges two sorted runs into `out` (as long as both); on ties the left run's element comes first.
fn merge(
    left: &[usize],
    right: &[usize],
    out: &mut [usize],
    cmp: &mut dyn FnMut(usize, usize) -> Ordering,
) {
    let (mut l, mut r) = (left.iter().peekable(), right.iter().peekable());
    for slot in out {
        let take_right = match (l.peek(), r.peek()) {
            (Some(&&a), Some(&&b)) => cmp(b, a) == Ordering::Less,
            (None, _) => true,
            (Some(_), None) => false,
        };
        let next = if take_right { r.next() } else { l.next() };
        if let Some(&i) = next {
            *slot = i;
        }
    }
}

/// Rearranges a sequence so that position `i` holds what was at `order[i]`, through `swap`.
/// `order` must be a permutation of `0..order.len()` (as [`sorted_indices`] returns); other input leaves
/// the sequence in some order, never panics.
#[inline(never)]
pub fn permute(order: &[usize], swap: &mut dyn FnMut(usize, usize)) {
    let mut done = vec![false; order.len()];
    for start in 0..order.len() {
        // Follow the cycle through `start`: the element that belongs at `at` comes from `order[at]`, and
        // each swap carries the element first at `start` along to the next place of the cycle.
        let mut at = start;
        while let Some(seen) = done.get_mut(at) {
            if *seen {
                break;
            }
            *seen = true;
            let Some(&from) = order.get(at) else { break };
            if from == start || done.get(from).is_none_or(|&d| d) {
                break;
            }
            swap(at, from);
            at = from;
        }
    }
}

/// Sorts `items` by `cmp`, stably: the same order as `<[T]>::sort_by`.
pub fn sort_by<T>(items: &mut [T], mut cmp: impl FnMut(&T, &T) -> Ordering) {
    if items.len() < 2 {
        return;
    }
    let order = {
        let items = &*items;
        sorted_indices(
            items.len(),
            &mut |a, b| match (items.get(a), items.get(b)) {
                (Some(x), Some(y)) => cmp(x, y),
                _ => Ordering::Equal,
            },
        )
    };
    permute(&order, &mut |a, b| items.swap(a, b));
}

/// Sorts `items` by the key `key` computes, stably: the same order as `<[T]>::sort_by_key`.
pub fn sort_by_key<T, K: Ord>(items: &mut [T], mut key: impl FnMut(&T) -> K) {
    sort_by(items, |a, b| key(a).cmp(&key(b)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn permute_follows_the_order() {
        let mut v = vec!['a', 'b', 'c', 'd', 'e'];
        let order = [3, 0, 4, 1, 2];
        permute(&order, &mut |a, b| v.swap(a, b));
        assert_eq!(v, vec!['d', 'a', 'e', 'b', 'c']);
    }

    #[test]
    fn a_bad_order_does_not_panic() {
        let mut v = vec![1, 2, 3];
        permute(&[5, 5, 0, 9], &mut |a, b| v.swap(a, b));
        let mut sorted = v.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, vec![1, 2, 3]);
    }

    proptest! {
        #[test]
        fn matches_the_standard_stable_sort(values in proptest::collection::vec((0u8..8, any::<u16>()), 0..200)) {
            // Keys with many ties: the second field tells whether equal keys kept their order.
            let mut got = values.clone();
            sort_by_key(&mut got, |&(k, _)| k);
            let mut want = values.clone();
            want.sort_by_key(|&(k, _)| k);
            prop_assert_eq!(&got, &want);

            let mut got = values.clone();
            sort_by(&mut got, |a, b| b.0.cmp(&a.0));
            let mut want = values;
            want.sort_by_key(|b| core::cmp::Reverse(b.0));
            prop_assert_eq!(got, want);
        }
    }
}
