//! Charts of a run (issue 3): per scenario a revenue fan, cumulative payments
//! against the cap, the probability that the cap has bound, the equity
//! exposure, and histograms of two path summaries; across scenarios, interval
//! charts and overlaid cap curves.
//!
//! This module owns what every chart shares: the options (size, formats), the
//! palette, the embedded font and its one-time registration, number formatting
//! for people, and the two entry points [`scenario_charts`] and
//! [`comparison_charts`]. Each chart kind lives in its own module and is built
//! from the run into a plain description first, then drawn on a `DrawingArea`
//! generic over the backend, so that PNG and SVG come from one drawing.
//!
//! Determinism: charts hold no timestamps, the font is embedded (no
//! fontconfig, no system fonts), rendering is single-threaded per chart and
//! PNGs are encoded with fixed settings, so the same run gives the same bytes.

mod axes;
mod canvas;
mod cap;
mod comparison;
mod fan;
mod histogram;
mod sweep;
mod tornado;

pub use self::sweep::{SweepDigest, SweepPoint, sweep_charts};
pub use self::tornado::{SwingBar, TornadoDigest, tornado_charts, tornado_embedded};

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::{BitMapBackend, DrawingArea, DrawingBackend, IntoDrawingArea, SVGBackend};
use plotters::style::FontStyle;
use rayon::prelude::*;

use super::RunReport;
use crate::model::{Metric, Summary};
use crate::stats::Stat;

use self::canvas::{DrawResult, TextMode};

/// A chart file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChartFormat {
    /// A bitmap, `RGB8`, encoded with fixed settings (byte-for-byte reproducible).
    Png,
    /// Vector graphics with `<text>` elements in the embedded font's family.
    Svg,
}

impl ChartFormat {
    /// The file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            ChartFormat::Png => "png",
            ChartFormat::Svg => "svg",
        }
    }
}

/// Default chart width in pixels.
pub const DEFAULT_WIDTH: u32 = 1600;
/// Default chart height in pixels.
pub const DEFAULT_HEIGHT: u32 = 900;
/// Smallest chart size accepted (width, height): below it text cannot fit.
pub const MIN_SIZE: (u32, u32) = (400, 300);
/// Largest chart size accepted (width, height).
pub const MAX_SIZE: (u32, u32) = (8000, 8000);

/// How to draw charts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChartOptions {
    pub width: u32,
    pub height: u32,
    /// Formats to write, each chart once per format, without duplicates.
    pub formats: Vec<ChartFormat>,
}

impl Default for ChartOptions {
    fn default() -> Self {
        ChartOptions { width: DEFAULT_WIDTH, height: DEFAULT_HEIGHT, formats: vec![ChartFormat::Png] }
    }
}

impl ChartOptions {
    /// Options with the given size and formats (sorted, duplicates dropped;
    /// PNG when none is given).
    pub fn new(width: u32, height: u32, formats: &[ChartFormat]) -> ChartOptions {
        let mut formats = formats.to_vec();
        formats.sort();
        formats.dedup();
        if formats.is_empty() {
            formats.push(ChartFormat::Png);
        }
        ChartOptions { width, height, formats }
    }

    /// The format that `report.md` embeds: PNG when written, else SVG.
    pub fn embedded_format(&self) -> ChartFormat {
        if self.formats.contains(&ChartFormat::Png) { ChartFormat::Png } else { ChartFormat::Svg }
    }
}

/// Parse a chart size written `WIDTHxHEIGHT` (`1600x900`, `1920X1080`,
/// `800×600`), within [`MIN_SIZE`] and [`MAX_SIZE`].
pub fn parse_chart_size(s: &str) -> Result<(u32, u32), String> {
    let bad = |why: &str| {
        format!(
            "`{s}` is not a chart size: {why}; give WIDTHxHEIGHT in pixels, from {}x{} to {}x{}, such as 1600x900",
            MIN_SIZE.0, MIN_SIZE.1, MAX_SIZE.0, MAX_SIZE.1
        )
    };
    let t = s.trim();
    let (w, h) = t.split_once(['x', 'X', '×']).ok_or_else(|| bad("no `x` between width and height"))?;
    let parse = |v: &str| v.trim().parse::<u32>().ok();
    let (w, h) = match (parse(w), parse(h)) {
        (Some(w), Some(h)) => (w, h),
        _ => return Err(bad("width and height must be whole numbers")),
    };
    if w < MIN_SIZE.0 || h < MIN_SIZE.1 {
        return Err(bad("too small for the text to fit"));
    }
    if w > MAX_SIZE.0 || h > MAX_SIZE.1 {
        return Err(bad("too large"));
    }
    Ok((w, h))
}

