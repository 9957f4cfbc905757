//! Colours and type sizes for charts, in light and dark. The CSS design tokens in `style/` use the same values.

use plotters::style::RGBColor;

/// A chart palette and type scale. Sizes are CSS pixels (see [`crate::HiDpi`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Theme {
    pub background: RGBColor,
    pub text: RGBColor,
    pub muted: RGBColor,
    pub grid: RGBColor,
    pub axis: RGBColor,
    /// Categorical series colours, in order of use.
    pub series: [RGBColor; 8],
    pub ok: RGBColor,
    pub warning: RGBColor,
    pub error: RGBColor,
    pub font_family: &'static str,
    pub font_size: f64,
}

impl Theme {
    pub fn light() -> Self {
        Self {
            background: RGBColor(0xff, 0xff, 0xff),
            text: RGBColor(0x1f, 0x23, 0x28),
            muted: RGBColor(0x65, 0x6d, 0x76),
            grid: RGBColor(0xea, 0xee, 0xf2),
            axis: RGBColor(0xd0, 0xd7, 0xde),
            series: [
                RGBColor(0x3b, 0x6e, 0xf5),
                RGBColor(0x12, 0xa5, 0x94),
                RGBColor(0xe0, 0x8a, 0x1e),
                RGBColor(0x8b, 0x5c, 0xf6),
                RGBColor(0xdb, 0x27, 0x77),
                RGBColor(0x0e, 0x94, 0xc9),
                RGBColor(0x65, 0xa3, 0x0d),
                RGBColor(0x78, 0x71, 0x6c),
            ],
            ok: RGBColor(0x3b, 0x6e, 0xf5),
            warning: RGBColor(0xd9, 0x77, 0x06),
            error: RGBColor(0xdc, 0x26, 0x26),
            font_family: "system-ui, -apple-system, Segoe UI, Roboto, sans-serif",
            font_size: 11.0,
        }
    }

    pub fn dark() -> Self {
        Self {
            background: RGBColor(0x16, 0x1b, 0x22),
            text: RGBColor(0xe6, 0xed, 0xf3),
            muted: RGBColor(0x8d, 0x96, 0xa0),
            grid: RGBColor(0x26, 0x2c, 0x36),
            axis: RGBColor(0x3d, 0x44, 0x4d),
            series: [
                RGBColor(0x6c, 0x9b, 0xff),
                RGBColor(0x2d, 0xd4, 0xbf),
                RGBColor(0xfb, 0xbf, 0x24),
                RGBColor(0xa7, 0x8b, 0xfa),
                RGBColor(0xf4, 0x72, 0xb6),
                RGBColor(0x38, 0xbd, 0xf8),
                RGBColor(0xa3, 0xe6, 0x35),
                RGBColor(0xa8, 0xa2, 0x9e),
            ],
            ok: RGBColor(0x6c, 0x9b, 0xff),
            warning: RGBColor(0xfb, 0xbf, 0x24),
            error: RGBColor(0xf8, 0x71, 0x71),
            font_family: "system-ui, -apple-system, Segoe UI, Roboto, sans-serif",
            font_size: 11.0,
        }
    }

    /// The palette for a colour scheme.
    pub fn for_scheme(dark: bool) -> Self {
        if dark { Self::dark() } else { Self::light() }
    }
}
