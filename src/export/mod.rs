//! Output files, one module per format behind the small [`Exporter`] trait,
//! and the output folder that makes them appear all at once: files are written
//! into a hidden staging folder that replaces `<out>/<name>/` only when every
//! file is complete, so a failed or interrupted run never leaves a
//! half-written file and never destroys the previous results.

pub mod charts;
mod csv;
mod manifest;
mod report;

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::engine::{PrecisionOutcome, RunResult};
use crate::model::{Model, Summary};
use crate::scenario::Scenario;

pub use self::charts::{ChartFormat, ChartOptions, ScenarioDigest, comparison_charts, scenario_charts};
pub use self::csv::{PathsCsv, PeriodsCsv, SummaryCsv, YearlyCsv, format_number, format_stat};
pub use self::csv::{csv_writer, stat_fields, stats_header};
pub use self::manifest::{ManifestJson, SweepRun, sweep_manifest, utc_timestamp};
pub use self::report::{ScenarioReport, comparison_csv, comparison_markdown, scenario_markdown};

/// Everything an exporter may need about one finished run.
pub struct RunReport<'a> {
    pub scenario: &'a Scenario,
    pub model: &'a Model,
    pub result: &'a RunResult,
    pub seed: u64,
    /// Wall time of the whole scenario (simulation, statistics and any
    /// sensitivity runs; not the files).
    pub wall: Duration,
    /// When the run started, as an RFC 3339 UTC timestamp.
    pub started: String,
    /// The command line, as given.
    pub command: Vec<String>,
    /// The sensitivity analysis's held runs, if one was run: how many, and
    /// their time (within `wall`).
    pub sensitivity: Option<(usize, Duration)>,
    /// With `--target-se`: the summary whose mean's standard error was
    /// targeted, how it came out, and the most paths allowed.
    pub precision: Option<(Summary, PrecisionOutcome, u64)>,
}

/// A rank correlation to three decimals, or "n/a" where it is undefined
/// (an output or input that is the same on every path, or a single path),
/// as the console and report.md show it.
pub fn correlation(rho: f64) -> String {
    if rho.is_finite() { format!("{rho:.3}") } else { "n/a".to_string() }
}

/// A share of paths as a percentage with one decimal, which never rounds to
/// "100.0%" or "0.0%" a share that is not all or none: ">99.9%", "<0.1%".
pub fn percent_of_paths(p: f64) -> String {
    let v = p * 100.0;
    if v > 99.95 && v < 100.0 {
        ">99.9%".to_string()
    } else if v > 0.0 && v < 0.05 {
        "<0.1%".to_string()
    } else {
        format!("{v:.1}%")
    }
}

/// An amount in $B to two decimals: a mean, which is the sample's own.
pub fn money(x: f64) -> String {
    format!("{x:.2}")
}

/// A percentile in $B, to the figures it holds: four significant ones (a
/// percentile is within 1e-3 of the sample's, see MODEL.md §8), never more
/// than two decimals. 2186, not 2186.00, for a value good to about ±2;
/// 613.5, 31.14, 38.00.
pub fn quantile_money(x: f64) -> String {
    money_like(x, x)
}

/// `x` to the decimals [`quantile_money`] gives a percentile of the size of
/// `like`: for the difference of two percentiles of that size.
pub fn money_like(x: f64, like: f64) -> String {
    if like == 0.0 || !like.is_finite() {
        return money(x);
    }
    let decimals = (3 - like.abs().log10().floor() as i32).clamp(0, 2) as usize;
    format!("{x:.decimals$}")
}

/// `n` and a noun, singular for one: "1 path", "20000 paths".
pub fn count(n: u64, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}

