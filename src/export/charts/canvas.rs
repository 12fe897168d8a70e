//! What every chart draws with: a [`Canvas`] over a plotters `DrawingArea`
//! (text in the embedded font, lines with dash patterns, bands, markers,
//! hatching), and the frame around the plot: heading, legend and footer.
//!
//! Coordinates are pixels of the image (f64, y down). Font sizes, line widths
//! and gaps are given for a 1600×900 image and scaled with the image, so a
//! larger or smaller chart keeps its proportions.

use std::sync::OnceLock;

use ab_glyph::{Font as _, FontRef, PxScale, ScaleFont, point};
use plotters::coord::Shift;
use plotters::element::{Circle, PathElement, Polygon, Rectangle};
use plotters::prelude::{DrawingArea, DrawingAreaErrorKind, DrawingBackend};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color, FontDesc, FontFamily, FontStyle, FontTransform, RGBColor, TextStyle};

use super::palette::{INK, MUTED, WHITE};
use super::{FONT_FAMILY, Heading};

/// The result of a drawing step.
pub(crate) type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// A line's dash pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stroke {
    Solid,
    Dashed,
    Dotted,
    DashDot,
}

impl Stroke {
    /// On/off lengths in multiples of the line width (at least 1 px).
    fn pattern(self) -> &'static [f64] {
        match self {
            Stroke::Solid => &[],
            Stroke::Dashed => &[5.0, 3.0],
            Stroke::Dotted => &[1.2, 2.2],
            Stroke::DashDot => &[6.0, 2.5, 1.2, 2.5],
        }
    }
}

/// A point marker's shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    Circle,
    Square,
    Triangle,
    Diamond,
    InvertedTriangle,
}

/// A font: em size in pixels at 1600×900, and weight.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Font {
    pub size: f64,
    pub bold: bool,
}

pub(crate) const TITLE: Font = Font { size: 31.0, bold: true };
pub(crate) const SUBTITLE: Font = Font { size: 21.0, bold: false };
pub(crate) const LEGEND: Font = Font { size: 19.0, bold: false };
pub(crate) const TICK: Font = Font { size: 19.0, bold: false };
pub(crate) const AXIS_TITLE: Font = Font { size: 20.0, bold: false };
pub(crate) const LABEL: Font = Font { size: 18.0, bold: false };
pub(crate) const LABEL_BOLD: Font = Font { size: 18.0, bold: true };
pub(crate) const FOOTER: Font = Font { size: 15.0, bold: false };
pub(crate) const NOTE: Font = Font { size: 22.0, bold: false };

/// How text reaches the image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TextMode {
    /// Glyphs rasterised here from the embedded font, anti-aliased and
    /// positioned to the subpixel (bitmaps).
    Raster,
    /// Text elements naming the font family, for the viewer to render (SVG).
    Native,
}

/// The embedded faces, parsed once.
fn face(bold: bool) -> Option<&'static FontRef<'static>> {
    static REGULAR: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    static BOLD: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    let (cell, bytes) = if bold { (&BOLD, ttf_noto_sans::BOLD) } else { (&REGULAR, ttf_noto_sans::REGULAR) };
    cell.get_or_init(|| FontRef::try_from_slice(bytes).ok()).as_ref()
}

/// The ab_glyph scale that gives an em of `em` pixels.
fn px_scale(f: &FontRef<'_>, em: f64) -> PxScale {
    let upem = f.units_per_em().unwrap_or(1000.0);
    PxScale::from((em as f32) * f.height_unscaled() / upem)
}

/// Width of `text` at an em of `em` pixels (advances and kerning).
fn advance(f: &FontRef<'_>, em: f64, text: &str) -> f64 {
    let sf = f.as_scaled(px_scale(f, em));
    let mut w = 0.0f32;
    let mut prev = None;
    for ch in text.chars() {
        let id = sf.glyph_id(ch);
        if let Some(p) = prev {
            w += sf.kern(p, id);
        }
        w += sf.h_advance(id);
        prev = Some(id);
    }
    f64::from(w)
}

