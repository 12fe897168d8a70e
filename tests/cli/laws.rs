//! Laws of MODEL.md checked on the paths themselves (replayed one by one with
//! `engine::replay`), not against committed outputs: the Gaussian copula's rank
//! correlations (§2), the AR(1) growth noise (§3), termination, base_fraction
//! and the per-path cap (§4). Statistical checks allow 4.5 standard errors,
//! computed from the sample size; seeds are fixed, so each test is
//! deterministic.

use revshare::engine;
use revshare::model::{Metric, Model, PathEvents, PathScratch, Summary};
use revshare::scenario::Scenario;

use crate::common::{Workspace, mean, pearson, simulate, spearman, variance};

/// How many standard errors a statistical check allows.
const TOLERANCE_SE: f64 = 4.5;

/// The model of a scenario given as TOML.
fn model(toml: &str) -> Model {
    let ws = Workspace::new();
    let f = ws.file("law.toml", toml);
    Model::new(&Scenario::load(&f).unwrap_or_else(|e| panic!("{e}")))
}

/// Replay the first `paths` paths of a run with `seed`, giving each path's
/// values (indexed by the model's layout), its events and its scratch.
fn each_path(m: &Model, seed: u64, paths: u64, mut f: impl FnMut(&[f64], PathEvents, &PathScratch)) {
    engine::replay(m, seed, paths, paths, |_, values, events, scratch| f(values, events, scratch));
}

/// Assert |got − expected| ≤ 4.5·se.
fn within(what: &str, got: f64, expected: f64, se: f64) {
    assert!(
        (got - expected).abs() <= TOLERANCE_SE * se,
        "{what}: {got:.5}, expected {expected:.5} ± {:.5} ({TOLERANCE_SE} SE of {se:.5})",
        TOLERANCE_SE * se
    );
}

/// §2: `[[correlation]]` goes through a Gaussian copula, so the Spearman rank
/// correlation of two correlated inputs is (6/π)·asin(ρ/2) whatever their
/// marginals, and inputs with no correlation given (zero in C, whether in the
/// copula or drawn directly) have rank correlation 0. A chain
/// initial –(0.6)– growth_shift –(−0.5)– rate_multiplier tests a positive and
/// a negative ρ, and that the Cholesky factor leaves initial and
/// rate_multiplier (zero in C) uncorrelated; base_fraction is drawn directly.
/// SE: Spearman's standard deviation is at most about 1/√n (exactly 1/√(n−1)
/// at ρ = 0, smaller for ρ ≠ 0), so with n = 100 000 the tolerance is
/// 4.5/√n ≈ 0.014.
#[test]
fn copula_gives_the_rank_correlation_of_a_gaussian_copula() {
    let m = model(
        r#"
years = [2026, 2026]
steps_per_year = 1
[revenue]
initial = { dist = "lognormal", median = 20.0, sigma = 0.4 }
growth = 0.5
growth_shift = { dist = "normal", mean = 0.0, sd = 0.1 }
[revenue_share]
rate = 0.2
rate_multiplier = { dist = "pert", low = 0.5, mode = 0.9, high = 1.5 }
base_fraction = { dist = "uniform", low = 0.3, high = 0.9 }
[[correlation]]
a = "revenue.initial"
b = "revenue.growth_shift"
rho = 0.6
[[correlation]]
a = "revenue.growth_shift"
b = "revenue_share.rate_multiplier"
rho = -0.5
"#,
    );
    let n = 100_000u64;
    let (mut initial, mut shift, mut multiplier, mut fraction) = (vec![], vec![], vec![], vec![]);
    each_path(&m, 11, n, |_, _, scratch| {
        let d = &scratch.inputs();
        initial.push(d.initial);
        shift.push(d.growth_shift);
        multiplier.push(d.rate_multiplier);
        fraction.push(d.base_fraction);
    });
    let se = 1.0 / (n as f64).sqrt();
    let copula = |rho: f64| 6.0 / std::f64::consts::PI * (rho / 2.0).asin();
    within("initial ~ growth_shift (ρ = 0.6)", spearman(&initial, &shift), copula(0.6), se);
    within("growth_shift ~ rate_multiplier (ρ = −0.5)", spearman(&shift, &multiplier), copula(-0.5), se);
    within("initial ~ rate_multiplier (ρ = 0 in C)", spearman(&initial, &multiplier), 0.0, se);
    within("initial ~ base_fraction (not correlated)", spearman(&initial, &fraction), 0.0, se);
    within("rate_multiplier ~ base_fraction (not correlated)", spearman(&multiplier, &fraction), 0.0, se);
}

