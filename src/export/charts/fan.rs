//! Fan charts over time: the payer's revenue per period, the cumulative
//! revenue-share payments against the cap, and the holder's equity exposure.
//! Each shows the P5–P95 and P25–P75 bands of the simulated paths, the
//! median line and the mean as a dashed line (MODEL.md §8, per-period
//! statistics), with the chart's own marks: the cap and the end of the share
//! period, or the dilution years.

use plotters::coord::Shift;
use plotters::prelude::{DrawingArea, DrawingBackend};
use plotters::style::RGBColor;
use plotters::style::text_anchor::HPos;

use super::axes::{Axes, Reserve, Unit, VMarker, XAxis, marker_rows, marker_space};
use super::canvas::{Canvas, DrawResult, LABEL_BOLD, LegendItem, Shape, Stroke, Swatch, TextMode};
use super::palette::{self, BLUE, INK, MUTED, PURPLE, VERMILLION};
use super::{Heading, money, percent, period_noun, scenario_heading};
use crate::export::RunReport;
use crate::model::Metric;
use crate::model::dist::Dist;
use crate::stats::Stat;

/// One time point of a fan: calendar time and the statistics there.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct FanPoint {
    pub x: f64,
    pub p5: f64,
    pub p25: f64,
    pub p50: f64,
    pub p75: f64,
    pub p95: f64,
    pub mean: f64,
}

impl FanPoint {
    fn new(x: f64, s: &Stat) -> FanPoint {
        let p = s.percentiles;
        FanPoint { x, p5: p[0], p25: p[2], p50: p[3], p75: p[4], p95: p[6], mean: s.mean }
    }

    fn zero(x: f64) -> FanPoint {
        FanPoint { x, p5: 0.0, p25: 0.0, p50: 0.0, p75: 0.0, p95: 0.0, mean: 0.0 }
    }
}

/// The cap on cumulative payments, as drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum CapMark {
    Fixed(f64),
    /// An uncertain cap: the P5, median and P95 of its distribution.
    Uncertain {
        p5: f64,
        p50: f64,
        p95: f64,
    },
}

/// A fan chart, ready to draw.
#[derive(Clone, Debug)]
pub(crate) struct FanChart {
    pub stem: &'static str,
    pub heading: Heading,
    pub y_title: String,
    pub first_year: i32,
    pub last_year: i32,
    pub points: Vec<FanPoint>,
    pub cap: Option<CapMark>,
    pub markers: Vec<VMarker>,
    /// Shown in the middle of the plot when there is nothing to draw.
    pub note: Option<String>,
}

const OUTER: f64 = 0.22;
const INNER: f64 = 0.5;
/// The uncertain cap's band: a faint fill under light hatching.
const CAP_FILL: f64 = 0.06;
const CAP_HATCH: f64 = 0.45;

fn median_color() -> RGBColor {
    palette::shade(BLUE, 0.3)
}

/// `revenue.png`: the payer's revenue in each period, drawn at the middle of
/// the period.
pub(crate) fn revenue(r: &RunReport<'_>) -> FanChart {
    let s = r.scenario;
    let noun = period_noun(s.steps_per_year);
    let first = f64::from(s.first_year());
    let dt = 1.0 / f64::from(s.steps_per_year.max(1));
    let points = (0..r.result.layout.periods)
        .map(|k| FanPoint::new(first + (k as f64 + 0.5) * dt, r.result.period(Metric::Revenue, k)))
        .collect();
    FanChart {
        stem: "revenue",
        heading: scenario_heading(r, &format!("the payer's revenue per {noun}")),
        y_title: format!("Revenue per {noun} ($B)"),
        first_year: s.first_year(),
        last_year: s.last_year(),
        points,
        cap: None,
        markers: Vec::new(),
        note: None,
    }
}

