//! The viewer's time zone, as the engine's [`UtcOffsets`]: the browser's own zone through `Date`, a named
//! IANA zone (from the `tz` URL parameter) through `Intl.DateTimeFormat`. The browser knows the rules, so
//! the wasm carries no time-zone database.

use std::cell::RefCell;
use std::collections::HashMap;

use js_sys::{Array, Date, Intl, Object, Reflect};
use loupe_core::{FixedOffset, UtcOffsets};
use wasm_bindgen::{JsCast, JsValue};

/// Offsets of the zone the URL names, or of the browser's zone.
pub enum ViewerZone {
    Utc,
    Local,
    Named(NamedZone),
}

impl ViewerZone {
    /// `None` or an unknown name is the browser's zone; `UTC` is fixed.
    pub fn from_url(name: Option<&str>) -> Self {
        match name {
            Some("UTC" | "Etc/UTC") => Self::Utc,
            Some(name) => NamedZone::new(name).map_or(Self::Local, Self::Named),
            None => Self::Local,
        }
    }

    /// The offset at `utc_ms` as seconds east of UTC.
    pub fn offset_s(&self, utc_ms: i64) -> i32 {
        self.offset_seconds(utc_ms)
    }
}

impl UtcOffsets for ViewerZone {
    fn offset_seconds(&self, utc_ms: i64) -> i32 {
        match self {
            Self::Utc => FixedOffset(0).offset_seconds(utc_ms),
            // getTimezoneOffset is UTC minus local, in minutes.
            Self::Local => {
                (-Date::new(&JsValue::from_f64(utc_ms as f64)).get_timezone_offset() * 60.0) as i32
            }
            Self::Named(zone) => zone.offset_seconds(utc_ms),
        }
    }
}

/// An IANA zone evaluated by `Intl.DateTimeFormat`, memoised per quarter hour (no zone changes its offset
/// more often than that).
pub struct NamedZone {
    format: Intl::DateTimeFormat,
    cache: RefCell<HashMap<i64, i32>>,
}

impl NamedZone {
    /// `None` when the browser does not know the zone.
    pub fn new(name: &str) -> Option<Self> {
        let options = Object::new();
        let set = |key: &str, value: &str| Reflect::set(&options, &key.into(), &value.into()).ok();
        set("timeZone", name)?;
        set("hourCycle", "h23")?;
        for key in ["year", "month", "day", "hour", "minute", "second"] {
            set(key, "numeric")?;
        }
        // An unknown zone makes the constructor throw a RangeError: construct through Reflect, which
        // returns that as an `Err` instead of letting the exception cross the wasm boundary.
        let intl = Reflect::get(&js_sys::global(), &"Intl".into()).ok()?;
        let constructor: js_sys::Function = Reflect::get(&intl, &"DateTimeFormat".into())
            .ok()?
            .dyn_into()
            .ok()?;
        let format =
            Reflect::construct(&constructor, &Array::of2(&"en-US".into(), &options)).ok()?;
        Some(Self {
            format: format.dyn_into().ok()?,
            cache: RefCell::new(HashMap::new()),
        })
    }

    fn compute(&self, utc_ms: i64) -> Option<i32> {
        let parts = self
            .format
            .format_to_parts(&Date::new(&JsValue::from_f64(utc_ms as f64)));
        let mut fields = [0_i64; 6];
        for part in parts.iter() {
            let kind = Reflect::get(&part, &"type".into()).ok()?.as_string()?;
            let value: i64 = Reflect::get(&part, &"value".into())
                .ok()?
                .as_string()?
                .parse()
                .ok()?;
            let slot = ["year", "month", "day", "hour", "minute", "second"]
                .iter()
                .position(|k| *k == kind);
            if let Some(slot) = slot {
                fields[slot] = value;
            }
        }
        let [year, month, day, hour, minute, second] = fields;
        let local_ms = Date::utc(year as f64, (month - 1) as f64)
            + ((day - 1) * 86_400_000 + hour * 3_600_000 + minute * 60_000 + second * 1000) as f64;
        let utc_s = utc_ms.div_euclid(1000) * 1000;
        Some(((local_ms as i64 - utc_s) / 1000) as i32)
    }
}

impl UtcOffsets for NamedZone {
    fn offset_seconds(&self, utc_ms: i64) -> i32 {
        let slot = utc_ms.div_euclid(900_000);
        if let Some(offset) = self.cache.borrow().get(&slot) {
            return *offset;
        }
        let offset = self.compute(slot * 900_000).unwrap_or(0);
        self.cache.borrow_mut().insert(slot, offset);
        offset
    }
}