/// §3: with no volatility, shocks or growth-shift, each period's log-growth
/// step is ln R_{k+1} − ln R_k = (μ + u_k)·Δ, so u_k is read off the run-rates.
/// The growth surprise is a stationary AR(1): u_k ~ N(0, a²) in every period
/// (u₀ included), and corr(u_k, u_{k+j}) = φ^{jΔ} (here a = 0.3, φ = 0.5,
/// Δ = 1/4: lag 1 gives 0.841, lag 4 gives 0.5). On n = 100 000 paths, at fixed
/// periods: mean SE a/√n; variance SE a²·√(2/(n−1)) (normal); correlation SE
/// (1 − ρ²)/√n (Fisher); each within 4.5 SE.
#[test]
fn growth_noise_is_a_stationary_ar1_with_persistence_per_year() {
    let (a, phi, spy) = (0.3f64, 0.5f64, 4usize);
    let m = model(&format!(
        r#"
years = [2026, 2029]
steps_per_year = {spy}
[revenue]
initial = 20.0
growth = 0.3
growth_noise = {{ sd = {a}, persistence = {phi} }}
[revenue_share]
rate = 0.2
"#
    ));
    let (lay, dt) = (m.layout, 1.0 / spy as f64);
    let mu = 0.3f64.ln_1p();
    let n = 100_000u64;
    // u[k][path]
    let mut u: Vec<Vec<f64>> = vec![Vec::with_capacity(n as usize); lay.periods];
    each_path(&m, 3, n, |values, _, _| {
        // The run-rate of period k is R_{k+1}; R₀ is `initial`.
        let mut ln_prev = 20.0f64.ln();
        for (k, uk) in u.iter_mut().enumerate() {
            let ln_r = values[lay.period(Metric::RunRate, k)].ln();
            uk.push((ln_r - ln_prev - mu * dt) / dt);
            ln_prev = ln_r;
        }
    });
    let nf = n as f64;
    for k in [0, 1, 7, lay.periods - 1] {
        within(&format!("mean of u_{k}"), mean(&u[k]), 0.0, a / nf.sqrt());
        within(&format!("variance of u_{k}"), variance(&u[k]), a * a, a * a * (2.0 / (nf - 1.0)).sqrt());
    }
    for (k, lag) in [(0, 1), (6, 1), (lay.periods - 2, 1), (3, 2), (2, 4), (5, 8)] {
        let rho = phi.powf(lag as f64 * dt);
        within(&format!("corr(u_{k}, u_{})", k + lag), pearson(&u[k], &u[k + lag]), rho, (1.0 - rho * rho) / nf.sqrt());
    }
}

/// A scenario with every source of randomness, an uncertain base_fraction and
/// rate multiplier, termination at `termination` a year, a counter-share, no
/// cap, and `base_fraction` as given.
fn share_scenario(base_fraction: &str, termination: f64) -> String {
    format!(
        r#"
years = [2026, 2030]
steps_per_year = 4
[revenue]
initial = {{ dist = "uniform", low = 15.0, high = 25.0 }}
growth = {{ 2026 = 0.8, 2028 = 0.4 }}
growth_shift = {{ dist = "normal", mean = 0.0, sd = 0.1 }}
volatility = 0.2
growth_noise = {{ sd = 0.1, persistence = 0.6 }}
shock = {{ rate = 0.2, size = {{ dist = "uniform", low = 0.1, high = 0.4 }} }}
[revenue_share]
rate = {{ 2026 = 0.2, 2029 = 0.1 }}
rate_multiplier = {{ dist = "uniform", low = 0.8, high = 1.2 }}
base_fraction = {base_fraction}
termination_rate = {termination}
[counter_share]
rate = 0.05
base_ratio = {{ dist = "uniform", low = 0.1, high = 0.3 }}
"#
    )
}

