//! Invariants that hold on every path of every valid scenario: drawn over many
//! random scenarios, checked path by path through the library.

use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use revshare::model::{Metric, Model, PathEvents, PathOutcome, Summary};
use revshare::scenario::Scenario;

use crate::common::{Workspace, simulate};

/// A random but valid scenario, and the largest cap it can draw.
fn random_scenario(rng: &mut Xoshiro256PlusPlus) -> (String, f64) {
    let start = 2020 + rng.random_range(0..10);
    let years = rng.random_range(1..6);
    let steps = [1, 2, 4, 12][rng.random_range(0..4)];
    let cap_low = rng.random_range(0.0..40.0);
    let cap_high = cap_low + rng.random_range(0.0..40.0);
    let text = format!(
        r#"
years = [{start}, {end}]
steps_per_year = {steps}
discount_rate = {r}
[revenue]
initial = {{ dist = "lognormal", median = {r0}, sigma = 0.3 }}
growth = {{ {start} = {g0}, {y1} = {g1} }}
growth_shift = {{ dist = "normal", mean = 0.0, sd = {shift} }}
volatility = {vol}
growth_noise = {{ sd = {noise}, persistence = {phi} }}
shock = {{ rate = {lambda}, size = {{ dist = "pert", low = 0.1, mode = 0.3, high = 0.9 }} }}
[revenue_share]
rate = {{ {start} = {rate0}, {y1} = {rate1} }}
rate_multiplier = {{ dist = "triangular", low = 0.5, mode = 1.0, high = 1.5 }}
base_fraction = {{ dist = "uniform", low = 0.5, high = 1.0 }}
cap = {{ dist = "uniform", low = {cap_low}, high = {cap_high} }}
termination_rate = {term}
[counter_share]
rate = {counter}
base_ratio = {{ dist = "discrete", values = [0.1, 0.3, 0.5], weights = [1, 2, 1] }}
[equity]
stake = {{ dist = "pert", low = 0.1, mode = 0.27, high = 0.4 }}
multiple = {{ dist = "lognormal", median = 30.0, sigma = 0.3 }}
terminal_multiple = {{ dist = "uniform", low = 5.0, high = 20.0 }}
[[equity.dilution]]
year = {start}
fraction = {{ dist = "uniform", low = 0.0, high = 0.3 }}
probability = {p}
[[equity.dilution]]
year = {end}
fraction = 0.5
probability = 0.5
[[correlation]]
a = "revenue.growth_shift"
b = "equity.terminal_multiple"
rho = {rho}
[[correlation]]
a = "revenue_share.cap"
b = "equity.dilution[0].fraction"
rho = -0.3
"#,
        end = start + years - 1,
        y1 = start + 1,
        r = rng.random_range(0.0..0.3),
        r0 = rng.random_range(1.0..50.0),
        g0 = rng.random_range(-0.5..2.0),
        g1 = rng.random_range(-0.5..2.0),
        shift = rng.random_range(0.0..0.3),
        vol = rng.random_range(0.0..0.8),
        noise = rng.random_range(0.0..0.5),
        phi = rng.random_range(0.0..1.0),
        lambda = rng.random_range(0.0..2.0),
        rate0 = rng.random_range(0.0..0.5),
        rate1 = rng.random_range(0.0..0.5),
        term = rng.random_range(0.0..0.5),
        p = rng.random_range(0.0..1.0),
        rho = rng.random_range(-0.9..0.9),
        counter = if rng.random::<bool>() { 0.0 } else { 0.2 },
    );
    (text, cap_high)
}

