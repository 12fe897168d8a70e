//! Running many paths: fixed-size chunks, each with its own generator seeded
//! from (seed, chunk index), run by a rayon pool; statistics gathered so that
//! the result depends only on the scenario, the seed and the path count, never
//! on the number of threads. No I/O.
//!
//! Determinism: a chunk's paths always come from the same stream (SplitMix64
//! of the seed and the chunk index seeds a Xoshiro256++). Quantile sketches
//! hold integer counts, so merging them in any order gives the same result;
//! floating-point moments are summed per chunk and folded in chunk order.
//! Memory is one sketch set per thread plus a few chunks' moments, whatever
//! the path count.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

use crate::model::{Columns, Layout, Metric, Model, PathEvents, PathScratch, Slot, Summary};
use crate::scenario::Sampling;
use crate::simd::Width;
use crate::stats::sketch::{Counts, MANTISSA_BITS, relative_accuracy};
use crate::stats::{ChunkMoments, Moments, PERCENTILES, Sketch, Stat, exact_percentile};

/// Paths per chunk. Part of what a seed means: changing it changes results.
pub const CHUNK_PATHS: u64 = 4096;

/// Paths simulated side by side, whose values are then worked out period by
/// period and gathered statistic by statistic: 256, or fewer (down to 64)
/// for a run with more than 1,024 statistics, a power of two so that it
/// divides [`CHUNK_PATHS`]. It was chosen when a thread kept a block of
/// every statistic's values before gathering them (256 kept a quarterly
/// five-year run's 228 statistics and the stepping's running state in a
/// core's L2 on the project's Xeon: 4-5% faster than 1024, where 128 was
/// slower again, more calls for fewer paths each). The values now go to
/// the statistics a period at a time and no such block is kept, and 512 or
/// 1024 paths are no faster than 256 on the project's AMD machine, so it
/// stays as it was: it is part of what a seed means, through the order of
/// floating-point sums, so it depends on the scenario's shape only, never
/// on the machine or the thread count.
pub fn block_paths(slots: usize) -> usize {
    const VALUES: usize = 1 << 18;
    let fit = (VALUES / slots.max(1)).max(1);
    (1usize << fit.ilog2()).clamp(64, 256)
}

/// Name of the generator, for the manifest.
pub const GENERATOR: &str = "Xoshiro256PlusPlus (rand_xoshiro), one stream per chunk of 4096 paths seeded by \
     SplitMix64(seed, chunk); each path takes the same draws whatever the scenario's values (SplitMix64 \
     sub-streams for its shocks and dilution events)";

/// How to run.
pub struct RunOptions<'a> {
    pub paths: u64,
    pub seed: u64,
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    /// Called from worker threads with the number of paths finished so far.
    pub progress: Option<&'a (dyn Fn(u64) + Sync)>,
    /// Set to stop the run early (Ctrl-C).
    pub cancel: Option<&'a AtomicBool>,
    /// Exact percentiles when the run's values, paths × distinct statistics,
    /// are at most this many (the command line's runs: [`EXACT_VALUES`]):
    /// the paths are replayed and every value kept. 0: always the sketches
    /// (whose own tests need them at any path count).
    pub exact_up_to: u64,
}

/// The most values (paths × distinct statistics, 8 bytes each: 32 MB) a run
/// keeps to report exact percentiles (MODEL.md §8's first method) instead of
/// its sketches' (within 1e-3). The shipped scenario's 156 statistics are
/// exact up to 26,886 paths, so a spreadsheet's PERCENTILE.INC on a small
/// run's paths.csv gives its figures; at its default 100,000 paths and
/// beyond, the sketches keep memory flat.
pub const EXACT_VALUES: u64 = 1 << 22;

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// A value that is not finite (`path` is the path it is on), or finite
    /// values whose statistics overflow (`path` is None, `value` the largest
    /// magnitude among them).
    #[error("{}", non_finite_message(quantity, *value, *path))]
    NonFinite { quantity: String, value: f64, path: Option<u64> },
    #[error("cannot start {threads} worker threads: {reason}")]
    Threads { threads: usize, reason: String },
    #[error("interrupted before it finished: its results were not written (scenarios that had finished keep theirs)")]
    Cancelled,
}

fn non_finite_message(quantity: &str, value: f64, path: Option<u64>) -> String {
    match path {
        Some(p) => format!(
            "{quantity} overflowed to a non-finite value ({value}) on path {p}: the scenario's numbers are too extreme to simulate\n  fix: lower the starting amounts (revenue.initial, the cap), the growth or the volatility, or simulate fewer years"
        ),
        None => format!(
            "the statistics of {quantity} overflow: its values are finite, up to about {value:.1e}, but the sums of their squared deviations that its sd and se need pass the largest number a double holds (about 1.8e308)\n  fix: lower the starting revenue or the growth, or simulate fewer years, so that it stays below about 1e150"
        ),
    }
}

/// Statistics of a run.
#[derive(Clone, Debug)]
pub struct RunResult {
    pub layout: Layout,
    pub paths: u64,
    pub threads: usize,
    pub elapsed: Duration,
    /// One per slot of [`Layout`].
    pub stats: Vec<Stat>,
    /// Number of paths whose cap bound in each year (by year index).
    pub cap_year_counts: Vec<u64>,
    /// Number of paths whose share was terminated in each year.
    pub terminated_counts: Vec<u64>,
    /// The full distribution of each path summary, in [`Summary::ALL`] order
    /// (for histograms).
    pub summary_sketches: Vec<Sketch>,
    /// How finely the percentile sketches resolved the statistics.
    pub resolution: Resolution,
}

/// How finely the percentile sketches resolved a run's statistics: at full
/// resolution (relative accuracy [`crate::stats::RELATIVE_ACCURACY`]) unless a statistic's
/// values spanned more buckets than its sketch may hold, which then coarsens.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Resolution {
    /// True when the percentiles are exact ([`RunOptions::exact_up_to`]):
    /// nothing below is then coarsened.
    pub exact: bool,
    /// Distinct statistics gathered (an alias shares its source's sketch).
    pub statistics: usize,
    /// For the statistics below full resolution: how many kept each number
    /// of mantissa bits, as (bits, statistics), fewest bits first.
    pub coarsened: Vec<(u32, usize)>,
    /// The first statistic, in the layout's order, with the fewest bits.
    pub coarsest: Option<String>,
}

