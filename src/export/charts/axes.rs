//! Axes of the charts: nice ticks covering the data, a linear map from
//! values to pixels, calendar-year x axes (labels in the middle of their
//! year, thinned to fit), the plot rectangle fitted around its tick labels,
//! and vertical markers whose labels are stacked above the plot so that they
//! overlap neither each other nor the data.

use plotters::prelude::DrawingBackend;
use plotters::style::RGBColor;
use plotters::style::text_anchor::HPos;

use super::canvas::{AXIS_TITLE, Canvas, DrawResult, LABEL, LABEL_BOLD, Stroke, TICK};
use super::palette::{self, AXIS, GRID, INK, MUTED, WHITE};
use super::{money_tick, percent_tick};

/// How the values of an axis are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Unit {
    /// $B.
    Money,
    /// A fraction shown as a percentage.
    Percent,
}

/// A numeric axis with nice ticks covering its range.
#[derive(Clone, Debug)]
pub(crate) struct ValueAxis {
    pub lo: f64,
    pub hi: f64,
    pub step: f64,
    pub ticks: Vec<f64>,
    pub unit: Unit,
}

/// A nice tick spacing near `raw`: 1, 2, 2.5 or 5 times a power of ten.
pub(crate) fn nice_step(raw: f64) -> f64 {
    if !raw.is_finite() || raw <= 0.0 {
        return 1.0;
    }
    let p = 10f64.powf(raw.log10().floor());
    let f = raw / p;
    let m = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 2.5 {
        2.5
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    m * p
}

impl ValueAxis {
    /// An axis covering [lo, hi] with at most about `max_ticks` ticks,
    /// extended outwards to whole ticks.
    pub fn new(lo: f64, hi: f64, max_ticks: usize, unit: Unit) -> ValueAxis {
        let (mut lo, mut hi) = if lo.is_finite() && hi.is_finite() { (lo.min(hi), lo.max(hi)) } else { (0.0, 1.0) };
        if hi - lo <= hi.abs().max(lo.abs()) * 1e-9 {
            // A single value: show it with some room.
            let pad = if hi == 0.0 { 1.0 } else { hi.abs() * 0.1 };
            if lo >= 0.0 && lo - pad < 0.0 {
                lo = 0.0;
            } else {
                lo -= pad;
            }
            hi += pad;
        }
        let n = max_ticks.max(2) as f64;
        let mut step = nice_step((hi - lo) / (n - 1.0));
        let first = (lo / step).floor();
        let last = (hi / step - 1e-9).ceil();
        if last - first > n + 1.0 {
            step = nice_step(step * 1.5);
        }
        let first = (lo / step + 1e-9).floor();
        let last = (hi / step - 1e-9).ceil().max(first + 1.0);
        let count = last - first;
        if !count.is_finite() || count > 100.0 {
            // Beyond what a nice step can cover (values near the limits of
            // a double): just the ends.
            return ValueAxis { lo, hi, step: (hi - lo).max(f64::MIN_POSITIVE), ticks: vec![lo, hi], unit };
        }
        let ticks: Vec<f64> = (0..=(count as i64)).map(|i| (first + i as f64) * step).collect();
        ValueAxis { lo: first * step, hi: last * step, step, ticks, unit }
    }

    /// The label of tick `v`.
    pub fn label(&self, v: f64) -> String {
        match self.unit {
            Unit::Money => money_tick(v, self.step),
            Unit::Percent => percent_tick(v, self.step),
        }
    }
}

/// A linear map from values to pixels.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Scale {
    pub lo: f64,
    pub hi: f64,
    pub p0: f64,
    pub p1: f64,
}

impl Scale {
    pub fn px(&self, v: f64) -> f64 {
        let span = self.hi - self.lo;
        if span.abs() < f64::MIN_POSITIVE {
            return (self.p0 + self.p1) / 2.0;
        }
        let p = self.p0 + (v - self.lo) / span * (self.p1 - self.p0);
        // Keep far-off values drawable.
        p.clamp(-1e5, 1e5)
    }
}

/// The kind of x axis.
#[derive(Clone, Debug)]
pub(crate) enum XAxis {
    /// Calendar years `first..=last`, each year one unit wide starting on
    /// 1 January; labels in the middle of their year.
    Years {
        first: i32,
        last: i32,
    },
    Values(ValueAxis),
}

