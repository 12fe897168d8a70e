//! Histograms of a path summary (MODEL.md §7: `pv_total`, `total_share`):
//! the share of paths in each bin, from the run's full summary sketch, with
//! the P5, median, P95 and mean marked and labelled with their values.

use plotters::coord::Shift;
use plotters::prelude::{DrawingArea, DrawingBackend};
use plotters::style::RGBColor;
use plotters::style::text_anchor::HPos;

use super::axes::{Axes, Reserve, Unit, VMarker, ValueAxis, XAxis, marker_rows, marker_space, nice_step};
use super::canvas::{Canvas, DrawResult, LABEL, LABEL_BOLD, LegendItem, Stroke, Swatch, TextMode};
use super::palette::{self, BLUE, INK, MUTED, SKY_BLUE, VERMILLION, WHITE};
use super::{Heading, grouped, money, percent, scenario_heading};
use crate::export::RunReport;
use crate::model::Summary;
use crate::stats::Sketch;

/// A histogram, ready to draw.
#[derive(Clone, Debug)]
pub(crate) struct HistogramChart {
    pub stem: &'static str,
    pub heading: Heading,
    pub x_title: String,
    /// The bins, the share of paths outside them and the x range shown.
    pub bins: Bins,
    pub markers: Vec<VMarker>,
    /// A remark on a bar: (x value inside the bar, text).
    pub spike: Option<(f64, String)>,
    /// The distribution the bins count, so that they can be counted again
    /// over the whole axis once its nice ends are known (no empty stretch
    /// of axis beside paths said to lie beyond the range shown).
    pub sketch: Box<Sketch>,
}

/// Bins are the nice width at or above the range over this many: between
/// about 35 and 75 bins.
const BINS: f64 = 75.0;

/// Bins of a distribution and the x range to show them in.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Bins {
    /// (low edge, high edge, share of all paths).
    pub bins: Vec<(f64, f64, f64)>,
    /// The bins' width, the nice number itself: edge k is k·`step` (a
    /// difference of two edges can be off in its last bits, and edges
    /// counted from that miss a pile at the cap that lies on the last one).
    pub step: f64,
    /// Share of paths outside the bins.
    pub outside: f64,
    /// The x range to show.
    pub range: (f64, f64),
}

/// Bins of a sketch: edges at multiples of a nice width covering the data
/// (or up to P0.5 and P99.5 when the tails are long, extended to `must_show`),
/// and the share of paths in each. A single value gets one narrow bar in
/// the middle of a range around it.
pub(crate) fn bins(sketch: &Sketch, must_show: &[f64]) -> Bins {
    let n = sketch.count();
    if n == 0 {
        return Bins { bins: Vec::new(), step: 1.0, outside: 0.0, range: (0.0, 1.0) };
    }
    let (min, max) = (sketch.min(), sketch.max());
    if min == max {
        let v = min;
        let pad = if v == 0.0 { 1.0 } else { v.abs() * 0.1 };
        let (lo, hi) = if v >= 0.0 && v - pad < 0.0 { (0.0, v + pad) } else { (v - pad, v + pad) };
        let w = nice_step((hi - lo) / BINS);
        let bar = if v - w / 2.0 < lo { (lo, lo + w, 1.0) } else { (v - w / 2.0, v + w / 2.0, 1.0) };
        return Bins { bins: vec![bar], step: w, outside: 0.0, range: (lo, hi) };
    }
    // Long tails would squash the bars into a corner: each side stops at
    // P0.5 or P99.5 when the extreme lies much further out.
    let (q_lo, q_hi) = (sketch.quantile(0.005), sketch.quantile(0.995));
    let core = q_hi - q_lo;
    let mut lo = if core > 0.0 && q_lo - min > 0.25 * core { q_lo } else { min };
    let mut hi = if core > 0.0 && max - q_hi > 0.25 * core { q_hi } else { max };
    for v in must_show.iter().filter(|v| v.is_finite()) {
        lo = lo.min(*v);
        hi = hi.max(*v);
    }
    let step = nice_step((hi - lo) / BINS);
    let first = (lo / step).floor();
    let mut count = ((hi / step).ceil() - first).max(1.0);
    // The last edge as `counted` works it out, at or above the largest
    // value (bins hold (low, high]): a pile at the cap is the last bar.
    if (first + count) * step < hi {
        count += 1.0;
    }
    let (bins, outside) = counted(sketch, first, count.min(400.0) as usize, step);
    let range = (bins[0].0, bins[bins.len() - 1].1);
    Bins { bins, step, outside, range }
}

