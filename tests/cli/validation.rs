//! One test per validation rule: the bad file is refused with exit code 2, the
//! message names the file, the key, the rule and a fix, and nothing is written.

use predicates::prelude::*;

use crate::common::{MINIMAL, Workspace};

/// Run `revshare run` and `revshare check` on `files[0]` (the others are there
/// for `extends`) and check the refusal.
fn refused(files: &[(&str, &str)], fragments: &[&str]) {
    let ws = Workspace::new();
    for (name, text) in files {
        ws.file(name, text);
    }
    let target = files[0].0;
    let out = ws.cmd().args(["run", target, "--out", "out", "--paths", "100"]).assert().code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
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

macro_rules! rule {
    ($name:ident, $text:expr, [$($frag:expr),+ $(,)?]) => {
        #[test]
        fn $name() {
            refused(&[("bad.toml", &$text)], &["bad.toml", $($frag),+]);
        }
    };
}

rule!(
    unknown_key_with_suggestion,
    with("growth = 0.5", "growth = 0.5\nvolatilty = 0.1"),
    ["revenue.volatilty", "unknown key", "did you mean `revenue.volatility`"]
);
rule!(
    unknown_key_in_the_wrong_table,
    with("cap = 20.0", "cap = 20.0\nstake = 0.27"),
    ["revenue_share.stake", "belongs in [equity]"]
);
rule!(unknown_top_level_key, format!("discount = 0.1\n{MINIMAL}"), ["discount", "did you mean `discount_rate`"]);
rule!(wrong_type, with("rate = 0.2", "rate = \"high\""), ["revenue_share.rate", "must be a number"]);
rule!(percentage_written_as_a_string, with("rate = 0.2", "rate = \"20%\""), ["revenue_share.rate", "0.2"]);
rule!(missing_years, MINIMAL.replace("years = [2026, 2028]", ""), ["years", "required"]);
rule!(missing_initial_revenue, with("initial = 20.0", ""), ["revenue.initial", "required"]);
rule!(missing_growth, with("growth = 0.5", ""), ["revenue.growth", "required"]);
rule!(missing_share_rate, with("rate = 0.2", ""), ["revenue_share.rate", "required"]);
rule!(missing_revenue_table, "years = [2026, 2028]\n[revenue_share]\nrate = 0.2\n", ["revenue", "required"]);
rule!(nan_is_refused, with("growth = 0.5", "growth = 0.5\nvolatility = nan"), ["revenue.volatility", "finite"]);
rule!(infinity_is_refused, with("initial = 20.0", "initial = inf"), ["revenue.initial", "finite"]);
rule!(
    probability_above_one,
    format!(
        "{MINIMAL}[equity]\nstake = 0.27\nmultiple = 30\n[[equity.dilution]]\nyear = 2027\nfraction = 0.1\nprobability = 1.5\n"
    ),
    ["equity.dilution[0].probability", "[0, 1]"]
);
rule!(stake_above_one, format!("{MINIMAL}[equity]\nstake = 27\nmultiple = 30\n"), ["equity.stake", "percentage"]);
rule!(rate_as_percentage, with("rate = 0.2", "rate = 20"), ["revenue_share.rate", "percentage"]);
rule!(negative_volatility, with("growth = 0.5", "growth = 0.5\nvolatility = -0.1"), ["revenue.volatility", "≥ 0"]);
rule!(negative_cap, with("cap = 20.0", "cap = -5.0"), ["revenue_share.cap", "≥ 0"]);
rule!(
    low_above_high,
    with("cap = 20.0", "cap = { dist = \"uniform\", low = 50, high = 30 }"),
    ["revenue_share.cap.low", "`low` (50) is above `high` (30)"]
);
rule!(
    pert_mode_outside_range,
    with("cap = 20.0", "cap = { dist = \"pert\", low = 20, mode = 60, high = 50 }"),
    ["revenue_share.cap.mode", "outside"]
);
rule!(
    triangular_mode_outside_range,
    with("initial = 20.0", "initial = { dist = \"triangular\", low = 10, mode = 5, high = 30 }"),
    ["revenue.initial.mode", "outside"]
);
rule!(
    lognormal_median_not_positive,
    format!("{MINIMAL}[equity]\nstake = 0.2\nmultiple = {{ dist = \"lognormal\", median = 0, sigma = 0.2 }}\n"),
    ["equity.multiple.median", "> 0"]
);
rule!(multiple_not_positive, format!("{MINIMAL}[equity]\nstake = 0.2\nmultiple = 0\n"), ["equity.multiple", "> 0"]);
rule!(
    normal_that_can_leave_its_range,
    format!("{MINIMAL}[equity]\nstake = {{ dist = \"normal\", mean = 0.27, sd = 0.2 }}\nmultiple = 30\n"),
    ["equity.stake.sd", "outside"]
);
rule!(growth_of_minus_100_percent, with("growth = 0.5", "growth = -1.0"), ["revenue.growth", "-100%"]);
rule!(
    growth_table_year_of_minus_100_percent,
    with("growth = 0.5", "growth = { 2026 = 0.5, 2027 = -1.5 }"),
    ["revenue.growth.2027", "out of range"]
);
rule!(
    shock_size_of_one,
    with("growth = 0.5", "growth = 0.5\nshock = { rate = 0.1, size = 1.0 }"),
    ["revenue.shock.size", "[0, 1)"]
);
rule!(
    first_year_missing_from_table,
    with("growth = 0.5", "growth = { 2027 = 0.5 }"),
    ["revenue.growth", "first simulated year 2026", "add 2026 = ..."]
);
rule!(
    table_key_not_a_year,
    with("rate = 0.2", "rate = { 2026 = 0.2, next = 0.1 }"),
    ["revenue_share.rate.next", "not a year"]
);
rule!(
    steps_per_year_not_allowed,
    format!("steps_per_year = 3\n{MINIMAL}"),
    ["steps_per_year", "1 (yearly), 2, 4 (quarterly) or 12"]
);
rule!(end_before_start, MINIMAL.replace("[2026, 2028]", "[2028, 2026]"), ["years", "before the start"]);
rule!(years_outside_range, MINIMAL.replace("[2026, 2028]", "[1800, 2028]"), ["years", "1900"]);
rule!(years_not_a_pair, MINIMAL.replace("[2026, 2028]", "[2026]"), ["years", "[start, end]"]);
rule!(
    until_outside_years,
    with("cap = 20.0", "cap = 20.0\nuntil = 2031"),
    ["revenue_share.until", "outside the simulated years"]
);
rule!(
    dilution_year_outside_years,
    format!("{MINIMAL}[equity]\nstake = 0.2\nmultiple = 30\n[[equity.dilution]]\nyear = 2035\nfraction = 0.1\n"),
    ["equity.dilution[0].year", "outside the simulated years"]
);
rule!(zero_paths, format!("paths = 0\n{MINIMAL}"), ["paths", "≥ 1"]);
rule!(negative_seed, format!("seed = -3\n{MINIMAL}"), ["seed", "negative"]);
rule!(discount_rate_as_percentage, format!("discount_rate = 10\n{MINIMAL}"), ["discount_rate", "0.10"]);
rule!(
    correlation_unknown_input,
    format!("{MINIMAL}[[correlation]]\na = \"revenue.growth_shfit\"\nb = \"revenue_share.cap\"\nrho = 0.3\n"),
    ["correlation[0].a", "did you mean \"revenue.growth_shift\""]
);
rule!(
    correlation_of_an_input_with_itself,
    format!("{MINIMAL}[[correlation]]\na = \"revenue_share.cap\"\nb = \"revenue_share.cap\"\nrho = 0.3\n"),
    ["correlation[0].b", "itself"]
);
rule!(
    correlation_of_an_absent_input,
    format!("{MINIMAL}[[correlation]]\na = \"revenue_share.cap\"\nb = \"equity.stake\"\nrho = 0.3\n"),
    ["correlation[0].b", "no [equity] table"]
);
rule!(
    rho_above_one,
    format!("{MINIMAL}[[correlation]]\na = \"revenue.initial\"\nb = \"revenue_share.cap\"\nrho = 1.5\n"),
    ["correlation[0].rho", "|rho| must be ≤ 1"]
);
rule!(
    correlations_not_positive_definite,
    format!(
        "{MINIMAL}[[correlation]]\na = \"revenue.initial\"\nb = \"revenue_share.cap\"\nrho = 0.9\n[[correlation]]\na = \"revenue_share.cap\"\nb = \"revenue.growth_shift\"\nrho = 0.9\n[[correlation]]\na = \"revenue.initial\"\nb = \"revenue.growth_shift\"\nrho = -0.9\n"
    ),
    ["correlation", "not positive definite", "revenue.initial", "revenue_share.cap", "revenue.growth_shift"]
);
rule!(name_that_is_not_a_plain_file_name, format!("name = \"../evil\"\n{MINIMAL}"), ["name", "not a plain name"]);
rule!(not_toml, "years = [2026, 2028\n[revenue\n", ["not valid TOML"]);
rule!(
    unknown_distribution,
    with("cap = 20.0", "cap = { dist = \"gaussian\", mean = 1, sd = 1 }"),
    ["revenue_share.cap.dist", "unknown distribution"]
);
rule!(
    distribution_missing_a_parameter,
    with("cap = 20.0", "cap = { dist = \"uniform\", low = 1 }"),
    ["revenue_share.cap.high", "required"]
);
rule!(
    distribution_with_a_foreign_key,
    with("cap = 20.0", "cap = { dist = \"uniform\", low = 1, high = 2, mode = 1.5 }"),
    ["revenue_share.cap.mode", "unknown key"]
);
rule!(
    discrete_weights_do_not_match,
    with("cap = 20.0", "cap = { dist = \"discrete\", values = [30, 38], weights = [1] }"),
    ["revenue_share.cap.weights", "one weight per value"]
);
rule!(
    description_on_several_lines,
    format!("description = \"\"\"one\ntwo\"\"\"\n{MINIMAL}"),
    ["description", "one line"]
);
rule!(
    counter_share_without_base_ratio,
    format!("{MINIMAL}[counter_share]\nrate = 0.2\n"),
    ["counter_share.base_ratio", "required"]
);

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
fn extends_to_a_missing_file() {
    refused(
        &[("bad.toml", &format!("extends = \"nowhere.toml\"\n{MINIMAL}"))],
        &["bad.toml", "extends", "nowhere.toml", "does not exist"],
    );
}

#[test]
fn extends_cycle() {
    refused(
        &[("bad.toml", "extends = \"b.toml\"\n"), ("b.toml", "extends = \"bad.toml\"\n")],
        &["extends", "cycle", "bad.toml", "b.toml"],
    );
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
fn an_unwritable_output_folder() {
    let ws = Workspace::new();
    ws.file("deal.toml", MINIMAL);
    let ro = ws.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    let mut perm = std::fs::metadata(&ro).unwrap().permissions();
    perm.set_readonly(true);
    std::fs::set_permissions(&ro, perm).unwrap();
    // root ignores permissions; only check when the folder really is read-only.
    if std::fs::write(ro.join("probe"), "x").is_ok() {
        return;
    }
    ws.cmd()
        .args(["run", "deal.toml", "--out", "ro/results"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("ro/results"))
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
}