/// One output file.
pub trait Exporter: Sync {
    /// File name inside the scenario's output folder.
    fn file_name(&self) -> &'static str;
    /// Write the whole file.
    fn write(&self, report: &RunReport<'_>, out: &mut dyn Write) -> io::Result<()>;
}

/// The standard set of files of a run, in the order they are written.
pub fn standard_exporters() -> Vec<Box<dyn Exporter>> {
    vec![Box::new(YearlyCsv), Box::new(PeriodsCsv), Box::new(SummaryCsv), Box::new(ManifestJson)]
}

/// An output error, with the path it concerns.
#[derive(Debug, thiserror::Error)]
#[error("{}: {action}: {source}\n  fix: {fix}", path.display())]
pub struct OutputError {
    pub path: PathBuf,
    pub action: &'static str,
    pub fix: &'static str,
    #[source]
    pub source: io::Error,
}

fn output_error(path: &Path, action: &'static str, source: io::Error) -> OutputError {
    let fix = match source.kind() {
        io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem => {
            "choose a folder you can write to with --out DIR"
        }
        io::ErrorKind::AlreadyExists | io::ErrorKind::NotADirectory => {
            "a file stands where the output folder should be: move it, or choose another folder with --out DIR"
        }
        _ => "check the output folder, or choose another with --out DIR",
    };
    OutputError { path: path.to_path_buf(), action, fix, source }
}

/// Make sure `root` exists and can be written, before any simulation runs.
/// The folders this creates for it are removed again when the returned
/// guard is dropped, if they are still empty then: a run that fails (or is
/// interrupted) before it writes any results leaves no empty folders behind.
pub fn check_output_root(root: &Path) -> Result<CreatedFolders, OutputError> {
    if root.exists() && !root.is_dir() {
        return Err(output_error(
            root,
            "cannot use as the output folder",
            io::Error::new(io::ErrorKind::AlreadyExists, "it is a file, not a folder"),
        ));
    }
    // The folders that do not exist yet, outermost last.
    let missing: Vec<PathBuf> =
        root.ancestors().take_while(|p| !p.as_os_str().is_empty() && !p.exists()).map(Path::to_path_buf).collect();
    let created = CreatedFolders(missing);
    fs::create_dir_all(root).map_err(|e| output_error(root, "cannot create the output folder", e))?;
    let probe = root.join(format!(".revshare-probe-{}", std::process::id()));
    fs::create_dir(&probe).map_err(|e| output_error(root, "cannot write into the output folder", e))?;
    let _ = fs::remove_dir(&probe);
    Ok(created)
}

/// Folders made for the output (innermost first), removed when dropped if
/// they are empty; a folder with anything in it stays, and so do the folders
/// around it. (Removal stops at the first it cannot remove: an `--out` that
/// goes through `..` may keep some of the folders made on the way. Nothing
/// that was there before is ever removed.)
#[must_use = "dropping it removes the output folder if it is still empty"]
pub struct CreatedFolders(Vec<PathBuf>);

impl Drop for CreatedFolders {
    fn drop(&mut self) {
        for dir in &self.0 {
            // (Fails, and so stops, at the first folder with something in it.)
            if fs::remove_dir(dir).is_err() {
                break;
            }
        }
    }
}

/// The file that marks a folder as one revshare wrote: every scenario's
/// folder has a manifest, a sweep's its sweep.csv, the comparison its
/// comparison.csv.
pub const SCENARIO_MARK: &str = "manifest.json";
pub const SWEEP_MARK: &str = "sweep.csv";
pub const COMPARISON_MARK: &str = "comparison.csv";

/// Every file name revshare writes into a results folder (a scenario's, a
/// sweep's or the comparison's), charts in either format included.
const OUTPUT_FILES: [&str; 10] = [
    "yearly.csv",
    "periods.csv",
    "summary.csv",
    "paths.csv",
    "sensitivity.csv",
    "swing.csv",
    "comparison.csv",
    "sweep.csv",
    "manifest.json",
    "report.md",
];
const CHART_STEMS: [&str; 12] = [
    "revenue",
    "cumulative_payment",
    "equity_value",
    "cap_probability",
    "pv_total",
    "total_share",
    "pv_share",
    "pv_equity",
    "pv_net",
    "sweep",
    "tornado",
    "tornado_share",
];

/// Whether `name` is a file that revshare writes into a results folder
/// (a test runs every kind of output and checks each file it writes).
pub fn is_output_file(name: &str) -> bool {
    OUTPUT_FILES.contains(&name)
        || name.rsplit_once('.').is_some_and(|(stem, ext)| {
            CHART_STEMS.contains(&stem) && [ChartFormat::Png, ChartFormat::Svg].iter().any(|f| f.extension() == ext)
        })
}

/// Files that the system, not the analyst, leaves in a folder: a file
/// browser's index (`.DS_Store`, `._*`, `Thumbs.db`, `desktop.ini`) or a
/// spreadsheet's lock on an open file (`~$*`, `.~lock.*#`). Any other
/// hidden file or folder (`.git`, `.notes.md`) is the analyst's.
fn is_system_file(name: &str) -> bool {
    name.starts_with("~$")
        || name.starts_with("._")
        || (name.starts_with(".~lock.") && name.ends_with('#'))
        || [".DS_Store", "Thumbs.db", "desktop.ini"].contains(&name)
}

/// Refuse, before any simulation, anything at `<root>/<name>` that a run
/// must not replace: a file or a link (a link, even a broken one, is never
/// followed or replaced), a folder with files in it that revshare did not
/// write, told by the absence of `mark` (see [`SCENARIO_MARK`]), or an
/// earlier run's folder to which something else has been added (a
/// spreadsheet saved beside the CSV files): a run replaces the whole folder.
/// An empty folder, or one from an earlier run, is replaced once the new
/// results are complete.
pub fn check_target(root: &Path, name: &str, mark: &str) -> Result<(), OutputError> {
    let target = root.join(name);
    let Ok(meta) = fs::symlink_metadata(&target) else { return Ok(()) };
    let refuse_with = |why: String, fix: &'static str| {
        Err(OutputError {
            path: target.clone(),
            action: "will not replace this with the results",
            fix,
            source: io::Error::new(io::ErrorKind::AlreadyExists, why),
        })
    };
    let refuse = |why: String| {
        refuse_with(why, "move it away, give the scenario another `name`, or choose another folder with --out DIR")
    };
    if meta.file_type().is_symlink() {
        return refuse("it is a link".into());
    }
    if !meta.is_dir() {
        return refuse("it is a file, not a folder".into());
    }
    let empty = fs::read_dir(&target).map(|mut d| d.next().is_none()).unwrap_or(false);
    // A sweep's folder has a manifest.json too: a scenario's results must not replace it.
    if mark == SCENARIO_MARK && target.join(SWEEP_MARK).is_file() {
        return refuse(format!("it holds a sweep's results ({SWEEP_MARK}), which would be lost"));
    }
    if !empty && !target.join(mark).is_file() {
        return refuse(format!(
            "it is a folder that revshare did not write (it has no {mark}), and its files would be lost"
        ));
    }
    let mut added: Vec<String> = fs::read_dir(&target)
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    let plain = e.file_type().is_ok_and(|t| t.is_file());
                    let expected = plain && (is_system_file(&name) || is_output_file(&name));
                    !expected
                })
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    if !added.is_empty() {
        added.sort();
        let (listed, them) = match added.len() {
            1 => (added[0].clone(), "it"),
            2 => (added.join(" and "), "them"),
            n => (format!("{}, {} and {} more", added[0], added[1], n - 2), "them"),
        };
        return refuse_with(
            format!("it holds {listed}, which revshare did not write, and a run would delete {them}"),
            "move what you added elsewhere (a run rewrites the whole folder), or choose another folder with --out DIR",
        );
    }
    Ok(())
}

