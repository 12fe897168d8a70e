//! A mergeable quantile sketch with relative accuracy (DDSketch: Masson, Rim
//! and Lee, "DDSketch: a fast and fully-mergeable quantile sketch with
//! relative-error guarantees", VLDB 2019), plus an exact mode for quantities
//! with few distinct values.
//!
//! A positive value goes to the bucket named by the top bits of its float:
//! its exponent and the first nine bits of its mantissa (one shift of its
//! bits). Each power of two is split into 512 buckets of equal width, so no
//! bucket spans a ratio above 1 + 2⁻⁹, and the bucket's representative, the
//! harmonic mean of its bounds, is within a relative α = 1/1025 ≈ 0.98e-3 of
//! every value in it. DDSketch's logarithmic mapping needs about 30% fewer
//! buckets for the same α, but costs a logarithm (or a polynomial) per value;
//! the sketch is the run's largest cost after the random numbers, and the
//! shift makes it about a third faster. Negative values use a mirrored store,
//! values with |x| < [`ZERO`] a zero
//! count. Bucket counts are integers, so merging in any order gives the same
//! sketch, and hence the same percentiles for any number of threads. A store
//! holds at most a fixed number of buckets (its *limit*, [`MAX_BUCKETS`] unless
//! the engine asks for fewer to bound the memory of a run with many
//! statistics): beyond that the smallest magnitudes are folded into the lowest
//! kept bucket (a rule that depends only on the data, not on the order it came
//! in), and the sketch remembers that it did, so that a run can say which
//! low percentiles are only bounds.
//!
//! While a quantity has taken at most [`EXACT_VALUES`] distinct values (a 0/1
//! flag, a fixed stake, a payment that is zero), the sketch keeps them exactly,
//! so its percentiles are exact too.
//!
//! Percentiles interpolate linearly between the order statistics at ⌊h⌋ and
//! ⌊h⌋ + 1 with h = (n − 1)·q, as NumPy does; each is within α of the true one.

use crate::simd::Width;

/// Relative accuracy α of every percentile (MODEL.md §8 allows 1e-3): the
/// widest bucket, [2ᵉ, 2ᵉ(1 + 2⁻⁹)), holds values within 1/1025 of its
/// harmonic mean.
pub const RELATIVE_ACCURACY: f64 = 1.0 / 1025.0;
const _: () = assert!(RELATIVE_ACCURACY < 1e-3, "MODEL.md §8");
/// Magnitudes below this are counted as zero (in $B: a thousandth of a cent).
pub const ZERO: f64 = 1e-15;
/// Most buckets per store (a range of 2⁶⁴ between the largest and the
/// smallest magnitude kept apart).
pub const MAX_BUCKETS: usize = 1 << 15;
/// Fewest buckets the engine may ask for (a range of 2⁴ = 16).
pub const MIN_BUCKETS: usize = 1 << 11;
/// Longest slice [`Sketch::add_slice`] indexes in one go (on the stack).
const SLICE: usize = 256;

/// A batch's largest value is counted apart when at least one value in
/// `MANY` is a copy of it.
const MANY: usize = 16;
/// Most values one sketch may hold (bucket counts are 32-bit).
pub const MAX_COUNT: u64 = u32::MAX as u64;
/// Distinct values kept exactly before switching to buckets.
pub const EXACT_VALUES: usize = 4;

/// Bits of the mantissa a bucket index keeps: 2⁹ = 512 buckets per power of two.
const MANTISSA_BITS: u32 = 9;
/// Shift from a float's bits to its bucket index.
const SHIFT: u32 = 52 - MANTISSA_BITS;

/// Bucket indices of positive values, and the lowest and highest of them
/// (exactly: [`Store::add_indices_within`] relies on it), in a loop the
/// compiler vectorises.
#[inline(always)]
fn index_into(xs: &[f64], out: &mut [i32]) -> (i32, i32) {
    // Every index in `out` is then one of those whose range is returned.
    assert_eq!(xs.len(), out.len(), "one index per value");
    let (mut lo, mut hi) = (i32::MAX, i32::MIN);
    for (i, &x) in out.iter_mut().zip(xs) {
        let v = bucket(x);
        *i = v;
        lo = lo.min(v);
        hi = hi.max(v);
    }
    (lo, hi)
}

crate::simd::multiversion! {
    /// [`index_into`] with the vectors of `width`.
    fn index_wide(xs: &[f64], out: &mut [i32]) -> (i32, i32) = index_into;
}

/// How many of `xs` equal `lo` and how many equal `hi`, in one pass that the
/// compiler vectorises.
#[inline(always)]
fn count_pair_lanes(xs: &[f64], lo: f64, hi: f64) -> (u64, u64) {
    let (mut n_lo, mut n_hi) = (0u64, 0u64);
    for &x in xs {
        n_lo += u64::from(x == lo);
        n_hi += u64::from(x == hi);
    }
    (n_lo, n_hi)
}

crate::simd::multiversion! {
    /// [`count_pair_lanes`] with the vectors of `width`.
    fn count_pair(xs: &[f64], lo: f64, hi: f64) -> (u64, u64) = count_pair_lanes;
}

/// Smallest and largest of a non-empty slice of finite values, for
/// [`Sketch::add_slice`]. (The engine gets a column's extremes from the same
/// read as its moments, `ChunkMoments::add_column`, so this is off the hot path.)
fn extremes(xs: &[f64]) -> (f64, f64) {
    xs.iter().fold((xs[0], xs[0]), |(lo, hi), &x| (if x < lo { x } else { lo }, if x > hi { x } else { hi }))
}