/// SVG places a top-anchored text's baseline 0.76 em below the anchor.
const SVG_TOP_TO_BASELINE: f64 = 0.76;
/// plotters writes `font-size` as its size divided by 1.24.
const SVG_SIZE_FACTOR: f64 = 1.24;

/// Outer margin at 1600×900.
const MARGIN: f64 = 34.0;

/// A drawing surface: the image, its size and its scale.
pub(crate) struct Canvas<'a, DB: DrawingBackend> {
    area: &'a DrawingArea<DB, Shift>,
    pub width: f64,
    pub height: f64,
    /// Pixels per design pixel (1 at 1600×900).
    pub scale: f64,
    mode: TextMode,
}

impl<'a, DB: DrawingBackend> Canvas<'a, DB> {
    pub fn new(area: &'a DrawingArea<DB, Shift>, mode: TextMode) -> Self {
        let (w, h) = area.dim_in_pixel();
        let (w, h) = (f64::from(w.max(1)), f64::from(h.max(1)));
        let scale = (w * h / (1600.0 * 900.0)).sqrt().min(w / 1600.0 * 1.25).min(h / 900.0 * 1.25).clamp(0.5, 5.0);
        Canvas { area, width: w, height: h, scale, mode }
    }

    /// A design length in pixels.
    pub fn px(&self, v: f64) -> f64 {
        v * self.scale
    }

    /// The outer margin in pixels.
    pub fn margin(&self) -> f64 {
        self.px(MARGIN)
    }

