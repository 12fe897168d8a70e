//! Latin hypercube sampling of the per-path inputs: stratified within each
//! chunk, so it is as reproducible as plain Monte Carlo, and it estimates the
//! mean of an input-driven output with a smaller error at equal paths.

use revshare::engine::{self, RunOptions};
use revshare::model::{Model, Summary};
use revshare::scenario::{Sampling, Scenario};

use crate::common::{Workspace, revshare, spearman};

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

/// The mean and the spread, over 30 seeds, of the mean of pv_share from
/// `paths` paths.
fn means_over_seeds(sampling: Sampling, paths: u64) -> (f64, f64) {
    let ws = Workspace::new();
    let f = ws.file("s.toml", INPUT_DRIVEN);
    let mut s = Scenario::load(&f).unwrap();
    s.sampling = sampling;
    let m = Model::new(&s);
    let means: Vec<f64> = (0..30)
        .map(|seed| {
            let r =
                engine::run(&m, &RunOptions { paths, seed, threads: 2, progress: None, cancel: None, exact_up_to: 0 })
                    .unwrap();
            r.summary(Summary::PvShare).mean
        })
        .collect();
    let mean = means.iter().sum::<f64>() / means.len() as f64;
    (mean, (means.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (means.len() - 1) as f64).sqrt())
}

/// LHS estimates the same mean as plain Monte Carlo (no bias: the average of
/// its 30 means is within 4 standard errors of Monte Carlo's, whose error
/// dominates), with well under half the spread.
#[test]
fn lhs_is_unbiased_with_a_smaller_standard_error_than_plain_monte_carlo() {
    let (mc_mean, mc) = means_over_seeds(Sampling::MonteCarlo, 4096);
    let (lhs_mean, lhs) = means_over_seeds(Sampling::LatinHypercube, 4096);
    assert!(lhs < 0.5 * mc, "LHS spread {lhs} is not well below Monte Carlo's {mc}");
    let se = (mc * mc + lhs * lhs).sqrt() / 30f64.sqrt();
    assert!((lhs_mean - mc_mean).abs() < 4.0 * se, "LHS mean {lhs_mean} against Monte Carlo's {mc_mean} (se {se})");
}

/// Within a chunk, LHS pairs the strata of different inputs at random:
/// two independent inputs have a rank correlation within 4.5 standard
/// errors (1/√n) of zero, and the correlated pair keeps its correlation.
#[test]
fn lhs_pairs_the_inputs_strata_at_random() {
    let ws = Workspace::new();
    let f = ws.file("s.toml", INPUT_DRIVEN);
    let mut s = Scenario::load(&f).unwrap();
    s.sampling = Sampling::LatinHypercube;
    let m = Model::new(&s);
    let (mut initial, mut multiplier, mut shift) = (Vec::new(), Vec::new(), Vec::new());
    engine::replay(&m, 3, 4096, 4096, |_, _, _, scratch| {
        initial.push(scratch.inputs().initial);
        multiplier.push(scratch.inputs().rate_multiplier);
        shift.push(scratch.inputs().growth_shift);
    });
    let n = initial.len() as f64;
    let independent = spearman(&initial, &multiplier);
    assert!(independent.abs() < 4.5 / n.sqrt(), "initial and rate_multiplier: rank correlation {independent}");
    // rho 0.4 between initial and growth_shift: (6/π)·asin(ρ/2) in ranks.
    let expected = 6.0 / std::f64::consts::PI * (0.2f64).asin();
    let correlated = spearman(&initial, &shift);
    assert!(
        (correlated - expected).abs() < 4.5 / n.sqrt(),
        "initial and growth_shift: {correlated} against {expected}"
    );
}

