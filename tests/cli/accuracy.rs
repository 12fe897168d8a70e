//! The percentile sketch against exact percentiles (MODEL.md §8: relative
//! error at most 1e-3) on 10⁵ paths of a shipped scenario, and on long
//! horizons whose sketches coarsen: the same paths are replayed one by one
//! (`engine::replay`), every value kept, and NumPy-style exact percentiles
//! compared with the run's.

use std::path::{Path, PathBuf};

use revshare::engine::{self, RunOptions, RunResult};
use revshare::model::{Metric, Model, Summary};
use revshare::scenario::Scenario;
use revshare::stats::{PERCENTILES, RELATIVE_ACCURACY, exact_percentile};

use crate::common::{Workspace, repo, succeeds};

/// How far a sketch's percentile may be from the exact one when each order
/// statistic is within `alpha` of the true one: with h = (n − 1)·q and
/// f = h − ⌊h⌋, α·((1 − f)·|x⌊h⌋| + f·|x⌊h⌋₊₁|), which is α·|exact| when the
/// two order statistics have the same sign (and at most α times the larger
/// magnitude of the two when they do not); plus the rounding of the
/// interpolation itself.
fn bound(sorted: &[f64], q: f64, alpha: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let f = h - lo as f64;
    let (a, b) = (sorted[lo].abs(), sorted[(lo + 1).min(sorted.len() - 1)].abs());
    alpha * ((1.0 - f) * a + f * b) + 1e-15 * a.max(b)
}

/// Run `file` on two threads and check every statistic's percentiles
/// against the exact ones of the same paths, to within the accuracy the
/// run reports.
fn check_against_exact(file: &Path, paths: u64) -> RunResult {
    let s = Scenario::load(file).unwrap_or_else(|e| panic!("{e}"));
    let m = Model::new(&s);
    let r =
        engine::run(&m, &RunOptions { paths, seed: s.seed, threads: 2, progress: None, cancel: None, exact_up_to: 0 })
            .unwrap();
    let alias = m.aliases();
    let slots: Vec<usize> = (0..m.layout.len()).filter(|s| alias[*s] == *s).collect();
    let values = sorted_values(&m, s.seed, paths, &slots);
    let alpha = r.resolution.relative_accuracy();
    for (v, slot) in values.iter().zip(&slots) {
        // The mean, the sample standard deviation (n − 1) and the standard
        // error sd/√n of the same values, to rounding.
        let st = &r.stats[*slot];
        let n = v.len() as f64;
        let mean = v.iter().sum::<f64>() / n;
        let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        let what = engine::describe_slot(&m, *slot);
        let scale = mean.abs() + sd + 1e-300;
        assert!((st.mean - mean).abs() <= 1e-9 * scale, "{what}: mean {} vs {mean}", st.mean);
        assert!((st.sd - sd).abs() <= 1e-9 * scale, "{what}: sd {} vs sample sd {sd}", st.sd);
        assert!((st.se - sd / n.sqrt()).abs() <= 1e-9 * scale / n.sqrt(), "{what}: se {} vs {}", st.se, sd / n.sqrt());
        for (q, got) in PERCENTILES.iter().zip(r.stats[*slot].percentiles) {
            let exact = exact_percentile(v, *q);
            assert!(
                (got - exact).abs() <= bound(v, *q, alpha),
                "{}: {}: p{} {got} vs exact {exact} (accuracy {alpha})",
                file.display(),
                engine::describe_slot(&m, *slot),
                q * 100.0
            );
        }
    }
    r
}

/// The values of `slots` on the first `paths` paths of a run of `paths`
/// paths, replayed one by one, each slot's sorted.
fn sorted_values(m: &Model, seed: u64, paths: u64, slots: &[usize]) -> Vec<Vec<f64>> {
    let mut values: Vec<Vec<f64>> = vec![Vec::with_capacity(paths as usize); slots.len()];
    engine::replay(m, seed, paths, paths, |_, path, _, _| {
        for (v, slot) in values.iter_mut().zip(slots) {
            v.push(path[*slot]);
        }
    });
    values.iter_mut().for_each(|v| v.sort_by(f64::total_cmp));
    values
}

