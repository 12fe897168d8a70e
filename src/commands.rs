//! The three commands: `run`, `check` and `list`. They turn parsed arguments
//! into library calls and print for people; errors go back to `main`.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, IsTerminal, Write};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use revshare::engine::{self, EngineError, Precision, RunOptions};
use revshare::export::charts::{self, ChartError};
use revshare::export::{
    self, ChartFormat, ChartOptions, OutputError, RunReport, ScenarioDigest, ScenarioReport, Staging,
};
use revshare::model::dist::{Num, significant};
use revshare::model::{Model, Summary};
use revshare::scenario::{Sampling, Scenario, ScenarioError, ScenarioErrors, is_under};
use revshare::sensitivity::{self, Sensitivity};

use crate::cli::{ChartFormatArg, RunArgs, SweepArgs};

/// Everything that can stop a command.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{}", render_scenarios(.0))]
    Scenarios(Vec<ScenarioErrors>),
    #[error("{message}\n  fix: {fix}")]
    Usage { message: String, fix: String },
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error(transparent)]
    Chart(#[from] ChartError),
    #[error("{scenario}: {source}")]
    Engine { scenario: String, source: EngineError },
    #[error("{}", render_io(.0))]
    Io(#[from] io::Error),
}

/// A failed write to standard output, as [`Console`] reports it (a run's
/// results are written to their folder before its table is printed).
#[derive(Debug, thiserror::Error)]
#[error("cannot write to standard output: {0}")]
struct StdoutError(io::Error);

fn render_io(e: &io::Error) -> String {
    match e.get_ref().and_then(|inner| inner.downcast_ref::<StdoutError>()) {
        Some(stdout) => format!(
            "{stdout}\n  fix: send standard output somewhere with room (or, for run and sweep, pass -q, which prints no table; the results of every scenario run so far were written to their folders)"
        ),
        None => e.to_string(),
    }
}

fn render_scenarios(errors: &[ScenarioErrors]) -> String {
    errors.iter().flat_map(|e| e.0.iter()).map(|e| format!("error: {e}")).collect::<Vec<_>>().join("\n")
}

impl AppError {
    /// Text for stderr, each problem starting with `error:`.
    pub fn render(&self) -> String {
        match self {
            AppError::Scenarios(_) => self.to_string(),
            other => format!("error: {other}"),
        }
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            AppError::Engine { source: EngineError::Cancelled, .. } => 130,
            _ => 2,
        }
    }
}

fn usage(message: impl Into<String>, fix: impl Into<String>) -> AppError {
    AppError::Usage { message: message.into(), fix: fix.into() }
}

/// The `*.toml` files of a folder, sorted by name: its files, and its links
/// to nowhere, so that those are refused when loaded ("cannot read"), not
/// passed over in silence. (Not a pipe or a device, which reading would
/// wait on.)
fn toml_files(dir: &Path) -> Result<Vec<PathBuf>, AppError> {
    let unreadable = |e: io::Error| {
        usage(format!("{}: cannot read the folder: {e}", dir.display()), "give a folder of scenario files")
    };
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).map_err(unreadable)? {
        let p = entry.map_err(unreadable)?.path();
        let dangling = || p.symlink_metadata().is_ok_and(|m| m.file_type().is_symlink()) && !p.exists();
        if p.extension().is_some_and(|x| x == "toml") && (p.is_file() || dangling()) {
            files.push(p);
        }
    }
    files.sort();
    Ok(files)
}

/// Expand the `run` arguments into scenario files.
fn collect_inputs(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, AppError> {
    let default = [PathBuf::from("scenarios")];
    let given = !inputs.is_empty();
    let inputs = if given { inputs } else { &default[..] };
    let mut files = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let found = toml_files(input)?;
            if found.is_empty() {
                return Err(usage(
                    format!("{}: no *.toml scenario files in this folder", input.display()),
                    "give a scenario file, or a folder that holds some",
                ));
            }
            files.extend(found);
        } else if !given {
            return Err(usage(
                "no scenario given, and there is no scenarios/ folder here",
                "run from the project folder, or name files: revshare run my-scenario.toml",
            ));
        } else {
            files.push(input.clone());
        }
    }
    Ok(files)
}