impl Resolution {
    /// Statistics below full resolution.
    pub fn coarsened_count(&self) -> usize {
        self.coarsened.iter().map(|(_, n)| n).sum()
    }

    /// Fewest mantissa bits any statistic kept.
    pub fn mantissa_bits(&self) -> u32 {
        self.coarsened.first().map_or(MANTISSA_BITS, |(bits, _)| *bits)
    }

    /// Relative accuracy of the order statistics of every statistic of the
    /// run: that of the coarsest.
    pub fn relative_accuracy(&self) -> f64 {
        if self.exact { 0.0 } else { relative_accuracy(self.mantissa_bits()) }
    }
}

impl RunResult {
    pub fn period(&self, m: Metric, k: usize) -> &Stat {
        &self.stats[self.layout.period(m, k)]
    }
    pub fn year(&self, m: Metric, y: usize) -> &Stat {
        &self.stats[self.layout.year(m, y)]
    }
    pub fn summary(&self, s: Summary) -> &Stat {
        &self.stats[self.layout.summary(s)]
    }
    /// The distribution of a path summary.
    pub fn summary_sketch(&self, s: Summary) -> &Sketch {
        &self.summary_sketches[s as usize]
    }
    /// The fraction of paths whose share was terminated early.
    pub fn terminated_fraction(&self) -> f64 {
        if self.paths == 0 { 0.0 } else { self.terminated_counts.iter().sum::<u64>() as f64 / self.paths as f64 }
    }

    /// The year index in which the cap most often binds (ties: the earlier).
    pub fn modal_cap_year(&self) -> Option<usize> {
        modal(&self.cap_year_counts)
    }
}

/// The index of the largest count, the earliest of equal ones; `None` when
/// every count is 0.
fn modal(counts: &[u64]) -> Option<usize> {
    let (i, n) = counts.iter().enumerate().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0)))?;
    (*n > 0).then_some(i)
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The generator of chunk `chunk` for `seed`.
pub fn chunk_rng(seed: u64, chunk: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(splitmix64(splitmix64(seed) ^ splitmix64(chunk ^ 0xA076_1D64_78BD_642F)))
}

/// Buckets per quantile store, so that one thread's sketches stay within
/// about 128 MB however many statistics a run has, up to 13,107 of them
/// (100 years of monthly steps gather at most about 11,200); above that, the
/// sketch's floor of 2048 buckets a store (which holds any range of values,
/// coarsened) sets the memory. A statistic whose values span more buckets
/// than its limit coarsens (see `stats/sketch.rs`). The limit depends only on
/// the layout, never on the thread count, so that the resolution, and the
/// results, do not either.
///
/// Why 128 MB a thread: a few hundred statistics (the shipped scenarios)
/// reach the most buckets a store may hold whatever the budget, so only
/// long monthly layouts feel it, and for them each doubling of the budget
/// buys one bit of resolution (halves the error) at twice the memory. 30
/// years of monthly steps (2,600–3,400 statistics) then keep at least 128
/// buckets per power of two (0.4%) instead of 64 at 64 MB; 256 MB would give
/// 0.2%, but at 340 MB against 190 MB for a 100-year run on two threads, and a
/// quarter more time.
pub fn bucket_limit(slots: usize) -> usize {
    // Five bytes a bucket with low bytes (see `Store` in stats/sketch.rs);
    // runs with 16-bit low counts (six bytes) gather too few statistics for
    // the budget to bind (see `sketch_for`).
    const BUDGET: usize = (128 << 20) / 5;
    BUDGET / slots.max(1)
}

/// The most statistics a run gathers with 16-bit low counts in its sketches
/// ([`Counts::Words`], the faster counting loop); above, low bytes, whose
/// sketches take half the cache. The shipped scenarios (quarterly over five
/// years) gather 156; the monthly feature tour, 680, counts 12%
/// faster with bytes. (With at most this many, `bucket_limit` gives every
/// store the most buckets a sketch may hold, so the budget never binds.)
const WORD_COUNTS_UP_TO: usize = 256;

/// A fresh sketch for a run that gathers `gathered` statistics: its limit of
/// buckets and its kind of low counts depend on that alone (never on the
/// threads), and the kind changes no count.
pub fn sketch_for(gathered: usize) -> Sketch {
    let counts = if gathered <= WORD_COUNTS_UP_TO { Counts::Words } else { Counts::Bytes };
    Sketch::with_counts(bucket_limit(gathered), counts)
}

/// What one worker thread gathers.
struct Gathered {
    sketches: Vec<Sketch>,
    cap_years: Vec<u64>,
    terminated: Vec<u64>,
}

/// Chunk moments folded in chunk order as they arrive.
struct Ordered {
    next: u64,
    pending: BTreeMap<u64, ChunkMoments>,
    total: Moments,
}

impl Ordered {
    fn submit(&mut self, chunk: u64, m: ChunkMoments) {
        self.pending.insert(chunk, m);
        while let Some(m) = self.pending.remove(&self.next) {
            self.total.merge(&m);
            self.next += 1;
        }
    }
}

/// Simulate the first `paths` paths of a run of `run_paths` paths again, one
/// by one, exactly as [`run`] does (the same chunk streams, in order, and the
/// same Latin hypercube strata), and hand each to `f` with
/// its index, its values (indexed by [`Layout`]), its events and the scratch
/// holding its sampled inputs. For `paths.csv` and for tests.
pub fn replay<F>(model: &Model, seed: u64, run_paths: u64, paths: u64, mut f: F)
where
    F: FnMut(u64, &[f64], PathEvents, &PathScratch),
{
    for chunk in 0..paths.div_ceil(CHUNK_PATHS) {
        replay_chunk(model, seed, run_paths, chunk, paths, &mut f);
    }
}

