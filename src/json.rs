//! The app's own small JSON records (the saved connection, the cache record, the snapshot header, the
//! metrics call times), read and written by hand.
//!
//! Why not serde derives: each derive adds its own visitor and serializer code to the wasm. Reading here
//! goes through `serde_json::Value`, whose parser the decoder of models pages already links, and writing
//! through `loupe_synth::json`'s escaping, which the demo already links (measured: the derives cost about
//! 13 KB gzip of the release wasm).
//!
//! Reading follows serde's rules for the types it replaces: a required field must be present with the
//! right type; an `Option` one may be missing or `null`; one with a default may be missing (not `null`); a
//! value of the wrong type rejects the record; unknown keys are ignored; integers must fit their type
//! exactly (no fractions, no sign change). Writing
//! emits keys in the order given, compact, with `JSON.stringify` string escaping (the same bytes
//! `serde_json::to_string` writes).

use loupe_synth::json::{push_i64, push_json_str, push_u64};
use serde_json::{Map, Value};

/// Parses `text` as one JSON value (`None` when it is not JSON).
pub fn parse(text: &str) -> Option<Value> {
    serde_json::from_str(text).ok()
}

/// The fields of one JSON object.
#[derive(Clone, Copy)]
pub struct Fields<'a>(&'a Map<String, Value>);

/// A field that is present with a value of the wrong type: the whole record is rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WrongType;

impl<'a> Fields<'a> {
    /// The fields of `value` when it is an object.
    pub fn of(value: &'a Value) -> Option<Self> {
        value.as_object().map(Self)
    }

    /// The value of `key`, treating `null` as missing.
    fn get(&self, key: &str) -> Option<&'a Value> {
        self.0.get(key).filter(|v| !v.is_null())
    }

    /// Reads an optional field with `read`: missing or `null` is `Ok(None)`, a wrong type is an error.
    fn opt<T>(
        &self,
        key: &str,
        read: impl Fn(&'a Value) -> Option<T>,
    ) -> Result<Option<T>, WrongType> {
        match self.get(key) {
            None => Ok(None),
            Some(value) => read(value).map(Some).ok_or(WrongType),
        }
    }

    /// Reads a field that has a default with `read`: missing is `Ok(default)`; `null` or a wrong type is
    /// an error (as for serde's `#[serde(default)]` on a non-`Option` field).
    fn or_default<T>(
        &self,
        key: &str,
        read: impl Fn(&'a Value) -> Option<T>,
        default: T,
    ) -> Result<T, WrongType> {
        match self.0.get(key) {
            None => Ok(default),
            Some(value) => read(value).ok_or(WrongType),
        }
    }

    /// A string field that defaults to `""`.
    pub fn str_or_default(&self, key: &str) -> Result<String, WrongType> {
        self.or_default(key, |v| v.as_str().map(str::to_owned), String::new())
    }

    /// An unsigned integer field that defaults to 0.
    pub fn u64_or_default(&self, key: &str) -> Result<u64, WrongType> {
        self.or_default(key, Value::as_u64, 0)
    }

    /// A signed integer field that defaults to 0.
    pub fn i64_or_default(&self, key: &str) -> Result<i64, WrongType> {
        self.or_default(key, Value::as_i64, 0)
    }

    /// An object field that may be missing (`Ok(None)`); `null` or a wrong type is an error.
    pub fn object_or_default(&self, key: &str) -> Result<Option<Fields<'a>>, WrongType> {
        self.or_default(key, |v| Fields::of(v).map(Some), None)
    }

    /// A string field (optional).
    pub fn opt_str(&self, key: &str) -> Result<Option<String>, WrongType> {
        self.opt(key, |v| v.as_str().map(str::to_owned))
    }

    /// An unsigned integer field (optional).
    pub fn opt_u64(&self, key: &str) -> Result<Option<u64>, WrongType> {
        self.opt(key, Value::as_u64)
    }

    /// A `u32` field (optional).
    pub fn opt_u32(&self, key: &str) -> Result<Option<u32>, WrongType> {
        self.opt(key, |v| v.as_u64().and_then(|n| u32::try_from(n).ok()))
    }

    /// A signed integer field (optional).
    pub fn opt_i64(&self, key: &str) -> Result<Option<i64>, WrongType> {
        self.opt(key, Value::as_i64)
    }

    /// A boolean field (optional).
    pub fn opt_bool(&self, key: &str) -> Result<Option<bool>, WrongType> {
        self.opt(key, Value::as_bool)
    }

    /// An array field (optional).
    pub fn opt_array(&self, key: &str) -> Result<Option<&'a [Value]>, WrongType> {
        self.opt(key, |v| v.as_array().map(Vec::as_slice))
    }

    /// A required string field.
    pub fn str(&self, key: &str) -> Option<String> {
        self.opt_str(key).ok().flatten()
    }

    /// A required unsigned integer field.
    pub fn u64(&self, key: &str) -> Option<u64> {
        self.opt_u64(key).ok().flatten()
    }

    /// A required signed integer field.
    pub fn i64(&self, key: &str) -> Option<i64> {
        self.opt_i64(key).ok().flatten()
    }

    /// A required boolean field.
    pub fn bool(&self, key: &str) -> Option<bool> {
        self.opt_bool(key).ok().flatten()
    }
}