/// A scenario's output folder being written: `<root>/.<name>.partial-<pid>`
/// until [`Staging::commit`] renames it to `<root>/<name>`. Dropped without a
/// commit, it removes itself.
///
/// Its files are flushed to disk all at once, side by side, when it is
/// committed (and before the rename): a file's `fsync` waits on the disk, not
/// the processor, so the threads that write and draw the files never wait.
pub struct Staging {
    root: PathBuf,
    name: String,
    dir: PathBuf,
    committed: bool,
    /// Files written but not yet flushed to disk.
    unsynced: std::sync::Mutex<Vec<(PathBuf, fs::File)>>,
}

impl Staging {
    /// Create the staging folder for scenario `name` under `root`.
    pub fn new(root: &Path, name: &str) -> Result<Staging, OutputError> {
        let dir = root.join(format!(".{name}.partial-{}", std::process::id()));
        if dir.exists() {
            let _ = fs::remove_dir_all(&dir);
        }
        fs::create_dir_all(&dir).map_err(|e| output_error(&dir, "cannot create a folder for the results", e))?;
        Ok(Staging {
            root: root.to_path_buf(),
            name: name.to_string(),
            dir,
            committed: false,
            unsynced: std::sync::Mutex::new(Vec::new()),
        })
    }

    /// The folder to write into.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the results will be once committed.
    pub fn final_dir(&self) -> PathBuf {
        self.root.join(&self.name)
    }

