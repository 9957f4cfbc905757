//! Stable LSD radix sort of `u32` items by `u64` keys, used to order latencies once per query so that
//! every group's values come out already sorted (exact quantiles become index lookups).
//!
//! Passes whose byte is the same for every key are skipped, so millisecond latencies (which fit in three
//! bytes) take three passes. Stable: equal keys keep their input order.

/// Maps an `i64` to a `u64` with the same order.
pub(crate) fn order_key(v: i64) -> u64 {
    (v as u64) ^ (1 << 63)
}

/// Sorts `(key, item)` pairs by key, stably. Returns the items in order.
pub(crate) fn sort_by_key(mut pairs: Vec<(u64, u32)>) -> Vec<u32> {
    let n = pairs.len();
    if n > 1 {
        let mut buf = vec![(0u64, 0u32); n];
        // Which bytes vary at all.
        let (mut and, mut or) = (u64::MAX, 0u64);
        for &(k, _) in &pairs {
            and &= k;
            or |= k;
        }
        let varying = and ^ or;
        for pass in 0..8u32 {
            let shift = pass * 8;
            if (varying >> shift) & 0xff == 0 {
                continue;
            }
            let mut counts = [0usize; 256];
            for &(k, _) in &pairs {
                counts[((k >> shift) & 0xff) as usize] += 1;
            }
            let mut sum = 0;
            for c in counts.iter_mut() {
                let here = *c;
                *c = sum;
                sum += here;
            }
            for &(k, item) in &pairs {
                let digit = ((k >> shift) & 0xff) as usize;
                if let Some(slot) = buf.get_mut(counts[digit]) {
                    *slot = (k, item);
                }
                counts[digit] += 1;
            }
            core::mem::swap(&mut pairs, &mut buf);
        }
    }
    pairs.into_iter().map(|(_, item)| item).collect()
}

/// Sorts `(key, item)` pairs by their `u32` key, stably (eight-bit digits, constant digits skipped).
pub(crate) fn sort_pairs_u32(mut pairs: Vec<(u32, u32)>) -> Vec<(u32, u32)> {
    let n = pairs.len();
    if n < 2 {
        return pairs;
    }
    let (mut and, mut or) = (u32::MAX, 0u32);
    for &(k, _) in &pairs {
        and &= k;
        or |= k;
    }
    let varying = and ^ or;
    let mut buf = vec![(0u32, 0u32); n];
    for pass in 0..4u32 {
        let shift = pass * 8;
        if (varying >> shift) & 0xff == 0 {
            continue;
        }
        let mut counts = [0usize; 256];
        for &(k, _) in &pairs {
            counts[((k >> shift) & 0xff) as usize] += 1;
        }
        let mut sum = 0;
        for c in counts.iter_mut() {
            let here = *c;
            *c = sum;
            sum += here;
        }
        for &pair in &pairs {
            let digit = ((pair.0 >> shift) & 0xff) as usize;
            if let Some(slot) = buf.get_mut(counts[digit]) {
                *slot = pair;
            }
            counts[digit] += 1;
        }
        core::mem::swap(&mut pairs, &mut buf);
    }
    pairs
}

/// Bits per digit of [`sort_triples`]: three digits cover a `u32`, and 2,048 counters stay in cache.
const DIGIT_BITS: u32 = 11;

/// Sorts `[key, a, b]` triples by `key`, stably (eleven-bit digits, constant digits skipped; the
/// counts of every digit come from one read of the keys).
pub(crate) fn sort_triples(mut items: Vec<[u32; 3]>) -> Vec<[u32; 3]> {
    let n = items.len();
    if n < 2 {
        return items;
    }
    const RADIX: usize = 1 << DIGIT_BITS;
    const MASK: u32 = RADIX as u32 - 1;
    let mut counts = vec![[0u32; RADIX]; 3];
    let (mut and, mut or) = (u32::MAX, 0u32);
    for item in &items {
        let k = item[0];
        and &= k;
        or |= k;
        for (d, c) in counts.iter_mut().enumerate() {
            if let Some(x) = c.get_mut(((k >> (d as u32 * DIGIT_BITS)) & MASK) as usize) {
                *x += 1;
            }
        }
    }
    let varying = and ^ or;
    let mut buf = vec![[0u32; 3]; n];
    for (d, c) in counts.iter_mut().enumerate() {
        let shift = d as u32 * DIGIT_BITS;
        if (varying >> shift) & MASK == 0 {
            continue;
        }
        let mut sum = 0u32;
        for x in c.iter_mut() {
            let here = *x;
            *x = sum;
            sum += here;
        }
        for &item in &items {
            if let Some(at) = c.get_mut(((item[0] >> shift) & MASK) as usize) {
                if let Some(slot) = buf.get_mut(*at as usize) {
                    *slot = item;
                }
                *at += 1;
            }
        }
        core::mem::swap(&mut items, &mut buf);
    }
    items
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn u32_pairs_match_a_stable_sort(values in proptest::collection::vec(any::<u32>(), 0..300), small in any::<bool>()) {
            let values: Vec<u32> = if small { values.iter().map(|v| v % 5 + (1 << 20)).collect() } else { values };
            let pairs: Vec<(u32, u32)> = values.iter().enumerate().map(|(i, &v)| (v, i as u32)).collect();
            let got = sort_pairs_u32(pairs.clone());
            let mut want = pairs;
            want.sort_by_key(|&(k, _)| k);
            prop_assert_eq!(got, want);
        }

        #[test]
        fn triples_match_a_stable_sort(values in proptest::collection::vec(any::<u32>(), 0..300), small in any::<bool>()) {
            let values: Vec<u32> = if small { values.iter().map(|v| v % 5 + (1 << 23)).collect() } else { values };
            let items: Vec<[u32; 3]> = values.iter().enumerate().map(|(i, &v)| [v, i as u32, !(i as u32)]).collect();
            let got = sort_triples(items.clone());
            let mut want = items;
            want.sort_by_key(|x| x[0]);
            prop_assert_eq!(got, want);
        }

        #[test]
        fn matches_a_stable_sort(values in proptest::collection::vec(any::<i64>(), 0..300), small in any::<bool>()) {
            let values: Vec<i64> = if small { values.iter().map(|v| v % 5).collect() } else { values };
            let pairs: Vec<(u64, u32)> = values.iter().enumerate().map(|(i, &v)| (order_key(v), i as u32)).collect();
            let got = sort_by_key(pairs);
            let mut want: Vec<u32> = (0..values.len() as u32).collect();
            want.sort_by_key(|&i| values[i as usize]);
            prop_assert_eq!(got, want);
        }
    }
}