/// A chart could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("cannot draw {chart}: {message}")]
pub struct ChartError {
    /// The chart's file name.
    pub chart: String,
    pub message: String,
}

/// One rendered chart file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChartFile {
    /// File name, such as `revenue.png`.
    pub name: String,
    pub bytes: Vec<u8>,
}

// ---------------------------------------------------------------------------
// Font

/// The family name the charts use: the embedded font is registered under it,
/// and SVG files carry it in `font-family`, with a generic fallback for
/// viewers that do not have Noto Sans.
pub const FONT_FAMILY: &str = "Noto Sans, sans-serif";

/// Register the embedded Noto Sans (regular and bold) with plotters, once per
/// process. Every drawing entry point calls this first; later calls are free.
pub fn register_fonts() -> bool {
    static DONE: OnceLock<bool> = OnceLock::new();
    *DONE.get_or_init(|| {
        let regular = plotters::style::register_font(FONT_FAMILY, FontStyle::Normal, ttf_noto_sans::REGULAR);
        let bold = plotters::style::register_font(FONT_FAMILY, FontStyle::Bold, ttf_noto_sans::BOLD);
        regular.is_ok() && bold.is_ok()
    })
}

// ---------------------------------------------------------------------------
// Palette

/// Colours: Okabe & Ito's palette for colour-blind readers (Color Universal
/// Design, 2008), and greys. Bands use tints ordered by lightness, and lines
/// differ by dash as well as hue, so that charts also read in greyscale.
pub mod palette {
    use plotters::style::RGBColor;

    /// Okabe–Ito black.
    pub const BLACK: RGBColor = RGBColor(0, 0, 0);
    /// Okabe–Ito orange.
    pub const ORANGE: RGBColor = RGBColor(0xE6, 0x9F, 0x00);
    /// Okabe–Ito sky blue (histogram bars).
    pub const SKY_BLUE: RGBColor = RGBColor(0x56, 0xB4, 0xE9);
    /// Okabe–Ito bluish green (cap probability).
    pub const GREEN: RGBColor = RGBColor(0x00, 0x9E, 0x73);
    /// Okabe–Ito yellow (unused on white: too light).
    pub const YELLOW: RGBColor = RGBColor(0xF0, 0xE4, 0x42);
    /// Okabe–Ito blue (fans, medians).
    pub const BLUE: RGBColor = RGBColor(0x00, 0x72, 0xB2);
    /// Okabe–Ito vermillion (the cap, means in histograms).
    pub const VERMILLION: RGBColor = RGBColor(0xD5, 0x5E, 0x00);
    /// Okabe–Ito reddish purple (dilution years).
    pub const PURPLE: RGBColor = RGBColor(0xCC, 0x79, 0xA7);

    /// Text.
    pub const INK: RGBColor = RGBColor(0x1A, 0x1A, 0x1A);
    /// Secondary text (subtitle, footer, tick labels).
    pub const MUTED: RGBColor = RGBColor(0x55, 0x55, 0x55);
    /// Axis lines.
    pub const AXIS: RGBColor = RGBColor(0x44, 0x44, 0x44);
    /// Grid lines.
    pub const GRID: RGBColor = RGBColor(0xE4, 0xE4, 0xE4);
    /// Background.
    pub const WHITE: RGBColor = RGBColor(0xFF, 0xFF, 0xFF);

    /// Scenario colours in the comparison charts, in order (yellow is left
    /// out: it does not show on white).
    pub const SERIES: [RGBColor; 7] = [BLUE, VERMILLION, GREEN, PURPLE, ORANGE, SKY_BLUE, BLACK];

    /// `c` mixed with white: `amount` 1 is `c`, 0 is white.
    pub fn tint(c: RGBColor, amount: f64) -> RGBColor {
        let mix = |v: u8| (255.0 - (255.0 - f64::from(v)) * amount.clamp(0.0, 1.0)).round() as u8;
        RGBColor(mix(c.0), mix(c.1), mix(c.2))
    }

    /// `c` mixed with black: `amount` 0 is `c`, 1 is black.
    pub fn shade(c: RGBColor, amount: f64) -> RGBColor {
        let mix = |v: u8| (f64::from(v) * (1.0 - amount.clamp(0.0, 1.0))).round() as u8;
        RGBColor(mix(c.0), mix(c.1), mix(c.2))
    }
}

// ---------------------------------------------------------------------------
// Numbers for people

fn trim_zeros(s: String) -> String {
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s }
}

fn signed(x: f64, body: String) -> String {
    if x < 0.0 && body.chars().any(|c| c.is_ascii_digit() && c != '0') { format!("−{body}") } else { body }
}

use crate::model::dist::group_digits;

