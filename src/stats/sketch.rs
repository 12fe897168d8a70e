//! A mergeable quantile sketch with relative accuracy (DDSketch: Masson, Rim
//! and Lee, "DDSketch: a fast and fully-mergeable quantile sketch with
//! relative-error guarantees", VLDB 2019), plus an exact mode for quantities
//! with few distinct values.
//!
//! A positive value x goes to bucket i = ⌈ln x / ln γ⌉ with γ = (1 + α)/(1 − α);
//! the bucket's representative 2γⁱ/(γ + 1) is within a relative α of every value
//! in it. Negative values use a mirrored store, values with |x| < [`ZERO`] a zero
//! count. Bucket counts are integers, so merging in any order gives the same
//! sketch, and hence the same percentiles for any number of threads. A store
//! holds at most [`MAX_BUCKETS`] buckets: beyond that the smallest magnitudes
//! are folded into the lowest kept bucket (a rule that depends only on the
//! data, not on the order it came in).
//!
//! While a quantity has taken at most [`EXACT_VALUES`] distinct values (a 0/1
//! flag, a fixed stake, a payment that is zero), the sketch keeps them exactly,
//! so its percentiles are exact too.
//!
//! Percentiles interpolate linearly between the order statistics at ⌊h⌋ and
//! ⌊h⌋ + 1 with h = (n − 1)·q, as NumPy does; each is within α of the true one.

/// Relative accuracy α of every percentile (MODEL.md §8 allows 1e-3).
pub const RELATIVE_ACCURACY: f64 = 0.95e-3;
/// Magnitudes below this are counted as zero (in $B: a thousandth of a cent).
pub const ZERO: f64 = 1e-15;
/// Most buckets per store.
pub const MAX_BUCKETS: usize = 1 << 15;
/// Distinct values kept exactly before switching to buckets.
pub const EXACT_VALUES: usize = 4;

#[derive(Clone, Copy, Debug)]
struct Mapping {
    ln_gamma: f64,
    inv_ln_gamma: f64,
    rep_factor: f64,
}

const fn gamma() -> f64 {
    (1.0 + RELATIVE_ACCURACY) / (1.0 - RELATIVE_ACCURACY)
}

impl Mapping {
    fn new() -> Self {
        let g = gamma();
        let ln_gamma = g.ln();
        Mapping { ln_gamma, inv_ln_gamma: 1.0 / ln_gamma, rep_factor: 2.0 / (1.0 + g) }
    }

    #[inline]
    fn index(&self, x: f64) -> i32 {
        (x.ln() * self.inv_ln_gamma).ceil() as i32
    }

    fn value(&self, i: i32) -> f64 {
        (f64::from(i) * self.ln_gamma).exp() * self.rep_factor
    }
}

/// Dense bucket counts over a sliding range of indices.
#[derive(Clone, Debug, Default)]
struct Store {
    counts: Vec<u64>,
    /// Index of `counts[0]`.
    offset: i32,
    /// Lowest and highest indices with a count (valid when `total > 0`).
    min_index: i32,
    max_index: i32,
    total: u64,
}

impl Store {
    #[inline]
    fn add(&mut self, index: i32, n: u64) {
        let mut i = index;
        if self.total == 0 {
            if self.counts.is_empty() {
                self.counts = vec![0; 64];
            }
            self.offset = i - 32;
            self.min_index = i;
            self.max_index = i;
        } else {
            let floor = self.max_index.saturating_sub(MAX_BUCKETS as i32 - 1);
            if i < floor {
                i = floor;
            }
            if i > self.max_index {
                self.max_index = i;
            }
            if i < self.min_index {
                self.min_index = i;
            }
        }
        let len = self.counts.len() as i32;
        if i < self.offset || i >= self.offset + len {
            self.grow(i);
        }
        self.counts[(i - self.offset) as usize] += n;
        self.total += n;
        if self.max_index - self.min_index >= MAX_BUCKETS as i32 {
            self.collapse();
        }
    }

    /// Make room for index `i`, with slack so that growth is amortised.
    #[cold]
    fn grow(&mut self, i: i32) {
        let lo = self.offset.min(i);
        let hi = (self.offset + self.counts.len() as i32 - 1).max(i);
        let span = (hi - lo + 1) as usize;
        let slack = (span / 2).max(64) as i32;
        let new_lo = if i < self.offset { lo - slack } else { lo };
        let new_hi = if i < self.offset { hi } else { hi + slack };
        let mut counts = vec![0; (new_hi - new_lo + 1) as usize];
        let shift = (self.offset - new_lo) as usize;
        counts[shift..shift + self.counts.len()].copy_from_slice(&self.counts);
        self.counts = counts;
        self.offset = new_lo;
    }