/// The end of the share period as a marker (start of the year after `until`).
pub(super) fn share_end_marker(r: &RunReport<'_>) -> Option<VMarker> {
    let s = r.scenario;
    let until = s.revenue_share.until;
    if until < s.first_year() || until > s.last_year() {
        return None;
    }
    Some(VMarker {
        x: f64::from(until) + 1.0,
        label: format!("share period ends (end of {until})"),
        color: MUTED,
        width: 2.0,
        dash: Stroke::DashDot,
        bold: false,
    })
}

/// `cumulative_payment.png`: revenue-share payments paid so far at the end
/// of each period, from zero at the start, with the cap.
pub(crate) fn cumulative_payment(r: &RunReport<'_>) -> FanChart {
    let s = r.scenario;
    let first = f64::from(s.first_year());
    let mut points = vec![FanPoint::zero(first)];
    points.extend(
        (0..r.result.layout.periods)
            .map(|k| FanPoint::new(first + r.model.time(k), r.result.period(Metric::CumulativePayment, k))),
    );
    let cap = s.revenue_share.cap.as_ref().map(|d| {
        if d.is_fixed() {
            CapMark::Fixed(d.quantile(0.5))
        } else {
            CapMark::Uncertain { p5: d.quantile(0.05), p50: d.quantile(0.5), p95: d.quantile(0.95) }
        }
    });
    let all_zero = points.iter().all(|p| p.p95 == 0.0 && p.mean == 0.0);
    FanChart {
        stem: "cumulative_payment",
        heading: scenario_heading(r, "cumulative revenue-share payments to the holder"),
        y_title: "Paid so far ($B)".to_string(),
        first_year: s.first_year(),
        last_year: s.last_year(),
        points,
        cap,
        markers: share_end_marker(r).into_iter().collect(),
        note: all_zero.then(|| "No revenue-share payments in this scenario.".to_string()),
    }
}

/// `equity_value.png`: the holder's stake times the payer's valuation at the
/// end of each period, with the dilution years.
pub(crate) fn equity_value(r: &RunReport<'_>) -> FanChart {
    let s = r.scenario;
    let first = f64::from(s.first_year());
    let points: Vec<FanPoint> = (0..r.result.layout.periods)
        .map(|k| FanPoint::new(first + r.model.time(k), r.result.period(Metric::EquityValue, k)))
        .collect();
    let mut markers: Vec<VMarker> = Vec::new();
    if let Some(eq) = &s.equity {
        let mut years: Vec<i32> = eq.dilution.iter().map(|d| d.year).collect();
        years.sort();
        years.dedup();
        for year in years {
            if year < s.first_year() || year > s.last_year() {
                continue;
            }
            let parts: Vec<String> = eq
                .dilution
                .iter()
                .filter(|d| d.year == year)
                .map(|d| {
                    let size = fraction_range(&d.fraction);
                    if d.probability >= 1.0 { size } else { format!("{size} ({} chance)", percent(d.probability)) }
                })
                .collect();
            markers.push(VMarker {
                x: f64::from(year),
                label: format!("dilution {year}: {}", parts.join(" + ")),
                color: PURPLE,
                width: 2.0,
                dash: Stroke::Dashed,
                bold: false,
            });
        }
    }
    let all_zero = points.iter().all(|p| p.p95 == 0.0 && p.mean == 0.0);
    let note = if s.equity.is_none() {
        Some("No equity stake in this scenario (no [equity] table).".to_string())
    } else if all_zero {
        Some("The equity stake is worth nothing on every path.".to_string())
    } else {
        None
    };
    FanChart {
        stem: "equity_value",
        heading: scenario_heading(r, "the holder's equity exposure"),
        y_title: "Stake × valuation at period end ($B)".to_string(),
        first_year: s.first_year(),
        last_year: s.last_year(),
        points,
        cap: None,
        markers,
        note,
    }
}

