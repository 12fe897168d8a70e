//! The command line (clap derive). Nothing past `main` sees these types.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use revshare::engine::SeTarget;
use revshare::model::Summary;

/// Monte Carlo simulator for capped revenue-share deals.
///
/// A payer pays a holder a share of its revenue for a fixed number of years,
/// up to a cap, while the holder owns a stake in the payer. revshare simulates
/// many growth paths and reports what the share pays, when the cap binds, what
/// it is worth today, and the equity exposure beside it.
#[derive(Debug, Parser)]
#[command(name = "revshare", version = concat!(env!("CARGO_PKG_VERSION"), " (build ", env!("REVSHARE_BUILD"), ")"), propagate_version = true, after_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

const EXAMPLES: &str = "\
Examples:
  revshare run                               run every scenario in ./scenarios
  revshare run scenarios/bull.toml --paths 1M --seed 7
  revshare check scenarios/old-terms.toml    validate and show the resolved scenario
  revshare list                              list the scenarios in ./scenarios";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run scenarios and write yearly.csv, periods.csv, summary.csv, manifest.json, charts and report.md.
    #[command(after_help = "\
Examples:
  revshare run                                 every *.toml in ./scenarios
  revshare run scenarios/amended-2026.toml     one scenario
  revshare run my-scenarios/ --paths 1e6       every *.toml in a folder, a million paths each
  revshare run a.toml b.toml --seed 42 --out results

Results go to <OUT>/<name>/ (default output/<name>/), replacing an earlier run
of the same scenario only once the new one has finished.")]
    Run(RunArgs),
    /// Run one scenario at every combination of values of one or more keys, with
    /// common random numbers, and write sweep.csv (and sweep.png for one key).
    #[command(after_help = "\
Examples:
  revshare sweep scenarios/amended-2026.toml --vary revenue_share.cap=20,30,38,50,80
  revshare sweep scenarios/bull.toml --vary discount_rate=0.08..0.12:5 --vary revenue_share.cap=30,38

Values are TOML values, or a range a..b:n of n evenly spaced numbers from a to b.
Every combination runs with the same seed, so differences between them are the
effect of the varied keys, not noise. Results go to OUT/<name>-sweep/.")]
    #[command(
        mut_arg("inputs", |a| a.value_name("FILE").help("The scenario file to sweep")),
        mut_arg("target_se", |a| a.hide(true)),
        mut_arg("max_paths", |a| a.hide(true)),
        mut_arg("export_paths", |a| a.hide(true)),
        mut_arg("sensitivity", |a| a.hide(true)),
        mut_arg("out", |a| a.help("Folder for the results: the sweep writes to OUT/<name>-sweep/")),
        mut_arg("quiet", |a| a.help("Print no table and no progress bar; warnings and errors still go to stderr")),
        mut_arg("no_charts", |a| a.help("Draw no sweep.png (sweep.csv and manifest.json are still written)"))
    )]
    Sweep(SweepArgs),
    /// Validate scenario files and print each one resolved (after `extends`, defaults filled in).
    #[command(after_help = "Example:\n  revshare check scenarios/bull.toml")]
    Check {
        /// Scenario files to check.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Override a key after `extends`, as with `run --set`.
        #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_override)]
        set: Vec<(String, String)>,
    },
    /// List the scenarios in a folder: name, description, years and file.
    #[command(after_help = "Example:\n  revshare list scenarios")]
    List {
        /// Folder to list [default: scenarios]
        #[arg(value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Scenario files or folders of them [default: scenarios]
    #[arg(value_name = "FILE|DIR")]
    pub inputs: Vec<PathBuf>,

    /// Paths to simulate, overriding each file's `paths` (e.g. 1000000, 1_000_000, 1e6, 1M).
    #[arg(long, value_parser = parse_paths, value_name = "N", allow_hyphen_values = true)]
    pub paths: Option<u64>,

    /// Random seed, overriding each file's `seed` (a whole number ≥ 0).
    #[arg(long, value_name = "SEED", value_parser = parse_seed, allow_hyphen_values = true)]
    pub seed: Option<u64>,

    /// Folder for the results: each scenario writes to OUT/<name>/.
    #[arg(long, value_name = "OUT", default_value = "output")]
    pub out: PathBuf,

    /// Worker threads, for the simulation and the charts (results are the same for any number) [default: one per core]
    #[arg(long, value_name = "N", value_parser = parse_threads, allow_hyphen_values = true)]
    pub threads: Option<u16>,

    /// Print no table and no progress bar; warnings (an unmet --target-se
    /// included) and errors still go to stderr.
    #[arg(long, short)]
    pub quiet: bool,

    /// Override a key of every scenario after `extends`, validated like the file
    /// (repeatable): --set revenue_share.cap=45,
    /// --set 'revenue.initial={dist="uniform",low=18,high=26}'.
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_override)]
    pub set: Vec<(String, String)>,

    /// Add paths until the standard error of a summary's mean is at most a
    /// target, in $B (pv_total=0.5) or relative to the mean (pv_total=0.1%).
    #[arg(long, value_name = "METRIC=SE", value_parser = parse_target_se)]
    pub target_se: Option<(Summary, SeTarget)>,

    /// Also write paths.csv: the first N paths, one row per path and period,
    /// with every per-period quantity and the path's sampled inputs.
    #[arg(long, value_name = "N", value_parser = parse_paths, allow_hyphen_values = true)]
    pub export_paths: Option<u64>,

    /// Also analyse sensitivity: each uncertain input's rank correlation with
    /// pv_total, pv_share and equity_end, and pv_net with a counter-share
    /// (sensitivity.csv), and the medians with
    /// it held at its P10 and P90 (swing.csv, tornado.png for pv_total, tornado_share.png for pv_share). Two extra runs per input.
    #[arg(long)]
    pub sensitivity: bool,

    /// How to draw the per-path inputs, overriding each file's `sampling`:
    /// mc (plain Monte Carlo) or lhs (Latin hypercube within each chunk).
    #[arg(long, value_name = "METHOD", value_parser = ["mc", "lhs"])]
    pub sampling: Option<String>,

    /// The most paths --target-se may use (default 100M).
    #[arg(long, value_name = "N", value_parser = parse_paths, allow_hyphen_values = true)]
    pub max_paths: Option<u64>,

    /// Size of the charts in pixels, WIDTHxHEIGHT (from 400x300 to 8000x8000).
    #[arg(long, value_name = "WxH", default_value = "1600x900", value_parser = parse_chart_size)]
    pub chart_size: (u32, u32),

    /// Chart formats, comma-separated: png, svg or png,svg.
    #[arg(long, value_name = "FORMATS", value_enum, value_delimiter = ',', default_value = "png")]
    pub format: Vec<ChartFormatArg>,

    /// Draw no charts (report.md and the CSV files are still written).
    #[arg(long, conflicts_with_all = ["chart_size", "format"])]
    pub no_charts: bool,
}

