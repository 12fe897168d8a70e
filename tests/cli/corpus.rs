//! The corpus of broken scenario files in `tests/bad/`: one per validation
//! rule (see `tests/bad/README.md`). Each is refused with exit code 2, a
//! message that names the file, contains the fragments its first line
//! expects and a fix, and nothing written; every rule has a file.

use std::path::{Path, PathBuf};

use revshare::scenario::{RULES, Scenario};

use crate::common::{repo, revshare};

fn corpus() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo().join("tests/bad"))
        .expect("tests/bad")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

/// The rule a file is for: its stem up to `--`.
fn rule_of(path: &Path) -> String {
    let stem = path.file_stem().unwrap().to_string_lossy().to_string();
    stem.split("--").next().unwrap().to_string()
}

/// `--set` overrides from a `# set: KEY=VALUE` line (for the rule `override`).
fn overrides(path: &Path) -> Vec<(String, String)> {
    let text = std::fs::read(path).map(|b| String::from_utf8_lossy(&b).to_string()).unwrap_or_default();
    text.lines()
        .filter_map(|l| l.strip_prefix("# set:"))
        .filter_map(|kv| kv.trim().split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
        .collect()
}

/// The fragments on the file's `# expect:` line (`unreadable.toml`, a dangling link, expects "cannot read").
fn expected(path: &Path) -> Vec<String> {
    if !path.exists() {
        return vec!["cannot read".into()];
    }
    let bytes = std::fs::read(path).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    let first = text.lines().next().unwrap_or_default();
    let list = first.strip_prefix("# expect:").unwrap_or_else(|| panic!("{}: no `# expect:` line", path.display()));
    list.split(';').map(|f| f.trim().to_string()).filter(|f| !f.is_empty()).collect()
}

#[test]
fn every_rule_has_a_broken_file() {
    let rules: Vec<String> = corpus().iter().map(|p| rule_of(p)).collect();
    for rule in RULES {
        assert!(rules.iter().any(|r| r == rule), "validation rule `{rule}` has no file in tests/bad/");
    }
    for r in &rules {
        assert!(RULES.contains(&r.as_str()), "tests/bad/{r}*.toml is for an unknown rule");
    }
}

#[test]
fn every_broken_file_breaks_its_rule() {
    for path in corpus() {
        let errors =
            Scenario::load_with(&path, &overrides(&path)).expect_err(&format!("{} was accepted", path.display()));
        let rule = rule_of(&path);
        assert!(
            errors.0.iter().any(|e| e.rule == rule),
            "{}: expected rule `{rule}`, got {:?}",
            path.display(),
            errors.0.iter().map(|e| e.rule).collect::<Vec<_>>()
        );
    }
}

#[test]
fn every_broken_file_is_refused_with_its_message_and_writes_nothing() {
    for path in corpus() {
        let out = tempfile::tempdir().unwrap();
        let sets: Vec<String> =
            overrides(&path).iter().flat_map(|(k, v)| ["--set".to_string(), format!("{k}={v}")]).collect();
        let result = revshare(&repo())
            .args(["run", path.to_str().unwrap(), "--out", out.path().join("o").to_str().unwrap(), "--paths", "10"])
            .args(&sets)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&result.stderr);
        let name = path.file_name().unwrap().to_string_lossy();
        assert_eq!(result.status.code(), Some(2), "{name}: {stderr}");
        let names_source = stderr.contains(name.as_ref()) || (!sets.is_empty() && stderr.contains("--set"));
        assert!(names_source, "{name}: the message does not name the file:\n{stderr}");
        assert!(stderr.contains("fix:"), "{name}: no fix:\n{stderr}");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        for fragment in expected(&path) {
            assert!(stderr.contains(&fragment), "{name}: `{fragment}` missing from:\n{stderr}");
        }
        assert!(!out.path().join("o").exists(), "{name}: an output folder was created");
        let check = revshare(&repo()).args(["check", path.to_str().unwrap()]).args(&sets).output().unwrap();
        assert_eq!(check.status.code(), Some(2), "{name}: check accepted it");
    }
}