/// [`replay`] of chunk `chunk` alone, up to path `paths` (exclusive).
fn replay_chunk<F>(model: &Model, seed: u64, run_paths: u64, chunk: u64, paths: u64, f: &mut F)
where
    F: FnMut(u64, &[f64], PathEvents, &PathScratch),
{
    let mut scratch = model.scratch();
    let mut strata = Vec::new();
    let mut values = vec![0.0; model.layout.len()];
    let mut rng = chunk_rng(seed, chunk);
    let first = chunk * CHUNK_PATHS;
    // The whole chunk is stratified, as in `run`, even if fewer paths are replayed.
    let in_chunk = CHUNK_PATHS.min(run_paths.max(paths) - first) as usize;
    stratify(model, &mut rng, in_chunk, &mut strata);
    for p in first..(first + CHUNK_PATHS).min(paths) {
        take_stratum(&strata, in_chunk, (p - first) as usize, &mut scratch);
        let events = model.simulate_into(&mut rng, &mut scratch, &mut values);
        f(p, &values, events, &scratch);
    }
}

/// Exact percentiles ([`PERCENTILES`], linear interpolation between order
/// statistics) of the `gathered` slots over the `paths` paths of a run, its
/// paths replayed chunk by chunk on `pool` and every value kept (a path's
/// values are the run's, bit for bit: see [`Model::simulate_into`]). In the
/// order of `gathered`.
fn exact_percentiles(
    pool: &rayon::ThreadPool,
    model: &Model,
    seed: u64,
    paths: u64,
    gathered: &[usize],
) -> Vec<[f64; PERCENTILES.len()]> {
    let g = gathered.len();
    let n = paths as usize;
    // Path-major: each chunk fills its own rows.
    let mut rows = vec![0.0; n * g];
    pool.install(|| {
        rows.par_chunks_mut(CHUNK_PATHS as usize * g).enumerate().for_each(|(chunk, rows)| {
            let first = chunk as u64 * CHUNK_PATHS;
            replay_chunk(model, seed, paths, chunk as u64, paths, &mut |p, values, _, _| {
                let row = &mut rows[(p - first) as usize * g..][..g];
                for (x, &s) in row.iter_mut().zip(gathered) {
                    *x = values[s];
                }
            });
        });
        (0..g)
            .into_par_iter()
            .map(|c| {
                let mut column: Vec<f64> = rows.iter().skip(c).step_by(g).copied().collect();
                percentiles_of(&mut column)
            })
            .collect()
    })
}

/// [`PERCENTILES`] of `values` as NumPy's default gives them
/// ([`exact_percentile`]), with only the order statistics they read put in
/// their sorted places instead of sorting all. Reorders `values`, which
/// must not be empty.
fn percentiles_of(values: &mut [f64]) -> [f64; PERCENTILES.len()] {
    let n = values.len();
    // Each order statistic a percentile reads, in ascending rank: selecting
    // one puts it in its place and the larger ranks after it, among which
    // the next is selected (leaving the ones placed alone).
    let mut needed: Vec<usize> = PERCENTILES
        .iter()
        .flat_map(|q| {
            let (lo, _) = crate::stats::rank(n, *q);
            [lo, (lo + 1).min(n - 1)]
        })
        .collect();
    needed.sort_unstable();
    needed.dedup();
    let mut start = 0;
    for &r in &needed {
        values[start..].select_nth_unstable_by(r - start, f64::total_cmp);
        start = r + 1;
    }
    PERCENTILES.map(|q| exact_percentile(values, q))
}

/// Latin hypercube strata for a chunk of `n` paths, drawn first from the
/// chunk's own generator (nothing for plain Monte Carlo).
fn stratify(model: &Model, rng: &mut Xoshiro256PlusPlus, n: usize, strata: &mut Vec<f64>) {
    if model.sampling == Sampling::LatinHypercube {
        model.fill_strata(rng, n, strata);
    }
}

/// Put path `j`'s stratified uniforms (of a chunk of `n`) into the scratch.
fn take_stratum(strata: &[f64], n: usize, j: usize, scratch: &mut PathScratch) {
    if strata.is_empty() {
        return;
    }
    scratch.strata.clear();
    scratch.strata.extend(strata.iter().skip(j).step_by(n));
}

/// A precision to reach: the standard error of one path summary's mean.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Precision {
    pub summary: Summary,
    pub target: SeTarget,
    /// Never simulate more paths than this.
    pub max_paths: u64,
}

/// A standard error in $B, or relative to the mean (0.001 = 0.1%).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SeTarget {
    Absolute(f64),
    Relative(f64),
}

/// The fewest paths on which a precision target can count as reached: the
/// standard error is estimated from the sample, and from a handful of paths
/// (or a few identical ones, whose se is 0) that estimate means nothing.
pub const TARGET_MIN_PATHS: u64 = 1000;

/// How a precision target came out.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PrecisionOutcome {
    /// The standard error reached, and the target it was held to ($B).
    pub se: f64,
    pub target: f64,
    pub met: bool,
}

/// Run with more and more paths until the standard error of
/// `precision.summary`'s mean is at most the target, on at least
/// [`TARGET_MIN_PATHS`] paths, or `max_paths` is reached.
/// Each attempt is a whole run, so the result depends only on the seed and the
/// final path count: `run` with that many paths gives the same numbers. The
/// path count grows to what the last attempt's standard error says is needed
/// (with 10% to spare), in whole chunks, at least doubling each time and to
/// at least [`TARGET_MIN_PATHS`].
pub fn run_to_precision(
    model: &Model,
    opts: &RunOptions<'_>,
    precision: Precision,
) -> Result<(RunResult, PrecisionOutcome), EngineError> {
    let mut paths = opts.paths.min(precision.max_paths).max(1);
    loop {
        let result = run(model, &RunOptions { paths, ..*opts })?;
        let (se, mean) = (result.summary(precision.summary).se, result.summary(precision.summary).mean);
        let target = match precision.target {
            SeTarget::Absolute(t) => t,
            SeTarget::Relative(r) => r * mean.abs(),
        };
        // (An undefined se, of one path, is never at most the target.)
        let met = paths >= TARGET_MIN_PATHS && se <= target;
        if met || paths >= precision.max_paths {
            return Ok((result, PrecisionOutcome { se, target, met }));
        }
        let needed = if !se.is_finite() || se <= target {
            // (No estimate yet, or already within the target on too few
            // paths: a quantity that is 0 on every path has se 0, within a
            // relative target of 0 too.)
            0.0
        } else if target > 0.0 {
            paths as f64 * (se / target).powi(2) * 1.1
        } else {
            f64::INFINITY
        };
        let next = needed.max(2.0 * paths as f64).max(TARGET_MIN_PATHS as f64).min(precision.max_paths as f64) as u64;
        paths = next.div_ceil(CHUNK_PATHS).saturating_mul(CHUNK_PATHS).min(precision.max_paths);
    }
}