/// A fraction's distribution in a few characters: `6%`, `12–15%` (bounds of
/// a bounded distribution), `~5%` (the mean) otherwise.
fn fraction_range(f: &Dist) -> String {
    let range = |lo: f64, hi: f64| {
        let (lo, hi) = (percent(lo), percent(hi));
        if lo == hi { lo } else { format!("{}–{hi}", lo.trim_end_matches('%')) }
    };
    match f {
        Dist::Fixed { value } => percent(*value),
        Dist::Uniform { low, high } | Dist::Triangular { low, high, .. } | Dist::Pert { low, high, .. } => {
            range(*low, *high)
        }
        _ => format!("~{}", percent(f.mean())),
    }
}

/// The horizontal extent of a glyph of half-width `w` at `x`, kept inside
/// the plot.
pub(super) fn glyph_span(axes: &Axes, x: f64, w: f64) -> (f64, f64) {
    if x + w > axes.right {
        (x - 2.0 * w, x)
    } else if x - w < axes.left {
        (x, x + 2.0 * w)
    } else {
        (x - w, x + w)
    }
}

impl FanChart {
    fn legend(&self) -> Vec<LegendItem> {
        let mut items = vec![
            LegendItem::new(Swatch::Band(palette::tint(BLUE, OUTER)), "90% of paths (P5–P95)"),
            LegendItem::new(Swatch::Band(palette::tint(BLUE, INNER)), "middle 50% (P25–P75)"),
            LegendItem::new(Swatch::Line(median_color(), 3.0, Stroke::Solid), "median"),
            LegendItem::new(Swatch::Line(INK, 2.5, Stroke::Dashed), "mean"),
        ];
        match self.cap {
            Some(CapMark::Fixed(v)) => {
                items.push(LegendItem::new(Swatch::Line(VERMILLION, 3.0, Stroke::Solid), format!("cap ({})", money(v))))
            }
            Some(CapMark::Uncertain { p5, p95, .. }) => {
                items.push(LegendItem::new(
                    Swatch::HatchedBand(palette::tint(VERMILLION, CAP_FILL), palette::tint(VERMILLION, CAP_HATCH)),
                    format!("cap: P5–P95 of its value ({}–{})", money(p5), money(p95)),
                ));
                items.push(LegendItem::new(Swatch::Line(VERMILLION, 3.0, Stroke::Solid), "cap: median"));
            }
            None => {}
        }
        items
    }