/// A chart file format on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ChartFormatArg {
    /// Bitmap (the default); the same run gives the same bytes.
    Png,
    /// Vector graphics, with text as text.
    Svg,
}

fn parse_chart_size(s: &str) -> Result<(u32, u32), String> {
    revshare::export::charts::parse_chart_size(s)
}

/// `revshare sweep`: one scenario, keys to vary, and the options of `run`.
#[derive(Debug, clap::Args)]
pub struct SweepArgs {
    /// A key and its values: KEY=v1,v2,... or KEY=a..b:n (repeatable; every combination runs).
    #[arg(long, required = true, value_name = "KEY=VALUES", value_parser = parse_vary)]
    pub vary: Vec<(String, Vec<String>)>,

    #[command(flatten)]
    pub run: RunArgs,
}

fn parse_vary(s: &str) -> Result<(String, Vec<String>), String> {
    let (key, values) = s
        .split_once('=')
        .filter(|(k, _)| !k.trim().is_empty())
        .ok_or_else(|| format!("`{s}` is not KEY=VALUES: write e.g. revenue_share.cap=20,30,38"))?;
    let values = values.trim();
    let list: Vec<String> = if let Some((range, n)) = values.split_once(':').filter(|(r, _)| r.contains("..")) {
        let (a, b) = range.split_once("..").expect("checked");
        let (a, b): (f64, f64) = match (a.trim().parse(), b.trim().parse()) {
            (Ok(a), Ok(b)) => (a, b),
            _ => return Err(format!("`{range}` is not a range of numbers a..b")),
        };
        let n: usize = n.trim().parse().ok().filter(|n| (2..=1000).contains(n)).ok_or_else(|| {
            format!("`{n}` is not a number of values from 2 to 1000 (write a..b:n, e.g. 0.08..0.12:5)")
        })?;
        if !(a.is_finite() && b.is_finite()) {
            return Err(format!("`{range}` must have finite ends"));
        }
        if !(b - a).is_finite() {
            return Err(format!("`{range}` is too wide: b − a overflows (give ends well within ±1e308)"));
        }
        (0..n).map(|i| revshare::export::format_number(a + (b - a) * i as f64 / (n - 1) as f64)).collect()
    } else {
        let list: Vec<String> = split_values(values).into_iter().map(|v| v.trim().to_string()).collect();
        // A range without its count (`30..50`).
        if let Some(range) = list.iter().find(|v| {
            v.split_once("..").is_some_and(|(a, b)| a.trim().parse::<f64>().is_ok() && b.trim().parse::<f64>().is_ok())
        }) {
            return Err(format!(
                "`{range}` is a range without a count of values: write a..b:n, e.g. {range}:5 for five evenly spaced values"
            ));
        }
        if list.len() > 1 && list.iter().any(String::is_empty) {
            return Err(format!(
                "`{values}` has an empty value (two commas in a row, or one at an end): remove the extra comma, or give the missing value"
            ));
        }
        list.into_iter().filter(|v| !v.is_empty()).collect()
    };
    if list.is_empty() {
        return Err(format!("`{s}` gives no values"));
    }
    Ok((key.trim().to_string(), list))
}