/// Load every file; all problems in all files are reported together.
fn load_all(files: &[PathBuf], overrides: &[(String, String)]) -> Result<Vec<Scenario>, AppError> {
    let mut scenarios = Vec::new();
    let mut errors = Vec::new();
    for f in files {
        match Scenario::load_with(f, overrides) {
            Ok(s) => scenarios.push(s),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() { Ok(scenarios) } else { Err(AppError::Scenarios(errors)) }
}

/// Warn (with or without --quiet) when `OUT/comparison/`, written by an
/// earlier run of several scenarios, compares one that this run of one
/// scenario (`runs`) has just replaced with other figures: the comparison's
/// rows and its links to the scenario's folder now disagree. (A run that
/// gave the same figures, the same settings again, leaves it true.)
fn warn_stale_comparison(out: &Path, runs: &[ScenarioDigest]) {
    let dir = out.join("comparison");
    let Ok(old) = std::fs::read_to_string(dir.join("comparison.csv")) else { return };
    // The rows a comparison of this run would hold, in the same format.
    let Ok(now) = export::comparison_csv(runs) else { return };
    let now = String::from_utf8_lossy(&now);
    let rows = |csv: &str, name: &str| -> Vec<String> {
        csv.lines().skip(1).filter(|l| l.split(',').next() == Some(name)).map(str::to_string).collect()
    };
    let mut compared: Vec<&str> = old.lines().skip(1).filter_map(|l| l.split(',').next()).collect();
    compared.dedup();
    let stale: Vec<&str> = runs
        .iter()
        .map(|r| r.name.as_str())
        .filter(|name| compared.contains(name) && rows(&old, name) != rows(&now, name))
        .collect();
    if stale.is_empty() {
        return;
    }
    let others = compared.iter().copied().filter(|n| !stale.contains(n));
    eprintln!(
        "warning: {}: compares {} as an earlier run left {}, not with this run's results, so it is out of date\n  fix: run the scenarios it compares ({}) together again, or delete it",
        dir.display(),
        stale.join(", "),
        if stale.len() == 1 { "it" } else { "them" },
        stale.iter().copied().chain(others).collect::<Vec<&str>>().join(", ")
    );
}

/// Warn (once per folder, with or without --quiet) about folders beside the
/// results that earlier runs left behind: they hold no current results.
fn warn_leftovers(dir: &Path) {
    let (Some(root), Some(name)) = (dir.parent(), dir.file_name()) else { return };
    for left in export::leftovers(root, &name.to_string_lossy()) {
        eprintln!(
            "warning: {}: left behind by a run of {} that was stopped or could not tidy up (or by one writing there now): it holds no current results\n  fix: delete it once no other run is writing to {}",
            left.display(),
            name.to_string_lossy(),
            root.display()
        );
    }
}

fn print_warnings(s: &Scenario) {
    for w in &s.warnings {
        eprintln!("warning: {}: {w}", s.file.display());
    }
}

/// The most paths `--target-se` runs unless `--max-paths` says otherwise.
const DEFAULT_MAX_PATHS: u64 = 100_000_000;

/// Refuse, before anything runs, path options that could not all be honoured
/// (rather than quietly dropping one): `--max-paths` without `--target-se`,
/// below the paths a run starts from or below the paths a target needs, and
/// `--export-paths` beyond the paths the run is sure to simulate (with
/// `--target-se`, the paths it starts from: it may stop there).
fn check_path_options(args: &RunArgs, scenarios: &[Scenario]) -> Result<(), AppError> {
    if args.max_paths.is_some() && args.target_se.is_none() {
        return Err(usage(
            "--max-paths only bounds --target-se, and there is none",
            "give --paths N for a fixed number of paths, or add --target-se METRIC=SE",
        ));
    }
    if let Some(most) = args.max_paths.filter(|n| *n < engine::TARGET_MIN_PATHS) {
        return Err(usage(
            format!(
                "--max-paths {most} is below the {} paths on which a --target-se can count as reached (a standard error estimated from fewer means little)",
                engine::TARGET_MIN_PATHS
            ),
            format!("give --max-paths {} or more", engine::TARGET_MIN_PATHS),
        ));
    }
    for s in scenarios {
        let start = args.paths.unwrap_or(s.paths);
        let most = if args.target_se.is_some() { args.max_paths.unwrap_or(DEFAULT_MAX_PATHS) } else { start };
        if start > most {
            return Err(usage(
                format!("{}: --max-paths {most} is below the {start} paths the run starts from", s.file.display()),
                "raise --max-paths, or start from fewer with --paths N",
            ));
        }
        match args.export_paths {
            Some(n) if n > start && args.target_se.is_some() => {
                return Err(usage(
                    format!(
                        "{}: --export-paths {n} is more than the {start} paths the run starts from, and with --target-se it may stop there",
                        s.file.display()
                    ),
                    format!("start from at least {n} paths (--paths {n}), or export at most {start}"),
                ));
            }
            Some(n) if n > start => {
                return Err(usage(
                    format!("{}: --export-paths {n} asks for more paths than the run's {start}", s.file.display()),
                    format!("export at most {start} paths, or run more with --paths {n}"),
                ));
            }
            Some(n) => {
                // One row per path and period, after the header.
                let rows = n.saturating_mul(s.year_count() as u64 * u64::from(s.steps_per_year));
                if rows >= SPREADSHEET_ROWS {
                    eprintln!(
                        "warning: {}: paths.csv will have {} rows ({n} paths × {} periods), more than a spreadsheet opens ({} in Excel)\n  fix: export fewer paths, such as --export-paths {}, if it is for a spreadsheet",
                        s.file.display(),
                        rows + 1,
                        s.year_count() * s.steps_per_year as usize,
                        SPREADSHEET_ROWS,
                        (SPREADSHEET_ROWS - 1) / (s.year_count() as u64 * u64::from(s.steps_per_year))
                    );
                }
            }
            None => {}
        }
    }
    Ok(())
}

/// Rows a spreadsheet opens (Excel's limit, header included).
const SPREADSHEET_ROWS: u64 = 1 << 20;

/// `--paths`, `--seed` and `--sampling mc|lhs`, where given, over the
/// scenario's own `paths`, `seed` and `sampling`.
fn apply_run_args(s: &mut Scenario, args: &RunArgs) {
    if let Some(p) = args.paths {
        s.paths = p;
    }
    if let Some(seed) = args.seed {
        s.seed = seed;
    }
    match args.sampling.as_deref() {
        Some("lhs") => s.sampling = Sampling::LatinHypercube,
        Some("mc") => s.sampling = Sampling::MonteCarlo,
        _ => {}
    }
}

/// A key set by `--set` and by its own option (`--seed`, `--paths`,
/// `--sampling`) at once: the option would win and the label would name the
/// --set, so both are refused. (A sweep refuses `--vary` of these keys
/// before this.)
fn check_option_conflicts(args: &RunArgs) -> Result<(), AppError> {
    let options = [
        ("seed", args.seed.is_some(), "--seed"),
        ("paths", args.paths.is_some(), "--paths"),
        ("sampling", args.sampling.is_some(), "--sampling"),
    ];
    for key in args.set.iter().map(|(k, _)| k.as_str()) {
        if let Some((_, _, option)) = options.iter().find(|(k, given, _)| *given && *k == key) {
            return Err(usage(
                format!("--set {key}=... and {option} both set {key}"),
                format!("give one of them: {option} alone does the same"),
            ));
        }
    }
    Ok(())
}

/// Refuse command-line keys that would silently undo one another (the
/// `--set`s apply in order, then a sweep's `--vary`s): a key given twice, or
/// a later key that replaces a whole table an earlier one set a key in.
fn check_overrides(set: &[(String, String)], vary: &[(String, Vec<String>)]) -> Result<(), AppError> {
    let given: Vec<(&str, &str, String)> = set
        .iter()
        .map(|(k, v)| ("--set", k.as_str(), format!("--set {k}={v}")))
        .chain(vary.iter().map(|(k, v)| ("--vary", k.as_str(), format!("--vary {k}={}", v.join(",")))))
        .collect();
    for (i, (flag, key, label)) in given.iter().enumerate() {
        for (earlier_flag, earlier_key, earlier) in &given[..i] {
            if key == earlier_key {
                return Err(match (*earlier_flag, *flag) {
                    ("--vary", _) => usage(
                        format!("--vary {key} is given twice: the later values would replace the earlier in every row"),
                        format!("give all its values in one --vary {key}=v1,v2,..."),
                    ),
                    (_, "--vary") => usage(
                        format!(
                            "`{key}` is given by both {earlier} and {label}: the --vary values would replace the --set in every combination"
                        ),
                        format!("drop --set {key} (the --vary gives its values), or drop the --vary"),
                    ),
                    _ => usage(
                        format!("--set {key} is given twice ({earlier} and {label}): only the last would take effect"),
                        format!("give --set {key}=VALUE once"),
                    ),
                });
            }
            if is_under(earlier_key, key) {
                let fix = if *earlier_flag == "--set" && *flag == "--vary" {
                    format!("write `{earlier_key}` into each value of the --vary instead of a --set")
                } else {
                    format!(
                        "give {earlier} after {label} (it then sets a key of the new table), or write it into the table"
                    )
                };
                return Err(usage(
                    format!("{label} replaces the whole `{key}`, so the earlier {earlier} would be lost"),
                    fix,
                ));
            }
        }
    }
    Ok(())
}

/// Hold everything that runs beside the simulation (the CSV files and the
/// charts drawn side by side, the chart files written in parallel) to
/// `--threads`, as the simulation is: without this, rayon's shared pool
/// gave them one thread per core even with `--threads 1`. Never more than
/// one per core (a handful of charts gain nothing from more, and
/// `--threads 60000` should not start that many). No effect when `threads`
/// is not given, or once the shared pool is built.
pub fn limit_threads(threads: Option<u16>) {
    if let Some(n) = threads {
        let n = usize::from(n).min(engine::cores());
        // (It fails only when the pool already exists, or its threads
        // cannot be started; a pool of the default size is then used.)
        let _ = rayon::ThreadPoolBuilder::new().num_threads(n).build_global();
    }
}

/// Standard output for a run's tables: a reader that goes away (`| head`,
/// `| true`) ends the tables, not the run, which goes on to write every
/// scenario's files. (`check` and `list`, whose output is the whole job,
/// stop instead, quietly, as any filter does.)
struct Console<W: Write> {
    out: W,
    gone: bool,
}

impl<W: Write> Console<W> {
    fn new(out: W) -> Self {
        Console { out, gone: false }
    }

    fn keep<T>(&mut self, result: io::Result<T>, gone: T) -> io::Result<T> {
        match result {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.gone = true;
                Ok(gone)
            }
            Err(e) => Err(io::Error::new(e.kind(), StdoutError(e))),
            ok => ok,
        }
    }
}

impl<W: Write> Write for Console<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.gone {
            return Ok(buf.len());
        }
        let result = self.out.write(buf);
        self.keep(result, buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.gone {
            return Ok(());
        }
        let result = self.out.flush();
        self.keep(result, ())
    }
}

