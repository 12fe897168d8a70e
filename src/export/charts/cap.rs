//! `cap_probability.png`: the probability that the cap has bound by the end
//! of each period (the mean of `cap_bound`, MODEL.md §8), as a step line
//! from 0, with the 50% line and the median binding date marked.

use plotters::coord::Shift;
use plotters::prelude::{DrawingArea, DrawingBackend};
use plotters::style::text_anchor::HPos;

use super::axes::{Axes, Reserve, Unit, VMarker, XAxis, marker_rows, marker_space};
use super::canvas::{Canvas, DrawResult, LABEL_BOLD, LegendItem, Shape, Stroke, Swatch, TextMode};
use super::palette::{self, GREEN, MUTED, VERMILLION};
use super::{Heading, money, percent, period_label, scenario_heading};
use crate::export::RunReport;
use crate::model::Metric;

/// The cap-probability chart, ready to draw.
#[derive(Clone, Debug)]
pub(crate) struct CapChart {
    pub heading: Heading,
    pub first_year: i32,
    pub last_year: i32,
    /// The last year the share accrues (`until`, or the last year): the cap
    /// can bind no later.
    pub share_last_year: i32,
    /// Length of a period in years.
    pub period: f64,
    /// (calendar time at the end of period k, probability bound by then).
    pub steps: Vec<(f64, f64)>,
    /// The end of the first period by which at least half the paths have
    /// hit the cap, and its label.
    pub median: Option<(f64, String)>,
    pub markers: Vec<VMarker>,
    pub note: Option<String>,
    /// The line's legend, naming the run's cap.
    pub legend: String,
    /// The scenario has no cap: the chart holds only a note saying so, and
    /// `report.md` leaves it out.
    pub uncapped: bool,
}

/// Build from a run.
pub(crate) fn probability(r: &RunReport<'_>) -> CapChart {
    let s = r.scenario;
    let first = f64::from(s.first_year());
    let steps: Vec<(f64, f64)> = (0..r.result.layout.periods)
        .map(|k| (first + r.model.time(k), r.result.period(Metric::CapBound, k).mean.clamp(0.0, 1.0)))
        .collect();
    let median = steps.iter().position(|(_, p)| *p >= 0.5).map(|k| {
        (steps[k].0, format!("half the paths by the end of {}", period_label(s.first_year(), s.steps_per_year, k)))
    });
    let mut markers = Vec::new();
    if let Some((x, label)) = &median {
        markers.push(VMarker {
            x: *x,
            label: label.clone(),
            color: VERMILLION,
            width: 2.5,
            dash: Stroke::Dashed,
            bold: true,
        });
    }
    markers.extend(super::fan::share_end_marker(r));
    // The run's cap, in the legend (the description is the file's, and a
    // --set may have changed the cap).
    let cap_text = match &s.revenue_share.cap {
        Some(d) if d.is_fixed() => format!("the {} cap", money(d.quantile(0.5))),
        Some(d) => format!("the cap (uncertain, median {})", money(d.quantile(0.5))),
        None => "the cap".to_string(),
    };
    let last = s.last_year();
    let share_last = s.share_last_year();
    let note = match &s.revenue_share.cap {
        None => Some("No cap in this scenario: there is nothing to bind.".to_string()),
        Some(_) if steps.last().is_none_or(|(_, p)| *p == 0.0) => {
            Some(format!("The cap never binds by the end of {share_last} on any path."))
        }
        Some(_) => None,
    };
    let heading = scenario_heading(r, "probability that the cap has bound");
    CapChart {
        heading,
        first_year: s.first_year(),
        last_year: last,
        share_last_year: share_last,
        period: 1.0 / f64::from(s.steps_per_year.max(1)),
        steps,
        median,
        markers,
        note,
        legend: format!("probability {cap_text} has bound by the end of the period"),
        uncapped: s.revenue_share.cap.is_none(),
    }
}

/// The points of a step line through (end of period k, probability bound
/// by then): 0 from the start of the first period, each value held from its
/// period's end until the next period's end, where the line rises to the
/// next (a path's cap binds somewhere within the period; only by its end is
/// it counted, so the line never shows a probability before its time).
pub(crate) fn rising_at_period_ends(steps: &[(f64, f64)], period: f64) -> Vec<(f64, f64)> {
    let Some(first) = steps.first() else { return Vec::new() };
    let mut pts = vec![(first.0 - period, 0.0)];
    let mut before = 0.0;
    for &(t, p) in steps {
        pts.push((t, before));
        pts.push((t, p));
        before = p;
    }
    pts
}

