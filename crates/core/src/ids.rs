//! Compact, lossless encodings of Langfuse ids.
//!
//! Ids are opaque strings, but almost all of them have one of four shapes that pack into fewer bytes:
//! OTel observation ids (16 lowercase hex → a `u64`), OTel trace ids (32 lowercase hex → 16 bytes),
//! UUIDs (36 characters → 16 bytes) and legacy synthetic roots (`t-` + 32 hex → 16 bytes). Anything else
//! is kept verbatim. The encoding is canonical (one string has exactly one encoding), so comparing
//! encodings is comparing strings, and `decode_into` gives back the exact original text.

/// An encoded id: a packed `u64` (16 lowercase hex digits) or tagged bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum IdKey<'a> {
    Packed(u64),
    Bytes(&'a [u8]),
}

/// Longest byte form kept inline in an [`IdOwned`] (every tagged 16-byte form fits).
const INLINE: usize = 23;

/// Owned form of [`IdKey`], used for parents not seen yet. The packed forms (almost every id) are
/// kept without a heap allocation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum IdOwned {
    Packed(u64),
    Inline { len: u8, bytes: [u8; INLINE] },
    Bytes(Box<[u8]>),
}

impl IdOwned {
    pub(crate) fn as_key(&self) -> IdKey<'_> {
        match self {
            Self::Packed(v) => IdKey::Packed(*v),
            Self::Inline { len, bytes } => {
                IdKey::Bytes(bytes.get(..usize::from(*len)).unwrap_or(&[]))
            }
            Self::Bytes(b) => IdKey::Bytes(b),
        }
    }
}

impl IdKey<'_> {
    /// The hash of the store's id tables (the id index, waiting children): a packed id (every OTel
    /// observation id) through [`mix64`], two multiplies; other ids through fixed-seed foldhash.
    #[inline]
    pub(crate) fn id_hash(self) -> u64 {
        match self {
            Self::Packed(v) => mix64(v),
            Self::Bytes(b) => {
                use core::hash::BuildHasher;
                crate::intern::hasher().hash_one(b)
            }
        }
    }

    pub(crate) fn to_owned(self) -> IdOwned {
        match self {
            Self::Packed(v) => IdOwned::Packed(v),
            Self::Bytes(b) if b.len() <= INLINE => {
                let mut bytes = [0u8; INLINE];
                if let Some(to) = bytes.get_mut(..b.len()) {
                    to.copy_from_slice(b);
                }
                IdOwned::Inline {
                    len: b.len() as u8,
                    bytes,
                }
            }
            Self::Bytes(b) => IdOwned::Bytes(b.into()),
        }
    }
}