impl XAxis {
    fn range(&self) -> (f64, f64) {
        match self {
            XAxis::Years { first, last } => (f64::from(*first), f64::from(*last) + 1.0),
            XAxis::Values(a) => (a.lo, a.hi),
        }
    }
}

/// What to reserve around the plot.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Reserve {
    /// Extra space above the plot (for labels of vertical markers).
    pub top: f64,
    /// Space right of the plot (for labels of horizontal lines).
    pub right: f64,
}

/// A plot rectangle with its axes.
#[derive(Clone, Debug)]
pub(crate) struct Axes {
    pub left: f64,
    pub top: f64,
    pub right: f64,
    pub bottom: f64,
    pub x: XAxis,
    pub y: ValueAxis,
    pub xs: Scale,
    pub ys: Scale,
    pub x_title: String,
    pub y_title: String,
    /// Year label spacing (1, 2, 5, 10…) for a year axis.
    year_step: i32,
}

impl Axes {
    /// Lay out a plot between `top` and `bottom` (image pixels), fitting the
    /// tick labels, for y data in [y_lo, y_hi].
    #[allow(clippy::too_many_arguments)]
    pub fn layout<DB: DrawingBackend>(
        c: &Canvas<'_, DB>,
        top: f64,
        bottom: f64,
        x: XAxis,
        y_lo: f64,
        y_hi: f64,
        y_unit: Unit,
        x_title: &str,
        y_title: &str,
        reserve: Reserve,
    ) -> Axes {
        let m = c.margin();
        // Room for the top tick label, and the marker labels.
        let top = top + c.px(12.0) + reserve.top;
        let x_area =
            c.px(12.0) + c.line_height(TICK) + if x_title.is_empty() { 0.0 } else { c.line_height(AXIS_TITLE) };
        let bottom = (bottom - x_area).max(top + 10.0);
        let max_ticks = ((bottom - top) / c.px(75.0)).floor().clamp(3.0, 9.0) as usize;
        // A little headroom, so that data at a round number stays off the frame.
        let y_hi = if y_unit == Unit::Money && y_hi > 0.0 { y_hi + (y_hi - y_lo.min(0.0)) * 0.02 } else { y_hi };
        let y = ValueAxis::new(y_lo, y_hi, max_ticks, y_unit);
        let label_w = y.ticks.iter().map(|t| c.text_width(&y.label(*t), TICK)).fold(0.0, f64::max);
        let y_title_w = if y_title.is_empty() { 0.0 } else { c.line_height(AXIS_TITLE) + c.px(6.0) };
        let left = m + y_title_w + label_w + c.px(12.0);
        let mut right = c.width - m - reserve.right;
        if let XAxis::Values(a) = &x {
            // The last tick label is centred on the right edge.
            let last = a.ticks.last().map_or(0.0, |t| c.text_width(&a.label(*t), TICK));
            right = right.min(c.width - m * 0.5 - last / 2.0);
        }
        let right = right.max(left + 10.0);
        Self::with_rect(c, left, top, right, bottom, x, y, x_title, y_title)
    }

    /// Axes in a given rectangle.
    #[allow(clippy::too_many_arguments)]
    pub fn with_rect<DB: DrawingBackend>(
        c: &Canvas<'_, DB>,
        left: f64,
        top: f64,
        right: f64,
        bottom: f64,
        x: XAxis,
        y: ValueAxis,
        x_title: &str,
        y_title: &str,
    ) -> Axes {
        let (x0, x1) = x.range();
        let xs = Scale { lo: x0, hi: x1, p0: left, p1: right };
        let ys = Scale { lo: y.lo, hi: y.hi, p0: bottom, p1: top };
        let year_step = match &x {
            XAxis::Years { first, last } => {
                let years = f64::from(last - first + 1);
                let per_year = (right - left) / years;
                let label_w = c.text_width("2088", TICK) + c.px(18.0);
                [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000]
                    .into_iter()
                    .find(|s| f64::from(*s) * per_year >= label_w)
                    .unwrap_or(1000)
            }
            XAxis::Values(_) => 1,
        };
        Axes {
            left,
            top,
            right,
            bottom,
            x,
            y,
            xs,
            ys,
            x_title: x_title.to_string(),
            y_title: y_title.to_string(),
            year_step,
        }
    }