/// The machine's cores: the threads a run takes when it is given 0.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// A pool of `threads` workers (0: one per core), never more than there are chunks.
fn thread_pool(threads: usize, chunks: u64) -> Result<(rayon::ThreadPool, usize), EngineError> {
    let threads = if threads == 0 { cores() } else { threads };
    let threads = threads.min(chunks.max(1) as usize).max(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("revshare-{i}"))
        .build()
        .map_err(|e| EngineError::Threads { threads, reason: e.to_string() })?;
    Ok((pool, threads))
}

crate::simd::multiversion! {
    /// Gather some columns of a block, `(quantity, its values on the
    /// block's paths)`, into a chunk's moments and a thread's sketches,
    /// whose block the moments have started ([`ChunkMoments::start_block`]):
    /// for each, its moments, then its sketch, while its values are still
    /// in the nearest cache (an empty column adds nothing). Stops at the
    /// first quantity with a value (or a sum of squares) that is not finite,
    /// and returns it with the path (within the block) and the value at
    /// fault: the first value that is not finite; or, when every value is
    /// finite and only the sums overflowed, no path and the largest
    /// magnitude in the column.
    ///
    /// All of it, the sketches' counting loops included, is compiled for
    /// `width`: with AVX2 or AVX-512 comes BMI2, whose shift by a variable
    /// count (`shrx`) is one instruction where the baseline's is two or
    /// three, once for every value a sketch counts (about 2% of a run on the
    /// project's Xeon).
    pub fn gather_columns(
        width,
        moments: &mut ChunkMoments,
        sketches: &mut [Sketch],
        columns: &[(usize, &[f64])],
    ) -> Option<(usize, Option<usize>, f64)> = gather_columns_body;
}

#[inline(always)]
fn gather_columns_body(
    width: Width,
    moments: &mut ChunkMoments,
    sketches: &mut [Sketch],
    columns: &[(usize, &[f64])],
) -> Option<(usize, Option<usize>, f64)> {
    // The moments' pass of a column, when the counting of the one before
    // made it (see `column_pass_with`): the same sums, read while that
    // counting waited on memory.
    let mut ahead = None;
    for (i, &(s, column)) in columns.iter().enumerate() {
        let made = ahead.take();
        if column.is_empty() {
            continue;
        }
        let found = match made {
            Some(pass) => moments.add_pass(s, pass),
            None => moments.add_column(width, s, column),
        };
        let Some((lo, hi)) = found else {
            return Some(match column.iter().position(|x| !x.is_finite()) {
                Some(j) => (s, Some(j), column[j]),
                None => (s, None, column.iter().fold(0.0, |m: f64, x| m.max(x.abs()))),
            });
        };
        let next = columns.get(i + 1).map(|&(t, next)| (next, moments.shift(t, next)));
        // SAFETY: the column is not empty (see above), and its pass gives
        // its extremes once every value is finite. (`next`, the
        // next column, may be of another length; the sketch checks that
        // before it uses it.)
        ahead = unsafe { sketches[s].add_slice_within_ahead(width, column, lo, hi, next) };
    }
    None
}

/// Gather a whole block of `paths` paths at once, quantity `s`'s values at
/// `block[s * stride..]`, for each quantity of `slots` in turn (see
/// [`gather_columns`]). A block of no paths adds nothing. (A run gathers a
/// period's values at a time instead, as the block hands them on.)
#[cfg(test)]
fn gather_block(
    width: Width,
    moments: &mut ChunkMoments,
    sketches: &mut [Sketch],
    block: &[f64],
    stride: usize,
    paths: usize,
    slots: &[usize],
) -> Option<(usize, Option<usize>, f64)> {
    if paths == 0 {
        return None;
    }
    moments.start_block(paths);
    let columns: Vec<(usize, &[f64])> = slots.iter().map(|&s| (s, &block[s * stride..s * stride + paths])).collect();
    gather_columns(width, moments, sketches, &columns)
}

/// A thread's gathering of the columns a block hands on as it is finished
/// ([`Model::finish_block_into`]): after a fault, nothing more.
struct Gathering<'a> {
    width: Width,
    moments: &'a mut ChunkMoments,
    sketches: &'a mut [Sketch],
    fault: Option<(usize, Option<usize>, f64)>,
}

impl Columns for Gathering<'_> {
    fn columns(&mut self, columns: &[(usize, &[f64])]) {
        if self.fault.is_none() {
            self.fault = gather_columns(self.width, self.moments, self.sketches, columns);
        }
    }
}