#[test]
fn invariants_hold_on_every_path_of_random_scenarios() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(2026);
    let ws = Workspace::new();
    for case in 0..60 {
        let (text, cap_high) = random_scenario(&mut rng);
        let f = ws.file(&format!("random-{case}.toml"), &text);
        let s = Scenario::load(&f).unwrap_or_else(|e| panic!("case {case}: {e}\n{text}"));
        let model = Model::new(&s);
        let lay = model.layout;
        let mut scratch = model.scratch();
        let mut out = PathOutcome::new(lay);
        let aliases = model.aliases();
        let mut path_rng = Xoshiro256PlusPlus::seed_from_u64(case);
        for path in 0..300 {
            model.simulate(&mut path_rng, &mut scratch, &mut out);
            let v = &out.values;
            let at = |m: Metric, k: usize| v[lay.period(m, k)];
            let mut prev_cum = 0.0;
            let mut prev_bound = 0.0;
            for k in 0..lay.periods {
                let cum = at(Metric::CumulativePayment, k);
                assert!(cum <= cap_high, "case {case} path {path}: cumulative {cum} above the cap {cap_high}");
                assert!(cum >= prev_cum, "case {case}: cumulative payment fell");
                assert!(at(Metric::Payment, k) >= 0.0, "case {case}: negative payment");
                let bound = at(Metric::CapBound, k);
                assert!(bound >= prev_bound, "case {case}: cap_bound fell from 1 to 0");
                let stake = at(Metric::Stake, k);
                assert!((0.0..=1.0).contains(&stake), "case {case}: stake {stake}");
                assert!(at(Metric::RunRate, k) > 0.0, "case {case}: run-rate not positive");
                assert!(v.iter().all(|x| x.is_finite()), "case {case}: non-finite value");
                prev_cum = cum;
                prev_bound = bound;
            }
            for (slot, &source) in aliases.iter().enumerate() {
                assert_eq!(v[slot].to_bits(), v[source].to_bits(), "case {case}: slot {slot} differs from its alias");
            }
            let total = v[lay.summary(Summary::TotalShare)];
            assert!((total - prev_cum).abs() <= 1e-9 * total.max(1.0), "case {case}: total_share != final cumulative");
            if out.cap_year.is_some() {
                assert_eq!(v[lay.summary(Summary::CapHit)], 1.0);
            }
        }
        // Aggregated: percentiles ordered, cap_bound's mean never falls by year.
        let (_, _, r) = simulate(&f, 2_000, case, 2);
        for st in &r.stats {
            assert!(st.percentiles.windows(2).all(|w| w[0] <= w[1]), "case {case}: unordered percentiles {st:?}");
            assert!(st.sd >= 0.0 && st.mean.is_finite());
        }
        for y in 1..lay.years {
            assert!(r.year(Metric::CapBound, y).mean >= r.year(Metric::CapBound, y - 1).mean);
        }
    }
}

/// The engine gathers each distinct quantity once and gives its aliases the
/// same statistics: on every shipped scenario each aliased slot holds exactly
/// its source's value on every path, and the amended terms (no counter-share,
/// a stake fixed within each year) do alias the net payments and the stakes.
#[test]
fn aliased_slots_hold_identical_values_on_the_shipped_scenarios() {
    for entry in std::fs::read_dir("scenarios").expect("scenarios/") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let s = Scenario::load(&path).expect("shipped scenario");
        let model = Model::new(&s);
        let lay = model.layout;
        let aliases = model.aliases();
        assert!(aliases.iter().all(|a| aliases[*a] == *a), "{path:?}: an alias of an alias");
        let mut scratch = model.scratch();
        let mut out = PathOutcome::new(lay);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(9);
        for _ in 0..2_000 {
            model.simulate(&mut rng, &mut scratch, &mut out);
            for (slot, &source) in aliases.iter().enumerate() {
                assert_eq!(out.values[slot].to_bits(), out.values[source].to_bits(), "{path:?}: slot {slot}");
            }
        }
        let counter =
            s.counter_share.as_ref().is_some_and(|c| (s.first_year()..=s.last_year()).any(|y| c.rate.at(y) != 0.0));
        let net = lay.period(Metric::NetPayment, 0);
        assert_eq!(aliases[net] != net, !counter, "{path:?}: net payment aliased iff there is no counter-share");
        let counter_end = lay.summary(Summary::TotalCounter);
        assert_eq!(
            aliases[counter_end] == lay.period(Metric::CounterPayment, 0),
            !counter,
            "{path:?}: every counter-payment is one zero slot iff there is no counter-share"
        );
        let stake = lay.period(Metric::Stake, lay.periods - 1);
        assert_ne!(aliases[stake], stake, "{path:?}: the stake of a year's last quarter is its first quarter's");
        // Dilution only in the first two years: from then on, one stake.
        if s.equity.as_ref().is_some_and(|e| e.dilution.iter().all(|d| d.year < s.first_year() + 2)) {
            assert_eq!(aliases[stake], lay.period(Metric::Stake, lay.steps_per_year), "{path:?}");
        }
    }
}

