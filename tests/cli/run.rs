//! The command line: run, check, list, and byte-for-byte reproducibility.

use predicates::prelude::*;

use crate::common::{MINIMAL, Workspace, repo, revshare, succeeds};

fn read(p: &std::path::Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The `manifest.json` of the results folder `dir`.
fn manifest(dir: &std::path::Path) -> serde_json::Value {
    serde_json::from_slice(&read(&dir.join("manifest.json"))).unwrap()
}

#[test]
fn run_writes_every_file_and_prints_the_table() {
    let ws = Workspace::new();
    ws.file("deal.toml", MINIMAL);
    ws.cmd()
        .args(["run", "deal.toml", "--paths", "5k"])
        .assert()
        .success()
        .stdout(predicate::str::contains("total_share"))
        .stdout(predicate::str::contains("pv_total"))
        .stdout(predicate::str::contains("\n  pv_equity "))
        .stdout(predicate::str::contains("cap binds by 2028 in"))
        .stdout(predicate::str::contains("most often in"))
        .stdout(predicate::str::contains("output/deal/"));
    let out = ws.path().join("output/deal");
    for f in ["yearly.csv", "periods.csv", "summary.csv", "manifest.json"] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let yearly = String::from_utf8(read(&out.join("yearly.csv"))).unwrap();
    let mut lines = yearly.lines();
    assert_eq!(lines.next(), Some("scenario,metric,year,mean,sd,se,p5,p10,p25,p50,p75,p90,p95"));
    assert_eq!(yearly.lines().count(), 1 + 10 * 3, "one row per metric and year");
    assert!(yearly.contains("\ndeal,cap_bound,2028,"));
    let summary = String::from_utf8(read(&out.join("summary.csv"))).unwrap();
    assert!(summary.starts_with("scenario,metric,mean,sd,se,p5,p10,p25,p50,p75,p90,p95\n"));
    let metrics: Vec<&str> = summary.lines().skip(1).map(|l| l.split(',').nth(1).unwrap()).collect();
    assert_eq!(
        metrics,
        ["total_share", "pv_share", "total_counter", "pv_net", "equity_end", "pv_equity", "pv_total", "cap_hit"]
    );
    let periods = String::from_utf8(read(&out.join("periods.csv"))).unwrap();
    assert!(periods.starts_with("scenario,metric,period,time,year,mean,"));
    assert_eq!(periods.lines().count(), 1 + 10 * 12);
    // Each period with the calendar year it falls in: four quarters a year.
    assert!(periods.contains("\ndeal,revenue,0,0.25,2026,"));
    assert!(periods.contains("\ndeal,revenue,3,1,2026,") && periods.contains("\ndeal,revenue,4,1.25,2027,"));
    assert!(periods.contains("\ndeal,revenue,11,3,2028,"));
    // Plain numbers only: no exponents, no NaN.
    for text in [&yearly, &summary, &periods] {
        for line in text.lines().skip(1) {
            for field in line.split(',').skip(2) {
                assert!(field.parse::<f64>().is_ok_and(f64::is_finite), "not a plain number: {field} in {line}");
                assert!(!field.contains(['e', 'E']), "exponent form: {field}");
            }
        }
    }
    let manifest = manifest(&out);
    assert_eq!(manifest["paths"], 5000);
    assert_eq!(manifest["seed"], 1);
    // The hash is of the file's bytes, so that a reader can check which file
    // gave these results.
    let sha = |p: &std::path::Path| -> String {
        use sha2::Digest;
        sha2::Sha256::digest(read(p)).iter().map(|b| format!("{b:02x}")).collect()
    };
    assert_eq!(manifest["scenario"]["sha256"].as_str().unwrap(), sha(&ws.path().join("deal.toml")));
    assert_eq!(manifest["version"], env!("CARGO_PKG_VERSION"));
    // The build: the commit the program was built from (as `--version` says).
    let git = |args: &[&str]| -> Option<String> {
        let o = std::process::Command::new("git").args(args).current_dir(repo()).output().ok()?;
        o.status.success().then(|| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let own = git(&["rev-parse", "--show-toplevel"]).and_then(|t| std::fs::canonicalize(t).ok())
        == std::fs::canonicalize(repo()).ok();
    let commit = if own { git(&["rev-parse", "--short=12", "HEAD"]).unwrap() } else { "unknown".to_string() };
    let build = manifest["build"].as_str().unwrap();
    assert!(build == commit || build == format!("{commit}, modified"), "{build} is not of {commit}");
    let version = ws.cmd().arg("--version").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("revshare {} (build {build})", env!("CARGO_PKG_VERSION"))
    );
    assert!(manifest["wall_time_s"].as_f64().is_some_and(|t| t > 0.0));
    assert!(manifest["percentiles"]["method"].is_string());
    assert_eq!(manifest["resolved"]["revenue_share"]["cap"], 20.0);
    assert!(manifest["threads"].as_u64().unwrap() >= 1);
    // No staging folders left behind.
    let leftovers: Vec<_> = std::fs::read_dir(ws.path().join("output"))
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn same_seed_gives_the_same_bytes_with_one_thread_and_with_eight() {
    let ws = Workspace::new();
    ws.file(
        "deal.toml",
        &MINIMAL
            .replace("cap = 20.0", "cap = { dist = \"uniform\", low = 20, high = 40 }")
            .replace("growth = 0.5", "growth = 0.5\nvolatility = 0.3\nshock = { rate = 0.2, size = 0.3 }"),
    );
    let run = |threads: &str, out: &str| {
        ws.cmd()
            .args(["run", "deal.toml", "--paths", "50_000", "--seed", "9", "--threads", threads, "--out", out, "-q"])
            .assert()
            .success();
        // The run used the threads asked for (so that the bytes below compare
        // one thread with eight, not the default with itself).
        let m = manifest(&ws.path().join(out).join("deal"));
        assert_eq!(m["threads"].to_string(), threads);
    };
    run("1", "one");
    run("8", "eight");
    run("8", "again");
    for f in ["yearly.csv", "periods.csv", "summary.csv"] {
        let a = read(&ws.path().join("one/deal").join(f));
        assert_eq!(a, read(&ws.path().join("eight/deal").join(f)), "{f}: 1 vs 8 threads");
        assert_eq!(a, read(&ws.path().join("again/deal").join(f)), "{f}: repeat");
    }
    // A different seed gives different numbers.
    ws.cmd().args(["run", "deal.toml", "--paths", "50000", "--seed", "10", "--out", "other", "-q"]).assert().success();
    assert_ne!(read(&ws.path().join("one/deal/summary.csv")), read(&ws.path().join("other/deal/summary.csv")));
}

#[test]
fn paths_accepts_the_ways_people_write_them() {
    let ws = Workspace::new();
    ws.file("deal.toml", MINIMAL);
    for (text, n) in [("2000", 2000), ("2_000", 2000), ("2e3", 2000), ("2k", 2000), ("1M", 1_000_000)] {
        ws.cmd().args(["run", "deal.toml", "-q", "--no-charts", "--paths", text]).assert().success();
        let m = manifest(&ws.path().join("output/deal"));
        assert_eq!(m["paths"], n, "{text}");
    }
    ws.cmd()
        .args(["run", "deal.toml", "--paths", "lots"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a path count"));
    ws.cmd().args(["run", "deal.toml", "--paths", "0"]).assert().code(2);
    // A negative number is read as the option's value and refused with its
    // range, not taken for another option (whose tip, `-- -1`, did not work).
    for (option, says) in [
        ("--paths", "`-5` is not a path count"),
        ("--seed", "`-5` is not a seed: give a whole number from 0"),
        ("--threads", "`-5` is not a thread count: give a whole number from 1 to 1024"),
        ("--export-paths", "`-5` is not a path count"),
    ] {
        let out = ws.cmd().args(["run", "deal.toml", option, "-5"]).assert().code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(stderr.contains(says) && !stderr.contains("-- -5"), "{option}: {stderr}");
    }
    // Thousands of threads would only cost memory (each keeps its own
    // sketches): at most 1024, refused before anything runs.
    for text in ["0", "1025", "65535"] {
        let out = ws.cmd().args(["run", "deal.toml", "--threads", text, "--out", "many"]).assert().code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(stderr.contains(&format!("`{text}` is not a thread count")), "{text}: {stderr}");
        assert!(!ws.path().join("many").exists());
    }
    ws.cmd().args(["run", "deal.toml", "-q", "--no-charts", "--paths", "100", "--threads", "1024"]).assert().success();
    // Written as people write counts, too.
    for text in ["-1M", "-1_000"] {
        let out = ws.cmd().args(["run", "deal.toml", "--paths", text]).assert().code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(stderr.contains(&format!("`{text}` is not a path count")), "{text}: {stderr}");
    }
}

#[test]
fn run_without_arguments_runs_the_scenarios_folder() {
    let ws = Workspace::new();
    ws.file("scenarios/a.toml", MINIMAL);
    ws.file("scenarios/b.toml", &MINIMAL.replace("cap = 20.0", "cap = 50.0"));
    ws.cmd().args(["run", "--paths", "1000", "-q"]).assert().success();
    assert!(ws.path().join("output/a/summary.csv").is_file());
    assert!(ws.path().join("output/b/summary.csv").is_file());
}

#[test]
fn run_reports_a_missing_scenarios_folder() {
    let ws = Workspace::new();
    ws.cmd().arg("run").assert().code(2).stderr(predicate::str::contains("scenarios"));
}

/// A run replaces the whole folder: an earlier run's file that this one
/// does not write (paths.csv, written only with --export-paths) goes, so
/// that no file in the folder comes from another run. (A file the analyst
/// added is refused instead: validation.rs.)
#[test]
fn rerun_replaces_earlier_results() {
    let ws = Workspace::new();
    ws.file("deal.toml", MINIMAL);
    ws.cmd().args(["run", "deal.toml", "-q", "--paths", "1000", "--export-paths", "3"]).assert().success();
    assert!(ws.path().join("output/deal/paths.csv").exists());
    ws.cmd().args(["run", "deal.toml", "-q", "--paths", "1000"]).assert().success();
    assert!(!ws.path().join("output/deal/paths.csv").exists());
    assert!(ws.path().join("output/deal/summary.csv").exists());
}

#[test]
fn check_prints_the_resolved_scenario() {
    let ws = Workspace::new();
    ws.file("deal.toml", MINIMAL);
    ws.cmd()
        .args(["check", "deal.toml"])
        .assert()
        .success()
        .stdout(predicate::str::contains("valid"))
        .stdout(predicate::str::contains("name = \"deal\""))
        // Defaults are filled in.
        .stdout(predicate::str::contains("steps_per_year = 4"))
        .stdout(predicate::str::contains("paths = 100000"))
        .stdout(predicate::str::contains("until = 2028"));
}

#[test]
fn list_shows_name_description_years_and_file() {
    let ws = Workspace::new();
    ws.file("s/one.toml", &format!("description = \"first deal\"\n{MINIMAL}"));
    ws.file("s/two.toml", &format!("name = \"second\"\n{}", MINIMAL.replace("2028", "2030")));
    ws.cmd()
        .args(["list", "s"])
        .assert()
        .success()
        .stdout(predicate::str::contains("one"))
        .stdout(predicate::str::contains("first deal"))
        .stdout(predicate::str::contains("second"))
        .stdout(predicate::str::contains("2026–2030"))
        .stdout(predicate::str::contains("two.toml"));
}

#[test]
fn help_has_examples() {
    let ws = Workspace::new();
    ws.cmd().arg("--help").assert().success().stdout(predicate::str::contains("Examples:"));
    ws.cmd()
        .args(["run", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("--paths"))
        .stdout(predicate::str::contains("--threads"))
        .stdout(predicate::str::contains("Examples:"));
}

#[test]
fn shipped_scenarios_are_valid_and_listed() {
    let root = repo();
    let mut cmd = revshare(&root);
    cmd.arg("check");
    for f in ["amended-2026", "old-terms", "bull", "bear", "cap-low", "cap-high"] {
        cmd.arg(format!("scenarios/{f}.toml"));
    }
    cmd.assert().success();
    revshare(&root).args(["list"]).assert().success().stdout(predicate::str::contains("old-terms"));
}

/// `benches/crosscheck.py` compares revshare with the NumPy reference on the
/// shipped scenarios and on `benches/scenarios/feature-tour.toml`, which must
/// stay valid and keep every part of MODEL.md in play for that comparison to
/// cover the whole model.
#[test]
fn the_crosscheck_scenario_is_valid_and_uses_every_part_of_the_model() {
    let root = repo();
    let file = "benches/scenarios/feature-tour.toml";
    let out = revshare(&root).args(["check", file]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    // The resolved scenario, after its first line (the file's name and "valid").
    let resolved: toml::Table = toml::from_str(text.split_once('\n').unwrap().1).unwrap();
    fn dists(v: &toml::Value, found: &mut std::collections::BTreeSet<String>) {
        match v {
            toml::Value::Table(t) => {
                if let Some(toml::Value::String(d)) = t.get("dist") {
                    found.insert(d.clone());
                }
                t.values().for_each(|v| dists(v, found));
            }
            toml::Value::Array(a) => a.iter().for_each(|v| dists(v, found)),
            _ => {}
        }
    }
    let mut found = std::collections::BTreeSet::new();
    dists(&toml::Value::Table(resolved.clone()), &mut found);
    for d in ["uniform", "triangular", "pert", "normal", "lognormal", "discrete"] {
        assert!(found.contains(d), "no {d} input in {file} (found {found:?})");
    }
    let get = |path: &str| {
        let mut v = toml::Value::Table(resolved.clone());
        for k in path.split('.') {
            v = v.get(k).unwrap_or_else(|| panic!("{file} has no {path}")).clone();
        }
        v
    };
    assert_eq!(get("steps_per_year").as_integer(), Some(12), "monthly steps");
    assert!(get("revenue.growth").as_table().unwrap().len() > 1, "a growth table with gaps");
    for key in ["revenue.volatility", "revenue.growth_noise.sd", "revenue.shock.rate", "revenue_share.termination_rate"]
    {
        assert!(get(key).as_float().unwrap() > 0.0, "{key} is in play");
    }
    // An uncertain cap and counter-share; no terminal multiple (it is then the initial one).
    for key in ["revenue_share.cap.dist", "counter_share.base_ratio.dist", "equity.multiple.dist"] {
        get(key);
    }
    assert!(resolved["equity"].get("terminal_multiple").is_none(), "the terminal multiple left to default");
    let dilution = get("equity.dilution");
    let years: Vec<i64> = dilution.as_array().unwrap().iter().map(|d| d["year"].as_integer().unwrap()).collect();
    assert!(years.windows(2).any(|w| w[0] == w[1]), "two dilution events in one year: {years:?}");
    assert!(get("correlation").as_array().unwrap().len() >= 3, "several correlations");
    let out = tempfile::tempdir().unwrap();
    revshare(&root)
        .args(["run", file, "-q", "--no-charts", "--paths", "2000", "--out"])
        .arg(out.path())
        .assert()
        .success();
}

/// The committed results in docs/results/ are what the program gives today:
/// a change that moves the results must regenerate them (`cargo run --release
/// -- run --out docs/results`), or this fails naming the file.
#[test]
fn committed_results_are_what_the_shipped_scenarios_give() {
    let root = repo();
    let out = tempfile::tempdir().unwrap();
    revshare(&root).args(["run", "-q", "--no-charts", "--out"]).arg(out.path()).assert().success();
    let mut compared = 0;
    for entry in std::fs::read_dir(root.join("docs/results")).unwrap() {
        let name = entry.unwrap().file_name();
        for f in ["summary.csv", "yearly.csv", "periods.csv", "comparison.csv"] {
            let committed = root.join("docs/results").join(&name).join(f);
            if committed.exists() {
                let fresh = out.path().join(&name).join(f);
                assert!(
                    read(&committed) == read(&fresh),
                    "{} differs from a fresh run: regenerate docs/results (see the README)",
                    committed.display()
                );
                compared += 1;
            }
        }
    }
    assert_eq!(compared, 6 * 3 + 1, "every shipped scenario's CSV files and the comparison");
}

#[test]
fn set_overrides_keys_after_extends_and_the_manifest_records_them() {
    let ws = Workspace::new();
    ws.file("base.toml", MINIMAL);
    ws.file("deal.toml", "extends = \"base.toml\"\n[revenue_share]\ncap = 25.0\n");
    ws.cmd()
        .args(["run", "deal.toml", "-q", "--paths", "2000", "--no-charts"])
        .args(["--set", "revenue_share.cap=45"])
        .args(["--set", "revenue.initial={dist=\"uniform\",low=18,high=26}"])
        .assert()
        .success();
    let m = manifest(&ws.path().join("output/deal"));
    assert_eq!(m["resolved"]["revenue_share"]["cap"], 45.0);
    assert_eq!(m["resolved"]["revenue"]["initial"]["dist"], "uniform");
    assert_eq!(m["overrides"][0], "revenue_share.cap=45");
    // Overridden values are validated like the file, and the message says where they came from.
    ws.cmd()
        .args(["run", "deal.toml", "--out", "bad", "--set", "revenue_share.cap={dist=\"uniform\",low=50,high=30}"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--set revenue_share.cap="))
        .stderr(predicate::str::contains("`low` (50) is above `high` (30)"));
    assert!(!ws.path().join("bad").exists());
    ws.cmd()
        .args(["check", "deal.toml", "--set", "revenue_share.cap=45"])
        .assert()
        .success()
        .stdout(predicate::str::contains("cap = 45.0"));
}

#[test]
fn target_se_adds_paths_until_met_and_the_result_depends_only_on_the_final_count() {
    let ws = Workspace::new();
    ws.file("deal.toml", &MINIMAL.replace("growth = 0.5", "growth = 0.5\nvolatility = 0.4"));
    let (stdout, _) = succeeds(ws.cmd().args(["run", "deal.toml", "--paths", "1000", "--no-charts"]).args([
        "--out",
        "a",
        "--target-se",
        "pv_share=0.2%",
    ]));
    assert!(stdout.contains("precision: se of mean pv_share"), "{stdout}");
    assert!(stdout.contains("reached with"), "{stdout}");
    // The paths a run ended with, and pv_share's mean and se.
    let paths_of = |out: &str| {
        let m = manifest(&ws.path().join(out).join("deal"));
        m["paths"].as_u64().unwrap()
    };
    let pv_share = |out: &str| {
        let summary = String::from_utf8(read(&ws.path().join(out).join("deal/summary.csv"))).unwrap();
        let row = summary.lines().find(|l| l.starts_with("deal,pv_share,")).unwrap();
        let f: Vec<f64> = row.split(',').skip(2).map(|x| x.parse().unwrap()).collect();
        (f[0], f[2])
    };
    let n = paths_of("a");
    assert!(n > 1000, "it should have needed more paths than it started with");
    let (mean, se) = pv_share("a");
    assert!(se <= 0.002 * mean, "se {se} above 0.2% of the mean {mean}");
    // The manifest and report.md keep the precision statement, not only the console.
    let target = &manifest(&ws.path().join("a/deal"))["target_se"];
    assert_eq!((target["metric"].as_str(), target["met"].as_bool()), (Some("pv_share"), Some(true)), "{target}");
    assert_eq!(target["se"].as_f64(), Some(se), "the se of summary.csv");
    assert!((target["target"].as_f64().unwrap() - 0.002 * mean).abs() < 1e-9 * mean, "{target}");
    assert_eq!(target["max_paths"].as_u64(), Some(100_000_000));
    let report = String::from_utf8(read(&ws.path().join("a/deal/report.md"))).unwrap();
    // (To four significant digits.)
    let se4: f64 = format!("{se:.3e}").parse().unwrap();
    let line =
        format!("Precision target reached: the standard error of the mean of `pv_share` is {se4} for a target of");
    assert!(report.contains(&line) && report.contains(&format!("with {n} paths.")), "{report}");
    ws.cmd()
        .args(["run", "deal.toml", "--paths", &n.to_string(), "--no-charts", "--out", "b", "-q"])
        .assert()
        .success();
    for file in ["summary.csv", "yearly.csv", "periods.csv"] {
        assert_eq!(read(&ws.path().join("a/deal").join(file)), read(&ws.path().join("b/deal").join(file)), "{file}");
    }
    // A target in $B: the se of the mean itself.
    ws.cmd()
        .args([
            "run",
            "deal.toml",
            "--paths",
            "1000",
            "--no-charts",
            "--out",
            "abs",
            "-q",
            "--target-se",
            "pv_share=0.02",
        ])
        .assert()
        .success();
    let (_, se) = pv_share("abs");
    assert!(se <= 0.02, "se {se} above the target of $0.02B");
    assert!(paths_of("abs") > 1000, "it needed more paths than it started with");
    // A cap on paths that is too low is reported, not hidden.
    ws.cmd()
        .args([
            "run",
            "deal.toml",
            "--paths",
            "1000",
            "--no-charts",
            "--out",
            "c",
            "--target-se",
            "pv_share=0.0001",
            "--max-paths",
            "5000",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("NOT reached"));
}

#[test]
fn export_paths_writes_the_runs_own_paths_with_their_inputs() {
    let ws = Workspace::new();
    ws.file(
        "deal.toml",
        &format!(
            "discount_rate = 0.1\n{}[equity]\nstake = 0.3\nmultiple = 20\n[[equity.dilution]]\nyear = 2027\nfraction = {{ dist = \"uniform\", low = 0.1, high = 0.2 }}\nprobability = 0.5\n",
            MINIMAL.replace("initial = 20.0", "initial = { dist = \"uniform\", low = 15, high = 25 }").replace("growth = 0.5", "growth = 0.5\nvolatility = 0.3")
        ),
    );
    ws.cmd()
        .args(["run", "deal.toml", "--paths", "600", "--export-paths", "600", "--no-charts", "-q"])
        .assert()
        .success();
    let paths = String::from_utf8(read(&ws.path().join("output/deal/paths.csv"))).unwrap();
    let mut lines = paths.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(&header[..6], ["path", "period", "time", "year", "discount", "revenue"]);
    assert!(header.contains(&"input_initial") && header.contains(&"input_dilution_0_happened"));
    let rows: Vec<Vec<String>> = lines.map(|l| l.split(',').map(str::to_string).collect()).collect();
    assert_eq!(rows.len(), 600 * 12, "one row per path and period");
    // The exported paths are the run's own: their mean matches periods.csv.
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let first_period: Vec<&Vec<String>> = rows.iter().filter(|r| r[1] == "0").collect();
    let mean: f64 = first_period.iter().map(|r| r[col("revenue")].parse::<f64>().unwrap()).sum::<f64>() / 600.0;
    let periods = String::from_utf8(read(&ws.path().join("output/deal/periods.csv"))).unwrap();
    let row = periods.lines().find(|l| l.starts_with("deal,revenue,0,")).unwrap();
    let expected: f64 = row.split(',').nth(5).unwrap().parse().unwrap();
    assert!((mean - expected).abs() < 1e-9 * expected, "{mean} vs {expected}");
    // Each period's discount factor (1.1^−t) turns the payments into pv_share.
    assert!(rows.iter().all(|r| r[col("discount")].parse::<f64>().unwrap() == 1.1f64.powf(-r[col("time")].parse::<f64>().unwrap())));
    let pv: f64 = rows
        .iter()
        .map(|r| r[col("payment")].parse::<f64>().unwrap() * r[col("discount")].parse::<f64>().unwrap())
        .sum::<f64>()
        / 600.0;
    let summary = String::from_utf8(read(&ws.path().join("output/deal/summary.csv"))).unwrap();
    let row = summary.lines().find(|l| l.starts_with("deal,pv_share,")).unwrap();
    let expected: f64 = row.split(',').nth(2).unwrap().parse().unwrap();
    assert!((pv - expected).abs() < 1e-9 * expected, "{pv} vs {expected}");
    // Inputs are drawn per path and lie in their ranges.
    for r in &first_period {
        let initial: f64 = r[col("input_initial")].parse().unwrap();
        assert!((15.0..=25.0).contains(&initial));
        assert!(r[col("input_dilution_0_happened")] == "0" || r[col("input_dilution_0_happened")] == "1");
    }
}

/// paths.csv carries each path's cap_year and terminated_year (MODEL.md §7,
/// empty if never) on each of its rows: the cap's year is the first whose
/// cap_bound is 1, nothing is paid after the termination's year, and the
/// paths counted per year are the manifest's.
#[test]
fn export_paths_gives_each_paths_cap_and_termination_years() {
    let ws = Workspace::new();
    let deal = MINIMAL
        .replace("growth = 0.5", "growth = 0.5\nvolatility = 0.4")
        .replace("cap = 20.0", "cap = 12.0\ntermination_rate = 0.3");
    ws.file("deal.toml", &deal);
    ws.cmd()
        .args(["run", "deal.toml", "--paths", "2000", "--export-paths", "2000", "--no-charts", "-q"])
        .assert()
        .success();
    let text = String::from_utf8(read(&ws.path().join("output/deal/paths.csv"))).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap_or_else(|| panic!("no {name} column"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let mut capped = std::collections::BTreeMap::<String, u64>::new();
    let mut ended = std::collections::BTreeMap::<String, u64>::new();
    let (mut some_cap, mut some_end, mut some_never) = (false, false, false);
    for path in rows.chunks(12) {
        let (cap_year, end_year) = (path[0][col("cap_year")], path[0][col("terminated_year")]);
        assert!(path.iter().all(|r| r[col("cap_year")] == cap_year && r[col("terminated_year")] == end_year));
        let first_bound = path.iter().find(|r| r[col("cap_bound")] == "1").map(|r| r[col("year")]);
        assert_eq!(first_bound.unwrap_or(""), cap_year, "path {}", path[0][0]);
        if !end_year.is_empty() {
            let y: i32 = end_year.parse().unwrap();
            for r in path.iter().filter(|r| r[col("year")].parse::<i32>().unwrap() > y) {
                assert_eq!(r[col("payment")], "0", "paid after its termination in {y}: {r:?}");
            }
            *ended.entry(end_year.to_string()).or_default() += 1;
            some_end = true;
        }
        if !cap_year.is_empty() {
            *capped.entry(cap_year.to_string()).or_default() += 1;
            some_cap = true;
        }
        some_never |= cap_year.is_empty() && end_year.is_empty();
    }
    assert!(some_cap && some_end && some_never, "the scenario should show all three");
    let m = manifest(&ws.path().join("output/deal"));
    let counts = |key: &str| -> std::collections::BTreeMap<String, u64> {
        m[key]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
            .filter(|(_, v)| *v > 0)
            .collect()
    };
    assert_eq!(capped, counts("cap_binding_year_paths"));
    assert_eq!(ended, counts("terminated_year_paths"));
}

#[test]
fn sweep_matches_separate_runs_at_each_value() {
    let ws = Workspace::new();
    ws.file("deal.toml", &MINIMAL.replace("growth = 0.5", "growth = 0.5\nvolatility = 0.3"));
    ws.cmd()
        .args(["sweep", "deal.toml", "--vary", "revenue_share.cap=10,20,40", "--paths", "3000", "--out", "s", "-q"])
        .assert()
        .success();
    let sweep = String::from_utf8(read(&ws.path().join("s/deal-sweep/sweep.csv"))).unwrap();
    assert!(ws.path().join("s/deal-sweep/sweep.png").is_file(), "one numeric key draws sweep.png");
    let mut lines = sweep.lines();
    assert_eq!(lines.next(), Some("scenario,metric,mean,sd,se,p5,p10,p25,p50,p75,p90,p95,revenue_share.cap"));
    assert_eq!(sweep.lines().count(), 1 + 3 * 8);
    for cap in ["10", "20", "40"] {
        let out = format!("r{cap}");
        ws.cmd()
            .args(["run", "deal.toml", "--paths", "3000", "--no-charts", "-q", "--out", &out])
            .args(["--set", &format!("revenue_share.cap={cap}")])
            .assert()
            .success();
        let summary = String::from_utf8(read(&ws.path().join(&out).join("deal/summary.csv"))).unwrap();
        for row in summary.lines().skip(1) {
            let expected = format!("{row},{cap}");
            assert!(sweep.lines().any(|l| l == expected), "sweep lacks `{expected}`");
        }
    }
}

/// The sweep's table and the sensitivity's lines give medians to the four
/// significant figures they hold, as the run's table does.
#[test]
fn sweeps_and_sensitivities_print_medians_to_the_figures_they_hold() {
    let ws = Workspace::new();
    let deal = MINIMAL.replace("growth = 0.5", "growth = 0.5\nvolatility = 0.4").replace("20.0", "2000.0");
    ws.file(
        "deal.toml",
        &format!("{deal}[equity]\nstake = 0.3\nmultiple = {{ dist = \"lognormal\", median = 30, sigma = 0.2 }}\n"),
    );
    let four = |x: &str| {
        let figures = x.trim_start_matches(['-', '0', '.']).chars().filter(char::is_ascii_digit).count();
        x.parse::<f64>().is_ok() && (figures <= 4 || !x.contains('.'))
    };
    let (stdout, _) = succeeds(ws.cmd().args(["sweep", "deal.toml", "--vary", "revenue_share.cap=1000,3000"]).args([
        "--paths",
        "2000",
        "--no-charts",
    ]));
    let rows: Vec<Vec<&str>> = stdout
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .filter(|w| w.first().is_some_and(|c| *c == "1000" || *c == "3000"))
        .collect();
    assert_eq!(rows.len(), 2, "{stdout}");
    assert!(rows.iter().all(|w| w[1..4].iter().all(|x| four(x))), "{stdout}");
    assert!(rows.iter().any(|w| w[2].parse::<f64>().unwrap() >= 1000.0), "{stdout}");
    let (stdout, _) = succeeds(ws.cmd().args(["run", "deal.toml", "--paths", "2000", "--sensitivity", "--no-charts"]));
    let line = stdout.lines().find(|l| l.trim_start().starts_with("equity.multiple")).expect(&stdout);
    let words: Vec<&str> = line.split_whitespace().collect();
    assert!(four(words[3]) && four(words[6]), "{line}");
    let base = stdout.lines().find(|l| l.contains("sensitivity of median pv_total (base ")).expect(&stdout);
    assert!(four(base.rsplit("base ").next().unwrap().trim_end_matches("):")), "{base}");
}

#[test]
fn sweep_ranges_and_several_keys_run_every_combination() {
    let ws = Workspace::new();
    ws.file("deal.toml", MINIMAL);
    ws.cmd()
        .args(["sweep", "deal.toml", "--vary", "discount_rate=0..0.1:3", "--vary", "revenue_share.rate=0.1,0.2"])
        .args(["--paths", "500", "--out", "s", "-q"])
        .assert()
        .success();
    let sweep = String::from_utf8(read(&ws.path().join("s/deal-sweep/sweep.csv"))).unwrap();
    assert!(
        sweep.starts_with("scenario,metric,mean,sd,se,p5,p10,p25,p50,p75,p90,p95,discount_rate,revenue_share.rate\n")
    );
    assert_eq!(sweep.lines().count(), 1 + 6 * 8);
    for (d, r) in [("0", "0.1"), ("0.05", "0.2"), ("0.1", "0.1")] {
        assert!(sweep.lines().any(|l| l.ends_with(&format!(",{d},{r}"))), "missing {d},{r}");
    }
    // A bad value is refused before anything runs.
    let err = ws.exits_2(&["sweep", "deal.toml", "--vary", "revenue_share.cap=10,-5"]);
    assert!(err.contains("--vary revenue_share.cap=-5"), "{err}");
    // So is a grid too big to keep: it used to run, growing by about 0.1 MB
    // a combination (a million of them: out of memory).
    let err = ws.exits_2(&[
        "sweep",
        "deal.toml",
        "--vary",
        "revenue_share.cap=10..80:50",
        "--vary",
        "discount_rate=0..0.2:50",
        "--paths",
        "10",
    ]);
    assert!(
        err.contains(
            "50 values of revenue_share.cap × 50 values of discount_rate make 2500 combinations, more than the 2000"
        ),
        "{err}"
    );
    assert!(err.contains("fix: give fewer values"), "{err}");
    ws.cmd()
        .args(["sweep", "deal.toml", "--vary", "revenue_share.cap=10..80:40", "--vary", "discount_rate=0..0.2:50"])
        .args(["--paths", "10", "--no-charts", "--out", "grid", "-q"])
        .assert()
        .success();
    let grid = String::from_utf8(read(&ws.path().join("grid/deal-sweep/sweep.csv"))).unwrap();
    assert_eq!(grid.lines().count(), 1 + 2000 * 8);
}

/// A sweep's values are TOML values, commas inside an array or table
/// included; `--sampling` applies to every combination; and what would
/// mislabel its rows (a key varied twice, a varied seed, path count, file or
/// name, --sampling beside --vary sampling) or be silently dropped
/// (--sensitivity) is refused before anything runs.
#[test]
fn sweep_values_are_toml_and_what_would_mislabel_its_rows_is_refused() {
    let ws = Workspace::new();
    ws.file("deal.toml", &MINIMAL.replace("initial = 20.0", "initial = { dist = \"uniform\", low = 15, high = 25 }"));
    let (stdout, _) = succeeds(
        ws.cmd()
            .args(["sweep", "deal.toml", "--vary", "years=[2026,2027],[2026,2028]", "--paths", "500", "--out", "y"])
            .args(["--vary", r#"revenue_share.cap={ dist = "uniform", low = 10, high = 30 },20"#, "--sampling", "lhs"]),
    );
    // The printed table keeps its columns aligned, long values included.
    let table: Vec<usize> = stdout.lines().skip(2).take(5).map(|l| l.chars().count()).collect();
    assert!(table.len() == 5 && table.iter().all(|n| *n == table[0]), "{stdout}");
    let sweep = String::from_utf8(read(&ws.path().join("y/deal-sweep/sweep.csv"))).unwrap();
    assert_eq!(sweep.lines().count(), 1 + 4 * 8, "two values of each key: {sweep}");
    assert!(sweep.lines().any(|l| l.contains(r#","[2026,2028]","{ dist = ""uniform"", low = 10, high = 30 }""#)));
    // Each row is what `run --set` gives, Latin hypercube included.
    ws.cmd()
        .args(["run", "deal.toml", "--paths", "500", "--no-charts", "-q", "--out", "r", "--sampling", "lhs"])
        .args(["--set", "years=[2026,2028]", "--set", "revenue_share.cap=20"])
        .assert()
        .success();
    let summary = String::from_utf8(read(&ws.path().join("r/deal/summary.csv"))).unwrap();
    for row in summary.lines().skip(1) {
        let expected = format!("{row},\"[2026,2028]\",20");
        assert!(sweep.lines().any(|l| l == expected), "sweep lacks `{expected}`");
    }
    let refused = |extra: &[&str], says: &str| {
        let sweep = ["sweep", "deal.toml", "--vary", "revenue_share.rate=0.1,0.2", "--paths", "500"];
        ws.refused(&[&sweep[..], extra].concat(), says);
    };
    refused(&["--vary", "revenue_share.rate=0.3"], "given twice");
    for key in ["seed=1,2", "paths=500,1000", r#"extends="other.toml""#, r#"name="x""#] {
        refused(&["--vary", key], "cannot be varied");
    }
    refused(&["--vary", "sampling=\"mc\",\"lhs\"", "--sampling", "mc"], "cannot be varied");
    refused(&["--sensitivity"], "--sensitivity");
}

/// Path options that could not all be honoured are refused before anything
/// runs, instead of one being dropped; and `extends` cannot be overridden.
#[test]
fn conflicting_path_options_and_an_overridden_extends_are_refused() {
    let ws = Workspace::new();
    ws.file("deal.toml", MINIMAL);
    let refused = |args: &[&str], says: &str| {
        ws.refused(&[&["run"][..], args, &["--no-charts"]].concat(), says);
    };
    refused(&["deal.toml", "--paths", "1000", "--max-paths", "500"], "--max-paths only bounds --target-se");
    refused(
        &["deal.toml", "--paths", "1000", "--max-paths", "500", "--target-se", "pv_share=1%"],
        "below the 1000 paths",
    );
    refused(&["deal.toml", "--paths", "1000", "--export-paths", "2000"], "--export-paths 2000");
    refused(&["deal.toml", "--set", r#"extends="other.toml""#], "cannot be overridden");
    // An error that a --set causes is laid at the --set, not at the file.
    refused(&["deal.toml", "--set", "revenue.growth.x=1"], "--set revenue.growth.x=1");
    // An array entry the file does not have.
    refused(&["deal.toml", "--set", "equity.dilution[3].probability=1"], "is not an array of tables");
    ws.file(
        "dil.toml",
        &format!("{MINIMAL}[equity]\nstake = 0.2\nmultiple = 20\n[[equity.dilution]]\nyear = 2027\nfraction = 0.1\n"),
    );
    refused(
        &["dil.toml", "--set", "equity.dilution[3].probability=1"],
        "has 1 entry (counted from 0), so [3] does not exist",
    );
    // A key of the file that a --set beside it made wrong names both.
    ws.file(
        "pert.toml",
        &MINIMAL.replace("initial = 20.0", "initial = { dist = \"pert\", low = 18, mode = 20, high = 25 }"),
    );
    refused(
        &["pert.toml", "--set", r#"revenue.initial.dist="normal""#],
        r#"(with --set revenue.initial.dist="normal")"#,
    );
    // ... and a key missing from a table that only a --set made is laid at it.
    refused(
        &["deal.toml", "--set", "counter_share.rate=0.2"],
        "--set counter_share.rate=0.2: counter_share.base_ratio",
    );
}

/// A deal whose only uncertain input is the starting revenue, for the
/// sensitivity tests to add to (its last table is `[revenue_share]`).
const UNCERTAIN_START: &str = r#"
years = [2026, 2028]
[revenue]
initial = { dist = "uniform", low = 10, high = 30 }
growth = 0.5
[revenue_share]
rate = 0.2
"#;

#[test]
fn sensitivity_ranks_the_input_that_drives_the_outcome_first() {
    let ws = Workspace::new();
    ws.file(
        "deal.toml",
        &format!("{UNCERTAIN_START}rate_multiplier = {{ dist = \"uniform\", low = 0.95, high = 1.05 }}\n"),
    );
    ws.cmd().args(["run", "deal.toml", "--paths", "20000", "--sensitivity", "-q"]).assert().success();
    let dir = ws.path().join("output/deal");
    assert!(dir.join("tornado.png").is_file());
    let rank = String::from_utf8(read(&dir.join("sensitivity.csv"))).unwrap();
    assert!(rank.starts_with("scenario,input,output,spearman,paths\n"));
    assert_eq!(rank.lines().count(), 1 + 2 * 3, "two uncertain inputs × three outputs");
    let rho = |input: &str, output: &str| -> f64 {
        let line = rank.lines().find(|l| l.starts_with(&format!("deal,{input},{output},"))).unwrap();
        line.split(',').nth(3).unwrap().parse().unwrap()
    };
    // pv_share = 0.2 · multiplier · (revenue ∝ initial): ranks follow initial most.
    assert!(rho("revenue.initial", "pv_share") > 0.9);
    assert!(rho("revenue_share.rate_multiplier", "pv_share").abs() < rho("revenue.initial", "pv_share"));
    let swing = String::from_utf8(read(&dir.join("swing.csv"))).unwrap();
    let rows: Vec<Vec<&str>> = swing.lines().skip(1).map(|l| l.split(',').collect()).collect();
    let share: Vec<&Vec<&str>> = rows.iter().filter(|r| r[2] == "pv_share").collect();
    assert_eq!(share[0][1], "revenue.initial", "largest swing first");
    let num = |s: &str| s.parse::<f64>().unwrap();
    // Held at its P10 (12) and P90 (28), the median moves below and above the base.
    assert!((num(share[0][3]) - 12.0).abs() < 1e-9 && (num(share[0][4]) - 28.0).abs() < 1e-9);
    assert!(num(share[0][5]) < num(share[0][7]) && num(share[0][7]) < num(share[0][6]));
    // With everything else fixed but the multiplier, the medians scale with the held value.
    assert!((num(share[0][6]) / num(share[0][5]) - 28.0 / 12.0).abs() < 0.01);
}

/// The runs with an input held share the base run's random numbers (common
/// random numbers): holding an input that cannot move an output leaves that
/// output's median exactly where it was, to the last digit. Here the stake
/// moves the equity, not the payments.
#[test]
fn holding_an_input_keeps_every_other_draw_of_the_base_run() {
    let ws = Workspace::new();
    let extra = r#"cap = { dist = "uniform", low = 15, high = 40 }
[equity]
stake = { dist = "uniform", low = 0.1, high = 0.3 }
multiple = 20
"#;
    ws.file("deal.toml", &(UNCERTAIN_START.replace("growth = 0.5", "growth = 0.5\nvolatility = 0.4") + extra));
    ws.cmd().args(["run", "deal.toml", "--paths", "5000", "--sensitivity", "-q", "--no-charts"]).assert().success();
    let swing = String::from_utf8(read(&ws.path().join("output/deal/swing.csv"))).unwrap();
    let header: Vec<&str> = swing.lines().next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let row = |input: &str, output: &str| -> Vec<String> {
        let line = swing.lines().find(|l| l.starts_with(&format!("deal,{input},{output},"))).unwrap();
        line.split(',').map(str::to_string).collect()
    };
    let stake = row("equity.stake", "pv_share");
    assert_eq!(stake[col("median_at_low")], stake[col("base_median")], "{swing}");
    assert_eq!(stake[col("median_at_high")], stake[col("base_median")], "{swing}");
    // ... while it does move the equity, and the cap moves the payments.
    let equity = row("equity.stake", "equity_end");
    assert_ne!(equity[col("median_at_low")], equity[col("median_at_high")], "{swing}");
    let cap = row("revenue_share.cap", "pv_share");
    assert_ne!(cap[col("median_at_low")], cap[col("median_at_high")], "{swing}");
}

/// A rank correlation that is undefined (an output that is the same on
/// every path, or a run of one path) is an empty cell in sensitivity.csv and
/// "n/a" in the console and report.md, as an undefined sd or se is: never a
/// correlation of 0, which would say the input does not matter.
#[test]
fn an_undefined_rank_correlation_is_left_empty() {
    let ws = Workspace::new();
    ws.file("deal.toml", UNCERTAIN_START);
    let (stdout, _) = succeeds(ws.cmd().args(["run", "deal.toml", "--paths", "2000", "--sensitivity", "--no-charts"]));
    let rank = String::from_utf8(read(&ws.path().join("output/deal/sensitivity.csv"))).unwrap();
    // Without [equity], equity_end is 0 on every path.
    assert!(rank.contains("\ndeal,revenue.initial,equity_end,,2000\n"), "{rank}");
    // pv_share grows with the initial revenue on every path: a correlation of 1.
    assert!(rank.contains("\ndeal,revenue.initial,pv_share,1,2000\n"), "{rank}");
    assert!(stdout.contains("rank corr  1.000"), "pv_total is defined: {stdout}");
    // One path: nothing is ranked.
    let (stdout, _) = succeeds(ws.cmd().args(["run", "deal.toml", "--paths", "1", "--sensitivity", "--no-charts"]));
    assert!(stdout.contains("rank corr    n/a"), "{stdout}");
    let rank = String::from_utf8(read(&ws.path().join("output/deal/sensitivity.csv"))).unwrap();
    assert!(rank.lines().skip(1).all(|l| l.ends_with(",,1")), "{rank}");
    let report = String::from_utf8(read(&ws.path().join("output/deal/report.md"))).unwrap();
    assert!(report.contains("| n/a |"), "{report}");
}

/// An input that moves no output's median is named, with the reason, in the
/// console and in report.md: the starting equity multiple sets only the
/// valuation of the periods before the last, and every output is taken at
/// the last (at the terminal multiple). An input that moves something is not.
#[test]
fn an_input_that_moves_no_median_is_explained() {
    let ws = Workspace::new();
    let equity = r#"[equity]
stake = 0.27
multiple = { dist = "uniform", low = 20, high = 40 }
terminal_multiple = { dist = "uniform", low = 8, high = 16 }
"#;
    ws.file("deal.toml", &(UNCERTAIN_START.to_string() + equity));
    let (stdout, _) = succeeds(ws.cmd().args(["run", "deal.toml", "--paths", "5000", "--sensitivity", "--no-charts"]));
    let line = stdout.lines().find(|l| l.contains("moves no output's median")).expect(&stdout);
    assert!(line.trim_start().starts_with("equity.multiple moves no output's median: "), "{stdout}");
    assert!(line.contains("at equity.terminal_multiple"), "{line}");
    assert_eq!(stdout.matches("moves no output's median").count(), 1, "only the starting multiple: {stdout}");
    let report = String::from_utf8(read(&ws.path().join("output/deal/report.md"))).unwrap();
    assert!(
        report.contains(
            "`equity.multiple` moves no output's median: the only valuation the outputs use is the last period's"
        ),
        "{report}"
    );
    // swing.csv agrees: its medians are the base median, for every output.
    let swing = String::from_utf8(read(&ws.path().join("output/deal/swing.csv"))).unwrap();
    for row in swing.lines().filter(|l| l.starts_with("deal,equity.multiple,")) {
        let f: Vec<&str> = row.split(',').collect();
        assert_eq!((f[5], f[6]), (f[7], f[7]), "{row}");
    }
    // Without a terminal multiple the multiple stays the starting one along
    // the path: it moves the equity, and nothing is said.
    let (stdout, _) = succeeds(
        ws.cmd()
            .args(["run", "deal.toml", "--paths", "5000", "--sensitivity", "--no-charts"])
            .args(["--set", "equity={stake=0.27,multiple={dist=\"uniform\",low=20,high=40}}"]),
    );
    assert!(!stdout.contains("moves no output's median"), "{stdout}");
    assert!(stdout.contains("    equity.multiple "), "{stdout}");
}

/// A sweep's errors are laid at the `--vary` that caused them, each once (not
/// as a `--set`, and not once per combination); an empty value is refused; a
/// change of `years` that leaves a year of the file outside them is laid at
/// the `--set` or `--vary` that made it, with a fix that fits; and the
/// README's sweep over `years` runs.
#[test]
fn sweep_errors_are_laid_at_the_vary_once_and_years_errors_at_what_changed_them() {
    let ws = Workspace::new();
    ws.file(
        "deal.toml",
        &MINIMAL.replace("cap = 20.0", "cap = 20.0\nuntil = 2028").replace("growth = 0.5", "growth = { 2026 = 0.5 }"),
    );
    let refused = |args: &[&str]| ws.exits_2(&[args, &["--paths", "500"]].concat());
    let err = refused(&["sweep", "deal.toml", "--vary", "revenue_share.capp=30,40", "--vary", "discount_rate=0,0.1"]);
    assert!(err.contains("error: --vary revenue_share.capp=30,40: revenue_share.capp: unknown key `capp`"), "{err}");
    assert_eq!(err.matches("error:").count(), 1, "once, not once per combination: {err}");
    assert!(!err.contains("--set"), "{err}");
    let err = refused(&["sweep", "deal.toml", "--vary", "revenue_share.cap=30,,40"]);
    assert!(err.contains("`30,,40` has an empty value"), "{err}");
    let err = refused(&["sweep", "deal.toml", "--vary", "revenue_share.cap=30,"]);
    assert!(err.contains("has an empty value"), "{err}");
    // A value of one key is named, once, whatever the other keys' values.
    let err =
        refused(&["sweep", "deal.toml", "--vary", "years=[2026,2027],[2026,2028]", "--vary", "discount_rate=0,0.1"]);
    assert!(err.contains("error: --vary years=[2026,2027]: revenue_share.until: until 2028 is outside"), "{err}");
    assert!(err.contains("the years come from this --vary, and `revenue_share.until` is set at deal.toml:"), "{err}");
    assert!(err.contains("fix: vary `years` over spans that include 2028, or also give --set revenue_share.until="));
    assert_eq!(err.matches("error:").count(), 1, "{err}");
    // Two varied values that do not fit together: the combination is named.
    let err = refused(&[
        "sweep",
        "deal.toml",
        "--vary",
        "years=[2026,2027],[2026,2028]",
        "--vary",
        "revenue_share.until=2027,2028",
    ]);
    assert!(
        err.contains("error: --vary revenue_share.until=2028: revenue_share.until: until 2028 is outside the simulated years 2026–2027 that --vary years=[2026,2027] gives"),
        "{err}"
    );
    assert!(err.contains("fix: a sweep runs every combination of its values"), "{err}");
    assert_eq!(err.matches("error:").count(), 1, "{err}");
    let err = refused(&["run", "deal.toml", "--set", "years=[2026,2027]"]);
    assert!(err.contains("error: --set years=[2026,2027]: revenue_share.until: until 2028 is outside"), "{err}");
    assert!(err.contains("fix: also set revenue_share.until to a year from 2026 to 2027"), "{err}");
    // The fix it gives works.
    ws.runs(&["run", "deal.toml", "--set", "years=[2026,2027]", "--set", "revenue_share.until=2027"], "fixed");
    let err = refused(&["run", "deal.toml", "--set", "years=[2025,2028]"]);
    assert!(err.contains("error: --set years=[2025,2028]: revenue.growth: the first simulated year 2025"), "{err}");
    // The README's example of values with commas inside: each value whole.
    let scenario = repo().join("scenarios/amended-2026.toml");
    let out = ws.runs(&["sweep", scenario.to_str().unwrap(), "--vary", "years=[2026,2030],[2026,2032]"], "readme");
    let sweep = String::from_utf8(read(&out.join("amended-2026-sweep/sweep.csv"))).unwrap();
    for years in ["[2026,2030]", "[2026,2032]"] {
        assert_eq!(sweep.lines().filter(|l| l.ends_with(&format!(",\"{years}\""))).count(), 8, "{sweep}");
    }
}

/// A key that the command line gives twice, or replaces after setting a key
/// inside it, is refused before anything runs (only the last would count),
/// by run, check and sweep alike.
#[test]
fn a_key_given_twice_on_the_command_line_is_refused() {
    let ws = Workspace::new();
    ws.file("deal.toml", MINIMAL);
    let twice = ["--set", "revenue_share.cap=30", "--set", "revenue_share.cap=40"];
    ws.refused(&[&["run", "deal.toml"][..], &twice].concat(), "--set revenue_share.cap is given twice");
    ws.refused(&[&["sweep", "deal.toml", "--vary", "discount_rate=0,0.1"][..], &twice].concat(), "given twice");
    ws.cmd()
        .args([&["check", "deal.toml"][..], &twice].concat())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("given twice"));
    ws.refused(
        &["run", "deal.toml", "--set", "revenue_share.cap=30", "--set", "revenue_share={rate=0.1}"],
        "replaces the whole `revenue_share`, so the earlier --set revenue_share.cap=30 would be lost",
    );
    ws.refused(
        &["sweep", "deal.toml", "--set", "revenue_share.cap=30", "--vary", "revenue_share.cap=40,50"],
        "is given by both --set revenue_share.cap=30 and --vary revenue_share.cap=40,50",
    );
    // A table, then a key inside it, is fine: the key goes into the new table.
    let out =
        ws.runs(&["run", "deal.toml", "--set", "revenue_share={rate=0.1}", "--set", "revenue_share.cap=30"], "ok");
    let m = manifest(&out.join("deal"));
    let share = &m["resolved"]["revenue_share"];
    assert_eq!((share["rate"].as_f64(), share["cap"].as_f64()), (Some(0.1), Some(30.0)), "{share}");
}

/// The sample sd and se of a single path are undefined: empty cells (as a
/// spreadsheet reads a missing value), not 0; and a --target-se never counts
/// as reached on one path, nor on a few identical ones (se 0), but on at
/// least 1000, and then at once.
#[test]
fn one_path_has_no_sd_and_a_target_counts_only_on_enough_paths() {
    let ws = Workspace::new();
    ws.file("deal.toml", MINIMAL);
    ws.cmd().args(["run", "deal.toml", "--paths", "1", "--no-charts", "-q", "--out", "one"]).assert().success();
    for f in ["summary.csv", "yearly.csv", "periods.csv"] {
        let text = String::from_utf8(read(&ws.path().join("one/deal").join(f))).unwrap();
        let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
        let (sd, se) =
            (header.iter().position(|h| *h == "sd").unwrap(), header.iter().position(|h| *h == "se").unwrap());
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split(',').collect();
            assert_eq!((fields[sd], fields[se]), ("", ""), "{f}: {line}");
            assert!(fields[sd + 2].parse::<f64>().is_ok(), "{f}: {line}");
        }
    }
    let paths = |out: &str| {
        let m = manifest(&ws.path().join(out).join("deal"));
        m["paths"].as_u64().unwrap()
    };
    // Every path of this deal is the same: se 0 from the first path on.
    for (start, target, out) in [("1", "pv_share=0.1%", "t1"), ("3", "total_share=0.5%", "t3")] {
        let (stdout, _) = succeeds(ws.cmd().args(["run", "deal.toml", "--paths", start, "--target-se"]).args([
            target,
            "--no-charts",
            "--out",
            out,
        ]));
        assert!(paths(out) >= 1000, "reached with {} paths: {stdout}", paths(out));
        assert!(stdout.contains(": reached with"), "{stdout}");
    }
    // A relative target on a quantity that is 0 on every path (no
    // counter-share here) is met at once, on the first whole chunk past
    // 1000 paths: it ran to --max-paths before.
    let (stdout, _) = succeeds(ws.cmd().args([
        "run",
        "deal.toml",
        "--paths",
        "100",
        "--target-se",
        "total_counter=0.1%",
        "--max-paths",
        "300000",
        "--no-charts",
        "--out",
        "zero",
    ]));
    assert_eq!(paths("zero"), 4096, "{stdout}");
    assert!(stdout.contains(": reached with"), "{stdout}");
    let err = ws.refused(
        &["run", "deal.toml", "--paths", "100", "--target-se", "pv_share=1%", "--max-paths", "500"],
        "--max-paths 500 is below the 1000 paths",
    );
    assert!(err.contains("fix: give --max-paths 1000 or more"), "{err}");
}

/// With --target-se, --export-paths N must not exceed the paths the run
/// starts from (it may stop there); within them, paths.csv holds exactly N
/// paths, however many the run went on to.
#[test]
fn export_paths_with_a_target_is_exactly_n_or_refused() {
    let ws = Workspace::new();
    ws.file("deal.toml", &MINIMAL.replace("growth = 0.5", "growth = 0.5\nvolatility = 0.4"));
    let target = ["--target-se", "pv_share=0.2%", "--paths", "1000", "--no-charts"];
    let err = ws.refused(
        &[&["run", "deal.toml", "--export-paths", "2000"][..], &target].concat(),
        "--export-paths 2000 is more than the 1000 paths the run starts from",
    );
    assert!(err.contains("fix: start from at least 2000 paths (--paths 2000)"), "{err}");
    ws.cmd().args(["run", "deal.toml", "--export-paths", "1000", "-q"]).args(target).assert().success();
    let m = manifest(&ws.path().join("output/deal"));
    assert!(m["paths"].as_u64().unwrap() > 1000, "the target needed more paths");
    let csv = String::from_utf8(read(&ws.path().join("output/deal/paths.csv"))).unwrap();
    assert_eq!(csv.lines().count(), 1 + 1000 * 12, "exactly the paths asked for");
}

/// -q silences the table and the progress bar only: scenario warnings and a
/// --target-se that was not reached still go to stderr (run and sweep).
#[test]
fn quiet_keeps_warnings_and_an_unmet_target() {
    let ws = Workspace::new();
    ws.file("deal.toml", &MINIMAL.replace("growth = 0.5", "growth = { 2026 = 0.5, 2031 = 0.2 }\nvolatility = 0.4"));
    let (stdout, stderr) =
        succeeds(ws.cmd().args(["run", "deal.toml", "-q", "--no-charts", "--paths", "1000"]).args([
            "--target-se",
            "pv_share=0.0001",
            "--max-paths",
            "5000",
        ]));
    assert!(stdout.is_empty(), "{stdout}");
    assert!(stderr.contains("warning: deal.toml: revenue.growth.2031: year 2031 is after the last simulated year"));
    assert!(stderr.contains("warning: deal.toml: --target-se pv_share:"), "{stderr}");
    assert!(stderr.contains("after 5000 paths, the most --max-paths allows"), "{stderr}");
    assert!(stderr.contains("NOT reached") && stderr.contains("fix: raise --max-paths"), "{stderr}");
    let report = String::from_utf8(read(&ws.path().join("output/deal/report.md"))).unwrap();
    assert!(report.contains("**Precision target not reached**: the standard error of the mean of `pv_share`"));
    assert!(report.contains("with 5000 paths, the most `--max-paths` allows (5000)."), "{report}");
    let target = &manifest(&ws.path().join("output/deal"))["target_se"];
    assert_eq!((target["met"].as_bool(), target["max_paths"].as_u64()), (Some(false), Some(5000)), "{target}");
    let (_, stderr) = succeeds(ws.cmd().args(["sweep", "deal.toml", "-q", "--no-charts"]).args([
        "--paths",
        "500",
        "--vary",
        "discount_rate=0,0.1",
    ]));
    assert_eq!(stderr.matches("year 2031 is after").count(), 1, "once, not once per combination: {stderr}");
}

/// Finite values too large for their statistics (about 1e155 here: their
/// squares overflow) are reported as the statistics overflowing, with the
/// quantity, its period (the first in which a statistic overflows: the
/// run-rate's here, a period before the revenue's), the magnitude and a
/// fix; not as a value that overflowed on a path that is only the first of
/// its block.
#[test]
fn statistics_that_overflow_are_not_called_a_value_that_overflowed() {
    let ws = Workspace::new();
    ws.file(
        "steep.toml",
        r#"
years = [2026, 2117]
steps_per_year = 1
[revenue]
initial = { dist = "uniform", low = 20, high = 21 }
growth = 50
[revenue_share]
rate = 0.2
"#,
    );
    let stderr = ws.exits_2_in_place(&["run", "steep.toml", "--paths", "2000", "--no-charts"]);
    assert!(
        stderr.contains("error: steep.toml: the statistics of run_rate in period 89 (ending 90.00 years"),
        "{stderr}"
    );
    assert!(stderr.contains("its values are finite, up to about 1.0e155"), "{stderr}");
    assert!(stderr.contains("fix: lower the starting revenue or the growth, or simulate fewer years"), "{stderr}");
    assert!(!stderr.contains("non-finite value") && !stderr.contains("on path"), "{stderr}");
    assert!(!ws.path().join("output/steep").exists());
    // A starting revenue near the largest double: the fix names it first.
    ws.file("huge.toml", &MINIMAL.replace("initial = 20.0", "initial = 1e308"));
    let stderr = ws.exits_2_in_place(&["run", "huge.toml", "--paths", "100", "--no-charts"]);
    assert!(stderr.contains("fix: lower the starting amounts (revenue.initial, the cap)"), "{stderr}");
}

/// With --sensitivity, report.md is written after the analysis: it embeds
/// tornado.png, lists every file (sensitivity.csv, swing.csv, paths.csv
/// included) and ranks the inputs; the console shows the first five inputs
/// and says how many more swing.csv holds.
#[test]
fn the_report_holds_the_sensitivity_results_and_every_file() {
    let out = tempfile::tempdir().unwrap();
    let (stdout, _) = succeeds(
        revshare(&repo())
            .args([
                "run",
                "scenarios/old-terms.toml",
                "--paths",
                "2000",
                "--sensitivity",
                "--export-paths",
                "10",
                "--out",
            ])
            .arg(out.path()),
    );
    let dir = out.path().join("old-terms");
    let swing = String::from_utf8(read(&dir.join("swing.csv"))).unwrap();
    let inputs = swing.lines().filter(|l| l.contains(",pv_total,")).count();
    assert!(inputs > 5, "old-terms has more than five uncertain inputs: {swing}");
    assert!(stdout.contains(&format!("    ... and {} more inputs in swing.csv", inputs - 5)), "{stdout}");
    let report = String::from_utf8(read(&dir.join("report.md"))).unwrap();
    assert!(report.contains("](tornado.png)"), "{report}");
    assert!(report.contains("## Sensitivity"), "{report}");
    assert!(report.contains("| `revenue.growth_shift` |"), "{report}");
    let listed = report.lines().find(|l| l.contains("· files: ")).unwrap();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        if name != "report.md" {
            assert!(listed.contains(&format!("`{name}`")), "{name} not listed: {listed}");
        }
    }
    for chart in
        ["revenue", "cumulative_payment", "equity_value", "pv_total", "total_share", "tornado", "tornado_share"]
    {
        assert!(report.contains(&format!("]({chart}.png)")), "{chart}.png not embedded");
    }
    // old-terms has no cap: its cap chart only says so, and is not shown.
    assert!(!report.contains("](cap_probability.png)"), "{report}");
}

/// --sensitivity on a scenario with nothing uncertain says so, on the
/// console and in report.md, instead of a heading with nothing under it.
#[test]
fn sensitivity_with_nothing_uncertain_says_so() {
    let ws = Workspace::new();
    ws.file("deal.toml", MINIMAL);
    let (stdout, _) = succeeds(ws.cmd().args(["run", "deal.toml", "--paths", "500", "--sensitivity", "--no-charts"]));
    assert!(stdout.contains("sensitivity: no uncertain inputs to rank"), "{stdout}");
    assert!(!stdout.contains("sensitivity of median"), "{stdout}");
    assert!(!stdout.contains("held run"), "no held runs to time: {stdout}");
    let report = String::from_utf8(read(&ws.path().join("output/deal/report.md"))).unwrap();
    assert!(report.contains("No uncertain inputs to rank"), "{report}");
}

/// Results of a `--set` say so wherever the scenario's description is shown
/// (the console, report.md, every chart's subtitle, the tornado, the
/// comparison and the sweep), ahead of the description, which is marked as
/// the file's (it may say "capped at $38B" beside --set revenue_share.cap=45):
/// a subtitle cut to fit keeps the overrides whole. A description given by
/// --set is the run's own, unmarked. `--set name=...` writes beside the
/// baseline instead of over it.
#[test]
fn overrides_are_shown_wherever_the_description_is() {
    let ws = Workspace::new();
    let long =
        "A description long enough that a narrow chart must cut it to fit its subtitle line, and then some more words";
    ws.file(
        "deal.toml",
        &format!(
            "description = \"{long}\"\n{}",
            MINIMAL.replace("initial = 20.0", "initial = { dist = \"uniform\", low = 15, high = 25 }")
        ),
    );
    ws.file("other.toml", MINIMAL);
    let note = "with --set revenue_share={rate=0.1}";
    let set = ["--set", "revenue_share={rate=0.1}"];
    let (stdout, _) = succeeds(
        ws.cmd()
            .args(["run", "deal.toml", "other.toml", "--paths", "500", "--sensitivity", "--format", "svg"])
            .args(["--chart-size", "400x300"])
            .args(set),
    );
    assert!(stdout.contains(&format!("deal — {note} — the file says: {long}\n")), "{stdout}");
    assert!(stdout.contains(&format!("other — {note}\n")), "{stdout}");
    let report = String::from_utf8(read(&ws.path().join("output/deal/report.md"))).unwrap();
    assert!(report.contains("with --set revenue\\_share={rate=0.1} — the file says: A description"), "{report}");
    let comparison = String::from_utf8(read(&ws.path().join("output/comparison/report.md"))).unwrap();
    assert!(comparison.contains("- **other**: with --set revenue\\_share={rate=0.1}"), "{comparison}");
    for dir in ["deal", "other", "comparison"] {
        let mut svgs = 0;
        for entry in std::fs::read_dir(ws.path().join("output").join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "svg") {
                let svg = std::fs::read_to_string(&path).unwrap();
                assert!(svg.contains(note), "{} lacks the overrides", path.display());
                svgs += 1;
            }
        }
        assert!(svgs >= 5, "{dir}: {svgs} charts");
    }
    // The long description is cut, the overrides are not.
    let revenue = std::fs::read_to_string(ws.path().join("output/deal/revenue.svg")).unwrap();
    assert!(revenue.contains(&format!("{note} — the file says: A description")), "{revenue}");
    assert!(revenue.contains("…") && !revenue.contains(long), "subtitle not cut as expected");
    assert!(std::fs::read_to_string(ws.path().join("output/deal/tornado.svg")).unwrap().contains(note));
    // A sweep: its console and its chart.
    let (stdout, _) = succeeds(
        ws.cmd()
            .args(["sweep", "deal.toml", "--vary", "discount_rate=0,0.1", "--paths", "500", "--format", "svg"])
            .args(set),
    );
    assert!(stdout.contains(&format!("  {note} — the file says: {long}\n")), "{stdout}");
    assert!(std::fs::read_to_string(ws.path().join("output/deal-sweep/sweep.svg")).unwrap().contains(note));
    // --set name=... keeps the baseline.
    let baseline = read(&ws.path().join("output/deal/summary.csv"));
    ws.cmd()
        .args(["run", "deal.toml", "--paths", "500", "--no-charts", "-q", "--set", "name=\"deal-10pct\""])
        .args(["--set", "revenue_share.rate=0.1"])
        .assert()
        .success();
    assert_eq!(read(&ws.path().join("output/deal/summary.csv")), baseline, "the baseline was overwritten");
    assert!(String::from_utf8(read(&ws.path().join("output/deal-10pct/summary.csv"))).unwrap().contains("deal-10pct,"));
    // A description given on the command line is the run's own.
    let (stdout, _) =
        succeeds(ws.cmd().args(["run", "deal.toml", "--paths", "500", "--no-charts", "--out", "own"]).args([
            "--set",
            "description=\"Half the rate\"",
            "--set",
            "revenue_share.rate=0.1",
        ]));
    assert!(stdout.contains("deal — with --set revenue_share.rate=0.1 — Half the rate\n"), "{stdout}");
    // ... for one scenario at a time.
    ws.refused(&["run", "deal.toml", "other.toml", "--paths", "500", "--set", "name=\"x\""], "run them one at a time");
}

/// A --set given to several scenarios that replaces a key their files set
/// differently is warned about (their comparison no longer compares them on
/// it); one that replaces the same value everywhere is not.
#[test]
fn a_set_that_levels_the_scenarios_is_warned_about() {
    let ws = Workspace::new();
    ws.file("a.toml", &format!("name = \"a\"\n{MINIMAL}"));
    ws.file("b.toml", &format!("name = \"b\"\n{}", MINIMAL.replace("cap = 20.0", "cap = 30.0")));
    ws.file("c.toml", &format!("name = \"c\"\n{}", MINIMAL.replace("cap = 20.0\n", "")));
    let run = |files: &[&str], set: &str| {
        succeeds(ws.cmd().args(["run", "--paths", "300", "--no-charts", "-q", "--set", set]).args(files)).1
    };
    let stderr = run(&["a.toml", "b.toml", "c.toml"], "revenue_share.cap=45");
    assert!(
        stderr.contains("warning: --set revenue_share.cap=45 replaces what the scenarios set differently (a: 20.0, b: 30.0, c: not set): every one of them now has 45"),
        "{stderr}"
    );
    assert!(stderr.contains("fix: run the scenarios one at a time"), "{stderr}");
    assert_eq!(run(&["a.toml", "b.toml", "c.toml"], "revenue_share.rate=0.1"), "", "the same rate everywhere");
    assert!(!run(&["a.toml"], "revenue_share.cap=45").contains("replaces"), "one scenario");
    // 20 and 20.0 are the same value.
    ws.file("d.toml", &format!("name = \"d\"\n{}", MINIMAL.replace("cap = 20.0", "cap = 20")));
    assert!(!run(&["a.toml", "d.toml"], "revenue_share.cap=45").contains("replaces"), "20 against 20.0");
}

/// With a counter-share, what the holder keeps (pv_net) and pays back
/// (total_counter) are in the printed table, report.md, and the comparison's
/// table and charts, beside pv_share (which alone overstates what such terms
/// are worth); without one anywhere, the tables and charts are as before.
#[test]
fn a_counter_share_puts_pv_net_beside_pv_share() {
    let ws = Workspace::new();
    ws.file("sc/plain.toml", MINIMAL);
    ws.file(
        "sc/counter.toml",
        &format!(
            "{}[counter_share]\nrate = 0.2\nbase_ratio = {{ dist = \"uniform\", low = 0.2, high = 0.4 }}\n",
            MINIMAL.replace("cap = 20.0\n", "")
        ),
    );
    let (stdout, _) = succeeds(ws.cmd().args(["run", "sc", "--paths", "2000"]));
    let (counter, plain) = stdout.split_once("\nplain").unwrap();
    for row in ["  total_counter ", "  pv_net "] {
        assert!(counter.contains(row), "{stdout}");
        assert!(!plain.contains(row), "{stdout}");
    }
    // The printed and reported medians are summary.csv's.
    let summary = String::from_utf8(read(&ws.path().join("output/counter/summary.csv"))).unwrap();
    let median = |metric: &str| -> String {
        let row = summary.lines().find(|l| l.starts_with(&format!("counter,{metric},"))).unwrap();
        format!("{:.2}", row.split(',').nth(8).unwrap().parse::<f64>().unwrap())
    };
    let report = String::from_utf8(read(&ws.path().join("output/counter/report.md"))).unwrap();
    for metric in ["total_counter", "pv_net"] {
        assert!(report.contains(&format!("| `{metric}` |")), "{report}");
        assert!(report.lines().any(|l| l.starts_with(&format!("| `{metric}` |")) && l.contains(&median(metric))));
    }
    let plain_report = String::from_utf8(read(&ws.path().join("output/plain/report.md"))).unwrap();
    assert!(!plain_report.contains("`pv_net`"), "{plain_report}");
    let comparison = String::from_utf8(read(&ws.path().join("output/comparison/report.md"))).unwrap();
    assert!(
        comparison.contains("| scenario | total_share | pv_share | total_counter | pv_net | pv_equity | pv_total |")
    );
    assert!(comparison.contains(&format!("| {} (", median("pv_net"))), "{comparison}");
    assert!(comparison.contains("](pv_net.png)") && ws.path().join("output/comparison/pv_net.png").is_file());
    // Without a counter-share anywhere: no pv_net column, no chart.
    ws.file("sc/counter.toml", MINIMAL);
    ws.cmd().args(["run", "sc", "--paths", "2000", "--out", "none", "-q"]).assert().success();
    let comparison = String::from_utf8(read(&ws.path().join("none/comparison/report.md"))).unwrap();
    assert!(comparison.contains("| scenario | total_share | pv_share | pv_equity | pv_total |"), "{comparison}");
    assert!(!ws.path().join("none/comparison/pv_net.png").exists());
}

/// Every cell of the three CSV files is the engine's statistic for its row
/// and column, read back to the same double: a file written in the wrong
/// column order, or a percentile in another's place, fails here. Percentiles
/// rise from p5 to p95 in every row.
#[test]
fn csv_cells_are_the_engines_statistics_in_their_columns() {
    use revshare::model::{Metric, Summary};
    use revshare::stats::Stat;
    let ws = Workspace::new();
    let f = ws.file(
        "deal.toml",
        &MINIMAL
            .replace("cap = 20.0", "cap = { dist = \"uniform\", low = 10, high = 30 }")
            .replace("growth = 0.5", "growth = 0.5\nvolatility = 0.4"),
    );
    ws.cmd()
        .args(["run", "deal.toml", "--paths", "20000", "--seed", "5", "--threads", "2", "-q", "--no-charts"])
        .assert()
        .success();
    let (_, model, res) = crate::common::simulate(&f, 20000, 5, 2);
    let cells = |s: &Stat| -> Vec<f64> {
        let mut v = vec![s.mean, s.sd, s.se];
        v.extend(s.percentiles);
        v
    };
    let check = |file: &str, key_columns: usize, expected: Vec<(String, Vec<f64>)>| {
        let text = String::from_utf8(read(&ws.path().join("output/deal").join(file))).unwrap();
        let rows: Vec<&str> = text.lines().skip(1).collect();
        assert_eq!(rows.len(), expected.len(), "{file}");
        for (row, (key, want)) in rows.iter().zip(&expected) {
            let fields: Vec<&str> = row.split(',').collect();
            assert_eq!(fields[1..key_columns].join(","), *key, "{file}: {row}");
            let got: Vec<f64> = fields[key_columns..].iter().map(|x| x.parse().unwrap()).collect();
            assert_eq!(&got, want, "{file}: {row}");
            let p = &got[3..];
            assert!(p.windows(2).all(|w| w[0] <= w[1]), "{file}: percentiles out of order in {row}");
        }
    };
    let mut yearly = Vec::new();
    let mut periods = Vec::new();
    for m in Metric::ALL {
        for y in 0..model.layout.years {
            yearly.push((format!("{},{}", m.name(), model.year(y)), cells(res.year(m, y))));
        }
        for k in 0..model.layout.periods {
            let year = model.year(k / model.layout.steps_per_year);
            periods.push((format!("{},{k},{},{year}", m.name(), model.time(k)), cells(res.period(m, k))));
        }
    }
    let summary = Summary::ALL.iter().map(|s| (s.name().to_string(), cells(res.summary(*s)))).collect();
    check("yearly.csv", 3, yearly);
    check("periods.csv", 5, periods);
    check("summary.csv", 2, summary);
}

/// The console and report.md name the year in which the cap binds on the
/// most paths (the manifest's counts), not merely the first in which it
/// binds on any: here an uncertain cap binds on some paths in 2027 and on
/// most in 2028.
#[test]
fn the_cap_most_often_binds_in_the_year_with_the_most_paths() {
    let ws = Workspace::new();
    ws.file(
        "deal.toml",
        &MINIMAL
            .replace("years = [2026, 2028]", "years = [2026, 2029]")
            .replace("cap = 20.0", "cap = { dist = \"uniform\", low = 10, high = 30 }"),
    );
    let (stdout, _) = succeeds(ws.cmd().args(["run", "deal.toml", "--paths", "20000", "--no-charts"]));
    let m = manifest(&ws.path().join("output/deal"));
    let counts: Vec<(String, u64)> = m["cap_binding_year_paths"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(y, n)| (y.clone(), n.as_u64().unwrap()))
        .collect();
    let first = counts.iter().find(|(_, n)| *n > 0).unwrap().0.clone();
    let most = counts.iter().max_by_key(|(_, n)| *n).unwrap().0.clone();
    assert_eq!((first.as_str(), most.as_str()), ("2027", "2028"), "{counts:?}");
    assert!(stdout.contains(&format!("most often in {most}")), "{stdout}");
    let report = String::from_utf8(read(&ws.path().join("output/deal/report.md"))).unwrap();
    assert!(report.contains(&format!("most often in {most}.")), "{report}");
}

/// A re-run that fails after its paths have started (here an overflow)
/// leaves the results of the run before it as they were, file for file, and
/// no staging folder behind.
#[test]
fn a_failed_rerun_leaves_the_earlier_results_as_they_were() {
    let ws = Workspace::new();
    ws.file("deal.toml", MINIMAL);
    ws.cmd().args(["run", "deal.toml", "--paths", "2000", "-q"]).assert().success();
    let dir = ws.path().join("output/deal");
    let snapshot = || -> Vec<(std::ffi::OsString, Vec<u8>)> {
        let mut files: Vec<_> =
            std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap()).map(|e| (e.file_name(), read(&e.path()))).collect();
        files.sort();
        files
    };
    let before = snapshot();
    assert!(before.iter().any(|(n, _)| n == "revenue.png") && before.len() >= 10, "{:?}", before.len());
    let err = ws.exits_2_in_place(&["run", "deal.toml", "--paths", "2000", "-q", "--set", "revenue.growth=1e300"]);
    assert!(err.contains("overflowed") && err.contains("fix:"), "{err}");
    assert_eq!(snapshot(), before);
    let entries: Vec<_> =
        std::fs::read_dir(ws.path().join("output")).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(entries, ["deal"], "only the earlier results: {entries:?}");
}

/// A run that fails once its paths have started (an overflow), into an
/// output folder that did not exist, leaves no empty folders behind: those
/// it made are removed again, and the folders that were there stay. A run
/// that writes results keeps the folders it made.
#[test]
fn a_failed_run_removes_the_empty_folders_it_made() {
    let ws = Workspace::new();
    ws.file("deal.toml", MINIMAL);
    std::fs::create_dir(ws.path().join("there")).unwrap();
    for command in [
        &["run", "deal.toml", "--paths", "2000", "-q", "--set", "revenue.growth=1e300", "--out", "there/new/deeper"][..],
        &[
            "sweep",
            "deal.toml",
            "--vary",
            "revenue.growth=1e300,0.5",
            "--paths",
            "2000",
            "-q",
            "--out",
            "there/new/deeper",
        ],
    ] {
        let err = ws.exits_2_in_place(command);
        assert!(err.contains("overflowed"), "{command:?}: {err}");
        assert!(ws.path().join("there").is_dir(), "{command:?} removed a folder that was there");
        assert!(!ws.path().join("there/new").exists(), "{command:?} left the empty folders it made");
    }
    ws.cmd()
        .args(["run", "deal.toml", "--paths", "2000", "-q", "--no-charts", "--out", "there/new/deeper"])
        .assert()
        .success();
    assert!(ws.path().join("there/new/deeper/deal/summary.csv").is_file());
}

/// On a pipe (as in CI, or `revshare run > log`), a run long enough for a
/// progress bar draws none: stderr stays empty, and stdout has the table.
#[test]
fn a_long_run_on_a_pipe_draws_no_progress_bar() {
    let ws = Workspace::new();
    ws.file("deal.toml", &MINIMAL.replace("growth = 0.5", "growth = 0.5\nvolatility = 0.4"));
    let (stdout, stderr) = succeeds(ws.cmd().args(["run", "deal.toml", "--no-charts", "--paths", "4M"]));
    let m = manifest(&ws.path().join("output/deal"));
    assert!(stderr.is_empty(), "stderr of a run of {} s: {stderr:?}", m["wall_time_s"]);
    assert!(stdout.contains("total_share"), "{stdout}");
}

/// With `until` before the last simulated year, the cap "binds by" `until`
/// (it cannot bind after the share period), in the console, report.md and
/// the comparison; a share that can be terminated says in how many paths
/// it was, in the console and report.md: here 1 − e^{−0.3·3} of them, the
/// three years through `until`.
#[test]
fn the_cap_binds_by_until_and_termination_is_reported() {
    let ws = Workspace::new();
    let deal = MINIMAL
        .replace("years = [2026, 2028]", "years = [2026, 2030]")
        .replace("growth = 0.5", "growth = 0.5\nvolatility = 0.4")
        .replace("cap = 20.0", "cap = 15.0\nuntil = 2028\ntermination_rate = 0.3");
    ws.file("deal.toml", &deal);
    ws.file("plain.toml", &format!("name = \"plain\"\n{MINIMAL}"));
    let (stdout, _) = succeeds(ws.cmd().args(["run", "deal.toml", "plain.toml", "--paths", "20000", "--no-charts"]));
    assert!(stdout.contains("cap binds by 2028 in"), "{stdout}");
    assert!(!stdout.contains("by 2030"), "{stdout}");
    let expected = (1.0 - (-0.9f64).exp()) * 100.0;
    let share = |text: &str, before: &str| -> f64 {
        let rest = &text[text.find(before).unwrap_or_else(|| panic!("no `{before}` in:\n{text}")) + before.len()..];
        rest[..rest.find('%').unwrap()].parse().unwrap()
    };
    let printed = share(&stdout, "share terminated early in ");
    assert!((printed - expected).abs() < 1.5, "{printed}% against {expected:.1}%");
    assert_eq!(stdout.matches("terminated early").count(), 1, "only the scenario that can terminate: {stdout}");
    let report = String::from_utf8(read(&ws.path().join("output/deal/report.md"))).unwrap();
    assert!(report.contains("The cap binds by the end of 2028 in"), "{report}");
    assert_eq!(share(&report, "The share is terminated early in "), printed);
    let plain = String::from_utf8(read(&ws.path().join("output/plain/report.md"))).unwrap();
    assert!(!plain.contains("terminated"), "{plain}");
    let comparison = String::from_utf8(read(&ws.path().join("output/comparison/report.md"))).unwrap();
    // The row of the medians' table, which says when the cap binds.
    let medians = comparison.split("**Medians").nth(1).unwrap_or_else(|| panic!("{comparison}"));
    let row = medians.lines().find(|l| l.starts_with("| [deal]")).unwrap_or_else(|| panic!("{comparison}"));
    assert!(row.contains("% by 2028 |"), "{row}");
}

/// A sweep writes a manifest.json like a run's: the file and its hash, the
/// --set overrides (not the varied keys), each combination's values, paths,
/// seed, threads and time; an overflow names the combination that
/// overflowed; its --help shows only the options a sweep takes.
#[test]
fn a_sweep_has_a_manifest_names_a_failing_combination_and_lists_its_own_options() {
    let ws = Workspace::new();
    ws.file("deal.toml", MINIMAL);
    let (stdout, _) = succeeds(
        ws.cmd()
            .args(["sweep", "deal.toml", "--vary", "revenue_share.cap=10,20", "--vary", "discount_rate=0,0.1"])
            .args(["--set", "revenue.growth=0.4", "--paths", "1000", "--threads", "2", "--no-charts"]),
    );
    assert!(
        stdout.contains("deal-sweep — 4 combinations · 1000 paths each · seed 1 (common random numbers) · "),
        "{stdout}"
    );
    assert!(stdout.contains("(sweep.csv, manifest.json)"), "{stdout}");
    // The table: metrics named as in the files; a column of rates to the
    // same decimals (0.0 and 0.1, not 0 and 0.1).
    assert!(stdout.contains("pv_share p50 pv_total p50 total_share p50  cap binds"), "{stdout}");
    let rates: Vec<&str> =
        stdout.lines().filter(|l| l.trim_start().starts_with("10 ") || l.trim_start().starts_with("20 ")).collect();
    assert_eq!(rates.len(), 4, "{stdout}");
    for (line, rate) in rates.iter().zip(["0.0", "0.1", "0.0", "0.1"]) {
        assert_eq!(line.split_whitespace().nth(1), Some(rate), "{line}");
    }
    let dir = ws.path().join("output/deal-sweep");
    let m = manifest(&dir);
    assert_eq!(m["paths"], 1000);
    assert_eq!(m["seed"], 1);
    assert_eq!(m["threads"], 1, "1000 paths are one chunk, so one thread works");
    assert_eq!(m["sampling"], "mc");
    assert_eq!(m["overrides"], serde_json::json!(["revenue.growth=0.4"]), "the --set, not the --vary");
    let sha: String = {
        use sha2::Digest;
        sha2::Sha256::digest(read(&ws.path().join("deal.toml"))).iter().map(|b| format!("{b:02x}")).collect()
    };
    assert_eq!(m["scenario"]["sha256"], sha);
    let combos: Vec<(String, String)> = m["combinations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let v = &c["values"];
            (v["revenue_share.cap"].as_str().unwrap().to_string(), v["discount_rate"].as_str().unwrap().to_string())
        })
        .collect();
    let expected: Vec<(String, String)> = [("10", "0"), ("10", "0.1"), ("20", "0"), ("20", "0.1")]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(combos, expected);
    assert!(m["wall_time_s"].as_f64().unwrap() > 0.0);
    // A few hundred paths of a few statistics: every value kept.
    assert_eq!(m["percentiles"]["method"], "exact");

    let stderr = ws.exits_2_in_place(&[
        "sweep",
        "deal.toml",
        "--vary",
        "revenue.initial=20,1e300",
        "--paths",
        "100",
        "--out",
        "o",
        "--set",
        "revenue.volatility=0.5",
    ]);
    assert!(stderr.contains("deal.toml (the combination revenue.initial=1e300): "), "{stderr}");
    assert!(!ws.path().join("o/deal-sweep").exists());

    // The options it hides are refused, not ignored.
    for extra in [["--max-paths", "5000"], ["--export-paths", "10"], ["--target-se", "pv_total=1"]] {
        ws.cmd()
            .args(["sweep", "deal.toml", "--vary", "revenue_share.cap=10,20", "--paths", "100", "--out", "x"])
            .args(extra)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("do not apply to sweep"));
    }
    assert!(!ws.path().join("x").exists());
    let (help, _) = succeeds(ws.cmd().args(["sweep", "--help"]));
    for hidden in ["--target-se", "--max-paths", "--export-paths", "--sensitivity"] {
        assert!(!help.contains(hidden), "sweep --help lists {hidden}, which it refuses:\n{help}");
    }
    for shown in ["--vary", "--paths", "--seed", "--set", "--threads", "OUT/<name>-sweep/", "sweep.png"] {
        assert!(help.contains(shown), "sweep --help lacks {shown}:\n{help}");
    }
}

/// One path, one thread and one step a year are said in the singular.
#[test]
fn one_of_a_thing_is_singular() {
    let ws = Workspace::new();
    ws.file("deal.toml", &MINIMAL.replace("years = [2026, 2028]", "years = [2026, 2028]\nsteps_per_year = 1"));
    let (stdout, _) = succeeds(ws.cmd().args(["run", "deal.toml", "--paths", "1", "--threads", "1", "--no-charts"]));
    assert!(stdout.contains("  1 path · seed 1 · 1 thread · "), "{stdout}");
    let report = String::from_utf8(read(&ws.path().join("output/deal/report.md"))).unwrap();
    assert!(report.contains("2026–2028, 1 step a year, discount rate 0% a year; 1 path.\n"), "{report}");
    assert!(report.contains("· 1 path · seed 1 ·"), "{report}");
    assert!(!report.contains("1 paths") && !stdout.contains("1 paths"), "{stdout}\n{report}");
}

/// The sensitivity's held runs are within the run's time: the manifest
/// counts them and their time inside wall_time_s, and the console says how
/// much of the time they took; a run without them has none.
#[test]
fn the_sensitivity_runs_are_counted_in_the_time() {
    let ws = Workspace::new();
    ws.file(
        "deal.toml",
        &MINIMAL
            .replace("initial = 20.0", "initial = { dist = \"uniform\", low = 10, high = 30 }")
            .replace("rate = 0.2", "rate = 0.2\nrate_multiplier = { dist = \"uniform\", low = 0.9, high = 1.1 }"),
    );
    let (stdout, _) = succeeds(ws.cmd().args(["run", "deal.toml", "--paths", "20000", "--sensitivity", "--no-charts"]));
    assert!(stdout.contains(" s of it the sensitivity's 4 held runs)"), "{stdout}");
    let m = manifest(&ws.path().join("output/deal"));
    assert_eq!(m["sensitivity_runs"], 4, "two per uncertain input");
    let (held, wall, sim) = (
        m["sensitivity_time_s"].as_f64().unwrap(),
        m["wall_time_s"].as_f64().unwrap(),
        m["simulation_time_s"].as_f64().unwrap(),
    );
    assert!(held > 0.0 && wall >= held + sim, "held {held}, simulation {sim}, wall {wall}");
    ws.cmd().args(["run", "deal.toml", "--paths", "2000", "--no-charts", "-q"]).assert().success();
    let m = manifest(&ws.path().join("output/deal"));
    assert!(m["sensitivity_runs"].is_null() && m["sensitivity_time_s"].is_null(), "{m}");
}

/// Where the holder pays a counter-share, the sensitivity also ranks the
/// inputs by pv_net (without one pv_net is pv_share, and is left out): the
/// counter-share's base ratio moves pv_net and not pv_share, by exactly
/// nothing (common random numbers).
#[test]
fn sensitivity_ranks_pv_net_where_there_is_a_counter_share() {
    let ws = Workspace::new();
    ws.file(
        "deal.toml",
        &format!(
            "{}[counter_share]\nrate = 0.2\nbase_ratio = {{ dist = \"uniform\", low = 0.2, high = 0.4 }}\n",
            MINIMAL.replace("growth = 0.5", "growth = 0.5\nvolatility = 0.3")
        ),
    );
    ws.cmd().args(["run", "deal.toml", "--paths", "5000", "--sensitivity", "--no-charts", "-q"]).assert().success();
    let dir = ws.path().join("output/deal");
    let rank = String::from_utf8(read(&dir.join("sensitivity.csv"))).unwrap();
    let outputs: Vec<&str> = rank.lines().skip(1).map(|l| l.split(',').nth(2).unwrap()).collect();
    assert_eq!(outputs, ["pv_total", "pv_share", "equity_end", "pv_net"], "{rank}");
    let swing = String::from_utf8(read(&dir.join("swing.csv"))).unwrap();
    let of = |output: &str| -> f64 {
        let line = swing
            .lines()
            .find(|l| l.starts_with(&format!("deal,counter_share.base_ratio,{output},")))
            .unwrap_or_else(|| panic!("no {output} row:\n{swing}"));
        line.rsplit(',').next().unwrap().parse().unwrap()
    };
    assert_eq!(of("pv_share"), 0.0, "{swing}");
    assert!(of("pv_net") > 0.0, "{swing}");
}

/// A Latin hypercube run says so in the console and report.md; shares of
/// paths never round to all or none when they are not ("<0.1%", ">99.9%"),
/// and a sweep's combination without a cap says "no cap", not "0.0%".
#[test]
fn sampling_is_named_and_shares_of_paths_never_round_to_all_or_none() {
    assert_eq!(revshare::export::percent_of_paths(0.99987), ">99.9%");
    assert_eq!(revshare::export::percent_of_paths(0.0004), "<0.1%");
    assert_eq!(revshare::export::percent_of_paths(1.0), "100.0%");
    assert_eq!(revshare::export::percent_of_paths(0.0), "0.0%");
    assert_eq!(revshare::export::percent_of_paths(0.982), "98.2%");
    let ws = Workspace::new();
    ws.file("deal.toml", &MINIMAL.replace("growth = 0.5", "growth = 0.5\nvolatility = 0.3"));
    let (stdout, _) =
        succeeds(ws.cmd().args(["run", "deal.toml", "--paths", "2000", "--sampling", "lhs", "--no-charts"]));
    assert!(stdout.contains("  2000 paths (Latin hypercube) · seed 1 · "), "{stdout}");
    let report = String::from_utf8(read(&ws.path().join("output/deal/report.md"))).unwrap();
    assert!(report.contains("2000 paths, the inputs by Latin hypercube"), "{report}");
    let (stdout, _) = succeeds(ws.cmd().args(["run", "deal.toml", "--paths", "2000", "--no-charts"]));
    assert!(!stdout.contains("hypercube"), "{stdout}");
    let (stdout, _) = succeeds(
        ws.cmd()
            .args(["sweep", "deal.toml", "--vary", "revenue_share={rate=0.2},{rate=0.2,cap=20.0}", "--paths", "2000"])
            .args(["--no-charts", "--out", "s"]),
    );
    let row = stdout.lines().find(|l| l.trim_start().starts_with("{rate=0.2}")).unwrap_or_else(|| panic!("{stdout}"));
    assert!(row.ends_with("no cap"), "{row}");
}

/// A --target-se on a quantity that is the same on every path (the
/// counter-share's total where there is none) is met by any run: the run
/// says so, with or without --quiet; one that varies says nothing.
#[test]
fn a_target_on_a_constant_is_called_empty() {
    let ws = Workspace::new();
    ws.file("deal.toml", &MINIMAL.replace("growth = 0.5", "growth = 0.5\nvolatility = 0.3"));
    let (_, stderr) = succeeds(ws.cmd().args(["run", "deal.toml", "--target-se", "total_counter=0.1%"]).args([
        "--paths",
        "2000",
        "--no-charts",
        "-q",
    ]));
    assert!(stderr.contains("--target-se total_counter: total_counter is 0 on every path, so its se is 0"), "{stderr}");
    // report.md keeps the caveat with the precision statement.
    let report = String::from_utf8(read(&ws.path().join("output/deal/report.md"))).unwrap();
    assert!(
        report.contains("`total_counter` is the same on every path, so any run meets the target: it says nothing about the precision of the other results."),
        "{report}"
    );
    let (_, stderr) = succeeds(ws.cmd().args(["run", "deal.toml", "--target-se", "pv_total=1%"]).args([
        "--paths",
        "2000",
        "--no-charts",
        "-q",
    ]));
    assert!(stderr.is_empty(), "{stderr}");
}

/// `check` prints the resolved scenario as TOML that reads like the file:
/// arrays on one line, and it loads back to the same scenario.
#[test]
fn check_prints_the_resolved_scenario_compactly_and_it_loads_back() {
    let ws = Workspace::new();
    ws.file("deal.toml", MINIMAL);
    let (stdout, _) = succeeds(ws.cmd().args(["check", "deal.toml"]));
    assert!(stdout.contains("\nyears = [2026, 2028]\n"), "{stdout}");
    ws.file("resolved.toml", &stdout);
    let (again, _) = succeeds(ws.cmd().args(["check", "resolved.toml"]));
    let body =
        |s: &str| s.lines().filter(|l| !l.starts_with('#') && !l.starts_with("name =")).collect::<Vec<_>>().join("\n");
    assert_eq!(body(&again), body(&stdout));
}

/// The printed table and report.md's headline give each summary's mean (the
/// expected value, the figure quoted as a deal's worth) beside its median
/// and P5–P95, the mean as summary.csv has it (to two decimals), the
/// percentiles as summary.csv has them to the four significant figures
/// they hold (within 1e-3 of the sample's; 2186, not 2186.00).
#[test]
fn the_headline_tables_give_the_mean() {
    let ws = Workspace::new();
    // Amounts in the thousands, where two decimals would be noise.
    let deal = MINIMAL.replace("growth = 0.5", "growth = 0.5\nvolatility = 0.4").replace("20.0", "2000.0");
    ws.file("deal.toml", &deal);
    let (stdout, _) = succeeds(ws.cmd().args(["run", "deal.toml", "--paths", "3000", "--no-charts"]));
    let header: Vec<&str> =
        stdout.lines().find(|l| l.trim_start().starts_with("$B")).expect(&stdout).split_whitespace().collect();
    assert_eq!(header, ["$B", "mean", "median", "P5", "P95"]);
    let summary = String::from_utf8(read(&ws.path().join("output/deal/summary.csv"))).unwrap();
    let mean: f64 =
        summary.lines().find(|l| l.starts_with("deal,pv_share,")).unwrap().split(',').nth(2).unwrap().parse().unwrap();
    let row: Vec<&str> =
        stdout.lines().find(|l| l.trim_start().starts_with("pv_share ")).unwrap().split_whitespace().collect();
    assert_eq!(row[1], format!("{mean:.2}"), "{stdout}");
    let fields: Vec<f64> = summary
        .lines()
        .find(|l| l.starts_with("deal,pv_share,"))
        .unwrap()
        .split(',')
        .skip(2)
        .map(|x| x.parse().unwrap())
        .collect();
    // mean, sd, se, p5, p10, p25, p50, p75, p90, p95
    for (printed, exact) in [(row[2], fields[6]), (row[3], fields[3]), (row[4], fields[9])] {
        let value: f64 = printed.parse().unwrap();
        let figures = printed.trim_start_matches(['-', '0', '.']).chars().filter(char::is_ascii_digit).count();
        assert!(figures <= 4 || !printed.contains('.'), "{printed}: more figures than it holds\n{stdout}");
        assert!(figures >= 3 || value.abs() < 1.0, "{printed}: fewer figures than it holds\n{stdout}");
        assert!((value - exact).abs() <= 5e-3 * exact.abs().max(1.0), "{printed} against {exact}");
    }
    let report = String::from_utf8(read(&ws.path().join("output/deal/report.md"))).unwrap();
    assert!(
        report.contains(&format!("| `pv_share` | revenue-share payments, discounted to the start | {mean:.2} | ")),
        "{report}"
    );
}

/// An --export-paths whose paths.csv would have more rows than a
/// spreadsheet opens is warned about before the run, with the most paths
/// that fit; one that fits is not. (The output folder here is a file, so
/// that nothing runs: the warning comes first.)
#[test]
fn a_paths_csv_too_long_for_a_spreadsheet_is_warned_about() {
    let ws = Workspace::new();
    ws.file("deal.toml", &MINIMAL.replace("years = [2026, 2028]", "years = [2026, 2030]"));
    ws.file("taken", "a file where the output folder would go");
    let warned =
        |n: &str| ws.exits_2_in_place(&["run", "deal.toml", "--paths", "60000", "--export-paths", n, "--out", "taken"]);
    let stderr = warned("52429");
    assert!(
        stderr.contains("warning: deal.toml: paths.csv will have 1048581 rows (52429 paths × 20 periods), more than a spreadsheet opens (1048576 in Excel)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("fix: export fewer paths, such as --export-paths 52428, if it is for a spreadsheet"),
        "{stderr}"
    );
    assert!(!warned("52428").contains("warning"));
}

/// A reader of the tables that goes away (`revshare run | head -1`, `| true`)
/// ends the tables, not the run: every scenario's files are still written,
/// and the run succeeds. (It used to stop at the first table it could not
/// print, with exit code 0 and the other scenarios never run.)
#[test]
fn a_closed_stdout_ends_the_tables_not_the_run() {
    use std::process::{Command, Stdio};
    let ws = Workspace::new();
    for name in ["a", "b", "c"] {
        ws.file(&format!("deals/{name}.toml"), &format!("name = \"{name}\"\n{MINIMAL}"));
    }
    for command in [&["run", "deals"][..], &["sweep", "deals/a.toml", "--vary", "revenue_share.cap=10,20"]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_revshare"))
            .current_dir(ws.path())
            .args(command)
            .args(["--paths", "1000", "--no-charts", "--out", "out"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("revshare starts");
        // Nobody reads its tables.
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("revshare ends");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{command:?}: {:?}\n{stderr}", out.status);
        assert!(stderr.is_empty(), "{command:?}: {stderr}");
    }
    for dir in ["a", "b", "c", "comparison"] {
        assert!(ws.path().join("out").join(dir).join("report.md").is_file(), "out/{dir} not written");
    }
    assert!(ws.path().join("out/a-sweep/sweep.csv").is_file(), "the sweep's files not written");
}

/// Every relative link of the repository's Markdown pages (README.md,
/// benches/README.md, tests/bad/README.md) leads to a file or folder of the
/// repository: a clone has no `../shared/`, so the specification is linked
/// from its copies in docs/.
#[test]
fn the_markdown_pages_link_to_what_a_clone_has() {
    let root = repo();
    let mut checked = 0;
    for page in ["README.md", "benches/README.md", "tests/bad/README.md"] {
        let text = String::from_utf8(read(&root.join(page))).unwrap();
        let dir = root.join(page).parent().unwrap().to_path_buf();
        // Markdown links: `[text](target)` or `[text](target#anchor)`.
        for (at, _) in text.match_indices("](") {
            let rest = &text[at + 2..];
            let target = &rest[..rest.find([')', '#', ' ', '\n']).unwrap_or(rest.len())];
            if target.is_empty() || target.contains("://") {
                continue;
            }
            let path = dir.join(target);
            assert!(path.exists(), "{page} links to {target}, which a clone does not have");
            assert!(
                path.canonicalize().unwrap().starts_with(root.canonicalize().unwrap()),
                "{page} links to {target}, outside the repository"
            );
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} links found: is the pattern still right?");
}

/// docs/MODEL.md and docs/DOMAIN.md are the project's specification and
/// domain notes as a clone carries them: where the project's `shared/`
/// folder is beside the repository (a developer's checkout), they must be
/// the same bytes, so that a change to the specification reaches the copy.
#[test]
fn the_specification_in_docs_is_the_shared_one() {
    let root = repo();
    for f in ["MODEL.md", "DOMAIN.md"] {
        let copy = read(&root.join("docs").join(f));
        let text = String::from_utf8(copy.clone()).unwrap();
        assert!(text.starts_with("# ") && text.len() > 2000, "docs/{f} is a whole document");
        let shared = root.join("..").join("shared").join(f);
        if shared.exists() {
            assert!(read(&shared) == copy, "docs/{f} differs from {}: copy it again", shared.display());
        }
    }
}

/// A scenario's description with a control character is refused: it would
/// reach the SVG charts' subtitles, where it is not well-formed XML, and the
/// terminal raw. Without one, every SVG chart parses as XML.
#[test]
fn descriptions_reach_the_svg_charts_as_well_formed_text() {
    let ws = Workspace::new();
    ws.file("esc.toml", &format!("description = \"red \\u001b[31m\"\n{MINIMAL}"));
    ws.refused(&["run", "esc.toml"], "control characters");
    ws.file("ok.toml", &format!("description = \"a <b> & 'c' \\u00e9\"\n{MINIMAL}"));
    ws.cmd().args(["run", "ok.toml", "--paths", "200", "-q", "--format", "svg", "--out", "out"]).assert().success();
    ws.file("bad.toml", &format!("description = \"bad \\uFFFF here\"\n{MINIMAL}"));
    ws.refused(&["run", "bad.toml"], "U+FFFE/U+FFFF");
    // A file's path is shown as it is, whatever it holds: an escape in it
    // reaches the chart as U+FFFD.
    ws.file("odd\u{1b}.toml", &format!("name = \"odd\"\n{MINIMAL}"));
    ws.cmd()
        .args(["run", "odd\u{1b}.toml", "--paths", "200", "-q", "--format", "svg", "--out", "out"])
        .assert()
        .success();
    // Every character an XML 1.0 document may hold.
    let xml_char =
        |c: char| (!c.is_control() || matches!(c, '\n' | '\t' | '\r')) && !matches!(c, '\u{FFFE}' | '\u{FFFF}');
    let mut svgs = 0;
    for (dir, says) in [("out/ok", "a &lt;b&gt; &amp;"), ("out/odd", "odd\u{FFFD}.toml")] {
        for entry in std::fs::read_dir(ws.path().join(dir)).unwrap() {
            let p = entry.unwrap().path();
            if p.extension().is_some_and(|x| x == "svg") {
                let text = std::fs::read_to_string(&p).unwrap();
                assert!(text.chars().all(xml_char), "{}", p.display());
                assert!(text.contains(says), "{} shows {says}", p.display());
                svgs += 1;
            }
        }
    }
    assert!(svgs >= 12, "{svgs} SVG charts");
}

/// A summary table that cannot be written (standard output on a full disk)
/// is an error that says so and what was written, exit code 2; the
/// scenario's files are in place.
#[cfg(target_os = "linux")]
#[test]
fn a_full_standard_output_is_reported_as_such() {
    let ws = Workspace::new();
    ws.file("deal.toml", MINIMAL);
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_revshare"))
        .current_dir(ws.path())
        .args(["run", "deal.toml", "--paths", "200", "--no-charts"])
        .stdout(full)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cannot write to standard output: No space left"), "{stderr}");
    assert!(stderr.contains("fix:") && stderr.contains("-q"), "{stderr}");
    assert!(ws.path().join("output/deal/summary.csv").exists());
    // `check` and `list` say the same.
    for args in [&["check", "deal.toml"][..], &["list", "."][..]] {
        let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_revshare"))
            .current_dir(ws.path())
            .args(args)
            .stdout(full)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("cannot write to standard output") && stderr.contains("fix:"), "{args:?}: {stderr}");
    }
}

/// A pipe named like a scenario in a folder is not one: `list` and `run`
/// pass it over instead of waiting to read it.
#[cfg(unix)]
#[test]
fn a_pipe_in_a_folder_of_scenarios_is_passed_over() {
    let ws = Workspace::new();
    ws.file("deals/good.toml", MINIMAL);
    let made = std::process::Command::new("mkfifo").arg(ws.path().join("deals/pipe.toml")).status();
    if !made.is_ok_and(|s| s.success()) {
        return;
    }
    for args in [["list", "deals"], ["run", "deals"]] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_revshare"))
            .current_dir(ws.path())
            .args(args)
            .args(if args[0] == "run" { &["--paths", "100", "-q", "--no-charts"][..] } else { &[][..] })
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // (A reader of the pipe would wait for a writer for ever.)
        let started = std::time::Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > std::time::Duration::from_secs(30) {
                child.kill().unwrap();
                panic!("`revshare {}` waits on the pipe", args.join(" "));
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        assert!(status.success(), "{args:?}");
    }
    assert!(ws.path().join("output/good/summary.csv").exists());
}
