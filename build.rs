//! Records which source the program was built from, for `--version` and
//! each run's manifest: the git commit, and whether the working tree had
//! changes to tracked files. Outside a git checkout (a source archive), or
//! without git, the build is "unknown"; nothing here can fail the build.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn main() {
    // Rerun when the commit or the tracked files change.
    for path in [".git/HEAD", ".git/index", ".git/refs/heads", ".git/packed-refs", "src", "Cargo.toml", "Cargo.lock"] {
        println!("cargo:rerun-if-changed={path}");
    }
    let build = match git(&["rev-parse", "--short=12", "HEAD"]) {
        Some(commit) if !commit.is_empty() => {
            let dirty = git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
            if dirty { format!("{commit}, modified") } else { commit }
        }
        _ => "unknown".to_string(),
    };
    println!("cargo:rustc-env=REVSHARE_BUILD={build}");
}
