//! The tornado chart of a sensitivity run (`revshare run --sensitivity`): for
//! each uncertain input, the median of an output with that input held at its
//! own P10 and at its P90 (all others random, common random numbers), as bars
//! around the base median, largest swing first.
//!
//! Layout: one row per input, largest swing on top, its key on the left with
//! the values it was held at in smaller muted text below it (beside it when
//! the rows are too short for two lines). Each bar has two halves drawn from
//! the base median: to the median with the input at its P10 (solid blue) and
//! to the median with it at its P90 (hatched light orange), so that the halves
//! differ in lightness and texture as well as hue and read in greyscale. When
//! both medians lie on one side of the base, the nearer half is drawn over the
//! farther one. Each end is labelled with its value outside the bar; the base
//! median is a dashed vertical line labelled above the plot. The x range is
//! widened until the end labels fit inside the plot.

use plotters::coord::Shift;
use plotters::prelude::{DrawingArea, DrawingBackend};
use plotters::style::RGBColor;
use plotters::style::text_anchor::HPos;

use super::axes::{Scale, Unit, ValueAxis};
use super::canvas::{
    AXIS_TITLE, Canvas, DrawResult, Font, LABEL, LABEL_BOLD, LegendItem, Stroke, Swatch, TICK, TextMode,
};
use super::palette::{self, AXIS, BLUE, GRID, INK, MUTED, ORANGE};
use super::{
    Chart, ChartError, ChartFile, ChartOptions, EmbeddedChart, Heading, group_digits, money, money_tick, paths_text,
    render_all, trim_zeros,
};

/// One input's swing.
#[derive(Clone, Debug)]
pub struct SwingBar {
    /// The input's key, e.g. `revenue.growth_shift`.
    pub input: String,
    /// The input's own P10 and P90 (the values it was held at).
    pub low_value: f64,
    pub high_value: f64,
    /// The output's median with the input held at its P10 and at its P90 ($B).
    pub at_low: f64,
    pub at_high: f64,
}

/// What the tornado chart needs.
#[derive(Clone, Debug)]
pub struct TornadoDigest {
    /// The file name without extension: `tornado` (pv_total) or
    /// `tornado_share` (pv_share).
    pub stem: &'static str,
    pub name: String,
    pub description: String,
    /// The `--set` overrides (`with --set a=1`), or empty.
    pub overrides: String,
    /// The output, e.g. `pv_total`, and a phrase for it.
    pub output: String,
    pub output_label: String,
    /// The output's median with every input random ($B).
    pub base: f64,
    /// Largest |at_high − at_low| first.
    pub bars: Vec<SwingBar>,
    pub paths: u64,
    pub seed: u64,
}

/// Draw the tornado chart (`<stem>.<ext>`) in every format asked for.
pub fn tornado_charts(digest: &TornadoDigest, opts: &ChartOptions) -> Result<Vec<ChartFile>, ChartError> {
    render_all(&[Chart::Tornado(TornadoChart::new(digest))], opts)
}

/// The tornado chart as `report.md` embeds it.
pub fn tornado_embedded(digest: &TornadoDigest, opts: &ChartOptions) -> Vec<EmbeddedChart> {
    super::embedded(&[Chart::Tornado(TornadoChart::new(digest))], opts)
}

/// The fill of the P10 half: dark, solid.
const LOW_FILL: RGBColor = BLUE;
/// The fill of the P90 half: light, and hatched with [`high_hatch`].
fn high_fill() -> RGBColor {
    palette::tint(ORANGE, 0.55)
}
fn high_hatch() -> RGBColor {
    palette::shade(ORANGE, 0.45)
}
/// The held values under each key.
const HELD: Font = Font { size: 15.5, bold: false };

/// The values an input was held at, as people write them, with as many
/// significant digits (3 to 6) as it takes to tell them apart:
/// `P10 0.27 → P90 0.31`.
fn held_text(low: f64, high: f64) -> String {
    let mut sig = 3;
    while sig < 6 && low != high && compact(low, sig) == compact(high, sig) {
        sig += 1;
    }
    format!("P10 {} → P90 {}", compact(low, sig), compact(high, sig))
}

