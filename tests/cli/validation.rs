//! Refusals beyond the one-file-per-rule corpus (`corpus.rs`): positions in
//! extended files, several problems at once, several files, output folders.

use predicates::prelude::*;

use crate::common::{MINIMAL, Workspace, succeeds};

/// Run `revshare run` and `revshare check` on `files[0]` (the others are there
/// for `extends`) and check the refusal.
fn refused(files: &[(&str, &str)], fragments: &[&str]) {
    let ws = Workspace::new();
    for (name, text) in files {
        ws.file(name, text);
    }
    let target = files[0].0;
    let stderr = ws.exits_2_in_place(&["run", target, "--out", "out", "--paths", "100"]);
    assert!(stderr.contains("error:"), "no error line:\n{stderr}");
    assert!(stderr.contains("fix:"), "no fix given:\n{stderr}");
    for f in fragments {
        assert!(stderr.contains(f), "missing `{f}` in:\n{stderr}");
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!ws.path().join("out").exists(), "an output folder was created");
    ws.cmd().args(["check", target]).assert().code(2).stderr(predicate::str::contains(fragments[0]));
}

/// MINIMAL with one line replaced (or added after `[revenue_share]`).
fn with(replace: &str, by: &str) -> String {
    assert!(MINIMAL.contains(replace), "{replace}");
    MINIMAL.replacen(replace, by, 1)
}

#[test]
fn a_normal_that_rarely_leaves_its_range_runs_with_a_warning() {
    let ws = Workspace::new();
    ws.file(
        "deal.toml",
        &with("cap = 20.0", "cap = 20.0\nrate_multiplier = { dist = \"normal\", mean = 1.0, sd = 0.2 }"),
    );
    ws.cmd()
        .args(["run", "deal.toml", "--paths", "1000", "--out", "out"])
        .assert()
        .success()
        .stderr(predicate::str::contains("warning"))
        .stderr(predicate::str::contains("revenue_share.rate_multiplier"))
        .stderr(predicate::str::contains("clamped"));
}

#[test]
fn an_error_in_an_extended_file_names_that_file_and_line() {
    refused(
        &[("bad.toml", "extends = \"base.toml\"\n"), ("base.toml", &with("rate = 0.2", "rate = 2.5"))],
        &["base.toml:7:", "revenue_share.rate", "out of range"],
    );
}

#[test]
fn errors_carry_line_and_column() {
    refused(
        &[("bad.toml", &with("cap = 20.0", "cap = { dist = \"uniform\", low = 50, high = 30 }"))],
        &["bad.toml:8:33"],
    );
}