/// Money in $B for a label: about three significant digits, thousands
/// separated: `$38B`, `$25.1B`, `$0.523B`, `$2,167B`, `−$4.5B`. Trailing
/// zeros go only when the amount is that round: a cap of 38 is `$38B`, a
/// mean of 29.98 `$30.0B`, as precise as `$31.1B` beside it.
pub fn money(x: f64) -> String {
    let a = x.abs();
    if !a.is_finite() {
        return "–".to_string();
    }
    let digits = |v: f64| if v == 0.0 { 0 } else { (2 - v.log10().floor() as i32).clamp(0, 3) as usize };
    let mut written = format!("{a:.*}", digits(a));
    // Rounded up to the next power of ten (99.96 to 100.0): three digits
    // of that, 100.
    let w: f64 = written.parse().unwrap_or(a);
    if digits(w) < digits(a) {
        written = format!("{a:.*}", digits(w));
    }
    // Trailing zeros only where the amount is that round (or rounds to 0).
    let w: f64 = written.parse().unwrap_or(a);
    let round = w == 0.0 || (w - a).abs() <= a * 1e-12;
    let body = group_digits(&if round { trim_zeros(written) } else { written });
    signed(x, format!("${body}B"))
}

/// Decimals needed to write multiples of `step` exactly (2.5 needs 1).
fn decimals(step: f64) -> usize {
    (0..6).find(|&d| ((step * 10f64.powi(d as i32)).round() - step * 10f64.powi(d as i32)).abs() < 1e-6).unwrap_or(6)
}

/// Money in $B for an axis tick `x` on a scale of tick spacing `step`:
/// `$0`, `$10B`, `$2.5B`, `$1,500B`.
pub fn money_tick(x: f64, step: f64) -> String {
    if x.abs() < step * 1e-6 {
        return "$0".to_string();
    }
    let d = decimals(step);
    signed(x, format!("${}B", group_digits(&format!("{:.d$}", x.abs()))))
}

/// A probability or fraction as a percentage for a label: `62%`, `6.5%`,
/// `0.3%`, `<0.1%`, `>99.9%`.
pub fn percent(p: f64) -> String {
    let v = p * 100.0;
    if !v.is_finite() {
        return "–".to_string();
    }
    if v == 0.0 || v == 100.0 {
        return format!("{v:.0}%");
    }
    if v > 0.0 && v < 0.05 {
        return "<0.1%".to_string();
    }
    if v > 99.95 && v < 100.0 {
        return ">99.9%".to_string();
    }
    let s = if v.abs() >= 10.0 && v.abs() <= 99.5 { format!("{v:.0}") } else { format!("{v:.1}") };
    format!("{}%", trim_zeros(s))
}

/// A fraction as a percentage for an axis tick of spacing `step`: `25%`.
pub fn percent_tick(p: f64, step: f64) -> String {
    if p.abs() < step * 1e-6 {
        return "0%".to_string();
    }
    let d = decimals(step * 100.0);
    format!("{:.d$}%", p * 100.0)
}

/// A whole number with thousands separators: `100,000`.
pub fn grouped(n: u64) -> String {
    group_digits(&n.to_string())
}

/// `1 path`, `100,000 paths`.
pub fn paths_text(n: u64) -> String {
    if n == 1 { "1 path".to_string() } else { format!("{} paths", grouped(n)) }
}

/// The name of a period for `steps_per_year`: quarter, month…
pub fn period_noun(steps_per_year: u32) -> &'static str {
    match steps_per_year {
        1 => "year",
        2 => "half-year",
        4 => "quarter",
        12 => "month",
        _ => "period",
    }
}

/// The period with index `k` as people write it: `Q3 2028`, `Sep 2028`,
/// `H2 2028`, `2028`.
pub fn period_label(first_year: i32, steps_per_year: u32, k: usize) -> String {
    let spy = steps_per_year.max(1) as usize;
    let year = first_year + (k / spy) as i32;
    let i = k % spy;
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    match steps_per_year {
        1 => format!("{year}"),
        2 => format!("H{} {year}", i + 1),
        4 => format!("Q{} {year}", i + 1),
        12 => format!("{} {year}", MONTHS[i]),
        _ => format!("period {} of {year}", i + 1),
    }
}

// ---------------------------------------------------------------------------
// Charts

/// Title, subtitle and footer of a chart.
#[derive(Clone, Debug)]
pub(crate) struct Heading {
    pub title: String,
    pub subtitle: String,
    /// The command line's overrides (`with --set a=1`), drawn after the
    /// subtitle and never cut from it to fit; empty where there are none.
    pub overrides: String,
    pub footer: String,
}