    fn font(&self, f: Font) -> FontDesc<'static> {
        let style = if f.bold { FontStyle::Bold } else { FontStyle::Normal };
        FontDesc::new(FontFamily::Name(FONT_FAMILY), self.font_px(f) * SVG_SIZE_FACTOR, style)
    }

    /// Em size in pixels.
    pub fn font_px(&self, f: Font) -> f64 {
        (f.size * self.scale).max(6.0)
    }

    /// Height of a line of text in `f`.
    pub fn line_height(&self, f: Font) -> f64 {
        self.font_px(f) * 1.3
    }

    /// Width of `text` in `f`, in pixels.
    pub fn text_width(&self, text: &str, f: Font) -> f64 {
        if text.is_empty() {
            return 0.0;
        }
        match face(f.bold) {
            Some(face) => advance(face, self.font_px(f), text),
            None => text.chars().count() as f64 * self.font_px(f) * 0.55,
        }
    }

    /// `text`, shortened with `…` to fit `max_width`: after its last whole
    /// word that fits ("capped at $38B; base…", not "base gr…"), unless that
    /// would drop more than half of what fits.
    pub fn fit(&self, text: &str, f: Font, max_width: f64) -> String {
        if self.text_width(text, f) <= max_width {
            return text.to_string();
        }
        let chars: Vec<char> = text.chars().collect();
        let (mut lo, mut hi) = (0usize, chars.len());
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            let candidate: String = chars[..mid].iter().collect::<String>().trim_end().to_string() + "…";
            if self.text_width(&candidate, f) <= max_width { lo = mid } else { hi = mid - 1 }
        }
        if lo == 0 {
            return String::new();
        }
        // Cut between words where the next character is not the word's own.
        let inside_a_word = chars.get(lo).is_some_and(|c| c.is_alphanumeric()) && chars[lo - 1].is_alphanumeric();
        if inside_a_word && let Some(space) = chars[..lo].iter().rposition(|c| *c == ' ').filter(|p| *p >= lo / 2) {
            lo = space;
        }
        chars[..lo].iter().collect::<String>().trim_end().to_string() + "…"
    }

    /// An axis title shortened to fit `max_width`, keeping its unit: a
    /// closing part in brackets ("($B)", "(% of paths)") stays whole and the
    /// words before it are shortened, so that a small chart still says what
    /// its numbers are in.
    pub fn fit_title(&self, text: &str, f: Font, max_width: f64) -> String {
        if self.text_width(text, f) <= max_width {
            return text.to_string();
        }
        let Some(open) = text.rfind(" (").filter(|_| text.ends_with(')')) else {
            return self.fit(text, f, max_width);
        };
        let unit = &text[open..];
        let head = self.fit(&text[..open], f, max_width - self.text_width(unit, f));
        if head.is_empty() { self.fit(unit.trim_start(), f, max_width) } else { head + unit }
    }

    /// Draw `text` with its baseline at `y`, aligned at `x` by `h`.
    pub fn text(&self, text: &str, x: f64, y: f64, f: Font, color: RGBColor, h: HPos) -> DrawResult<DB> {
        if text.is_empty() {
            return Ok(());
        }
        let em = self.font_px(f);
        if let (TextMode::Raster, Some(face)) = (self.mode, face(f.bold)) {
            let w = advance(face, em, text);
            let start = match h {
                HPos::Left => x,
                HPos::Center => x - w / 2.0,
                HPos::Right => x - w,
            };
            return self.raster(face, em, text, color, |u, v| (start + u, y + v), None);
        }
        let style = TextStyle::from(self.font(f)).color(&color).pos(Pos::new(h, VPos::Top));
        let anchor = (x.round() as i32, (y - SVG_TOP_TO_BASELINE * em).round() as i32);
        self.area.draw_text(&xml_text(text), &style, anchor)
    }

    /// Draw `text` reading upwards, centred vertically on `y_center`, its
    /// glyphs' tops near `x` (the baseline at `x` + 0.76 em).
    pub fn text_up(&self, text: &str, x: f64, y_center: f64, f: Font, color: RGBColor) -> DrawResult<DB> {
        if text.is_empty() {
            return Ok(());
        }
        let em = self.font_px(f);
        if let (TextMode::Raster, Some(face)) = (self.mode, face(f.bold)) {
            let w = advance(face, em, text);
            let ox = (x + SVG_TOP_TO_BASELINE * em).round();
            let oy = (y_center + w / 2.0).round();
            // Lay out at the origin and turn a quarter to the left: pixel
            // (u, v) of the upright text lands at (ox + v, oy - u - 1).
            return self.raster(face, em, text, color, |u, v| (u, v), Some((ox, oy)));
        }
        let style = TextStyle::from(self.font(f).transform(FontTransform::Rotate270))
            .color(&color)
            .pos(Pos::new(HPos::Center, VPos::Top));
        self.area.draw_text(&xml_text(text), &style, (x.round() as i32, y_center.round() as i32))
    }

    /// Rasterise `text` with the glyph origin of the first character at
    /// `at(0, 0)`; when `turn` is given, the pixels are turned a quarter to
    /// the left around it.
    fn raster(
        &self,
        face: &FontRef<'_>,
        em: f64,
        text: &str,
        color: RGBColor,
        at: impl Fn(f64, f64) -> (f64, f64),
        turn: Option<(f64, f64)>,
    ) -> DrawResult<DB> {
        let scale = px_scale(face, em);
        let sf = face.as_scaled(scale);
        let mut caret = 0.0f32;
        let mut prev = None;
        let mut pixels: Vec<(i32, i32, f32)> = Vec::new();
        for ch in text.chars() {
            let id = sf.glyph_id(ch);
            if let Some(p) = prev {
                caret += sf.kern(p, id);
            }
            prev = Some(id);
            let (gx, gy) = at(f64::from(caret), 0.0);
            let glyph = id.with_scale_and_position(scale, point(gx as f32, gy as f32));
            if let Some(outline) = face.outline_glyph(glyph) {
                let b = outline.px_bounds();
                let (bx, by) = (b.min.x as i32, b.min.y as i32);
                outline.draw(|x, y, c| {
                    if c > 0.004 {
                        pixels.push((bx + x as i32, by + y as i32, c.min(1.0)));
                    }
                });
            }
            caret += sf.h_advance(id);
        }
        let (w, h) = (self.width as i32, self.height as i32);
        for (x, y, c) in pixels {
            let (x, y) = match turn {
                Some((ox, oy)) => (ox as i32 + y, oy as i32 - x - 1),
                None => (x, y),
            };
            if x >= 0 && y >= 0 && x < w && y < h {
                self.area.draw_pixel((x, y), &color.mix(f64::from(c)))?;
            }
        }
        Ok(())
    }

    /// Fill the whole image with white.
    pub fn clear(&self) -> DrawResult<DB> {
        self.area.fill(&WHITE)
    }

    fn pt(p: (f64, f64)) -> (i32, i32) {
        (p.0.round() as i32, p.1.round() as i32)
    }

    /// A polyline of `width` design pixels.
    pub fn path(&self, pts: &[(f64, f64)], color: RGBColor, width: f64, dash: Stroke) -> DrawResult<DB> {
        if pts.len() < 2 {
            return Ok(());
        }
        let w = self.px(width).max(1.0);
        let stroke = color.stroke_width(w.round().max(1.0) as u32);
        let pattern = dash.pattern();
        if pattern.is_empty() {
            let pts: Vec<(i32, i32)> = pts.iter().map(|p| Self::pt(*p)).collect();
            return self.area.draw(&PathElement::new(pts, stroke));
        }
        let unit = w.max(1.0) * self.scale.clamp(0.8, 1.5);
        let lengths: Vec<f64> = pattern.iter().map(|l| l * unit).collect();
        for seg in dash_segments(pts, &lengths) {
            let seg: Vec<(i32, i32)> = seg.iter().map(|p| Self::pt(*p)).collect();
            if seg.len() >= 2 && seg.first() == seg.last() && seg.len() == 2 {
                // A dot: draw it as a tiny square so it shows.
                let (x, y) = seg[0];
                let r = (w / 2.0).max(0.5).round() as i32;
                self.area.draw(&Rectangle::new([(x - r, y - r), (x + r, y + r)], color.filled()))?;
            } else {
                self.area.draw(&PathElement::new(seg, stroke))?;
            }
        }
        Ok(())
    }

    /// A filled polygon.
    pub fn polygon(&self, pts: &[(f64, f64)], color: RGBColor) -> DrawResult<DB> {
        if pts.len() < 3 {
            return Ok(());
        }
        let pts: Vec<(i32, i32)> = pts.iter().map(|p| Self::pt(*p)).collect();
        self.area.draw(&Polygon::new(pts, color.filled()))
    }

    /// A filled rectangle between two corners.
    pub fn fill_rect(&self, a: (f64, f64), b: (f64, f64), color: RGBColor) -> DrawResult<DB> {
        let (x0, x1) = (a.0.min(b.0), a.0.max(b.0));
        let (y0, y1) = (a.1.min(b.1), a.1.max(b.1));
        self.area.draw(&Rectangle::new([Self::pt((x0, y0)), Self::pt((x1, y1))], color.filled()))
    }

    /// Diagonal hatching inside a rectangle (for bands that must read
    /// without colour).
    pub fn hatch(&self, a: (f64, f64), b: (f64, f64), color: RGBColor, spacing: f64, width: f64) -> DrawResult<DB> {
        let (x0, x1) = (a.0.min(b.0), a.0.max(b.0));
        let (y0, y1) = (a.1.min(b.1), a.1.max(b.1));
        let gap = self.px(spacing).max(3.0);
        let (w, h) = (x1 - x0, y1 - y0);
        if w <= 0.0 || h <= 0.0 {
            return Ok(());
        }
        // Lines x - x0 + (y1 - y) = c (rising to the right), c from 0 to w + h.
        let mut c = gap / 2.0;
        while c < w + h {
            // Intersections with the rectangle's edges.
            let start = if c <= h { (x0, y1 - c) } else { (x0 + c - h, y0) };
            let end = if c <= w { (x0 + c, y1) } else { (x1, y1 - (c - w)) };
            self.path(&[start, end], color, width, Stroke::Solid)?;
            c += gap;
        }
        Ok(())
    }

    /// A point marker of radius `r` design pixels, white-rimmed.
    pub fn marker(&self, shape: Shape, x: f64, y: f64, r: f64, color: RGBColor) -> DrawResult<DB> {
        let r = self.px(r).max(2.0);
        let rim = self.px(1.5).max(1.0);
        let outline = |r: f64| -> Vec<(f64, f64)> {
            match shape {
                Shape::Circle => (0..24)
                    .map(|i| {
                        let a = i as f64 * std::f64::consts::TAU / 24.0;
                        (x + r * a.cos(), y + r * a.sin())
                    })
                    .collect(),
                Shape::Square => {
                    let r = r * 0.9;
                    vec![(x - r, y - r), (x + r, y - r), (x + r, y + r), (x - r, y + r)]
                }
                Shape::Triangle => vec![(x, y - r * 1.2), (x + r * 1.1, y + r * 0.8), (x - r * 1.1, y + r * 0.8)],
                Shape::InvertedTriangle => {
                    vec![(x, y + r * 1.2), (x + r * 1.1, y - r * 0.8), (x - r * 1.1, y - r * 0.8)]
                }
                Shape::Diamond => vec![(x, y - r * 1.25), (x + r * 1.1, y), (x, y + r * 1.25), (x - r * 1.1, y)],
            }
        };
        if shape == Shape::Circle {
            let c = Self::pt((x, y));
            self.area.draw(&Circle::new(c, (r + rim).round() as i32, WHITE.filled()))?;
            return self.area.draw(&Circle::new(c, r.round() as i32, color.filled()));
        }
        self.polygon(&outline(r + rim * 1.4), WHITE)?;
        self.polygon(&outline(r), color)
    }

    /// Draw the title and subtitle; returns the y below them.
    pub fn heading(&self, h: &Heading) -> Result<f64, DrawingAreaErrorKind<DB::ErrorType>> {
        let m = self.margin();
        let max_w = self.width - 2.0 * m;
        let mut y = m + self.font_px(TITLE) * 0.78;
        self.text(&self.fit(&h.title, TITLE, max_w), m, y, TITLE, INK, HPos::Left)?;
        y += self.font_px(TITLE) * 0.3;
        let subtitle = self.subtitle(h, max_w);
        if !subtitle.is_empty() {
            y += self.line_height(SUBTITLE);
            self.text(&subtitle, m, y, SUBTITLE, MUTED, HPos::Left)?;
        }
        Ok(y + self.px(22.0))
    }

    /// The subtitle line, `max_w` wide at most: the overrides, then the
    /// subtitle after a dash. The overrides come first (they say the results
    /// are not the file's) and the subtitle is cut where the line does not fit.
    fn subtitle(&self, h: &Heading, max_w: f64) -> String {
        let line = match (h.overrides.is_empty(), h.subtitle.is_empty()) {
            (true, _) => h.subtitle.clone(),
            (false, true) => h.overrides.clone(),
            (false, false) => format!("{} — {}", h.overrides, h.subtitle),
        };
        self.fit(&line, SUBTITLE, max_w)
    }

    /// Draw the footer; returns the y above it.
    pub fn footer(&self, text: &str) -> Result<f64, DrawingAreaErrorKind<DB::ErrorType>> {
        let m = self.margin();
        let y = self.height - m * 0.6;
        self.text(&self.fit(text, FOOTER, self.width - 2.0 * m), m, y, FOOTER, MUTED, HPos::Left)?;
        Ok(y - self.font_px(FOOTER) - self.px(14.0))
    }

    /// Draw a centred note (for charts with nothing to show).
    pub fn note(&self, text: &str, x: f64, y: f64, max_width: f64) -> DrawResult<DB> {
        let t = self.fit(text, NOTE, max_width);
        let w = self.text_width(&t, NOTE);
        let pad = self.px(14.0);
        let fpx = self.font_px(NOTE);
        self.fill_rect((x - w / 2.0 - pad, y - fpx - pad / 2.0), (x + w / 2.0 + pad, y + fpx * 0.4 + pad), WHITE)?;
        self.text(&t, x, y, NOTE, MUTED, HPos::Center)
    }

    /// Draw a legend row (wrapping when it is wider than the image) starting
    /// at `top`; returns the y below it.
    pub fn legend(&self, items: &[LegendItem], top: f64) -> Result<f64, DrawingAreaErrorKind<DB::ErrorType>> {
        if items.is_empty() {
            return Ok(top);
        }
        let m = self.margin();
        let swatch_w = self.px(34.0);
        let gap = self.px(10.0);
        let item_gap = self.px(30.0);
        let lh = self.line_height(LEGEND);
        let mut x = m;
        let mut row = 0usize;
        let max_x = self.width - m;
        let baseline = |row: usize| top + self.font_px(LEGEND) * 0.9 + row as f64 * lh;
        for item in items {
            let label = self.fit(&item.label, LEGEND, max_x - m - swatch_w - gap);
            let w = swatch_w + gap + self.text_width(&label, LEGEND);
            if x > m && x + w > max_x {
                row += 1;
                x = m;
            }
            let y = baseline(row);
            let mid = y - self.font_px(LEGEND) * 0.33;
            self.swatch(&item.swatch, x, mid, swatch_w)?;
            self.text(&label, x + swatch_w + gap, y, LEGEND, INK, HPos::Left)?;
            x += w + item_gap;
        }
        Ok(top + (row + 1) as f64 * lh + self.px(6.0))
    }

    /// Draw a legend swatch of width `w` centred vertically on `y`.
    fn swatch(&self, s: &Swatch, x: f64, y: f64, w: f64) -> DrawResult<DB> {
        let hh = self.px(9.0);
        match *s {
            Swatch::Band(c) => self.fill_rect((x, y - hh), (x + w, y + hh), c),
            Swatch::HatchedBand(fill, line) => {
                self.fill_rect((x, y - hh), (x + w, y + hh), fill)?;
                self.hatch((x, y - hh), (x + w, y + hh), line, 9.0, 1.0)
            }
            Swatch::Line(c, width, dash) => self.path(&[(x, y), (x + w, y)], c, width, dash),
            Swatch::LineMarker(c, width, dash, shape) => {
                self.path(&[(x, y), (x + w, y)], c, width, dash)?;
                self.marker(shape, x + w / 2.0, y, 5.5, c)
            }
            Swatch::Marker(c, shape) => self.marker(shape, x + w / 2.0, y, 6.5, c),
            Swatch::Interval(c, width) => {
                self.path(&[(x, y), (x + w, y)], c, width, Stroke::Solid)?;
                let t = self.px(6.0);
                self.path(&[(x, y - t), (x, y + t)], c, width, Stroke::Solid)?;
                self.path(&[(x + w, y - t), (x + w, y + t)], c, width, Stroke::Solid)
            }
        }
    }
}