#[test]
fn missing_file() {
    let ws = Workspace::new();
    ws.cmd()
        .args(["run", "absent.toml", "--out", "out"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("absent.toml"))
        .stderr(predicate::str::contains("cannot read"));
    assert!(!ws.path().join("out").exists());
}

#[test]
fn every_problem_is_reported_at_once() {
    let ws = Workspace::new();
    ws.file(
        "bad.toml",
        &with("growth = 0.5", "growth = 0.5\nvolatility = -1\nvolatilty = 2").replace("rate = 0.2", "rate = 3"),
    );
    ws.cmd()
        .args(["check", "bad.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("revenue.volatility"))
        .stderr(predicate::str::contains("revenue.volatilty"))
        .stderr(predicate::str::contains("revenue_share.rate"));
}

#[test]
fn a_bad_file_among_good_ones_stops_everything_before_any_run() {
    let ws = Workspace::new();
    ws.file("good.toml", MINIMAL);
    ws.file("bad.toml", &with("rate = 0.2", "rate = -1"));
    ws.cmd().args(["run", "good.toml", "bad.toml", "--out", "out"]).assert().code(2);
    assert!(!ws.path().join("out").exists());
}

#[test]
fn a_file_where_the_output_folder_should_be() {
    let ws = Workspace::new();
    ws.file("deal.toml", MINIMAL);
    ws.file("out", "a file, not a folder");
    ws.cmd()
        .args(["run", "deal.toml", "--out", "out"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("out"))
        .stderr(predicate::str::contains("fix:"));
}

#[test]
fn a_file_where_a_scenario_folder_should_be() {
    let ws = Workspace::new();
    ws.file("deal.toml", MINIMAL);
    ws.file("out/deal", "a file named like the scenario");
    ws.cmd()
        .args(["run", "deal.toml", "--out", "out"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("out/deal"))
        .stderr(predicate::str::contains("fix:"));
    assert_eq!(std::fs::read_to_string(ws.path().join("out/deal")).unwrap(), "a file named like the scenario");
}

/// A folder that revshare did not write is never replaced by results
/// (a scenario named like the user's own data folder, or like the folder its
/// file lives in), nor is a link, even a broken one: refused before anything
/// runs, with everything left as it was. An empty folder, or results of an
/// earlier run, are replaced.
#[test]
fn a_folder_or_link_that_revshare_did_not_write_is_never_replaced() {
    let ws = Workspace::new();
    ws.file("deal.toml", MINIMAL);
    ws.file("other.toml", &format!("name = \"other\"\n{MINIMAL}"));
    ws.file("out/deal/important.xlsx", "the analyst's own work");
    let refused = |args: &[&str], path: &str| {
        ws.cmd()
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(path))
            .stderr(predicate::str::contains("did not write").or(predicate::str::contains("link")))
            .stderr(predicate::str::contains("fix:"));
    };
    refused(&["run", "deal.toml", "--out", "out", "--no-charts"], "out/deal");
    assert_eq!(std::fs::read_to_string(ws.path().join("out/deal/important.xlsx")).unwrap(), "the analyst's own work");
    // The comparison of several scenarios, and a sweep, likewise.
    ws.file("cmp/comparison/notes.txt", "mine");
    refused(&["run", "deal.toml", "other.toml", "--out", "cmp", "--no-charts"], "cmp/comparison");
    assert!(!ws.path().join("cmp/deal").exists() && !ws.path().join("cmp/other").exists(), "nothing ran");
    ws.file("sw/deal-sweep/notes.txt", "mine");
    refused(
        &["sweep", "deal.toml", "--vary", "revenue_share.rate=0.1,0.2", "--out", "sw", "--no-charts"],
        "sw/deal-sweep",
    );
    // A sweep's own results (which have a manifest.json) are not replaced by
    // a scenario that happens to be named like the sweep's folder.
    std::fs::remove_file(ws.path().join("sw/deal-sweep/notes.txt")).unwrap();
    ws.cmd()
        .args(["sweep", "deal.toml", "--vary", "revenue_share.rate=0.1,0.2", "--out", "sw", "--no-charts", "-q"])
        .assert()
        .success();
    ws.file("deal-sweep.toml", &format!("name = \"deal-sweep\"\n{MINIMAL}"));
    ws.cmd()
        .args(["run", "deal-sweep.toml", "--out", "sw", "--no-charts"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("it holds a sweep's results (sweep.csv)"));
    assert!(ws.path().join("sw/deal-sweep/sweep.csv").is_file());
    #[cfg(unix)]
    {
        std::fs::create_dir_all(ws.path().join("ln")).unwrap();
        std::os::unix::fs::symlink("/nonexistent/revshare", ws.path().join("ln/deal")).unwrap();
        refused(&["run", "deal.toml", "--out", "ln", "--no-charts"], "ln/deal");
        assert!(std::fs::symlink_metadata(ws.path().join("ln/deal")).unwrap().file_type().is_symlink());
    }
    // An empty folder, and then the results of that run, are replaced.
    std::fs::create_dir_all(ws.path().join("ok/deal")).unwrap();
    for _ in 0..2 {
        ws.cmd().args(["run", "deal.toml", "--out", "ok", "--no-charts", "-q"]).assert().success();
        assert!(ws.path().join("ok/deal/manifest.json").is_file());
    }
    // Results to which the analyst has added something (a spreadsheet
    // saved beside the CSV files, a folder) are not replaced either: a run
    // rewrites the whole folder. What the system leaves (hidden files, a
    // spreadsheet's lock on an open file) does not count.
    ws.file("ok/deal/.DS_Store", "");
    ws.file("ok/deal/~$yearly.csv", "");
    ws.file("ok/deal/.~lock.yearly.csv#", "");
    ws.cmd().args(["run", "deal.toml", "--out", "ok", "--no-charts", "-q"]).assert().success();
    // A hidden file or folder of the analyst's own is theirs like any other.
    for (hidden, name) in [("ok/deal/.notes.md", ".notes.md"), ("ok/deal/.git/HEAD", ".git")] {
        ws.file(hidden, "the analyst's");
        ws.cmd()
            .args(["run", "deal.toml", "--out", "ok", "--no-charts"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!("it holds {name}, which revshare did not write")));
        assert!(ws.path().join(hidden).is_file(), "{hidden} deleted");
        let top = ws.path().join("ok/deal").join(name);
        if top.is_dir() { std::fs::remove_dir_all(&top) } else { std::fs::remove_file(&top) }.unwrap();
    }
    ws.file("ok/deal/pivot.xlsx", "the analyst's own work");
    ws.file("ok/deal/mine/notes.txt", "more of it");
    let before = std::fs::read(ws.path().join("ok/deal/yearly.csv")).unwrap();
    ws.cmd()
        .args(["run", "deal.toml", "--out", "ok", "--no-charts", "--seed", "9"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("ok/deal"))
        .stderr(predicate::str::contains("it holds mine and pivot.xlsx, which revshare did not write"))
        .stderr(predicate::str::contains("fix: move what you added elsewhere"));
    assert_eq!(std::fs::read(ws.path().join("ok/deal/yearly.csv")).unwrap(), before, "the results untouched");
    assert!(ws.path().join("ok/deal/pivot.xlsx").is_file() && ws.path().join("ok/deal/mine/notes.txt").is_file());
}

/// Every file that any command writes into a results folder is one that
/// revshare knows as its own (so that a later run replaces it rather than
/// refusing the folder as the analyst's), and nothing else is written.
#[test]
fn every_output_file_is_known_as_revshares() {
    let ws = Workspace::new();
    ws.file("deal.toml", &format!("{MINIMAL}rate_multiplier = {{ dist = \"uniform\", low = 0.5, high = 1.5 }}\n"));
    ws.file("other.toml", &format!("name = \"other\"\n{MINIMAL}[counter_share]\nbase_ratio = 0.3\nrate = 0.1\n"));
    let chart_args = ["--paths", "300", "-q", "--format", "png,svg", "--chart-size", "400x300", "--out", "out"];
    ws.cmd()
        .args(["run", "deal.toml", "other.toml", "--sensitivity", "--export-paths", "5"])
        .args(chart_args)
        .assert()
        .success();
    ws.cmd().args(["sweep", "deal.toml", "--vary", "revenue_share.cap=10,20"]).args(chart_args).assert().success();
    let mut seen = Vec::new();
    for folder in std::fs::read_dir(ws.path().join("out")).unwrap() {
        for file in std::fs::read_dir(folder.unwrap().path()).unwrap() {
            let name = file.unwrap().file_name().to_string_lossy().into_owned();
            assert!(revshare::export::is_output_file(&name), "{name} is written but not known as revshare's");
            seen.push(name);
        }
    }
    for name in [
        "tornado.svg",
        "tornado_share.png",
        "pv_net.png",
        "sweep.svg",
        "paths.csv",
        "swing.csv",
        "comparison.csv",
        "sweep.csv",
    ] {
        assert!(seen.iter().any(|s| s == name), "{name} not written: {seen:?}");
    }
}

#[test]
fn an_output_folder_that_cannot_be_created() {
    let ws = Workspace::new();
    ws.file("deal.toml", MINIMAL);
    ws.cmd()
        .args(["run", "deal.toml", "--out", "/proc/revshare-cannot-write-here"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("/proc/revshare-cannot-write-here"))
        .stderr(predicate::str::contains("fix:"));
}

#[test]
fn two_scenarios_with_the_same_name() {
    let ws = Workspace::new();
    ws.file("a.toml", &format!("name = \"same\"\n{MINIMAL}"));
    ws.file("b.toml", &format!("name = \"same\"\n{MINIMAL}"));
    ws.cmd()
        .args(["run", "a.toml", "b.toml", "--out", "out"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("both named \"same\""));
    assert!(!ws.path().join("out").exists());
    // The same file twice, by two spellings or inside a folder also given, is called that.
    std::fs::create_dir(ws.path().join("s")).unwrap();
    ws.file("s/deal.toml", MINIMAL);
    for args in [["s/deal.toml", "./s/deal.toml"], ["s", "s/deal.toml"]] {
        let stderr = ws.exits_2_in_place(&["run", "--out", "out", args[0], args[1]]);
        assert!(stderr.contains("deal.toml is given twice"), "{stderr}");
        assert!(stderr.contains("fix: give each scenario file once"), "{stderr}");
        assert!(!stderr.contains("both named"), "{stderr}");
    }
    assert!(!ws.path().join("out").exists());
    // A folder with no scenario to list is refused, as `run` refuses it.
    std::fs::create_dir(ws.path().join("empty")).unwrap();
    ws.cmd()
        .args(["list", "empty"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("empty: no *.toml scenario files in this folder"))
        .stderr(predicate::str::contains("fix: give a folder that holds scenario files"));
    // A folder whose only file is not a valid scenario (a base for `extends`)
    // prints no empty table, only the error.
    ws.file("bases/base.toml", "[revenue]\ninitial = 20.0\n");
    ws.cmd()
        .args(["list", "bases"])
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("base.toml"));
}

/// What a scenario sets but cannot use is said, not silently dropped: a
/// growth year before or after the simulated years, and a correlation with
/// an input that is a fixed number. The scenario still runs.
#[test]
fn unused_settings_are_warned_about() {
    let ws = Workspace::new();
    let f = ws.file(
        "deal.toml",
        &MINIMAL.replace("growth = 0.5", "growth = { 2020 = 0.9, 2025 = 0.5, 2027 = 0.4, 2031 = 0.1 }").replace(
            "cap = 20.0",
            "cap = 20.0\nrate_multiplier = { dist = \"uniform\", low = 0.9, high = 1.1 }\n[[correlation]]\na = \"revenue_share.cap\"\nb = \"revenue_share.rate_multiplier\"\nrho = 0.5",
        ),
    );
    let s = revshare::scenario::Scenario::load(&f).unwrap();
    let all = s.warnings.join("\n");
    assert!(
        all.contains("revenue.growth.2020: year 2020 is not used: the first simulated year 2026 takes 2025's value"),
        "{all}"
    );
    assert!(!all.contains("growth.2025"), "2025 is used: {all}");
    assert!(all.contains("revenue.growth.2031: year 2031 is after the last simulated year 2028"), "{all}");
    assert!(all.contains("correlation[0]: revenue_share.cap is a fixed number here"), "{all}");
    assert_eq!(s.warnings.len(), 3, "{all}");
    // A discrete distribution of one value (or of one value held by every
    // weight) is as fixed, and says so too.
    for cap in
        ["{ dist = \"discrete\", values = [12] }", "{ dist = \"discrete\", values = [12, 30], weights = [1, 0] }"]
    {
        let g = ws.file(
            "one-value.toml",
            &MINIMAL.replace(
                "cap = 20.0",
                &format!("cap = {cap}\nrate_multiplier = {{ dist = \"uniform\", low = 0.9, high = 1.1 }}\n[[correlation]]\na = \"revenue_share.cap\"\nb = \"revenue_share.rate_multiplier\"\nrho = 0.5"),
            ),
        );
        let warned = revshare::scenario::Scenario::load(&g).unwrap().warnings.join("\n");
        assert!(warned.contains("correlation[0]: revenue_share.cap is a fixed number here"), "{cap}: {warned}");
    }
    ws.cmd()
        .args(["run", "deal.toml", "--paths", "100", "--no-charts"])
        .assert()
        .success()
        .stderr(predicate::str::contains("warning: deal.toml: correlation[0]"));
}

/// A scenario that fails in the middle of a run of several keeps the new
/// results of those before it, and the run says that `comparison/` beside
/// them is still an earlier run's.
#[test]
fn a_failure_mid_run_says_the_comparison_is_stale() {
    let ws = Workspace::new();
    ws.file("a.toml", MINIMAL);
    ws.file("b.toml", MINIMAL);
    ws.file(
        "z.toml",
        "years = [2026, 2125]\nsteps_per_year = 12\n[revenue]\ninitial = 22\ngrowth = 50.0\nvolatility = 3.0\n[revenue_share]\nrate = 0.2\n",
    );
    ws.cmd().args(["run", "a.toml", "b.toml", "--paths", "200", "--no-charts", "-q"]).assert().success();
    let before = std::fs::read(ws.path().join("output/comparison/comparison.csv")).unwrap();
    ws.cmd()
        .args(["run", "a.toml", "z.toml", "--paths", "200", "--no-charts", "--seed", "2"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("z.toml: the statistics of run_rate in period"))
        .stderr(predicate::str::contains("comparison still compares an earlier run's results"));
    assert_eq!(std::fs::read(ws.path().join("output/comparison/comparison.csv")).unwrap(), before);
    let manifest = std::fs::read_to_string(ws.path().join("output/a/manifest.json")).unwrap();
    assert!(manifest.contains("\"seed\": 2"), "a's new results are kept: {manifest}");
}

/// Messages that say what is really wrong: a name too long for a folder, a
/// folder given where a scenario file is expected, weights whose sum
/// overflows.
#[test]
fn messages_name_the_real_problem() {
    let ws = Workspace::new();
    ws.file("long.toml", &format!("name = \"{}\"\n{MINIMAL}", "a".repeat(150)));
    ws.cmd()
        .args(["check", "long.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("150 characters long"))
        .stderr(predicate::str::contains("fix: give a shorter name"));
    std::fs::create_dir(ws.path().join("folder")).unwrap();
    ws.cmd().args(["check", "folder"]).assert().code(2).stderr(predicate::str::contains("fix: give a scenario file"));
    ws.file(
        "w.toml",
        &with("initial = 20.0", "initial = { dist = \"discrete\", values = [1, 2], weights = [1e308, 1e308] }"),
    );
    ws.cmd().args(["check", "w.toml"]).assert().code(2).stderr(predicate::str::contains("more than a number can hold"));
    // Whole numbers too large for TOML, in a file and in a --set.
    ws.file("big.toml", &format!("seed = 99999999999999999999999\n{MINIMAL}"));
    ws.cmd()
        .args(["check", "big.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("fix: TOML integers run from about -9.2e18 to 9.2e18"));
    ws.file("ok.toml", MINIMAL);
    ws.cmd().args(["check", "ok.toml", "--set", "seed=99999999999999999999999"]).assert().code(2).stderr(
        predicate::str::contains("--set seed=99999999999999999999999: seed: 99999999999999999999999 is too large"),
    );
}

/// A distribution given where a value is set year by year is one error
/// (not one more for each of its keys, which are not years either), whose
/// fix names the input that carries that uncertainty; with one simulated
/// year its example has one year.
#[test]
fn a_distribution_for_a_value_by_year_is_one_error_naming_where_uncertainty_goes() {
    let ws = Workspace::new();
    ws.file("rate.toml", &with("rate = 0.2", "rate = { dist = \"uniform\", low = 0.1, high = 0.2 }"));
    let stderr = ws.exits_2_in_place(&["check", "rate.toml"]);
    assert_eq!(stderr.matches("error:").count(), 1, "{stderr}");
    assert!(stderr.contains("revenue_share.rate: a distribution is not allowed here"), "{stderr}");
    assert!(stderr.contains("give revenue_share.rate_multiplier a distribution instead"), "{stderr}");
    ws.file(
        "one.toml",
        &with("years = [2026, 2028]", "years = [2026, 2026]")
            .replace("growth = 0.5", "growth = { dist = \"normal\", mean = 0.5, sd = 0.1 }"),
    );
    let stderr = ws.exits_2_in_place(&["check", "one.toml"]);
    assert_eq!(stderr.matches("error:").count(), 1, "{stderr}");
    assert!(stderr.contains("e.g. { 2026 = 0.2 };"), "{stderr}");
    assert!(stderr.contains("give revenue.growth_shift a distribution instead"), "{stderr}");
}

/// A whole number's fix is an example that works where it stands: the bare
/// key as the file writes it, a year inside the simulated ones; a whole
/// number too large is called that, not "not a whole number".
#[test]
fn whole_number_fixes_give_examples_that_work() {
    refused(
        &[("until.toml", &with("rate = 0.2", "rate = 0.2\nuntil = 2027.5"))],
        &["revenue_share.until: must be a whole number, not 2027.5", "fix: give a whole number, e.g. until = 2028"],
    );
    refused(
        &[("seed.toml", &format!("seed = 1e16\n{MINIMAL}"))],
        &["seed: 1e16 is too large for a whole number here", "fix: give a whole number, e.g. seed = 1"],
    );
}

/// A number too large for a float given with --set is called that (it was
/// refused as "the string" with the fix "remove the quotes", which were
/// never there); a seed has one range, 0 to 2⁶³ − 1, from a file, --set and
/// --seed alike, so that any run's seed can be written back into a file.
#[test]
fn overflowing_numbers_and_seeds_are_called_that() {
    let ws = Workspace::new();
    ws.file("deal.toml", MINIMAL);
    let err = ws.refused(
        &["run", "deal.toml", "--set", "revenue_share.cap=1e400"],
        "1e400 is beyond the largest number a double holds (about ±1.8e308)",
    );
    assert!(!err.contains("quotes") && !err.contains("string"), "{err}");
    ws.refused(&["run", "deal.toml", "--set", "revenue_share.cap=-1e400"], "-1e400 is beyond the largest number");
    ws.refused(
        &["run", "deal.toml", "--set", "seed=1e400"],
        "fix: a seed is a whole number from 0 to 9223372036854775807",
    );
    ws.refused(&["run", "deal.toml", "--set", "paths=1e400"], "fix: give a whole number of paths");
    ws.refused(
        &["run", "deal.toml", "--set", "seed=18446744073709551615"],
        "fix: a seed is a whole number from 0 to 9223372036854775807",
    );
    ws.refused(&["run", "deal.toml", "--set", "seed=-1"], "fix: give a whole number from 0 to 9223372036854775807");
    let err = ws.exits_2(&["run", "deal.toml", "--seed", "9223372036854775808", "--paths", "10"]);
    assert!(err.contains("give a whole number from 0 to 9223372036854775807"), "{err}");
    assert!(!ws.path().join("bad").exists(), "nothing written");
    // The largest seed runs, and the manifest's seed reads back from a file.
    let out = ws.runs(&["run", "deal.toml", "--seed", "9223372036854775807"], "out");
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("deal/manifest.json")).unwrap()).unwrap();
    assert_eq!(m["seed"].as_u64(), Some(9_223_372_036_854_775_807));
    ws.file("again.toml", &format!("seed = 9223372036854775807\n{MINIMAL}"));
    ws.cmd().args(["check", "again.toml"]).assert().success();
}

/// An input that a `[[correlation]]` names and that is set but invalid is
/// one error, its own: the correlation does not also call it "not set".
/// A `--set` value that is not TOML is refused as such (not read as a
/// string and refused for its type), with the value quoted as a fix.
#[test]
fn an_invalid_input_is_one_error_and_a_broken_set_value_is_called_that() {
    let ws = Workspace::new();
    let deal = format!(
        "{MINIMAL}[equity]\nstake = 0.27\nmultiple = 30.0\nterminal_multiple = {{ dist = \"lognormal\", median = 12.5, sigma = 0.2 }}\n\
         [[equity.dilution]]\nyear = 2027\nfraction = {{ dist = \"uniform\", low = 0.05, high = 0.1 }}\n\
         [[correlation]]\na = \"revenue.growth_shift\"\nb = \"equity.terminal_multiple\"\nrho = 0.5\n\
         [[correlation]]\na = \"revenue_share.cap\"\nb = \"equity.dilution[0].fraction\"\nrho = 0.3\n"
    )
    .replace("growth = 0.5", "growth = 0.5\ngrowth_shift = { dist = \"normal\", mean = 0.0, sd = 0.1 }")
    .replace("cap = 20.0", "cap = { dist = \"uniform\", low = 15, high = 25 }");
    ws.file("deal.toml", &deal);
    ws.cmd().args(["check", "deal.toml"]).assert().success();
    for (set, message) in [
        ("equity.terminal_multiple=-1", "equity.terminal_multiple: -1 is out of range"),
        ("revenue_share.cap={dist=\"uniform\",low=30,high=20}", "`low` (30) is above `high` (20)"),
        ("equity.dilution[0].fraction=2", "equity.dilution[0].fraction: 2 is out of range"),
    ] {
        let stderr = ws.exits_2_in_place(&["check", "deal.toml", "--set", set]);
        assert_eq!(stderr.matches("error:").count(), 1, "{set}:\n{stderr}");
        assert!(stderr.contains(message), "{set}:\n{stderr}");
        assert!(!stderr.contains("cannot be correlated"), "{set}:\n{stderr}");
    }
    for (set, message, fix) in [
        ("revenue_share={rate=0.1", "unclosed inline table", "--set 'revenue_share=...'"),
        ("revenue_share.cap=[1,2", "unclosed array", "a list as [1, 2]"),
        ("sampling=\"lhs", "is not a TOML value", "words in double quotes"),
        (
            "revenue.initial={dist=lognormal,median=20,sigma=0.1}",
            "is not a TOML value",
            "--set 'revenue.initial={dist=\"lognormal\",median=20,sigma=0.1}'",
        ),
    ] {
        let stderr = ws.exits_2_in_place(&["check", "deal.toml", "--set", set]);
        assert_eq!(stderr.matches("error:").count(), 1, "{set}:\n{stderr}");
        assert!(stderr.contains(&format!("--set {set}")), "{set}:\n{stderr}");
        assert!(stderr.contains(message), "{set}:\n{stderr}");
        assert!(stderr.contains(fix), "{set}:\n{stderr}");
        assert!(!stderr.contains("not the string"), "{set}:\n{stderr}");
    }
    // A bare word is still a string, and so is any text given to a key that takes text.
    ws.cmd().args(["check", "deal.toml", "--set", "name=my-run"]).assert().success();
    ws.cmd()
        .args(["check", "deal.toml", "--set", "description=[draft] cap 45"])
        .assert()
        .success()
        .stdout(predicate::str::contains("[draft] cap 45"));
    // In a sweep, the fix names --vary.
    let stderr =
        ws.exits_2_in_place(&["sweep", "deal.toml", "--vary", "revenue.initial={dist=lognormal,median=20,sigma=0.1}"]);
    assert!(
        stderr.contains("fix: write words in double quotes: --vary 'revenue.initial={dist=\"lognormal\""),
        "{stderr}"
    );
}

/// A `--set` or `--vary` value with a line break and more after it
/// (`45\ntypo_key = 1`, a pasted block of a file) is refused: the lines after
/// the first would read as keys of their own and be dropped without a word,
/// a typo'd key included. A multi-line description is refused
/// by its own rule.
#[test]
fn a_value_with_more_lines_after_it_is_refused() {
    let ws = Workspace::new();
    ws.file("deal.toml", MINIMAL);
    for set in [
        "revenue_share.cap=45\ntypo_key=1",
        "revenue_share.cap=45\nrevenue_share.rate=0.9",
        "revenue_share.cap=45\n[revenue]\ninitial=1000",
    ] {
        let stderr = ws.exits_2_in_place(&["check", "deal.toml", "--set", set]);
        assert_eq!(stderr.matches("error:").count(), 1, "{set}:\n{stderr}");
        assert!(stderr.contains("holds more than one value"), "{set}:\n{stderr}");
        assert!(stderr.contains("fix: give each key its own --set"), "{set}:\n{stderr}");
    }
    let stderr =
        ws.exits_2_in_place(&["sweep", "deal.toml", "--vary", "revenue_share.cap=45\ntypo=1,50", "--paths", "100"]);
    assert!(stderr.contains("holds more than one value") && stderr.contains("its own --vary"), "{stderr}");
    // A description's own rule speaks for it (it is text, and one line).
    let stderr = ws.exits_2_in_place(&["check", "deal.toml", "--set", "description=first line\nsecond line"]);
    assert!(stderr.contains("must be one line") && !stderr.contains("more than one value"), "{stderr}");
}

/// Folders an earlier run left beside the results (a staging folder of a
/// killed run, previous results it could not delete) are named in a warning
/// with a fix, with or without --quiet; the run still succeeds, and other
/// folders that only look alike are not named.
#[test]
fn folders_left_by_earlier_runs_are_warned_about() {
    let ws = Workspace::new();
    ws.file("deal.toml", MINIMAL);
    for left in [".deal.partial-99999", ".deal.old-12", ".deal.partial-x", ".other.old-5"] {
        std::fs::create_dir_all(ws.path().join("out").join(left)).unwrap();
    }
    let (_, stderr) =
        succeeds(ws.cmd().args(["run", "deal.toml", "--out", "out", "--paths", "100", "-q", "--no-charts"]));
    assert_eq!(stderr.matches("warning:").count(), 2, "{stderr}");
    for left in [".deal.partial-99999", ".deal.old-12"] {
        assert!(stderr.contains(&format!("{left}: left behind by a run of deal")), "{stderr}");
    }
    assert!(stderr.contains("fix: delete it once no other run is writing to out"), "{stderr}");
    assert!(ws.path().join("out/deal/summary.csv").is_file());
    // None left by the run itself.
    std::fs::remove_dir(ws.path().join("out/.deal.partial-99999")).unwrap();
    std::fs::remove_dir(ws.path().join("out/.deal.old-12")).unwrap();
    let (_, stderr) =
        succeeds(ws.cmd().args(["run", "deal.toml", "--out", "out", "--paths", "100", "-q", "--no-charts"]));
    assert!(stderr.is_empty(), "{stderr}");
}

/// A file that extends another and changes the deal, without a description
/// of its own, is warned that it shows the other file's description; one
/// that only renames it or changes how it runs, or that has its own
/// description, is not.
#[test]
fn an_inherited_description_of_a_changed_deal_is_warned_about() {
    let ws = Workspace::new();
    ws.file("base.toml", &format!("description = \"capped at $20B\"\n{MINIMAL}"));
    ws.file("cap45.toml", "extends = \"base.toml\"\nname = \"cap45\"\n[revenue_share]\ncap = 45.0\n");
    ws.file("more.toml", "extends = \"base.toml\"\nname = \"more\"\npaths = 5000\nseed = 7\n");
    ws.file(
        "own.toml",
        "extends = \"base.toml\"\nname = \"own\"\ndescription = \"capped at $45B\"\n[revenue_share]\ncap = 45.0\n",
    );
    let (_, stderr) = succeeds(ws.cmd().args(["check", "cap45.toml"]));
    assert!(
        stderr.contains("cap45.toml: its description (\"capped at $20B\") is inherited from base.toml"),
        "{stderr}"
    );
    assert!(stderr.contains("give this file a `description` of its own"), "{stderr}");
    for quiet in ["more.toml", "own.toml", "base.toml"] {
        let (_, stderr) = succeeds(ws.cmd().args(["check", quiet]));
        assert!(stderr.is_empty(), "{quiet}: {stderr}");
    }
    // A --set description is the file's own.
    let (_, stderr) = succeeds(ws.cmd().args(["check", "cap45.toml", "--set", "description=\"capped at $45B\""]));
    assert!(stderr.is_empty(), "{stderr}");
}

/// Messages found wanting in an analyst's walk-through: a distribution that
/// a file gives whole is blamed on that file, not on the file it extends
/// whose distribution it replaced; a section's typo is matched to the
/// nearest section; an amount with its units, a range without its count,
/// an `extends` without `.toml` or relative to the wrong folder, and an
/// option given twice (as --set and as its own option) get a fix that works.
#[test]
fn messages_from_an_analysts_walk_through() {
    let ws = Workspace::new();
    ws.file(
        "base.toml",
        &format!("description = \"base\"\n{MINIMAL}")
            .replace("initial = 20.0", "initial = { dist = \"pert\", low = 18, mode = 20, high = 25 }"),
    );
    ws.file("mine.toml", "extends = \"base.toml\"\nname = \"mine\"\ndescription = \"mine\"\n[revenue]\ninitial = { dist = \"uniform\", mean = 22, sd = 2 }\n");
    let stderr = ws.exits_2_in_place(&["check", "mine.toml"]);
    assert!(stderr.contains("mine.toml:5:11: revenue.initial.low: is required but missing"), "{stderr}");
    assert!(!stderr.contains("base.toml:"), "the base file is blamed:\n{stderr}");
    assert!(!stderr.contains("other scenarios extend"), "a file with `extends` told it may be a base:\n{stderr}");
    // A base that lacks a section, asked for on its own, is told what it may be.
    ws.file("common/share-less.toml", MINIMAL.split("[revenue_share]").next().unwrap_or(MINIMAL));
    let stderr = ws.exits_2_in_place(&["check", "common/share-less.toml"]);
    assert!(stderr.contains("revenue_share: is required but missing"), "{stderr}");
    assert!(
        stderr.contains(
            "if this file is a base that other scenarios extend (with `extends`), run those scenarios instead"
        ),
        "{stderr}"
    );
    // A scenario that lacks only its years is not told it may be a base.
    ws.file("years-less.toml", &MINIMAL.replace("years = [2026, 2028]", ""));
    let stderr = ws.exits_2_in_place(&["check", "years-less.toml"]);
    assert!(stderr.contains("years: is required but missing") && !stderr.contains("a base"), "{stderr}");
    // The same when the file writes its distribution as a [section], with
    // dotted keys, or replaces an array of tables.
    ws.file(
        "base2.toml",
        &format!(
            "{}[equity]\nstake = 0.2\nmultiple = 10.0\n[[equity.dilution]]\nyear = 2027\nfraction = 0.1\n",
            MINIMAL.replace("initial = 20.0", "initial = { dist = \"normal\", mean = 22, sd = 1 }")
        ),
    );
    for (file, text, says) in [
        (
            "section.toml",
            "extends = \"base2.toml\"\nname = \"s\"\n[revenue.initial]\ndist = \"pert\"\nlow = 1\nmode = 2\n",
            "section.toml:3:1: revenue.initial.high: is required but missing",
        ),
        (
            "dotted.toml",
            "extends = \"base2.toml\"\nname = \"d\"\nrevenue.initial.dist = \"uniform\"\nrevenue.initial.low = 30\n",
            "dotted.toml:3:9: revenue.initial.high: is required but missing",
        ),
        (
            "events.toml",
            "extends = \"base2.toml\"\nname = \"e\"\n[[equity.dilution]]\nyear = 2027\nfraction = 2.0\n",
            "events.toml:5:12: equity.dilution[0].fraction: 2 is out of range",
        ),
    ] {
        ws.file(file, text);
        let stderr = ws.exits_2_in_place(&["check", file]);
        assert!(stderr.contains(says), "{file}:\n{stderr}");
        assert!(!stderr.contains("base2.toml:"), "{file}: the base file is blamed:\n{stderr}");
    }
    ws.file("deal.toml", MINIMAL);
    for (args, says, fix) in [
        (
            vec!["check", "deal.toml", "--set", "revenue_shares.cap=40"],
            "unknown key `revenue_shares`",
            "did you mean `revenue_share`?",
        ),
        (
            vec!["check", "deal.toml", "--set", "revenue.initial={dist=\"uniform\",mean=22,sd=2}"],
            "revenue.initial.sd: unknown key `sd`",
            "`sd` is a parameter of another distribution: this one takes low, high; or write dist = \"normal\", mean = ..., sd = ...",
        ),
        (
            vec!["check", "deal.toml", "--set", "revenue_share.cap={dist=\"uniform\",low=30,hi=40}"],
            "unknown key `hi`",
            "did you mean `revenue_share.cap.high`?",
        ),
        (
            vec!["check", "deal.toml", "--set", "revenue_share.cap=38B"],
            "must be a number, not the string \"38B\"",
            "fix: amounts are plain numbers in $B: revenue_share.cap = 38",
        ),
        (
            vec!["sweep", "deal.toml", "--vary", "revenue_share.cap=30..50"],
            "`30..50` is a range without a count",
            "e.g. 30..50:5",
        ),
        (
            vec!["run", "deal.toml", "--set", "seed=5", "--seed", "7"],
            "--set seed=... and --seed both set seed",
            "fix: give one of them",
        ),
        (vec!["sweep", "deal.toml", "--vary", "paths=10,20", "--paths", "100"], "cannot be varied", "--paths"),
        // Finite ends whose distance is not: said so, not "NaN" values.
        (
            vec!["sweep", "deal.toml", "--vary", "revenue_share.cap=-1e308..1e308:5"],
            "`-1e308..1e308` is too wide: b − a overflows",
            "well within ±1e308",
        ),
        // A target that is not finite is not "not > 0".
        (
            vec!["run", "deal.toml", "--target-se", "pv_total=1e400"],
            "must be a finite number, not 1e400",
            "e.g. 0.5 ($B) or 0.1%",
        ),
        // A misspelt summary gets the one meant.
        (
            vec!["run", "deal.toml", "--target-se", "pv_totl=0.5"],
            "`pv_totl` is not a path summary: did you mean pv_total?",
            "use one of total_share",
        ),
    ] {
        let stderr = ws.exits_2_in_place(&args);
        assert!(stderr.contains(says) && stderr.contains(fix), "{args:?}:\n{stderr}");
    }
    std::fs::create_dir(ws.path().join("s")).unwrap();
    ws.file("s/base.toml", MINIMAL);
    ws.file("s/bare.toml", "extends = \"base\"\nname = \"bare\"\n");
    ws.file("s/twice.toml", "extends = \"s/base.toml\"\nname = \"twice\"\n");
    for (file, fix) in [
        ("s/bare.toml", "fix: add the extension: extends = \"base.toml\""),
        (
            "s/twice.toml",
            "fix: the path is relative to this file's folder, where base.toml is: extends = \"base.toml\"",
        ),
    ] {
        let stderr = ws.exits_2_in_place(&["check", file]);
        assert!(stderr.contains(fix), "{file}:\n{stderr}");
    }
}

/// Values that are valid but far more likely percentages written as whole
/// numbers (growth 80, volatility 10, a hazard of 10 a year), or amounts
/// in dollars or millions where $B are meant, are warned about with the
/// value to write; the run goes on. Plausible values,
/// large ones included, are not.
#[test]
fn values_that_look_like_percentages_are_warned_about() {
    let ws = Workspace::new();
    ws.file("deal.toml", MINIMAL);
    for (set, says) in [
        ("revenue.growth=80", "revenue.growth = 80 is growth of 8000% a year: if you meant 80%, write 0.8"),
        (
            "revenue.volatility=14.3",
            "revenue.volatility = 14.3 is a standard deviation of 1430% a year: if you meant 14.3%, write 0.143 (",
        ),
        (
            "revenue.growth={2026=0.5,2027=45}",
            "revenue.growth.2027 = 45 is growth of 4500% a year: if you meant 45%, write 0.45",
        ),
        (
            "revenue.volatility=10",
            "revenue.volatility = 10 is a standard deviation of 1000% a year: if you meant 10%, write 0.1",
        ),
        ("revenue_share.termination_rate=10", "revenue_share.termination_rate = 10 is a hazard of 10 a year"),
        // Amounts in dollars or millions where $B are meant.
        (
            "revenue.initial=22000000000",
            "revenue.initial is $22,000,000,000B (amounts are in billions of dollars, $B): if it is in dollars, write 22",
        ),
        (
            "revenue_share.cap={dist=\"uniform\",low=30000,high=50000}",
            "revenue_share.cap has a median of $40,000B (amounts are in billions of dollars, $B): if it is in $M, divide each of its amounts by 1,000",
        ),
        // A multiplier that makes the share due more than the revenue.
        (
            "revenue_share.rate_multiplier=10",
            "revenue_share.rate_multiplier = 10 makes the share due 200% of the revenue (rate 0.2 × multiplier × base_fraction 1), more than all of it",
        ),
        (
            "revenue_share.rate_multiplier={dist=\"uniform\",low=1,high=7}",
            "revenue_share.rate_multiplier = 6.994 (at its P99.9) makes the share due 139.9% of the revenue",
        ),
    ] {
        let (_, stderr) =
            succeeds(ws.cmd().args(["run", "deal.toml", "--paths", "200", "--no-charts", "-q", "--set", set]));
        assert!(stderr.contains(&format!("warning: deal.toml: {says}")), "{set}:\n{stderr}");
    }
    for set in [
        "revenue.growth=3",
        "revenue.volatility=1.5",
        "revenue_share.termination_rate=2",
        "revenue_share.rate_multiplier=5",
        "revenue_share.rate_multiplier={dist=\"uniform\",low=1,high=4.9}",
        "revenue.initial=5000",
        "revenue_share.cap=9000",
    ] {
        let (_, stderr) = succeeds(ws.cmd().args(["check", "deal.toml", "--set", set]));
        assert!(stderr.is_empty(), "{set}: {stderr}");
    }
    // Only the rates of years that accrue count: 0.9 in 2028, after `until`, is never due.
    let (_, stderr) = succeeds(
        ws.cmd()
            .args([
                "check",
                "deal.toml",
                "--set",
                "revenue_share.rate={2026=0.2,2028=0.9}",
                "--set",
                "revenue_share.until=2027",
            ])
            .args(["--set", "revenue_share.rate_multiplier=3"]),
    );
    assert!(stderr.is_empty(), "{stderr}");
}

/// A warning about a value set in a file the scenario extends, or by a
/// --set, says where it was set; one about the file's own value does not.
#[test]
fn a_warning_says_where_the_value_was_set() {
    let ws = Workspace::new();
    ws.file("base.toml", &MINIMAL.replace("growth = 0.5", "growth = { 2026 = 0.5, 2030 = 0.2 }"));
    ws.file("child.toml", "extends = \"base.toml\"\nname = \"child\"\npaths = 100\n");
    let (_, stderr) = succeeds(ws.cmd().args(["check", "child.toml"]));
    assert!(
        stderr.contains("warning: child.toml: revenue.growth.2030: year 2030 is after the last simulated year 2028 and is not used (set in base.toml:5:"),
        "{stderr}"
    );
    let (_, stderr) = succeeds(ws.cmd().args(["check", "base.toml", "--set", "revenue.volatility=10"]));
    assert!(stderr.contains("(set by --set revenue.volatility=10)"), "{stderr}");
    let (_, stderr) = succeeds(ws.cmd().args(["check", "base.toml"]));
    assert!(stderr.contains("is not used\n") && !stderr.contains("(set "), "{stderr}");
}

/// Every error of a file comes in the order of its lines, whichever part of
/// the validation found it: an unknown top-level key (checked first) on a
/// later line comes after a bad value above it.
#[test]
fn errors_come_in_the_order_of_the_file() {
    let ws = Workspace::new();
    ws.file(
        "deal.toml",
        "years = [2026, 2028]\n[revenue]\ninitial = 20.0\ngrowth = 0.5\nvolatility = -0.1\n[revenue_share]\nrate = 0.2\ncapp = 20\n\n[[correlations]]\na = \"revenue.initial\"\nb = \"revenue.growth\"\nrho = 0.5\n",
    );
    let err = ws.exits_2(&["run", "deal.toml"]);
    let lines: Vec<usize> = err
        .lines()
        .filter_map(|l| l.strip_prefix("error: deal.toml:"))
        .map(|rest| rest.split(':').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(lines, [5, 8, 10], "{err}");
    // Across files: the file's own, then those of the file it extends, then
    // a --set's (which has no line).
    ws.file("child.toml", "extends = \"base.toml\"\nname = \"child\"\n\n[revenue]\nvolatility = -1\n");
    ws.file("base.toml", &MINIMAL.replace("rate = 0.2", "rate = 2"));
    let err = ws.exits_2(&["run", "child.toml", "--set", "discount_rate=-1"]);
    let order: Vec<&str> =
        err.lines().filter(|l| l.starts_with("error: ")).map(|l| l.split(": ").nth(1).unwrap()).collect();
    assert_eq!(order, ["child.toml:5:14", "base.toml:7:8", "--set discount_rate=-1"], "{err}");
}

/// A `*.toml` in a folder that cannot be read (here a link to nowhere) is
/// refused, by `run` and by `list`, as it is when named: not passed over
/// while the folder's other scenarios run.
#[test]
fn a_folder_with_a_scenario_that_cannot_be_read_is_refused() {
    let ws = Workspace::new();
    ws.file("deals/good.toml", MINIMAL);
    #[cfg(unix)]
    std::os::unix::fs::symlink("nowhere.toml", ws.path().join("deals/gone.toml")).unwrap();
    #[cfg(not(unix))]
    return;
    let err = ws.refused(&["run", "deals"], "cannot read");
    assert!(err.contains("gone.toml"), "{err}");
    let err = ws.exits_2_in_place(&["list", "deals"]);
    assert!(err.contains("gone.toml") && err.contains("cannot read"), "{err}");
}