/// The share rate of year index `y` in [`share_scenario`].
fn share_rate(y: usize) -> f64 {
    if y < 3 { 0.2 } else { 0.1 }
}

/// Relative closeness for amounts computed in a different order.
fn same(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * a.abs().max(b.abs())
}

/// §4, §5: termination ends the share at the start of a period. Per path:
/// every payment (and counter-payment) before the period of termination is
/// the uncapped share rate·m·b·Rev_k (counter: rate·base_ratio·Rev_k), every
/// one from that period on is 0, and the path's terminated_year is that
/// period's year (none when every period paid). Across n = 20 000 paths the
/// share of paths terminated is 1 − e^{−h·5} (binomial SE √(p(1−p)/n),
/// within 4.5 SE).
#[test]
fn termination_stops_the_share_from_its_period_on() {
    let h = 0.2;
    let m = model(&share_scenario(r#"{ dist = "uniform", low = 0.4, high = 1.0 }"#, h));
    let lay = m.layout;
    let n = 20_000u64;
    let mut terminated = 0u64;
    each_path(&m, 7, n, |values, events, scratch| {
        let d = &scratch.inputs();
        let at = |metric: Metric, k: usize| values[lay.period(metric, k)];
        // The first period that paid nothing: the period of termination.
        let end = (0..lay.periods).find(|k| at(Metric::Payment, *k) == 0.0).unwrap_or(lay.periods);
        for k in 0..lay.periods {
            let (revenue, paid, counter) =
                (at(Metric::Revenue, k), at(Metric::Payment, k), at(Metric::CounterPayment, k));
            if k < end {
                let due = share_rate(k / 4) * d.rate_multiplier * d.base_fraction * revenue;
                assert!(same(paid, due), "period {k} before termination in period {end}: paid {paid}, due {due}");
                assert!(same(counter, 0.05 * d.base_ratio * revenue), "period {k}: counter {counter}");
            } else {
                assert_eq!(paid, 0.0, "period {k}, after termination in period {end}");
                assert_eq!(counter, 0.0, "counter-payment in period {k}, after termination in period {end}");
            }
        }
        let expected = (end < lay.periods).then_some(end / 4);
        assert_eq!(events.terminated_year, expected, "terminated_year, first period without payment {end}");
        terminated += u64::from(end < lay.periods);
    });
    let p = 1.0 - (-h * 5.0f64).exp();
    let nf = n as f64;
    within("share of paths terminated", terminated as f64 / nf, p, (p * (1.0 - p) / nf).sqrt());
}

/// §4 known answer: D_k = rate·m·b·Rev_k, so with the same seed a fixed
/// base_fraction of 0.5 pays exactly half of what base_fraction 1 pays, in
/// every period of every path (halving is exact in floating point, so bit for
/// bit), while revenue is unchanged; and so do the run's means.
#[test]
fn base_fraction_scales_every_payment() {
    let paths = 4096u64;
    let collect = |m: &Model| {
        let lay = m.layout;
        let mut out = Vec::new();
        each_path(m, 5, paths, |values, _, _| {
            for k in 0..lay.periods {
                out.push((values[lay.period(Metric::Revenue, k)], values[lay.period(Metric::Payment, k)]));
            }
        });
        out
    };
    let half = model(&share_scenario("0.5", 0.1));
    let whole = model(&share_scenario("1.0", 0.1));
    let (h, w) = (collect(&half), collect(&whole));
    assert!(w.iter().filter(|(_, p)| *p > 0.0).count() > w.len() * 3 / 4, "most periods pay");
    for (i, ((rh, ph), (rw, pw))) in h.iter().zip(&w).enumerate() {
        assert_eq!(rh.to_bits(), rw.to_bits(), "revenue, path {} period {}", i / 20, i % 20);
        assert_eq!(*ph, 0.5 * pw, "payment, path {} period {}", i / 20, i % 20);
    }
    let ws = Workspace::new();
    let (fh, fw) =
        (ws.file("half.toml", &share_scenario("0.5", 0.1)), ws.file("whole.toml", &share_scenario("1.0", 0.1)));
    let (_, _, rh) = simulate(&fh, paths, 5, 2);
    let (_, _, rw) = simulate(&fw, paths, 5, 2);
    for s in [Summary::TotalShare, Summary::PvShare] {
        let (a, b) = (rh.summary(s).mean, rw.summary(s).mean);
        assert!(same(a, 0.5 * b), "{}: mean {a} with base_fraction 0.5, {b} with 1", s.name());
    }
}

/// §4: an uncertain cap is drawn per path, and each path is capped at its own
/// draw. Per path (n = 20 000, cap uniform 10..30, binding on about half of
/// them): the payments follow P_k = min(D_k, cap − C_{k−1}) with the path's
/// own cap, the cumulative payment never exceeds it, cap_bound and cap_hit
/// are 1 exactly from the period where the cumulative payment reaches it
/// (and cap_hit is 0 on paths that never do), and cap_year is that period's
/// year.
#[test]
fn each_path_is_capped_at_its_own_cap() {
    let m = model(
        r#"
years = [2026, 2028]
steps_per_year = 4
[revenue]
initial = 20.0
growth = 0.5
volatility = 0.3
[revenue_share]
rate = 0.2
rate_multiplier = { dist = "uniform", low = 0.8, high = 1.2 }
cap = { dist = "uniform", low = 10.0, high = 30.0 }
"#,
    );
    let lay = m.layout;
    let n = 20_000u64;
    let (mut hit, mut below_max) = (0u64, 0u64);
    each_path(&m, 9, n, |values, events, scratch| {
        let d = &scratch.inputs();
        let cap = d.cap;
        assert!((10.0..=30.0).contains(&cap), "cap {cap}");
        let at = |metric: Metric, k: usize| values[lay.period(metric, k)];
        let (mut cumulative, mut bound_in) = (0.0, None);
        for k in 0..lay.periods {
            let due = 0.2 * d.rate_multiplier * at(Metric::Revenue, k);
            let expected = if bound_in.is_some() { 0.0 } else { due.min(cap - cumulative) };
            let paid = at(Metric::Payment, k);
            assert!((paid - expected).abs() <= 1e-12 * cap, "period {k}: paid {paid}, expected {expected}, cap {cap}");
            cumulative += expected;
            if bound_in.is_none() && due >= cap - (cumulative - expected) {
                bound_in = Some(k);
            }
            let c = at(Metric::CumulativePayment, k);
            assert!(c <= cap, "period {k}: cumulative {c} over the path's cap {cap}");
            assert_eq!(at(Metric::CapBound, k), f64::from(u8::from(bound_in.is_some())), "cap_bound, period {k}");
        }
        let total = values[lay.summary(Summary::TotalShare)];
        let cap_hit = values[lay.summary(Summary::CapHit)];
        assert!(total <= cap, "total {total} over the path's cap {cap}");
        assert_eq!(cap_hit, f64::from(u8::from(total >= cap)), "cap_hit, total {total}, cap {cap}");
        assert_eq!(cap_hit, f64::from(u8::from(bound_in.is_some())), "cap_hit, total {total}, cap {cap}");
        assert_eq!(events.cap_year, bound_in.map(|k| k / 4), "cap_year");
        hit += u64::from(cap_hit == 1.0);
        below_max += u64::from(cap_hit == 1.0 && cap < 25.0);
    });
    // Not vacuous: a good share of paths bind, many at caps well below the maximum.
    assert!(hit > n / 5 && hit < n * 4 / 5, "{hit} of {n} paths bound");
    assert!(below_max > n / 10, "{below_max} paths bound below a cap of 25");
}

/// Common random numbers: a path takes the same random numbers whatever the
/// scenario's values, so changing one part of a scenario changes only what
/// depends on it, path by path. Each variant of a base scenario that uses
/// every part of the model is replayed with the same seed, and what the
/// change cannot touch must be the same on every path, bit for bit: the
/// other inputs always; the revenue when only the share, the counter-share,
/// dilution or termination changes; and the growth path itself (ln R_k − ln
/// R₀) when only the initial run-rate changes, or when the volatility, the
/// growth noise or the shock rate go to 0 and back (the stake and inputs).
#[test]
fn a_change_to_one_part_leaves_every_path_of_the_others_alone() {
    const BASE: &str = r#"
years = [2026, 2029]
steps_per_year = 4
[revenue]
initial = { dist = "pert", low = 20.0, mode = 22.0, high = 25.0 }
growth = 0.5
growth_shift = { dist = "normal", mean = 0.0, sd = 0.1 }
volatility = 0.2
growth_noise = { sd = 0.1, persistence = 0.5 }
shock = { rate = 0.3, size = { dist = "uniform", low = 0.1, high = 0.4 } }
[revenue_share]
rate = 0.2
base_fraction = { dist = "triangular", low = 0.7, mode = 0.9, high = 1.0 }
cap = 30.0
termination_rate = 0.1
[equity]
stake = 0.27
multiple = { dist = "lognormal", median = 30.0, sigma = 0.2 }
terminal_multiple = { dist = "lognormal", median = 12.0, sigma = 0.2 }
[[equity.dilution]]
year = 2027
fraction = { dist = "uniform", low = 0.05, high = 0.1 }
probability = 0.5
[[correlation]]
a = "revenue.growth_shift"
b = "equity.terminal_multiple"
rho = 0.5
"#;
    /// What a path is: its inputs, its dilution draws, its revenue, the
    /// growth of its run-rate, its payments and its stakes.
    struct Path {
        inputs: Vec<(&'static str, f64)>,
        dilution: Vec<(f64, bool)>,
        revenue: Vec<f64>,
        growth: Vec<f64>,
        paid: Vec<f64>,
        stake: Vec<f64>,
    }
    let paths = |toml: &str| -> Vec<Path> {
        let m = model(toml);
        let lay = m.layout;
        let mut out = Vec::new();
        each_path(&m, 5, 3000, |v, _, scratch| {
            let col = |metric: Metric| (0..lay.periods).map(|k| v[lay.period(metric, k)]).collect::<Vec<f64>>();
            let r0 = scratch.inputs().initial;
            out.push(Path {
                inputs: scratch.inputs().columns().to_vec(),
                dilution: scratch.dilutions().to_vec(),
                revenue: col(Metric::Revenue),
                growth: col(Metric::RunRate).iter().map(|r| r.ln() - r0.ln()).collect(),
                paid: col(Metric::Payment),
                stake: col(Metric::Stake),
            });
        });
        out
    };
    let base = paths(BASE);
    // Each variant: the change, and what it must leave alone.
    #[derive(Clone, Copy, PartialEq)]
    enum Same {
        /// Every input but `except`, the dilution draws and the stake.
        Inputs(&'static [&'static str]),
        Revenue,
        Growth,
        Paid,
    }
    use Same::*;
    let variants: [(&str, &str, &[Same]); 12] = [
        ("a dilution that never happens", "probability = 0.5", &[Inputs(&[]), Revenue, Paid]),
        ("a dilution that always happens", "probability = 0.5", &[Inputs(&[]), Revenue, Paid]),
        ("no termination", "termination_rate = 0.1", &[Inputs(&[]), Revenue]),
        ("a higher share rate", "rate = 0.2", &[Inputs(&[]), Revenue]),
        ("no cap", "cap = 30.0", &[Inputs(&["cap"]), Revenue]),
        (
            "a fixed initial run-rate",
            "initial = { dist = \"pert\", low = 20.0, mode = 22.0, high = 25.0 }",
            &[Inputs(&["initial"]), Growth],
        ),
        ("another PERT", "mode = 22.0, high = 25.0", &[Inputs(&["initial"]), Growth]),
        ("no volatility", "volatility = 0.2", &[Inputs(&[])]),
        ("no growth noise", "growth_noise = { sd = 0.1, persistence = 0.5 }", &[Inputs(&[])]),
        ("no shocks", "shock = { rate = 0.3,", &[Inputs(&[])]),
        ("a counter-share", "[equity]", &[Inputs(&["base_ratio"]), Revenue, Paid]),
        ("no correlation", "rho = 0.5", &[Inputs(&["growth_shift", "terminal_multiple"])]),
    ];
    let replacements = [
        "probability = 0.0",
        "probability = 1.0",
        "termination_rate = 0.0",
        "rate = 0.3",
        "",
        "initial = 22.0",
        "mode = 21.0, high = 26.0",
        "volatility = 0.0",
        "growth_noise = { sd = 0.0, persistence = 0.5 }",
        "shock = { rate = 0.0,",
        "[counter_share]\nrate = 0.2\nbase_ratio = { dist = \"uniform\", low = 0.01, high = 0.05 }\n[equity]",
        "rho = 0.0",
    ];
    for ((what, from, same), to) in variants.into_iter().zip(replacements) {
        assert!(BASE.contains(from), "{what}: {from} is in the base");
        let toml = BASE.replacen(from, to, 1);
        let varied = paths(&toml);
        assert_eq!(varied.len(), base.len());
        let mut changed = false;
        for (j, (a, b)) in base.iter().zip(&varied).enumerate() {
            changed |= a.inputs != b.inputs || a.revenue != b.revenue || a.paid != b.paid || a.stake != b.stake;
            for s in same {
                match *s {
                    Inputs(except) => {
                        for ((name, x), (_, y)) in a.inputs.iter().zip(&b.inputs) {
                            assert!(except.contains(name) || x == y, "{what}: path {j}'s {name} went from {x} to {y}");
                        }
                        if !what.contains("dilution") {
                            assert_eq!(a.dilution, b.dilution, "{what}: path {j}'s dilution");
                            assert_eq!(a.stake, b.stake, "{what}: path {j}'s stake");
                        }
                    }
                    Revenue => assert_eq!(a.revenue, b.revenue, "{what}: path {j}'s revenue"),
                    Growth => {
                        for (x, y) in a.growth.iter().zip(&b.growth) {
                            assert!((x - y).abs() <= 1e-12, "{what}: path {j}'s growth {x} against {y}");
                        }
                    }
                    Paid => assert_eq!(a.paid, b.paid, "{what}: path {j}'s payments"),
                }
            }
        }
        assert!(changed, "{what} changed nothing: the test would not see a difference");
    }
}

/// §3: a shock takes J = −ln(1 − q) off ln R, with q the path's own
/// shock size, in a period with probability 1 − e^{−λΔ}, at most once a
/// period. Without volatility or growth noise, every period's log-growth
/// less its median is then exactly 0 or ln(1 − q).
#[test]
fn a_shock_takes_minus_ln_one_minus_its_size_off_the_log_run_rate() {
    let (lambda, dt) = (2.0f64, 0.25f64);
    let m = model(
        r#"
years = [2026, 2029]
[revenue]
initial = 20.0
growth = 0.3
shock = { rate = 2.0, size = { dist = "uniform", low = 0.1, high = 0.4 } }
[revenue_share]
rate = 0.2
"#,
    );
    let lay = m.layout;
    let mu = 0.3f64.ln_1p() * dt;
    let n = 20_000u64;
    let mut shocked = vec![0u64; lay.periods];
    each_path(&m, 2, n, |values, _, scratch| {
        let q = scratch.inputs().shock_size;
        assert!((0.1..0.4).contains(&q), "shock size {q}");
        let mut prev = 20f64.ln();
        for (k, count) in shocked.iter_mut().enumerate() {
            let ln_r = values[lay.period(Metric::RunRate, k)].ln();
            let d = ln_r - prev - mu;
            prev = ln_r;
            if d.abs() > 1e-9 {
                assert!((d - (-q).ln_1p()).abs() < 1e-9, "period {k}: log-growth off by {d}, shock size {q}");
                *count += 1;
            }
        }
    });
    let p = 1.0 - (-lambda * dt).exp();
    let se = (p * (1.0 - p) / n as f64).sqrt();
    for (k, count) in shocked.iter().enumerate() {
        within(&format!("share of paths shocked in period {k}"), *count as f64 / n as f64, p, se);
    }
}