/// Warn where a `--set` given to several scenarios replaces a key their
/// files set differently (`revshare run scenarios --set
/// revenue_share.cap=45` gives every scenario, cap-low's and cap-high's
/// alike, the same cap): the comparison no longer compares them on it.
fn warn_of_levelled_differences(scenarios: &[Scenario], set: &[(String, String)]) {
    if scenarios.len() < 2 {
        return;
    }
    // The same number whether written 20 or 20.0.
    fn numbers_alike(v: &toml::Value) -> toml::Value {
        match v {
            toml::Value::Integer(i) => toml::Value::Float(*i as f64),
            toml::Value::Array(a) => toml::Value::Array(a.iter().map(numbers_alike).collect()),
            toml::Value::Table(t) => toml::Value::Table(t.iter().map(|(k, v)| (k.clone(), numbers_alike(v))).collect()),
            other => other.clone(),
        }
    }
    for (key, value) in set.iter().filter(|(k, _)| k != "description") {
        let before: Vec<Option<&toml::Value>> =
            scenarios.iter().map(|s| s.replaced.get(key).and_then(|v| v.as_ref())).collect();
        let alike = |v: &Option<&toml::Value>| v.map(numbers_alike);
        if before.iter().all(|v| alike(v) == alike(&before[0])) {
            continue;
        }
        let each: Vec<String> = scenarios
            .iter()
            .zip(&before)
            .map(|(s, v)| format!("{}: {}", s.name, v.map_or("not set".to_string(), |v| v.to_string())))
            .collect();
        eprintln!(
            "warning: --set {key}={value} replaces what the scenarios set differently ({}): every one of them now has {value}, so the comparison does not compare them on it\n  fix: run the scenarios one at a time to keep each its own, or change the files",
            each.join(", ")
        );
    }
}

/// Warn (on stderr, even with --quiet) where statistics spanned too wide a
/// range for their percentile sketch at full resolution, so that their
/// percentiles are less accurate than MODEL.md §8's 1e-3.
fn warn_if_coarsened(what: &str, resolution: &engine::Resolution) {
    if resolution.coarsened_count() == 0 {
        return;
    }
    eprintln!(
        "warning: {what}: {} of {} statistics spanned too wide a range of values for their percentile sketch at full resolution, which merged neighbouring buckets: their percentiles are within 1/{:.0} ({:.2}%) of the exact ones at worst, not 1/{:.0} (the coarsest: {}; see manifest.json)",
        resolution.coarsened_count(),
        resolution.statistics,
        1.0 / resolution.relative_accuracy(),
        100.0 * resolution.relative_accuracy(),
        1.0 / revshare::stats::RELATIVE_ACCURACY,
        resolution.coarsest.as_deref().unwrap_or("?"),
    );
}

/// The most combinations one `sweep` runs.
pub const MAX_COMBINATIONS: usize = 2000;