/// Thirty years of monthly steps of the shipped scenario, growth ending in
/// 2031 (a reviewer's case): the values of many statistics span more powers
/// of two than their sketches hold at full resolution. With `negative`, a
/// counter-share twice the revenue share makes `pv_net` and `pv_total`
/// negative on most paths.
fn long_horizon(ws: &Workspace, negative: bool) -> PathBuf {
    let base = repo().join("scenarios/amended-2026.toml");
    let mut text = format!(
        "extends = '{}'\ndescription = 'thirty years of monthly steps'\nyears = [2026, 2055]\nsteps_per_year = 12\n[revenue]\ngrowth = {{ 2026 = 0.80, 2027 = 0.78, 2028 = 0.59, 2029 = 0.45, 2030 = 0.34, 2031 = 0.1 }}\n",
        base.display()
    );
    if negative {
        text += "[counter_share]\nrate = 0.2\nbase_ratio = 2.0\n[revenue_share]\nrate = 0.2\nuntil = 2055\n";
    }
    ws.file(if negative { "long-negative.toml" } else { "long.toml" }, &text)
}

/// Every percentile of a long horizon's statistics is within the accuracy
/// the run reports of the exact one, at the low end as at the high end, for
/// both signs. Once the sketches folded every magnitude far below the
/// highest into one bucket: `pv_total`'s p5 to p75 all came out as 7763.99
/// where the exact ones are 31.24 to 2296.83, `equity_end`'s median 130239.97
/// against 4464.16, and `pv_net`'s percentiles, negative, were wrong with a
/// warning about the wrong end. Now the sketches that need it coarsen evenly.
#[test]
fn long_horizons_coarsen_evenly_within_the_accuracy_reported() {
    let ws = Workspace::new();
    for negative in [false, true] {
        let r = check_against_exact(&long_horizon(&ws, negative), 2000);
        let res = &r.resolution;
        assert!(res.coarsened_count() > 500, "{res:?}");
        // (64 MB of sketches a thread gave 1/129 here, 128 MB gives 1/257.)
        assert!(res.relative_accuracy() <= 1.0 / 257.0, "{res:?}");
        let pv_net = r.summary(Summary::PvNet).percentiles;
        assert_eq!(pv_net.iter().all(|p| *p < 0.0), negative, "{pv_net:?}");
    }
}

/// A coarsened run gives the same statistics, bit for bit, with 1, 2 or 3
/// threads (three chunks of paths split differently between them): each
/// sketch's resolution depends only on the whole run's values.
#[test]
fn coarsened_results_are_the_same_with_any_number_of_threads() {
    let ws = Workspace::new();
    let file = long_horizon(&ws, true);
    let s = Scenario::load(&file).unwrap();
    let m = Model::new(&s);
    let run = |threads| {
        engine::run(&m, &RunOptions { paths: 9000, seed: 3, threads, progress: None, cancel: None, exact_up_to: 0 })
            .unwrap()
    };
    let one = run(1);
    assert!(one.resolution.coarsened_count() > 1000, "{:?}", one.resolution);
    for threads in [2, 3] {
        let r = run(threads);
        assert_eq!(r.threads, threads);
        assert_eq!(r.resolution, one.resolution, "{threads} threads");
        for (a, b) in r.stats.iter().zip(&one.stats) {
            let bits = |st: &revshare::stats::Stat| st.percentiles.map(f64::to_bits);
            assert_eq!(bits(a), bits(b), "{threads} threads");
        }
    }
}