    /// Fold the smallest magnitudes so that at most MAX_BUCKETS remain.
    #[cold]
    fn collapse(&mut self) {
        let floor = self.max_index - (MAX_BUCKETS as i32 - 1);
        let mut folded = 0;
        for i in self.min_index..floor {
            let c = &mut self.counts[(i - self.offset) as usize];
            folded += *c;
            *c = 0;
        }
        self.counts[(floor - self.offset) as usize] += folded;
        self.min_index = floor;
        // Drop the emptied front so memory stays bounded.
        let cut = (floor - self.offset) as usize;
        if cut > MAX_BUCKETS / 2 {
            self.counts.drain(..cut);
            self.offset = floor;
        }
    }

    fn merge(&mut self, other: &Store) {
        if other.total == 0 {
            return;
        }
        for i in other.min_index..=other.max_index {
            let c = other.counts[(i - other.offset) as usize];
            if c > 0 {
                self.add(i, c);
            }
        }
    }

    /// Bucket index holding the `rank`-th smallest index (0-based).
    fn index_at_rank(&self, rank: u64, ascending: bool) -> i32 {
        let mut seen = 0;
        let range: Box<dyn Iterator<Item = i32>> = if ascending {
            Box::new(self.min_index..=self.max_index)
        } else {
            Box::new((self.min_index..=self.max_index).rev())
        };
        for i in range {
            seen += self.counts[(i - self.offset) as usize];
            if seen > rank {
                return i;
            }
        }
        self.max_index
    }
}

/// The distribution of one quantity over the simulated paths.
#[derive(Clone, Debug)]
pub struct Sketch {
    mapping: Mapping,
    /// Exact distinct values and their counts, while there are few of them.
    exact: Option<Vec<(f64, u64)>>,
    positive: Store,
    negative: Store,
    zeros: u64,
    count: u64,
    min: f64,
    max: f64,
    /// How many values equal `min` and `max` exactly: a capped total piles up
    /// at the cap, and its percentiles should say the cap, not a bucket.
    min_count: u64,
    max_count: u64,
}

impl Default for Sketch {
    fn default() -> Self {
        Self::new()
    }
}

impl Sketch {
    pub fn new() -> Self {
        Sketch {
            mapping: Mapping::new(),
            exact: Some(Vec::with_capacity(EXACT_VALUES)),
            positive: Store::default(),
            negative: Store::default(),
            zeros: 0,
            count: 0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            min_count: 0,
            max_count: 0,
        }
    }

    /// Number of values added.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Smallest value added (exact).
    pub fn min(&self) -> f64 {
        self.min
    }

    /// Largest value added (exact).
    pub fn max(&self) -> f64 {
        self.max
    }

    /// True while every value is kept exactly.
    pub fn is_exact(&self) -> bool {
        self.exact.is_some()
    }

    /// The distinct values and their counts, ascending, while exact.
    pub fn exact_values(&self) -> Option<Vec<(f64, u64)>> {
        let mut v = self.exact.clone()?;
        v.sort_by(|a, b| a.0.total_cmp(&b.0));
        Some(v)
    }

    /// Add a finite value.
    #[inline]
    pub fn add(&mut self, x: f64) {
        self.count += 1;
        if x <= self.min {
            self.min_count = if x == self.min { self.min_count + 1 } else { 1 };
            self.min = x;
        }
        if x >= self.max {
            self.max_count = if x == self.max { self.max_count + 1 } else { 1 };
            self.max = x;
        }
        if let Some(exact) = &mut self.exact {
            if let Some(e) = exact.iter_mut().find(|e| e.0 == x) {
                e.1 += 1;
                return;
            }
            if exact.len() < EXACT_VALUES {
                exact.push((x, 1));
                return;
            }
            self.spill();
        }
        self.bucket(x, 1);
    }

    #[inline]
    fn bucket(&mut self, x: f64, n: u64) {
        if x > ZERO {
            self.positive.add(self.mapping.index(x), n);
        } else if x < -ZERO {
            self.negative.add(self.mapping.index(-x), n);
        } else {
            self.zeros += n;
        }
    }