impl CapChart {
    /// Draw on the whole image.
    pub fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, mode: TextMode) -> DrawResult<DB> {
        let c = Canvas::new(root, mode);
        c.clear()?;
        let top = c.heading(&self.heading)?;
        let bottom = c.footer(&self.heading.footer)?;
        let line = palette::shade(GREEN, 0.15);
        let mut legend =
            vec![LegendItem::new(Swatch::LineMarker(line, 3.5, Stroke::Solid, Shape::Circle), self.legend.as_str())];
        legend.push(LegendItem::new(Swatch::Line(MUTED, 1.5, Stroke::Dotted), "50%"));
        let top = if self.note.is_some() { top } else { c.legend(&legend, top)? };

        let final_p = self.steps.last().map_or(0.0, |s| s.1);
        let final_label = percent(final_p);
        let x = XAxis::Years { first: self.first_year, last: self.last_year };
        let y_title = "Probability (% of paths)";
        let mut reserve = Reserve { top: 0.0, right: c.text_width(&final_label, LABEL_BOLD) + c.px(16.0) };
        let probe = Axes::layout(&c, top, bottom, x.clone(), 0.0, 1.0, Unit::Percent, "", y_title, reserve);
        let (x0, x1) = (f64::from(self.first_year), f64::from(self.last_year) + 1.0);
        reserve.top = marker_space(&c, marker_rows(&c, &self.markers, probe.left, probe.right, x0, x1));
        let axes = Axes::layout(&c, top, bottom, x, 0.0, 1.0, Unit::Percent, "", y_title, reserve);
        axes.grid(&c)?;
        if self.note.is_none() && !self.steps.is_empty() {
            let half = axes.ys.px(0.5);
            c.path(&[(axes.left, half), (axes.right, half)], MUTED, 1.5, Stroke::Dotted)?;
            let pts: Vec<(f64, f64)> =
                rising_at_period_ends(&self.steps, self.period).into_iter().map(|(t, p)| axes.at(t, p)).collect();
            c.path(&pts, line, 3.5, Stroke::Solid)?;
            if self.steps.len() <= 60 {
                for (t, p) in &self.steps {
                    let (px, py) = axes.at(*t, *p);
                    c.marker(Shape::Circle, px, py, 4.5, line)?;
                }
            }
            let (px, py) = axes.at(x1, final_p);
            let fy = c.font_px(LABEL_BOLD);
            c.text(&final_label, px + c.px(12.0), py + fy * 0.36, LABEL_BOLD, palette::shade(GREEN, 0.35), HPos::Left)?;
        }
        axes.frame(&c)?;
        if self.note.is_none() {
            axes.vertical_markers(&c, &self.markers)?;
            if self.median.is_none() {
                let msg = format!("Fewer than half the paths hit the cap by the end of {}.", self.share_last_year);
                c.note(&msg, (axes.left + axes.right) / 2.0, axes.ys.px(0.75), axes.right - axes.left)?;
            }
        }
        if let Some(note) = &self.note {
            c.note(note, (axes.left + axes.right) / 2.0, (axes.top + axes.bottom) / 2.0, axes.right - axes.left)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The line rises at each period's end, to the probability of being
    /// bound by then, and never shows a value before its period ends (the
    /// chart used to draw each period's end-of-period value across the
    /// whole period, a period early).
    #[test]
    fn the_step_rises_at_each_periods_end() {
        let steps = [(2026.25, 0.0), (2026.5, 0.036), (2026.75, 0.156), (2027.0, 0.5)];
        let pts = rising_at_period_ends(&steps, 0.25);
        assert_eq!(
            pts,
            vec![
                (2026.0, 0.0),
                (2026.25, 0.0),
                (2026.25, 0.0),
                (2026.5, 0.0),
                (2026.5, 0.036),
                (2026.75, 0.036),
                (2026.75, 0.156),
                (2027.0, 0.156),
                (2027.0, 0.5),
            ]
        );
        // At any time the line is at most the probability bound by the end
        // of the period that time falls in, and reaches it at that end.
        for w in pts.windows(2) {
            let end = steps.iter().find(|s| s.0 >= w[1].0 - 1e-12).unwrap();
            assert!(w[0].1 <= end.1 && w[1].1 <= end.1, "{w:?}");
        }
        assert!(rising_at_period_ends(&[], 0.25).is_empty());
    }
}
