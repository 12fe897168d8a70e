//! Latin hypercube sampling of the per-path inputs: stratified within each
//! chunk, so it is as reproducible as plain Monte Carlo, and it estimates the
//! mean of an input-driven output with a smaller error at equal paths.

use revshare::engine::{self, RunOptions};
use revshare::model::{Model, Summary};
use revshare::scenario::{Sampling, Scenario};

use crate::common::{Workspace, revshare};

/// Inputs dominate: no growth noise, three uncertain inputs (one correlated).
const INPUT_DRIVEN: &str = r#"
years = [2026, 2028]
[revenue]
initial = { dist = "pert", low = 15, mode = 20, high = 30 }
growth = 0.5
growth_shift = { dist = "normal", mean = 0.0, sd = 0.1 }
[revenue_share]
rate = 0.2
rate_multiplier = { dist = "uniform", low = 0.8, high = 1.2 }
[[correlation]]
a = "revenue.initial"
b = "revenue.growth_shift"
rho = 0.4
"#;

/// The spread, over seeds, of the mean of pv_share from `paths` paths.
fn spread_of_means(sampling: Sampling, paths: u64) -> f64 {
    let ws = Workspace::new();
    let f = ws.file("s.toml", INPUT_DRIVEN);
    let mut s = Scenario::load(&f).unwrap();
    s.sampling = sampling;
    let m = Model::new(&s);
    let means: Vec<f64> = (0..30)
        .map(|seed| {
            let r = engine::run(&m, &RunOptions { paths, seed, threads: 2, progress: None, cancel: None }).unwrap();
            r.summary(Summary::PvShare).mean
        })
        .collect();
    let mean = means.iter().sum::<f64>() / means.len() as f64;
    (means.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (means.len() - 1) as f64).sqrt()
}

#[test]
fn lhs_has_a_smaller_standard_error_than_plain_monte_carlo() {
    let mc = spread_of_means(Sampling::MonteCarlo, 4096);
    let lhs = spread_of_means(Sampling::LatinHypercube, 4096);
    assert!(lhs < 0.5 * mc, "LHS spread {lhs} is not well below Monte Carlo's {mc}");
}

#[test]
fn lhs_is_reproducible_with_any_thread_count_and_keeps_the_marginals() {
    let ws = Workspace::new();
    ws.file("deal.toml", &format!("sampling = \"lhs\"\n{INPUT_DRIVEN}"));
    for (t, out) in [("1", "one"), ("4", "four")] {
        revshare(ws.path())
            .args(["run", "deal.toml", "--paths", "10000", "--threads", t, "--out", out, "-q", "--no-charts"])
            .assert()
            .success();
    }
    for f in ["summary.csv", "yearly.csv", "periods.csv"] {
        assert_eq!(
            std::fs::read(ws.path().join("one/deal").join(f)).unwrap(),
            std::fs::read(ws.path().join("four/deal").join(f)).unwrap(),
            "{f}"
        );
    }
    // --sampling overrides the file, and each input keeps its distribution.
    revshare(ws.path())
        .args(["run", "deal.toml", "--paths", "8192", "--sampling", "mc", "--out", "mc", "-q", "--no-charts"])
        .assert()
        .success();
    assert_ne!(
        std::fs::read(ws.path().join("one/deal/summary.csv")).unwrap(),
        std::fs::read(ws.path().join("mc/deal/summary.csv")).unwrap()
    );
    let s = Scenario::load(&ws.path().join("deal.toml")).unwrap();
    let m = Model::new(&s);
    let mut multipliers = Vec::new();
    engine::replay(&m, 1, 4096, 4096, |_, _, _, scratch| multipliers.push(scratch.inputs.rate_multiplier));
    multipliers.sort_by(f64::total_cmp);
    // Exactly one draw in each of the 4096 strata of [0.8, 1.2].
    for (k, x) in multipliers.iter().enumerate() {
        let stratum = ((x - 0.8) / 0.4 * 4096.0).floor() as usize;
        assert_eq!(stratum.min(4095), k, "{x}");
    }
}
