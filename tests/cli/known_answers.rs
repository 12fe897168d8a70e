//! Known answers: a deterministic scenario worked out by hand, and a lognormal
//! run-rate against its closed form.

use std::f64::consts::SQRT_2;

use revshare::model::{Metric, Summary};

use crate::common::{Workspace, close, simulate};

/// Every input fixed and no noise, so every path is the same and can be
/// followed with a pencil:
/// - 2026: growth 0, R = 40 all year, four quarters of revenue 10, due 2 each.
/// - 2027: growth 300%, so R doubles every half year (×√2 a quarter) from 40 to
///   160. Quarter j earns 0.25·(40·2^{j/2} + 40·2^{(j+1)/2})/2 = 5·2^{j/2}(1+√2):
///   Q1 12.07 (due 2.414, cumulative 10.414), Q2 17.07 (due 3.414, but only
///   1.586 is left under the cap of 12: the cap binds in 2027 Q2).
///   The year's revenue is 15(1+√2)² = 15(3+2√2).
/// - 2028: growth 0, R = 160; the share ended with 2027 (`until`).
/// - Counter-share 0.1 × 0.5 of revenue while the share accrues.
/// - Stake 0.25, diluted by 10% at the start of 2027 (certain) and not by the
///   2028 event (probability 0).
/// - Multiple from 20 to 10 over 12 quarters: at the end of quarter k it is
///   20·2^{−(k+1)/12}.
/// - Discounting at 10%: a quarter's payment counts 1.1^{−(k+1)/4}.
const HAND: &str = r#"
name = "by-hand"
years = [2026, 2028]
steps_per_year = 4
discount_rate = 0.10
paths = 5

[revenue]
initial = 40.0
growth = { 2026 = 0.0, 2027 = 3.0, 2028 = 0.0 }

[revenue_share]
rate = 0.2
until = 2027
cap = 12.0

[counter_share]
rate = 0.1
base_ratio = 0.5

[equity]
stake = 0.25
multiple = 20.0
terminal_multiple = 10.0

[[equity.dilution]]
year = 2027
fraction = 0.1
probability = 1.0

[[equity.dilution]]
year = 2028
fraction = 0.5
probability = 0.0
"#;