/// Run `opts.paths` paths of `model`.
pub fn run(model: &Model, opts: &RunOptions<'_>) -> Result<RunResult, EngineError> {
    let started = Instant::now();
    let layout = model.layout;
    let slots = layout.len();
    // Each distinct quantity is gathered once; its aliases share its statistics.
    let alias = model.aliases();
    let fresh_sketch = sketch_for(model.gathered());
    let width = Width::widest();
    let bp = block_paths(slots);
    let chunks = opts.paths.div_ceil(CHUNK_PATHS);
    let (pool, threads) = thread_pool(opts.threads, chunks)?;

    let next_chunk = AtomicU64::new(0);
    let done = AtomicU64::new(0);
    let stop = AtomicBool::new(false);
    let failure: Mutex<Option<EngineError>> = Mutex::new(None);
    let ordered = Mutex::new(Ordered { next: 0, pending: BTreeMap::new(), total: Moments::new(slots) });

    let gathered: Vec<Gathered> = pool.broadcast(|_| {
        let mut g = Gathered {
            sketches: vec![fresh_sketch.clone(); slots],
            cap_years: vec![0; layout.years],
            terminated: vec![0; layout.years],
        };
        let mut scratch = model.scratch();
        let mut strata = Vec::new();
        let mut paths = model.gathering_block(bp);
        let mut events = vec![PathEvents::default(); bp];
        let mut moments = ChunkMoments::new(slots);
        loop {
            if stop.load(Ordering::Relaxed) || opts.cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
                break;
            }
            let chunk = next_chunk.fetch_add(1, Ordering::Relaxed);
            if chunk >= chunks {
                break;
            }
            let first = chunk * CHUNK_PATHS;
            let n = CHUNK_PATHS.min(opts.paths - first);
            let mut rng = chunk_rng(opts.seed, chunk);
            stratify(model, &mut rng, n as usize, &mut strata);
            moments.reset();
            let mut start = 0;
            while start < n {
                let b = bp.min((n - start) as usize);
                for j in 0..b {
                    take_stratum(&strata, n as usize, start as usize + j, &mut scratch);
                    model.draw_path(&mut rng, &mut scratch, &mut paths, j);
                }
                moments.start_block(b);
                let mut gathering = Gathering { width, moments: &mut moments, sketches: &mut g.sketches, fault: None };
                model.finish_block_into(&mut paths, b, &mut gathering, &mut events);
                let fault = gathering.fault;
                for e in &events[..b] {
                    if let Some(y) = e.cap_year {
                        g.cap_years[y] += 1;
                    }
                    if let Some(y) = e.terminated_year {
                        g.terminated[y] += 1;
                    }
                }
                if let Some((s, j, value)) = fault {
                    let mut f = failure.lock().unwrap_or_else(|e| e.into_inner());
                    if f.is_none() {
                        let path = j.map(|j| first + start + j as u64);
                        *f = Some(EngineError::NonFinite { quantity: describe_slot(model, s), value, path });
                    }
                    stop.store(true, Ordering::Relaxed);
                    return g;
                }
                start += b as u64;
            }
            ordered.lock().unwrap_or_else(|e| e.into_inner()).submit(chunk, moments.clone());
            let finished = done.fetch_add(n, Ordering::Relaxed) + n;
            if let Some(progress) = opts.progress {
                progress(finished);
            }
        }
        g
    });

    if let Some(e) = failure.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Err(e);
    }
    if opts.cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
        return Err(EngineError::Cancelled);
    }
    let mut parts = gathered.into_iter();
    let mut all = parts.next().expect("at least one thread");
    let rest: Vec<Gathered> = parts.collect();
    // The threads' sketches merged quantity by quantity, the quantities side
    // by side on the run's threads (each in thread order, as one at a time).
    pool.install(|| {
        all.sketches.par_iter_mut().enumerate().filter(|(s, _)| alias[*s] == *s).for_each(|(s, sketch)| {
            for g in &rest {
                sketch.merge(&g.sketches[s]);
            }
        })
    });
    for g in &rest {
        for (a, b) in all.cap_years.iter_mut().zip(&g.cap_years) {
            *a += b;
        }
        for (a, b) in all.terminated.iter_mut().zip(&g.terminated) {
            *a += b;
        }
    }
    let moments = ordered.into_inner().unwrap_or_else(|e| e.into_inner()).total;
    debug_assert_eq!(moments.n, opts.paths);
    let sketch = |i: usize| &all.sketches[alias[i]];
    // Each distinct quantity's statistics once (percentile look-ups are most
    // of the serial time after the paths); its aliases get copies.
    let stat = |i: usize| Stat::new(moments.n, moments.mean[alias[i]], moments.m2[alias[i]], sketch(i));
    let mut own: Vec<Option<Stat>> =
        pool.install(|| (0..slots).into_par_iter().map(|i| (alias[i] == i).then(|| stat(i))).collect());
    let gathered: Vec<usize> = (0..slots).filter(|s| alias[*s] == *s).collect();
    let resolution = if opts.paths.saturating_mul(gathered.len() as u64) <= opts.exact_up_to {
        let exact = exact_percentiles(&pool, model, opts.seed, opts.paths, &gathered);
        for (&s, p) in gathered.iter().zip(exact) {
            own[s].as_mut().expect("gathered").percentiles = p;
        }
        Resolution { exact: true, statistics: gathered.len(), ..Resolution::default() }
    } else {
        resolution(model, gathered.iter().map(|&s| (s, sketch(s))))
    };
    let stats = (0..slots).map(|i| own[alias[i]].clone().expect("an alias's source is gathered")).collect();
    let summary_sketches = Summary::ALL.iter().map(|s| sketch(layout.summary(*s)).clone()).collect();
    Ok(RunResult {
        layout,
        paths: opts.paths,
        threads,
        elapsed: started.elapsed(),
        stats,
        cap_year_counts: all.cap_years,
        terminated_counts: all.terminated,
        summary_sketches,
        resolution,
    })
}

/// The resolution of the sketches of `gathered` statistics (slot, sketch).
fn resolution<'a>(model: &Model, gathered: impl Iterator<Item = (usize, &'a Sketch)>) -> Resolution {
    let mut by_bits = BTreeMap::new();
    let (mut statistics, mut coarsest) = (0, None);
    for (s, sketch) in gathered {
        statistics += 1;
        let bits = sketch.mantissa_bits();
        if bits < MANTISSA_BITS {
            if by_bits.first_key_value().is_none_or(|(fewest, _)| bits < *fewest) {
                coarsest = Some(s);
            }
            *by_bits.entry(bits).or_insert(0) += 1;
        }
    }
    Resolution {
        exact: false,
        statistics,
        coarsened: by_bits.into_iter().collect(),
        coarsest: coarsest.map(|s| describe_slot(model, s)),
    }
}