    /// Leave exact mode: move the exact values into buckets.
    #[cold]
    fn spill(&mut self) {
        if let Some(exact) = self.exact.take() {
            for (x, n) in exact {
                self.bucket(x, n);
            }
        }
    }

    /// Add everything from `other` (order does not matter).
    pub fn merge(&mut self, other: &Sketch) {
        if other.count == 0 {
            return;
        }
        self.count += other.count;
        if other.min < self.min {
            (self.min, self.min_count) = (other.min, other.min_count);
        } else if other.min == self.min {
            self.min_count += other.min_count;
        }
        if other.max > self.max {
            (self.max, self.max_count) = (other.max, other.max_count);
        } else if other.max == self.max {
            self.max_count += other.max_count;
        }
        if let (Some(mine), Some(theirs)) = (&mut self.exact, &other.exact) {
            for &(x, n) in theirs {
                match mine.iter_mut().find(|e| e.0 == x) {
                    Some(e) => e.1 += n,
                    None => mine.push((x, n)),
                }
            }
            if mine.len() <= EXACT_VALUES {
                return;
            }
            self.spill();
            return;
        }
        self.spill();
        match &other.exact {
            Some(theirs) => {
                for &(x, n) in theirs {
                    self.bucket(x, n);
                }
            }
            None => {
                self.positive.merge(&other.positive);
                self.negative.merge(&other.negative);
                self.zeros += other.zeros;
            }
        }
    }

    /// The `rank`-th smallest value (0-based), exactly or within α.
    fn value_at_rank(&self, rank: u64) -> f64 {
        if let Some(sorted) = self.exact_values() {
            let mut seen = 0;
            for (x, n) in sorted {
                seen += n;
                if seen > rank {
                    return x;
                }
            }
            return self.max;
        }
        if rank < self.min_count {
            return self.min;
        }
        if rank >= self.count - self.max_count {
            return self.max;
        }
        let v = if rank < self.negative.total {
            -self.mapping.value(self.negative.index_at_rank(rank, false))
        } else if rank < self.negative.total + self.zeros {
            0.0
        } else {
            self.mapping.value(self.positive.index_at_rank(rank - self.negative.total - self.zeros, true))
        };
        v.clamp(self.min, self.max)
    }

    /// Approximate number of values ≤ `x` (exact in exact mode; otherwise whole
    /// buckets are counted, so the count is right to within one bucket of
    /// relative width α around `x`).
    pub fn rank(&self, x: f64) -> u64 {
        if self.count == 0 || x < self.min {
            return 0;
        }
        if x >= self.max {
            return self.count;
        }
        if let Some(sorted) = self.exact_values() {
            return sorted.iter().filter(|(v, _)| *v <= x).map(|(_, n)| n).sum();
        }
        let below = |store: &Store, bound: i32, ascending_le: bool| -> u64 {
            if store.total == 0 {
                return 0;
            }
            (store.min_index..=store.max_index)
                .filter(|i| if ascending_le { *i <= bound } else { *i >= bound })
                .map(|i| store.counts[(i - store.offset) as usize])
                .sum()
        };
        if x < -ZERO {
            // Negative values ≤ x are those with magnitude ≥ |x|.
            below(&self.negative, self.mapping.index(-x), false)
        } else if x <= ZERO {
            self.negative.total + if x >= 0.0 { self.zeros } else { 0 }
        } else {
            self.negative.total + self.zeros + below(&self.positive, self.mapping.index(x), true)
        }
    }

    /// Counts of values in consecutive bins with the given ascending edges:
    /// bin i holds values in (edges[i], edges[i + 1]] (the first bin also
    /// holds values equal to edges[0]).
    pub fn histogram(&self, edges: &[f64]) -> Vec<u64> {
        let ranks: Vec<u64> = edges.iter().map(|e| self.rank(*e)).collect();
        let mut counts: Vec<u64> = ranks.windows(2).map(|w| w[1].saturating_sub(w[0])).collect();
        if let Some(first) = counts.first_mut() {
            let at_edge = self.rank(edges[0]) - self.rank(edges[0].next_down());
            *first += at_edge;
        }
        counts
    }