    /// Pixel of a data point.
    pub fn at(&self, x: f64, y: f64) -> (f64, f64) {
        (self.xs.px(x), self.ys.px(y))
    }

    /// Grid lines (drawn before the data).
    pub fn grid<DB: DrawingBackend>(&self, c: &Canvas<'_, DB>) -> DrawResult<DB> {
        for t in &self.y.ticks {
            let y = self.ys.px(*t);
            c.path(&[(self.left, y), (self.right, y)], GRID, 1.0, Stroke::Solid)?;
        }
        match &self.x {
            XAxis::Years { first, last } => {
                for year in *first..=*last + 1 {
                    if year > *first && year <= *last && year % self.year_step == 0 {
                        let x = self.xs.px(f64::from(year));
                        c.path(&[(x, self.top), (x, self.bottom)], GRID, 1.0, Stroke::Solid)?;
                    }
                }
            }
            XAxis::Values(a) => {
                for t in &a.ticks {
                    let x = self.xs.px(*t);
                    c.path(&[(x, self.top), (x, self.bottom)], GRID, 1.0, Stroke::Solid)?;
                }
            }
        }
        Ok(())
    }

    /// Axis lines, ticks, tick labels and axis titles (drawn after the data).
    pub fn frame<DB: DrawingBackend>(&self, c: &Canvas<'_, DB>) -> DrawResult<DB> {
        let tick = c.px(7.0);
        let y0 = self.ys.px(0.0);
        // The x axis line sits at zero when zero is inside the range.
        let axis_y = if self.y.lo < 0.0 && self.y.hi > 0.0 { y0 } else { self.bottom };
        c.path(&[(self.left, self.top), (self.left, self.bottom)], AXIS, 1.5, Stroke::Solid)?;
        if axis_y != self.bottom {
            c.path(&[(self.left, self.bottom), (self.right, self.bottom)], GRID, 1.5, Stroke::Solid)?;
        }
        c.path(&[(self.left, axis_y), (self.right, axis_y)], AXIS, 1.5, Stroke::Solid)?;
        let th = c.font_px(TICK);
        for t in &self.y.ticks {
            let y = self.ys.px(*t);
            c.path(&[(self.left - tick, y), (self.left, y)], AXIS, 1.5, Stroke::Solid)?;
            c.text(&self.y.label(*t), self.left - tick - c.px(5.0), y + th * 0.36, TICK, MUTED, HPos::Right)?;
        }
        let label_y = self.bottom + c.px(10.0) + th;
        match &self.x {
            XAxis::Years { first, last } => {
                let per_year = (self.right - self.left) / f64::from(last - first + 1);
                for year in *first..=*last + 1 {
                    let x = self.xs.px(f64::from(year));
                    let major = year % self.year_step == 0;
                    if major || per_year >= c.px(6.0) {
                        let len = if major { tick } else { tick * 0.6 };
                        c.path(&[(x, self.bottom), (x, self.bottom + len)], AXIS, 1.5, Stroke::Solid)?;
                    }
                    if year <= *last && major {
                        let centre = if self.year_step == 1 { x + per_year / 2.0 } else { x };
                        c.text(&year.to_string(), centre, label_y, TICK, MUTED, HPos::Center)?;
                    }
                }
            }
            XAxis::Values(a) => {
                for t in &a.ticks {
                    let x = self.xs.px(*t);
                    c.path(&[(x, self.bottom), (x, self.bottom + tick)], AXIS, 1.5, Stroke::Solid)?;
                    c.text(&a.label(*t), x, label_y, TICK, MUTED, HPos::Center)?;
                }
            }
        }
        if !self.x_title.is_empty() {
            let y = label_y + c.line_height(AXIS_TITLE);
            let t = c.fit_title(&self.x_title, AXIS_TITLE, c.width - 2.0 * c.margin());
            c.text(&t, (self.left + self.right) / 2.0, y, AXIS_TITLE, INK, HPos::Center)?;
        }
        if !self.y_title.is_empty() {
            let t = c.fit_title(&self.y_title, AXIS_TITLE, (self.bottom - self.top).max(0.0) + c.px(40.0));
            c.text_up(&t, c.margin(), (self.top + self.bottom) / 2.0, AXIS_TITLE, INK)?;
        }
        Ok(())
    }

