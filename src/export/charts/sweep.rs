//! The chart of a one-key sweep (`revshare sweep ... --vary KEY=...`): the
//! median and P5–P95 of pv_share, pv_equity and pv_total against the varied
//! value.
//!
//! Layout: two panels stacked over one shared x axis, pv_share on top and
//! pv_equity with pv_total below. The equity stake and the total are often
//! ten to thirty times the revenue share, so on one y scale the share would
//! be a flat line along zero; a log y scale would read poorly for money that
//! can be zero or negative, and a second y axis on the right invites reading
//! one line against the wrong scale. Two panels give each quantity its own
//! linear $B scale, keep zero in view, and line up the varied values
//! vertically. pv_total and pv_equity share a panel because they are of the
//! same size and their gap is the revenue share's contribution.
//!
//! Each series is a median line with a marker at every value of the key
//! (over a translucent P5–P95 band whose edges carry the median's dash
//! pattern), and differs from the others by hue, dash and marker shape, so
//! that the chart also reads in greyscale. When the values of the key are
//! all positive and span two orders of magnitude or more, the x axis is
//! logarithmic, with ticks at powers of ten.

use plotters::coord::Shift;
use plotters::element::Polygon;
use plotters::prelude::{DrawingArea, DrawingBackend};
use plotters::style::text_anchor::HPos;
use plotters::style::{Color, RGBColor};

use super::axes::{Axes, Scale, Unit, ValueAxis, XAxis};
use super::canvas::{AXIS_TITLE, Canvas, DrawResult, LegendItem, Shape, Stroke, Swatch, TICK, TextMode};
use super::fan::glyph_span;
use super::palette::{self, AXIS, BLUE, GREEN, GRID, INK, MUTED, VERMILLION};
use super::{
    Chart, ChartError, ChartFile, ChartOptions, Heading, decimals, group_digits, paths_text, render_all, trim_zeros,
};
use crate::stats::Stat;

/// One value of the varied key and the three summaries it gave.
#[derive(Clone, Debug)]
pub struct SweepPoint {
    pub value: f64,
    pub pv_share: Stat,
    pub pv_equity: Stat,
    pub pv_total: Stat,
}

/// What the sweep chart needs: the scenario, the varied key, and one point per value (ascending).
#[derive(Clone, Debug)]
pub struct SweepDigest {
    pub name: String,
    pub description: String,
    /// The `--set` overrides every combination has (`with --set a=1`), or empty.
    pub overrides: String,
    /// The varied key, e.g. `revenue_share.cap`.
    pub key: String,
    pub paths: u64,
    pub seed: u64,
    pub points: Vec<SweepPoint>,
}

/// Draw `sweep.<ext>` in every format asked for.
pub fn sweep_charts(digest: &SweepDigest, opts: &ChartOptions) -> Result<Vec<ChartFile>, ChartError> {
    render_all(&[Chart::Sweep(SweepChart::new(digest))], opts)
}

/// How one quantity is drawn.
struct Series {
    /// The column name, as in `sweep.csv`.
    name: &'static str,
    /// What it is, for the legend.
    what: &'static str,
    color: RGBColor,
    dash: Stroke,
    shape: Shape,
    stat: fn(&SweepPoint) -> &Stat,
}

const SHARE: Series = Series {
    name: "pv_share",
    what: "revenue share",
    color: VERMILLION,
    dash: Stroke::DashDot,
    shape: Shape::Triangle,
    stat: |p| &p.pv_share,
};
const EQUITY: Series = Series {
    name: "pv_equity",
    what: "equity stake",
    color: GREEN,
    dash: Stroke::Dashed,
    shape: Shape::Square,
    stat: |p| &p.pv_equity,
};
const TOTAL: Series = Series {
    name: "pv_total",
    what: "share + equity",
    color: BLUE,
    dash: Stroke::Solid,
    shape: Shape::Circle,
    stat: |p| &p.pv_total,
};

/// Opacity of a P5–P95 band (translucent, so that overlapping bands both show).
const BAND_ALPHA: f64 = 0.2;

