//! A backend wrapper that lets charts draw in CSS pixels on a device-pixel surface.
//!
//! A canvas that is sharp on a high-DPI screen has `devicePixelRatio` device pixels per CSS pixel. Chart code
//! lays out in CSS pixels (font sizes, margins and stroke widths mean what they say); [`HiDpi`] multiplies every
//! coordinate, radius, stroke width and font size by the ratio on the way to the real backend.

use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
    FontFamily, FontStyle, FontTransform, text_anchor,
};

/// Wraps a device-pixel backend and exposes a logical (CSS-pixel) one, `scale` device pixels per logical pixel.
pub struct HiDpi<DB> {
    inner: DB,
    scale: f64,
}

impl<DB: DrawingBackend> HiDpi<DB> {
    /// `scale` is clamped to [1, 4]; non-finite values mean 1.
    pub fn new(inner: DB, scale: f64) -> Self {
        let scale = if scale.is_finite() {
            scale.clamp(1.0, 4.0)
        } else {
            1.0
        };
        Self { inner, scale }
    }

    /// The wrapped backend.
    pub fn into_inner(self) -> DB {
        self.inner
    }

    fn coord(&self, (x, y): BackendCoord) -> BackendCoord {
        (
            (f64::from(x) * self.scale).round() as i32,
            (f64::from(y) * self.scale).round() as i32,
        )
    }
}

/// A stroke style with its width multiplied.
struct Scaled<'a, S> {
    inner: &'a S,
    scale: f64,
}

impl<S: BackendStyle> BackendStyle for Scaled<'_, S> {
    fn color(&self) -> BackendColor {
        self.inner.color()
    }
    fn stroke_width(&self) -> u32 {
        (f64::from(self.inner.stroke_width()) * self.scale)
            .round()
            .max(1.0) as u32
    }
}

impl<S: BackendTextStyle> BackendTextStyle for Scaled<'_, S> {
    type FontError = S::FontError;
    fn color(&self) -> BackendColor {
        self.inner.color()
    }
    fn size(&self) -> f64 {
        self.inner.size() * self.scale
    }
    fn transform(&self) -> FontTransform {
        self.inner.transform()
    }
    fn style(&self) -> FontStyle {
        self.inner.style()
    }
    fn anchor(&self) -> text_anchor::Pos {
        self.inner.anchor()
    }
    fn family(&self) -> FontFamily<'_> {
        self.inner.family()
    }
    fn layout_box(&self, text: &str) -> Result<((i32, i32), (i32, i32)), Self::FontError> {
        let ((x0, y0), (x1, y1)) = self.inner.layout_box(text)?;
        let s = |v: i32| (f64::from(v) * self.scale).round() as i32;
        Ok(((s(x0), s(y0)), (s(x1), s(y1))))
    }
    fn draw<E, DrawFunc: FnMut(i32, i32, BackendColor) -> Result<(), E>>(
        &self,
        text: &str,
        pos: BackendCoord,
        draw: DrawFunc,
    ) -> Result<Result<(), E>, Self::FontError> {
        self.inner.draw(text, pos, draw)
    }
}

impl<DB: DrawingBackend> DrawingBackend for HiDpi<DB> {
    type ErrorType = DB::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        let (w, h) = self.inner.get_size();
        (
            (f64::from(w) / self.scale).floor() as u32,
            (f64::from(h) / self.scale).floor() as u32,
        )
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let from = self.coord(point);
        let to = self.coord((point.0 + 1, point.1 + 1));
        self.inner
            .draw_rect(from, (to.0 - 1, to.1 - 1), &color, true)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let (from, to) = (self.coord(from), self.coord(to));
        self.inner.draw_line(
            from,
            to,
            &Scaled {
                inner: style,
                scale: self.scale,
            },
        )
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let (a, b) = (self.coord(upper_left), self.coord(bottom_right));
        self.inner.draw_rect(
            a,
            b,
            &Scaled {
                inner: style,
                scale: self.scale,
            },
            fill,
        )
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let scale = self.scale;
        let points: Vec<BackendCoord> = path.into_iter().map(|p| self.coord(p)).collect();
        self.inner.draw_path(
            points,
            &Scaled {
                inner: style,
                scale,
            },
        )
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let center = self.coord(center);
        let radius = (f64::from(radius) * self.scale).round() as u32;
        self.inner.draw_circle(
            center,
            radius,
            &Scaled {
                inner: style,
                scale: self.scale,
            },
            fill,
        )
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let points: Vec<BackendCoord> = vert.into_iter().map(|p| self.coord(p)).collect();
        self.inner.fill_polygon(points, style)
    }

    fn draw_text<TStyle: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &TStyle,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let pos = self.coord(pos);
        self.inner.draw_text(
            text,
            &Scaled {
                inner: style,
                scale: self.scale,
            },
            pos,
        )
    }

    fn estimate_text_size<TStyle: BackendTextStyle>(
        &self,
        text: &str,
        style: &TStyle,
    ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        // Layout happens in logical pixels: ask with the unscaled style.
        self.inner.estimate_text_size(text, style)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use plotters::prelude::*;

    #[test]
    fn logical_size_is_device_size_over_scale() {
        let mut svg = String::new();
        let backend = HiDpi::new(SVGBackend::with_string(&mut svg, (800, 400)), 2.0);
        assert_eq!(backend.get_size(), (400, 200));
    }

    #[test]
    fn coordinates_and_strokes_are_scaled() {
        let mut svg = String::new();
        {
            let mut backend = HiDpi::new(SVGBackend::with_string(&mut svg, (200, 200)), 2.0);
            backend
                .draw_line(
                    (10, 20),
                    (30, 40),
                    &plotters::style::Color::stroke_width(&RED, 3),
                )
                .unwrap();
            backend.present().unwrap();
        }
        assert!(
            svg.contains(r#"x1="20""#) && svg.contains(r#"y2="80""#),
            "{svg}"
        );
        assert!(svg.contains(r#"stroke-width="6""#), "{svg}");
    }

    #[test]
    fn silly_scales_fall_back_to_sane_values() {
        let mut svg = String::new();
        let backend = HiDpi::new(SVGBackend::with_string(&mut svg, (100, 100)), f64::NAN);
        assert_eq!(backend.get_size(), (100, 100));
    }
}