    /// Write one file through an exporter.
    pub fn write(&self, exporter: &dyn Exporter, report: &RunReport<'_>) -> Result<(), OutputError> {
        let path = self.dir.join(exporter.file_name());
        let file = fs::File::create(&path).map_err(|e| output_error(&path, "cannot create", e))?;
        let mut w = BufWriter::new(file);
        exporter.write(report, &mut w).map_err(|e| output_error(&path, "cannot write", e))?;
        let file = w.into_inner().map_err(|e| output_error(&path, "cannot write", e.into_error()))?;
        self.stage(path, file);
        Ok(())
    }

    /// Write `bytes` to the file `name`.
    pub fn write_bytes(&self, name: &str, bytes: &[u8]) -> Result<(), OutputError> {
        let path = self.dir.join(name);
        let mut file = fs::File::create(&path).map_err(|e| output_error(&path, "cannot create", e))?;
        file.write_all(bytes).map_err(|e| output_error(&path, "cannot write", e))?;
        self.stage(path, file);
        Ok(())
    }

    /// Keep a written file to be flushed at the commit.
    fn stage(&self, path: PathBuf, file: fs::File) {
        self.unsynced.lock().unwrap_or_else(|e| e.into_inner()).push((path, file));
    }

    /// Flush every file written to disk, all at once, each on a thread of
    /// its own (or on this one where no thread can be started). The first
    /// failure by file name is the one reported.
    fn sync(&self) -> Result<(), OutputError> {
        let mut files = std::mem::take(&mut *self.unsynced.lock().unwrap_or_else(|e| e.into_inner()));
        files.sort_by(|a, b| a.0.cmp(&b.0));
        let results: Vec<io::Result<()>> = std::thread::scope(|scope| {
            let syncs: Vec<_> = files
                .iter()
                .map(|(_, file)| std::thread::Builder::new().spawn_scoped(scope, || file.sync_all()).map_err(|_| file))
                .collect();
            syncs
                .into_iter()
                .map(|s| match s {
                    Ok(thread) => thread.join().unwrap_or_else(|_| Err(io::Error::other("the flush failed"))),
                    Err(file) => file.sync_all(),
                })
                .collect()
        });
        match files.iter().zip(results).find_map(|((path, _), r)| r.err().map(|e| (path, e))) {
            Some((path, e)) => Err(output_error(path, "cannot write", e)),
            None => Ok(()),
        }
    }