/// `revshare run`.
pub fn run(args: &RunArgs) -> Result<(), AppError> {
    check_overrides(&args.set, &[])?;
    check_option_conflicts(args)?;
    let files = collect_inputs(&args.inputs)?;
    let mut scenarios = load_all(&files, &args.set)?;
    let mut names: BTreeMap<&str, &Path> = BTreeMap::new();
    for s in &scenarios {
        if let Some(other) = names.insert(&s.name, &s.file) {
            let same = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
            if same(other) == same(&s.file) {
                return Err(usage(
                    format!("{} is given twice (its results would be written twice)", s.file.display()),
                    "give each scenario file once (a folder given already includes its files)",
                ));
            }
            let fix = if args.set.iter().any(|(k, _)| k == "name") {
                "--set name=... names every scenario of the run: run them one at a time, each with its own --set name=..."
            } else {
                "give one of them another `name`"
            };
            return Err(usage(
                format!(
                    "{} and {} are both named \"{}\": their results would overwrite each other",
                    other.display(),
                    s.file.display(),
                    s.name
                ),
                fix,
            ));
        }
    }
    check_path_options(args, &scenarios)?;
    warn_of_levelled_differences(&scenarios, &args.set);
    // (Folders made for the output are removed again if the run fails
    // before it writes anything into them.)
    let _made = export::check_output_root(&args.out)?;
    for s in &scenarios {
        export::check_target(&args.out, &s.name, export::SCENARIO_MARK)?;
    }
    if scenarios.len() >= 2 {
        // (No scenario may be named "comparison": the validator refuses it.)
        export::check_target(&args.out, "comparison", export::COMPARISON_MARK)?;
    }
    let cancel = interrupt_flag();
    let chart_options = chart_options(args);
    let command: Vec<String> = std::env::args().collect();
    let mut stdout = Console::new(io::stdout().lock());
    let compare = scenarios.len() >= 2;
    let mut digests: Vec<ScenarioDigest> = Vec::new();
    let mut finished = 0;
    let mut each = || -> Result<(), AppError> {
        for s in &mut scenarios {
            apply_run_args(s, args);
            // Warnings go to stderr even with --quiet (it silences the table and the progress bar).
            print_warnings(s);
            let started = export::utc_timestamp();
            let clock = Instant::now();
            let staging = Staging::new(&args.out, &s.name)?;
            let model = Model::new(s);
            let progress = Progress::new(&s.name, s.paths, args.quiet);
            let on_progress = |done: u64| progress.update(done);
            let options = RunOptions {
                paths: s.paths,
                seed: s.seed,
                threads: args.threads.map_or(0, usize::from),
                progress: Some(&on_progress),
                cancel: Some(cancel),
                exact_up_to: engine::EXACT_VALUES,
            };
            let outcome = match args.target_se {
                Some((summary, target)) => {
                    let precision =
                        Precision { summary, target, max_paths: args.max_paths.unwrap_or(DEFAULT_MAX_PATHS) };
                    engine::run_to_precision(&model, &options, precision).map(|(r, o)| (r, Some((summary, o))))
                }
                None => engine::run(&model, &options).map(|r| (r, None)),
            };
            let (result, precision) = outcome.map_err(|source| {
                progress.finish();
                AppError::Engine { scenario: s.file.display().to_string(), source }
            })?;
            s.paths = result.paths;
            // The sensitivity's held runs (two per uncertain input, at the
            // run's final path count) go on the same bar and into the times.
            let analysed = if args.sensitivity {
                let held = 2 * model.uncertain_inputs().len() as u64 * result.paths;
                progress.extend(result.paths, held);
                let on_held = |done: u64| progress.update(result.paths + done);
                let clock = Instant::now();
                let analysis = sensitivity::analyse(
                    &model,
                    &RunOptions { paths: result.paths, progress: Some(&on_held), ..options },
                    &result,
                )
                .map_err(|source| {
                    progress.finish();
                    AppError::Engine { scenario: s.file.display().to_string(), source }
                })?;
                Some((analysis, clock.elapsed()))
            } else {
                None
            };
            progress.finish();
            // (Warnings go to stderr even with --quiet.)
            warn_if_coarsened(&s.file.display().to_string(), &result.resolution);
            let report = RunReport {
                scenario: s,
                model: &model,
                result: &result,
                seed: s.seed,
                wall: clock.elapsed(),
                started,
                command: command.clone(),
                sensitivity: analysed.as_ref().map(|(a, t)| (2 * a.inputs.len(), *t)),
                precision: precision.map(|(m, o)| (m, o, args.max_paths.unwrap_or(DEFAULT_MAX_PATHS))),
            };
            let exporters = export::standard_exporters();
            let mut files: Vec<String> = exporters.iter().map(|e| e.file_name().to_string()).collect();
            let paths_csv = args.export_paths.map(|n| export::PathsCsv { paths: n });
            // The CSV files are written while the charts are drawn, and the
            // charts' files side by side; all are flushed to disk together when
            // the folder is committed.
            let (written, drawn) = rayon::join(
                || -> Result<(), AppError> {
                    for e in &exporters {
                        staging.write(e.as_ref(), &report)?;
                    }
                    if let Some(paths) = &paths_csv {
                        staging.write(paths, &report)?;
                    }
                    Ok(())
                },
                || match &chart_options {
                    Some(opts) => export::scenario_charts(&report, opts),
                    None => Ok((Vec::new(), Vec::new())),
                },
            );
            written?;
            let (chart_files, embedded) = drawn?;
            if let Some(paths) = &paths_csv {
                files.push(export::Exporter::file_name(paths).to_string());
            }
            chart_files.par_iter().try_for_each(|f| staging.write_bytes(&f.name, &f.bytes))?;
            files.extend(chart_files.iter().map(|f| f.name.clone()));
            let mut embedded = embedded;
            let analysed = analysed.map(|(a, _)| a);
            if let Some(analysis) = &analysed {
                for (file, text) in [
                    ("sensitivity.csv", sensitivity_csv(&s.name, analysis)),
                    ("swing.csv", swing_csv(&s.name, analysis)),
                ] {
                    staging.write_bytes(file, text.as_bytes())?;
                    files.push(file.to_string());
                }
                if let Some(opts) = &chart_options {
                    // pv_total's, then pv_share's (which the equity stake,
                    // most of pv_total, does not drown).
                    for output in [Summary::PvTotal, Summary::PvShare] {
                        let digest = tornado_digest(s, &result, analysis, output);
                        for f in charts::tornado_charts(&digest, opts)? {
                            staging.write_bytes(&f.name, &f.bytes)?;
                            files.push(f.name.clone());
                        }
                        embedded.extend(charts::tornado_embedded(&digest, opts));
                    }
                }
            }
            // report.md last, so that it lists every file and embeds every chart.
            let md = ScenarioReport { charts: &embedded, files: &files, sensitivity: analysed.as_ref() };
            staging.write(&md, &report)?;
            files.push(export::Exporter::file_name(&md).to_string());
            // Interrupted while writing: drop the staged files, keep earlier scenarios.
            interrupted(cancel, s)?;
            let dir = staging.commit()?;
            warn_leftovers(&dir);
            if !args.quiet {
                print_summary(&mut stdout, &report, &dir, &files)?;
                if let Some(a) = &analysed {
                    print_sensitivity(&mut stdout, a)?;
                }
                if let Some((summary, o)) = precision {
                    let verdict = if o.met { "reached" } else { "NOT reached (raise --max-paths)" };
                    writeln!(
                        stdout,
                        "  precision: se of mean {} = {} for a target of {}: {verdict} with {} paths (rerun with --paths {} for the same numbers)",
                        summary.name(),
                        Num(significant(o.se)),
                        Num(significant(o.target)),
                        result.paths,
                        result.paths
                    )?;
                }
            }
            // A target on a quantity that is the same on every path is met by
            // any run and says nothing about the others: say so.
            if let Some((summary, _)) = precision.filter(|(m, _)| result.summary(*m).sd == 0.0) {
                stdout.flush()?;
                eprintln!(
                    "warning: {}: --target-se {}: {} is {} on every path, so its se is 0 and any run meets the target; it says nothing about the precision of the other results\n  fix: target a quantity that varies, e.g. --target-se pv_total=0.1%",
                    s.file.display(),
                    summary.name(),
                    summary.name(),
                    export::format_number(result.summary(summary).mean)
                );
            }
            // An unmet target is a warning, on stderr, with or without --quiet.
            if let Some((summary, o)) = precision.filter(|(_, o)| !o.met) {
                stdout.flush()?;
                eprintln!(
                    "warning: {}: --target-se {}: the se of the mean is {} after {} paths, the most --max-paths allows, above the target of {}: the target was NOT reached (the results of those paths were written)\n  fix: raise --max-paths, or give a looser target",
                    s.file.display(),
                    summary.name(),
                    Num(significant(o.se)),
                    result.paths,
                    Num(significant(o.target))
                );
            }
            // (A run of one scenario keeps its digest too, to check the
            // comparison an earlier run left beside it.)
            digests.push(ScenarioDigest::new(&report));
            finished += 1;
        }
        Ok(())
    };
    if let Err(e) = each() {
        // The scenarios that finished keep their new results; say that the
        // comparison beside them is not of this run.
        let comparison = args.out.join("comparison");
        if compare && finished > 0 && comparison.is_dir() {
            eprintln!(
                "note: {} still compares an earlier run's results: it is written only when every scenario finishes",
                comparison.display()
            );
        }
        return Err(e);
    }
    if !compare {
        warn_stale_comparison(&args.out, &digests);
    }
    if compare {
        interrupted(cancel, &scenarios[scenarios.len() - 1])?;
        let (dir, files) = write_comparison(&args.out, &digests, chart_options.as_ref())?;
        if !args.quiet {
            writeln!(stdout, "\ncomparison of {} scenarios", digests.len())?;
            writeln!(stdout, "  wrote {}/ ({})", dir.display(), files.join(", "))?;
        }
    }
    Ok(())
}

/// Set by Ctrl-C (SIGINT) or SIGTERM: the run stops at the next chunk of
/// paths, drops what it had staged, and exits with 130.
fn interrupt_flag() -> &'static AtomicBool {
    static FLAG: OnceLock<&'static AtomicBool> = OnceLock::new();
    FLAG.get_or_init(|| {
        let flag: &'static AtomicBool = Box::leak(Box::new(AtomicBool::new(false)));
        // If a handler cannot be installed (one already is), signals keep their default action.
        let _ = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst));
        flag
    })
}

/// `Err(Cancelled)` once an interrupt has arrived.
fn interrupted(cancel: &AtomicBool, s: &Scenario) -> Result<(), AppError> {
    if cancel.load(Ordering::SeqCst) {
        Err(AppError::Engine { scenario: s.file.display().to_string(), source: EngineError::Cancelled })
    } else {
        Ok(())
    }
}

/// A progress bar on stderr, shown only on a terminal, without `--quiet`,
/// and once a run has taken more than [`Progress::SHOW_AFTER`].
struct Progress {
    bar: Option<ProgressBar>,
    start: Instant,
    shown: AtomicBool,
    /// Where the bar is drawn once it shows (stderr; a test's screen).
    target: fn() -> ProgressDrawTarget,
}

impl Progress {
    /// How long a run goes before its bar appears: a run shorter than this
    /// shows none.
    const SHOW_AFTER: Duration = Duration::from_millis(500);

