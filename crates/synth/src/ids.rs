//! Identifiers: xxHash32 (ClickHouse's `xxHash32`, seed 0, used in the v2 sort order), id formatting
//! (32-hex trace ids, 16-hex observation ids, UUIDs, `t-<traceId>` synthetic roots), a stable mixer for
//! derived values, and base64 for cursors.

use base64::Engine as _;

const P1: u32 = 0x9E37_79B1;
const P2: u32 = 0x85EB_CA77;
const P3: u32 = 0xC2B2_AE3D;
const P4: u32 = 0x27D4_EB2F;
const P5: u32 = 0x1656_67B1;

/// xxHash32 of `data` with seed 0 (the value ClickHouse's `xxHash32(s)` returns).
pub fn xxhash32(data: &[u8]) -> u32 {
    let read = |c: &[u8]| u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
    let round = |acc: u32, lane: u32| {
        acc.wrapping_add(lane.wrapping_mul(P2))
            .rotate_left(13)
            .wrapping_mul(P1)
    };
    let len = data.len();
    let mut rest = data;
    let mut h = if len >= 16 {
        let mut v = [P1.wrapping_add(P2), P2, 0, 0u32.wrapping_sub(P1)];
        while rest.len() >= 16 {
            let (block, tail) = rest.split_at(16);
            for (i, lane) in block.chunks_exact(4).enumerate() {
                if let Some(acc) = v.get_mut(i) {
                    *acc = round(*acc, read(lane));
                }
            }
            rest = tail;
        }
        v[0].rotate_left(1)
            .wrapping_add(v[1].rotate_left(7))
            .wrapping_add(v[2].rotate_left(12))
            .wrapping_add(v[3].rotate_left(18))
    } else {
        P5
    };
    h = h.wrapping_add(len as u32);
    let mut words = rest.chunks_exact(4);
    for w in words.by_ref() {
        h = h
            .wrapping_add(read(w).wrapping_mul(P3))
            .rotate_left(17)
            .wrapping_mul(P4);
    }
    for &b in words.remainder() {
        h = h
            .wrapping_add(u32::from(b).wrapping_mul(P5))
            .rotate_left(11)
            .wrapping_mul(P1);
    }
    h ^= h >> 15;
    h = h.wrapping_mul(P2);
    h ^= h >> 13;
    h = h.wrapping_mul(P3);
    h ^ (h >> 16)
}

/// SplitMix64 finaliser: a stable, well-spread 64-bit mix (for values derived from ids, never for ids).
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Writes the low `digits` hex digits of `v`, most significant first, lower-case.
pub fn push_hex(out: &mut String, v: u128, digits: u32) {
    for i in (0..digits).rev() {
        let nibble = ((v >> (i * 4)) & 0xf) as usize;
        out.push(HEX.get(nibble).map_or('0', |&b| b as char));
    }
}

/// Writes `v` as a UUID string `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
pub fn push_uuid(out: &mut String, v: u128) {
    push_hex(out, v >> 96, 8);
    out.push('-');
    push_hex(out, (v >> 80) & 0xffff, 4);
    out.push('-');
    push_hex(out, (v >> 64) & 0xffff, 4);
    out.push('-');
    push_hex(out, (v >> 48) & 0xffff, 4);
    out.push('-');
    push_hex(out, v & 0xffff_ffff_ffff, 12);
}

/// Makes 128 random bits a version-4 UUID (version nibble 4, variant 10xx).
pub fn as_uuid_v4(bits: u128) -> u128 {
    (bits & !(0xf << 76) & !(0x3 << 62)) | (0x4 << 76) | (0x2 << 62)
}

/// Standard base64 (with padding), as Langfuse's v2 observation cursor uses.
pub fn base64_standard(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// URL-safe base64 without padding, as `/v3/scores` cursors use.
pub fn base64_url(text: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

/// Decodes standard base64 (padding optional).
pub fn base64_standard_decode(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(text))
        .ok()
}

/// Decodes base64url (padding optional).
pub fn base64_url_decode(text: &str) -> Option<Vec<u8>> {
    let trimmed = text.trim_end_matches('=');
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(trimmed)
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xxhash32_matches_reference_vectors() {
        assert_eq!(xxhash32(b""), 0x02CC_5D05);
        assert_eq!(xxhash32(b"a"), 0x550D_7456);
        assert_eq!(xxhash32(b"abc"), 0x32D1_53FF);
        assert_eq!(
            xxhash32(b"Nobody inspects the spammish repetition"),
            0xE229_3B2F
        );
    }

    #[test]
    fn uuids_have_version_and_variant() {
        let mut s = String::new();
        push_uuid(&mut s, as_uuid_v4(u128::MAX));
        assert_eq!(s, "ffffffff-ffff-4fff-bfff-ffffffffffff");
        s.clear();
        push_uuid(&mut s, as_uuid_v4(0));
        assert_eq!(s, "00000000-0000-4000-8000-000000000000");
    }

    #[test]
    fn base64_variants_round_trip() {
        let text = "{\"v\":1,\"lastId\":\"??>\"}";
        assert_eq!(
            base64_url_decode(&base64_url(text)).as_deref(),
            Some(text.as_bytes())
        );
        assert_eq!(
            base64_standard_decode(&base64_standard(text)).as_deref(),
            Some(text.as_bytes())
        );
        assert!(
            base64_url(text)
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
    }
}
