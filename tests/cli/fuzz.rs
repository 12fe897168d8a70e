//! Hostile input: arbitrary bytes, arbitrary TOML, and valid scenarios with
//! extreme numbers in every field. Nothing may panic or hang: every input is
//! either refused with a message or runs to finite numbers (or stops with an
//! overflow error naming the quantity).
//!
//! Bounded for CI (256 cases each, proptest's default); run longer with
//! `PROPTEST_CASES=100000 cargo test --release --test cli fuzz`.

use proptest::prelude::*;
use revshare::engine::{self, EngineError, RunOptions};
use revshare::model::Model;
use revshare::scenario::{RULES, Scenario};

use crate::common::Workspace;

/// Every key a scenario may have, with a valid value to start from.
const BASE: &str = r#"
years = [2026, 2028]
steps_per_year = 4
paths = 100
seed = 1
discount_rate = 0.1
[revenue]
initial = 20.0
growth = { 2026 = 0.5, 2027 = 0.3 }
growth_shift = { dist = "normal", mean = 0.0, sd = 0.1 }
volatility = 0.2
growth_noise = { sd = 0.1, persistence = 0.5 }
shock = { rate = 0.1, size = { dist = "uniform", low = 0.1, high = 0.3 } }
[revenue_share]
rate = 0.2
rate_multiplier = 1.0
base_fraction = 1.0
until = 2028
cap = 20.0
termination_rate = 0.05
[counter_share]
rate = 0.2
base_ratio = 0.3
[equity]
stake = 0.27
multiple = 30.0
terminal_multiple = { dist = "lognormal", median = 10.0, sigma = 0.2 }
[[equity.dilution]]
year = 2027
fraction = 0.1
probability = 0.5
[[correlation]]
a = "revenue.growth_shift"
b = "equity.terminal_multiple"
rho = 0.5
"#;

const KEYS: &[&str] = &[
    "years",
    "steps_per_year",
    "paths",
    "seed",
    "discount_rate",
    "name",
    "revenue.initial",
    "revenue.growth",
    "revenue.growth.2027",
    "revenue.growth_shift",
    "revenue.growth_shift.sd",
    "revenue.volatility",
    "revenue.growth_noise.sd",
    "revenue.growth_noise.persistence",
    "revenue.shock.rate",
    "revenue.shock.size",
    "revenue.shock.size.high",
    "revenue_share.rate",
    "revenue_share.rate_multiplier",
    "revenue_share.base_fraction",
    "revenue_share.until",
    "revenue_share.cap",
    "revenue_share.termination_rate",
    "counter_share.rate",
    "counter_share.base_ratio",
    "equity.stake",
    "equity.multiple",
    "equity.terminal_multiple",
    "equity.terminal_multiple.median",
    "equity.terminal_multiple.sigma",
    "correlation",
    "equity.dilution",
];

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("0".to_string()),
        Just("0.0".to_string()),
        Just("-0.0".to_string()),
        Just("1e-300".to_string()),
        Just("5e-324".to_string()),
        Just("1e-9".to_string()),
        Just("1e12".to_string()),
        Just("1e300".to_string()),
        Just("1.7976931348623157e308".to_string()),
        Just("-1".to_string()),
        Just("-1e300".to_string()),
        Just("nan".to_string()),
        Just("inf".to_string()),
        Just("-inf".to_string()),
        Just("9223372036854775807".to_string()),
        Just("-9223372036854775808".to_string()),
        Just("\"text\"".to_string()),
        Just("true".to_string()),
        Just("[]".to_string()),
        Just("[1900, 2200]".to_string()),
        Just("[2200, 2200]".to_string()),
        Just("{}".to_string()),
        Just("{ dist = \"uniform\", low = 0, high = 1e300 }".to_string()),
        Just("{ dist = \"pert\", low = 0, mode = 0, high = 1 }".to_string()),
        Just("{ dist = \"lognormal\", median = 1e-300, sigma = 1e3 }".to_string()),
        Just("{ dist = \"normal\", mean = 0, sd = 1e300 }".to_string()),
        Just("{ dist = \"discrete\", values = [1, 1e300], weights = [1e-300, 1e300] }".to_string()),
        Just("{ dist = \"triangular\", low = 1, mode = 1, high = 1 }".to_string()),
        Just("{ 2026 = 1e300 }".to_string()),
        Just("[{ a = \"revenue.initial\", b = \"equity.stake\", rho = 1 }]".to_string()),
        Just("[{ year = 2026, fraction = 1, probability = 1 }]".to_string()),
        any::<f64>().prop_map(|x| format!("{x:?}")),
        (-5i64..5000).prop_map(|i| i.to_string()),
        (0.0..1.0f64).prop_map(|x| x.to_string()),
    ]
}