/// A number with `sig` significant digits, compactly: `0.27`, `38`,
/// `2,500`, `−0.05`, `1.5e-7`.
fn compact(x: f64, sig: usize) -> String {
    if !x.is_finite() {
        return "–".to_string();
    }
    if x == 0.0 {
        return "0".to_string();
    }
    let a = x.abs();
    let body = if !(1e-4..1e9).contains(&a) {
        let s = format!("{a:.*e}", sig.saturating_sub(1));
        match s.split_once('e') {
            Some((m, e)) => format!("{}e{e}", trim_zeros(m.to_string())),
            None => s,
        }
    } else {
        let digits = (sig as i32 - 1 - a.log10().floor() as i32).max(0) as usize;
        // Round to `sig` significant digits (also left of the point).
        let p = 10f64.powi(sig as i32 - 1 - a.log10().floor() as i32);
        let r = (a * p).round() / p;
        group_digits(&trim_zeros(format!("{r:.digits$}")))
    };
    if x < 0.0 { format!("−{body}") } else { body }
}

/// How the row labels are laid out.
#[derive(Clone, Copy, Debug, PartialEq)]
enum RowText {
    /// The key, and the held values on a second line.
    TwoLines,
    /// The key and the held values on one line, in fonts that fit the row.
    OneLine { key: Font, held: Font },
}

/// The tornado chart, ready to draw.
pub(crate) struct TornadoChart {
    pub(crate) stem: &'static str,
    pub(crate) heading: Heading,
    x_title: String,
    base: f64,
    bars: Vec<SwingBar>,
}

impl TornadoChart {
    fn new(d: &TornadoDigest) -> TornadoChart {
        let subtitle = if d.description.trim().is_empty() {
            format!("Median {} with each input held at its own P10 and P90, all others random", d.output)
        } else {
            d.description.clone()
        };
        let footer = format!(
            "{} per run · seed {} · common random numbers · revshare {}",
            paths_text(d.paths),
            d.seed,
            env!("CARGO_PKG_VERSION")
        );
        let x_title =
            if d.output_label.trim().is_empty() { format!("Median {} ($B)", d.output) } else { d.output_label.clone() };
        TornadoChart {
            stem: d.stem,
            heading: Heading {
                title: format!("{} — what moves the median {}", d.name, d.output),
                subtitle,
                overrides: d.overrides.clone(),
                footer,
            },
            x_title,
            base: d.base,
            bars: d.bars.clone(),
        }
    }

    fn legend(&self) -> Vec<LegendItem> {
        vec![
            LegendItem::new(Swatch::Band(LOW_FILL), "input at its P10"),
            LegendItem::new(Swatch::HatchedBand(high_fill(), high_hatch()), "input at its P90"),
            LegendItem::new(Swatch::Line(INK, 2.0, Stroke::Dashed), "base median (every input random)"),
        ]
    }

    /// The end labels of one bar, each `(value, text)`: one label, `$410B at
    /// both`, when both ends read the same.
    fn end_labels(bar: &SwingBar) -> Vec<(f64, String)> {
        let ends: Vec<(f64, String)> =
            [bar.at_low, bar.at_high].iter().filter(|v| v.is_finite()).map(|v| (*v, money(*v))).collect();
        if ends.len() == 2 && ends[0].1 == ends[1].1 {
            vec![(ends[0].0, format!("{} at both", ends[0].1))]
        } else {
            ends
        }
    }