/// Within a chunk of 4096 paths, each of the 4096 strata of an input holds
/// one path, at a uniformly random place inside it (not its midpoint, which
/// would leave the paths on a grid): checked on a uniform input, whose
/// stratum and place can be read back from its value.
#[test]
fn lhs_puts_one_path_in_each_stratum_at_a_random_place() {
    let ws = Workspace::new();
    let f = ws.file("s.toml", INPUT_DRIVEN);
    let mut s = Scenario::load(&f).unwrap();
    s.sampling = Sampling::LatinHypercube;
    let m = Model::new(&s);
    let n = 4096;
    let mut places = Vec::new();
    let mut strata = vec![0u32; n];
    engine::replay(&m, 11, n as u64, n as u64, |_, _, _, scratch| {
        // rate_multiplier is uniform on [0.8, 1.2].
        let at = (scratch.inputs().rate_multiplier - 0.8) / 0.4 * n as f64;
        let k = (at.floor() as usize).min(n - 1);
        strata[k] += 1;
        places.push(at - k as f64);
    });
    // (A value on a stratum's edge may round into its neighbour.)
    let empty = strata.iter().filter(|c| **c == 0).count();
    assert!(empty <= 2, "{empty} strata hold no path");
    let mean = places.iter().sum::<f64>() / n as f64;
    let var = places.iter().map(|p| (p - mean) * (p - mean)).sum::<f64>() / n as f64;
    assert!((mean - 0.5).abs() < 4.5 * (1.0 / 12.0 / n as f64).sqrt(), "mean place in the stratum {mean}");
    assert!((var - 1.0 / 12.0).abs() < 0.1 / 12.0, "variance of the place in the stratum {var}, not 1/12");
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
    engine::replay(&m, 1, 4096, 4096, |_, _, _, scratch| multipliers.push(scratch.inputs().rate_multiplier));
    multipliers.sort_by(f64::total_cmp);
    // Exactly one draw in each of the 4096 strata of [0.8, 1.2].
    for (k, x) in multipliers.iter().enumerate() {
        let stratum = ((x - 0.8) / 0.4 * 4096.0).floor() as usize;
        assert_eq!(stratum.min(4095), k, "{x}");
    }
}

/// Common random numbers for the sensitivity runs: a model with one input
/// held consumes every random number as before, so each path keeps all its
/// other inputs, and a path whose input is held at the value it drew anyway
/// is the very same path, bit for bit. With Monte Carlo and with the Latin
/// hypercube, for every uncertain input, correlated ones included.
#[test]
fn holding_an_input_keeps_every_other_random_number() {
    let ws = Workspace::new();
    // With volatility, so that a path's growth draws matter too.
    let f = ws.file("s.toml", &INPUT_DRIVEN.replace("growth = 0.5\n", "growth = 0.5\nvolatility = 0.2\n"));
    for sampling in [Sampling::MonteCarlo, Sampling::LatinHypercube] {
        let mut s = Scenario::load(&f).unwrap();
        s.sampling = sampling;
        let m = Model::new(&s);
        let paths = 300;
        let mut free: Vec<(Vec<f64>, Vec<f64>)> = Vec::new();
        let inputs = m.uncertain_inputs().into_iter().map(|(i, _)| i).collect::<Vec<_>>();
        assert_eq!(inputs.len(), 3, "initial, growth_shift and rate_multiplier are uncertain");
        engine::replay(&m, 5, 4096, paths, |_, values, _, scratch| {
            free.push((inputs.iter().map(|i| m.input_value(*i, scratch)).collect(), values.to_vec()));
        });
        for (k, input) in inputs.iter().enumerate() {
            // Held at path 7's own value.
            let held_at = free[7].0[k];
            let pinned = m.with_pinned(*input, held_at);
            let mut j = 0;
            engine::replay(&pinned, 5, 4096, paths, |_, values, _, scratch| {
                let drawn: Vec<f64> = inputs.iter().map(|i| pinned.input_value(*i, scratch)).collect();
                for (o, (a, b)) in drawn.iter().zip(&free[j].0).enumerate() {
                    let expected = if o == k { held_at } else { *b };
                    assert_eq!(a.to_bits(), expected.to_bits(), "{sampling:?}, {input:?} held: path {j}, input {o}");
                }
                if j == 7 {
                    assert!(values.iter().zip(&free[7].1).all(|(a, b)| a.to_bits() == b.to_bits()), "path 7 unchanged");
                }
                j += 1;
            });
            assert_eq!(j as u64, paths);
        }
    }
}
