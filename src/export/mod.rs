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

use crate::engine::RunResult;
use crate::model::Model;
use crate::scenario::Scenario;

pub use self::charts::{ChartFormat, ChartOptions, ScenarioDigest, comparison_charts, scenario_charts};
pub use self::csv::{PathsCsv, PeriodsCsv, SummaryCsv, YearlyCsv, format_number};
pub use self::manifest::{ManifestJson, utc_timestamp};
pub use self::report::{ScenarioReport, comparison_csv, comparison_markdown, scenario_markdown};

/// Everything an exporter may need about one finished run.
pub struct RunReport<'a> {
    pub scenario: &'a Scenario,
    pub model: &'a Model,
    pub result: &'a RunResult,
    pub seed: u64,
    /// Wall time of the whole scenario (simulation and statistics).
    pub wall: Duration,
    /// When the run started, as an RFC 3339 UTC timestamp.
    pub started: String,
    /// The command line, as given.
    pub command: Vec<String>,
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
pub fn check_output_root(root: &Path) -> Result<(), OutputError> {
    if root.exists() && !root.is_dir() {
        return Err(output_error(
            root,
            "cannot use as the output folder",
            io::Error::new(io::ErrorKind::AlreadyExists, "it is a file, not a folder"),
        ));
    }
    fs::create_dir_all(root).map_err(|e| output_error(root, "cannot create the output folder", e))?;
    let probe = root.join(format!(".revshare-probe-{}", std::process::id()));
    fs::create_dir(&probe).map_err(|e| output_error(root, "cannot write into the output folder", e))?;
    let _ = fs::remove_dir(&probe);
    Ok(())
}

/// Refuse, before any simulation, a file standing where a scenario's output
/// folder `<root>/<name>` should go (it is never silently replaced).
pub fn check_target(root: &Path, name: &str) -> Result<(), OutputError> {
    let target = root.join(name);
    if target.exists() && !target.is_dir() {
        return Err(output_error(
            &target,
            "cannot write the results here",
            io::Error::new(io::ErrorKind::AlreadyExists, "a file, not a folder, has this name"),
        ));
    }
    Ok(())
}

/// A scenario's output folder being written: `<root>/.<name>.partial-<pid>`
/// until [`Staging::commit`] renames it to `<root>/<name>`. Dropped without a
/// commit, it removes itself.
pub struct Staging {
    root: PathBuf,
    name: String,
    dir: PathBuf,
    committed: bool,
}

impl Staging {
    /// Create the staging folder for scenario `name` under `root`.
    pub fn new(root: &Path, name: &str) -> Result<Staging, OutputError> {
        let dir = root.join(format!(".{name}.partial-{}", std::process::id()));
        if dir.exists() {
            let _ = fs::remove_dir_all(&dir);
        }
        fs::create_dir_all(&dir).map_err(|e| output_error(&dir, "cannot create a folder for the results", e))?;
        Ok(Staging { root: root.to_path_buf(), name: name.to_string(), dir, committed: false })
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
        file.sync_all().map_err(|e| output_error(&path, "cannot write", e))?;
        Ok(())
    }

    /// Replace `<root>/<name>` with the staged folder.
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
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

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}