    /// Draw on the whole image.
    pub(crate) fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, mode: TextMode) -> DrawResult<DB> {
        let c = Canvas::new(root, mode);
        c.clear()?;
        let top = c.heading(&self.heading)?;
        let bottom = c.footer(&self.heading.footer)?;
        let top = c.legend(&self.legend(), top)?;
        let m = c.margin();
        let base_ok = self.base.is_finite();

        // Vertical layout: a row for the base median's label above the plot,
        // the x axis below it.
        let label_row = c.line_height(LABEL_BOLD) + c.px(4.0);
        let plot_top = top + label_row + c.px(6.0);
        let plot_bottom = (bottom - c.px(12.0) - c.line_height(TICK) - c.line_height(AXIS_TITLE)).max(plot_top + 20.0);
        let n = self.bars.len().max(1);
        let row_h = (plot_bottom - plot_top) / n as f64;

        // Row labels: two lines where the rows are tall enough, else one.
        let (ek, eh) = (c.font_px(TICK), c.font_px(HELD));
        let two_lines = 0.74 * ek + eh * 1.2 + 0.24 * eh + c.px(6.0);
        let row_text = if row_h >= two_lines {
            RowText::TwoLines
        } else {
            let key = (row_h / 1.2 / c.scale).min(TICK.size);
            RowText::OneLine {
                key: Font { size: key, bold: false },
                held: Font { size: HELD.size.min(key), bold: false },
            }
        };
        let (key_font, held_font) = match row_text {
            RowText::TwoLines => (TICK, HELD),
            RowText::OneLine { key, held } => (key, held),
        };
        // Bar-end labels no larger than the keys, so that they fit short rows.
        let end_font = Font { size: LABEL.size.min(key_font.size), bold: false };
        let helds: Vec<String> = self.bars.iter().map(|b| held_text(b.low_value, b.high_value)).collect();
        let gap = c.px(12.0);
        let col_max = (c.width * 0.4).min(c.width - 2.0 * m - c.px(160.0)).max(c.px(40.0));
        let want = self
            .bars
            .iter()
            .zip(&helds)
            .map(|(b, h)| {
                let (k, v) = (c.text_width(&b.input, key_font), c.text_width(h, held_font));
                match row_text {
                    RowText::TwoLines => k.max(v),
                    RowText::OneLine { .. } => k + gap + v,
                }
            })
            .fold(0.0, f64::max);
        let col = want.min(col_max);
        let left = m + col + c.px(16.0);
        let mut right = (c.width - m).max(left + 20.0);

        // The x axis: every end and the base, widened until the end labels
        // fit between the plot's edges.
        let mut lo = if base_ok { self.base } else { f64::INFINITY };
        let mut hi = if base_ok { self.base } else { f64::NEG_INFINITY };
        for b in &self.bars {
            for v in [b.at_low, b.at_high].into_iter().filter(|v| v.is_finite()) {
                lo = lo.min(v);
                hi = hi.max(v);
            }
        }
        if !lo.is_finite() {
            (lo, hi) = (0.0, 1.0);
        }
        let mut xa = self.fit_axis(&c, end_font, left, right, lo, hi);
        // The last tick label is centred on the right edge: keep it in the image.
        let last_w = xa.ticks.last().map_or(0.0, |t| c.text_width(&money_tick(*t, xa.step), TICK));
        let fitted = right.min(c.width - m * 0.5 - last_w / 2.0).max(left + 20.0);
        if fitted < right {
            right = fitted;
            xa = self.fit_axis(&c, end_font, left, right, lo, hi);
        }
        let xs = Scale { lo: xa.lo, hi: xa.hi, p0: left, p1: right };
        let rows = Scale { lo: 0.0, hi: n as f64, p0: plot_top, p1: plot_bottom };

        // Stripes and the vertical grid.
        for i in (1..self.bars.len()).step_by(2) {
            let y = rows.px(i as f64 + 0.5);
            c.fill_rect((left, y - row_h / 2.0), (right, y + row_h / 2.0), palette::tint(GRID, 0.4))?;
        }
        for t in &xa.ticks {
            let x = xs.px(*t);
            c.path(&[(x, plot_top), (x, plot_bottom)], GRID, 1.0, Stroke::Solid)?;
        }

        // The bars and their labels.
        let thick = (row_h * 0.6).min(c.px(40.0)).max(2.0);
        let base_x = if base_ok { xs.px(self.base) } else { xs.px(lo) };
        for (i, (b, held)) in self.bars.iter().zip(&helds).enumerate() {
            let y = rows.px(i as f64 + 0.5);
            self.draw_row_label(&c, &b.input, held, row_text, left - c.px(16.0), col, y)?;
            let ends = [(b.at_low, true), (b.at_high, false)];
            // The farther half first, so that the nearer one shows over it.
            let mut order: Vec<(f64, bool)> = ends.iter().copied().filter(|(v, _)| v.is_finite()).collect();
            order.sort_by(|a, b| (xs.px(b.0) - base_x).abs().total_cmp(&(xs.px(a.0) - base_x).abs()));
            for (v, is_low) in order {
                let x = xs.px(v);
                let (a, z) = ((base_x, y - thick / 2.0), (x, y + thick / 2.0));
                if (x - base_x).abs() < 1.0 {
                    // No swing on this side: a hairline, so that it still shows.
                    let col = if is_low { LOW_FILL } else { high_hatch() };
                    c.path(&[(base_x, a.1), (base_x, z.1)], col, 3.0, Stroke::Solid)?;
                } else if is_low {
                    c.fill_rect(a, z, LOW_FILL)?;
                } else {
                    c.fill_rect(a, z, high_fill())?;
                    c.hatch(a, z, high_hatch(), 8.0, 1.2)?;
                    c.path(&[a, (z.0, a.1), z, (a.0, z.1), a], high_hatch(), 1.0, Stroke::Solid)?;
                }
            }
            let fl = c.font_px(end_font);
            for (_, place, text) in self.placed_labels(b, &xs) {
                let (x, h) = match place {
                    HPos::Right => (self.label_x(b, &xs, true) - c.px(6.0), HPos::Right),
                    _ => (self.label_x(b, &xs, false) + c.px(6.0), HPos::Left),
                };
                c.text(&text, x, y + fl * 0.36, end_font, INK, h)?;
            }
        }

        // The base median, the x axis and the title.
        if base_ok {
            c.path(&[(base_x, plot_top - c.px(4.0)), (base_x, plot_bottom)], INK, 2.0, Stroke::Dashed)?;
            let text = format!("base median {}", money(self.base));
            let w = c.text_width(&text, LABEL_BOLD);
            let x = (base_x - w / 2.0).clamp(m, (c.width - m - w).max(m));
            c.text(&text, x, plot_top - c.px(10.0), LABEL_BOLD, INK, HPos::Left)?;
        }
        c.path(&[(left, plot_bottom), (right, plot_bottom)], AXIS, 1.5, Stroke::Solid)?;
        let th = c.font_px(TICK);
        let label_y = plot_bottom + c.px(10.0) + th;
        let tick = c.px(7.0);
        for t in &xa.ticks {
            let x = xs.px(*t);
            c.path(&[(x, plot_bottom), (x, plot_bottom + tick)], AXIS, 1.5, Stroke::Solid)?;
            c.text(&money_tick(*t, xa.step), x, label_y, TICK, MUTED, HPos::Center)?;
        }
        // The title centred under the plot, moved left where it would run off the image.
        let t = c.fit_title(&self.x_title, AXIS_TITLE, c.width - 2.0 * m);
        let tw = c.text_width(&t, AXIS_TITLE);
        let tx = ((left + right) / 2.0).min(c.width - m - tw / 2.0).max(m + tw / 2.0);
        c.text(&t, tx, label_y + c.line_height(AXIS_TITLE), AXIS_TITLE, INK, HPos::Center)?;
        if self.bars.is_empty() {
            c.note("No uncertain inputs to vary.", (left + right) / 2.0, (plot_top + plot_bottom) / 2.0, right - left)?;
        }
        Ok(())
    }

    /// An x axis over [lo, hi] for a plot from `left` to `right`, widened
    /// (a few times at most) until every bar's end labels fit inside it.
    fn fit_axis<DB: DrawingBackend>(
        &self,
        c: &Canvas<'_, DB>,
        font: Font,
        left: f64,
        right: f64,
        lo: f64,
        hi: f64,
    ) -> ValueAxis {
        let max_ticks = ((right - left) / c.px(110.0)).floor().clamp(2.0, 10.0) as usize;
        let pad = c.px(8.0);
        let mut xa = ValueAxis::new(lo, hi, max_ticks, Unit::Money);
        for _ in 0..4 {
            let per = (right - left) / (xa.hi - xa.lo).max(f64::MIN_POSITIVE);
            let xs = Scale { lo: xa.lo, hi: xa.hi, p0: left, p1: right };
            let (mut need_lo, mut need_hi) = (lo, hi);
            for b in &self.bars {
                for (v, place, text) in self.placed_labels(b, &xs) {
                    let w = (c.text_width(&text, font) + pad) / per;
                    match place {
                        HPos::Right => need_lo = need_lo.min(v - w),
                        _ => need_hi = need_hi.max(v + w),
                    }
                }
            }
            if need_lo >= xa.lo && need_hi <= xa.hi {
                break;
            }
            xa = ValueAxis::new(need_lo.min(xa.lo), need_hi.max(xa.hi), max_ticks, Unit::Money);
        }
        xa
    }

    /// The x of the left (`left`) or right end of a bar, base included.
    fn label_x(&self, b: &SwingBar, xs: &Scale, left: bool) -> f64 {
        let xs: Vec<f64> =
            [self.base, b.at_low, b.at_high].iter().filter(|v| v.is_finite()).map(|v| xs.px(*v)).collect();
        if left {
            xs.iter().copied().fold(f64::INFINITY, f64::min)
        } else {
            xs.iter().copied().fold(f64::NEG_INFINITY, f64::max)
        }
    }

    /// Where the end labels of a bar go: `(value, side, text)`, `Right`
    /// for right-aligned left of the bar, `Left` for left-aligned right of
    /// it. Each end is labelled outside its own end of the bar; when both
    /// ends lie on one side of the base, the nearer end's label joins the
    /// farther one's, in the order of their values along the axis.
    fn placed_labels(&self, b: &SwingBar, xs: &Scale) -> Vec<(f64, HPos, String)> {
        let labels = Self::end_labels(b);
        let base = if self.base.is_finite() { xs.px(self.base) } else { f64::NAN };
        match labels.as_slice() {
            [] => Vec::new(),
            [(v, t)] => {
                let side = if xs.px(*v) < base - 0.5 { HPos::Right } else { HPos::Left };
                vec![(*v, side, t.clone())]
            }
            [(a, ta), (z, tz)] => {
                let (pa, pz) = (xs.px(*a), xs.px(*z));
                let (lo, tlo, hi, thi) = if pa <= pz { (*a, ta, *z, tz) } else { (*z, tz, *a, ta) };
                let (plo, phi) = (pa.min(pz), pa.max(pz));
                if base.is_nan() || (plo <= base + 0.5 && phi >= base - 0.5) {
                    // Straddling the base (or touching it): one label at each end.
                    vec![(lo, HPos::Right, tlo.clone()), (hi, HPos::Left, thi.clone())]
                } else if plo > base {
                    vec![(hi, HPos::Left, format!("{tlo} · {thi}"))]
                } else {
                    vec![(lo, HPos::Right, format!("{tlo} · {thi}"))]
                }
            }
            _ => Vec::new(),
        }
    }

    /// The key of a row and the values its input was held at, right-aligned
    /// at `x` within `width`, centred on `y`.
    #[allow(clippy::too_many_arguments)]
    fn draw_row_label<DB: DrawingBackend>(
        &self,
        c: &Canvas<'_, DB>,
        key: &str,
        held: &str,
        row_text: RowText,
        x: f64,
        width: f64,
        y: f64,
    ) -> DrawResult<DB> {
        match row_text {
            RowText::TwoLines => {
                let (ek, eh) = (c.font_px(TICK), c.font_px(HELD));
                let block = 0.74 * ek + eh * 1.2 + 0.24 * eh;
                let key_y = y - block / 2.0 + 0.74 * ek;
                c.text(&c.fit(key, TICK, width), x, key_y, TICK, INK, HPos::Right)?;
                c.text(&c.fit(held, HELD, width), x, key_y + eh * 1.2, HELD, MUTED, HPos::Right)
            }
            RowText::OneLine { key: kf, held: hf } => {
                let gap = c.px(12.0);
                let (kw, hw) = (c.text_width(key, kf), c.text_width(held, hf));
                let ky = y + c.font_px(kf) * 0.36;
                if kw + gap + hw <= width + 0.5 {
                    c.text(held, x, ky, hf, MUTED, HPos::Right)?;
                    c.text(key, x - hw - gap, ky, kf, INK, HPos::Right)
                } else {
                    c.text(&c.fit(key, kf, width), x, ky, kf, INK, HPos::Right)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::charts::ChartFormat;
    use crate::export::charts::test_support::{colours, xml};

    fn bar(input: &str, low: f64, high: f64, at_low: f64, at_high: f64) -> SwingBar {
        SwingBar { input: input.to_string(), low_value: low, high_value: high, at_low, at_high }
    }

    fn digest(bars: Vec<SwingBar>) -> TornadoDigest {
        TornadoDigest {
            stem: "tornado",
            name: "amended-2026".to_string(),
            description: "The amended deal & its <cap> \"terms\"".to_string(),
            overrides: String::new(),
            output: "pv_total".to_string(),
            output_label: "Median present value of everything the holder gets ($B)".to_string(),
            base: 410.0,
            bars,
            paths: 100_000,
            seed: 7,
        }
    }

    fn typical() -> TornadoDigest {
        digest(vec![
            bar("revenue.growth_shift", 0.27, 0.31, 352.0, 471.0),
            bar("equity.multiple", 22.0, 38.0, 371.0, 452.0),
            bar("revenue_share.cap", 27.5, 42.5, 396.0, 426.0),
            bar("discount_rate", 0.085, 0.115, 418.0, 401.5),
            bar("equity.dilution.2027.fraction", 0.053, 0.077, 412.0, 408.0),
        ])
    }

    /// Write a PNG for a person to look at when `TORNADO_CHART_DIR` is set.
    fn keep(name: &str, bytes: &[u8]) {
        if let Ok(dir) = std::env::var("TORNADO_CHART_DIR") {
            std::fs::write(std::path::Path::new(&dir).join(name.replace(' ', "_")), bytes).unwrap();
        }
    }

    #[test]
    fn the_tornado_chart_draws_in_both_formats() {
        let d = typical();
        let opts = ChartOptions::new(1600, 900, &[ChartFormat::Svg, ChartFormat::Png]);
        let files = tornado_charts(&d, &opts).unwrap();
        keep("tornado.png", &files[0].bytes);
        let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["tornado.png", "tornado.svg"]);
        let svg = String::from_utf8(files[1].bytes.clone()).unwrap();
        assert!(svg.starts_with("<svg width=\"1600\" height=\"900\""));
        assert!(svg.contains("amended-2026 — what moves the median pv_total"), "title");
        assert!(svg.contains(&xml(&d.description)), "subtitle");
        assert!(svg.contains("Median present value of everything the holder gets ($B)"), "x axis title");
        assert!(svg.contains("input at its P10") && svg.contains("input at its P90"), "legend");
        assert!(svg.contains("base median $410B"), "base line label");
        for key in ["revenue.growth_shift", "equity.multiple", "discount_rate", "equity.dilution.2027.fraction"] {
            assert!(svg.contains(key), "row label {key}");
        }
        assert!(svg.contains("P10 0.27 → P90 0.31") && svg.contains("P10 22 → P90 38"), "held values");
        for end in ["$352B", "$471B", "$402B", "$418B"] {
            assert!(svg.contains(end), "bar end {end}");
        }
        assert!(svg.contains("100,000 paths per run · seed 7 · common random numbers · revshare "), "footer");
        let (w, h, all, coloured) = colours(&files[0].bytes);
        assert_eq!((w, h), (1600, 900));
        assert!(all >= 8 && coloured >= 4, "{all} colours, {coloured} not grey");
    }

    #[test]
    fn the_tornado_chart_is_deterministic() {
        let d = typical();
        let opts = ChartOptions::new(1600, 900, &[ChartFormat::Png, ChartFormat::Svg]);
        assert_eq!(tornado_charts(&d, &opts).unwrap(), tornado_charts(&d, &opts).unwrap());
    }

    #[test]
    fn held_values_are_compact_and_distinct() {
        assert_eq!(held_text(0.27, 0.31), "P10 0.27 → P90 0.31");
        assert_eq!(held_text(0.2712345, 0.3098765), "P10 0.271 → P90 0.31");
        assert_eq!(held_text(1000.2, 1000.4), "P10 1,000.2 → P90 1,000.4");
        assert_eq!(held_text(27.5, 42.5), "P10 27.5 → P90 42.5");
        assert_eq!(held_text(-0.05, 0.0), "P10 −0.05 → P90 0");
        assert_eq!(held_text(12345.0, 67890.0), "P10 12,300 → P90 67,900");
        assert_eq!(compact(1.5e-7, 3), "1.5e-7");
        assert_eq!(compact(f64::NAN, 3), "–");
    }

    #[test]
    fn odd_tornadoes_draw_without_panicking() {
        let long = "revenue.segments.enterprise_and_public_sector_cloud.growth_shift_after_2030";
        let many: Vec<SwingBar> = (0..15)
            .map(|i| {
                let s = 60.0 / f64::from(i + 1);
                bar(
                    &format!("input.number_{i}"),
                    0.1 * f64::from(i),
                    0.1 * f64::from(i) + 0.05,
                    410.0 - s,
                    410.0 + s * 0.7,
                )
            })
            .collect();
        let cases: Vec<(&str, Vec<SwingBar>)> = vec![
            ("empty", Vec::new()),
            ("one", vec![bar("revenue.growth_shift", 0.27, 0.31, 352.0, 471.0)]),
            (
                "zero swing",
                vec![bar("equity.multiple", 22.0, 38.0, 380.0, 440.0), bar("discount_rate", 0.1, 0.1, 410.0, 410.0)],
            ),
            ("flat off base", vec![bar("a.b", 1.0, 2.0, 395.0, 395.0)]),
            (
                "one side",
                vec![bar("revenue_share.cap", 27.5, 42.5, 430.0, 470.0), bar("equity.stake", 0.2, 0.3, 405.0, 380.0)],
            ),
            ("many", many),
            ("long key", vec![bar(long, 0.001, 0.0015, 300.0, 520.0), bar("x", 1.0, 2.0, 400.0, 415.0)]),
            ("nan", vec![bar("nan.input", f64::NAN, 1.0, f64::NAN, 420.0), bar("ok", 1.0, 2.0, 405.0, 415.0)]),
        ];
        for (what, bars) in cases {
            let d = digest(bars);
            for (w, h) in [(1600, 900), super::super::MIN_SIZE, (900, 1600), (3200, 1800)] {
                let opts = ChartOptions::new(w, h, &[ChartFormat::Png, ChartFormat::Svg]);
                let files = tornado_charts(&d, &opts).unwrap_or_else(|e| panic!("{what}: {e}"));
                keep(&format!("{what}-{w}x{h}.png"), &files[0].bytes);
                let (pw, ph, all, _) = colours(&files[0].bytes);
                assert_eq!((pw, ph), (w, h), "{what}");
                assert!(all >= 4, "{what} at {w}x{h}: {all} colours");
                let svg = String::from_utf8(files[1].bytes.clone()).unwrap();
                assert!(svg.contains("what moves the median"), "{what}");
                match what {
                    "empty" => assert!(svg.contains("No uncertain inputs to vary."), "{what}"),
                    "zero swing" => assert!(svg.contains("$410B at both"), "{what}"),
                    "one side" => assert!(svg.contains("$430B · $470B") && svg.contains("$380B · $405B"), "{what}"),
                    _ => {}
                }
            }
        }
        let nan_base = TornadoDigest { base: f64::NAN, ..typical() };
        let opts = ChartOptions::new(1600, 900, &[ChartFormat::Png, ChartFormat::Svg]);
        tornado_charts(&nan_base, &opts).unwrap();
    }
}