    fn new(name: &str, paths: u64, quiet: bool) -> Progress {
        Progress::drawn(name, paths, !quiet && io::stderr().is_terminal(), ProgressDrawTarget::stderr)
    }

    /// A bar drawn to `target` if `wanted`, else nothing.
    fn drawn(name: &str, paths: u64, wanted: bool, target: fn() -> ProgressDrawTarget) -> Progress {
        let bar =
            wanted.then(|| {
                let bar = ProgressBar::with_draw_target(Some(paths), ProgressDrawTarget::hidden());
                let style = ProgressStyle::with_template(
                    "{prefix} [{bar:30}] {human_pos}/{human_len} paths · {rate} · {eta} left",
                )
                .map(|s| {
                    s.progress_chars("=> ").with_key("rate", |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = write!(w, "{:.2}M paths/s", state.per_sec() / 1e6);
                    })
                })
                .unwrap_or_else(|_| ProgressStyle::default_bar());
                bar.set_style(style);
                bar.set_prefix(name.to_string());
                bar
            });
        Progress { bar, start: Instant::now(), shown: AtomicBool::new(false), target }
    }

    fn update(&self, done: u64) {
        let Some(bar) = &self.bar else { return };
        if !self.shown.load(Ordering::Relaxed) && self.start.elapsed() > Self::SHOW_AFTER {
            self.shown.store(true, Ordering::Relaxed);
            bar.set_draw_target((self.target)());
        }
        bar.set_position(done);
    }

    /// Add `more` paths to a bar that has done `done`: the runs that follow
    /// the first (its length was the paths asked for; with --target-se the
    /// run may have done more).
    fn extend(&self, done: u64, more: u64) {
        if let Some(bar) = &self.bar {
            bar.set_length(done + more);
            bar.set_position(done);
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// The chart options of `run`, or `None` with `--no-charts`.
fn chart_options(args: &RunArgs) -> Option<ChartOptions> {
    if args.no_charts {
        return None;
    }
    let formats: Vec<ChartFormat> = args
        .format
        .iter()
        .map(|f| match f {
            ChartFormatArg::Png => ChartFormat::Png,
            ChartFormatArg::Svg => ChartFormat::Svg,
        })
        .collect();
    Some(ChartOptions::new(args.chart_size.0, args.chart_size.1, &formats))
}

/// Write `<out>/comparison/` (comparison.csv, charts, report.md) atomically;
/// returns the folder and the files written.
fn write_comparison(
    out: &Path,
    digests: &[ScenarioDigest],
    chart_options: Option<&ChartOptions>,
) -> Result<(PathBuf, Vec<String>), AppError> {
    let staging = Staging::new(out, "comparison")?;
    let mut files = Vec::new();
    let csv = export::comparison_csv(digests)?;
    staging.write_bytes("comparison.csv", &csv)?;
    files.push("comparison.csv".to_string());
    let (chart_files, embedded) = match chart_options {
        Some(opts) => export::comparison_charts(digests, opts)?,
        None => (Vec::new(), Vec::new()),
    };
    for f in &chart_files {
        staging.write_bytes(&f.name, &f.bytes)?;
        files.push(f.name.clone());
    }
    let md = export::comparison_markdown(digests, &embedded);
    staging.write_bytes("report.md", md.as_bytes())?;
    files.push("report.md".to_string());
    let dir = staging.commit()?;
    warn_leftovers(&dir);
    Ok((dir, files))
}

/// The short table printed after each scenario.
fn print_summary(out: &mut dyn Write, r: &RunReport<'_>, dir: &Path, files: &[String]) -> io::Result<()> {
    let s = r.scenario;
    let res = r.result;
    writeln!(out)?;
    let described = s.described();
    if described.is_empty() {
        writeln!(out, "{}", s.name)?;
    } else {
        writeln!(out, "{} — {described}", s.name)?;
    }
    writeln!(
        out,
        "  {}{} · seed {} · {} · {:.2} s{}",
        export::count(res.paths, "path"),
        if s.sampling == revshare::scenario::Sampling::LatinHypercube { " (Latin hypercube)" } else { "" },
        r.seed,
        export::count(res.threads as u64, "thread"),
        r.wall.as_secs_f64(),
        match r.sensitivity {
            Some((runs, t)) if runs > 0 => format!(
                " ({:.2} s of it the sensitivity's {})",
                t.as_secs_f64(),
                export::count(runs as u64, "held run")
            ),
            _ => String::new(),
        }
    )?;
    writeln!(out, "  {:<18} {:>10} {:>10} {:>10} {:>10}", "$B", "mean", "median", "P5", "P95")?;
    // With a counter-share, what the holder pays back and keeps too.
    let counter = s.counter_share.is_some();
    for m in [
        Summary::TotalShare,
        Summary::PvShare,
        Summary::TotalCounter,
        Summary::PvNet,
        Summary::EquityEnd,
        Summary::PvEquity,
        Summary::PvTotal,
    ]
    .into_iter()
    .filter(|m| counter || !matches!(m, Summary::TotalCounter | Summary::PvNet))
    {
        let (label, st) = (m.name(), res.summary(m));
        writeln!(
            out,
            "  {:<18} {:>10} {:>10} {:>10} {:>10}",
            label,
            export::money(st.mean),
            export::quantile_money(st.median()),
            export::quantile_money(st.percentiles[0]),
            export::quantile_money(st.percentiles[6])
        )?;
    }
    let last = s.share_last_year();
    if s.revenue_share.cap.is_some() {
        let p = export::percent_of_paths(res.summary(Summary::CapHit).mean);
        match res.modal_cap_year() {
            Some(y) => writeln!(out, "  cap binds by {last} in {p} of paths, most often in {}", r.model.year(y))?,
            None => writeln!(out, "  cap never binds by {last}")?,
        }
    } else {
        writeln!(out, "  no cap")?;
    }
    if s.revenue_share.termination_rate > 0.0 {
        writeln!(
            out,
            "  share terminated early in {} of paths (termination_rate {} a year)",
            export::percent_of_paths(res.terminated_fraction()),
            s.revenue_share.termination_rate
        )?;
    }
    writeln!(out, "  wrote {}/ ({})", dir.display(), files.join(", "))?;
    Ok(())
}

/// `revshare check`.
pub fn check(files: &[PathBuf], overrides: &[(String, String)]) -> Result<(), AppError> {
    check_overrides(overrides, &[])?;
    let mut errors = Vec::new();
    let mut stdout = Console::new(io::stdout().lock());
    for f in files {
        match Scenario::load_with(f, overrides) {
            Ok(s) => {
                print_warnings(&s);
                let chain: Vec<String> = s.sources.iter().map(|x| x.path.display().to_string()).collect();
                writeln!(stdout, "# {}: valid", f.display())?;
                for (k, v) in &s.overrides {
                    writeln!(stdout, "# --set {k}={v}")?;
                }
                if chain.len() > 1 {
                    writeln!(stdout, "# extends: {}", chain[1..].join(" → "))?;
                }
                writeln!(stdout, "{}", s.to_toml())?;
            }
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(AppError::Scenarios(errors)) }
}

/// `revshare list`.
pub fn list(dir: Option<&Path>) -> Result<(), AppError> {
    let dir = dir.unwrap_or(Path::new("scenarios"));
    let files = toml_files(dir)?;
    if files.is_empty() {
        return Err(usage(
            format!("{}: no *.toml scenario files in this folder", dir.display()),
            "give a folder that holds scenario files: revshare list scenarios",
        ));
    }
    let mut rows = vec![["name".to_string(), "years".to_string(), "file".to_string(), "description".to_string()]];
    let mut errors = Vec::new();
    for f in &files {
        match Scenario::load(f) {
            Ok(s) => rows.push([
                s.name.clone(),
                format!("{}–{}", s.first_year(), s.last_year()),
                f.display().to_string(),
                s.description.clone(),
            ]),
            Err(e) => errors.push(e),
        }
    }
    let widths: Vec<usize> = (0..3).map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
    let mut stdout = Console::new(io::stdout().lock());
    // (No table at all when no file in the folder is a valid scenario.)
    for r in rows.iter().filter(|_| rows.len() > 1) {
        let pad = |i: usize| format!("{}{}", r[i], " ".repeat(widths[i] - r[i].chars().count()));
        writeln!(stdout, "{}  {}  {}  {}", pad(0), pad(1), pad(2), r[3])?;
    }
    if errors.is_empty() { Ok(()) } else { Err(AppError::Scenarios(errors)) }
}

/// `sensitivity.csv`: scenario,input,output,spearman,paths.
fn sensitivity_csv(name: &str, a: &Sensitivity) -> String {
    let mut out = String::from("scenario,input,output,spearman,paths\n");
    for i in &a.inputs {
        for (o, s) in a.outputs.iter().enumerate() {
            out.push_str(&format!(
                "{name},{},{},{},{}\n",
                i.input.key(),
                s.name(),
                export::format_stat(i.spearman[o]),
                a.rank_paths
            ));
        }
    }
    out
}

/// `swing.csv`: one row per output and input, largest swing first.
fn swing_csv(name: &str, a: &Sensitivity) -> String {
    let mut out =
        String::from("scenario,input,output,low_value,high_value,median_at_low,median_at_high,base_median,swing\n");
    for (o, s) in a.outputs.iter().enumerate() {
        for i in a.ranked(o) {
            let f = export::format_number;
            out.push_str(&format!(
                "{name},{},{},{},{},{},{},{},{}\n",
                i.input.key(),
                s.name(),
                f(i.low_value),
                f(i.high_value),
                f(i.at_low[o]),
                f(i.at_high[o]),
                f(a.base[o]),
                f(i.swing(o))
            ));
        }
    }
    out
}

/// A tornado chart's data: the swings of `output`'s median (pv_total, in
/// `tornado`, or pv_share, in `tornado_share`), largest first.
fn tornado_digest(s: &Scenario, r: &engine::RunResult, a: &Sensitivity, output: Summary) -> charts::TornadoDigest {
    let o = a.outputs.iter().position(|x| *x == output).expect("pv_total and pv_share are always analysed");
    let (stem, output_label) = match output {
        Summary::PvShare => ("tornado_share", "Median present value of the revenue-share payments ($B)"),
        _ => ("tornado", "Median present value of everything the holder gets ($B)"),
    };
    charts::TornadoDigest {
        stem,
        name: s.name.clone(),
        description: s.shown_description(),
        overrides: s.overrides_note(),
        output: output.name().to_string(),
        output_label: output_label.to_string(),
        base: a.base[o],
        bars: a
            .ranked(o)
            .iter()
            .map(|i| charts::SwingBar {
                input: i.input.key(),
                low_value: i.low_value,
                high_value: i.high_value,
                at_low: i.at_low[o],
                at_high: i.at_high[o],
            })
            .collect(),
        paths: r.paths,
        seed: s.seed,
    }
}

/// The inputs that move pv_total's median most: the first five, and how
/// many more swing.csv holds.
fn print_sensitivity(out: &mut dyn Write, a: &Sensitivity) -> io::Result<()> {
    const SHOWN: usize = 5;
    let rows = a.ranked(0);
    if rows.is_empty() {
        return writeln!(
            out,
            "  sensitivity: no uncertain inputs to rank (each input that may be a distribution is a single value here)"
        );
    }
    writeln!(out, "  sensitivity of median pv_total (base {}):", export::quantile_money(a.base[0]))?;
    for i in rows.iter().take(SHOWN) {
        writeln!(
            out,
            "    {:<32} P10 → {:>9}   P90 → {:>9}   rank corr {:>6}",
            i.input.key(),
            export::quantile_money(i.at_low[0]),
            export::quantile_money(i.at_high[0]),
            export::correlation(i.spearman[0])
        )?;
    }
    if rows.len() > SHOWN {
        let more = rows.len() - SHOWN;
        writeln!(out, "    ... and {more} more input{} in swing.csv", if more == 1 { "" } else { "s" })?;
    }
    for i in a.inert() {
        writeln!(out, "    {} moves no output's median: {}", i.input.key(), a.why_inert(i))?;
    }
    Ok(())
}

/// A sweep's errors, each once: an error of the file or of a `--set` comes
/// back from every combination, and one that a `--vary` value causes from
/// every combination with that value. Errors that differ only in the value of
/// one `--vary` (an unknown key) become one, naming all its values.
fn sweep_errors(errors: Vec<ScenarioError>, vary: &[(String, Vec<String>)]) -> Vec<ScenarioError> {
    let mut once: Vec<ScenarioError> = Vec::new();
    for e in errors {
        if !once.contains(&e) {
            once.push(e);
        }
    }
    // The --vary key and value an error is laid at, if any.
    let varied = |e: &ScenarioError| -> Option<(usize, String)> {
        let label = e.file.to_str()?;
        vary.iter()
            .enumerate()
            .find_map(|(i, (k, _))| label.strip_prefix(&format!("--vary {k}=")).map(|v| (i, v.to_string())))
    };
    // Each error, with the --vary it is laid at and the values it came from.
    let mut merged: Vec<(ScenarioError, Option<usize>, Vec<String>)> = Vec::new();
    for e in once {
        let Some((i, value)) = varied(&e) else {
            merged.push((e, None, Vec::new()));
            continue;
        };
        let same = |m: &ScenarioError| {
            (m.rule, &m.position, &m.key, &m.message, &m.fix) == (e.rule, &e.position, &e.key, &e.message, &e.fix)
        };
        match merged.iter_mut().find(|(m, j, _)| *j == Some(i) && same(m)) {
            Some((_, _, values)) => values.push(value),
            None => merged.push((e, Some(i), vec![value])),
        }
    }
    merged
        .into_iter()
        .map(|(mut e, i, values)| {
            if let (Some(i), true) = (i, values.len() > 1) {
                e.file = PathBuf::from(format!("--vary {}={}", vary[i].0, values.join(",")));
            }
            e
        })
        .collect()
}

/// `revshare sweep`.
pub fn sweep(args: &SweepArgs) -> Result<(), AppError> {
    let run = &args.run;
    let [file] = &run.inputs[..] else {
        return Err(usage(
            format!("sweep takes one scenario file, not {}", run.inputs.len()),
            "give one file: revshare sweep scenarios/amended-2026.toml --vary revenue_share.cap=30,38,50",
        ));
    };
    if run.target_se.is_some() || run.max_paths.is_some() || run.export_paths.is_some() || run.sensitivity {
        return Err(usage(
            "--target-se, --max-paths, --export-paths and --sensitivity do not apply to sweep",
            "run them with `revshare run` (with --set for one combination)",
        ));
    }
    for (key, _) in &args.vary {
        let fix = match key.as_str() {
            "extends" | "name" => Some("sweep one file, and run other files with `revshare run`"),
            "seed" | "paths" => Some(
                "a sweep runs every combination at one seed and path count (common random numbers): set them with --seed and --paths",
            ),
            "sampling" if run.sampling.is_some() => Some("give either --sampling or --vary sampling=..., not both"),
            _ => None,
        };
        if let Some(fix) = fix {
            return Err(usage(format!("--vary {key}: `{key}` cannot be varied in a sweep"), fix));
        }
    }
    check_overrides(&run.set, &args.vary)?;
    check_option_conflicts(run)?;
    // Counted before any is made: a sweep keeps every combination's
    // scenario and results (about 0.1 MB each) until it writes sweep.csv.
    let count = args.vary.iter().fold(1usize, |n, (_, values)| n.saturating_mul(values.len()));
    if count > MAX_COMBINATIONS {
        let sizes: Vec<String> = args.vary.iter().map(|(k, v)| format!("{} values of {k}", v.len())).collect();
        return Err(usage(
            format!(
                "--vary: {} make {count} combinations, more than the {MAX_COMBINATIONS} a sweep runs",
                sizes.join(" × ")
            ),
            "give fewer values (a..b:n with a smaller n), or split the sweep into several runs",
        ));
    }
    // Every combination, applied after the user's own --set overrides.
    let mut combos: Vec<Vec<(String, String)>> = vec![Vec::new()];
    for (key, values) in &args.vary {
        combos = combos
            .into_iter()
            .flat_map(|c| {
                values.iter().map(move |v| {
                    let mut c = c.clone();
                    c.push((key.clone(), v.clone()));
                    c
                })
            })
            .collect();
    }
    let mut scenarios = Vec::new();
    let mut errors = Vec::new();
    for combo in &combos {
        match Scenario::load_varied(file, &run.set, combo) {
            Ok(s) => scenarios.push(s),
            Err(e) => errors.extend(e.0),
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Scenarios(vec![ScenarioErrors(sweep_errors(errors, &args.vary))]));
    }
    // Each scenario warning once, not once per combination.
    let mut warned: Vec<String> = Vec::new();
    for w in scenarios.iter().flat_map(|s| &s.warnings) {
        if !warned.contains(w) {
            eprintln!("warning: {}: {w}", file.display());
            warned.push(w.clone());
        }
    }
    let name = format!("{}-sweep", scenarios[0].name);
    let _made = export::check_output_root(&run.out)?;
    export::check_target(&run.out, &name, export::SWEEP_MARK)?;
    let cancel = interrupt_flag();
    let started = export::utc_timestamp();
    let clock = Instant::now();
    let staging = Staging::new(&run.out, &name)?;
    let mut results = Vec::new();
    for s in &mut scenarios {
        apply_run_args(s, run);
    }
    // One bar for the whole sweep: every combination runs the same paths.
    let progress = Progress::new(&name, scenarios.iter().map(|s| s.paths).sum(), run.quiet);
    let mut offset = 0;
    let mut coarsened = Vec::new();
    for (s, combo) in scenarios.iter().zip(&combos) {
        let model = Model::new(s);
        let on_progress = |done: u64| progress.update(offset + done);
        let options = RunOptions {
            paths: s.paths,
            seed: s.seed,
            threads: run.threads.map_or(0, usize::from),
            progress: Some(&on_progress),
            cancel: Some(cancel),
            exact_up_to: engine::EXACT_VALUES,
        };
        let values = combo.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(", ");
        let label = format!("{} (the combination {values})", file.display());
        let result = engine::run(&model, &options).map_err(|source| {
            progress.finish();
            AppError::Engine { scenario: label.clone(), source }
        })?;
        offset += s.paths;
        if result.resolution.coarsened_count() > 0 {
            coarsened.push((values, result.resolution.clone()));
        }
        results.push(result);
    }
    // One warning for the sweep, of its coarsest combination.
    if let Some((values, worst)) =
        coarsened.iter().max_by(|a, b| a.1.relative_accuracy().total_cmp(&b.1.relative_accuracy()))
    {
        let which = match coarsened.len() {
            1 => format!("the combination {values}"),
            n => format!("{n} of {} combinations; the coarsest, {values}", combos.len()),
        };
        warn_if_coarsened(&format!("{} ({which})", file.display()), worst);
    }
    progress.finish();
    let wall = clock.elapsed();
    let keys: Vec<&str> = args.vary.iter().map(|(k, _)| k.as_str()).collect();
    // sweep.csv: the summary.csv columns plus one column per varied key.
    let mut csv = Vec::new();
    let mut w = export::csv_writer(&mut csv);
    let mut header = export::stats_header(&["scenario", "metric"]);
    header.extend(keys.iter().map(|k| k.to_string()));
    w.write_record(&header).map_err(io::Error::from)?;
    for ((s, r), combo) in scenarios.iter().zip(&results).zip(&combos) {
        for m in Summary::ALL {
            let mut fields = vec![s.name.clone(), m.name().to_string()];
            fields.extend(export::stat_fields(r.summary(m)));
            fields.extend(combo.iter().map(|(_, v)| v.clone()));
            w.write_record(&fields).map_err(io::Error::from)?;
        }
    }
    w.flush()?;
    drop(w);
    staging.write_bytes("sweep.csv", &csv)?;
    let mut files = vec!["sweep.csv".to_string()];
    // sweep.png for one numeric key.
    let numeric: Option<Vec<f64>> = combos.iter().map(|c| c[0].1.parse::<f64>().ok()).collect();
    if let (1, Some(values), Some(opts)) = (keys.len(), numeric, chart_options(run)) {
        let mut points: Vec<charts::SweepPoint> = values
            .iter()
            .zip(&results)
            .map(|(v, r)| charts::SweepPoint {
                value: *v,
                pv_share: r.summary(Summary::PvShare).clone(),
                pv_equity: r.summary(Summary::PvEquity).clone(),
                pv_total: r.summary(Summary::PvTotal).clone(),
            })
            .collect();
        points.sort_by(|a, b| a.value.total_cmp(&b.value));
        let digest = charts::SweepDigest {
            name: scenarios[0].name.clone(),
            // (What the file says of the key the sweep varies no longer holds.)
            description: scenarios[0].description_beside(true),
            overrides: scenarios[0].overrides_note(),
            key: keys[0].to_string(),
            paths: results[0].paths,
            seed: scenarios[0].seed,
            points,
        };
        for f in charts::sweep_charts(&digest, &opts)? {
            staging.write_bytes(&f.name, &f.bytes)?;
            files.push(f.name.clone());
        }
    }
    let manifest = export::sweep_manifest(&export::SweepRun {
        scenario: &scenarios[0],
        combinations: &combos,
        results: &results,
        seed: scenarios[0].seed,
        wall,
        started,
        command: std::env::args().collect(),
        warnings: &warned,
    });
    staging.write_bytes("manifest.json", &manifest)?;
    files.push("manifest.json".to_string());
    interrupted(cancel, &scenarios[0])?;
    let dir = staging.commit()?;
    warn_leftovers(&dir);
    if !run.quiet {
        let mut stdout = Console::new(io::stdout().lock());
        writeln!(
            stdout,
            "\n{} — {} · {} each{} · seed {} (common random numbers) · {:.2} s",
            name,
            export::count(combos.len() as u64, "combination"),
            export::count(results[0].paths, "path"),
            if scenarios[0].sampling == revshare::scenario::Sampling::LatinHypercube {
                " (Latin hypercube)"
            } else {
                ""
            },
            scenarios[0].seed,
            wall.as_secs_f64()
        )?;
        let described = scenarios[0].described_beside(true);
        if !described.is_empty() {
            writeln!(stdout, "  {described}")?;
        }
        // Each key's values, numbers to as many decimals as the column's
        // most (0.08, 0.10, 0.12), and its column as wide as its longest
        // value (an array, a table).
        let shown: Vec<Vec<String>> = (0..keys.len())
            .map(|i| same_decimals(&combos.iter().map(|c| c[i].1.as_str()).collect::<Vec<_>>()))
            .collect();
        let widths: Vec<usize> = (0..keys.len())
            .map(|i| shown[i].iter().map(|v| v.chars().count()).chain([keys[i].len(), 22]).max().unwrap_or(22))
            .collect();
        let head: Vec<String> = keys.iter().zip(&widths).map(|(k, w)| format!("{k:>w$}")).collect();
        writeln!(
            stdout,
            "  {} {:>12} {:>12} {:>15} {:>10}",
            head.join(" "),
            "pv_share p50",
            "pv_total p50",
            "total_share p50",
            "cap binds"
        )?;
        for (j, (r, sc)) in results.iter().zip(&scenarios).enumerate() {
            let vals: Vec<String> = shown.iter().zip(&widths).map(|(col, w)| format!("{:>w$}", col[j])).collect();
            writeln!(
                stdout,
                "  {} {:>12} {:>12} {:>15} {:>10}",
                vals.join(" "),
                export::quantile_money(r.summary(Summary::PvShare).median()),
                export::quantile_money(r.summary(Summary::PvTotal).median()),
                export::quantile_money(r.summary(Summary::TotalShare).median()),
                if sc.revenue_share.cap.is_some() {
                    export::percent_of_paths(r.summary(Summary::CapHit).mean)
                } else {
                    "no cap".to_string()
                }
            )?;
        }
        writeln!(stdout, "  wrote {}/ ({})", dir.display(), files.join(", "))?;
    }
    Ok(())
}

/// Values for a column: when all are plain decimal numbers, each written
/// to the most decimals any has (`0.08`, `0.1` and `0.12` as `0.08`, `0.10`,
/// `0.12`); otherwise as given.
fn same_decimals(values: &[&str]) -> Vec<String> {
    let plain = |v: &str| {
        let digits = v.strip_prefix('-').unwrap_or(v);
        !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit() || c == '.') && digits.matches('.').count() <= 1
    };
    if !values.iter().all(|v| plain(v)) {
        return values.iter().map(|v| v.to_string()).collect();
    }
    let decimals = |v: &str| v.split_once('.').map_or(0, |(_, f)| f.len());
    let most = values.iter().map(|v| decimals(v)).max().unwrap_or(0);
    values
        .iter()
        .map(|v| {
            let pad = most - decimals(v);
            let point = if pad > 0 && !v.contains('.') { "." } else { "" };
            format!("{v}{point}{}", "0".repeat(pad))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    #[test]
    fn a_column_of_numbers_has_as_many_decimals_throughout() {
        assert_eq!(super::same_decimals(&["0.08", "0.1", "0.12"]), ["0.08", "0.10", "0.12"]);
        assert_eq!(super::same_decimals(&["20", "37.5", "-5"]), ["20.0", "37.5", "-5.0"]);
        assert_eq!(super::same_decimals(&["20", "30"]), ["20", "30"]);
        // Not all plain numbers: as given.
        assert_eq!(super::same_decimals(&["[2026,2030]", "0.1"]), ["[2026,2030]", "0.1"]);
        assert_eq!(super::same_decimals(&["1e3", "0.5"]), ["1e3", "0.5"]);
    }

    use indicatif::InMemoryTerm;

    use super::*;

    /// The screen the bar of the test below draws on.
    static SCREEN: OnceLock<InMemoryTerm> = OnceLock::new();

    fn screen() -> InMemoryTerm {
        SCREEN.get_or_init(|| InMemoryTerm::new(4, 120)).clone()
    }

    fn on_screen() -> ProgressDrawTarget {
        ProgressDrawTarget::term_like(Box::new(screen()))
    }

    /// Nothing before half a second; then the scenario, paths done of all,
    /// paths per second and the time left, the held runs of a sensitivity
    /// analysis added to the same bar; cleared when the run ends.
    #[test]
    fn the_bar_shows_paths_rate_and_time_left_once_a_run_passes_half_a_second() {
        let mut p = Progress::drawn("deal", 1_000_000, true, on_screen);
        p.update(1000);
        assert_eq!(screen().contents().trim(), "", "drawn before half a second");
        // As if the run had started a second ago.
        p.start = Instant::now().checked_sub(Duration::from_secs(1)).expect("a second since boot");
        p.update(250_000);
        let shown = screen().contents();
        for part in ["deal [", "250,000/1,000,000 paths", "M paths/s", "left"] {
            assert!(shown.contains(part), "{part:?} not in {shown:?}");
        }
        // The sensitivity's held runs (or a sweep's next combination) go on the same bar.
        p.update(1_000_000);
        p.extend(1_000_000, 14_000_000);
        p.update(1_000_000 + 500_000);
        let shown = screen().contents();
        assert!(shown.contains("1,500,000/15,000,000 paths"), "{shown:?}");
        p.finish();
        assert_eq!(screen().contents().trim(), "", "left on screen after the run");
    }

    /// `--quiet`, or stderr that is not a terminal, gives no bar at all.
    #[test]
    fn no_bar_when_quiet_or_not_on_a_terminal() {
        let p = Progress::drawn("deal", 10, false, ProgressDrawTarget::stderr);
        assert!(p.bar.is_none());
        p.update(5);
        p.finish();
        // This test's stderr is captured, not a terminal.
        assert!(Progress::new("deal", 10, false).bar.is_none() || io::stderr().is_terminal());
        assert!(Progress::new("deal", 10, true).bar.is_none());
    }

    /// `--threads N` holds rayon's shared pool, which draws the charts and
    /// writes the files beside the simulation, to N threads (one per core
    /// at most); without it, the pool has one per core. Each case runs in a
    /// fresh process (this
    /// test binary again, running only the case), since a process builds
    /// its shared pool once.
    #[test]
    fn threads_hold_the_shared_pool() {
        if let Ok(case) = std::env::var("REVSHARE_POOL_CASE") {
            let threads = case.parse::<u16>().ok();
            limit_threads(threads);
            let expected = threads.map_or(engine::cores(), |n| usize::from(n).min(engine::cores()));
            assert_eq!(rayon::current_num_threads(), expected, "--threads {case}");
            // The charts' pool is the one they run on.
            let (a, b) = rayon::join(rayon::current_num_threads, rayon::current_num_threads);
            assert_eq!((a, b), (expected, expected));
            return;
        }
        for case in ["1", "2", "60000", "none"] {
            let out = std::process::Command::new(std::env::current_exe().expect("this test binary"))
                .args(["--exact", "commands::tests::threads_hold_the_shared_pool", "--nocapture"])
                .env("REVSHARE_POOL_CASE", case)
                // (rayon would size a pool given no --threads from it.)
                .env_remove("RAYON_NUM_THREADS")
                .output()
                .expect("the test binary runs");
            let said = String::from_utf8_lossy(&out.stdout);
            assert!(out.status.success(), "case {case}: {said}{}", String::from_utf8_lossy(&out.stderr));
            assert!(said.contains("1 passed"), "case {case} did not run: {said}");
        }
    }
}