/// A chart ready to draw.
pub(crate) enum Chart {
    Fan(fan::FanChart),
    Cap(cap::CapChart),
    Histogram(histogram::HistogramChart),
    Intervals(comparison::IntervalChart),
    CapCurves(comparison::CapCurvesChart),
    Sweep(sweep::SweepChart),
    Tornado(tornado::TornadoChart),
}

impl Chart {
    /// The file name without extension.
    pub fn stem(&self) -> &'static str {
        match self {
            Chart::Fan(c) => c.stem,
            Chart::Cap(_) => "cap_probability",
            Chart::Histogram(c) => c.stem,
            Chart::Intervals(c) => c.stem,
            Chart::CapCurves(_) => "cap_probability",
            Chart::Sweep(_) => "sweep",
            Chart::Tornado(c) => c.stem,
        }
    }

    /// Title, subtitle and footer.
    pub fn heading(&self) -> &Heading {
        match self {
            Chart::Fan(c) => &c.heading,
            Chart::Cap(c) => &c.heading,
            Chart::Histogram(c) => &c.heading,
            Chart::Intervals(c) => &c.heading,
            Chart::CapCurves(c) => &c.heading,
            Chart::Sweep(c) => &c.heading,
            Chart::Tornado(c) => &c.heading,
        }
    }

    /// A short description for `report.md` (the image's alt text): the title.
    pub fn alt(&self) -> String {
        self.heading().title.clone()
    }

    /// Draw on `root` (the whole image), with text drawn as `mode` says.
    pub fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, mode: TextMode) -> DrawResult<DB> {
        match self {
            Chart::Fan(c) => c.draw(root, mode),
            Chart::Cap(c) => c.draw(root, mode),
            Chart::Histogram(c) => c.draw(root, mode),
            Chart::Intervals(c) => c.draw(root, mode),
            Chart::CapCurves(c) => c.draw(root, mode),
            Chart::Sweep(c) => c.draw(root, mode),
            Chart::Tornado(c) => c.draw(root, mode),
        }
    }

    /// Render as SVG text.
    pub fn to_svg(&self, width: u32, height: u32) -> Result<String, ChartError> {
        register_fonts();
        let err = |e: String| ChartError { chart: format!("{}.svg", self.stem()), message: e };
        let mut out = String::new();
        {
            let root = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
            self.draw(&root, TextMode::Native).map_err(|e| err(e.to_string()))?;
            root.present().map_err(|e| err(e.to_string()))?;
        }
        Ok(out)
    }

    /// Render as a PNG file's bytes.
    pub fn to_png(&self, width: u32, height: u32) -> Result<Vec<u8>, ChartError> {
        register_fonts();
        let err = |e: String| ChartError { chart: format!("{}.png", self.stem()), message: e };
        // One pixel buffer per thread, reused from chart to chart: a fresh
        // one of several MB costs a page fault per 4 KB when first written.
        thread_local! {
            static PIXELS: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        PIXELS.with_borrow_mut(|pixels| {
            pixels.clear();
            pixels.resize(width as usize * height as usize * 3, 0);
            {
                let root = BitMapBackend::with_buffer(pixels, (width, height)).into_drawing_area();
                self.draw(&root, TextMode::Raster).map_err(|e| err(e.to_string()))?;
                root.present().map_err(|e| err(e.to_string()))?;
            }
            encode_png(pixels, width, height).map_err(|e| err(e.to_string()))
        })
    }

    fn render(&self, format: ChartFormat, opts: &ChartOptions) -> Result<ChartFile, ChartError> {
        let bytes = match format {
            ChartFormat::Png => self.to_png(opts.width, opts.height)?,
            ChartFormat::Svg => self.to_svg(opts.width, opts.height)?.into_bytes(),
        };
        Ok(ChartFile { name: format!("{}.{}", self.stem(), format.extension()), bytes })
    }
}

/// Encode RGB8 pixels as a PNG with fixed settings.
fn encode_png(pixels: &[u8], width: u32, height: u32) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::with_capacity(pixels.len() / 16);
    {
        let mut enc = png::Encoder::new(&mut out, width, height);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Fast);
        // One filter for every row instead of trying all five per row: 15%
        // less time for charts, 4% larger files (flat colours suit Paeth).
        enc.set_filter(png::Filter::Paeth);
        let mut w = enc.write_header()?;
        w.write_image_data(pixels)?;
        w.finish()?;
    }
    Ok(out)
}

/// Render every chart in every format, in parallel; the files come back in
/// chart order, then format order.
fn render_all(charts: &[Chart], opts: &ChartOptions) -> Result<Vec<ChartFile>, ChartError> {
    register_fonts();
    let jobs: Vec<(&Chart, ChartFormat)> =
        charts.iter().flat_map(|c| opts.formats.iter().map(move |f| (c, *f))).collect();
    jobs.par_iter().map(|(c, f)| c.render(*f, opts)).collect()
}

