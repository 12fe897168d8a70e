//! The percentile sketch against exact percentiles (MODEL.md §8: relative
//! error at most 1e-3) on 10⁵ paths of a shipped scenario: the same paths
//! are replayed one by one (`engine::replay`), every value kept, and NumPy-style exact percentiles compared with the run's.

use revshare::engine::{self, RunOptions};
use revshare::model::{Metric, Model, Summary};
use revshare::scenario::Scenario;
use revshare::stats::{PERCENTILES, exact_percentile};

use crate::common::repo;

#[test]
fn sketch_percentiles_are_within_a_thousandth_of_exact_ones() {
    let s = Scenario::load(&repo().join("scenarios/old-terms.toml")).unwrap();
    let m = Model::new(&s);
    let paths = 100_000u64;
    let r = engine::run(&m, &RunOptions { paths, seed: 5, threads: 2, progress: None, cancel: None }).unwrap();
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
    for (v, slot) in values.iter_mut().zip(&slots) {
        v.sort_by(f64::total_cmp);
        let st = &r.stats[*slot];
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        assert!((st.mean - mean).abs() <= 1e-9 * mean.abs().max(1.0), "slot {slot}: mean {} vs {mean}", st.mean);
        for (q, got) in PERCENTILES.iter().zip(st.percentiles) {
            let exact = exact_percentile(v, *q);
            let scale = exact.abs().max(v[v.len() / 2].abs() * 1e-6);
            assert!(
                (got - exact).abs() <= 1e-3 * scale,
                "{}: p{} {got} vs exact {exact}",
                engine::describe_slot(&m, *slot),
                q * 100.0
            );
        }
    }
}