/// Copies the values of `part` (at most [`SLICE`]) above [`ZERO`] other than
/// `drop`, in order, to the front of `kept`; returns how many, and how many
/// values were zeros (at most [`ZERO`]).
#[inline]
fn compact(width: Width, part: &[f64], drop: f64, kept: &mut [f64; SLICE]) -> (usize, usize) {
    debug_assert!(part.len() <= SLICE);
    #[cfg(target_arch = "x86_64")]
    if width.is_avx512() {
        // SAFETY: a width at the AVX-512 level is only made once the
        // processor has been checked to support it.
        return unsafe { compact_avx512(part, drop, kept) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = width;
    compact_scalar(part, drop, kept, 0, 0)
}

#[inline(always)]
fn compact_scalar(part: &[f64], drop: f64, kept: &mut [f64; SLICE], mut k: usize, mut zeros: usize) -> (usize, usize) {
    for &x in part {
        // Branch-free: every value is written, and its slot only kept when
        // the value is (the `min` only spares the compiler a bounds check).
        kept[k.min(SLICE - 1)] = x;
        k += usize::from(x > ZERO && x != drop);
        zeros += usize::from(x <= ZERO);
    }
    (k, zeros)
}

/// [`compact`] eight values at a time with AVX-512's compress (into a
/// register, then one whole store: storing compressed to memory is slow on
/// some processors).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn compact_avx512(part: &[f64], drop: f64, kept: &mut [f64; SLICE]) -> (usize, usize) {
    use std::arch::x86_64::*;
    // Before the i-th group of eight, k ≤ 8·i, so the group's store ends at
    // 8·(i + 1) ≤ part.len() ≤ SLICE (the length of `kept`): checked here,
    // once per call.
    assert!(part.len() <= SLICE, "compact takes at most {SLICE} values");
    let zero = _mm512_set1_pd(ZERO);
    let dropped = _mm512_set1_pd(drop);
    let (mut k, mut zeros) = (0, 0);
    let mut eights = part.chunks_exact(8);
    for e in &mut eights {
        // SAFETY: `e` holds eight values; `k + 8` is at most `part.len()`
        // here (see above), so the store of eight stays inside `kept`.
        unsafe {
            let v = _mm512_loadu_pd(e.as_ptr());
            // Ordered comparisons are false for NaN and the unordered
            // not-equal true, as Rust's `>`, `<=` and `!=` are.
            let keep = _mm512_cmp_pd_mask::<_CMP_GT_OQ>(v, zero) & _mm512_cmp_pd_mask::<_CMP_NEQ_UQ>(v, dropped);
            let zero_mask = _mm512_cmp_pd_mask::<_CMP_LE_OQ>(v, zero);
            _mm512_storeu_pd(kept.as_mut_ptr().add(k), _mm512_maskz_compress_pd(keep, v));
            k += keep.count_ones() as usize;
            zeros += zero_mask.count_ones() as usize;
        }
    }
    compact_scalar(eights.remainder(), drop, kept, k, zeros)
}

/// Bucket of a positive finite value: the float's exponent and the top
/// [`MANTISSA_BITS`] of its mantissa, which for positive floats grow with the
/// value (at most 2²¹, so an i32 holds it; one shift, which vectorises).
#[inline(always)]
fn bucket(x: f64) -> i32 {
    (x.to_bits() >> SHIFT) as i32
}

/// Bucket i holds the values in [lo, hi).
fn bucket_bounds(i: i32) -> (f64, f64) {
    let i = i as u64;
    (f64::from_bits(i << SHIFT), f64::from_bits((i + 1) << SHIFT))
}

/// Representative of bucket i: the harmonic mean of its bounds (or its lower
/// bound, for the last bucket below infinity).
fn bucket_value(i: i32) -> f64 {
    let (lo, hi) = bucket_bounds(i);
    if hi.is_finite() { 2.0 * lo * hi / (lo + hi) } else { lo }
}

/// Dense bucket counts over a sliding range of at most `limit` indices.
///
/// A count is kept in two parts: its low eight bits in `low`, the array that
/// every value added touches (a quarter the size of 32-bit counts, so that
/// more of a thread's sketches stay in cache), and the rest, a multiple of
/// 256, in `high`, which a bucket touches once per 256 values.
#[derive(Clone, Debug)]
struct Store {
    limit: usize,
    /// Whether magnitudes were ever folded into the lowest bucket.
    folded: bool,
    low: Vec<u8>,
    high: Vec<u32>,
    /// Index of the first bucket.
    offset: i32,
    /// Lowest and highest indices with a count (valid when `total > 0`).
    min_index: i32,
    max_index: i32,
    total: u64,
}

impl Store {
    fn new(limit: usize) -> Self {
        Store {
            limit,
            folded: false,
            low: Vec::new(),
            high: Vec::new(),
            offset: 0,
            min_index: 0,
            max_index: 0,
            total: 0,
        }
    }

    /// Buckets held.
    fn len(&self) -> usize {
        self.low.len()
    }

    /// Count of the bucket at position `pos` (index `offset + pos`).
    #[inline]
    fn count(&self, pos: usize) -> u64 {
        u64::from(self.high[pos]) + u64::from(self.low[pos])
    }

    /// Every bucket's count, in index order from `offset`.
    fn counts(&self) -> Vec<u64> {
        (0..self.len()).map(|pos| self.count(pos)).collect()
    }

    /// Add `n` to the bucket at position `pos` (no count ever exceeds
    /// [`MAX_COUNT`], which the engine enforces).
    #[inline]
    fn add_at(&mut self, pos: usize, n: u64) {
        let c = self.count(pos) + n;
        self.low[pos] = c as u8;
        self.high[pos] = (c & !0xff) as u32;
    }

    #[inline(always)]
    fn add(&mut self, i: i32, n: u64) {
        let pos = i.wrapping_sub(self.offset) as u32 as usize;
        if pos < self.len() {
            // The array never spans more than `limit`, so an index inside
            // it needs no folding.
            self.add_at(pos, n);
            self.total += n;
            self.min_index = self.min_index.min(i);
            self.max_index = self.max_index.max(i);
        } else {
            self.add_slow(i, n);
        }
    }

    /// Count one value at each of `index`: with one range check when they all
    /// fall inside the array (the common case), else one by one.
    #[inline]
    fn add_indices(&mut self, index: &[i32]) {
        let Some(&first) = index.first() else { return };
        let (mut lo, mut hi) = (first, first);
        for &i in index {
            lo = lo.min(i);
            hi = hi.max(i);
        }
        // SAFETY: lo and hi are the smallest and largest of `index`.
        unsafe { self.add_indices_within(index, lo, hi) };
    }

    /// [`Store::add_indices`] for indices known to lie in `lo..=hi` (a
    /// non-empty slice): with one range check for the whole slice when they
    /// all fall inside the array.
    ///
    /// # Safety
    ///
    /// Every element of `index` must lie in `lo..=hi`.
    #[inline]
    unsafe fn add_indices_within(&mut self, index: &[i32], lo: i32, hi: i32) {
        // SAFETY: the caller's promise.
        unsafe { self.add_within(index, |i| i, lo, hi) }
    }

    /// Count each of `xs` (positive finite values) in its bucket, given the
    /// buckets of the smallest and the largest of them, `lo` and `hi`: the
    /// index of each value is taken in the counting loop itself (one shift),
    /// with no pass to store the indices first.
    ///
    /// # Safety
    ///
    /// `lo` and `hi` must be the buckets of values at most the smallest and
    /// at least the largest of `xs` (a bucket grows with the value, so
    /// every value's bucket then lies in `lo..=hi`).
    #[inline]
    unsafe fn add_values_within(&mut self, xs: &[f64], lo: i32, hi: i32) {
        // SAFETY: the caller's promise, and the buckets' order.
        unsafe { self.add_within(xs, bucket, lo, hi) }
    }

    /// Count one value in bucket `index(item)` for each item, where every
    /// such bucket lies in `lo..=hi` (the caller's promise): with one range
    /// check for the whole slice when they all fall inside the array (the
    /// common case), else one by one.
    #[inline(always)]
    unsafe fn add_within<T: Copy>(&mut self, items: &[T], index: impl Fn(T) -> i32, lo: i32, hi: i32) {
        let len = self.len() as i32;
        if self.total > 0 && lo >= self.offset && hi < self.offset + len {
            // Where index 0 would be in each array: `i`'s count is then at
            // `i` from there, with no subtraction of the offset for each value.
            let low = self.low.as_mut_ptr().wrapping_offset(-(self.offset as isize));
            let high = self.high.as_mut_ptr().wrapping_offset(-(self.offset as isize));
            // SAFETY (of every call): offset <= lo <= i <= hi < offset +
            // len, by the check above and the caller's promise that lo..=hi
            // holds every index, so `i` is inside both arrays. (A checked
            // index here costs about 5% of a run.)
            let bump = |i: i32| unsafe {
                let at = low.wrapping_offset(i as isize);
                let (count, carry) = (*at).overflowing_add(1);
                *at = count;
                if carry {
                    *high.wrapping_offset(i as isize) += 0x100;
                }
            };
            let mut quads = items.chunks_exact(4);
            for q in &mut quads {
                bump(index(q[0]));
                bump(index(q[1]));
                bump(index(q[2]));
                bump(index(q[3]));
            }
            for &t in quads.remainder() {
                bump(index(t));
            }
            self.total += items.len() as u64;
            self.min_index = self.min_index.min(lo);
            self.max_index = self.max_index.max(hi);
        } else {
            for &t in items {
                self.add(index(t), 1);
            }
        }
    }

    /// Lowest and highest indices with a count (`total` must be > 0).
    fn bounds(&self) -> (i32, i32) {
        (self.min_index, self.max_index)
    }

    /// An index outside the array. Indices more than `limit` below the
    /// highest are folded into the lowest kept one (a rule that depends only on
    /// the data); the array is extended, with slack so that growth is
    /// amortised, only when the folded index still falls outside it.
    #[cold]
    fn add_slow(&mut self, i: i32, n: u64) {
        let max = self.limit as i32;
        if self.total == 0 {
            self.min_index = i;
            self.max_index = i;
        } else {
            self.min_index = self.min_index.min(i);
            self.max_index = self.max_index.max(i);
        }
        let floor = self.max_index - (max - 1);
        if self.min_index < floor {
            self.folded = true;
            self.min_index = floor;
        }
        let target = i.max(floor);
        let pos = target.wrapping_sub(self.offset) as u32 as usize;
        if self.total > 0 && pos < self.len() && floor <= self.offset {
            self.add_at(pos, n);
            self.total += n;
            return;
        }
        let span = self.max_index - self.min_index + 1;
        let slack = (span / 2).max(32);
        let lo = (self.min_index - slack).max(floor);
        let hi = (self.max_index + slack).min(lo + max - 1);
        let (counts, offset) = (self.counts(), self.offset);
        let len = (hi - lo + 1) as usize;
        (self.low, self.high, self.offset) = (vec![0; len], vec![0; len], lo);
        for (j, c) in counts.into_iter().enumerate() {
            if c > 0 {
                let index = (offset + j as i32).max(floor);
                self.add_at((index - lo) as usize, c);
            }
        }
        self.add_at((target - lo) as usize, n);
        self.total += n;
    }

    fn merge(&mut self, other: &Store) {
        self.folded |= other.folded;
        for j in 0..other.len() {
            let c = other.count(j);
            if c > 0 {
                self.add(other.offset + j as i32, c);
            }
        }
    }

    /// Bucket index holding the `rank`-th smallest index (0-based).
    fn index_at_rank(&self, rank: u64, ascending: bool) -> i32 {
        let (min_index, max_index) = self.bounds();
        let live = (min_index - self.offset) as usize..=(max_index - self.offset) as usize;
        let mut seen = 0;
        let mut reached = |pos: &usize| {
            seen += self.count(*pos);
            seen > rank
        };
        let found = if ascending { live.clone().find(&mut reached) } else { live.clone().rev().find(&mut reached) };
        found.map_or(max_index, |pos| self.offset + pos as i32)
    }
}

/// The distribution of one quantity over the simulated paths.
#[derive(Clone, Debug)]
pub struct Sketch {
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
        Self::with_limit(MAX_BUCKETS)
    }

    /// A sketch whose stores keep at most `limit` buckets (clamped to
    /// [`MIN_BUCKETS`]..=[`MAX_BUCKETS`]).
    pub fn with_limit(limit: usize) -> Self {
        let limit = limit.clamp(MIN_BUCKETS, MAX_BUCKETS);
        Sketch {
            exact: Some(Vec::with_capacity(EXACT_VALUES)),
            positive: Store::new(limit),
            negative: Store::new(limit),
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

    /// True when the smallest magnitudes had to be folded together to bound
    /// memory: percentiles below the smallest kept magnitude are then only
    /// upper bounds (for positive values).
    pub fn folded(&self) -> bool {
        self.positive.folded || self.negative.folded
    }

    /// The largest magnitude that was folded away is below this.
    pub fn folded_below(&self) -> f64 {
        let (lo, _) = if self.positive.folded { self.positive.bounds() } else { (i32::MIN, 0) };
        if self.positive.folded { bucket_value(lo) } else { 0.0 }
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
        self.note_extremes(x, 1, x, 1);
        self.add_exact(x, 1);
    }

    /// Add many finite values (the fast path for a block of paths; a value
    /// that is not finite sends the slice one value at a time through
    /// [`Sketch::add`], which gives it no meaningful bucket).
    pub fn add_slice(&mut self, xs: &[f64]) {
        if xs.is_empty() {
            return;
        }
        if !xs.iter().all(|x| x.is_finite()) {
            xs.iter().for_each(|x| self.add(*x));
            return;
        }
        let (lo, hi) = extremes(xs);
        // SAFETY: the values are finite and these are their extremes.
        unsafe { self.add_slice_within(xs, lo, hi) };
    }

    /// [`Sketch::add_slice`] for a non-empty slice whose smallest and largest
    /// values, `lo` and `hi`, the caller has already found (the engine finds
    /// them in the same read of a column as its moments).
    ///
    /// # Safety
    ///
    /// `xs` must be non-empty and finite, and `lo` and `hi` its smallest and
    /// largest values: the counting loop writes where their buckets say,
    /// unchecked.
    pub unsafe fn add_slice_within(&mut self, xs: &[f64], lo: f64, hi: f64) {
        debug_assert!(!xs.is_empty());
        debug_assert_eq!((lo, hi), extremes(xs), "the extremes of the slice");
        let width = Width::widest();
        // The copies of the extremes count where they may be the running ones.
        let (at_min, at_max) = (lo <= self.min, hi >= self.max);
        let (all_lo, all_hi) = match at_min || at_max || self.exact.is_some() {
            true => count_pair(width, xs, lo, hi),
            false => (0, 0),
        };
        let (n_lo, n_hi) = (if at_min { all_lo } else { 0 }, if at_max { all_hi } else { 0 });
        self.note_extremes(lo, n_lo, hi, n_hi);
        self.count += xs.len() as u64;
        if self.exact.is_some() {
            if lo == hi {
                // One value throughout (a zero payment, a flag): one look-up.
                self.add_exact(lo, xs.len() as u64);
                return;
            }
            // Two values throughout (a 0/1 flag).
            if all_lo + all_hi == xs.len() as u64 {
                self.add_exact(lo, all_lo);
                self.add_exact(hi, all_hi);
                return;
            }
            // More (a stake with a few possible values), or the end of exact mode.
            for &x in xs {
                self.add_exact(x, 1);
            }
            return;
        }
        if lo == hi {
            // One value throughout (a payment once every path's cap has bound).
            self.bucket(lo, xs.len() as u64);
            return;
        }
        // Many copies of the largest value (a cumulative payment at its cap, a
        // stake no dilution touched) would all add to one bucket, one after
        // the other; they are counted at once instead.
        let many_hi = n_hi > 1 && n_hi as usize >= xs.len() / MANY;
        if lo > ZERO && !many_hi {
            // All positive and spread out, the common case: each value's
            // bucket is found as it is counted.
            let (low, high) = (bucket(lo), bucket(hi));
            // SAFETY: lo and hi are the smallest and largest of `xs`.
            unsafe { self.positive.add_values_within(xs, low, high) };
            return;
        }
        if lo >= -ZERO {
            // Zeros (a payment once some caps have bound) or many copies of
            // `hi`: those are counted, and only the rest indexed and added.
            let drop = if many_hi { hi } else { f64::NAN };
            let mut dropped_hi = 0;
            let (mut kept, mut positive) = ([0.0; SLICE], [0i32; SLICE]);
            for part in xs.chunks(SLICE) {
                let (k, zeros) = compact(width, part, drop, &mut kept);
                self.zeros += zeros as u64;
                dropped_hi += part.len() - k - zeros;
                if k > 0 {
                    let index = &mut positive[..k];
                    let (low, high) = index_wide(width, &kept[..k], index);
                    // SAFETY: `index_into` returns the smallest and largest index.
                    unsafe { self.positive.add_indices_within(index, low, high) };
                }
            }
            if dropped_hi > 0 {
                self.bucket(hi, dropped_hi as u64);
            }
            return;
        }
        for part in xs.chunks(SLICE) {
            let mut positive = [0i32; SLICE];
            // Zeros (a payment once the cap has bound) or negative values too.
            let mut negative = [0i32; SLICE];
            let (mut np, mut nn) = (0, 0);
            for &x in part {
                if x > ZERO {
                    positive[np] = bucket(x);
                    np += 1;
                } else if x < -ZERO {
                    negative[nn] = bucket(-x);
                    nn += 1;
                } else {
                    self.zeros += 1;
                }
            }
            self.positive.add_indices(&positive[..np]);
            self.negative.add_indices(&negative[..nn]);
        }
    }

    /// Add `n` copies of `x` in exact mode (leaving it for the buckets if `x`
    /// is one distinct value too many, or if it was left already).
    fn add_exact(&mut self, x: f64, n: u64) {
        if let Some(exact) = &mut self.exact {
            if let Some(e) = exact.iter_mut().find(|e| e.0 == x) {
                e.1 += n;
                return;
            }
            if exact.len() < EXACT_VALUES {
                exact.push((x, n));
                return;
            }
            self.spill();
        }
        self.bucket(x, n);
    }

    /// Fold a batch's smallest value `lo` (seen `n_lo` times) and largest
    /// `hi` (`n_hi` times) into the running extremes and their counts.
    fn note_extremes(&mut self, lo: f64, n_lo: u64, hi: f64, n_hi: u64) {
        if lo < self.min {
            (self.min, self.min_count) = (lo, n_lo);
        } else if lo == self.min {
            self.min_count += n_lo;
        }
        if hi > self.max {
            (self.max, self.max_count) = (hi, n_hi);
        } else if hi == self.max {
            self.max_count += n_hi;
        }
    }

    #[inline]
    fn bucket(&mut self, x: f64, n: u64) {
        if x > ZERO {
            self.positive.add(bucket(x), n);
        } else if x < -ZERO {
            self.negative.add(bucket(-x), n);
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
            -bucket_value(self.negative.index_at_rank(rank, false))
        } else if rank < self.negative.total + self.zeros {
            0.0
        } else {
            bucket_value(self.positive.index_at_rank(rank - self.negative.total - self.zeros, true))
        };
        v.clamp(self.min, self.max)
    }

    /// Approximate number of values ≤ `x`: exact in exact mode; otherwise the
    /// buckets below `x` plus, for the bucket holding `x`, the share of it that
    /// lies below `x` (assuming values spread evenly in log scale inside a
    /// bucket; the values piled exactly at the minimum or maximum are placed
    /// exactly), so that histograms show no aliasing with the buckets.
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
        // Count of magnitudes in `store` strictly below bucket `b`, and in it.
        let split = |store: &Store, b: i32| -> (u64, u64) {
            let mut below = 0;
            let mut inside = 0;
            for j in 0..store.len() {
                let (i, c) = (store.offset + j as i32, store.count(j));
                if i < b {
                    below += c;
                } else if i == b {
                    inside = c;
                }
            }
            (below, inside)
        };
        // Fraction of bucket b's log-width below magnitude `a`.
        let fraction = |b: i32, a: f64| -> f64 {
            let (lo, hi) = bucket_bounds(b);
            ((a / lo).ln() / (hi / lo).ln()).clamp(0.0, 1.0)
        };
        let estimate = if x < -ZERO {
            // Negative values ≤ x are those with magnitude ≥ |x|.
            let b = bucket(-x);
            let (below, inside) = split(&self.negative, b);
            let above = self.negative.total - below - inside;
            above as f64 + inside as f64 * (1.0 - fraction(b, -x))
        } else if x <= ZERO {
            (self.negative.total + if x >= 0.0 { self.zeros } else { 0 }) as f64
        } else {
            let b = bucket(x);
            let (below, mut inside) = split(&self.positive, b);
            let mut exact = 0;
            // The pile at the maximum lies above x; the pile at the minimum below.
            if self.max > ZERO && bucket(self.max) == b {
                inside -= self.max_count.min(inside);
            }
            if self.min > ZERO && bucket(self.min) == b {
                let pile = self.min_count.min(inside);
                inside -= pile;
                exact += pile;
            }
            (self.negative.total + self.zeros + below + exact) as f64 + inside as f64 * fraction(b, x)
        };
        (estimate.round() as u64).min(self.count)
    }

    /// Counts of values in consecutive bins with the given ascending edges:
    /// bin i holds values in (`edges[i]`, `edges[i + 1]`] (the first bin also
    /// holds values equal to `edges[0]`).
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
    fn every_bucket_is_narrower_than_the_accuracy() {
        // Each power of two's first bucket is its widest (in ratio).
        for x in [1e-15, 2f64.powi(-40), 0.5, 1.0, 2.0, 1024.0, 2f64.powi(60), 1.5, 3.0, 1e9] {
            let (lo, hi) = bucket_bounds(bucket(x));
            assert!(hi / lo <= 1.0 + 1.0 / 512.0 + 1e-15, "bucket of {x}: [{lo}, {hi})");
            assert!((hi - lo) / (hi + lo) <= RELATIVE_ACCURACY * (1.0 + 1e-12), "bucket of {x}: [{lo}, {hi})");
        }
        // Indexing agrees with the bounds, and the representative is within α.
        for x in [1e-9, 0.37, 1.0, 1.5, 2.0, 38.0, 1234.5, 9.9e9, 1.0f64.next_down(), 2.0f64.next_down()] {
            let i = bucket(x);
            let (lo, hi) = bucket_bounds(i);
            assert!(lo <= x && x < hi, "{x} not in bucket {i} = [{lo}, {hi})");
            assert!((bucket_value(i) - x).abs() <= RELATIVE_ACCURACY * x * (1.0 + 1e-12), "{x}: {}", bucket_value(i));
        }
        // The last bucket below infinity stands for its lower bound.
        assert_eq!(bucket_value(bucket(f64::MAX)), bucket_bounds(bucket(f64::MAX)).0);
    }

    /// Buckets follow the values' order (an index never falls as the value
    /// grows, and every bucket boundary is a value's own bucket), for any
    /// bits, and the vectorised batch indexing equals indexing one by one.
    /// The copies of a slice's extremes are counted alike at every vector
    /// width, whatever the slice's length (remainders included).
    #[test]
    fn copies_of_the_extremes_are_counted_at_every_width() {
        for len in [1, 7, 8, 9, 63, 64, 65, 1000] {
            let xs: Vec<f64> = (0..len).map(|i| [0.0, 2.0, 5.0, 2.0, 9.0, 5.0, 0.0][i % 7]).collect();
            for (lo, hi) in [(0.0, 9.0), (2.0, 5.0), (7.0, 7.0)] {
                let expect =
                    (xs.iter().filter(|x| **x == lo).count() as u64, xs.iter().filter(|x| **x == hi).count() as u64);
                for width in Width::supported() {
                    assert_eq!(count_pair(width, &xs, lo, hi), expect, "{len} values, {width:?}");
                }
            }
        }
    }

    #[test]
    fn index_grows_with_the_value_and_is_the_same_at_every_width() {
        let mut s = 17;
        let mut xs: Vec<f64> = (0..100_000)
            .map(|_| {
                let e = (lcg(&mut s) * 2000.0) as i32 - 1000;
                (1.0 + lcg(&mut s)) * 2f64.powi(e)
            })
            .collect();
        xs.extend((-60..60).map(|e| 2f64.powi(e)));
        xs.extend([1e-15, 38.0, f64::MAX, f64::MIN_POSITIVE, 0.3]);
        let mut sorted = xs.clone();
        sorted.sort_by(f64::total_cmp);
        for w in sorted.windows(2) {
            assert!(bucket(w[0]) <= bucket(w[1]), "{:e} then {:e}", w[0], w[1]);
        }
        for &x in &xs {
            let (lo, hi) = bucket_bounds(bucket(x));
            assert!(lo <= x && (x < hi || hi.is_infinite()), "{x:e}");
            assert_eq!(bucket(lo), bucket(x), "{x:e}");
        }
        let mut batch = vec![0; xs.len()];
        for (part, out) in xs.chunks(SLICE).zip(batch.chunks_mut(SLICE)) {
            let (lo, hi) = index_into(part, out);
            assert_eq!((lo, hi), (*out.iter().min().unwrap(), *out.iter().max().unwrap()));
        }
        assert!(xs.iter().zip(&batch).all(|(x, i)| bucket(*x) == *i));
        // With every vector width the processor has (AVX2 and AVX-512 on most
        // x86-64), the same.
        for width in Width::supported() {
            let mut wide = vec![0; xs.len()];
            for (part, out) in xs.chunks(SLICE).zip(wide.chunks_mut(SLICE)) {
                let (lo, hi) = index_wide(width, part, out);
                assert_eq!((lo, hi), (*out.iter().min().unwrap(), *out.iter().max().unwrap()));
            }
            assert_eq!(batch, wide, "{width:?}");
        }
        // Values added by slice or one by one land in the same buckets.
        let (mut one, mut all) = (Sketch::new(), Sketch::new());
        xs[..5000].iter().for_each(|x| one.add(*x));
        xs[..5000].chunks(300).for_each(|c| all.add_slice(c));
        assert_eq!(one.positive.counts(), all.positive.counts());
        assert_eq!(one.positive.offset, all.positive.offset);
    }

    /// Compaction keeps the values above zero other than the dropped one, in
    /// order, and counts the zeros, with every width and any length.
    #[test]
    fn compact_keeps_the_rest_in_order_with_any_width() {
        let mut s = 29;
        let xs: Vec<f64> = (0..SLICE)
            .map(|_| {
                let u = lcg(&mut s);
                if u < 0.3 {
                    0.0
                } else if u < 0.5 {
                    38.0
                } else {
                    u * 40.0
                }
            })
            .collect();
        for len in [0, 1, 7, 8, 9, 100, SLICE] {
            for drop in [38.0, f64::NAN] {
                let part = &xs[..len];
                let kept: Vec<f64> = part.iter().copied().filter(|x| *x > ZERO && *x != drop).collect();
                let zeros = part.iter().filter(|x| **x <= ZERO).count();
                for width in Width::supported() {
                    let mut out = [f64::NAN; SLICE];
                    let (k, z) = compact(width, part, drop, &mut out);
                    assert_eq!((&out[..k], z), (&kept[..], zeros), "{width:?}, {len} values, dropping {drop}");
                }
            }
        }
    }

    /// Many copies of the largest value, with zeros (a cumulative payment at
    /// its cap, a payment after it), are counted as if added one by one.
    #[test]
    fn many_copies_of_the_largest_value_are_counted_as_one_by_one() {
        let mut s = 31;
        let xs: Vec<f64> = (0..20_000)
            .map(|i| {
                let u = lcg(&mut s);
                let share = i as f64 / 20_000.0;
                if u < 0.1 * share { 0.0 } else { ((u * 4.0).exp() * (1.0 + 3.0 * share)).min(38.0) }
            })
            .collect();
        assert!(xs.iter().filter(|x| **x == 38.0).count() > 1000);
        for chunk in [100, 1024] {
            let (mut one, mut all) = (Sketch::new(), Sketch::new());
            xs.iter().for_each(|x| one.add(*x));
            xs.chunks(chunk).for_each(|c| all.add_slice(c));
            assert_eq!((one.zeros, one.max_count, one.min_count), (all.zeros, all.max_count, all.min_count));
            assert_eq!((one.positive.counts(), one.positive.offset), (all.positive.counts(), all.positive.offset));
            for q in [0.0, 0.1, 0.5, 0.9, 0.99, 1.0] {
                assert_eq!(one.quantile(q).to_bits(), all.quantile(q).to_bits(), "q={q}, chunks of {chunk}");
            }
        }
    }

    #[test]
    fn add_slice_equals_adding_one_by_one() {
        let mut s = 5;
        let xs: Vec<f64> = (0..3000).map(|_| (lcg(&mut s) * 6.0).exp() - 20.0).collect();
        let mut a = Sketch::new();
        xs.iter().for_each(|x| a.add(*x));
        let mut b = Sketch::new();
        xs.chunks(256).for_each(|c| b.add_slice(c));
        for q in [0.0, 0.05, 0.5, 0.95, 1.0] {
            assert_eq!(a.quantile(q).to_bits(), b.quantile(q).to_bits(), "q={q}");
        }
    }

    /// The slice paths for zeros mixed in (a payment once the cap has bound),
    /// for slices of one repeated value (exact mode) and for slices longer than
    /// the index buffer give the same sketch as adding one value at a time.
    #[test]
    fn add_slice_with_zeros_and_repeats_equals_adding_one_by_one() {
        let mut s = 11;
        let mut xs: Vec<f64> = Vec::new();
        for block in 0..40 {
            for _ in 0..128 {
                let u = lcg(&mut s);
                xs.push(match block % 4 {
                    0 => 0.0,
                    1 => 38.0,
                    2 if u < 0.3 => 0.0,
                    _ => (u * 5.0).exp() - if block > 30 { 3.0 } else { 0.0 },
                });
            }
        }
        for chunk in [128, 1000] {
            let mut a = Sketch::new();
            xs.iter().for_each(|x| a.add(*x));
            let mut b = Sketch::new();
            xs.chunks(chunk).for_each(|c| b.add_slice(c));
            assert_eq!(a.count(), b.count());
            assert_eq!((a.zeros, a.positive.total, a.negative.total), (b.zeros, b.positive.total, b.negative.total));
            for q in [0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0] {
                assert_eq!(a.quantile(q).to_bits(), b.quantile(q).to_bits(), "chunk {chunk} q={q}");
            }
        }
        // A slice longer than the index buffer whose maximum lies in its last
        // part, beyond every bucket so far, and whose zeros lie in another.
        let warm: Vec<f64> = (1..=10).map(f64::from).collect();
        let mut long: Vec<f64> = (0..3 * SLICE).map(|i| 1.0 + (i % 17) as f64).collect();
        long[3 * SLICE - 1] = 1e6;
        for x in long.iter_mut().skip(SLICE).take(SLICE).step_by(3) {
            *x = 0.0;
        }
        let (mut a, mut b) = (Sketch::new(), Sketch::new());
        warm.iter().chain(&long).for_each(|x| a.add(*x));
        b.add_slice(&warm);
        b.add_slice(&long);
        assert_eq!((a.zeros, a.positive.total), (b.zeros, b.positive.total));
        assert_eq!(a.positive.counts(), b.positive.counts());
        // Zeros beside values so much smaller than earlier ones that they are
        // folded into the lowest kept bucket (a store with few buckets, as in
        // a run with many statistics): the same as one by one, no panic.
        let mut big = Sketch::with_limit(MIN_BUCKETS);
        let mut one = Sketch::with_limit(MIN_BUCKETS);
        let large: Vec<f64> = (0..SLICE).map(|i| 1e6 + i as f64).collect();
        let small: Vec<f64> =
            (0..2 * SLICE).map(|i| if i % 3 == 0 { 0.0 } else { 1e-3 * (1 + i % 5) as f64 }).collect();
        for xs in [&large, &small, &large, &small] {
            big.add_slice(xs);
            xs.iter().for_each(|x| one.add(*x));
        }
        assert!(big.folded() && one.folded());
        assert_eq!((big.zeros, big.positive.total), (one.zeros, one.positive.total));
        assert_eq!(big.positive.counts(), one.positive.counts());
        assert_eq!(big.positive.offset, one.positive.offset);
        // Slices of two values (a 0/1 flag) stay exact, with the right counts,
        // and a slice that brings a fifth distinct value spills.
        let mut flag = Sketch::new();
        let mut one = Sketch::new();
        for b in 0..10 {
            let xs: Vec<f64> = (0..128).map(|i| if (i * 7 + b) % 10 < b { 1.0 } else { 0.0 }).collect();
            flag.add_slice(&xs);
            xs.iter().for_each(|x| one.add(*x));
        }
        assert!(flag.is_exact());
        assert_eq!(flag.exact_values(), one.exact_values());
        let mixed: Vec<f64> = (0..128).map(|i| [0.0, 1.0, 2.0, 3.0, 4.0][i % 5]).collect();
        flag.add_slice(&mixed);
        mixed.iter().for_each(|x| one.add(*x));
        assert!(!flag.is_exact());
        for q in [0.1, 0.5, 0.9, 0.99] {
            assert_eq!(flag.quantile(q).to_bits(), one.quantile(q).to_bits(), "q={q}");
        }
        // One repeated value per slice stays exact, and a fifth value spills.
        let mut c = Sketch::new();
        for v in [0.0, 1.0, 2.0, 3.0] {
            c.add_slice(&[v; 100]);
        }
        assert!(c.is_exact());
        assert_eq!(c.exact_values().unwrap(), vec![(0.0, 100), (1.0, 100), (2.0, 100), (3.0, 100)]);
        c.add_slice(&[4.0; 100]);
        assert!(!c.is_exact());
        assert_eq!(c.count(), 500);
        // (2 is a bucket's lower bound, where the error is α itself.)
        assert!((c.quantile(0.5) - 2.0).abs() <= 2.0 * RELATIVE_ACCURACY * (1.0 + 1e-12));
        assert_eq!((c.quantile(0.0), c.quantile(1.0)), (0.0, 4.0));
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

    /// A bucket's count is its low byte plus a high part that takes a carry
    /// every 256 values: counts past 255, 256, 511, 65 536 come out exact, by
    /// the vectorised path, one by one, and merged, and the percentiles see them.
    #[test]
    fn counts_carry_past_a_byte_exactly() {
        let (a, b) = (3.0, 5.0);
        for n in [255, 256, 257, 511, 512, 70_000] {
            let mut slices = Sketch::new();
            let mut one = Sketch::new();
            // Two spread values first, so that both sketches leave exact mode.
            let warm: Vec<f64> = (0..8).map(|i| 1.0 + f64::from(i) * 0.1).collect();
            slices.add_slice(&warm);
            warm.iter().for_each(|x| one.add(*x));
            // n values alternating between two buckets, in slices of 300.
            let xs: Vec<f64> = (0..2 * n).map(|i| if i % 2 == 0 { a } else { b }).collect();
            xs.chunks(300).for_each(|c| slices.add_slice(c));
            xs.iter().for_each(|x| one.add(*x));
            for sk in [&slices, &one] {
                let count = |x: f64| sk.positive.count((bucket(x) - sk.positive.offset) as usize);
                assert_eq!((count(a), count(b)), (n as u64, n as u64), "{n}");
                assert_eq!(sk.positive.total, 8 + 2 * n as u64);
            }
            assert_eq!(slices.positive.counts(), one.positive.counts());
            let mut merged = slices.clone();
            merged.merge(&one);
            let count = |x: f64| merged.positive.count((bucket(x) - merged.positive.offset) as usize);
            assert_eq!((count(a), count(b)), (2 * n as u64, 2 * n as u64));
            // Half the values are at most a's bucket, the rest in b's.
            assert!((slices.quantile(0.25) - a).abs() <= a * RELATIVE_ACCURACY * (1.0 + 1e-12));
            assert!((slices.quantile(0.75) - b).abs() <= b * RELATIVE_ACCURACY * (1.0 + 1e-12));
        }
    }

    /// A slice with a value that is not finite (which the engine never
    /// gives a sketch: it stops the run first) is still counted safely.
    #[test]
    fn a_slice_with_a_value_that_is_not_finite_is_counted_safely() {
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let mut sk = Sketch::new();
            sk.add_slice(&(1..=300).map(f64::from).collect::<Vec<_>>());
            let mut xs: Vec<f64> = (1..=300).map(f64::from).collect();
            xs[150] = bad;
            sk.add_slice(&xs);
            assert_eq!(sk.count(), 600);
            // It went through the checked path: a NaN counts as a zero, +∞
            // grows the store to its own bucket, −∞ goes to the negative
            // store (the unchecked path would have written a NaN or +∞ past
            // the store, which ended at 300's bucket).
            if bad.is_nan() {
                assert_eq!(sk.zeros, 1);
            } else if bad > 0.0 {
                assert_eq!(sk.positive.max_index, bucket(bad));
                assert!(sk.positive.len() > (bucket(bad) - sk.positive.offset) as usize);
            } else {
                assert_eq!(sk.negative.total, 1);
            }
        }
    }

    #[test]
    fn memory_stays_bounded_over_a_huge_range() {
        let mut sk = Sketch::new();
        for i in 0..2000 {
            sk.add(10f64.powi(i % 600 - 300));
        }
        assert!(sk.positive.len() <= MAX_BUCKETS);
        assert!(sk.folded());
        let mut small = Sketch::with_limit(MIN_BUCKETS);
        for i in 0..2000 {
            small.add(10f64.powi(i % 600 - 300));
        }
        assert!(small.positive.len() <= MIN_BUCKETS);
        assert_eq!(small.quantile(1.0), small.max());
        assert_eq!(sk.quantile(1.0), sk.max());
        assert!(sk.max() > 0.99e299);
        assert!(sk.quantile(0.5) > 0.0);
    }
}