    /// Percentile `q` in [0, 1] by linear interpolation (NumPy's default).
    /// NaN when the sketch is empty.
    pub fn quantile(&self, q: f64) -> f64 {
        if self.count == 0 {
            return f64::NAN;
        }
        let h = (self.count - 1) as f64 * q;
        let lo = h.floor() as u64;
        let frac = h - lo as f64;
        let a = self.value_at_rank(lo);
        if frac == 0.0 || lo + 1 >= self.count {
            return a;
        }
        let b = self.value_at_rank(lo + 1);
        a + frac * (b - a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::exact_percentile;

    fn lcg(seed: &mut u64) -> f64 {
        *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (*seed >> 11) as f64 / (1u64 << 53) as f64
    }

    #[test]
    fn percentiles_within_relative_accuracy() {
        let mut s = 42;
        let mut xs: Vec<f64> = (0..20_000).map(|_| (lcg(&mut s) * 8.0 - 2.0).exp() - 0.5).collect();
        let mut sk = Sketch::new();
        for &x in &xs {
            sk.add(x);
        }
        xs.sort_by(f64::total_cmp);
        for q in [0.0, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 1.0] {
            let exact = exact_percentile(&xs, q);
            let approx = sk.quantile(q);
            assert!((approx - exact).abs() <= 1e-3 * exact.abs() + 1e-12, "q={q}: {approx} vs {exact}");
        }
    }

    #[test]
    fn merge_order_does_not_matter() {
        let mut s = 7;
        let xs: Vec<f64> = (0..5000).map(|_| lcg(&mut s) * 100.0 - 30.0).collect();
        let mut whole = Sketch::new();
        xs.iter().for_each(|x| whole.add(*x));
        let mut parts: Vec<Sketch> = xs
            .chunks(333)
            .map(|c| {
                let mut k = Sketch::new();
                c.iter().for_each(|x| k.add(*x));
                k
            })
            .collect();
        parts.reverse();
        let mut merged = Sketch::new();
        parts.iter().for_each(|p| merged.merge(p));
        for q in [0.05, 0.5, 0.95] {
            assert_eq!(whole.quantile(q).to_bits(), merged.quantile(q).to_bits());
        }
    }

    #[test]
    fn few_distinct_values_are_exact() {
        let mut sk = Sketch::new();
        for i in 0..1000 {
            sk.add(if i < 300 { 0.0 } else { 1.0 });
        }
        assert!(sk.is_exact());
        assert_eq!(sk.quantile(0.5), 1.0);
        assert_eq!(sk.quantile(0.05), 0.0);
        // h = 999·0.3 = 299.7: between the last 0 (rank 299) and the first 1.
        assert!((sk.quantile(0.3) - 0.7).abs() < 1e-12);
    }

    #[test]
    fn a_pile_at_the_maximum_is_reported_exactly() {
        let mut sk = Sketch::new();
        for i in 0..1000 {
            sk.add(if i % 10 == 0 { 20.0 + i as f64 / 100.0 } else { 38.0 });
        }
        assert!(!sk.is_exact());
        assert_eq!(sk.quantile(0.5), 38.0);
        assert!(sk.quantile(0.05) < 38.0);
    }

    #[test]
    fn histogram_counts_every_value_once() {
        let mut s = 3;
        let mut sk = Sketch::new();
        let xs: Vec<f64> = (0..10_000).map(|_| lcg(&mut s) * 10.0 - 2.0).collect();
        xs.iter().for_each(|x| sk.add(*x));
        let edges: Vec<f64> = (0..=12).map(|i| -2.0 + i as f64 * (10.0 / 12.0)).collect();
        let h = sk.histogram(&edges);
        assert_eq!(h.iter().sum::<u64>(), 10_000);
        for (i, n) in h.iter().enumerate() {
            let exact = xs.iter().filter(|x| **x > edges[i] && **x <= edges[i + 1]).count() as i64;
            assert!((*n as i64 - exact).abs() <= 20, "bin {i}: {n} vs {exact}");
        }
    }

    #[test]
    fn memory_stays_bounded_over_a_huge_range() {
        let mut sk = Sketch::new();
        for i in 0..2000 {
            sk.add(10f64.powi(i % 600 - 300));
        }
        assert!(sk.positive.counts.len() <= MAX_BUCKETS * 2);
        assert_eq!(sk.quantile(1.0), sk.max());
        assert!(sk.max() > 0.99e299);
        assert!(sk.quantile(0.5) > 0.0);
    }
}
