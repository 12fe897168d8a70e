//! Charts that put several scenarios side by side: for each of `total_share`,
//! `pv_share`, `pv_net` (where a scenario has a counter-share), `pv_equity`
//! and `pv_total` the median with its P25–P75 and P5–P95 intervals, one row
//! per scenario; and the cap-probability curves of every capped scenario
//! overlaid.

use plotters::coord::Shift;
use plotters::prelude::{DrawingArea, DrawingBackend};
use plotters::style::text_anchor::HPos;

use super::axes::{Axes, Reserve, Scale, Unit, ValueAxis, XAxis};
use super::canvas::{AXIS_TITLE, Canvas, DrawResult, LABEL, LegendItem, Shape, Stroke, Swatch, TICK, TextMode};
use super::palette::{self, BLUE, GRID, INK, MUTED, SERIES};
use super::{Chart, Heading, ScenarioDigest, grouped, money, paths_text};
use crate::model::Summary;

/// One scenario's row of an interval chart.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct IntervalRow {
    pub name: String,
    pub p5: f64,
    pub p25: f64,
    pub p50: f64,
    pub p75: f64,
    pub p95: f64,
}

/// Medians and intervals of one path summary across scenarios.
#[derive(Clone, Debug)]
pub(crate) struct IntervalChart {
    pub stem: &'static str,
    pub heading: Heading,
    pub x_title: String,
    pub rows: Vec<IntervalRow>,
}

/// One scenario's cap curve.
#[derive(Clone, Debug)]
pub(crate) struct CapCurve {
    pub name: String,
    pub period: f64,
    pub steps: Vec<(f64, f64)>,
    /// Calendar years whose end gets a marker.
    pub first_year: i32,
}

/// The cap-probability curves of several scenarios.
#[derive(Clone, Debug)]
pub(crate) struct CapCurvesChart {
    pub heading: Heading,
    pub first_year: i32,
    pub last_year: i32,
    pub curves: Vec<CapCurve>,
}

const SHAPES: [Shape; 5] = [Shape::Circle, Shape::Square, Shape::Triangle, Shape::Diamond, Shape::InvertedTriangle];
const DASHES: [Stroke; 4] = [Stroke::Solid, Stroke::Dashed, Stroke::DashDot, Stroke::Dotted];

/// The footer of a comparison: how many scenarios, paths, seeds, version.
/// The overrides the compared scenarios share (a run gives every scenario
/// the same `--set`s), or where they differ, a pointer to the report.
fn overrides(runs: &[ScenarioDigest]) -> String {
    match runs.first() {
        Some(first) if runs.iter().all(|r| r.overrides == first.overrides) => first.overrides.clone(),
        _ => "with command-line overrides that differ by scenario (see report.md)".to_string(),
    }
}

fn footer(runs: &[ScenarioDigest]) -> String {
    let paths: Vec<u64> = runs.iter().map(|r| r.paths).collect();
    let seeds: Vec<u64> = runs.iter().map(|r| r.seed).collect();
    let same = |v: &[u64]| v.windows(2).all(|w| w[0] == w[1]);
    let paths = if same(&paths) {
        format!("{} each", paths_text(paths.first().copied().unwrap_or(0)))
    } else {
        let (lo, hi) = (paths.iter().min().copied().unwrap_or(0), paths.iter().max().copied().unwrap_or(0));
        format!("{}–{} paths", grouped(lo), grouped(hi))
    };
    let seeds =
        if same(&seeds) { format!("seed {}", seeds.first().copied().unwrap_or(0)) } else { "seeds vary".into() };
    format!("{} scenarios · {paths} · {seeds} · revshare {}", runs.len(), env!("CARGO_PKG_VERSION"))
}