#[test]
fn deterministic_scenario_matches_the_hand_calculation() {
    let ws = Workspace::new();
    let f = ws.file("by-hand.toml", HAND);
    let (_, _, r) = simulate(&f, 5, 1, 2);
    let check = |what: &str, s: &revshare::stats::Stat, expected: f64| {
        assert!(close(s.mean, expected, 1e-12), "{what}: mean {} vs {expected}", s.mean);
        for p in s.percentiles {
            assert!(close(p, expected, 1e-12), "{what}: percentile {p} vs {expected}");
        }
        assert!(s.sd.abs() < 1e-9, "{what}: sd {}", s.sd);
    };
    let rev_2027 = 15.0 * (3.0 + 2.0 * SQRT_2);
    let q1 = 5.0 * (1.0 + SQRT_2);
    let q2 = 5.0 * SQRT_2 * (1.0 + SQRT_2);
    // Yearly flows.
    check("revenue 2026", r.year(Metric::Revenue, 0), 40.0);
    check("revenue 2027", r.year(Metric::Revenue, 1), rev_2027);
    check("revenue 2028", r.year(Metric::Revenue, 2), 160.0);
    check("payment 2026", r.year(Metric::Payment, 0), 8.0);
    check("payment 2027", r.year(Metric::Payment, 1), 4.0);
    check("payment 2028", r.year(Metric::Payment, 2), 0.0);
    check("counter 2027", r.year(Metric::CounterPayment, 1), 0.05 * rev_2027);
    check("counter 2028", r.year(Metric::CounterPayment, 2), 0.0);
    check("net 2026", r.year(Metric::NetPayment, 0), 8.0 - 2.0);
    // Stocks at the year's end.
    check("run-rate 2027", r.year(Metric::RunRate, 1), 160.0);
    check("cumulative 2027", r.year(Metric::CumulativePayment, 1), 12.0);
    check("cap bound 2026", r.year(Metric::CapBound, 0), 0.0);
    check("cap bound 2027", r.year(Metric::CapBound, 1), 1.0);
    check("stake 2026", r.year(Metric::Stake, 0), 0.25);
    // The dilution of 2027 applies from its first period: 2026's last
    // quarter still holds 0.25, 2027's first 0.225.
    check("stake 2027", r.year(Metric::Stake, 1), 0.225);
    check("stake 2028", r.year(Metric::Stake, 2), 0.225);
    check("stake 2026 Q4", r.period(Metric::Stake, 3), 0.25);
    check("stake 2027 Q1", r.period(Metric::Stake, 4), 0.225);
    check("equity 2026", r.year(Metric::EquityValue, 0), 0.25 * 20.0 * 2f64.powf(-4.0 / 12.0) * 40.0);
    check("equity 2027", r.year(Metric::EquityValue, 1), 0.225 * 20.0 * 2f64.powf(-8.0 / 12.0) * 160.0);
    check("valuation 2026", r.year(Metric::Valuation, 0), 20.0 * 2f64.powf(-4.0 / 12.0) * 40.0);
    check("valuation 2028", r.year(Metric::Valuation, 2), 10.0 * 160.0);
    check("equity 2028", r.year(Metric::EquityValue, 2), 0.225 * 1600.0);
    // Periods: the cap binds in 2027 Q2 (period 5).
    check("payment 2027 Q1", r.period(Metric::Payment, 4), 0.2 * q1);
    check("payment 2027 Q2", r.period(Metric::Payment, 5), 12.0 - 8.0 - 0.2 * q1);
    check("cap bound Q1", r.period(Metric::CapBound, 4), 0.0);
    check("cap bound Q2", r.period(Metric::CapBound, 5), 1.0);
    assert!(0.2 * q2 > 12.0 - 8.0 - 0.2 * q1, "the hand calculation says Q2's due exceeds what is left");
    // Path summaries.
    let d = |k: usize| 1.1f64.powf(-((k + 1) as f64) / 4.0);
    let pv_share = 2.0 * (d(0) + d(1) + d(2) + d(3)) + 0.2 * q1 * d(4) + (4.0 - 0.2 * q1) * d(5);
    let counter: Vec<f64> = vec![0.5, 0.5, 0.5, 0.5, 0.05 * q1, 0.05 * q2, 0.05 * q2 * SQRT_2, 0.05 * q2 * 2.0];
    let pv_counter: f64 = counter.iter().enumerate().map(|(k, c)| c * d(k)).sum();
    check("total_share", r.summary(Summary::TotalShare), 12.0);
    check("pv_share", r.summary(Summary::PvShare), pv_share);
    check("total_counter", r.summary(Summary::TotalCounter), 2.0 + 0.05 * rev_2027);
    check("pv_net", r.summary(Summary::PvNet), pv_share - pv_counter);
    check("equity_end", r.summary(Summary::EquityEnd), 360.0);
    check("pv_equity", r.summary(Summary::PvEquity), 360.0 * 1.1f64.powi(-3));
    check("pv_total", r.summary(Summary::PvTotal), pv_share - pv_counter + 360.0 * 1.1f64.powi(-3));
    check("cap_hit", r.summary(Summary::CapHit), 1.0);
    assert_eq!(r.cap_year_counts, vec![0, 5, 0]);
}