/// Set `path` in `table` to `value` (a TOML value written as text).
fn set(table: &mut toml::Table, path: &str, value: &str) {
    let Ok(parsed) = toml::from_str::<toml::Table>(&format!("v = {value}")) else { return };
    let v = parsed["v"].clone();
    let mut t = table;
    let parts: Vec<&str> = path.split('.').collect();
    for p in &parts[..parts.len() - 1] {
        let entry = t.entry(p.to_string()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if !entry.is_table() {
            *entry = toml::Value::Table(toml::Table::new());
        }
        t = entry.as_table_mut().expect("table");
    }
    t.insert(parts[parts.len() - 1].to_string(), v);
}

/// Load and, if valid, simulate a few paths: never a panic, and valid runs
/// give finite statistics or a named overflow.
fn load_and_run(text: &str) {
    let ws = Workspace::new();
    let f = ws.file("fuzz.toml", text);
    load_bytes_and_run(&f, text);
}

/// Load the file `f` (whose contents are `shown` in messages): a refusal
/// names the file and, for each problem, the rule broken and a fix; a
/// scenario that loads simulates (see [`simulate_checked`]).
fn load_bytes_and_run(f: &std::path::Path, shown: &str) {
    match Scenario::load(f) {
        Ok(s) => simulate_checked(&s, shown),
        Err(errors) => {
            assert!(!errors.0.is_empty(), "a refusal with no error for\n{shown}");
            for e in &errors.0 {
                assert!(e.file.ends_with(f.file_name().unwrap()), "{e}: names {} for\n{shown}", e.file.display());
                assert!(RULES.contains(&e.rule), "{e}: unknown rule {} for\n{shown}", e.rule);
                assert!(!e.message.is_empty() && !e.fix.is_empty(), "{e}: no message or no fix for\n{shown}");
            }
        }
    }
}

/// Simulate a few paths of a valid scenario: finite statistics or a named
/// overflow, never a panic or another error.
fn simulate_checked(s: &Scenario, text: &str) {
    let m = Model::new(s);
    match engine::run(&m, &RunOptions { paths: 64, seed: 1, threads: 1, progress: None, cancel: None, exact_up_to: 0 })
    {
        Ok(r) => {
            for st in &r.stats {
                assert!(st.mean.is_finite() && st.sd.is_finite(), "non-finite statistic in\n{text}");
                assert!(st.percentiles.iter().all(|p| p.is_finite()), "non-finite percentile in\n{text}");
            }
        }
        Err(EngineError::NonFinite { quantity, .. }) => assert!(!quantity.is_empty()),
        Err(e) => panic!("unexpected engine error {e} for\n{text}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_are_refused_or_run(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let ws = Workspace::new();
        let f = ws.dir.path().join("bytes.toml");
        std::fs::write(&f, &bytes).unwrap();
        load_bytes_and_run(&f, &String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn arbitrary_text_is_refused_or_run(text in "[a-z_\\[\\]=.\"0-9 \n{},-]{0,300}") {
        load_and_run(&text);
    }

    /// Valid but extreme numbers in every numeric field at once, so that
    /// every case reaches the engine (most cases of the test below are
    /// refused by validation first): each is accepted, and runs to finite
    /// numbers or a named overflow.
    #[test]
    fn valid_extremes_all_reach_the_engine(
        initial in 1e-6..1e6f64,
        growth in -0.99..50.0f64,
        volatility in 0.0..3.0f64,
        noise in (0.0..2.0f64, 0.0..=1.0f64),
        shock in (0.0..20.0f64, 0.0..0.999f64),
        share in (0.0..=1.0f64, 1e-9..1e12f64, 0.0..20.0f64),
        equity in (0.0..=1.0f64, 1e-3..1e4f64, 0.0..=1.0f64),
        discount in 0.0..1.0f64,
        steps in prop_oneof![Just(1), Just(2), Just(4), Just(12)],
    ) {
        let text = format!(
            "years = [2026, 2030]\nsteps_per_year = {steps}\ndiscount_rate = {discount:?}\n\
             [revenue]\ninitial = {initial:?}\ngrowth = {growth:?}\nvolatility = {volatility:?}\n\
             growth_noise = {{ sd = {:?}, persistence = {:?} }}\n\
             shock = {{ rate = {:?}, size = {:?} }}\n\
             [revenue_share]\nrate = {:?}\ncap = {:?}\ntermination_rate = {:?}\n\
             [equity]\nstake = {:?}\nmultiple = {:?}\n\
             [[equity.dilution]]\nyear = 2027\nfraction = {:?}\nprobability = 0.5\n",
            noise.0, noise.1, shock.0, shock.1, share.0, share.1, share.2, equity.0, equity.1, equity.2
        );
        let ws = Workspace::new();
        let f = ws.file("valid.toml", &text);
        let s = Scenario::load(&f);
        prop_assert!(s.is_ok(), "refused:\n{text}\n{}", s.err().map(|e| e.to_string()).unwrap_or_default());
        simulate_checked(&s.unwrap(), &text);
    }

    #[test]
    fn extreme_values_in_any_field_are_refused_or_run(
        edits in proptest::collection::vec((0..KEYS.len(), value()), 1..4)
    ) {
        let mut table: toml::Table = toml::from_str(BASE).unwrap();
        for (k, v) in &edits {
            set(&mut table, KEYS[*k], v);
        }
        let text = toml::to_string(&table).unwrap_or_default();
        load_and_run(&text);
    }
}

/// The extreme but valid scenarios of the hardening issue run to finite
/// numbers or stop with an error that names the quantity and the period.
#[test]
fn extreme_valid_scenarios_never_give_nan() {
    let cases = [
        (
            "growth of 50x a year",
            "years = [2026, 2030]\n[revenue]\ninitial = 22\ngrowth = 50.0\n[revenue_share]\nrate = 0.2\ncap = 1e12\n",
        ),
        (
            "volatility 3.0",
            "years = [2026, 2030]\n[revenue]\ninitial = 22\ngrowth = 0.5\nvolatility = 3.0\n[revenue_share]\nrate = 0.2\ncap = 38\n[equity]\nstake = 0.27\nmultiple = 35\n",
        ),
        (
            "monthly over 100 years",
            "years = [2026, 2125]\nsteps_per_year = 12\n[revenue]\ninitial = 22\ngrowth = 0.3\nvolatility = 0.5\n[revenue_share]\nrate = 0.2\ncap = 1e-9\n",
        ),
        (
            // Payments that end early on some paths (zeros) beside values that
            // span more orders of magnitude than a sketch of a run with this
            // many statistics keeps apart (once a panic in the sketch).
            "monthly over 100 years, terminated",
            "years = [2026, 2125]\nsteps_per_year = 12\n[revenue]\ninitial = 22\ngrowth = 0.0\nvolatility = 0.5\n[revenue_share]\nrate = 0.2\ntermination_rate = 0.05\n",
        ),
        (
            "a tiny cap",
            "years = [2026, 2030]\n[revenue]\ninitial = 22\ngrowth = 0.5\n[revenue_share]\nrate = 0.2\ncap = 1e-9\n",
        ),
        (
            "an enormous cap",
            "years = [2026, 2030]\n[revenue]\ninitial = 22\ngrowth = 0.5\n[revenue_share]\nrate = 0.2\ncap = 1e12\n",
        ),
        (
            "overflowing growth",
            "years = [2026, 2125]\nsteps_per_year = 12\n[revenue]\ninitial = 22\ngrowth = 50.0\nvolatility = 3.0\n[revenue_share]\nrate = 0.2\n",
        ),
    ];
    for (what, text) in cases {
        let ws = Workspace::new();
        let f = ws.file("extreme.toml", text);
        let s = Scenario::load(&f).unwrap_or_else(|e| panic!("{what}: {e}"));
        let m = Model::new(&s);
        match engine::run(
            &m,
            &RunOptions { paths: 2000, seed: 1, threads: 2, progress: None, cancel: None, exact_up_to: 0 },
        ) {
            Ok(r) => assert!(
                r.stats.iter().all(|st| st.mean.is_finite() && st.percentiles.iter().all(|p| p.is_finite())),
                "{what}"
            ),
            Err(EngineError::NonFinite { quantity, .. }) => {
                // One of the run's statistics, named as the engine names them.
                assert!((0..m.layout.len()).any(|s| engine::describe_slot(&m, s) == quantity), "{what}: {quantity}");
            }
            Err(e) => panic!("{what}: {e}"),
        }
    }
}