/// The panels, top to bottom: y-axis title, series, share of the plot height.
const PANELS: [(&str, &[Series], f64); 2] =
    [("PV of revenue share ($B)", &[SHARE], 0.42), ("PV of equity and total ($B)", &[EQUITY, TOTAL], 0.58)];

/// One point of one series, in data units.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Pt {
    x: f64,
    p5: f64,
    p50: f64,
    p95: f64,
}

/// The sweep chart, ready to draw.
pub(crate) struct SweepChart {
    pub(crate) heading: Heading,
    key: String,
    /// The varied values, ascending.
    values: Vec<f64>,
    points: Vec<SweepPoint>,
}

/// The x axis: linear in the value, or in its base-10 logarithm.
#[derive(Clone, Debug)]
struct KeyAxis {
    log: bool,
    lo: f64,
    hi: f64,
    /// Ticks, in axis units (log10 of the value on a log axis).
    ticks: Vec<f64>,
    /// Tick spacing (in axis units) for the labels' decimals.
    step: f64,
}

impl KeyAxis {
    fn new(values: &[f64], max_ticks: usize) -> KeyAxis {
        let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        let lo = finite.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if finite.len() >= 3 && lo > 0.0 && hi / lo >= 100.0 {
            let (a, b) = (lo.log10().floor(), hi.log10().ceil());
            let decades = (b - a).max(1.0);
            let every = (decades / max_ticks.max(2) as f64).ceil().max(1.0);
            let ticks = (0..=(decades / every) as i64).map(|i| a + i as f64 * every).filter(|t| *t <= b).collect();
            return KeyAxis { log: true, lo: a, hi: b, ticks, step: 1.0 };
        }
        if !lo.is_finite() {
            let a = ValueAxis::new(0.0, 1.0, max_ticks, Unit::Money);
            return KeyAxis { log: false, lo: a.lo, hi: a.hi, ticks: a.ticks, step: a.step };
        }
        let a = ValueAxis::new(lo, hi, max_ticks, Unit::Money);
        KeyAxis { log: false, lo: a.lo, hi: a.hi, ticks: a.ticks, step: a.step }
    }

    /// A value in axis units.
    fn pos(&self, v: f64) -> f64 {
        if self.log { v.log10() } else { v }
    }

    /// The label of tick `t`: a plain number, `20`, `0.25`, `1,000`, `1e-7`.
    fn label(&self, t: f64) -> String {
        if self.log {
            let k = t.round() as i32;
            return match k {
                0..=6 => group_digits(&10f64.powi(k).to_string()),
                -6..=-1 => format!("{:.*}", (-k) as usize, 10f64.powi(k)),
                _ => format!("1e{k}"),
            };
        }
        number_tick(t, self.step)
    }
}

/// The unit a varied key's values are in, for the axis title: amounts in
/// $B, rates and shares as fractions, hazards a year, multiples of the
/// run-rate; none for a year or a count. A distribution's parameter
/// (`revenue_share.cap.high`) is in the unit of its input.
fn key_unit(key: &str) -> Option<&'static str> {
    const PARAMETERS: [&str; 8] = ["value", "low", "mode", "high", "mean", "sd", "median", "sigma"];
    // Without year tables' years (`revenue.growth.2027`) and array indices
    // (`equity.dilution[0].fraction`).
    let parts: Vec<&str> = key
        .split('.')
        .filter(|p| !p.chars().all(|c| c.is_ascii_digit()))
        .map(|p| p.split('[').next().unwrap_or(p))
        .collect();
    let n = parts.len();
    let last = parts.last().copied().unwrap_or("");
    // `revenue_share.cap.high` is in the unit of the cap; `growth_noise.sd` is a key of its own.
    let parameter = n > 2 && PARAMETERS.contains(&last) && parts[n - 2] != "growth_noise";
    if parameter && last == "sigma" {
        return Some("sd of the logarithm");
    }
    let input = if parameter { parts[n - 2] } else { last };
    let parent = if parameter { parts.get(n.wrapping_sub(3)) } else { parts.get(n.wrapping_sub(2)) };
    match input {
        "initial" | "cap" => Some("$B"),
        "multiple" | "terminal_multiple" => Some("× run-rate revenue"),
        "rate_multiplier" => Some("× the rate"),
        "rate" if parent == Some(&"shock") => Some("shocks a year"),
        "termination_rate" => Some("a year"),
        "growth_shift" => Some("log-growth a year"),
        "persistence" => Some("kept a year, 0 to 1"),
        "rate" | "growth" | "volatility" | "sd" | "size" | "base_fraction" | "base_ratio" | "stake" | "fraction"
        | "probability" | "discount_rate" => Some("a fraction: 0.2 is 20%"),
        _ => None,
    }
}