/// The floor of a run: draw, with the same generators, chunks and threads,
/// exactly the random variates [`run`] consumes (per-path inputs through their
/// inverse CDFs where the copula needs them), and do nothing else. Returns the
/// wall time and a checksum.
pub fn floor(model: &Model, paths: u64, seed: u64, threads: usize) -> Result<(Duration, f64), EngineError> {
    let started = Instant::now();
    let chunks = paths.div_ceil(CHUNK_PATHS);
    let (pool, _) = thread_pool(threads, chunks)?;
    let next_chunk = AtomicU64::new(0);
    let sums: Vec<f64> = pool.broadcast(|_| {
        let mut scratch = model.scratch();
        let mut strata = Vec::new();
        let mut sum = 0.0;
        loop {
            let chunk = next_chunk.fetch_add(1, Ordering::Relaxed);
            if chunk >= chunks {
                break;
            }
            let n = CHUNK_PATHS.min(paths - chunk * CHUNK_PATHS);
            let mut rng = chunk_rng(seed, chunk);
            // Latin hypercube strata are random variates the run draws too.
            stratify(model, &mut rng, n as usize, &mut strata);
            for j in 0..n as usize {
                take_stratum(&strata, n as usize, j, &mut scratch);
                sum += model.draw_variates(&mut rng, &mut scratch);
            }
            sum += model.finish_variates(&mut scratch);
        }
        sum
    });
    Ok((started.elapsed(), sums.iter().sum()))
}