    /// Flush the staged files to disk and replace `<root>/<name>` with them.
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
        self.sync()?;
        let target = self.final_dir();
        let old = self.root.join(format!(".{}.old-{}", self.name, std::process::id()));
        let had_old = target.exists();
        if had_old {
            fs::rename(&target, &old).map_err(|e| output_error(&target, "cannot replace the previous results", e))?;
        }
        if let Err(e) = fs::rename(&self.dir, &target) {
            if had_old {
                let _ = fs::rename(&old, &target);
            }
            return Err(output_error(&target, "cannot move the results into place", e));
        }
        self.committed = true;
        if had_old {
            let _ = if old.is_dir() { fs::remove_dir_all(&old) } else { fs::remove_file(&old) };
        }
        Ok(target)
    }
}

/// Folders that runs writing scenario `name` under `root` left behind: a
/// staging folder (`.<name>.partial-<pid>`) of a run that was killed before
/// it could remove it, or the previous results (`.<name>.old-<pid>`) that a
/// run moved aside and then could not delete. A run that is writing the same
/// scenario into the same folder right now has one too.
pub fn leftovers(root: &Path, name: &str) -> Vec<PathBuf> {
    let prefixes = [format!(".{name}.partial-"), format!(".{name}.old-")];
    let mut found: Vec<PathBuf> = fs::read_dir(root)
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| {
                    let n = e.file_name();
                    let n = n.to_string_lossy();
                    prefixes.iter().any(|p| {
                        n.strip_prefix(p.as_str())
                            .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
                    })
                })
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            // Close the files first (a folder with open files in it cannot be
            // removed everywhere).
            self.unsynced.get_mut().unwrap_or_else(|e| e.into_inner()).clear();
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Percentiles are printed to four significant figures, never more than
    /// two decimals; a mean always to two; a difference of percentiles to
    /// the decimals of the percentiles.
    #[test]
    fn percentiles_are_printed_to_the_figures_they_hold() {
        let cases = [
            (2185.998, "2186"),
            (613.4996, "613.5"),
            (31.1406, "31.14"),
            (38.0, "38.00"),
            (2.3141, "2.31"),
            (0.5, "0.50"),
            (12345.6, "12346"),
            (-168.87, "-168.9"),
            (0.0, "0.00"),
        ];
        for (x, printed) in cases {
            assert_eq!(quantile_money(x), printed, "{x}");
        }
        assert_eq!(money(2185.998), "2186.00");
        assert_eq!(money_like(18.26, 430.1), "18.3");
        assert_eq!(money_like(0.26, 31.2), "0.26");
    }

    /// Staged files appear in `<root>/<name>` only on commit, flushed and
    /// complete, replacing the previous results; a staging dropped without a
    /// commit leaves the previous results as they were and nothing else.
    #[test]
    fn staged_files_appear_together_on_commit_and_not_before() {
        let root = tempfile::tempdir().expect("temporary folder");
        let target = root.path().join("s");
        fs::create_dir(&target).unwrap();
        fs::write(target.join("old.csv"), "old").unwrap();

        let dropped = Staging::new(root.path(), "s").unwrap();
        dropped.write_bytes("a.csv", b"never").unwrap();
        drop(dropped);
        let names = |dir: &Path| {
            let mut n: Vec<String> =
                fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
            n.sort();
            n
        };
        assert_eq!(names(root.path()), ["s"], "no staging folder left behind");
        assert_eq!(names(&target), ["old.csv"], "the previous results untouched");

        let staging = Staging::new(root.path(), "s").unwrap();
        let bytes: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        for i in 0..12 {
            staging.write_bytes(&format!("{i}.bin"), &bytes[..bytes.len() - i]).unwrap();
        }
        assert_eq!(names(&target), ["old.csv"], "nothing appears before the commit");
        assert_eq!(staging.commit().unwrap(), target);
        assert_eq!(names(root.path()), ["s"]);
        let mut expect: Vec<String> = (0..12).map(|i| format!("{i}.bin")).collect();
        expect.sort();
        assert_eq!(names(&target), expect);
        for i in 0..12 {
            assert_eq!(fs::read(target.join(format!("{i}.bin"))).unwrap(), &bytes[..bytes.len() - i]);
        }
    }
}