/// A number for an axis tick of spacing `step`: `0`, `20`, `2.5`, `1,500`, `−10`.
fn number_tick(x: f64, step: f64) -> String {
    if x.abs() < step.abs() * 1e-6 {
        return "0".to_string();
    }
    if x.abs() >= 1e15 || (x.abs() < 1e-6 && x != 0.0) {
        return trim_zeros(format!("{x:e}"));
    }
    let d = decimals(step);
    let body = group_digits(&format!("{:.d$}", x.abs()));
    if x < 0.0 { format!("−{body}") } else { body }
}

impl SweepChart {
    fn new(d: &SweepDigest) -> SweepChart {
        let subtitle = if d.description.trim().is_empty() {
            format!("Median and 90% of paths (P5–P95) at each value of {}", d.key)
        } else {
            d.description.clone()
        };
        let footer = format!(
            "{} each · seed {} · common random numbers · revshare {}",
            paths_text(d.paths),
            d.seed,
            env!("CARGO_PKG_VERSION")
        );
        let mut points = d.points.clone();
        points.sort_by(|a, b| a.value.total_cmp(&b.value));
        SweepChart {
            heading: Heading {
                title: format!("{} — present values as {} varies", d.name, d.key),
                subtitle,
                overrides: d.overrides.clone(),
                footer,
            },
            key: d.key.clone(),
            values: points.iter().map(|p| p.value).collect(),
            points,
        }
    }

    fn legend(&self) -> Vec<LegendItem> {
        let mut items: Vec<LegendItem> = [SHARE, EQUITY, TOTAL]
            .iter()
            .map(|s| {
                LegendItem::new(
                    Swatch::LineMarker(median_color(s), 3.0, s.dash, s.shape),
                    format!("{} ({}): median", s.name, s.what),
                )
            })
            .collect();
        items.push(LegendItem::new(
            Swatch::Band(palette::tint(MUTED, 0.3)),
            "shaded in each line's colour: 90% of paths (P5–P95)",
        ));
        items
    }

    /// The points of a series with finite values, on the x axis `xa`.
    fn series(&self, s: &Series, xa: &KeyAxis) -> Vec<Pt> {
        self.points
            .iter()
            .filter_map(|p| {
                let st = (s.stat)(p);
                let pt =
                    Pt { x: xa.pos(p.value), p5: st.percentiles[0], p50: st.percentiles[3], p95: st.percentiles[6] };
                [pt.x, pt.p5, pt.p50, pt.p95].iter().all(|v| v.is_finite()).then_some(pt)
            })
            .collect()
    }