/// `count` bins of width `step` from `first`·`step` on, each with its share
/// of the paths of `sketch`, and the share outside them all.
fn counted(sketch: &Sketch, first: f64, count: usize, step: f64) -> (Vec<(f64, f64, f64)>, f64) {
    let edges: Vec<f64> = (0..=count).map(|i| (first + i as f64) * step).collect();
    let counts = sketch.histogram(&edges);
    let n = sketch.count();
    let total = n as f64;
    let bins = edges.windows(2).zip(&counts).map(|(e, c)| (e[0], e[1], *c as f64 / total)).collect();
    (bins, n.saturating_sub(counts.iter().sum()) as f64 / total)
}

/// Build the histogram of summary `s` (`pv_total` or `total_share`).
pub(crate) fn summary(r: &RunReport<'_>, s: Summary) -> HistogramChart {
    let sc = r.scenario;
    let stat = r.result.summary(s);
    let sketch = r.result.summary_sketch(s);
    let p = stat.percentiles;
    let bins = bins(sketch, &[p[0], p[6], stat.mean]);
    let rate = percent(sc.discount_rate);
    let (stem, quantity, x_title) = match s {
        Summary::PvTotal => (
            "pv_total",
            "present value of everything the holder gets",
            if sc.discount_rate > 0.0 {
                format!("Net revenue-share payments plus final equity exposure, discounted at {rate} a year ($B)")
            } else {
                "Net revenue-share payments plus final equity exposure, not discounted ($B)".to_string()
            },
        ),
        _ => (
            "total_share",
            "total revenue-share payments",
            format!("Paid over {}–{}, not discounted ($B)", sc.first_year(), sc.share_last_year()),
        ),
    };
    let markers = value_markers(&[
        ("P5", p[0], MUTED, 2.0, Stroke::Dashed, 0),
        ("median", p[3], palette::shade(BLUE, 0.25), 3.0, Stroke::Solid, 2),
        ("P95", p[6], MUTED, 2.0, Stroke::Dashed, 0),
        ("mean", stat.mean, VERMILLION, 2.5, Stroke::DashDot, 1),
    ]);
    let spike = match (&sc.revenue_share.cap, s) {
        (Some(cap), Summary::TotalShare) if cap.is_fixed() => {
            let hit = r.result.summary(Summary::CapHit).mean;
            let v = cap.quantile(0.5);
            (hit > 0.0).then(|| (v, format!("{} of paths pay the full {} cap", percent(hit), money(v))))
        }
        _ => None,
    };
    let spike = spike.or_else(|| {
        (sketch.min() == sketch.max()).then(|| {
            let all = if r.result.paths == 1 {
                "the only path".to_string()
            } else {
                format!("all {} paths", grouped(r.result.paths))
            };
            (sketch.min(), format!("{all}: {}", money(sketch.min())))
        })
    });
    HistogramChart {
        stem,
        heading: scenario_heading(r, quantity),
        x_title,
        bins,
        markers,
        spike,
        sketch: Box::new(sketch.clone()),
    }
}

/// Bins of `b`'s width over the whole of `lo..hi` (an axis drawn around
/// them, so its ends lie at or beyond theirs), counted in `sketch`, and the
/// share of paths outside them. `b`'s bins and their `outside` as they were
/// when the axis adds nothing (or shows a single value's one bar).
fn over_axis(sketch: &Sketch, b: &Bins, lo: f64, hi: f64) -> (Vec<(f64, f64, f64)>, f64) {
    let (bins, outside, step) = (&b.bins, b.outside, b.step);
    let kept = || (bins.clone(), outside);
    let (Some(first), Some(last)) = (bins.first(), bins.last()) else { return kept() };
    if sketch.min() == sketch.max() || step <= 0.0 {
        return kept();
    }
    // Edges at multiples of the bins' width within the axis, the bins'
    // own among them.
    let k0 = (lo / step - 1e-9).ceil().min((first.0 / step).round());
    let k1 = (hi / step + 1e-9).floor().max((last.1 / step).round());
    if k1 - k0 > 400.0 || k1 <= k0 {
        return kept();
    }
    counted(sketch, k0, (k1 - k0) as usize, step)
}