#[test]
fn sketch_percentiles_are_within_a_thousandth_of_exact_ones() {
    let s = Scenario::load(&repo().join("scenarios/old-terms.toml")).unwrap();
    let m = Model::new(&s);
    let paths = 100_000u64;
    let r = engine::run(&m, &RunOptions { paths, seed: 5, threads: 2, progress: None, cancel: None, exact_up_to: 0 })
        .unwrap();
    let lay = m.layout;
    // Statistics with many distinct values, of both signs and several scales.
    let mut slots = vec![
        lay.summary(Summary::PvShare),
        lay.summary(Summary::PvNet),
        lay.summary(Summary::EquityEnd),
        lay.summary(Summary::PvTotal),
        lay.summary(Summary::TotalCounter),
    ];
    for k in [0, 7, lay.periods - 1] {
        for metric in [Metric::Revenue, Metric::NetPayment, Metric::Valuation, Metric::CumulativePayment] {
            slots.push(lay.period(metric, k));
        }
    }
    let mut values: Vec<Vec<f64>> = vec![Vec::with_capacity(paths as usize); slots.len()];
    engine::replay(&m, 5, paths, paths, |_, path, _, _| {
        for (v, slot) in values.iter_mut().zip(&slots) {
            v.push(path[*slot]);
        }
    });
    assert_eq!(r.resolution.relative_accuracy(), RELATIVE_ACCURACY);
    for (v, slot) in values.iter_mut().zip(&slots) {
        v.sort_by(f64::total_cmp);
        let st = &r.stats[*slot];
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        assert!((st.mean - mean).abs() <= 1e-9 * mean.abs().max(1.0), "slot {slot}: mean {} vs {mean}", st.mean);
        for (q, got) in PERCENTILES.iter().zip(st.percentiles) {
            let exact = exact_percentile(v, *q);
            assert!(
                (got - exact).abs() <= bound(v, *q, RELATIVE_ACCURACY),
                "{}: p{} {got} vs exact {exact}",
                engine::describe_slot(&m, *slot),
                q * 100.0
            );
        }
    }
}

/// A coarsened run says so once, not once per statistic (it once printed a
/// thousand lines), with the accuracy reached; the manifest says how many
/// statistics kept which resolution. A run that did not coarsen says
/// nothing and its manifest gives the full accuracy.
#[test]
fn coarsening_is_warned_about_once_and_recorded_in_the_manifest() {
    let ws = Workspace::new();
    let file = long_horizon(&ws, false);
    let (_, stderr) = succeeds(ws.cmd().arg("run").arg(&file).args(["--paths", "2000", "--no-charts", "--out", "o"]));
    let warnings: Vec<&str> = stderr.lines().filter(|l| l.contains("warning")).collect();
    assert_eq!(warnings.len(), 1, "{stderr}");
    assert!(warnings[0].contains("statistics spanned too wide a range"), "{stderr}");
    assert!(warnings[0].contains("(the coarsest: revenue in period"), "{stderr}");
    let manifest = |name: &str| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(ws.path().join("o").join(name).join("manifest.json")).unwrap()).unwrap()
    };
    let p = &manifest("long")["percentiles"];
    let n = p["coarsened_statistics"].as_u64().unwrap();
    assert!(n > 500 && n < p["statistics"].as_u64().unwrap(), "{p}");
    assert!(warnings[0].contains(&format!(" {n} of {} statistics", p["statistics"])), "{stderr}");
    let levels = p["coarsened"].as_array().unwrap();
    assert_eq!(levels.iter().map(|l| l["statistics"].as_u64().unwrap()).sum::<u64>(), n);
    let worst = levels.iter().map(|l| l["relative_accuracy"].as_f64().unwrap()).fold(0.0, f64::max);
    assert_eq!(p["relative_accuracy"].as_f64().unwrap(), worst);
    assert!(worst > RELATIVE_ACCURACY, "{p}");
    assert!(p["description"].as_str().unwrap().contains("coarsened"), "{p}");
    // A sweep says so too, once, of its coarsest combination (it once
    // recorded it only in its manifest).
    let (_, stderr) = succeeds(ws.cmd().args(["sweep"]).arg(&file).args([
        "--vary",
        "discount_rate=0.08,0.12",
        "--paths",
        "2000",
        "--no-charts",
        "-q",
        "--out",
        "o",
    ]));
    let warnings: Vec<&str> = stderr.lines().filter(|l| l.contains("statistics spanned too wide a range")).collect();
    assert_eq!(warnings.len(), 1, "{stderr}");
    assert!(warnings[0].contains("long.toml (2 of 2 combinations; the coarsest, discount_rate=0.1"), "{stderr}");
    assert!(warnings[0].contains(&format!("not 1/{:.0}", 1.0 / RELATIVE_ACCURACY)), "{stderr}");

    // The shipped scenario's 156 statistics: sketched from 26,887 paths on,
    // at full resolution; exact below.
    let shipped = repo().join("scenarios/amended-2026.toml");
    for (paths, method, accuracy) in [("30000", "sketch", RELATIVE_ACCURACY), ("2000", "exact", 0.0)] {
        let (_, stderr) =
            succeeds(ws.cmd().arg("run").arg(&shipped).args(["--paths", paths, "--no-charts", "--out", "o"]));
        assert!(!stderr.contains("warning"), "{stderr}");
        let p = &manifest("amended-2026")["percentiles"];
        assert_eq!((p["method"].as_str(), p["relative_accuracy"].as_f64()), (Some(method), Some(accuracy)), "{p}");
        assert_eq!(p["statistics"].as_u64(), Some(156), "{p}");
        assert_eq!((p["coarsened_statistics"].as_u64(), p["coarsened"].as_array().map(Vec::len)), (Some(0), Some(0)));
    }
}

