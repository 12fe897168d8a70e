//! Records which source the program was built from, for `--version` and
//! each run's manifest: the git commit, and whether tracked files had
//! changes. Outside this project's own git checkout (a source archive, a
//! copy inside some other repository), or without git, the build is
//! "unknown"; nothing here can fail the build.

use std::path::{Path, PathBuf};
use std::process::Command;

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git").arg("-C").arg(dir).args(args).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    // Rerun when the sources change (for "modified")…
    for path in ["src", "Cargo.toml", "Cargo.lock", "build.rs"] {
        println!("cargo:rerun-if-changed={path}");
    }
    let canonical = |p: &Path| std::fs::canonicalize(p).ok();
    let own_checkout = git(&root, &["rev-parse", "--show-toplevel"])
        .is_some_and(|top| canonical(Path::new(&top)).is_some() && canonical(Path::new(&top)) == canonical(&root));
    let build = if own_checkout {
        // …and when the commit or the index changes: only paths that exist
        // (a watched path that does not exist reruns this on every build).
        for args in [
            ["rev-parse", "--git-path", "HEAD"],
            ["rev-parse", "--git-path", "index"],
            ["rev-parse", "--git-path", "refs/heads"],
            ["rev-parse", "--git-path", "packed-refs"],
        ] {
            if let Some(p) = git(&root, &args) {
                let p = root.join(p);
                if p.exists() {
                    println!("cargo:rerun-if-changed={}", p.display());
                }
            }
        }
        match git(&root, &["rev-parse", "--short=12", "HEAD"]) {
            Some(commit) if !commit.is_empty() => {
                let dirty =
                    git(&root, &["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
                if dirty { format!("{commit}, modified") } else { commit }
            }
            _ => "unknown".to_string(),
        }
    } else {
        "unknown".to_string()
    };
    println!("cargo:rustc-env=REVSHARE_BUILD={build}");
}
