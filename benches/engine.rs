//! Engine benchmarks (divan) on `scenarios/amended-2026.toml`: a whole run, its
//! floor (drawing the same random variates and nothing else), and the parts of
//! a run one at a time: input sampling, path stepping, aggregation (moments and
//! quantile sketches) and writing the CSV files.
//!
//! `cargo bench --bench engine`. For whole runs at 10⁶–10⁸ paths with peak
//! memory and the NumPy comparison, see `benches/table.py`.

use std::path::Path;

use divan::Bencher;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use revshare::engine::{self, RunOptions};
use revshare::export::{Exporter, PeriodsCsv, RunReport, SummaryCsv, YearlyCsv};
use revshare::model::{Columns, Model, PathEvents};
use revshare::scenario::Scenario;
use revshare::simd::Width;
use revshare::stats::ChunkMoments;

const PATHS: u64 = 100_000;

fn model() -> (Scenario, Model) {
    let s = Scenario::load(Path::new("scenarios/amended-2026.toml")).expect("shipped scenario");
    let m = Model::new(&s);
    (s, m)
}

fn main() {
    divan::main();
}

/// A whole run of 10⁵ paths (simulation and statistics, no files).
#[divan::bench(args = [1, 2], sample_count = 10, sample_size = 1)]
fn run(bencher: Bencher, threads: usize) {
    let (_, m) = model();
    bencher.bench(|| {
        engine::run(&m, &RunOptions { paths: PATHS, seed: 1, threads, progress: None, cancel: None, exact_up_to: 0 })
            .expect("run")
    });
}

/// The floor: the same random variates, drawn with the same generators and threads.
#[divan::bench(args = [1, 2], sample_count = 10, sample_size = 1)]
fn floor(bencher: Bencher, threads: usize) {
    let (_, m) = model();
    bencher.bench(|| engine::floor(&m, PATHS, 1, threads).expect("floor"));
}

/// Drawing the per-path inputs of 4096 paths (one thread), four at a time as a
/// run does: each path's bits, then the four paths' values side by side.
#[divan::bench(sample_count = 20)]
fn inputs(bencher: Bencher) {
    let (_, m) = model();
    let mut scratch = m.scratch();
    bencher.bench_local(|| {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        m.sample_inputs(&mut rng, &mut scratch, 4096)
    });
}

/// Columns handed on by a block, looked at and dropped.
struct Discard;

impl Columns for Discard {
    fn columns(&mut self, columns: &[(usize, &[f64])]) {
        std::hint::black_box(columns);
    }
}

/// Stepping 4096 whole paths, inputs included, as the engine does (one
/// thread, no aggregation): each path's random part, then the rest of a
/// block's paths at once, each period's values handed on (and dropped here
/// rather than gathered).
#[divan::bench(sample_count = 20)]
fn stepping(bencher: Bencher) {
    let (_, m) = model();
    let bp = engine::block_paths(m.layout.len());
    let mut scratch = m.scratch();
    let mut paths = m.gathering_block(bp);
    let mut events = vec![PathEvents::default(); bp];
    bencher.bench_local(|| {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        for _ in 0..4096 / bp {
            for j in 0..bp {
                m.draw_path(&mut rng, &mut scratch, &mut paths, j);
            }
            m.finish_block_into(&mut paths, bp, &mut Discard, &mut events);
        }
        events[0]
    });
}

/// Columns handed on by a block, kept in the groups they came in.
#[derive(Default)]
struct Record(Vec<Vec<(usize, Vec<f64>)>>);

impl Columns for Record {
    fn columns(&mut self, columns: &[(usize, &[f64])]) {
        self.0.push(columns.iter().map(|(s, v)| (*s, v.to_vec())).collect());
    }
}