    /// Vertical marker lines, labelled above the plot in stacked rows that
    /// never overlap each other or the data. Returns nothing; the rows must
    /// have been reserved with [`marker_rows`].
    pub fn vertical_markers<DB: DrawingBackend>(&self, c: &Canvas<'_, DB>, markers: &[VMarker]) -> DrawResult<DB> {
        let placed = place_labels(c, self, markers);
        let lh = c.line_height(LABEL);
        let baseline = |row: usize| self.top - c.px(8.0) - (row as f64) * lh;
        // Lines and leaders first, then the labels on white, so that a
        // leader to an upper row passes behind the labels below it.
        for (mk, (_, row, _)) in markers.iter().zip(&placed) {
            let x = self.xs.px(mk.x).clamp(self.left, self.right);
            c.path(&[(x, self.bottom), (x, self.top)], mk.color, mk.width, mk.dash)?;
            if *row > 0 {
                let y_top = baseline(*row) + c.font_px(LABEL) * 0.3;
                c.path(&[(x, self.top), (x, y_top)], mk.color, 1.0, Stroke::Solid)?;
            }
        }
        for (mk, (x_text, row, h)) in markers.iter().zip(&placed) {
            let font = if mk.bold { LABEL_BOLD } else { LABEL };
            let w = c.text_width(&mk.label, font);
            let left = match h {
                HPos::Left => *x_text,
                HPos::Center => x_text - w / 2.0,
                HPos::Right => x_text - w,
            };
            let (y, em, pad) = (baseline(*row), c.font_px(font), c.px(4.0));
            c.fill_rect((left - pad, y - em * 0.85), (left + w + pad, y + em * 0.25), WHITE)?;
            c.text(&mk.label, *x_text, y, font, palette::shade(mk.color, 0.25), *h)?;
        }
        Ok(())
    }
}

impl Axes {
    /// The x axis of a chart whose rows are categories: axis line, ticks,
    /// labels and title at the bottom, a plain line at the left.
    pub(crate) fn frame_x_only<DB: DrawingBackend>(&self, c: &Canvas<'_, DB>) -> DrawResult<DB> {
        let axis = AXIS;
        c.path(&[(self.left, self.top), (self.left, self.bottom)], axis, 1.5, Stroke::Solid)?;
        c.path(&[(self.left, self.bottom), (self.right, self.bottom)], axis, 1.5, Stroke::Solid)?;
        let tick = c.px(7.0);
        let th = c.font_px(TICK);
        let label_y = self.bottom + c.px(10.0) + th;
        if let XAxis::Values(a) = &self.x {
            for t in &a.ticks {
                let x = self.xs.px(*t);
                c.path(&[(x, self.bottom), (x, self.bottom + tick)], axis, 1.5, Stroke::Solid)?;
                c.text(&a.label(*t), x, label_y, TICK, MUTED, HPos::Center)?;
            }
        }
        if !self.x_title.is_empty() {
            let y = label_y + c.line_height(AXIS_TITLE);
            let t = c.fit_title(&self.x_title, AXIS_TITLE, c.width - 2.0 * c.margin());
            c.text(&t, (self.left + self.right) / 2.0, y, AXIS_TITLE, INK, HPos::Center)?;
        }
        Ok(())
    }
}

/// A labelled vertical line at data x.
#[derive(Clone, Debug)]
pub(crate) struct VMarker {
    pub x: f64,
    pub label: String,
    pub color: RGBColor,
    pub width: f64,
    pub dash: Stroke,
    pub bold: bool,
}