/// `v1,v2,...` split at the commas that separate values, not at those inside
/// a TOML array, inline table or string (`[2026,2028],[2026,2029]`).
fn split_values(values: &str) -> Vec<&str> {
    let (mut parts, mut depth, mut quote, mut start) = (Vec::new(), 0i32, None, 0);
    let mut chars = values.char_indices();
    while let Some((i, c)) = chars.next() {
        match (quote, c) {
            (Some('"'), '\\') => {
                chars.next();
            }
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => {
                parts.push(&values[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&values[start..]);
    parts
}

fn parse_target_se(s: &str) -> Result<(Summary, SeTarget), String> {
    let names: Vec<&str> = Summary::ALL.iter().map(|m| m.name()).collect();
    let (metric, value) =
        s.split_once('=').ok_or_else(|| format!("`{s}` is not METRIC=SE: write e.g. pv_total=0.5 or pv_total=0.1%"))?;
    let summary = Summary::ALL.into_iter().find(|m| m.name() == metric.trim()).ok_or_else(|| {
        let near =
            revshare::scenario::closest(metric.trim(), &names).map_or(String::new(), |c| format!("did you mean {c}? "));
        format!("`{metric}` is not a path summary: {near}use one of {}", names.join(", "))
    })?;
    let value = value.trim();
    let (number, relative) = match value.strip_suffix('%') {
        Some(v) => (v.trim(), true),
        None => (value, false),
    };
    let x: f64 = number.parse().map_err(|_| format!("`{value}` is not a number: write e.g. 0.5 ($B) or 0.1%"))?;
    if !x.is_finite() {
        return Err(format!(
            "the target standard error must be a finite number, not {value}: write e.g. 0.5 ($B) or 0.1%"
        ));
    }
    if x <= 0.0 {
        return Err(format!("the target standard error must be > 0, not {value}"));
    }
    Ok((summary, if relative { SeTarget::Relative(x / 100.0) } else { SeTarget::Absolute(x) }))
}

fn parse_override(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.trim().to_string())),
        _ => Err(format!("`{s}` is not KEY=VALUE: write e.g. --set revenue_share.cap=45")),
    }
}

/// A seed from 0 to 2⁶³ − 1, the largest that a scenario file's `seed` (a
/// TOML integer) can hold, so that every run's seed can be written back
/// into a file.
fn parse_seed(s: &str) -> Result<u64, String> {
    s.trim().replace('_', "").parse::<u64>().ok().filter(|n| *n <= revshare::scenario::MAX_SEED).ok_or_else(|| {
        format!(
            "`{s}` is not a seed: give a whole number from 0 to {} (e.g. 1 or 20260427)",
            revshare::scenario::MAX_SEED
        )
    })
}

/// Most worker threads: each keeps its own sketches (a few MB), and more
/// threads than cores gain nothing, so thousands would only cost memory.
pub const MAX_THREADS: u16 = 1024;

fn parse_threads(s: &str) -> Result<u16, String> {
    s.trim().parse::<u16>().ok().filter(|n| (1..=MAX_THREADS).contains(n)).ok_or_else(|| {
        format!(
            "`{s}` is not a thread count: give a whole number from 1 to {MAX_THREADS} (this machine has {} cores; more threads than cores gain nothing)",
            revshare::engine::cores()
        )
    })
}

fn parse_paths(s: &str) -> Result<u64, String> {
    revshare::scenario::parse_count(s).filter(|n| *n <= revshare::scenario::MAX_PATHS).ok_or_else(|| {
        format!("`{s}` is not a path count: give a whole number from 1 to 4e9 such as 100000, 1_000_000, 1e6 or 1M")
    })
}
