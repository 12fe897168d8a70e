//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use revshare::engine::{self, RunOptions, RunResult};
use revshare::model::Model;
use revshare::scenario::Scenario;
use tempfile::TempDir;

/// The revshare binary, run in `dir`.
pub fn revshare(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("revshare").expect("binary built");
    c.current_dir(dir);
    c
}

/// A temporary folder holding scenario files.
pub struct Workspace {
    pub dir: TempDir,
}

impl Workspace {
    pub fn new() -> Self {
        Workspace { dir: tempfile::tempdir().expect("temp dir") }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Write `name` with `text` and return its path.
    pub fn file(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&p, text).unwrap();
        p
    }

    pub fn cmd(&self) -> Command {
        revshare(self.dir.path())
    }

    /// Run revshare with `args` and `--out bad`, and assert that it exits
    /// with code 2 and writes no output folder. Returns its stderr.
    pub fn exits_2(&self, args: &[&str]) -> String {
        let err = self.exits_2_in_place(&[args, &["--out", "bad"]].concat());
        assert!(!self.path().join("bad").exists(), "`{}` left an output folder", args.join(" "));
        err
    }

    /// Run revshare with `args` (its default output folder), assert that it
    /// exits with code 2, and return its stderr.
    pub fn exits_2_in_place(&self, args: &[&str]) -> String {
        let out = self.cmd().args(args).assert().code(2);
        String::from_utf8_lossy(&out.get_output().stderr).to_string()
    }

    /// Run revshare with `args` quickly (500 paths, no charts, quiet) into
    /// the folder `out`, and assert that it succeeds. Returns that folder.
    pub fn runs(&self, args: &[&str], out: &str) -> PathBuf {
        self.cmd().args(args).args(["--paths", "500", "--no-charts", "-q", "--out", out]).assert().success();
        self.path().join(out)
    }

    /// [`Workspace::exits_2`], with a message that says `says` and gives a fix.
    pub fn refused(&self, args: &[&str], says: &str) -> String {
        let err = self.exits_2(args);
        assert!(err.contains(says) && err.contains("fix:"), "`{}` said: {err}", args.join(" "));
        err
    }
}

/// A small valid scenario to vary in tests.
pub const MINIMAL: &str = r#"
years = [2026, 2028]
[revenue]
initial = 20.0
growth = 0.5
[revenue_share]
rate = 0.2
cap = 20.0
"#;

/// Load a scenario file and run it through the library, as the command line
/// does (exact percentiles for small runs).
pub fn simulate(path: &Path, paths: u64, seed: u64, threads: usize) -> (Scenario, Model, RunResult) {
    let s = Scenario::load(path).unwrap_or_else(|e| panic!("{e}"));
    let m = Model::new(&s);
    let options = RunOptions { paths, seed, threads, progress: None, cancel: None, exact_up_to: engine::EXACT_VALUES };
    let r = engine::run(&m, &options).expect("run");
    (s, m, r)
}

/// Relative closeness.
pub fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()).max(1e-12)
}

/// The repository root (for the shipped scenarios).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Mean.
pub fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

/// Sample variance (n − 1).
pub fn variance(x: &[f64]) -> f64 {
    let m = mean(x);
    x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (x.len() - 1) as f64
}

/// Pearson correlation.
pub fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let (ma, mb) = (mean(a), mean(b));
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma).powi(2);
        sbb += (y - mb).powi(2);
    }
    sab / (saa * sbb).sqrt()
}

/// Ranks 0..n of continuous values (no ties).
pub fn ranks(x: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|i, j| x[*i].total_cmp(&x[*j]));
    let mut r = vec![0.0; x.len()];
    for (rank, i) in order.into_iter().enumerate() {
        r[i] = rank as f64;
    }
    r
}

/// Spearman rank correlation.
pub fn spearman(a: &[f64], b: &[f64]) -> f64 {
    pearson(&ranks(a), &ranks(b))
}

/// Run `cmd`, assert that it succeeds, and return its stdout and stderr.
pub fn succeeds(cmd: &mut Command) -> (String, String) {
    let out = cmd.assert().success();
    let text = |b: &[u8]| String::from_utf8_lossy(b).to_string();
    (text(&out.get_output().stdout), text(&out.get_output().stderr))
}