/// Horizontal placement of each marker's label: (x, row, alignment).
/// Labels are centred on their line where they fit, else aligned to stay in
/// the image; each goes in the lowest row where it overlaps no other label.
fn place_labels<DB: DrawingBackend>(c: &Canvas<'_, DB>, axes: &Axes, markers: &[VMarker]) -> Vec<(f64, usize, HPos)> {
    let gap = c.px(16.0);
    // Not over the y tick labels on the left.
    let lo = axes.left - c.px(4.0);
    let hi = c.width - c.margin() * 0.5;
    let mut order: Vec<usize> = (0..markers.len()).collect();
    order.sort_by(|a, b| markers[*a].x.total_cmp(&markers[*b].x));
    let mut rows: Vec<f64> = Vec::new(); // right edge of the last label in each row
    let mut out = vec![(0.0, 0usize, HPos::Center); markers.len()];
    for i in order {
        let mk = &markers[i];
        let font = if mk.bold { LABEL_BOLD } else { LABEL };
        let w = c.text_width(&mk.label, font);
        let x = axes.xs.px(mk.x).clamp(axes.left, axes.right);
        let (left, text_x, h) = if x - w / 2.0 < lo {
            (x, x + c.px(2.0), HPos::Left)
        } else if x + w / 2.0 > hi {
            (x - w, x - c.px(2.0), HPos::Right)
        } else {
            (x - w / 2.0, x, HPos::Center)
        };
        let (left, text_x, h) =
            if matches!(h, HPos::Left) && x + w > hi { (hi - w, hi, HPos::Right) } else { (left, text_x, h) };
        let row = rows.iter().position(|r| *r + gap <= left).unwrap_or(rows.len());
        if row == rows.len() {
            rows.push(0.0);
        }
        rows[row] = left + w;
        out[i] = (text_x, row, h);
    }
    out
}

/// How many label rows the vertical markers need above a plot spanning
/// `[left, right]` for data range `[x0, x1]`.
pub(crate) fn marker_rows<DB: DrawingBackend>(
    c: &Canvas<'_, DB>,
    markers: &[VMarker],
    left: f64,
    right: f64,
    x0: f64,
    x1: f64,
) -> usize {
    if markers.is_empty() {
        return 0;
    }
    let dummy = Axes {
        left,
        top: 0.0,
        right,
        bottom: 1.0,
        x: XAxis::Values(ValueAxis::new(x0, x1, 3, Unit::Money)),
        y: ValueAxis::new(0.0, 1.0, 3, Unit::Money),
        xs: Scale { lo: x0, hi: x1, p0: left, p1: right },
        ys: Scale { lo: 0.0, hi: 1.0, p0: 1.0, p1: 0.0 },
        x_title: String::new(),
        y_title: String::new(),
        year_step: 1,
    };
    place_labels(c, &dummy, markers).iter().map(|p| p.1 + 1).max().unwrap_or(0)
}

/// Space above a plot for `rows` rows of marker labels.
pub(crate) fn marker_space<DB: DrawingBackend>(c: &Canvas<'_, DB>, rows: usize) -> f64 {
    if rows == 0 { 0.0 } else { rows as f64 * c.line_height(LABEL) + c.px(6.0) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_steps() {
        assert_eq!(nice_step(7.0), 10.0);
        assert_eq!(nice_step(4.0), 5.0);
        assert_eq!(nice_step(0.23), 0.25);
        assert_eq!(nice_step(1.5), 2.0);
        assert_eq!(nice_step(0.0), 1.0);
        assert_eq!(nice_step(f64::NAN), 1.0);
    }

    #[test]
    fn axes_cover_the_data_with_whole_ticks() {
        let a = ValueAxis::new(0.0, 38.0, 7, Unit::Money);
        assert_eq!(a.lo, 0.0);
        assert!(a.hi >= 38.0);
        assert!(a.ticks.len() <= 9, "{:?}", a.ticks);
        assert_eq!(*a.ticks.last().unwrap(), a.hi);
        let single = ValueAxis::new(5.0, 5.0, 6, Unit::Money);
        assert!(single.lo < 5.0 && single.hi > 5.0);
        let zero = ValueAxis::new(0.0, 0.0, 6, Unit::Money);
        assert_eq!(zero.lo, 0.0);
        assert!(zero.hi > 0.0);
        let neg = ValueAxis::new(-12.0, 30.0, 6, Unit::Money);
        assert!(neg.lo <= -12.0 && neg.ticks.contains(&0.0));
        let odd = ValueAxis::new(f64::NAN, 1.0, 6, Unit::Percent);
        assert!(odd.lo.is_finite() && odd.hi.is_finite());
        let huge = ValueAxis::new(-1e308, 1e308, 6, Unit::Money);
        assert!(huge.ticks.len() <= 10);
    }
}