/// The charts of one scenario, in report order.
pub(crate) fn scenario_chart_list(r: &RunReport<'_>) -> Vec<Chart> {
    vec![
        Chart::Fan(fan::revenue(r)),
        Chart::Fan(fan::cumulative_payment(r)),
        Chart::Cap(cap::probability(r)),
        Chart::Fan(fan::equity_value(r)),
        Chart::Histogram(histogram::summary(r, Summary::PvTotal)),
        Chart::Histogram(histogram::summary(r, Summary::TotalShare)),
    ]
}

/// What a chart embedded in `report.md` needs: its file name and alt text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmbeddedChart {
    pub file: String,
    pub alt: String,
}

/// The charts to show in `report.md`: all but a cap chart that would only
/// say there is no cap (the report says so in words), for a scenario or for
/// every scenario compared.
fn embedded(charts: &[Chart], opts: &ChartOptions) -> Vec<EmbeddedChart> {
    let ext = opts.embedded_format().extension();
    let empty = |c: &Chart| match c {
        Chart::Cap(cap) => cap.uncapped,
        Chart::CapCurves(c) => c.curves.is_empty(),
        _ => false,
    };
    charts
        .iter()
        .filter(|c| !empty(c))
        .map(|c| EmbeddedChart { file: format!("{}.{ext}", c.stem()), alt: c.alt() })
        .collect()
}

/// Draw every chart of one scenario: the files (in every format asked for)
/// and the list to embed in `report.md`.
pub fn scenario_charts(
    r: &RunReport<'_>,
    opts: &ChartOptions,
) -> Result<(Vec<ChartFile>, Vec<EmbeddedChart>), ChartError> {
    let charts = scenario_chart_list(r);
    Ok((render_all(&charts, opts)?, embedded(&charts, opts)))
}

/// Draw the comparison charts of several scenarios.
pub fn comparison_charts(
    runs: &[ScenarioDigest],
    opts: &ChartOptions,
) -> Result<(Vec<ChartFile>, Vec<EmbeddedChart>), ChartError> {
    let charts = comparison::charts(runs);
    Ok((render_all(&charts, opts)?, embedded(&charts, opts)))
}

/// What the comparison needs to keep of one scenario's run, once its full
/// results are gone.
#[derive(Clone, Debug)]
pub struct ScenarioDigest {
    pub name: String,
    pub description: String,
    /// The `--set` overrides (`with --set a=1`), or empty.
    pub overrides: String,
    pub file: String,
    pub paths: u64,
    pub seed: u64,
    pub first_year: i32,
    pub last_year: i32,
    /// The last year that accrues a share (see [`crate::scenario::Scenario::share_last_year`]).
    pub share_last_year: i32,
    pub steps_per_year: u32,
    /// In [`Summary::ALL`] order.
    pub summaries: Vec<Stat>,
    pub has_cap: bool,
    /// Whether the holder pays a counter-share (so pv_net differs from pv_share).
    pub has_counter: bool,
    /// (calendar time at the end of period k, probability the cap has bound by then).
    pub cap_curve: Vec<(f64, f64)>,
    /// The calendar year in which the cap most often binds.
    pub modal_cap_year: Option<i32>,
    /// When the run started (RFC 3339 UTC).
    pub started: String,
    /// The annual discount rate of the present values.
    pub discount_rate: f64,
    /// With a `termination_rate`: the share of paths terminated early, and the rate.
    pub terminated: Option<(f64, f64)>,
}

impl ScenarioDigest {
    /// Keep what the comparison needs of a finished run.
    pub fn new(r: &RunReport<'_>) -> ScenarioDigest {
        let s = r.scenario;
        let res = r.result;
        let first = s.first_year() as f64;
        ScenarioDigest {
            name: s.name.clone(),
            description: s.shown_description(),
            overrides: s.overrides_note(),
            file: s.file.display().to_string(),
            paths: res.paths,
            seed: r.seed,
            first_year: s.first_year(),
            last_year: s.last_year(),
            share_last_year: s.share_last_year(),
            steps_per_year: s.steps_per_year,
            summaries: Summary::ALL.iter().map(|m| res.summary(*m).clone()).collect(),
            has_cap: s.revenue_share.cap.is_some(),
            has_counter: s.counter_share.is_some(),
            cap_curve: (0..res.layout.periods)
                .map(|k| (first + r.model.time(k), res.period(Metric::CapBound, k).mean))
                .collect(),
            modal_cap_year: res.modal_cap_year().map(|y| r.model.year(y)),
            started: r.started.clone(),
            discount_rate: s.discount_rate,
            terminated: (s.revenue_share.termination_rate > 0.0)
                .then(|| (res.terminated_fraction(), s.revenue_share.termination_rate)),
        }
    }