/// Labelled markers for (name, value, colour, width, dash, priority); values
/// that read the same (`$38B`) share one line, labelled `P5, median $38B`
/// and drawn in the style of the highest priority.
fn value_markers(items: &[(&str, f64, RGBColor, f64, Stroke, u8)]) -> Vec<VMarker> {
    let mut merged: Vec<(Vec<&str>, f64, usize)> = Vec::new();
    for (i, (name, value, ..)) in items.iter().enumerate() {
        match merged.iter_mut().find(|m| money(m.1) == money(*value)) {
            Some(m) => {
                m.0.push(name);
                if items[i].5 > items[m.2].5 {
                    m.2 = i;
                }
            }
            None => merged.push((vec![name], *value, i)),
        }
    }
    merged
        .into_iter()
        .map(|(names, value, style)| {
            let (_, _, color, width, dash, priority) = items[style];
            VMarker {
                x: value,
                label: format!("{} {}", names.join(", "), money(value)),
                color,
                width,
                dash,
                bold: priority == 2,
            }
        })
        .collect()
}

impl HistogramChart {
    /// Draw on the whole image.
    pub fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, mode: TextMode) -> DrawResult<DB> {
        let c = Canvas::new(root, mode);
        c.clear()?;
        let top = c.heading(&self.heading)?;
        let bottom = c.footer(&self.heading.footer)?;
        let bar = SKY_BLUE;
        let width = self.bins.step;
        let legend = vec![
            LegendItem::new(Swatch::Band(bar), format!("share of paths per {} bin", money(width))),
            LegendItem::new(Swatch::Line(palette::shade(BLUE, 0.25), 3.0, Stroke::Solid), "median"),
            LegendItem::new(Swatch::Line(VERMILLION, 2.5, Stroke::DashDot), "mean"),
            LegendItem::new(Swatch::Line(MUTED, 2.0, Stroke::Dashed), "P5 and P95"),
        ];
        let top = c.legend(&legend, top)?;
        let (x_lo, x_hi) = self.bins.range;
        // One bar far above the rest (a pile at the cap) is cut short, so
        // that the rest of the distribution shows; its share is written.
        let heights = |bins: &[(f64, f64, f64)]| {
            let tallest = (0..bins.len()).max_by(|a, b| bins[*a].2.total_cmp(&bins[*b].2));
            let top_share = tallest.map_or(0.0, |i| bins[i].2);
            let second =
                bins.iter().enumerate().filter(|(i, _)| Some(*i) != tallest).map(|(_, b)| b.2).fold(0.0, f64::max);
            let cut = top_share > 0.25 && second > 0.0 && top_share > 4.0 * second;
            (tallest, top_share, cut, if cut { second * 1.5 } else { top_share })
        };
        let (_, _, _, y_hi) = heights(&self.bins.bins);
        let y_title = "Share of paths (%)";
        let probe_x = XAxis::Values(ValueAxis::new(x_lo, x_hi, 9, Unit::Money));
        let mut reserve = Reserve::default();
        let probe = Axes::layout(&c, top, bottom, probe_x, 0.0, y_hi, Unit::Percent, &self.x_title, y_title, reserve);
        let max_x_ticks = ((probe.right - probe.left) / c.px(110.0)).floor().clamp(3.0, 10.0) as usize;
        let x = ValueAxis::new(x_lo, x_hi, max_x_ticks, Unit::Money);
        // The bins over the whole axis, and what still lies beyond it.
        let (bins, outside) = over_axis(&self.sketch, &self.bins, x.lo, x.hi);
        let (tallest, top_share, cut, y_hi) = heights(&bins);
        reserve.top = marker_space(&c, marker_rows(&c, &self.markers, probe.left, probe.right, x.lo, x.hi));
        let axes =
            Axes::layout(&c, top, bottom, XAxis::Values(x), 0.0, y_hi, Unit::Percent, &self.x_title, y_title, reserve);
        axes.grid(&c)?;
        let gap = c.px(1.0);
        for (i, (lo, hi, share)) in bins.iter().enumerate() {
            if *share <= 0.0 {
                continue;
            }
            let (x0, y0) = axes.at(*lo, share.min(axes.y.hi));
            let (x1, y1) = axes.at(*hi, 0.0);
            let (x0, x1) = if x1 - x0 > 4.0 * gap { (x0 + gap, x1 - gap) } else { (x0, x1) };
            // A bar holding a handful of paths still shows.
            let y0 = y0.min(y1 - 1.0);
            c.fill_rect((x0, y0), (x1, y1), bar)?;
            if cut && Some(i) == tallest {
                // A break: a white slanted gap near the top of the bar.
                let y = axes.top + (axes.bottom - axes.top) * 0.12;
                let d = c.px(7.0);
                let pad = c.px(4.0);
                c.polygon(
                    &[
                        (x0 - pad, y + d),
                        (x1 + pad, y - d),
                        (x1 + pad, y - d + c.px(7.0)),
                        (x0 - pad, y + d + c.px(7.0)),
                    ],
                    WHITE,
                )?;
            }
        }
        axes.frame(&c)?;
        axes.vertical_markers(&c, &self.markers)?;
        let tall = tallest.map(|i| bins[i]);
        let annotation = match (&self.spike, cut) {
            (Some((_, text)), true) => Some(format!("{text} (bar cut short)")),
            (Some((_, text)), false) => Some(text.clone()),
            (None, true) => Some(format!("{} of paths in this bar (cut short)", percent(top_share))),
            (None, false) => None,
        };
        let right_half = tall.is_some_and(|b| axes.xs.px(b.0) > (axes.left + axes.right) / 2.0);
        if let (Some(text), Some(b)) = (annotation, tall) {
            let (xl, yt) = axes.at(b.0, b.2.min(axes.y.hi));
            let xr = axes.xs.px(b.1);
            let y = (yt + c.font_px(LABEL_BOLD) * 1.6).min(axes.bottom - c.px(10.0));
            let w = c.text_width(&text, LABEL_BOLD);
            let (x, h, left) = if right_half {
                (xl - c.px(12.0), HPos::Right, xl - c.px(12.0) - w)
            } else {
                (xr + c.px(12.0), HPos::Left, xr + c.px(12.0))
            };
            let em = c.font_px(LABEL_BOLD);
            c.fill_rect((left - c.px(4.0), y - em), (left + w + c.px(4.0), y + em * 0.3), WHITE)?;
            c.text(&text, x, y, LABEL_BOLD, INK, h)?;
        }
        if outside > 0.0 {
            // In the top corner away from the tallest bar.
            let remark = format!("{} of paths lie beyond the range shown", percent(outside));
            let y = axes.top + c.font_px(LABEL) * 1.3;
            let t = c.fit(&remark, LABEL, (axes.right - axes.left) / 2.0);
            if right_half {
                c.text(&t, axes.left + c.px(10.0), y, LABEL, MUTED, HPos::Left)?;
            } else {
                c.text(&t, axes.right - c.px(10.0), y, LABEL, MUTED, HPos::Right)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_hold_every_path_and_the_cap_pile() {
        let mut s = Sketch::new();
        for i in 0..1000 {
            s.add(if i < 400 { 38.0 } else { 10.0 + f64::from(i) * 0.02 });
        }
        let Bins { bins: b, outside, range, .. } = bins(&s, &[]);
        assert_eq!(outside, 0.0);
        assert!(range.0 <= 18.0 && range.1 >= 38.0);
        let total: f64 = b.iter().map(|x| x.2).sum();
        assert!((total - 1.0).abs() < 1e-9, "{total}");
        let at_cap = b.iter().find(|x| x.0 < 38.0 && 38.0 <= x.1).unwrap();
        assert!(at_cap.2 >= 0.4);
        assert!(b.len() >= 20 && b.len() <= 120, "{}", b.len());
    }

    /// Bins counted again over a wider axis keep their own bars, add the
    /// stretches the axis shows beside them (paths that the narrower bins
    /// left outside), and account for every path.
    #[test]
    fn bins_fill_the_whole_axis() {
        let mut s = Sketch::new();
        // A long right tail: the bins stop at P99.5.
        for i in 0..10_000 {
            let u = (f64::from(i) + 0.5) / 10_000.0;
            s.add(10.0 * (1.0 - u).ln().abs());
        }
        let b = bins(&s, &[]);
        assert!(b.outside > 0.0 && b.range.1 < s.max(), "{:?} {}", b.range, s.max());
        let step = b.bins[0].1 - b.bins[0].0;
        let wider = (b.range.0 - 2.0 * step, b.range.1 + 10.0 * step);
        let (filled, outside) = over_axis(&s, &b, wider.0, wider.1);
        assert!(filled.first().unwrap().0 <= b.range.0 && filled.last().unwrap().1 >= wider.1 - 1e-9);
        for bar in &b.bins {
            assert!(filled.iter().any(|f| (f.0 - bar.0).abs() < 1e-9 && f.2 == bar.2), "{bar:?} kept");
        }
        assert!(outside < b.outside, "{outside} against {}", b.outside);
        let total: f64 = filled.iter().map(|f| f.2).sum::<f64>() + outside;
        assert!((total - 1.0).abs() < 1e-9, "{total}");
        // An axis that adds nothing leaves the bins as they were.
        assert_eq!(over_axis(&s, &b, b.range.0, b.range.1), (b.bins.clone(), b.outside));
    }

    /// A pile at the cap, the largest value, is in a bar (the bins' last)
    /// whatever the other values' range, also once the bins are counted
    /// again over the axis drawn (amended-2026's chart showed its 98% of paths at the
    /// $38B cap as "beyond the range shown": the bins' width, taken as a
    /// difference of two edges, came out a few units of 1e-15 short, and
    /// the last edge fell just below $38B).
    #[test]
    fn a_pile_at_the_cap_is_the_last_bar() {
        use super::super::axes::Unit;
        for cap in [38.0, 45.0, 50.7, 1.3] {
            for k in 0..60 {
                let low = cap * (0.5 + f64::from(k) * 0.008);
                let mut s = Sketch::new();
                for i in 0..10_000 {
                    s.add(if i < 9_000 { cap } else { low + (cap - low) * f64::from(i - 9_000) / 1_000.0 });
                }
                let b = bins(&s, &[]);
                let x = ValueAxis::new(b.range.0, b.range.1, 9, Unit::Money);
                let (drawn, outside) = over_axis(&s, &b, x.lo, x.hi);
                for (what, bars, outside) in [("bins", &b.bins, b.outside), ("over the axis", &drawn, outside)] {
                    let at_cap = bars.iter().find(|bar| bar.0 < cap && cap <= bar.1);
                    let held = at_cap.map_or(0.0, |bar| bar.2);
                    assert!(
                        held >= 0.9 && outside < 0.01,
                        "cap {cap}, low {low}, {what}: {at_cap:?}, {outside} outside"
                    );
                }
            }
        }
    }

    #[test]
    fn equal_values_share_a_marker() {
        let m = value_markers(&[
            ("P5", 38.0, MUTED, 2.0, Stroke::Dashed, 0),
            ("median", 38.0, BLUE, 3.0, Stroke::Solid, 2),
            ("P95", 38.0, MUTED, 2.0, Stroke::Dashed, 0),
            ("mean", 37.9, VERMILLION, 2.5, Stroke::DashDot, 1),
        ]);
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].label, "P5, median, P95 $38B");
        assert_eq!(m[0].dash, Stroke::Solid);
        assert_eq!(m[1].label, "mean $37.9B");
    }

    #[test]
    fn one_value_still_gets_a_bin() {
        let mut s = Sketch::new();
        s.add(5.0);
        let one = bins(&s, &[5.0]);
        assert_eq!(one.outside, 0.0);
        assert_eq!(one.bins.len(), 1);
        assert!(one.range.0 < 5.0 && one.range.1 > 5.0);
        let mut z = Sketch::new();
        z.add(0.0);
        z.add(0.0);
        let zero = bins(&z, &[0.0]);
        assert_eq!(zero.bins.iter().map(|x| x.2).sum::<f64>(), 1.0);
        assert_eq!(zero.range.0, 0.0);
    }
}