/// One legend entry.
#[derive(Clone, Debug)]
pub(crate) struct LegendItem {
    pub swatch: Swatch,
    pub label: String,
}

impl LegendItem {
    pub fn new(swatch: Swatch, label: impl Into<String>) -> Self {
        LegendItem { swatch, label: label.into() }
    }
}

/// What a legend entry shows.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Swatch {
    Band(RGBColor),
    HatchedBand(RGBColor, RGBColor),
    Line(RGBColor, f64, Stroke),
    LineMarker(RGBColor, f64, Stroke, Shape),
    Marker(RGBColor, Shape),
    Interval(RGBColor, f64),
}

/// Split a polyline into the "on" pieces of a dash pattern.
fn dash_segments(pts: &[(f64, f64)], lengths: &[f64]) -> Vec<Vec<(f64, f64)>> {
    let mut out = Vec::new();
    if lengths.is_empty() || lengths.iter().any(|l| *l <= 0.0) {
        return vec![pts.to_vec()];
    }
    let mut idx = 0usize; // position in the pattern
    let mut left = lengths[0]; // length left in the current dash or gap
    let mut current: Vec<(f64, f64)> = vec![pts[0]];
    for w in pts.windows(2) {
        let (mut a, b) = (w[0], w[1]);
        let mut d = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
        while d > 0.0 {
            let on = idx.is_multiple_of(2);
            if d < left {
                left -= d;
                if on {
                    current.push(b);
                }
                d = 0.0;
            } else {
                let t = left / d;
                let p = (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t);
                d -= left;
                a = p;
                if on {
                    current.push(p);
                    out.push(std::mem::take(&mut current));
                } else {
                    current = vec![p];
                }
                idx = (idx + 1) % lengths.len();
                left = lengths[idx];
            }
        }
    }
    if idx.is_multiple_of(2) && current.len() >= 2 {
        out.push(current);
    }
    out
}