/// Every comparison chart, in report order.
pub(crate) fn charts(runs: &[ScenarioDigest]) -> Vec<Chart> {
    let mut out: Vec<Chart> = [
        (
            Summary::TotalShare,
            "total_share",
            "total revenue-share payments",
            "Paid over the share period, not discounted ($B)",
        ),
        (Summary::PvShare, "pv_share", "present value of the revenue share", "Payments discounted to the start ($B)"),
        (
            Summary::PvNet,
            "pv_net",
            "present value of the share net of the counter-share",
            "Payments less counter-share payments, discounted to the start ($B)",
        ),
        (Summary::PvEquity, "pv_equity", "present value of the equity stake", "Final equity exposure, discounted ($B)"),
        (
            Summary::PvTotal,
            "pv_total",
            "present value of everything the holder gets",
            "Net payments plus final equity exposure, discounted ($B)",
        ),
    ]
    .into_iter()
    // pv_net is pv_share unless some scenario pays a counter-share.
    .filter(|(s, ..)| *s != Summary::PvNet || runs.iter().any(|r| r.has_counter))
    .map(|(s, stem, quantity, x_title)| {
        Chart::Intervals(IntervalChart {
            stem,
            heading: Heading {
                title: format!("Scenarios compared — {quantity}"),
                subtitle: "Each scenario's median, middle 50% and 90% of simulated paths".to_string(),
                overrides: overrides(runs),
                footer: footer(runs),
            },
            x_title: x_title.to_string(),
            rows: runs
                .iter()
                .map(|r| {
                    let p = r.summary(s).percentiles;
                    IntervalRow { name: r.name.clone(), p5: p[0], p25: p[2], p50: p[3], p75: p[4], p95: p[6] }
                })
                .collect(),
        })
    })
    .collect();
    let capped: Vec<&ScenarioDigest> = runs.iter().filter(|r| r.has_cap).collect();
    let uncapped: Vec<&str> = runs.iter().filter(|r| !r.has_cap).map(|r| r.name.as_str()).collect();
    let subtitle = match uncapped.len() {
        0 => "By the end of each period".to_string(),
        1 => format!("By the end of each period · {} has no cap and is not shown", uncapped[0]),
        _ => format!("By the end of each period · {} have no cap and are not shown", uncapped.join(", ")),
    };
    out.push(Chart::CapCurves(CapCurvesChart {
        heading: Heading {
            title: "Scenarios compared — probability that the cap has bound".to_string(),
            subtitle,
            overrides: overrides(runs),
            footer: footer(runs),
        },
        first_year: runs.iter().map(|r| r.first_year).min().unwrap_or(2000),
        last_year: runs.iter().map(|r| r.last_year).max().unwrap_or(2000),
        curves: capped
            .iter()
            .map(|r| CapCurve {
                name: r.name.clone(),
                period: 1.0 / f64::from(r.steps_per_year.max(1)),
                steps: r.cap_curve.clone(),
                first_year: r.first_year,
            })
            .collect(),
    }));
    out
}

impl IntervalChart {
    /// Draw on the whole image.
    pub fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, mode: TextMode) -> DrawResult<DB> {
        let c = Canvas::new(root, mode);
        c.clear()?;
        let top = c.heading(&self.heading)?;
        let bottom = c.footer(&self.heading.footer)?;
        let dot = palette::shade(BLUE, 0.2);
        let bar = palette::tint(BLUE, 0.45);
        let whisker = palette::shade(BLUE, 0.1);
        let legend = vec![
            LegendItem::new(Swatch::Marker(dot, Shape::Circle), "median"),
            LegendItem::new(Swatch::Band(bar), "middle 50% (P25–P75)"),
            LegendItem::new(Swatch::Interval(whisker, 2.0), "90% of paths (P5–P95)"),
        ];
        let top = c.legend(&legend, top)? + c.px(8.0);
        let m = c.margin();
        let lo = self.rows.iter().map(|r| r.p5).fold(0.0, f64::min);
        let hi = self.rows.iter().map(|r| r.p95).fold(0.0, f64::max);
        let name_w_max = c.width * 0.3;
        let names: Vec<String> = self.rows.iter().map(|r| c.fit(&r.name, TICK, name_w_max)).collect();
        let name_w = names.iter().map(|n| c.text_width(n, TICK)).fold(0.0, f64::max);
        let values: Vec<String> = self.rows.iter().map(|r| money(r.p50)).collect();
        let value_w = values.iter().map(|v| c.text_width(v, LABEL)).fold(0.0, f64::max);
        let left = m + name_w + c.px(20.0);
        let right = c.width - m - value_w - c.px(24.0);
        let plot_bottom = bottom - c.px(12.0) - c.line_height(TICK) - c.line_height(AXIS_TITLE);
        let max_ticks = ((right - left) / c.px(120.0)).floor().clamp(3.0, 10.0) as usize;
        let xa = ValueAxis::new(lo, hi, max_ticks, Unit::Money);
        let ya = ValueAxis::new(0.0, 1.0, 2, Unit::Percent);
        let axes = Axes::with_rect(&c, left, top, right, plot_bottom, XAxis::Values(xa), ya, &self.x_title, "");
        let n = self.rows.len().max(1) as f64;
        let rows = Scale { lo: 0.0, hi: n, p0: axes.top, p1: axes.bottom };
        let row_h = (axes.bottom - axes.top) / n;
        let thick = (row_h * 0.32).min(c.px(22.0)).max(3.0);
        // Every other row striped, then the vertical grid (the y axis is
        // categorical: no horizontal grid).
        for i in (1..self.rows.len()).step_by(2) {
            let y = rows.px(i as f64 + 0.5);
            c.fill_rect((axes.left, y - row_h / 2.0), (axes.right, y + row_h / 2.0), palette::tint(GRID, 0.4))?;
        }
        if let XAxis::Values(a) = &axes.x {
            for t in &a.ticks {
                let x = axes.xs.px(*t);
                c.path(&[(x, axes.top), (x, axes.bottom)], GRID, 1.0, Stroke::Solid)?;
            }
        }
        for (i, (r, name)) in self.rows.iter().zip(&names).enumerate() {
            let y = rows.px(i as f64 + 0.5);
            let fy = c.font_px(TICK);
            c.text(name, axes.left - c.px(14.0), y + fy * 0.36, TICK, INK, HPos::Right)?;
            let (x5, x95) = (axes.xs.px(r.p5), axes.xs.px(r.p95));
            let cap = thick * 0.55;
            c.path(&[(x5, y), (x95, y)], whisker, 2.0, Stroke::Solid)?;
            c.path(&[(x5, y - cap), (x5, y + cap)], whisker, 2.0, Stroke::Solid)?;
            c.path(&[(x95, y - cap), (x95, y + cap)], whisker, 2.0, Stroke::Solid)?;
            let (x25, x75) = (axes.xs.px(r.p25), axes.xs.px(r.p75));
            c.fill_rect((x25, y - thick / 2.0), (x75.max(x25 + 2.0), y + thick / 2.0), bar)?;
            let r_dot = (thick / c.scale * 0.42).clamp(3.0, 8.0);
            c.marker(Shape::Circle, axes.xs.px(r.p50), y, r_dot, dot)?;
            let fl = c.font_px(LABEL);
            c.text(&values[i], axes.right + c.px(14.0), y + fl * 0.36, LABEL, INK, HPos::Left)?;
        }
        axes.frame_x_only(&c)?;
        let fl = c.font_px(LABEL);
        c.text("median", axes.right + c.px(14.0), axes.top - fl * 0.5, LABEL, MUTED, HPos::Left)?;
        Ok(())
    }
}