/// A counter-share whose rate or base ratio is written as −0.0 is no
/// counter-share: every counter-payment is one +0.0 slot, on paths that are
/// terminated (nothing accrues) as on those that are not.
#[test]
fn a_negative_zero_counter_share_aliases_like_none() {
    let ws = Workspace::new();
    for counter in [
        "rate = -0.0\nbase_ratio = 0.3",
        "rate = 0.0\nbase_ratio = -0.0",
        "rate = { 2026 = 0.0, 2027 = -0.0 }\nbase_ratio = 0.2",
    ] {
        let text = format!(
            "years = [2026, 2029]\n[revenue]\ninitial = 22\ngrowth = 0.5\nvolatility = 0.3\n\
             [revenue_share]\nrate = 0.2\nuntil = 2028\ntermination_rate = 0.3\n[counter_share]\n{counter}\n"
        );
        let f = ws.file("negative-zero.toml", &text);
        let s = Scenario::load(&f).unwrap_or_else(|e| panic!("{counter}: {e}"));
        let model = Model::new(&s);
        let lay = model.layout;
        let aliases = model.aliases();
        let counter_slot = lay.period(Metric::CounterPayment, 0);
        assert_eq!(aliases[lay.summary(Summary::TotalCounter)], counter_slot, "{counter}");
        let mut scratch = model.scratch();
        let mut out = PathOutcome::new(lay);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        for _ in 0..500 {
            model.simulate(&mut rng, &mut scratch, &mut out);
            assert_eq!(out.values[counter_slot].to_bits(), 0.0f64.to_bits(), "{counter}");
            for (slot, &source) in aliases.iter().enumerate() {
                assert_eq!(out.values[slot].to_bits(), out.values[source].to_bits(), "{counter}: slot {slot}");
            }
        }
    }
}

/// A scenario's text without the line that sets `key`, if `drop`.
fn without(text: &str, key: &str, drop: bool) -> String {
    text.lines().filter(|l| !(drop && l.starts_with(&format!("{key} = ")))).collect::<Vec<_>>().join("\n")
}

/// The engine simulates paths a block at a time (each path's random part,
/// then the arithmetic of the whole block at once): every path's values and
/// events are the same bits as when it is simulated alone, for blocks of any
/// size, on random scenarios (termination, counter-share, dilution, copula)
/// and the shipped ones.
#[test]
fn a_block_of_paths_equals_the_paths_one_at_a_time() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(77);
    let ws = Workspace::new();
    // Every combination of volatility, growth noise and shocks on or off
    // (the engine steps paths with a copy of its loop for each).
    let mut files: Vec<std::path::PathBuf> = (0..24)
        .map(|case| {
            let text = random_scenario(&mut rng).0;
            let text = without(&text, "volatility", case % 2 == 1);
            let text = without(&text, "growth_noise", case / 2 % 2 == 1);
            let text = without(&text, "shock", case / 4 % 2 == 1);
            ws.file(&format!("block-{case}.toml"), &text)
        })
        .collect();
    files.push("scenarios/amended-2026.toml".into());
    files.push("scenarios/old-terms.toml".into());
    for f in &files {
        let model = Model::new(&Scenario::load(f).expect("valid"));
        let lay = model.layout;
        for n in [1, 7, 64] {
            let mut block_rng = Xoshiro256PlusPlus::seed_from_u64(n as u64);
            let mut scratch = model.scratch();
            let mut paths = model.block(64);
            for j in 0..n {
                model.draw_path(&mut block_rng, &mut scratch, &mut paths, j);
            }
            let mut values = vec![f64::NAN; lay.len() * 64];
            let mut events = vec![PathEvents::default(); 64];
            model.finish_block(&mut paths, n, &mut values, 64, &mut events);

            let mut one_rng = Xoshiro256PlusPlus::seed_from_u64(n as u64);
            let mut out = PathOutcome::new(lay);
            for (j, e) in events.iter().enumerate().take(n) {
                model.simulate(&mut one_rng, &mut scratch, &mut out);
                for s in 0..lay.len() {
                    assert_eq!(
                        values[s * 64 + j].to_bits(),
                        out.values[s].to_bits(),
                        "{f:?}: path {j} of {n}, slot {s}"
                    );
                }
                assert_eq!((e.cap_year, e.terminated_year), (out.cap_year, out.terminated_year), "{f:?}: path {j}");
            }
        }
    }
}