/// MODEL.md §4's boundary: the cap binds in the period whose due *equals*
/// what is left under it (D_k ≥ cap − C), not only one that exceeds it. Run-rate
/// 40 all year, 25% of it: 2.5 due a quarter (exact in binary), cap 10, so the
/// fourth quarter's due is exactly the 2.5 left.
#[test]
fn the_cap_binds_when_the_due_equals_what_is_left() {
    let ws = Workspace::new();
    let f = ws.file(
        "edge.toml",
        "years = [2026, 2027]\npaths = 3\n[revenue]\ninitial = 40.0\ngrowth = 0.0\n[revenue_share]\nrate = 0.25\ncap = 10.0\n",
    );
    let (_, _, r) = simulate(&f, 3, 1, 1);
    assert_eq!(r.period(Metric::Payment, 3).mean, 2.5);
    assert_eq!(r.period(Metric::CapBound, 2).mean, 0.0, "bound a quarter early");
    assert_eq!(r.period(Metric::CapBound, 3).mean, 1.0, "the last 2.5 fills the cap: it binds then");
    assert_eq!(r.summary(Summary::TotalShare).mean, 10.0);
    assert_eq!(r.summary(Summary::CapHit).mean, 1.0);
    assert_eq!(r.cap_year_counts, vec![3, 0], "the cap binds in 2026, not 2027");
}

/// With volatility σ and nothing else random, ln R_K is normal with mean
/// ln R₀ + Σ ln(1+g)·Δ and variance σ²·T (MODEL.md §3): check the mean and the
/// percentiles of the final run-rate against the closed form.
#[test]
fn lognormal_run_rate_matches_closed_form() {
    let ws = Workspace::new();
    let f = ws.file(
        "lognormal.toml",
        r#"
years = [2026, 2029]
steps_per_year = 12
[revenue]
initial = 10.0
growth = 0.25
volatility = 0.3
[revenue_share]
rate = 0.1
"#,
    );
    let n = 400_000;
    let (_, _, r) = simulate(&f, n, 11, 0);
    let t = 4.0;
    let m = 10f64.ln() + 1.25f64.ln() * t;
    let s = 0.3 * t.sqrt();
    let st = r.year(Metric::RunRate, 3);
    let mean = (m + s * s / 2.0).exp();
    let sd = mean * ((s * s).exp() - 1.0).sqrt();
    assert!((st.mean - mean).abs() < 4.0 * sd / (n as f64).sqrt(), "mean {} vs {mean}", st.mean);
    // The sample sd's relative standard error is √((κ + 2)/4n) with the
    // lognormal's excess kurtosis κ = e^{4s²} + 2e^{3s²} + 3e^{2s²} − 6
    // (about 0.28% here): within 5 of them.
    let kurtosis = (4.0 * s * s).exp() + 2.0 * (3.0 * s * s).exp() + 3.0 * (2.0 * s * s).exp() - 6.0;
    let sd_se = ((kurtosis + 2.0) / (4.0 * n as f64)).sqrt();
    assert!(close(st.sd, sd, 5.0 * sd_se), "sd {} vs {sd} (relative se {sd_se})", st.sd);
    let q = [0.05, 0.10, 0.25, 0.5];
    let z = [-1.644_853_626_951_472_2, -1.281_551_565_544_600_5, -0.674_489_750_196_081_7, 0.0];
    for (i, zq) in z.iter().enumerate() {
        let expected = (m + s * zq).exp();
        let mirror = (m - s * zq).exp();
        // A percentile's relative standard error is s·√(q(1 − q)/n)/φ(z_q)
        // (0.12% at the median, 0.2% at P5 here): within 5 of them, plus
        // the sketch's 0.1%.
        let density = (-zq * zq / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt();
        let tolerance = 5.0 * s * (q[i] * (1.0 - q[i]) / n as f64).sqrt() / density + 1e-3;
        assert!(close(st.percentiles[i], expected, tolerance), "p{i}: {} vs {expected}", st.percentiles[i]);
        assert!(close(st.percentiles[6 - i], mirror, tolerance), "p{}: {} vs {mirror}", 6 - i, st.percentiles[6 - i]);
    }
}