/// A deal on a tiny revenue (1e-14 $B a year, payments of about 1e-17 a
/// quarter): its percentiles are within 1/1025 of the exact ones like any
/// other. Below 1e-15 every amount once counted as zero, so every
/// percentile of a year's payments came out as the smallest one.
#[test]
fn tiny_amounts_are_not_counted_as_zeros() {
    let ws = Workspace::new();
    let file = ws.file(
        "tiny.toml",
        "years = [2026, 2030]\n[revenue]\ninitial = 1e-14\ngrowth = 0.3\nvolatility = 0.4\n[revenue_share]\nrate = 0.02\ncap = 1e-12\n",
    );
    let r = check_against_exact(&file, 2000);
    assert_eq!(r.resolution.coarsened_count(), 0);
    let p = r.year(Metric::Payment, 0).percentiles;
    assert!(p[0] > 0.0 && p[0] < p[6] && p[6] < 1e-15, "{p:?}");
}

/// Where a percentile interpolates between a negative and a positive order
/// statistic, the sketch's error is relative to the larger of the two, not
/// to the result, which may be as near zero as it likes (see
/// `Sketch::quantile`). A reviewer's case, under the draws before every
/// input took its own bits: 10 paths of the feature tour,
/// `net_payment` in period 24, p5 = 0.092189 against exact 0.092290, off by
/// 1.1e-3 of itself, lay between the smallest value, −0.0399 (exact, the
/// minimum), and 0.2539 (within 1/1025): off by 1.0e-4, within
/// 0.45 × 0.2539/1025 = 1.1e-4. Every percentile of the feature tour, at 10
/// paths and at 2000, is within that bound; and, with a cap low enough that
/// net payments often straddle zero, at 10, 20 and 50 paths every percentile
/// of every quantity that straddles zero is within it too, some of them off
/// by more than 1/1025 of themselves (the case in point, wherever the draws
/// put it).
#[test]
fn percentiles_between_order_statistics_of_opposite_sign_are_within_the_bound() {
    let file = repo().join("benches/scenarios/feature-tour.toml");
    check_against_exact(&file, 2000);
    check_against_exact(&file, 10);
    // The feature tour with a cap that binds on many paths, after which the
    // net payment is the counter-share's negative, and no termination (whose
    // zeros would sit between): net payments straddle zero.
    let ws = Workspace::new();
    let low_cap = ws.file(
        "low-cap.toml",
        &format!(
            "name = \"low-cap\"\nextends = {:?}\n[revenue_share]\ncap = {{ dist = \"uniform\", low = 5.0, high = 40.0 }}\ntermination_rate = 0.0\n",
            file.display().to_string()
        ),
    );
    let s = Scenario::load(&low_cap).unwrap();
    let m = Model::new(&s);
    let mut in_point = 0;
    for paths in [10, 20, 50] {
        let r = engine::run(
            &m,
            &RunOptions { paths, seed: s.seed, threads: 1, progress: None, cancel: None, exact_up_to: 0 },
        )
        .unwrap();
        let slots: Vec<usize> = (0..m.layout.len()).collect();
        for (slot, v) in sorted_values(&m, s.seed, paths, &slots).iter().enumerate() {
            for (&p, got) in PERCENTILES.iter().zip(r.stats[slot].percentiles) {
                let h = (paths - 1) as f64 * p;
                let (lo, f) = (h.floor() as usize, h - h.floor());
                if f == 0.0 || !(v[lo] < 0.0 && v[lo + 1] > 0.0) {
                    continue;
                }
                let (exact, bound) = (exact_percentile(v, p), bound(v, p, RELATIVE_ACCURACY));
                assert!(
                    (got - exact).abs() <= bound,
                    "{paths} paths, slot {slot}, p{p}: {got} vs {exact} (bound {bound})"
                );
                in_point += usize::from((got - exact).abs() > RELATIVE_ACCURACY * exact.abs());
            }
        }
    }
    assert!(
        in_point > 0,
        "no percentile straddling zero is off by more than 1/1025 of itself: the test has no case in point"
    );
}

