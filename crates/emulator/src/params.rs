//! Query-string parsing and Langfuse's 400 shapes: zod issue arrays (`{"message":"Invalid request
//! data","error":[issues]}`, zod 4.3 wording) and `InvalidRequestError`s.

use hyper::StatusCode;
use loupe_synth::json::push_json_str;

use crate::http::Answer;

/// Decoded query pairs, in order.
pub(crate) struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    pub fn parse(query: Option<&str>) -> Self {
        let pairs = form_urlencoded::parse(query.unwrap_or("").as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        Self { pairs }
    }

    /// First value of `key`; `""` counts as absent (Langfuse's zod preprocessing).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    /// First value of `key`, empty values included.
    pub fn get_raw(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// All values of a multi-value parameter: repeated keys and comma-joined values.
    pub fn all(&self, key: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == key)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// Distinct keys, in order of first appearance.
    pub fn keys(&self) -> Vec<&str> {
        let mut keys: Vec<&str> = Vec::new();
        for (k, _) in &self.pairs {
            if !keys.contains(&k.as_str()) {
                keys.push(k);
            }
        }
        keys
    }
}

/// Collected zod issues (JSON object texts).
#[derive(Default)]
pub(crate) struct Issues(Vec<String>);

fn path_json(path: &str) -> String {
    if path.is_empty() {
        "[]".to_string()
    } else {
        let mut s = String::from("[");
        push_json_str(&mut s, path);
        s.push(']');
        s
    }
}

fn msg(message: &str) -> String {
    let mut s = String::new();
    push_json_str(&mut s, message);
    s
}

const ISO_DATETIME_PATTERN: &str = "^(?:(?:\\d\\d[2468][048]|\\d\\d[13579][26]|\\d\\d0[48]|[02468][048]00|[13579][26]00)-02-29|\\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\\d|30)|(?:02)-(?:0[1-9]|1\\d|2[0-8])))T(?:(?:[01]\\d|2[0-3]):[0-5]\\d(?::[0-5]\\d(?:\\.\\d+)?)?(?:Z|([+-](?:[01]\\d|2[0-3]):[0-5]\\d)))$";

impl Issues {
    pub fn missing_string(&mut self, path: &str) {
        self.0.push(format!(
            "{{\"expected\":\"string\",\"code\":\"invalid_type\",\"path\":{},\"message\":\"Invalid input: expected string, received undefined\"}}",
            path_json(path)
        ));
    }

    pub fn invalid_number(&mut self, path: &str) {
        self.0.push(format!(
            "{{\"expected\":\"number\",\"code\":\"invalid_type\",\"path\":{},\"message\":\"Invalid input: expected number, received NaN\"}}",
            path_json(path)
        ));
    }

    pub fn invalid_int(&mut self, path: &str) {
        self.0.push(format!(
            "{{\"expected\":\"int\",\"format\":\"safeint\",\"code\":\"invalid_type\",\"path\":{},\"message\":\"Invalid input: expected int, received number\"}}",
            path_json(path)
        ));
    }

    pub fn too_big(&mut self, path: &str, maximum: i64) {
        self.0.push(format!(
            "{{\"origin\":\"number\",\"code\":\"too_big\",\"maximum\":{maximum},\"inclusive\":true,\"path\":{},\"message\":\"Too big: expected number to be <={maximum}\"}}",
            path_json(path)
        ));
    }

    /// `inclusive = false` reads "> minimum".
    pub fn too_small(&mut self, path: &str, minimum: i64, inclusive: bool) {
        let op = if inclusive { ">=" } else { ">" };
        self.0.push(format!(
            "{{\"origin\":\"number\",\"code\":\"too_small\",\"minimum\":{minimum},\"inclusive\":{inclusive},\"path\":{},\"message\":\"Too small: expected number to be {op}{minimum}\"}}",
            path_json(path)
        ));
    }

    pub fn invalid_value(&mut self, path: &str, values: &[&str]) {
        let list: Vec<String> = values.iter().map(|v| msg(v)).collect();
        let expected: Vec<String> = values.iter().map(|v| format!("\"{v}\"")).collect();
        self.0.push(format!(
            "{{\"code\":\"invalid_value\",\"values\":[{}],\"path\":{},\"message\":{}}}",
            list.join(","),
            path_json(path),
            msg(&format!(
                "Invalid option: expected one of {}",
                expected.join("|")
            ))
        ));
    }

    pub fn invalid_datetime(&mut self, path: &str) {
        self.0.push(format!(
            "{{\"origin\":\"string\",\"code\":\"invalid_format\",\"format\":\"datetime\",\"pattern\":{},\"path\":{},\"message\":\"Invalid ISO datetime\"}}",
            msg(ISO_DATETIME_PATTERN),
            path_json(path)
        ));
    }

    pub fn invalid_boolean(&mut self, path: &str) {
        self.0.push(format!(
            "{{\"code\":\"invalid_value\",\"values\":[\"true\",\"false\"],\"path\":{},\"message\":\"Invalid option: expected one of \\\"true\\\"|\\\"false\\\"\"}}",
            path_json(path)
        ));
    }

    pub fn unrecognized_keys(&mut self, keys: &[&str]) {
        let list: Vec<String> = keys.iter().map(|k| msg(k)).collect();
        let quoted: Vec<String> = keys.iter().map(|k| format!("\"{k}\"")).collect();
        let text = if keys.len() == 1 {
            format!("Unrecognized key: {}", quoted.join(", "))
        } else {
            format!("Unrecognized keys: {}", quoted.join(", "))
        };
        self.0.push(format!(
            "{{\"code\":\"unrecognized_keys\",\"keys\":[{}],\"path\":[],\"message\":{}}}",
            list.join(","),
            msg(&text)
        ));
    }

    /// The 400 answer, or `None` without issues.
    pub fn answer(&self) -> Option<Answer> {
        if self.0.is_empty() {
            return None;
        }
        Some(Answer::json(
            StatusCode::BAD_REQUEST,
            format!(
                "{{\"message\":\"Invalid request data\",\"error\":[{}]}}",
                self.0.join(",")
            ),
        ))
    }
}

/// An optional integer parameter in `min..=max` (zod `coerce.number().int()` with bounds); `Err` leaves
/// an issue.
pub(crate) fn int_param(
    q: &Query,
    issues: &mut Issues,
    key: &str,
    default: i64,
    min: i64,
    min_inclusive: bool,
    max: i64,
) -> i64 {
    let Some(text) = q.get(key) else {
        return default;
    };
    let Ok(value) = text.trim().parse::<f64>() else {
        issues.invalid_number(key);
        return default;
    };
    if !value.is_finite() {
        issues.invalid_number(key);
        return default;
    }
    if value.fract() != 0.0 {
        issues.invalid_int(key);
        return default;
    }
    let v = value as i64;
    if v > max {
        issues.too_big(key, max);
    } else if v < min || (!min_inclusive && v == min) {
        issues.too_small(key, min, min_inclusive);
    }
    v
}

/// An optional ISO datetime with offset; `Err` leaves an issue.
pub(crate) fn datetime_param(q: &Query, issues: &mut Issues, key: &str) -> Option<i64> {
    let text = q.get(key)?;
    let parsed = loupe_synth::json::parse_iso_ms(text);
    if parsed.is_none() {
        issues.invalid_datetime(key);
    }
    parsed
}

/// `page` and `limit` of page-based routes (API.md §6.1).
pub(crate) fn page_params(q: &Query, issues: &mut Issues) -> (usize, usize) {
    let page = int_param(q, issues, "page", 1, 0, false, i64::from(i32::MAX));
    let limit = int_param(q, issues, "limit", 50, 1, true, 100);
    (page.max(1) as usize, limit.clamp(1, 100) as usize)
}

/// The standard `{"data":[…],"meta":{"page","limit","totalItems","totalPages"}}` body.
pub(crate) fn page_body(items: &[String], page: usize, limit: usize, total: usize) -> String {
    let mut body = String::from("{\"data\":[");
    body.push_str(&items.join(","));
    body.push_str(&format!(
        "],\"meta\":{{\"page\":{page},\"limit\":{limit},\"totalItems\":{total},\"totalPages\":{}}}}}",
        total.div_ceil(limit.max(1))
    ));
    body
}