    /// Draw on the whole image.
    pub fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, mode: TextMode) -> DrawResult<DB> {
        let c = Canvas::new(root, mode);
        c.clear()?;
        let top = c.heading(&self.heading)?;
        let bottom = c.footer(&self.heading.footer)?;
        let top = c.legend(&self.legend(), top)?;

        let mut y_lo: f64 = 0.0;
        let mut y_hi: f64 = 0.0;
        for p in &self.points {
            y_lo = y_lo.min(p.p5).min(p.mean);
            y_hi = y_hi.max(p.p95).max(p.mean);
        }
        let cap_label = match self.cap {
            Some(CapMark::Fixed(v)) => {
                y_hi = y_hi.max(v);
                Some((v, format!("cap {}", money(v))))
            }
            Some(CapMark::Uncertain { p5, p50, p95 }) => {
                y_hi = y_hi.max(p95);
                y_lo = y_lo.min(p5);
                Some((p50, format!("cap {}", money(p50))))
            }
            None => None,
        };
        let x = XAxis::Years { first: self.first_year, last: self.last_year };
        let reserve_right = cap_label.as_ref().map_or(0.0, |(_, t)| c.text_width(t, LABEL_BOLD) + c.px(14.0));
        let mut reserve = Reserve { top: 0.0, right: reserve_right };
        let probe = Axes::layout(&c, top, bottom, x.clone(), y_lo, y_hi, Unit::Money, "", &self.y_title, reserve);
        let (x0, x1) = (f64::from(self.first_year), f64::from(self.last_year) + 1.0);
        reserve.top = marker_space(&c, marker_rows(&c, &self.markers, probe.left, probe.right, x0, x1));
        let axes = Axes::layout(&c, top, bottom, x, y_lo, y_hi, Unit::Money, "", &self.y_title, reserve);
        axes.grid(&c)?;

        if let Some(CapMark::Uncertain { p5, p95, .. }) = self.cap {
            let a = axes.at(x0, p95);
            let b = axes.at(x1, p5);
            c.fill_rect(a, b, palette::tint(VERMILLION, CAP_FILL))?;
            c.hatch(a, b, palette::tint(VERMILLION, CAP_HATCH), 12.0, 1.0)?;
        }
        if self.note.is_none() {
            self.draw_bands(&c, &axes)?;
        }
        // The cap above the bands and below the lines, which may run along it.
        if let Some((v, label)) = &cap_label {
            let y = axes.ys.px(*v);
            c.path(&[(axes.left, y), (axes.right, y)], VERMILLION, 3.0, Stroke::Solid)?;
            let fy = c.font_px(LABEL_BOLD);
            c.text(
                label,
                axes.right + c.px(10.0),
                y + fy * 0.36,
                LABEL_BOLD,
                palette::shade(VERMILLION, 0.2),
                HPos::Left,
            )?;
        }
        if self.note.is_none() {
            self.draw_lines(&c, &axes)?;
        }
        axes.frame(&c)?;
        axes.vertical_markers(&c, &self.markers)?;
        if let Some(note) = &self.note {
            c.note(note, (axes.left + axes.right) / 2.0, (axes.top + axes.bottom) / 2.0, axes.right - axes.left)?;
        }
        Ok(())
    }

    fn draw_bands<DB: DrawingBackend>(&self, c: &Canvas<'_, DB>, axes: &Axes) -> DrawResult<DB> {
        let pts = &self.points;
        if pts.len() == 1 {
            // One point in time: an interval glyph instead of bands.
            let p = pts[0];
            let (x0, x1) = glyph_span(axes, axes.xs.px(p.x), c.px(18.0));
            c.fill_rect((x0, axes.ys.px(p.p95)), (x1, axes.ys.px(p.p5)), palette::tint(BLUE, OUTER))?;
            return c.fill_rect((x0, axes.ys.px(p.p75)), (x1, axes.ys.px(p.p25)), palette::tint(BLUE, INNER));
        }
        let band = |hi: fn(&FanPoint) -> f64, lo: fn(&FanPoint) -> f64| -> Vec<(f64, f64)> {
            let mut v: Vec<(f64, f64)> = pts.iter().map(|p| axes.at(p.x, hi(p))).collect();
            v.extend(pts.iter().rev().map(|p| axes.at(p.x, lo(p))));
            v
        };
        c.polygon(&band(|p| p.p95, |p| p.p5), palette::tint(BLUE, OUTER))?;
        c.polygon(&band(|p| p.p75, |p| p.p25), palette::tint(BLUE, INNER))
    }

    fn draw_lines<DB: DrawingBackend>(&self, c: &Canvas<'_, DB>, axes: &Axes) -> DrawResult<DB> {
        let pts = &self.points;
        if pts.len() == 1 {
            let p = pts[0];
            let (x0, x1) = glyph_span(axes, axes.xs.px(p.x), c.px(24.0));
            let y = axes.ys.px(p.p50);
            c.path(&[(x0, y), (x1, y)], median_color(), 3.0, Stroke::Solid)?;
            c.marker(Shape::Circle, (x0 + x1) / 2.0, y, 5.0, median_color())?;
            let y = axes.ys.px(p.mean);
            return c.path(&[(x0, y), (x1, y)], INK, 2.5, Stroke::Dashed);
        }
        let median: Vec<(f64, f64)> = pts.iter().map(|p| axes.at(p.x, p.p50)).collect();
        c.path(&median, median_color(), 3.0, Stroke::Solid)?;
        let mean: Vec<(f64, f64)> = pts.iter().map(|p| axes.at(p.x, p.mean)).collect();
        c.path(&mean, INK, 2.5, Stroke::Dashed)
    }
}