    /// The statistics of a path summary.
    pub fn summary(&self, s: Summary) -> &Stat {
        &self.summaries[s as usize]
    }
}

/// `scenario file · 100,000 paths · seed 1 · revshare 0.1.0`: the footer of
/// a scenario's charts.
fn scenario_footer(r: &RunReport<'_>) -> String {
    format!(
        "{} · {} · seed {} · revshare {}",
        r.scenario.file.display(),
        paths_text(r.result.paths),
        r.seed,
        env!("CARGO_PKG_VERSION")
    )
}

/// The heading of a scenario's chart titled `quantity`.
fn scenario_heading(r: &RunReport<'_>, quantity: &str) -> Heading {
    Heading {
        title: format!("{} — {quantity}", r.scenario.name),
        subtitle: r.scenario.shown_description(),
        overrides: r.scenario.overrides_note(),
        footer: scenario_footer(r),
    }
}

/// Helpers shared by the chart modules' tests.
#[cfg(test)]
pub(crate) mod test_support {
    /// Text as the SVG backend escapes it.
    pub fn xml(s: &str) -> String {
        s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('\'', "&apos;").replace('"', "&quot;")
    }

    /// Size, distinct colours, and distinct colours that are not grey, of a whole PNG.
    pub fn colours(png_bytes: &[u8]) -> (u32, u32, usize, usize) {
        let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        let mut seen = std::collections::BTreeSet::new();
        for px in buf[..info.buffer_size()].chunks(3) {
            seen.insert((px[0], px[1], px[2]));
        }
        let coloured = seen.iter().filter(|(r, g, b)| !(r == g && g == b)).count();
        (info.width, info.height, seen.len(), coloured)
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn money_reads_like_a_person_writes_it() {
        assert_eq!(money(38.0), "$38B");
        assert_eq!(money(37.96), "$38.0B");
        assert_eq!(money(29.98), "$30.0B");
        assert_eq!(money(30.0), "$30B");
        assert_eq!(money(2.5), "$2.5B");
        assert_eq!(money(0.05), "$0.05B");
        // Rounding up to the next power of ten: three digits of that.
        assert_eq!(money(99.96), "$100B");
        assert_eq!(money(9.996), "$10.0B");
        assert_eq!(money(0.9996), "$1.00B");
        // (At most three decimals of a billion: a million.)
        assert_eq!(money(0.0995), "$0.100B");
        assert_eq!(money(999.96), "$1,000B");
        // Below what three decimals show: zero, unsigned.
        assert_eq!(money(0.0004), "$0B");
        assert_eq!(money(-0.0004), "$0B");
        assert_eq!(money(25.14), "$25.1B");
        assert_eq!(money(0.523), "$0.523B");
        assert_eq!(money(138.4), "$138B");
        assert_eq!(money(2166.7), "$2,167B");
        assert_eq!(money(1234567.0), "$1,234,567B");
        assert_eq!(money(-4.5), "−$4.5B");
        assert_eq!(money(0.0), "$0B");
        assert_eq!(money(-0.0), "$0B");
    }

    #[test]
    fn ticks_use_the_decimals_of_their_step() {
        assert_eq!(money_tick(0.0, 10.0), "$0");
        assert_eq!(money_tick(20.0, 10.0), "$20B");
        assert_eq!(money_tick(2.5, 2.5), "$2.5B");
        assert_eq!(money_tick(1500.0, 500.0), "$1,500B");
        assert_eq!(money_tick(-10.0, 10.0), "−$10B");
        assert_eq!(percent_tick(0.25, 0.25), "25%");
        assert_eq!(percent_tick(0.025, 0.005), "2.5%");
    }

    #[test]
    fn percentages_never_round_to_a_lie() {
        assert_eq!(percent(0.623), "62%");
        assert_eq!(percent(0.065), "6.5%");
        assert_eq!(percent(0.0), "0%");
        assert_eq!(percent(1.0), "100%");
        assert_eq!(percent(0.0001), "<0.1%");
        assert_eq!(percent(0.99999), ">99.9%");
        assert_eq!(percent(0.998), "99.8%");
    }

    #[test]
    fn counts_and_periods() {
        assert_eq!(grouped(100000), "100,000");
        assert_eq!(grouped(1), "1");
        assert_eq!(grouped(1234567), "1,234,567");
        assert_eq!(period_label(2026, 4, 10), "Q3 2028");
        assert_eq!(period_label(2026, 12, 13), "Feb 2027");
        assert_eq!(period_label(2026, 1, 2), "2028");
        assert_eq!(period_label(2026, 2, 1), "H2 2026");
    }

    #[test]
    fn chart_sizes_are_validated() {
        assert_eq!(parse_chart_size("1600x900"), Ok((1600, 900)));
        assert_eq!(parse_chart_size("800X600"), Ok((800, 600)));
        assert_eq!(parse_chart_size("800×600"), Ok((800, 600)));
        for bad in ["1600", "x900", "1600x", "0x0", "10x10", "1600x-9", "99999x900", "axb", "1600x900x2"] {
            assert!(parse_chart_size(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn the_font_registers() {
        assert!(register_fonts());
        assert!(register_fonts());
    }

    // ---- Rendering every chart -------------------------------------------

    use std::time::Duration;

    use crate::engine::{self, RunOptions, RunResult};
    use crate::model::Model;
    use crate::scenario::Scenario;

    /// A scenario run with few paths, kept alive for a RunReport.
    struct Run {
        scenario: Scenario,
        model: Model,
        result: RunResult,
    }

    impl Run {
        fn new(toml: &str, paths: u64) -> Run {
            let dir = tempfile::tempdir().unwrap();
            let file = dir.path().join("s.toml");
            std::fs::write(&file, toml).unwrap();
            let scenario = Scenario::load(&file).unwrap_or_else(|e| panic!("{e}"));
            let model = Model::new(&scenario);
            let options = RunOptions { paths, seed: 3, threads: 1, progress: None, cancel: None, exact_up_to: 0 };
            let result = engine::run(&model, &options).unwrap();
            Run { scenario, model, result }
        }

        fn report(&self) -> RunReport<'_> {
            RunReport {
                scenario: &self.scenario,
                model: &self.model,
                result: &self.result,
                seed: 3,
                wall: Duration::ZERO,
                started: "2026-01-01T00:00:00Z".to_string(),
                command: Vec::new(),
                sensitivity: None,
                precision: None,
            }
        }
    }

    const CAPPED: &str = r#"
name = "capped"
description = "A capped deal & <its> \"terms\""
years = [2026, 2030]
discount_rate = 0.1
[revenue]
initial = 20.0
growth = 0.6
volatility = 0.2
[revenue_share]
rate = 0.2
cap = { dist = "uniform", low = 25.0, high = 45.0 }
[equity]
stake = 0.27
multiple = 30
[[equity.dilution]]
year = 2027
fraction = { dist = "uniform", low = 0.05, high = 0.08 }
probability = 0.6
"#;

    /// No cap, no equity, annual steps, one year.
    const BARE: &str = r#"
name = "bare"
years = [2026, 2026]
steps_per_year = 1
[revenue]
initial = 20.0
growth = 0.5
[revenue_share]
rate = 0.2
"#;

    /// A century of monthly steps.
    const LONG: &str = r#"
name = "long"
years = [2026, 2125]
steps_per_year = 12
[revenue]
initial = 20.0
growth = { 2026 = 0.5, 2030 = 0.05 }
volatility = 0.1
[revenue_share]
rate = 0.2
until = 2050
cap = 300.0
"#;

    use self::test_support::xml;

    /// Size, distinct colours, and distinct colours that are not grey,
    /// below the heading and above the footer of an RGB8 image.
    fn plot_colours(png_bytes: &[u8]) -> (u32, u32, usize, usize) {
        let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        let (w, h) = (info.width as usize, info.height as usize);
        let mut seen = std::collections::BTreeSet::new();
        for y in h * 3 / 20..h * 22 / 25 {
            for x in w / 20..w * 97 / 100 {
                let i = (y * w + x) * 3;
                seen.insert((buf[i], buf[i + 1], buf[i + 2]));
            }
        }
        let coloured = seen.iter().filter(|(r, g, b)| !(r == g && g == b)).count();
        (info.width, info.height, seen.len(), coloured)
    }

    /// Whether a chart has data to show (not only a note).
    fn has_data(chart: &Chart) -> bool {
        match chart {
            Chart::Fan(c) => c.note.is_none(),
            Chart::Cap(c) => c.note.is_none(),
            Chart::CapCurves(c) => !c.curves.is_empty(),
            _ => true,
        }
    }

    fn check_chart(chart: &Chart, dir: &Path) {
        let svg = chart.to_svg(1600, 900).unwrap();
        assert!(svg.starts_with("<svg width=\"1600\" height=\"900\""), "{}", chart.stem());
        assert!(svg.contains(&format!("font-family=\"{FONT_FAMILY}\"")), "{}", chart.stem());
        let title = &chart.heading().title;
        assert!(svg.contains(&xml(title)), "{}: no title {title}", chart.stem());
        let png = chart.to_png(1600, 900).unwrap();
        let path = dir.join(format!("{}.png", chart.stem()));
        std::fs::write(&path, &png).unwrap();
        let (w, h, colours, coloured) = plot_colours(&std::fs::read(&path).unwrap());
        assert_eq!((w, h), (1600, 900));
        assert!(colours >= 4, "{}: only {colours} colours in the plot area", chart.stem());
        if has_data(chart) {
            assert!(coloured >= 2, "{}: no data drawn ({coloured} colours that are not grey)", chart.stem());
        }
        assert_eq!(png, chart.to_png(1600, 900).unwrap(), "{}: PNG bytes differ between renders", chart.stem());
    }

    #[test]
    fn every_scenario_chart_draws_in_both_formats() {
        let dir = tempfile::tempdir().unwrap();
        for (toml, paths) in [(CAPPED, 3000), (BARE, 1), (LONG, 200)] {
            let run = Run::new(toml, paths);
            let charts = scenario_chart_list(&run.report());
            assert_eq!(charts.len(), 6);
            for c in &charts {
                check_chart(c, dir.path());
            }
        }
    }

    #[test]
    fn axis_titles_and_labels_are_text_in_svg() {
        let run = Run::new(CAPPED, 2000);
        let charts = scenario_chart_list(&run.report());
        let svg = |stem: &str| charts.iter().find(|c| c.stem() == stem).unwrap().to_svg(1600, 900).unwrap();
        let revenue = svg("revenue");
        assert!(revenue.contains("Revenue per quarter ($B)"));
        assert!(revenue.contains("2026") && revenue.contains("2030"));
        assert!(revenue.contains("90% of paths (P5–P95)") && revenue.contains("median") && revenue.contains("mean"));
        assert!(revenue.contains(&xml("A capped deal & <its> \"terms\"")), "subtitle");
        assert!(revenue.contains("revshare ") && revenue.contains("seed 3"), "footer");
        let cumulative = svg("cumulative_payment");
        assert!(cumulative.contains("Paid so far ($B)"));
        assert!(cumulative.contains("cap: P5–P95 of its value"));
        assert!(cumulative.contains("share period ends"));
        let cap = svg("cap_probability");
        assert!(cap.contains("Probability (% of paths)") && cap.contains("100%"));
        let equity = svg("equity_value");
        assert!(equity.contains("dilution 2027: 5–8% (60% chance)"));
        for stem in ["pv_total", "total_share"] {
            let h = svg(stem);
            assert!(h.contains("Share of paths (%)"));
            for label in ["P5 $", "median $", "P95 $", "mean $"] {
                assert!(h.contains(label) || h.contains(&label.replace(" $", ", ")), "{stem}: {label}");
            }
        }
        assert!(svg("pv_total").contains("discounted at 10% a year ($B)"));
    }

    #[test]
    fn comparison_charts_draw() {
        let dir = tempfile::tempdir().unwrap();
        let runs = [Run::new(CAPPED, 1000), Run::new(BARE, 10), Run::new(LONG, 50)];
        let digests: Vec<ScenarioDigest> = runs.iter().map(|r| ScenarioDigest::new(&r.report())).collect();
        let charts = comparison::charts(&digests);
        let stems: Vec<&str> = charts.iter().map(|c| c.stem()).collect();
        assert_eq!(stems, ["total_share", "pv_share", "pv_equity", "pv_total", "cap_probability"]);
        for c in &charts {
            check_chart(c, dir.path());
        }
        let svg = charts[0].to_svg(1600, 900).unwrap();
        for name in ["capped", "bare", "long"] {
            assert!(svg.contains(name), "{name} missing");
        }
        assert!(charts[4].to_svg(1600, 900).unwrap().contains("bare has no cap"));
    }

    #[test]
    fn small_and_large_charts_draw() {
        let run = Run::new(CAPPED, 500);
        for c in scenario_chart_list(&run.report()) {
            for (w, h) in [MIN_SIZE, (3200, 1800), (900, 1600)] {
                let (pw, ph, colours, coloured) = plot_colours(&c.to_png(w, h).unwrap());
                assert_eq!((pw, ph), (w, h));
                assert!(colours >= 4 && coloured >= 2, "{} at {w}x{h}", c.stem());
            }
            for (w, h) in [(MAX_SIZE.0, MIN_SIZE.1), (MIN_SIZE.0, 4000)] {
                let png = c.to_png(w, h).unwrap();
                assert!(!png.is_empty());
                assert!(c.to_svg(w, h).unwrap().contains("<text"));
            }
        }
    }
}