/// The integers of a JSON array of integers (`None` when it is not one).
pub fn i64_array(values: &[Value]) -> Option<Vec<i64>> {
    values.iter().map(Value::as_i64).collect()
}

/// Writes one JSON object, keys in the order of the calls.
pub struct ObjectWriter {
    out: String,
    empty: bool,
}

impl Default for ObjectWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl ObjectWriter {
    /// An open object.
    pub fn new() -> Self {
        Self {
            out: String::from("{"),
            empty: true,
        }
    }

    /// Writes `"key":` (with the separating comma).
    fn key(&mut self, key: &str) -> &mut String {
        if !self.empty {
            self.out.push(',');
        }
        self.empty = false;
        push_json_str(&mut self.out, key);
        self.out.push(':');
        &mut self.out
    }

    /// A string member.
    pub fn str(&mut self, key: &str, value: &str) -> &mut Self {
        push_json_str(self.key(key), value);
        self
    }

    /// A string member, `null` for `None`.
    pub fn opt_str(&mut self, key: &str, value: Option<&str>) -> &mut Self {
        match value {
            Some(value) => self.str(key, value),
            None => self.raw(key, "null"),
        }
    }

    /// An unsigned integer member.
    pub fn u64(&mut self, key: &str, value: u64) -> &mut Self {
        push_u64(self.key(key), value);
        self
    }

    /// An unsigned integer member, `null` for `None`.
    pub fn opt_u64(&mut self, key: &str, value: Option<u64>) -> &mut Self {
        match value {
            Some(value) => self.u64(key, value),
            None => self.raw(key, "null"),
        }
    }

    /// A signed integer member.
    pub fn i64(&mut self, key: &str, value: i64) -> &mut Self {
        push_i64(self.key(key), value);
        self
    }

    /// A signed integer member, `null` for `None`.
    pub fn opt_i64(&mut self, key: &str, value: Option<i64>) -> &mut Self {
        match value {
            Some(value) => self.i64(key, value),
            None => self.raw(key, "null"),
        }
    }

    /// A boolean member.
    pub fn bool(&mut self, key: &str, value: bool) -> &mut Self {
        self.raw(key, if value { "true" } else { "false" })
    }

    /// A member whose value is already JSON text.
    pub fn raw(&mut self, key: &str, json: &str) -> &mut Self {
        self.key(key).push_str(json);
        self
    }

    /// The object's text.
    pub fn finish(&mut self) -> String {
        let mut out = std::mem::take(&mut self.out);
        out.push('}');
        out
    }
}

/// A JSON array of integers.
pub fn i64_array_text(values: &[i64]) -> String {
    let mut out = String::from("[");
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_i64(&mut out, *value);
    }
    out.push(']');
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn written_objects_read_back_and_match_serde_json() {
        let text = ObjectWriter::new()
            .str("name", "a \"quoted\"\nline\u{1}")
            .opt_str("none", None)
            .u64("big", u64::MAX)
            .i64("neg", -5)
            .opt_i64("some", Some(7))
            .bool("yes", true)
            .raw("list", &i64_array_text(&[1, -2, 3]))
            .finish();
        let expected = serde_json::json!({
            "name": "a \"quoted\"\nline\u{1}", "none": null, "big": u64::MAX, "neg": -5, "some": 7,
            "yes": true, "list": [1, -2, 3]
        });
        assert_eq!(parse(&text).unwrap(), expected);
        // Same escaping as serde_json.
        assert_eq!(
            text.split(",\"none\"").next().unwrap(),
            format!(
                "{{\"name\":{}",
                serde_json::to_string("a \"quoted\"\nline\u{1}").unwrap()
            )
        );
        let value = parse(&text).unwrap();
        let fields = Fields::of(&value).unwrap();
        assert_eq!(fields.str("name").unwrap(), "a \"quoted\"\nline\u{1}");
        assert_eq!(fields.u64("big"), Some(u64::MAX));
        assert_eq!(fields.i64("neg"), Some(-5));
        assert_eq!(fields.bool("yes"), Some(true));
        assert_eq!(
            i64_array(fields.opt_array("list").unwrap().unwrap()),
            Some(vec![1, -2, 3])
        );
    }

    #[test]
    fn missing_null_and_wrong_types_follow_serde() {
        let value = parse(r#"{"s":"x","n":null,"neg":-1,"frac":1.5,"big":4294967296}"#).unwrap();
        let fields = Fields::of(&value).unwrap();
        assert_eq!(fields.opt_str("missing"), Ok(None));
        assert_eq!(fields.opt_str("n"), Ok(None));
        assert_eq!(fields.opt_str("neg"), Err(WrongType));
        assert_eq!(fields.opt_u64("neg"), Err(WrongType));
        assert_eq!(fields.opt_i64("frac"), Err(WrongType));
        assert_eq!(fields.opt_u32("big"), Err(WrongType));
        assert_eq!(fields.str("n"), None, "a required field may not be null");
        assert_eq!(fields.str_or_default("missing"), Ok(String::new()));
        assert_eq!(fields.str_or_default("n"), Err(WrongType));
        assert_eq!(fields.u64_or_default("neg"), Err(WrongType));
        assert!(fields.object_or_default("n").is_err());
        assert_eq!(fields.str("missing"), None);
        assert!(Fields::of(&parse("[]").unwrap()).is_none());
        assert!(parse("{not json").is_none());
    }
}