/// "payment in period 7 (ending 2.00 years after the start)"-style name of a
/// slot, for error messages.
pub fn describe_slot(model: &Model, slot: usize) -> String {
    match model.layout.slot(slot) {
        Slot::Period(m, k) => format!("{} in period {k} (ending {:.2} years after the start)", m.name(), model.time(k)),
        Slot::Year(m, y) => format!("{} in {}", m.name(), model.year(y)),
        Slot::Summary(s) => s.name().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The modal cap year: the most frequent, the earlier of a tie (the
    /// reports say "most often in 2028" of 2028 and 2029 alike), none when
    /// the cap never binds.
    #[test]
    fn the_modal_year_is_the_earlier_of_a_tie() {
        assert_eq!(modal(&[0, 5, 9, 9, 2]), Some(2));
        assert_eq!(modal(&[7, 0, 7]), Some(0));
        assert_eq!(modal(&[0, 0, 1]), Some(2));
        assert_eq!(modal(&[0, 0]), None);
        assert_eq!(modal(&[]), None);
    }

    /// With Latin hypercube sampling the floor draws exactly what a run
    /// draws too: the chunk's strata first (the same `stratify`), then each
    /// path, its stratum taken, leaves the generator where a path of the run
    /// does (`model::path`'s test covers plain Monte Carlo).
    #[test]
    fn the_floor_draws_what_a_stratified_run_draws() {
        use rand::Rng;
        for name in ["amended-2026", "bull", "old-terms"] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("scenarios/{name}.toml"));
            let mut s = crate::scenario::Scenario::load(&path).expect("shipped scenario");
            s.sampling = Sampling::LatinHypercube;
            let model = Model::new(&s);
            let n = 700;
            let (mut run_rng, mut floor_rng) = (chunk_rng(3, 1), chunk_rng(3, 1));
            let (mut run_strata, mut floor_strata) = (Vec::new(), Vec::new());
            stratify(&model, &mut run_rng, n, &mut run_strata);
            stratify(&model, &mut floor_rng, n, &mut floor_strata);
            assert!(!run_strata.is_empty(), "{name}: nothing stratified");
            let (mut a, mut b) = (model.scratch(), model.scratch());
            let mut block = model.block(1);
            for j in 0..n {
                take_stratum(&run_strata, n, j, &mut a);
                take_stratum(&floor_strata, n, j, &mut b);
                model.draw_path(&mut run_rng, &mut a, &mut block, 0);
                model.draw_variates(&mut floor_rng, &mut b);
                assert_eq!(run_rng.clone().next_u64(), floor_rng.clone().next_u64(), "{name}: path {j}");
            }
        }
    }

    /// A run's sketches count with 16-bit low counts when it gathers a few
    /// hundred statistics (the shipped quarterly scenarios), with low bytes
    /// when it gathers more (monthly steps). (Either kind gives the same
    /// counts: see `both_kinds_of_low_counts_give_the_same_sketch`.)
    #[test]
    fn sketches_count_in_words_or_bytes_by_the_statistics_gathered() {
        let gathered = |name: &str| {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
            Model::new(&crate::scenario::Scenario::load(&path).expect("scenario")).gathered()
        };
        let quarterly = gathered("scenarios/amended-2026.toml");
        let monthly = gathered("benches/scenarios/feature-tour.toml");
        assert!(quarterly <= WORD_COUNTS_UP_TO && monthly > WORD_COUNTS_UP_TO, "{quarterly}, {monthly}");
        assert_eq!(sketch_for(quarterly).counts(), Counts::Words);
        assert_eq!(sketch_for(monthly).counts(), Counts::Bytes);
        assert_eq!(sketch_for(WORD_COUNTS_UP_TO + 1).counts(), Counts::Bytes);
    }

    /// The exact percentiles' selection of order statistics gives, bit for
    /// bit, what interpolating in the sorted values gives: any length (one
    /// value, two, a chunk's), ties, signs and zeros of both signs.
    #[test]
    fn percentiles_by_selection_are_those_of_the_sorted_values() {
        let mut seed = 7u64;
        let mut next = || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            seed >> 11
        };
        for n in [1, 2, 3, 7, 20, 21, 101, 4096] {
            for kind in 0..3 {
                let values: Vec<f64> = (0..n)
                    .map(|_| match kind {
                        0 => next() as f64 / (1u64 << 53) as f64 - 0.3,
                        1 => [-0.0, 0.0, 1.5, -2.0, 1e300][(next() % 5) as usize],
                        _ => (next() % 4) as f64,
                    })
                    .collect();
                let mut sorted = values.clone();
                sorted.sort_by(f64::total_cmp);
                let want = PERCENTILES.map(|q| exact_percentile(&sorted, q).to_bits());
                let mut scratch = values.clone();
                assert_eq!(percentiles_of(&mut scratch).map(f64::to_bits), want, "{n} values of kind {kind}");
            }
        }
    }

    /// Error messages name a slot by what it holds (a year's payment was once
    /// named as another metric's).
    #[test]
    fn slots_are_described_by_what_they_hold() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/amended-2026.toml");
        let m = Model::new(&crate::scenario::Scenario::load(&path).expect("shipped scenario"));
        assert_eq!(describe_slot(&m, m.layout.year(Metric::Payment, 1)), "payment in 2027");
        assert_eq!(describe_slot(&m, m.layout.year(Metric::NetPayment, 4)), "net_payment in 2030");
        assert_eq!(
            describe_slot(&m, m.layout.year(Metric::Stake, 0)),
            describe_slot(&m, m.layout.period(Metric::Stake, 3))
        );
        assert_eq!(describe_slot(&m, m.layout.summary(Summary::PvTotal)), "pv_total");
        assert_eq!(
            describe_slot(&m, m.layout.period(Metric::Revenue, 3)),
            "revenue in period 3 (ending 1.00 years after the start)"
        );
    }

    /// A block's columns go into moments and sketches; an empty block, or
    /// an empty column among others, adds nothing; a column that is not
    /// finite is reported with its path.
    #[test]
    fn gathering_a_block() {
        let block = [1.0, 2.0, 3.0, 10.0, 20.0, f64::NAN];
        let (slots, stride) = ([0, 1], 3);
        let mut moments = ChunkMoments::new(2);
        let mut sketches = vec![Sketch::new(); 2];
        assert_eq!(gather_block(Width::widest(), &mut moments, &mut sketches, &block, stride, 0, &slots), None);
        assert_eq!((moments.n, sketches[0].count()), (0, 0));
        assert_eq!(gather_block(Width::widest(), &mut moments, &mut sketches, &block, stride, 2, &slots), None);
        assert_eq!((moments.n, sketches[0].count(), sketches[1].count()), (2, 2, 2));
        assert_eq!((sketches[1].min(), sketches[1].max()), (10.0, 20.0));
        // An empty column among others adds nothing.
        moments.start_block(2);
        let columns = [(0, &block[..2]), (1, &block[..0]), (0, &block[1..3])];
        assert_eq!(gather_columns(Width::widest(), &mut moments, &mut sketches, &columns), None);
        assert_eq!((moments.n, sketches[0].count(), sketches[1].count()), (4, 6, 2));
        let fault = gather_block(Width::widest(), &mut moments, &mut sketches, &block, stride, 3, &slots);
        assert!(matches!(fault, Some((1, Some(2), v)) if v.is_nan()), "{fault:?}");
    }

    /// Finite values whose squared deviations overflow name no path (no
    /// path's value is at fault) but the largest magnitude, and the message
    /// says that the statistics overflowed, not the value.
    #[test]
    fn finite_values_whose_statistics_overflow_are_reported_as_such() {
        let block = [3.0, 1e155, -2e155, 1e154];
        let mut moments = ChunkMoments::new(1);
        let mut sketches = vec![Sketch::new()];
        let fault = gather_block(Width::widest(), &mut moments, &mut sketches, &block, 4, 4, &[0]);
        assert_eq!(fault, Some((0, None, 2e155)));
        let e = EngineError::NonFinite { quantity: "revenue in 2117".into(), value: 2e155, path: None };
        let text = e.to_string();
        assert!(
            text.contains("the statistics of revenue in 2117 overflow: its values are finite, up to about 2.0e155")
        );
        assert!(text.contains("fix: lower the starting revenue or the growth, or simulate fewer years"), "{text}");
        assert!(!text.contains("path"), "{text}");
    }

    /// The gathering compiled for each width the processor has leaves the
    /// same moments and sketches, bit for bit: spread-out values, zeros
    /// among positive values (a payment once some caps bound), a pile of
    /// copies of the largest value (a cumulative payment at its cap), and
    /// negative values.
    #[test]
    fn gathering_is_the_same_at_every_width() {
        let (paths, stride) = (1000, 1024);
        let mut block = vec![0.0; 4 * stride];
        for j in 0..paths {
            let u = (j as f64 * 0.618_033_988_749_895).fract();
            block[j] = 30.0 * (4.0 * u - 2.0).exp();
            block[stride + j] = if j % 3 == 0 { 0.0 } else { 5.0 * u };
            block[2 * stride + j] = if j % 4 == 0 { 38.0 * u } else { 38.0 };
            block[3 * stride + j] = 100.0 * (u - 0.4);
        }
        let slots = [0, 1, 2, 3];
        let gathered = |width: Width| {
            let mut moments = ChunkMoments::new(4);
            let mut sketches = vec![Sketch::new(); 4];
            for _ in 0..3 {
                assert_eq!(gather_block(width, &mut moments, &mut sketches, &block, stride, paths, &slots), None);
            }
            format!("{moments:?} {sketches:?}")
        };
        let baseline = gathered(Width::baseline());
        for width in Width::supported() {
            assert_eq!(gathered(width), baseline, "{width:?}");
        }
    }

    /// Gathering a block with each column's moments' pass made while the
    /// column before it is counted (where it can be) leaves the same
    /// moments and sketches, bit for bit, as a pass and then a count for
    /// each column in turn, at every width the processor has and any number
    /// of paths: spread-out columns in a row (each pass made ahead handed
    /// on), columns whose counting cannot make the next one's pass (zeros,
    /// negative values, a 0/1 flag) between them, a pile of copies of the
    /// largest value, and a column so wide that its sketch, held to the
    /// fewest buckets, coarsens while counting. A column that is not
    /// finite, whose pass was made ahead, is caught as one whose pass was not.
    #[test]
    fn gathering_with_passes_made_ahead_is_column_by_column() {
        use crate::stats::sketch::MIN_BUCKETS;
        let stride = 1024;
        let kinds = 9;
        let mut block = vec![0.0; kinds * stride];
        for j in 0..stride {
            let u = (j as f64 * 0.618_033_988_749_895).fract();
            let v = (j as f64 * 0.414_213_562_373_095).fract();
            block[j] = 30.0 * (4.0 * u - 2.0).exp();
            block[stride + j] = 1.0 + v;
            block[2 * stride + j] = (40.0 * u).exp();
            block[3 * stride + j] = if j % 3 == 0 { 0.0 } else { 5.0 * u };
            block[4 * stride + j] = 7.0 * (2.0 * v).exp();
            block[5 * stride + j] = if j % 4 == 0 { 1.0 + 37.0 * u } else { 38.0 };
            block[6 * stride + j] = 100.0 * (u - 0.4);
            block[7 * stride + j] = if u < 0.3 { 1.0 } else { 0.0 };
            block[8 * stride + j] = 1e6 + v;
        }
        // Three blocks, the wide column's values 1000 times larger in each:
        // its sketch coarsens again as the later ones are counted.
        let blocks: Vec<Vec<f64>> = (0..3)
            .map(|k| {
                let mut b = block.clone();
                b[2 * stride..3 * stride].iter_mut().for_each(|x| *x *= 1e3f64.powi(k));
                b
            })
            .collect();
        let slots: Vec<usize> = (0..kinds).collect();
        let sketches = || vec![Sketch::with_limit(MIN_BUCKETS); kinds];
        for paths in [1, 7, 8, 9, 255, 256, 1000] {
            let one_at_a_time = |width: Width| {
                let (mut moments, mut sketches) = (ChunkMoments::new(kinds), sketches());
                for block in &blocks {
                    moments.start_block(paths);
                    for &s in &slots {
                        let column = &block[s * stride..s * stride + paths];
                        let (lo, hi) = moments.add_column(width, s, column).expect("finite");
                        // SAFETY: finite, and lo and hi are its extremes.
                        unsafe { sketches[s].add_slice_within(width, column, lo, hi) };
                    }
                }
                format!("{moments:?} {sketches:?}")
            };
            for width in Width::supported() {
                let (mut moments, mut sketches) = (ChunkMoments::new(kinds), sketches());
                let mut bits = Vec::new();
                for block in &blocks {
                    assert_eq!(gather_block(width, &mut moments, &mut sketches, block, stride, paths, &slots), None);
                    bits.push(sketches[2].mantissa_bits());
                }
                if paths >= 255 {
                    assert!(bits[1] < bits[0] && bits[0] < MANTISSA_BITS, "the wide column coarsened: {bits:?}");
                }
                assert_eq!(format!("{moments:?} {sketches:?}"), one_at_a_time(width), "{width:?}, {paths} paths");
            }
        }
        // Past exact mode (a first block of finite values), the pass of the
        // second column is made while the first is counted.
        let mut bad = block.clone();
        bad[stride + 5] = f64::NAN;
        for width in Width::supported() {
            let (mut moments, mut sketches) = (ChunkMoments::new(kinds), sketches());
            assert_eq!(gather_block(width, &mut moments, &mut sketches, &block, stride, 256, &slots), None);
            let found = gather_block(width, &mut moments, &mut sketches, &bad, stride, 256, &slots);
            let (s, j, value) = found.expect("caught");
            assert_eq!((s, j, value.is_nan()), (1, Some(5), true), "{width:?}");
        }
    }

    /// Gathering a block's values as it hands them on, a period at a time
    /// (as a run does), leaves the same moments and sketches, bit for bit,
    /// as gathering the whole block of values at once in slot order, on
    /// shipped scenarios with and without a counter-share and with monthly
    /// steps, over several blocks (the first of a chunk sets the shifts).
    #[test]
    fn gathering_as_a_block_hands_its_values_on_is_gathering_the_whole_block() {
        use rand::SeedableRng;
        for name in ["amended-2026", "old-terms", "bull"] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("scenarios/{name}.toml"));
            let mut s = crate::scenario::Scenario::load(&path).expect("shipped scenario");
            if name == "bull" {
                s.steps_per_year = 12;
            }
            let model = Model::new(&s);
            let (slots, n) = (model.layout.len(), 100);
            let alias = model.aliases();
            let gathered: Vec<usize> = (0..slots).filter(|s| alias[*s] == *s).collect();
            let fresh = || (ChunkMoments::new(slots), vec![sketch_for(gathered.len()); slots]);
            let (mut whole, mut handed) = (fresh(), fresh());
            let (mut rng, mut scratch) = (Xoshiro256PlusPlus::seed_from_u64(9), model.scratch());
            let mut events = vec![PathEvents::default(); n];
            for _ in 0..3 {
                let mut block = model.gathering_block(n);
                for j in 0..n {
                    model.draw_path(&mut rng, &mut scratch, &mut block, j);
                }
                let mut values = vec![0.0; slots * n];
                model.finish_block(&mut block.clone(), n, &mut values, n, &mut events);
                let (moments, sketches) = (&mut whole.0, &mut whole.1);
                assert_eq!(gather_block(Width::widest(), moments, sketches, &values, n, n, &gathered), None);
                handed.0.start_block(n);
                let (moments, sketches) = (&mut handed.0, &mut handed.1);
                let mut gathering = Gathering { width: Width::widest(), moments, sketches, fault: None };
                model.finish_block_into(&mut block, n, &mut gathering, &mut events);
                assert_eq!(gathering.fault, None);
            }
            assert_eq!(whole.0.n, 3 * n as u64);
            assert_eq!(format!("{:?} {:?}", handed.0, handed.1), format!("{:?} {:?}", whole.0, whole.1), "{name}");
        }
    }

    #[test]
    fn blocks_divide_a_chunk_and_bound_memory() {
        assert_eq!(block_paths(228), 256);
        assert_eq!(block_paths(300), 256);
        assert_eq!(block_paths(1500), 128);
        assert_eq!(block_paths(12_000), 64);
        assert_eq!(block_paths(1), 256);
        for slots in [1, 7, 100, 228, 1000, 5000, 100_000] {
            let bp = block_paths(slots);
            assert_eq!(CHUNK_PATHS as usize % bp, 0, "{slots} slots");
            assert!(bp * slots <= (1 << 18) || bp == 64, "{slots} slots: {bp} paths");
        }
    }
}