/// `text` as an SVG file may hold it: a character that XML 1.0 does not
/// allow (a control character but tab, line feed and carriage return;
/// U+FFFE, U+FFFF) becomes U+FFFD, so the file stays well-formed whatever a
/// path or an override held. (Descriptions with such characters are refused
/// when read; a file's path is shown as it is.)
pub(crate) fn xml_text(text: &str) -> std::borrow::Cow<'_, str> {
    let bad = |c: char| (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{FFFE}' | '\u{FFFF}');
    if text.chars().any(bad) {
        text.chars().map(|c| if bad(c) { '\u{FFFD}' } else { c }).collect::<String>().into()
    } else {
        text.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_font_has_every_character_the_charts_write() {
        for bold in [false, true] {
            let f = face(bold).expect("the embedded font parses");
            for ch in "—–·×…−~%$,.:;()+<>'\"&0123456789 AZaz ÅéüÆ".chars() {
                assert_ne!(f.glyph_id(ch).0, 0, "no glyph for {ch:?} (bold: {bold})");
            }
        }
    }

    #[test]
    fn text_for_svg_is_what_xml_allows() {
        assert_eq!(xml_text("a <b> é \t"), "a <b> é \t");
        assert_eq!(
            xml_text("esc \u{1b}[31m nul\u{0} \u{7f} \u{FFFF} \u{FFFE}"),
            "esc \u{FFFD}[31m nul\u{FFFD} \u{FFFD} \u{FFFD} \u{FFFD}"
        );
    }

    #[test]
    fn dashes_cover_the_on_parts() {
        let segs = dash_segments(&[(0.0, 0.0), (10.0, 0.0), (10.0, 10.0)], &[4.0, 2.0]);
        // 20 px of path: on 0-4, 6-10, 12-16, 18-20.
        assert_eq!(segs.len(), 4);
        assert_eq!(segs[0], vec![(0.0, 0.0), (4.0, 0.0)]);
        assert_eq!(segs[1], vec![(6.0, 0.0), (10.0, 0.0)]);
        assert_eq!(segs[2], vec![(10.0, 2.0), (10.0, 6.0)]);
        assert_eq!(segs[3], vec![(10.0, 8.0), (10.0, 10.0)]);
        // A dash turns the corner.
        let segs = dash_segments(&[(0.0, 0.0), (10.0, 0.0), (10.0, 10.0)], &[5.0, 2.0]);
        assert_eq!(segs[1], vec![(7.0, 0.0), (10.0, 0.0), (10.0, 2.0)]);
    }
}