/// Gathering 4096 paths' values into moments and quantile sketches (one
/// thread) with the engine's own `gather_columns`, in the groups a block
/// hands them on in (a period's metrics, a year's flows, the summaries):
/// moments and a sketch for each distinct quantity (aliases share their
/// source's), sketches bounded as the engine bounds them. The values are
/// worked out beforehand, so they come from memory here, where a run
/// gathers them just after they are written.
#[divan::bench(sample_count = 20)]
fn aggregation(bencher: Bencher) {
    let (_, m) = model();
    let slots = m.layout.len();
    let bp = engine::block_paths(slots);
    let mut scratch = m.scratch();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    let blocks: Vec<Record> = (0..4096 / bp)
        .map(|_| {
            let mut paths = m.gathering_block(bp);
            for j in 0..bp {
                m.draw_path(&mut rng, &mut scratch, &mut paths, j);
            }
            let mut record = Record::default();
            m.finish_block_into(&mut paths, bp, &mut record, &mut vec![PathEvents::default(); bp]);
            record
        })
        .collect();
    // Each block's groups of (quantity, values).
    let groups: Vec<Vec<Vec<_>>> = blocks
        .iter()
        .map(|b| b.0.iter().map(|g| g.iter().map(|(s, v)| (*s, &v[..])).collect::<Vec<(usize, &[f64])>>()).collect())
        .collect();
    let mut sketches = vec![engine::sketch_for(m.gathered()); slots];
    let mut moments = ChunkMoments::new(slots);
    // Warm the sketches up so they are in their steady state.
    for (s, v) in groups.iter().flatten().flatten() {
        sketches[*s].add_slice(v);
    }
    bencher.bench_local(|| {
        moments.reset();
        for block in &groups {
            moments.start_block(bp);
            for group in block {
                assert!(engine::gather_columns(Width::widest(), &mut moments, &mut sketches, group).is_none());
            }
        }
    });
}

/// Writing yearly.csv, periods.csv and summary.csv into memory.
#[divan::bench(sample_count = 20)]
fn output(bencher: Bencher) {
    let (s, m) = model();
    let result = engine::run(
        &m,
        &RunOptions { paths: 10_000, seed: 1, threads: 1, progress: None, cancel: None, exact_up_to: 0 },
    )
    .expect("run");
    let report = RunReport {
        scenario: &s,
        model: &m,
        result: &result,
        seed: 1,
        wall: std::time::Duration::ZERO,
        started: String::new(),
        command: Vec::new(),
        sensitivity: None,
        precision: None,
    };
    bencher.bench_local(|| {
        let mut out = Vec::with_capacity(1 << 16);
        for e in [&YearlyCsv as &dyn Exporter, &PeriodsCsv, &SummaryCsv] {
            e.write(&report, &mut out).expect("write");
        }
        out.len()
    });
}

/// The inverse CDFs a path may need, 4096 values at a time, for the shipped
/// PERT (the initial run-rate, 20–22–25): a path's draw of it from 64 bits (a
/// normal from the bits, then its tabulated F⁻¹(Φ(z))), the table alone (as
/// the copula and a Latin hypercube use it), the same by Newton on the
/// incomplete beta (what it cost before the table), and Φ⁻¹ (a Latin
/// hypercube's normal inputs).
#[divan::bench(args = ["pert_path", "pert_tabulated", "pert_newton", "normal_inverse"], sample_count = 20)]
fn inverse_cdf(bencher: Bencher, kind: &str) {
    use rand::Rng;
    use revshare::model::dist::{Dist, Domain};
    use revshare::model::special::{BetaFromNormal, norm_inv};
    let pert = Dist::pert(20.0, 22.0, 25.0, Domain::POSITIVE).expect("a PERT");
    let Dist::Pert { alpha, beta, .. } = pert else { unreachable!() };
    let us: Vec<f64> = (0..4096).map(|i| (i as f64 + 0.5) / 4096.0).collect();
    let zs: Vec<f64> = us.iter().map(|u| norm_inv(*u)).collect();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    pert.from_normal(0.0); // the table, made once
    bencher.bench_local(|| match kind {
        "pert_path" => (0..4096).map(|_| pert.from_bits(rng.next_u64())).sum::<f64>(),
        "pert_tabulated" => zs.iter().map(|z| pert.from_normal(*z)).sum::<f64>(),
        "pert_newton" => zs.iter().map(|z| 20.0 + 5.0 * BetaFromNormal::exact(alpha, beta, *z)).sum::<f64>(),
        _ => us.iter().map(|u| norm_inv(*u)).sum::<f64>(),
    });
}