/// A small run's percentiles are exact (MODEL.md §8's first method): the
/// command line keeps every value of a run of at most `EXACT_VALUES` values
/// and interpolates between its order statistics as NumPy does, so its
/// percentiles are, to the last bit, those a spreadsheet or NumPy takes of
/// the same paths in paths.csv. The case is the reviewer's: net payments
/// that straddle zero, where the sketch was off by 2.5e-3 of a percentile
/// (see the test above); at any thread count.
#[test]
fn small_runs_report_the_exact_percentiles_of_their_paths() {
    let ws = Workspace::new();
    let tour = repo().join("benches/scenarios/feature-tour.toml");
    ws.file(
        "low-cap.toml",
        &format!(
            "name = \"low-cap\"\nextends = {:?}\n[revenue_share]\ncap = {{ dist = \"uniform\", low = 5.0, high = 40.0 }}\ntermination_rate = 0.0\n",
            tour.display().to_string()
        ),
    );
    let mut periods_csv = Vec::new();
    for threads in ["1", "3"] {
        let out = format!("t{threads}");
        succeeds(
            ws.cmd()
                .args(["run", "low-cap.toml", "--paths", "50", "--export-paths", "50", "--no-charts", "-q"])
                .args(["--threads", threads, "--out", &out]),
        );
        periods_csv.push(std::fs::read(ws.path().join(&out).join("low-cap/periods.csv")).unwrap());
    }
    assert!(periods_csv[0] == periods_csv[1], "the same bytes on 1 and 3 threads");
    let dir = ws.path().join("t1/low-cap");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["percentiles"]["method"], "exact");
    // Each (metric, period)'s values from paths.csv.
    let paths = std::fs::read_to_string(dir.join("paths.csv")).unwrap();
    let mut lines = paths.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let mut values: std::collections::BTreeMap<(String, usize), Vec<f64>> = Default::default();
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        let period: usize = cells[1].parse().unwrap();
        for m in Metric::ALL {
            let c = header.iter().position(|h| *h == m.name()).unwrap();
            values.entry((m.name().to_string(), period)).or_default().push(cells[c].parse().unwrap());
        }
    }
    let periods = std::fs::read_to_string(dir.join("periods.csv")).unwrap();
    let (mut checked, mut straddling) = (0, 0);
    for line in periods.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        let v = values.get_mut(&(cells[1].to_string(), cells[2].parse().unwrap())).unwrap();
        assert_eq!(v.len(), 50);
        v.sort_by(f64::total_cmp);
        for (i, &q) in PERCENTILES.iter().enumerate() {
            let got: f64 = cells[8 + i].parse().unwrap();
            assert_eq!(got, exact_percentile(v, q), "{line}: p{q}");
            let lo = ((v.len() - 1) as f64 * q).floor() as usize;
            straddling += usize::from(v[lo] < 0.0 && v[lo + 1] > 0.0);
            checked += 1;
        }
    }
    assert!(checked > 1000 && straddling > 0, "{checked} percentiles, {straddling} straddling zero");
}