    /// Draw on the whole image.
    pub(crate) fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, mode: TextMode) -> DrawResult<DB> {
        let c = Canvas::new(root, mode);
        c.clear()?;
        let top = c.heading(&self.heading)?;
        let bottom = c.footer(&self.heading.footer)?;
        let top = c.legend(&self.legend(), top)? + c.px(12.0);
        let m = c.margin();

        // The x axis below the lower panel: tick labels and the key's name.
        let plot_bottom = (bottom - c.px(12.0) - c.line_height(TICK) - c.line_height(AXIS_TITLE)).max(top + 20.0);
        let gap = c.px(34.0);
        let avail = (plot_bottom - top - gap).max(20.0);

        // The y axes of both panels, so that both share one left edge.
        let mut ys: Vec<(f64, f64, ValueAxis)> = Vec::new();
        let mut y = top;
        for (_, series, share) in PANELS {
            let h = avail * share;
            let (mut lo, mut hi) = (0.0f64, 0.0f64);
            for s in series {
                for p in &self.points {
                    let st = (s.stat)(p);
                    lo = lo.min(st.percentiles[0]).min(st.percentiles[3]);
                    hi = hi.max(st.percentiles[6]).max(st.percentiles[3]);
                }
            }
            // A little headroom, so that data at a round number stays off the frame.
            let hi = if hi > 0.0 { hi + (hi - lo) * 0.03 } else { hi };
            let max_ticks = (h / c.px(60.0)).floor().clamp(2.0, 8.0) as usize;
            ys.push((y, y + h, ValueAxis::new(lo, hi, max_ticks, Unit::Money)));
            y += h + gap;
        }
        let label_w = ys
            .iter()
            .flat_map(|(_, _, a)| a.ticks.iter().map(|t| c.text_width(&a.label(*t), TICK)))
            .fold(0.0, f64::max);
        let left = m + c.line_height(AXIS_TITLE) + c.px(6.0) + label_w + c.px(12.0);
        let right0 = c.width - m;
        let max_x_ticks = ((right0 - left) / c.px(120.0)).floor().clamp(3.0, 10.0) as usize;
        let xa = KeyAxis::new(&self.values, max_x_ticks);
        let last_w = xa.ticks.last().map_or(0.0, |t| c.text_width(&xa.label(*t), TICK));
        let right = right0.min(c.width - m * 0.5 - last_w / 2.0).max(left + 10.0);
        let x_title = match (key_unit(&self.key), xa.log) {
            (Some(unit), true) => format!("{} ({unit}; log scale)", self.key),
            (Some(unit), false) => format!("{} ({unit})", self.key),
            (None, true) => format!("{} (log scale)", self.key),
            (None, false) => self.key.clone(),
        };

        for (i, ((p_top, p_bottom, ya), (y_title, series, _))) in ys.into_iter().zip(PANELS).enumerate() {
            // No x ticks for `Axes`: they are drawn here, as numbers, not money.
            let x =
                XAxis::Values(ValueAxis { lo: xa.lo, hi: xa.hi, step: xa.step, ticks: Vec::new(), unit: Unit::Money });
            // The y title is drawn here, fitted to its own panel.
            let axes = Axes::with_rect(&c, left, p_top, right, p_bottom, x, ya, "", "");
            axes.grid(&c)?;
            for t in &xa.ticks {
                let px = axes.xs.px(*t);
                c.path(&[(px, axes.top), (px, axes.bottom)], GRID, 1.0, Stroke::Solid)?;
            }
            let data: Vec<Vec<Pt>> = series.iter().map(|s| self.series(s, &xa)).collect();
            for (s, pts) in series.iter().zip(&data) {
                self.draw_band(&c, root, &axes, s, pts)?;
            }
            for (s, pts) in series.iter().zip(&data) {
                self.draw_median(&c, &axes, s, pts)?;
            }
            axes.frame(&c)?;
            let t = c.fit_title(y_title, AXIS_TITLE, (p_bottom - p_top).max(0.0));
            c.text_up(&t, m, (p_top + p_bottom) / 2.0, AXIS_TITLE, INK)?;
            let labels = i + 1 == PANELS.len();
            draw_x_ticks(&c, &axes, &xa, labels)?;
            if labels {
                let th = c.font_px(TICK);
                let y = axes.bottom + c.px(10.0) + th + c.line_height(AXIS_TITLE);
                let t = c.fit_title(&x_title, AXIS_TITLE, c.width - 2.0 * m);
                c.text(&t, (axes.left + axes.right) / 2.0, y, AXIS_TITLE, INK, HPos::Center)?;
            }
            if self.points.is_empty() && i == 0 {
                c.note("No values to show.", (left + right) / 2.0, (p_top + p_bottom) / 2.0, right - left)?;
            }
        }
        Ok(())
    }

    /// The P5–P95 band of a series: translucent fill, edges in the series'
    /// dash pattern. A single value gets an interval glyph instead.
    fn draw_band<DB: DrawingBackend>(
        &self,
        c: &Canvas<'_, DB>,
        root: &DrawingArea<DB, Shift>,
        axes: &Axes,
        s: &Series,
        pts: &[Pt],
    ) -> DrawResult<DB> {
        let fill = s.color.mix(BAND_ALPHA).filled();
        let edge = palette::tint(s.color, 0.7);
        let round = |v: &[(f64, f64)]| -> Vec<(i32, i32)> {
            v.iter().map(|p| (p.0.round() as i32, p.1.round() as i32)).collect()
        };
        if pts.len() == 1 {
            let p = pts[0];
            let (x0, x1) = glyph_span(axes, axes.xs.px(p.x), c.px(22.0));
            let (y0, y1) = (axes.ys.px(p.p95), axes.ys.px(p.p5));
            root.draw(&Polygon::new(round(&[(x0, y0), (x1, y0), (x1, y1), (x0, y1)]), fill))?;
            c.path(&[(x0, y0), (x1, y0)], edge, 1.5, s.dash)?;
            return c.path(&[(x0, y1), (x1, y1)], edge, 1.5, s.dash);
        }
        let upper: Vec<(f64, f64)> = pts.iter().map(|p| axes.at(p.x, p.p95)).collect();
        let lower: Vec<(f64, f64)> = pts.iter().map(|p| axes.at(p.x, p.p5)).collect();
        let mut poly = upper.clone();
        poly.extend(lower.iter().rev());
        if poly.len() >= 3 {
            root.draw(&Polygon::new(round(&poly), fill))?;
        }
        c.path(&upper, edge, 1.5, s.dash)?;
        c.path(&lower, edge, 1.5, s.dash)
    }

    /// The median line of a series with a marker at each value (markers are
    /// left out where they would crowd each other).
    fn draw_median<DB: DrawingBackend>(
        &self,
        c: &Canvas<'_, DB>,
        axes: &Axes,
        s: &Series,
        pts: &[Pt],
    ) -> DrawResult<DB> {
        let col = median_color(s);
        let line: Vec<(f64, f64)> = pts.iter().map(|p| axes.at(p.x, p.p50)).collect();
        if line.len() == 1 {
            let (x0, x1) = glyph_span(axes, line[0].0, c.px(28.0));
            c.path(&[(x0, line[0].1), (x1, line[0].1)], col, 3.0, s.dash)?;
        } else {
            c.path(&line, col, 3.0, s.dash)?;
        }
        let min_gap = line.windows(2).map(|w| (w[1].0 - w[0].0).abs()).fold(f64::INFINITY, f64::min);
        let r = if min_gap >= c.px(16.0) { 5.5 } else { 3.5 };
        let mut last = f64::NEG_INFINITY;
        for (i, (x, y)) in line.iter().enumerate() {
            if i + 1 == line.len() || x - last >= c.px(7.0) {
                c.marker(s.shape, *x, *y, r, col)?;
                last = *x;
            }
        }
        Ok(())
    }
}