/// MurmurHash3's 64-bit finalizer over a seeded value: every output bit depends on every input bit, so
/// both hashbrown's bucket bits (low) and tag bits (high) vary with any digit of an id.
#[inline]
pub(crate) fn mix64(v: u64) -> u64 {
    let mut x = v ^ 0x4c6f_7570_6521_0001;
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

const TAG_RAW: u8 = 0;
const TAG_HEX32: u8 = 1;
const TAG_UUID: u8 = 2;
const TAG_LEGACY_ROOT: u8 = 3;
const TAG_PACKED64: u8 = 4;

/// Nibble value of a lowercase hex digit, `0xff` for anything else.
const NIBBLE: [u8; 256] = {
    let mut t = [0xffu8; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

/// Packs `N * 2` lowercase hex digits into `N` bytes; `None` if any digit is not `[0-9a-f]`.
fn pack<const N: usize>(digits: &[u8]) -> Option<[u8; N]> {
    if digits.len() != 2 * N {
        return None;
    }
    let mut out = [0u8; N];
    if N.is_multiple_of(8) {
        // Eight digits at a time (the hot path: every OTel id).
        for (o, chunk) in out.chunks_exact_mut(4).zip(digits.chunks_exact(8)) {
            o.copy_from_slice(&hex8(chunk)?.to_be_bytes());
        }
        return Some(out);
    }
    let mut bad = 0u8;
    for (o, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        let (h, l) = (NIBBLE[usize::from(pair[0])], NIBBLE[usize::from(pair[1])]);
        bad |= h | l;
        *o = h << 4 | (l & 15);
    }
    // Any 0xff nibble sets the high bits.
    (bad & 0xf0 == 0).then_some(out)
}

/// Eight lowercase hex digits as a `u32` (first digit most significant), `None` unless every byte is
/// `[0-9a-f]`. Branch-free on the eight bytes at once (SWAR); same result as the table lookup.
fn hex8(digits: &[u8]) -> Option<u32> {
    let bytes: [u8; 8] = digits.try_into().ok()?;
    let v = u64::from_le_bytes(bytes);
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    // With every byte below 0x80, `x + (0x80 - c)` sets a byte's high bit exactly when x >= c, and no
    // byte carries into the next.
    let ge = |c: u64| v.wrapping_add((0x80 - c) * LO);
    let digit = ge(0x30) & !ge(0x3a);
    let lower = ge(0x61) & !ge(0x67);
    if v & HI != 0 || (digit | lower) & HI != HI {
        return None;
    }
    // '0'..'9' -> 0..9 (low nibble); 'a'..'f' -> 1..6 + 9 (bit 6 marks a letter).
    let nibbles = (v & 0x0f0f_0f0f_0f0f_0f0f) + ((v >> 6) & LO) * 9;
    // Byte 2k becomes nibble[2k] << 4 | nibble[2k + 1]; then gather the even bytes.
    let pairs = ((nibbles << 4) | (nibbles >> 8)) & 0x00ff_00ff_00ff_00ff;
    let pairs = (pairs | (pairs >> 8)) & 0x0000_ffff_0000_ffff;
    let pairs = (pairs | (pairs >> 16)) & 0x0000_0000_ffff_ffff;
    // Little-endian: the first digit pair is the lowest byte.
    Some((pairs as u32).swap_bytes())
}

fn uuid_digits(text: &[u8]) -> Option<[u8; 32]> {
    if text.len() != 36 {
        return None;
    }
    let mut digits = [0u8; 32];
    let mut n = 0;
    for (i, &b) in text.iter().enumerate() {
        if matches!(i, 8 | 13 | 18 | 23) {
            if b != b'-' {
                return None;
            }
        } else {
            *digits.get_mut(n)? = b;
            n += 1;
        }
    }
    Some(digits)
}

/// Encodes `id`. Uses `buf` as scratch for the byte forms; the result borrows it. No allocation once
/// `buf` has grown.
pub(crate) fn encode<'b>(id: &str, buf: &'b mut Vec<u8>) -> IdKey<'b> {
    let text = id.as_bytes();
    buf.clear();
    let tagged = |buf: &'b mut Vec<u8>, tag: u8, bytes: &[u8]| {
        buf.push(tag);
        buf.extend_from_slice(bytes);
        IdKey::Bytes(buf)
    };
    match text.len() {
        16 => {
            if let Some(b) = pack::<8>(text) {
                return IdKey::Packed(u64::from_be_bytes(b));
            }
        }
        32 => {
            if let Some(b) = pack::<16>(text) {
                return tagged(buf, TAG_HEX32, &b);
            }
        }
        34 if text.starts_with(b"t-") => {
            if let Some(b) = pack::<16>(text.get(2..).unwrap_or(&[])) {
                return tagged(buf, TAG_LEGACY_ROOT, &b);
            }
        }
        36 => {
            if let Some(b) = uuid_digits(text).and_then(|d| pack::<16>(&d)) {
                return tagged(buf, TAG_UUID, &b);
            }
        }
        _ => {}
    }
    tagged(buf, TAG_RAW, text)
}

fn push_hex(bytes: &[u8], out: &mut String) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
}

/// Appends the original text of `key` to `out`.
pub(crate) fn decode_into(key: IdKey<'_>, out: &mut String) {
    match key {
        IdKey::Packed(v) => push_hex(&v.to_be_bytes(), out),
        IdKey::Bytes(bytes) => {
            let (tag, payload) = match bytes.split_first() {
                Some((t, p)) => (*t, p),
                None => return,
            };
            match tag {
                TAG_HEX32 | TAG_PACKED64 => push_hex(payload, out),
                TAG_LEGACY_ROOT => {
                    out.push_str("t-");
                    push_hex(payload, out);
                }
                TAG_UUID => {
                    let mut hex = String::with_capacity(32);
                    push_hex(payload, &mut hex);
                    for (i, c) in hex.chars().enumerate() {
                        if matches!(i, 8 | 12 | 16 | 20) {
                            out.push('-');
                        }
                        out.push(c);
                    }
                }
                _ => out.push_str(core::str::from_utf8(payload).unwrap_or("")),
            }
        }
    }
}

/// Writes `key` as one byte string (for dictionaries keyed by bytes, such as trace ids).
pub(crate) fn key_bytes(key: IdKey<'_>, out: &mut Vec<u8>) {
    out.clear();
    match key {
        IdKey::Packed(v) => {
            out.push(TAG_PACKED64);
            out.extend_from_slice(&v.to_be_bytes());
        }
        IdKey::Bytes(b) => out.extend_from_slice(b),
    }
}

/// The original text of `key`.
pub(crate) fn decode(key: IdKey<'_>) -> String {
    let mut out = String::new();
    decode_into(key, &mut out);
    out
}

/// True when `observation_id` is the legacy synthetic root id `t-<trace_id>` of `trace_id`.
pub(crate) fn is_legacy_root(observation_id: &str, trace_id: Option<&str>) -> bool {
    match (observation_id.strip_prefix("t-"), trace_id) {
        (Some(rest), Some(trace)) => rest == trace,
        _ => false,
    }
}