impl CapCurvesChart {
    /// Draw on the whole image.
    pub fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, mode: TextMode) -> DrawResult<DB> {
        let c = Canvas::new(root, mode);
        c.clear()?;
        let top = c.heading(&self.heading)?;
        let bottom = c.footer(&self.heading.footer)?;
        let style =
            |i: usize| (SERIES[i % SERIES.len()], DASHES[(i / SERIES.len()) % DASHES.len()], SHAPES[i % SHAPES.len()]);
        let legend: Vec<LegendItem> = self
            .curves
            .iter()
            .enumerate()
            .map(|(i, cv)| {
                let (col, dash, shape) = style(i);
                LegendItem::new(Swatch::LineMarker(col, 3.0, dash, shape), cv.name.clone())
            })
            .collect();
        let top = c.legend(&legend, top)?;
        let x = XAxis::Years { first: self.first_year, last: self.last_year.max(self.first_year) };
        let axes = Axes::layout(
            &c,
            top,
            bottom,
            x,
            0.0,
            1.0,
            Unit::Percent,
            "",
            "Probability the cap has bound (% of paths)",
            Reserve { top: c.px(6.0), right: c.px(10.0) },
        );
        axes.grid(&c)?;
        if !self.curves.is_empty() {
            let half = axes.ys.px(0.5);
            c.path(&[(axes.left, half), (axes.right, half)], MUTED, 1.5, Stroke::Dotted)?;
        }
        for (i, cv) in self.curves.iter().enumerate() {
            let (col, dash, _) = style(i);
            let pts: Vec<(f64, f64)> = super::cap::rising_at_period_ends(&cv.steps, cv.period)
                .into_iter()
                .map(|(t, p)| axes.at(t, p))
                .collect();
            if pts.is_empty() {
                continue;
            }
            c.path(&pts, col, 3.0, dash)?;
        }
        // Markers at year ends, on top of every line, at least 28 px apart.
        let per_year = (axes.right - axes.left) / f64::from(self.last_year - self.first_year + 1).max(1.0);
        let every = (c.px(28.0) / per_year.max(1e-9)).ceil().clamp(1.0, 1e6);
        for (i, cv) in self.curves.iter().enumerate() {
            let (col, _, shape) = style(i);
            for (k, (t, p)) in cv.steps.iter().enumerate() {
                let years = t - f64::from(cv.first_year);
                let at_year_end = (years - years.round()).abs() < 1e-9;
                if k + 1 == cv.steps.len() || (at_year_end && (years.round() % every).abs() < 1e-9) {
                    let (px, py) = axes.at(*t, *p);
                    c.marker(shape, px, py, 5.5, col)?;
                }
            }
        }
        axes.frame(&c)?;
        if self.curves.is_empty() {
            c.note(
                "None of these scenarios has a cap.",
                (axes.left + axes.right) / 2.0,
                (axes.top + axes.bottom) / 2.0,
                axes.right - axes.left,
            )?;
        }
        Ok(())
    }
}