/// The darker shade of a series' colour used for its median line.
fn median_color(s: &Series) -> RGBColor {
    palette::shade(s.color, 0.15)
}

/// Tick marks of the key's axis along the bottom of a panel, and their
/// labels when `labels` is set (the lower panel).
fn draw_x_ticks<DB: DrawingBackend>(c: &Canvas<'_, DB>, axes: &Axes, xa: &KeyAxis, labels: bool) -> DrawResult<DB> {
    let tick = c.px(7.0);
    let label_y = axes.bottom + c.px(10.0) + c.font_px(TICK);
    let xs = Scale { lo: xa.lo, hi: xa.hi, p0: axes.left, p1: axes.right };
    for t in &xa.ticks {
        let x = xs.px(*t);
        c.path(&[(x, axes.bottom), (x, axes.bottom + tick)], AXIS, 1.5, Stroke::Solid)?;
        if labels {
            c.text(&xa.label(*t), x, label_y, TICK, MUTED, HPos::Center)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::charts::ChartFormat;
    use crate::export::charts::test_support::{colours, xml};

    fn stat(p50: f64, spread: f64) -> Stat {
        let p = |z: f64| p50 + z * spread;
        Stat {
            n: 1000,
            mean: p50 * 1.05,
            sd: spread,
            se: spread / 31.6,
            percentiles: [p(-1.64), p(-1.28), p(-0.67), p50, p(0.67), p(1.28), p(1.64)],
        }
    }

    fn point(value: f64, share: f64) -> SweepPoint {
        SweepPoint {
            value,
            pv_share: stat(share, share * 0.3),
            pv_equity: stat(share * 20.0, share * 8.0),
            pv_total: stat(share * 21.0, share * 8.3),
        }
    }

    fn digest(points: Vec<SweepPoint>) -> SweepDigest {
        SweepDigest {
            name: "amended-2026".to_string(),
            description: "The amended deal & its <cap> \"terms\"".to_string(),
            overrides: String::new(),
            key: "revenue_share.cap".to_string(),
            paths: 100_000,
            seed: 7,
            points,
        }
    }

    fn caps() -> SweepDigest {
        digest([20.0, 30.0, 38.0, 50.0, 80.0].iter().map(|c| point(*c, c * 0.45)).collect())
    }

    #[test]
    fn the_key_axis_names_its_unit() {
        for (key, unit) in [
            ("revenue_share.cap", Some("$B")),
            ("revenue_share.cap.high", Some("$B")),
            ("revenue.initial.median", Some("$B")),
            ("revenue.initial.sigma", Some("sd of the logarithm")),
            ("revenue_share.rate", Some("a fraction: 0.2 is 20%")),
            ("revenue_share.rate.2027", Some("a fraction: 0.2 is 20%")),
            ("revenue.growth.2028", Some("a fraction: 0.2 is 20%")),
            ("revenue.growth_noise.sd", Some("a fraction: 0.2 is 20%")),
            ("revenue.growth_noise.persistence", Some("kept a year, 0 to 1")),
            ("revenue.shock.rate", Some("shocks a year")),
            ("revenue.shock.size.high", Some("a fraction: 0.2 is 20%")),
            ("revenue_share.termination_rate", Some("a year")),
            ("revenue_share.rate_multiplier", Some("× the rate")),
            ("equity.dilution[0].fraction", Some("a fraction: 0.2 is 20%")),
            ("equity.terminal_multiple.median", Some("× run-rate revenue")),
            ("discount_rate", Some("a fraction: 0.2 is 20%")),
            ("revenue_share.until", None),
            ("steps_per_year", None),
        ] {
            assert_eq!(key_unit(key), unit, "{key}");
        }
    }

    #[test]
    fn the_sweep_chart_draws_in_both_formats() {
        let d = caps();
        let opts = ChartOptions::new(1600, 900, &[ChartFormat::Svg, ChartFormat::Png]);
        let files = sweep_charts(&d, &opts).unwrap();
        if let Ok(dir) = std::env::var("SWEEP_CHART_DIR") {
            std::fs::write(std::path::Path::new(&dir).join("sweep.png"), &files[0].bytes).unwrap();
            std::fs::write(std::path::Path::new(&dir).join("sweep.svg"), &files[1].bytes).unwrap();
        }
        let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["sweep.png", "sweep.svg"]);
        let svg = String::from_utf8(files[1].bytes.clone()).unwrap();
        assert!(svg.starts_with("<svg width=\"1600\" height=\"900\""));
        assert!(svg.contains("amended-2026 — present values as revenue_share.cap varies"), "title");
        assert!(svg.contains(&xml(&d.description)), "subtitle");
        assert!(svg.contains("\nrevenue_share.cap ($B)\n"), "x axis title with its unit");
        assert!(svg.contains("PV of revenue share ($B)") && svg.contains("PV of equity and total ($B)"));
        for s in ["pv_share", "pv_equity", "pv_total", "P5–P95"] {
            assert!(svg.contains(s), "legend: {s}");
        }
        for tick in ["\n20\n", "\n50\n", "\n80\n"] {
            assert!(svg.contains(tick), "x tick {tick}");
        }
        assert!(svg.contains("100,000 paths each · seed 7 · common random numbers · revshare "), "footer");
        let (w, h, all, coloured) = colours(&files[0].bytes);
        assert_eq!((w, h), (1600, 900));
        assert!(all >= 8 && coloured >= 6, "{all} colours, {coloured} not grey");
    }

    #[test]
    fn the_sweep_chart_is_deterministic() {
        let d = caps();
        let opts = ChartOptions::new(1600, 900, &[ChartFormat::Png, ChartFormat::Svg]);
        assert_eq!(sweep_charts(&d, &opts).unwrap(), sweep_charts(&d, &opts).unwrap());
    }

    #[test]
    fn odd_sweeps_draw_without_panicking() {
        let constant = Stat { n: 10, mean: 3.0, sd: 0.0, se: 0.0, percentiles: [3.0; 7] };
        let zero = Stat { n: 10, mean: 0.0, sd: 0.0, se: 0.0, percentiles: [0.0; 7] };
        let nan = Stat { n: 0, mean: f64::NAN, sd: f64::NAN, se: f64::NAN, percentiles: [f64::NAN; 7] };
        let flat = |v: f64| SweepPoint {
            value: v,
            pv_share: constant.clone(),
            pv_equity: zero.clone(),
            pv_total: constant.clone(),
        };
        let cases: Vec<(&str, Vec<SweepPoint>)> = vec![
            ("empty", Vec::new()),
            ("one", vec![point(38.0, 17.0)]),
            ("two", vec![point(30.0, 13.0), point(50.0, 20.0)]),
            ("constant", (0..5).map(|i| flat(f64::from(i) * 10.0)).collect()),
            ("same x", vec![point(5.0, 1.0), point(5.0, 2.0)]),
            ("decades", [0.001, 0.1, 10.0, 1000.0, 1e6].iter().map(|v| point(*v, v * 3.0)).collect()),
            ("tiny", [1e-9, 2e-9, 3e-9].iter().map(|v| point(*v, *v)).collect()),
            ("negative", [-0.5, -0.1, 0.0, 0.2].iter().map(|v| point(*v, -4.0 + v)).collect()),
            (
                "nan",
                vec![
                    SweepPoint { value: 1.0, pv_share: nan.clone(), pv_equity: nan.clone(), pv_total: nan.clone() },
                    point(2.0, 1.0),
                    SweepPoint { value: f64::NAN, ..point(3.0, 1.0) },
                ],
            ),
        ];
        for (what, points) in cases {
            let d = digest(points);
            for (w, h) in [(1600, 900), super::super::MIN_SIZE, (900, 1600), (3200, 1800)] {
                let opts = ChartOptions::new(w, h, &[ChartFormat::Png, ChartFormat::Svg]);
                let files = sweep_charts(&d, &opts).unwrap_or_else(|e| panic!("{what}: {e}"));
                if let Ok(dir) = std::env::var("SWEEP_CHART_DIR") {
                    let file = std::path::Path::new(&dir).join(format!("{what}-{w}x{h}.png").replace(' ', "_"));
                    std::fs::write(file, &files[0].bytes).unwrap();
                }
                let (pw, ph, all, _) = colours(&files[0].bytes);
                assert_eq!((pw, ph), (w, h), "{what}");
                assert!(all >= 4, "{what} at {w}x{h}: {all} colours");
                assert!(String::from_utf8(files[1].bytes.clone()).unwrap().contains("revenue_share.cap"), "{what}");
            }
        }
    }

    #[test]
    fn log_axes_for_values_over_decades() {
        let a = KeyAxis::new(&[0.001, 0.1, 10.0, 1000.0], 8);
        assert!(a.log);
        assert_eq!(a.ticks, [-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0]);
        assert_eq!(a.label(-3.0), "0.001");
        assert_eq!(a.label(3.0), "1,000");
        assert_eq!(a.label(9.0), "1e9");
        let b = KeyAxis::new(&[20.0, 30.0, 38.0, 50.0, 80.0], 8);
        assert!(!b.log && b.lo <= 20.0 && b.hi >= 80.0);
        assert_eq!(number_tick(0.25, 0.05), "0.25");
        assert_eq!(number_tick(1500.0, 500.0), "1,500");
        assert_eq!(number_tick(-10.0, 10.0), "−10");
    }
}