/// Append-only byte strings with `u32` end offsets (ids that do not pack into a `u64`).
#[derive(Clone, Debug, Default)]
pub(crate) struct ByteArena {
    bytes: Vec<u8>,
    ends: Vec<u32>,
}

impl ByteArena {
    pub(crate) fn push(&mut self, item: &[u8]) -> u64 {
        self.bytes.extend_from_slice(item);
        self.ends.push(self.bytes.len() as u32);
        (self.ends.len() - 1) as u64
    }

    pub(crate) fn get(&self, index: u64) -> &[u8] {
        let i = index as usize;
        let end = self.ends.get(i).copied().unwrap_or(0) as usize;
        let start = if i == 0 {
            0
        } else {
            self.ends.get(i - 1).copied().unwrap_or(0) as usize
        };
        self.bytes.get(start..end).unwrap_or(&[])
    }

    pub(crate) fn memory_bytes(&self) -> usize {
        self.bytes.capacity() + self.ends.capacity() * 4
    }

    pub(crate) fn shrink_to_fit(&mut self) {
        self.bytes.shrink_to_fit();
        self.ends.shrink_to_fit();
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn round_trip(id: &str) -> IdOwned {
        let mut buf = Vec::new();
        let key = encode(id, &mut buf);
        assert_eq!(decode(key), id, "round trip of {id:?}");
        key.to_owned()
    }

    #[test]
    fn every_shape_round_trips() {
        assert!(matches!(round_trip("a17e5b9c2d4f6081"), IdOwned::Packed(_)));
        assert!(
            matches!(round_trip("3f1c9e2a7b5d4c8e9a0b1c2d3e4f5a6b").as_key(), IdKey::Bytes(b) if b.len() == 17)
        );
        assert!(
            matches!(round_trip("b6e2f1d4-7a3c-4e58-9f10-2c8d4a6b1e37").as_key(), IdKey::Bytes(b) if b.len() == 17)
        );
        assert!(
            matches!(round_trip("t-3f1c9e2a7b5d4c8e9a0b1c2d3e4f5a6b").as_key(), IdKey::Bytes(b) if b.len() == 17)
        );
        for odd in [
            "",
            "x",
            "A17E5B9C2D4F6081",
            "a17e5b9c2d4f608",
            "t-xyz",
            "b6e2f1d4-7a3c-4e58-9f10-2c8d4a6b1e3Z",
            "é✓",
        ] {
            round_trip(odd);
        }
    }

    #[test]
    fn different_ids_never_share_an_encoding() {
        let ids = [
            "a17e5b9c2d4f6081",
            "A17E5B9C2D4F6081",
            "3f1c9e2a7b5d4c8e9a0b1c2d3e4f5a6b",
            "t-3f1c9e2a7b5d4c8e9a0b1c2d3e4f5a6b",
        ];
        let keys: Vec<IdOwned> = ids.iter().map(|id| round_trip(id)).collect();
        for (i, a) in keys.iter().enumerate() {
            for b in keys.iter().skip(i + 1) {
                assert_ne!(a, b);
            }
        }
    }

    #[test]
    fn eight_digits_at_a_time_agree_with_the_table() {
        let table = |d: &[u8]| -> Option<u32> {
            d.iter().try_fold(0u32, |acc, &b| {
                let n = NIBBLE[usize::from(b)];
                (n != 0xff).then_some(acc << 4 | u32::from(n))
            })
        };
        let mut cases: Vec<Vec<u8>> = vec![
            b"00000000".to_vec(),
            b"ffffffff".to_vec(),
            b"0123abcd".to_vec(),
            b"9a8b7c6d".to_vec(),
        ];
        // Every byte value at every position, around valid digits.
        for pos in 0..8 {
            for b in 0..=255u8 {
                let mut d = b"a1b2c3d4".to_vec();
                d[pos] = b;
                cases.push(d);
            }
        }
        for d in &cases {
            assert_eq!(hex8(d), table(d), "{d:?}");
        }
        assert_eq!(hex8(b"1234567"), None);
    }

    #[test]
    fn owned_keys_round_trip_inline_and_on_the_heap() {
        for id in [
            "a17e5b9c2d4f6081",
            "3f1c9e2a7b5d4c8e9a0b1c2d3e4f5a6b",
            "short",
            "a much longer raw id than fits inline, kept on the heap",
        ] {
            let mut buf = Vec::new();
            let key = encode(id, &mut buf);
            let owned = key.to_owned();
            assert_eq!(owned.as_key(), key);
            assert_eq!(decode(owned.as_key()), id);
        }
    }

    #[test]
    fn legacy_roots_are_recognised() {
        assert!(is_legacy_root("t-abc", Some("abc")));
        assert!(!is_legacy_root("t-abc", Some("abd")));
        assert!(!is_legacy_root("abc", Some("abc")));
        assert!(!is_legacy_root("t-abc", None));
    }
}
