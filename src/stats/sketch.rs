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
//! values with |x| ≤ [`ZERO`] (zeros and subnormals) a zero count.
//!
//! A store holds at most a fixed number of buckets (its *limit*,
//! [`MAX_BUCKETS`] unless the engine asks for fewer to bound the memory of a
//! run with many statistics). When its values span more buckets than that, it
//! *coarsens*: it drops one more bit of mantissa, merging each pair of
//! adjacent buckets into one (index >> 1), as many times as the span needs.
//! The resolution falls evenly over the whole range, never at one end: with m
//! bits kept, α = 1/(2^(m+1) + 1) ([`relative_accuracy`]); at the limit's
//! floor, [`MIN_BUCKETS`] = 2048, even the whole range of floats fits with one
//! bucket per power of two (m = 0, α = 1/3). A store's resolution is the
//! coarsest that fits its lowest and highest index, so it depends only on the
//! values added, not on their order or on how they were split between
//! sketches: coarsening adds counts together exactly, and a sketch coarsened
//! early and one coarsened when merged end with the same counts.
//!
//! Bucket counts are integers, so merging in any order gives the same
//! sketch, and hence the same percentiles for any number of threads.
//!
//! While a quantity has taken at most [`EXACT_VALUES`] distinct values (a 0/1
//! flag, a fixed stake, a payment that is zero), the sketch keeps them exactly,
//! so its percentiles are exact too.
//!
//! Percentiles interpolate linearly between the order statistics at ⌊h⌋ and
//! ⌊h⌋ + 1 with h = (n − 1)·q, as NumPy does. Each order statistic is within
//! α of the true one, so a percentile is within α·max(|x⌊h⌋|, |x⌊h⌋₊₁|) of the
//! exact one: within α of it when the two order statistics have the same sign
//! (or one is zero), but not relative to the result when they straddle zero,
//! where the exact percentile may be as near zero as it likes (see
//! [`Sketch::quantile`]).

use crate::simd::Width;
use crate::stats::moments::{ColumnPass, EachLine, column_pass, column_pass_with};

/// Relative accuracy α of every percentile at full resolution (MODEL.md §8
/// allows 1e-3): the widest bucket, [2ᵉ, 2ᵉ(1 + 2⁻⁹)), holds values within
/// 1/1025 of its harmonic mean.
pub const RELATIVE_ACCURACY: f64 = relative_accuracy(MANTISSA_BITS);
const _: () = assert!(RELATIVE_ACCURACY < 1e-3, "MODEL.md §8");

/// Relative accuracy of buckets that keep `bits` bits of mantissa: the
/// widest, [2ᵉ, 2ᵉ(1 + 2⁻ᵐ)), holds values within 2⁻ᵐ/(2 + 2⁻ᵐ) =
/// 1/(2^(m+1) + 1) of its harmonic mean.
pub const fn relative_accuracy(bits: u32) -> f64 {
    1.0 / ((1u64 << (bits + 1)) as f64 + 1.0)
}

/// Magnitudes up to this, the largest subnormal float, are counted as zero:
/// ±0 and the subnormals (below 2.2e-308, the smallest normal float), whose
/// bits do not grow logarithmically with the value (a bucket of them would
/// hold values of any ratio). Every other value, however small, keeps its
/// relative accuracy. (It was 1e-15: tiny but real amounts, such as the
/// payments of a deal on a revenue of 1e-14, all counted as zeros.)
pub const ZERO: f64 = f64::from_bits(f64::MIN_POSITIVE.to_bits() - 1);
/// Most buckets per store (a range of 2⁶⁴ between the largest and the
/// smallest magnitude kept apart at full resolution).
pub const MAX_BUCKETS: usize = 1 << 15;
/// Fewest buckets the engine may ask for (a range of 2⁴ = 16 at full
/// resolution; every normal float, 2⁻¹⁰²² to 2¹⁰²⁴, with one bucket per power
/// of two).
pub const MIN_BUCKETS: usize = 1 << 11;
const _: () = assert!(MIN_BUCKETS >= 2048, "the whole range of floats fits at the coarsest resolution");
/// Longest slice [`Sketch::add_slice`] indexes in one go (on the stack).
const SLICE: usize = 256;

/// A batch's largest value is counted apart when at least one value in
/// `MANY` is a copy of it.
const MANY: usize = 16;
/// Most values one sketch may hold (bucket counts are 32-bit).
pub const MAX_COUNT: u64 = u32::MAX as u64;
/// Distinct values kept exactly before switching to buckets.
pub const EXACT_VALUES: usize = 4;

/// Bits of the mantissa a bucket index keeps at full resolution: 2⁹ = 512
/// buckets per power of two.
pub const MANTISSA_BITS: u32 = 9;
/// Shift from a float's bits to its bucket index at full resolution.
const SHIFT: u32 = 52 - MANTISSA_BITS;

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
/// read as its moments, `ChunkMoments::add_column` or `add_pass`, so this is
/// off the hot path.)
fn extremes(xs: &[f64]) -> (f64, f64) {
    xs.iter().fold((xs[0], xs[0]), |(lo, hi), &x| (if x < lo { x } else { lo }, if x > hi { x } else { hi }))
}

/// What [`compact`] kept of a part: how many values, how many zeros it
/// passed over, and the smallest and largest value kept (+∞ and −∞ when
/// none).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Kept {
    count: usize,
    zeros: usize,
    lo: f64,
    hi: f64,
}

/// Copies the values of `part` (at most [`SLICE`]) above [`ZERO`] other than
/// `drop`, in order, to the front of `kept`; says how many, how many values
/// were zeros (at most [`ZERO`]) and the extremes of those kept.
#[inline]
fn compact(width: Width, part: &[f64], drop: f64, kept: &mut [f64; SLICE]) -> Kept {
    debug_assert!(part.len() <= SLICE);
    #[cfg(target_arch = "x86_64")]
    if width.is_avx512() {
        // SAFETY: a width at the AVX-512 level is only made once the
        // processor has been checked to support it.
        return unsafe { compact_avx512(part, drop, kept) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = width;
    compact_scalar(part, drop, kept, Kept { count: 0, zeros: 0, lo: f64::INFINITY, hi: f64::NEG_INFINITY })
}

#[inline(always)]
fn compact_scalar(part: &[f64], drop: f64, kept: &mut [f64; SLICE], mut so_far: Kept) -> Kept {
    for &x in part {
        // Branch-free: every value is written, and its slot only kept when
        // the value is (the `min` only spares the compiler a bounds check).
        kept[so_far.count.min(SLICE - 1)] = x;
        let keep = x > ZERO && x != drop;
        so_far.count += usize::from(keep);
        so_far.zeros += usize::from(x <= ZERO);
        so_far.lo = if keep && x < so_far.lo { x } else { so_far.lo };
        so_far.hi = if keep && x > so_far.hi { x } else { so_far.hi };
    }
    so_far
}

/// [`compact`] eight values at a time with AVX-512's compress (into a
/// register, then one whole store: storing compressed to memory is slow on
/// some processors).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn compact_avx512(part: &[f64], drop: f64, kept: &mut [f64; SLICE]) -> Kept {
    use std::arch::x86_64::*;
    // Before the i-th group of eight, k ≤ 8·i, so the group's store ends at
    // 8·(i + 1) ≤ part.len() ≤ SLICE (the length of `kept`): checked here,
    // once per call.
    assert!(part.len() <= SLICE, "compact takes at most {SLICE} values");
    let zero = _mm512_set1_pd(ZERO);
    let dropped = _mm512_set1_pd(drop);
    let (mut lo, mut hi) = (_mm512_set1_pd(f64::INFINITY), _mm512_set1_pd(f64::NEG_INFINITY));
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
            // (Values kept are finite and positive, so min and max are exact.)
            lo = _mm512_mask_min_pd(lo, keep, v, lo);
            hi = _mm512_mask_max_pd(hi, keep, v, hi);
            k += keep.count_ones() as usize;
            zeros += zero_mask.count_ones() as usize;
        }
    }
    let so_far = Kept { count: k, zeros, lo: _mm512_reduce_min_pd(lo), hi: _mm512_reduce_max_pd(hi) };
    compact_scalar(eights.remainder(), drop, kept, so_far)
}

/// Bucket of a positive finite value at full resolution: the float's
/// exponent and the top [`MANTISSA_BITS`] of its mantissa, which for positive
/// floats grow with the value (at most 2²¹, so an i32 holds it; one shift,
/// which vectorises).
#[cfg(test)]
fn bucket(x: f64) -> i32 {
    index(x, SHIFT)
}

/// Bucket of a positive finite value at the resolution of `shift`
/// ([`SHIFT`] plus the mantissa bits dropped, at most 52): the top bits of its
/// float (one variable shift, which vectorises).
#[inline(always)]
fn index(x: f64, shift: u32) -> i32 {
    (x.to_bits() >> shift) as i32
}

/// Bucket i at the resolution of `shift` holds the values in [lo, hi).
fn bucket_bounds(i: i32, shift: u32) -> (f64, f64) {
    let i = i as u64;
    (f64::from_bits(i << shift), f64::from_bits((i + 1) << shift))
}

/// Representative of bucket i at the resolution of `shift`: the harmonic
/// mean of its bounds (or its lower bound, for the last bucket below
/// infinity).
fn bucket_value(i: i32, shift: u32) -> f64 {
    let (lo, hi) = bucket_bounds(i, shift);
    if !hi.is_finite() {
        return lo;
    }
    // 2·lo·hi/(lo + hi) with both bounds scaled by the power of two of `lo`,
    // so that lo·hi neither underflows (below about 1e-154) nor overflows
    // (above about 1e154). Scaling by a power of two is exact, so where the
    // plain formula does neither, this gives the same bits.
    let scale = f64::from_bits(lo.to_bits() & (0x7ff << 52));
    let (lo, hi) = (lo / scale, hi / scale);
    2.0 * lo * hi / (lo + hi) * scale
}

/// Dense bucket counts over a sliding range of at most `limit` indices, at
/// the coarsest resolution that fits every index counted into that range.
///
/// A count is kept in two parts: a low count in `low`, the small array that
/// every value added touches (so that more of a thread's sketches stay in
/// cache than 32-bit counts would), and the rest in `high`, which a bucket
/// touches rarely. The low counts are one of two [`Counts`].
#[derive(Clone, Debug)]
struct Store {
    limit: usize,
    /// Mantissa bits dropped from full resolution (at most
    /// [`MANTISSA_BITS`]): each bucket is 2^coarse buckets of full
    /// resolution merged. Indices are at this resolution.
    coarse: u32,
    low: Low,
    high: Vec<u32>,
    /// Values counted into 16-bit low counts since the last fold (at most
    /// [`FOLD`]): no low count is larger.
    since_fold: u32,
    /// Index of the first bucket.
    offset: i32,
    /// Lowest and highest indices with a count (valid when `total > 0`).
    min_index: i32,
    max_index: i32,
    total: u64,
}

/// What a sketch's low counts are (see [`Store`]), chosen for a run by how
/// many statistics it gathers: the fastest counting loop whose sketches
/// still stay in cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counts {
    /// 16-bit low counts, added to the high ones (folded) once every 65,535
    /// values a statistic has counted, so that none can wrap round: the
    /// counting loop is one increment a value, with no test for a carry (3%
    /// faster on the shipped quarterly scenarios than `Bytes`).
    Words,
    /// Low bytes, each carrying 256 into its high count when it wraps
    /// round: a test a value, but half the cache of `Words`, which runs with
    /// many statistics (monthly steps) need (12% faster on the monthly
    /// feature tour than `Words`).
    Bytes,
}

/// A store's low counts.
#[derive(Clone, Debug)]
enum Low {
    Words(Vec<u16>),
    Bytes(Vec<u8>),
}

impl Low {
    /// Zeroed low counts of the same kind, `len` of them.
    fn fresh(&self, len: usize) -> Low {
        match self {
            Low::Words(_) => Low::Words(vec![0; len]),
            Low::Bytes(_) => Low::Bytes(vec![0; len]),
        }
    }

    #[inline]
    fn get(&self, pos: usize) -> u32 {
        match self {
            Low::Words(w) => u32::from(w[pos]),
            Low::Bytes(b) => u32::from(b[pos]),
        }
    }
}

/// Values a store with 16-bit low counts counts between folds: so many that
/// none can wrap round.
const FOLD: usize = u16::MAX as usize;

/// How the counting loops count one value in a bucket, for each kind of
/// low counts: pointers to where index 0 of the store's arrays would be, so
/// that bucket `i`'s counts are `i` from there, with no subtraction of the
/// offset for each value.
trait Bump: Copy {
    /// Count one value in bucket `i`.
    ///
    /// # Safety
    ///
    /// Bucket `i` must be inside the store's arrays, and (for 16-bit
    /// counts) the store must have made room (see [`Store::room`]).
    unsafe fn bump(self, i: isize);
}

/// 16-bit low counts.
#[derive(Clone, Copy)]
struct Words(*mut u16);

impl Bump for Words {
    #[inline(always)]
    unsafe fn bump(self, i: isize) {
        // SAFETY: the caller's promise. The count cannot wrap (the store folds
        // before it could); tests, with overflow checks, would stop here if
        // it did.
        unsafe { *self.0.wrapping_offset(i) += 1 };
    }
}

/// Low bytes, with the high counts they carry into.
#[derive(Clone, Copy)]
struct Bytes(*mut u8, *mut u32);

impl Bump for Bytes {
    #[inline(always)]
    unsafe fn bump(self, i: isize) {
        let at = self.0.wrapping_offset(i);
        // SAFETY: the caller's promise.
        unsafe {
            let (count, carry) = (*at).overflowing_add(1);
            *at = count;
            if carry {
                *self.1.wrapping_offset(i) += 0x100;
            }
        }
    }
}

/// A store's [`Bump`], of its kind of low counts ([`Store::bumper`]).
enum Bumper {
    Words(Words),
    Bytes(Bytes),
}

/// Counts line `g` of `xs` (its values `8g..8g + 8`) for
/// [`column_pass_with`]: the counting loop of [`Store::count_within`], a
/// line at a time, with the pass of the next column in between.
struct CountLines<'a, B> {
    counts: B,
    /// Whole lines only.
    xs: &'a [f64],
    shift: u32,
}

impl<B: Bump> EachLine for CountLines<'_, B> {
    #[inline(always)]
    fn line(&mut self, g: usize) {
        // The pass calls this with g < its column's whole lines only (see
        // `EachLine`), and its column is as long as `xs` was before its last
        // values were split off (`add_values_within_ahead` is only called
        // with `next` as long as `xs`): so 8·g + 8 <= xs.len().
        debug_assert!(8 * g + 8 <= self.xs.len());
        for l in 0..8 {
            // SAFETY: 8·g + l is inside `xs` (above), and every value's
            // bucket inside the arrays (the promise `counts` was made with).
            unsafe { self.counts.bump((self.xs.get_unchecked(8 * g + l).to_bits() >> self.shift) as isize) };
        }
    }
}

/// The counting loop: one value in bucket `index(item)` for each item.
///
/// # Safety
///
/// As for [`Bump::bump`], for every item's bucket.
#[inline(always)]
unsafe fn count_all<T: Copy, B: Bump>(counts: B, items: &[T], index: &impl Fn(T) -> isize) {
    // SAFETY: the caller's promise.
    let bump = |i: isize| unsafe { counts.bump(i) };
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
}

impl Store {
    fn new(limit: usize, counts: Counts) -> Self {
        Store {
            limit,
            coarse: 0,
            low: match counts {
                Counts::Words => Low::Words(Vec::new()),
                Counts::Bytes => Low::Bytes(Vec::new()),
            },
            high: Vec::new(),
            since_fold: 0,
            offset: 0,
            min_index: 0,
            max_index: 0,
            total: 0,
        }
    }

    /// Make room in 16-bit low counts for `n` values (at most [`FOLD`])
    /// about to be counted, folding them into the high counts first if `n`
    /// more could wrap one round. (Low bytes need none.)
    #[inline(always)]
    fn room(&mut self, n: usize) {
        debug_assert!(n <= FOLD);
        if let Low::Words(_) = self.low {
            if self.since_fold as usize + n > FOLD {
                self.fold();
            }
            self.since_fold += n as u32;
        }
    }

    /// Add the 16-bit low counts to the high ones and clear them.
    #[cold]
    fn fold(&mut self) {
        if let (true, Low::Words(low)) = (self.total > 0, &mut self.low) {
            let live = (self.min_index - self.offset) as usize..=(self.max_index - self.offset) as usize;
            for (h, l) in self.high[live.clone()].iter_mut().zip(&mut low[live]) {
                *h += u32::from(std::mem::take(l));
            }
        }
        self.since_fold = 0;
    }

    /// The counting loops' pointers to this store's counts, of its kind
    /// (taken after any [`Store::room`]; nothing may grow the arrays while
    /// they are used).
    #[inline(always)]
    fn bumper(&mut self) -> Bumper {
        let back = -(self.offset as isize);
        match &mut self.low {
            Low::Words(w) => Bumper::Words(Words(w.as_mut_ptr().wrapping_offset(back))),
            Low::Bytes(b) => {
                Bumper::Bytes(Bytes(b.as_mut_ptr().wrapping_offset(back), self.high.as_mut_ptr().wrapping_offset(back)))
            }
        }
    }

    /// Buckets held.
    fn len(&self) -> usize {
        self.high.len()
    }

    /// Shift from a float's bits to its index at this store's resolution.
    #[inline(always)]
    fn shift(&self) -> u32 {
        SHIFT + self.coarse
    }

    /// Index of a positive finite value at this store's resolution.
    #[inline(always)]
    fn index(&self, x: f64) -> i32 {
        index(x, self.shift())
    }

    /// Mantissa bits the buckets keep.
    fn mantissa_bits(&self) -> u32 {
        MANTISSA_BITS - self.coarse
    }

    /// Count of the bucket at position `pos` (index `offset + pos`).
    #[inline]
    fn count(&self, pos: usize) -> u64 {
        u64::from(self.high[pos]) + u64::from(self.low.get(pos))
    }

    /// Add `n` to the bucket at position `pos` (to its high count: no count
    /// ever exceeds [`MAX_COUNT`], which the engine enforces).
    #[inline]
    fn add_at(&mut self, pos: usize, n: u64) {
        debug_assert!(self.count(pos) + n <= MAX_COUNT);
        match &mut self.low {
            // (The low count may be at its most, between folds.)
            Low::Words(_) => self.high[pos] += n as u32,
            Low::Bytes(low) => {
                let c = u64::from(self.high[pos]) + u64::from(low[pos]) + n;
                low[pos] = c as u8;
                self.high[pos] = (c & !0xff) as u32;
            }
        }
    }

    /// Count `n` copies of a positive value.
    #[inline]
    fn add_value(&mut self, x: f64, n: u64) {
        self.add(self.index(x), n);
    }

    /// Count `n` at index `i` (at this store's resolution).
    #[inline(always)]
    fn add(&mut self, i: i32, n: u64) {
        let pos = i.wrapping_sub(self.offset) as u32 as usize;
        if pos < self.len() {
            // The array never spans more than `limit`, so an index inside
            // it needs no coarsening.
            self.add_at(pos, n);
            self.total += n;
            self.min_index = self.min_index.min(i);
            self.max_index = self.max_index.max(i);
        } else {
            self.add_slow(i, n);
        }
    }

    /// An index outside the array: make room (coarsening if the span needs
    /// it), then count.
    #[cold]
    fn add_slow(&mut self, i: i32, n: u64) {
        let at = self.coarse;
        self.reserve(at, i, i);
        let i = i >> (self.coarse - at);
        self.add_at((i - self.offset) as usize, n);
        self.total += n;
    }

    /// True when the array holds indices `lo..=hi` (at this resolution) and
    /// the store has counts (so that its lowest and highest are valid).
    #[inline(always)]
    fn covers(&self, lo: i32, hi: i32) -> bool {
        self.total > 0 && self.spans(lo, hi)
    }

    /// True when the array holds indices `lo..=hi` (whatever it has counted).
    #[inline(always)]
    fn spans(&self, lo: i32, hi: i32) -> bool {
        lo >= self.offset && hi < self.offset + self.len() as i32
    }

    /// Make room for indices `lo..=hi` taken with `at` mantissa bits dropped,
    /// which are about to be counted. The resolution becomes the finest one,
    /// no finer than the store's nor theirs, at which they and every index
    /// counted so far span at most `limit` buckets (dropping one bit at a
    /// time merges adjacent pairs of buckets, exactly); the array is laid out
    /// afresh, with slack so that growth is amortised, when it does not cover
    /// them. The resolution so depends only on the lowest and highest values
    /// ever counted, whatever their order: it is the finest that fits them.
    #[cold]
    fn reserve(&mut self, at: u32, lo: i32, hi: i32) {
        let mut coarse = self.coarse.max(at);
        let (mut a, mut b) = (lo >> (coarse - at), hi >> (coarse - at));
        if self.total > 0 {
            a = a.min(self.min_index >> (coarse - self.coarse));
            b = b.max(self.max_index >> (coarse - self.coarse));
        }
        while (b - a) as usize >= self.limit {
            coarse += 1;
            (a, b) = (a >> 1, b >> 1);
        }
        // An index at the coarsest resolution is a float's biased exponent,
        // at most 2047: every range fits a limit of at least MIN_BUCKETS.
        debug_assert!(coarse <= MANTISSA_BITS, "{coarse} bits dropped");
        let by = coarse - self.coarse;
        if by > 0 || !self.covers(a, b) {
            let (max, span) = (self.limit as i32, b - a + 1);
            let slack = (span / 2).max(32);
            let start = (a - slack).max(b - (max - 1));
            let end = (b + slack).min(start + max - 1);
            let len = (end - start + 1) as usize;
            let fresh = self.low.fresh(len);
            let old = Store {
                low: std::mem::replace(&mut self.low, fresh),
                high: std::mem::replace(&mut self.high, vec![0; len]),
                offset: std::mem::replace(&mut self.offset, start),
                ..*self
            };
            self.coarse = coarse;
            if old.total > 0 && by == 0 {
                // The same resolution: the counts move as one block, copied
                // (adding them to the fresh zeros would read each new page
                // before writing it, and so fault on it twice).
                let (live, to) = (old.live(), (old.min_index - start) as usize);
                let n = live.end() - live.start() + 1;
                match (&mut self.low, &old.low) {
                    (Low::Words(new), Low::Words(old)) => new[to..to + n].copy_from_slice(&old[live.clone()]),
                    (Low::Bytes(new), Low::Bytes(old)) => new[to..to + n].copy_from_slice(&old[live.clone()]),
                    _ => unreachable!("a store keeps its kind of low counts"),
                }
                self.high[to..to + n].copy_from_slice(&old.high[live]);
            } else if old.total > 0 {
                self.add_counts(&old);
            }
        }
        (self.min_index, self.max_index) = (a, b);
    }

    /// Count one value at each of `index` (at this store's resolution): with
    /// one range check when they all fall inside the array (the common case).
    /// If the store must grow or coarsen first, the indices are brought to
    /// its new resolution in place.
    #[inline]
    fn add_indices(&mut self, index: &mut [i32]) {
        let Some(&first) = index.first() else { return };
        let (mut lo, mut hi) = (first, first);
        for &i in index.iter() {
            lo = lo.min(i);
            hi = hi.max(i);
        }
        let at = self.coarse;
        if !self.covers(lo, hi) {
            self.reserve(at, lo, hi);
        }
        let by = self.coarse - at;
        if by > 0 {
            index.iter_mut().for_each(|i| *i >>= by);
        }
        // SAFETY: lo and hi are the smallest and largest of `index`, and
        // the shift keeps that (it keeps order).
        unsafe { self.count_within(index, |i| i as isize, lo >> by, hi >> by) }
    }

    /// Count each of `xs` (positive finite values) in its bucket, given the
    /// smallest and the largest of them, `lo` and `hi`: the index of each
    /// value is taken in the counting loop itself (one shift), with no pass
    /// to store the indices first.
    ///
    /// # Safety
    ///
    /// `lo` and `hi` must be at most the smallest and at least the largest
    /// of `xs` (a bucket grows with the value, so every value's bucket then
    /// lies between theirs).
    #[inline(always)]
    unsafe fn add_values_within(&mut self, xs: &[f64], lo: f64, hi: f64) {
        if !self.covers(self.index(lo), self.index(hi)) {
            self.reserve(self.coarse, self.index(lo), self.index(hi));
        }
        let shift = self.shift();
        // (The index straight from the bits as an isize: an i32 would take
        // one more instruction per value, to widen it.)
        let wide = |x: f64| (x.to_bits() >> shift) as isize;
        // SAFETY: the caller's promise, and the buckets' order.
        unsafe { self.count_within(xs, wide, index(lo, shift), index(hi, shift)) }
    }

    /// [`Store::add_values_within`], making the moments' pass of `next`
    /// (with shift `c`) as it counts, a line of `next` for each eight values
    /// of `xs`, and returning it.
    ///
    /// # Safety
    ///
    /// As for [`Store::add_values_within`], and `next` as long as `xs`.
    #[inline(always)]
    unsafe fn add_values_within_ahead(
        &mut self,
        width: Width,
        xs: &[f64],
        lo: f64,
        hi: f64,
        next: &[f64],
        c: f64,
    ) -> ColumnPass {
        debug_assert_eq!(next.len(), xs.len());
        if xs.len() > FOLD {
            // (Longer than any block: counted in parts, and the pass made apart.)
            // SAFETY: the caller's promise.
            unsafe { self.add_values_within(xs, lo, hi) };
            return column_pass(width, next, c);
        }
        let lines = xs.len() / 8;
        let (xs, rest) = xs.split_at(lines * 8);
        // The values past the last whole line first, as any slice's: that
        // also makes room for all of them (`lo` and `hi` bound every one)
        // and notes their range. The order values are counted in changes
        // no count.
        // SAFETY: the caller's promise.
        unsafe { self.add_values_within(rest, lo, hi) };
        self.room(xs.len());
        let shift = self.shift();
        // The values of line g of `next` are read while those of line g of
        // `xs` are counted: see `column_pass_with`.
        let pass = match self.bumper() {
            Bumper::Words(w) => column_pass_with(width, next, c, CountLines { counts: w, xs, shift }),
            Bumper::Bytes(b) => column_pass_with(width, next, c, CountLines { counts: b, xs, shift }),
        };
        self.total += xs.len() as u64;
        pass
    }

    /// Count one value in bucket `index(item)` for each item, where every
    /// such bucket lies in `lo..=hi`, inside the array: the counting loop,
    /// with no check at all.
    ///
    /// # Safety
    ///
    /// Every `index(item)` must lie in `lo..=hi`, and the store's array must
    /// hold `lo..=hi` ([`Store::spans`]).
    #[inline(always)]
    unsafe fn count_within<T: Copy>(&mut self, items: &[T], index: impl Fn(T) -> isize, lo: i32, hi: i32) {
        // (Not `covers`: a store counting its first values has laid out its
        // array but has no total yet.)
        debug_assert!(self.spans(lo, hi), "{lo}..={hi} outside the array");
        // The counted range first: a fold between two parts must cover
        // every bucket the first part counted into.
        self.min_index = self.min_index.min(lo);
        self.max_index = self.max_index.max(hi);
        for part in items.chunks(FOLD) {
            self.room(part.len());
            // SAFETY (of every count): offset <= lo <= i <= hi < offset +
            // len, by the caller's promises, so `i` is inside the arrays, and
            // `room` made room. (A checked index here costs about 5% of a run.)
            match self.bumper() {
                Bumper::Words(w) => unsafe { count_all(w, part, &index) },
                Bumper::Bytes(b) => unsafe { count_all(b, part, &index) },
            }
            self.total += part.len() as u64;
        }
    }

    /// Add every count of `other`, at the coarser of the two resolutions (or
    /// coarser still if their joint span needs it).
    fn merge(&mut self, other: &Store) {
        if other.total == 0 {
            return;
        }
        self.reserve(other.coarse, other.min_index, other.max_index);
        self.add_counts(other);
        self.total += other.total;
    }

    /// Positions of the counted range, `min_index..=max_index`, outside which
    /// every count is zero (`total` must be > 0).
    fn live(&self) -> std::ops::RangeInclusive<usize> {
        (self.min_index - self.offset) as usize..=(self.max_index - self.offset) as usize
    }

    /// Add every count of `other`, whose resolution is no coarser than this
    /// one's and whose counted range this array covers (`other.total` > 0),
    /// leaving this store's total and bounds to the caller. At the same
    /// resolution bucket by bucket, into the high counts (a loop that
    /// vectorises); coarser, each count to its bucket.
    fn add_counts(&mut self, other: &Store) {
        let (by, live) = (self.coarse - other.coarse, other.live());
        if by == 0 {
            // Into the high counts, whatever the low ones are: a count is
            // the sum of the two, and a byte's carry comes whenever it wraps.
            let to = (other.min_index - self.offset) as usize;
            let n = live.end() - live.start() + 1;
            let high = &mut self.high[to..to + n];
            let pairs = high.iter_mut().zip(&other.high[live.clone()]);
            match &other.low {
                Low::Words(ol) => pairs.zip(&ol[live]).for_each(|((h, oh), ol)| *h += oh + u32::from(*ol)),
                Low::Bytes(ol) => pairs.zip(&ol[live]).for_each(|((h, oh), ol)| *h += oh + u32::from(*ol)),
            }
        } else {
            for j in live {
                let n = other.count(j);
                if n > 0 {
                    let i = (other.offset + j as i32) >> by;
                    self.add_at((i - self.offset) as usize, n);
                }
            }
        }
    }

    /// Bucket index holding the `rank`-th smallest index (0-based).
    fn index_at_rank(&self, rank: u64, ascending: bool) -> i32 {
        let live = self.live();
        let mut seen = 0;
        let mut reached = |pos: &usize| {
            seen += self.count(*pos);
            seen > rank
        };
        let found = if ascending { live.clone().find(&mut reached) } else { live.clone().rev().find(&mut reached) };
        found.map_or(self.max_index, |pos| self.offset + pos as i32)
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
        Self::with_counts(limit, Counts::Words)
    }

    /// [`Sketch::with_limit`], with low counts of the kind given (which
    /// changes the speed of counting and the memory, never a count).
    pub fn with_counts(limit: usize, counts: Counts) -> Self {
        let limit = limit.clamp(MIN_BUCKETS, MAX_BUCKETS);
        Sketch {
            exact: Some(Vec::with_capacity(EXACT_VALUES)),
            positive: Store::new(limit, counts),
            negative: Store::new(limit, counts),
            zeros: 0,
            count: 0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            min_count: 0,
            max_count: 0,
        }
    }

    /// The kind of its low counts.
    pub fn counts(&self) -> Counts {
        match self.positive.low {
            Low::Words(_) => Counts::Words,
            Low::Bytes(_) => Counts::Bytes,
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

    /// Bits of mantissa the buckets keep: [`MANTISSA_BITS`] at full
    /// resolution, fewer when the values spanned more buckets than the
    /// sketch's limit (the coarser of its positive and negative stores).
    pub fn mantissa_bits(&self) -> u32 {
        self.positive.mantissa_bits().min(self.negative.mantissa_bits())
    }

    /// True when the sketch had to coarsen its buckets to hold the range of
    /// its values in its limit.
    pub fn is_coarsened(&self) -> bool {
        self.mantissa_bits() < MANTISSA_BITS
    }

    /// Relative accuracy of every order statistic the sketch gives
    /// ([`RELATIVE_ACCURACY`] unless it coarsened).
    pub fn relative_accuracy(&self) -> f64 {
        relative_accuracy(self.mantissa_bits())
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
        unsafe { self.add_slice_within(Width::widest(), xs, lo, hi) };
    }

    /// [`Sketch::add_slice`] for a non-empty slice whose smallest and largest
    /// values, `lo` and `hi`, the caller has already found (the engine finds
    /// them in the same read of a column as its moments), with the vectors
    /// of `width` (a function compiled for a width inlines it and passes its
    /// own).
    ///
    /// # Safety
    ///
    /// `xs` must be non-empty and finite, and `lo` and `hi` its smallest and
    /// largest values: the counting loop writes where their buckets say,
    /// unchecked.
    #[inline(always)]
    pub unsafe fn add_slice_within(&mut self, width: Width, xs: &[f64], lo: f64, hi: f64) {
        // SAFETY: the caller's promises.
        unsafe { self.add_slice_within_ahead(width, xs, lo, hi, None) };
    }

    /// [`Sketch::add_slice_within`], which also makes the moments' pass of
    /// the column `ahead` gives (the engine's next column, and the shift of
    /// its sums) while it counts, when the values go through the counting
    /// loop that can (all positive and spread out, the common case), and
    /// then returns it. Otherwise the pass is the caller's to make. The
    /// sketch is the same either way.
    ///
    /// # Safety
    ///
    /// As for [`Sketch::add_slice_within`].
    #[inline(always)]
    pub(crate) unsafe fn add_slice_within_ahead(
        &mut self,
        width: Width,
        xs: &[f64],
        lo: f64,
        hi: f64,
        ahead: Option<(&[f64], f64)>,
    ) -> Option<ColumnPass> {
        debug_assert!(!xs.is_empty());
        debug_assert_eq!((lo, hi), extremes(xs), "the extremes of the slice");
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
                return None;
            }
            // Two values throughout (a 0/1 flag).
            if all_lo + all_hi == xs.len() as u64 {
                self.add_exact(lo, all_lo);
                self.add_exact(hi, all_hi);
                return None;
            }
            // More (a stake with a few possible values), or the end of exact mode.
            for &x in xs {
                self.add_exact(x, 1);
            }
            return None;
        }
        if lo == hi {
            // One value throughout (a payment once every path's cap has bound).
            self.bucket(lo, xs.len() as u64);
            return None;
        }
        // Many copies of the largest value (a cumulative payment at its cap, a
        // stake no dilution touched) would all add to one bucket, one after
        // the other; they are counted at once instead.
        let many_hi = n_hi > 1 && n_hi as usize >= xs.len() / MANY;
        if lo > ZERO && !many_hi {
            // All positive and spread out, the common case: each value's
            // bucket is found as it is counted.
            return match ahead {
                // SAFETY: lo and hi are the smallest and largest of `xs`, and
                // `next` is as long as `xs`.
                Some((next, c)) if next.len() == xs.len() => {
                    Some(unsafe { self.positive.add_values_within_ahead(width, xs, lo, hi, next, c) })
                }
                _ => {
                    // SAFETY: lo and hi are the smallest and largest of `xs`.
                    unsafe { self.positive.add_values_within(xs, lo, hi) };
                    None
                }
            };
        }
        if lo >= -ZERO {
            // Zeros (a payment once some caps have bound) or many copies of
            // `hi`: those are counted, and only the rest indexed and added.
            let drop = if many_hi { hi } else { f64::NAN };
            let mut dropped_hi = 0;
            let mut kept = [0.0; SLICE];
            for part in xs.chunks(SLICE) {
                let k = compact(width, part, drop, &mut kept);
                self.zeros += k.zeros as u64;
                dropped_hi += part.len() - k.count - k.zeros;
                if k.count > 0 {
                    // Each value's bucket found as it is counted, as in the
                    // common case.
                    // SAFETY: `compact` gives the extremes of the values kept.
                    unsafe { self.positive.add_values_within(&kept[..k.count], k.lo, k.hi) };
                }
            }
            if dropped_hi > 0 {
                self.bucket(hi, dropped_hi as u64);
            }
            return None;
        }
        for part in xs.chunks(SLICE) {
            let mut positive = [0i32; SLICE];
            // Zeros (a payment once the cap has bound) or negative values too.
            let mut negative = [0i32; SLICE];
            let (mut np, mut nn) = (0, 0);
            for &x in part {
                if x > ZERO {
                    positive[np] = self.positive.index(x);
                    np += 1;
                } else if x < -ZERO {
                    negative[nn] = self.negative.index(-x);
                    nn += 1;
                } else {
                    self.zeros += 1;
                }
            }
            self.positive.add_indices(&mut positive[..np]);
            self.negative.add_indices(&mut negative[..nn]);
        }
        None
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
            self.positive.add_value(x, n);
        } else if x < -ZERO {
            self.negative.add_value(-x, n);
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
            -bucket_value(self.negative.index_at_rank(rank, false), self.negative.shift())
        } else if rank < self.negative.total + self.zeros {
            0.0
        } else {
            let rank = rank - self.negative.total - self.zeros;
            bucket_value(self.positive.index_at_rank(rank, true), self.positive.shift())
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
        // Fraction of `store`'s bucket b's log-width below magnitude `a`.
        let fraction = |store: &Store, b: i32, a: f64| -> f64 {
            let (lo, hi) = bucket_bounds(b, store.shift());
            ((a / lo).ln() / (hi / lo).ln()).clamp(0.0, 1.0)
        };
        let estimate = if x < -ZERO {
            // Negative values ≤ x are those with magnitude ≥ |x|.
            let b = self.negative.index(-x);
            let (below, inside) = split(&self.negative, b);
            let above = self.negative.total - below - inside;
            above as f64 + inside as f64 * (1.0 - fraction(&self.negative, b, -x))
        } else if x <= ZERO {
            (self.negative.total + if x >= 0.0 { self.zeros } else { 0 }) as f64
        } else {
            let b = self.positive.index(x);
            let (below, mut inside) = split(&self.positive, b);
            let mut exact = 0;
            // The pile at the maximum lies above x; the pile at the minimum below.
            if self.max > ZERO && self.positive.index(self.max) == b {
                inside -= self.max_count.min(inside);
            }
            if self.min > ZERO && self.positive.index(self.min) == b {
                let pile = self.min_count.min(inside);
                inside -= pile;
                exact += pile;
            }
            (self.negative.total + self.zeros + below + exact) as f64 + inside as f64 * fraction(&self.positive, b, x)
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
    ///
    /// With h = (n − 1)·q and f = h − ⌊h⌋, the exact percentile is
    /// p = (1 − f)·x⌊h⌋ + f·x⌊h⌋₊₁, and each order statistic this sketch gives
    /// is within α ([`Sketch::relative_accuracy`]) of the true one (exactly
    /// the true one at the minimum, the maximum, zero and in exact mode), so
    /// the result is within (1 − f)·α·|x⌊h⌋| + f·α·|x⌊h⌋₊₁| ≤
    /// α·max(|x⌊h⌋|, |x⌊h⌋₊₁|) of p. When the two order statistics have the
    /// same sign (or one is zero) that sum is α·|p|: the percentile is within
    /// α of the exact one. When they straddle zero (a quantity that changes
    /// sign between two neighbouring paths' values), p can be as near zero as
    /// it likes while the buckets stay the same, so no relative bound on p
    /// holds; the bound is then α of the larger magnitude of the two.
    pub fn quantile(&self, q: f64) -> f64 {
        if self.count == 0 {
            return f64::NAN;
        }
        let (lo, frac) = crate::stats::rank(self.count as usize, q);
        let lo = lo as u64;
        let a = self.value_at_rank(lo);
        if frac == 0.0 || lo + 1 >= self.count {
            return a;
        }
        let b = self.value_at_rank(lo + 1);
        crate::stats::lerp(a, b, frac)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::exact_percentile;

    /// What a store's percentiles depend on: its resolution, and the counts
    /// from its lowest to its highest index (not where its array lies).
    fn buckets(store: &Store) -> (u32, i32, Vec<u64>) {
        if store.total == 0 {
            return (store.coarse, 0, Vec::new());
        }
        let (lo, hi) = (store.min_index, store.max_index);
        let counts = (lo..=hi).map(|i| store.count((i - store.offset) as usize)).collect();
        (store.coarse, lo, counts)
    }

    fn lcg(seed: &mut u64) -> f64 {
        *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (*seed >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Counting a slice while making the moments' pass of the next column
    /// leaves the sketch as counting alone does, and gives the pass bit for
    /// bit, at every width and any length. Slices that do not go through
    /// that counting loop (one value throughout, zeros among the values, a
    /// sketch still exact, a next column of another length) leave the pass
    /// to the caller.
    #[test]
    fn counting_with_the_next_columns_pass_changes_neither() {
        let mut s = 37;
        let warm: Vec<f64> = (0..1000).map(|_| (lcg(&mut s) * 6.0 - 1.0).exp()).collect();
        for len in [1, 7, 8, 9, 100, 256, 1001] {
            let spread: Vec<f64> = (0..len).map(|_| (lcg(&mut s) * 7.0 - 1.5).exp()).collect();
            let zeros: Vec<f64> = spread.iter().enumerate().map(|(i, x)| if i % 3 == 1 { 0.0 } else { *x }).collect();
            let next: Vec<f64> = (0..len).map(|_| lcg(&mut s) * 50.0 - 10.0).collect();
            for width in Width::supported() {
                let pass = crate::stats::moments::column_pass(width, &next, 2.5);
                for (xs, warmed, fused) in [(&spread, true, len > 1), (&zeros, true, false), (&spread, false, false)] {
                    let (lo, hi) = extremes(xs);
                    let (mut plain, mut ahead) = (Sketch::new(), Sketch::new());
                    if warmed {
                        plain.add_slice(&warm);
                        ahead.add_slice(&warm);
                    }
                    // SAFETY: finite, and lo and hi are the extremes.
                    let made = unsafe {
                        plain.add_slice_within(width, xs, lo, hi);
                        ahead.add_slice_within_ahead(width, xs, lo, hi, Some((&next, 2.5)))
                    };
                    let case = format!("{width:?}, {len} values, warmed {warmed}, zeros {}", xs == &zeros);
                    assert_eq!(format!("{plain:?}"), format!("{ahead:?}"), "{case}");
                    assert_eq!(made.map(|p| format!("{p:?}")), fused.then(|| format!("{pass:?}")), "{case}");
                }
                let mut other = Sketch::new();
                other.add_slice(&warm);
                let (lo, hi) = extremes(&spread);
                // SAFETY: as above.
                let made = unsafe { other.add_slice_within_ahead(width, &spread, lo, hi, Some((&next[1..], 2.5))) };
                assert_eq!(made, None, "a next column of another length");
            }
        }
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
            let (lo, hi) = bucket_bounds(bucket(x), SHIFT);
            assert!(hi / lo <= 1.0 + 1.0 / 512.0 + 1e-15, "bucket of {x}: [{lo}, {hi})");
            assert!((hi - lo) / (hi + lo) <= RELATIVE_ACCURACY * (1.0 + 1e-12), "bucket of {x}: [{lo}, {hi})");
        }
        // Indexing agrees with the bounds, and the representative is within α.
        for x in [1e-9, 0.37, 1.0, 1.5, 2.0, 38.0, 1234.5, 9.9e9, 1.0f64.next_down(), 2.0f64.next_down()] {
            let i = bucket(x);
            let (lo, hi) = bucket_bounds(i, SHIFT);
            assert!(lo <= x && x < hi, "{x} not in bucket {i} = [{lo}, {hi})");
            assert!(
                (bucket_value(i, SHIFT) - x).abs() <= RELATIVE_ACCURACY * x * (1.0 + 1e-12),
                "{x}: {}",
                bucket_value(i, SHIFT)
            );
        }
        // The last bucket below infinity stands for its lower bound.
        assert_eq!(bucket_value(bucket(f64::MAX), SHIFT), bucket_bounds(bucket(f64::MAX), SHIFT).0);
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
    fn index_grows_with_the_value() {
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
            let (lo, hi) = bucket_bounds(bucket(x), SHIFT);
            assert!(lo <= x && (x < hi || hi.is_infinite()), "{x:e}");
            assert_eq!(bucket(lo), bucket(x), "{x:e}");
        }
        // Values added by slice or one by one land in the same buckets.
        let (mut one, mut all) = (Sketch::new(), Sketch::new());
        xs[..5000].iter().for_each(|x| one.add(*x));
        xs[..5000].chunks(300).for_each(|c| all.add_slice(c));
        assert_eq!(buckets(&one.positive), buckets(&all.positive));
    }

    /// Compaction keeps the values above zero other than the dropped one, in
    /// order, counts the zeros and gives the extremes of those kept, with
    /// every width and any length.
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
                    let k = compact(width, part, drop, &mut out);
                    assert_eq!(
                        (&out[..k.count], k.zeros),
                        (&kept[..], zeros),
                        "{width:?}, {len} values, dropping {drop}"
                    );
                    let lo = kept.iter().copied().fold(f64::INFINITY, f64::min);
                    let hi = kept.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    assert_eq!((k.lo, k.hi), (lo, hi), "{width:?}, {len} values, dropping {drop}");
                }
            }
        }
    }

    /// Compaction gives the exact extremes of the values it keeps (the
    /// counting after it writes where they say, unchecked) wherever they
    /// are, the last values past the vectors' eights included, among
    /// zeros of both signs, subnormals (counted as zeros), the dropped
    /// value and values at both ends of the range of doubles; and a sketch
    /// counts such values as if added one by one, coarsening as it must.
    #[test]
    fn compaction_gives_the_exact_extremes_of_what_it_keeps() {
        let subnormal = f64::from_bits(5);
        for len in 1..=40 {
            for at in 0..len {
                for (big, small) in [(1e300, f64::MIN_POSITIVE), (7.0, 3.0)] {
                    let mut xs: Vec<f64> = (0..len).map(|i| [-0.0, subnormal, 5.0, ZERO, 5.5][i % 5]).collect();
                    xs[at] = big;
                    xs[len - 1 - at] = small;
                    for drop in [f64::NAN, 5.5, big] {
                        let kept: Vec<f64> = xs.iter().copied().filter(|x| *x > ZERO && *x != drop).collect();
                        let lo = kept.iter().copied().fold(f64::INFINITY, f64::min);
                        let hi = kept.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                        for width in Width::supported() {
                            let mut out = [f64::NAN; SLICE];
                            let k = compact(width, &xs, drop, &mut out);
                            let what = format!("{width:?}, {len} values, extremes at {at}, dropping {drop}");
                            assert_eq!(&out[..k.count], &kept[..], "{what}");
                            assert_eq!((k.lo.to_bits(), k.hi.to_bits()), (lo.to_bits(), hi.to_bits()), "{what}");
                        }
                    }
                }
            }
        }
        let mut s = 3;
        let xs: Vec<f64> = (0..5000)
            .map(|i| match i % 7 {
                0 => -0.0,
                1 => f64::from_bits(3),
                2 => 0.0,
                _ => lcg(&mut s) * 1e200 + 1e-300,
            })
            .collect();
        for chunk in [1, 9, 100, 1024] {
            let (mut one, mut all) = (Sketch::with_limit(MIN_BUCKETS), Sketch::with_limit(MIN_BUCKETS));
            xs.iter().for_each(|x| one.add(*x));
            xs.chunks(chunk).for_each(|c| all.add_slice(c));
            assert_eq!((buckets(&one.positive), one.zeros), (buckets(&all.positive), all.zeros), "chunks of {chunk}");
            assert!(all.mantissa_bits() < MANTISSA_BITS, "coarsened");
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
        // The same with values over a range so wide (1 to 1e300, the
        // copies of the largest now 1e300) that a sketch held to the fewest
        // buckets coarsens as the values kept beside the zeros and the
        // copies are counted.
        let wide: Vec<f64> = xs
            .iter()
            .map(|x| match *x {
                0.0 => 0.0,
                38.0 => 1e300,
                x => x.powi(160),
            })
            .collect();
        let limited = Sketch::with_limit(MIN_BUCKETS);
        for (xs, empty) in [(&xs, Sketch::new()), (&wide, limited)] {
            for chunk in [100, 1024] {
                let (mut one, mut all) = (empty.clone(), empty.clone());
                xs.iter().for_each(|x| one.add(*x));
                xs.chunks(chunk).for_each(|c| all.add_slice(c));
                assert_eq!((one.zeros, one.max_count, one.min_count), (all.zeros, all.max_count, all.min_count));
                assert_eq!(buckets(&one.positive), buckets(&all.positive));
                for q in [0.0, 0.1, 0.5, 0.9, 0.99, 1.0] {
                    assert_eq!(one.quantile(q).to_bits(), all.quantile(q).to_bits(), "q={q}, chunks of {chunk}");
                }
            }
        }
        assert!(wide.iter().any(|x| *x > 1e200));
        let mut coarse = Sketch::with_limit(MIN_BUCKETS);
        coarse.add_slice(&wide);
        assert!(coarse.mantissa_bits() < MANTISSA_BITS, "the wide values coarsened the sketch");
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
        assert_eq!(buckets(&a.positive), buckets(&b.positive));
        // Zeros beside values so much smaller than earlier ones that the
        // store coarsens (a store with few buckets, as in a run with many
        // statistics): the same as one by one, no panic.
        let mut big = Sketch::with_limit(MIN_BUCKETS);
        let mut one = Sketch::with_limit(MIN_BUCKETS);
        let large: Vec<f64> = (0..SLICE).map(|i| 1e6 + i as f64).collect();
        let small: Vec<f64> =
            (0..2 * SLICE).map(|i| if i % 3 == 0 { 0.0 } else { 1e-3 * (1 + i % 5) as f64 }).collect();
        for xs in [&large, &small, &large, &small] {
            big.add_slice(xs);
            xs.iter().for_each(|x| one.add(*x));
        }
        assert!(big.is_coarsened() && one.is_coarsened());
        assert_eq!((big.zeros, big.positive.total), (one.zeros, one.positive.total));
        assert_eq!(buckets(&big.positive), buckets(&one.positive));
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

    /// Values of both signs over 20 and 64 powers of two, for a store of
    /// the fewest buckets (2048, a run with many statistics): both stores
    /// coarsen, to the resolution that the lowest and highest values alone
    /// decide.
    fn wide_values() -> Vec<f64> {
        let mut s = 41;
        (0..20_000)
            .map(|i| {
                let u = lcg(&mut s);
                match i % 10 {
                    0 => 0.0,
                    1..=3 => -(u * 20.0 - 8.0).exp2(),
                    // A narrow run of values early on, the widest late.
                    _ if i < 5000 => 1.0 + u,
                    _ => (u * 64.0 - 20.0).exp2(),
                }
            })
            .collect()
    }

    /// The resolution a store of `limit` buckets must reach for magnitudes
    /// from `lo` to `hi`: the fewest mantissa bits dropped that fit them.
    fn expected_coarse(lo: f64, hi: f64, limit: usize) -> u32 {
        (0..=MANTISSA_BITS).find(|c| (bucket(hi) >> c) - (bucket(lo) >> c) < limit as i32).unwrap()
    }

    /// Everything a sketch's percentiles depend on: its counts, its two
    /// stores' [`buckets`], and the percentiles themselves.
    type State = ([u64; 2], [(u32, i32, Vec<u64>); 2], Vec<u64>);

    fn state(sk: &Sketch) -> State {
        let qs = (0..=200).map(|i| sk.quantile(f64::from(i) / 200.0).to_bits()).collect();
        ([sk.count(), sk.zeros], [buckets(&sk.positive), buckets(&sk.negative)], qs)
    }

    /// A coarsened sketch is the same whatever the order its values came in
    /// and however they were split between sketches and merged: one by one,
    /// by slices, in parts of many sizes merged forwards, backwards and as a
    /// tree, with the parts that coarsened early (the wide values) merged
    /// into ones that did not (the narrow values) and the other way round.
    #[test]
    fn coarsening_is_the_same_whatever_the_order_and_split() {
        let xs = wide_values();
        let limit = MIN_BUCKETS;
        let sketch_of = |part: &[f64]| {
            let mut sk = Sketch::with_limit(limit);
            part.chunks(256).for_each(|c| sk.add_slice(c));
            sk
        };
        let whole = sketch_of(&xs);
        let positive: Vec<f64> = xs.iter().copied().filter(|x| *x > 0.0).collect();
        let negative: Vec<f64> = xs.iter().map(|x| -x).filter(|x| *x > 0.0).collect();
        let (lo, hi) = extremes(&positive);
        let (nlo, nhi) = extremes(&negative);
        assert_eq!(whole.positive.coarse, expected_coarse(lo, hi, limit));
        assert_eq!(whole.negative.coarse, expected_coarse(nlo, nhi, limit));
        assert!(whole.positive.coarse > whole.negative.coarse && whole.negative.coarse > 0);
        assert_eq!(whole.mantissa_bits(), MANTISSA_BITS - whole.positive.coarse);
        let expect = state(&whole);
        let mut one = Sketch::with_limit(limit);
        xs.iter().for_each(|x| one.add(*x));
        assert_eq!(state(&one), expect, "one by one");
        let mut reversed = Sketch::with_limit(limit);
        xs.iter().rev().for_each(|x| reversed.add(*x));
        assert_eq!(state(&reversed), expect, "in reverse");
        for size in [1, 7, 333, 4999, 5000, 12_000] {
            let parts: Vec<Sketch> = xs.chunks(size).map(sketch_of).collect();
            let mut forwards = Sketch::with_limit(limit);
            parts.iter().for_each(|p| forwards.merge(p));
            assert_eq!(state(&forwards), expect, "parts of {size}, forwards");
            let mut backwards = Sketch::with_limit(limit);
            parts.iter().rev().for_each(|p| backwards.merge(p));
            assert_eq!(state(&backwards), expect, "parts of {size}, backwards");
            // Pairwise, as a tree.
            let mut level = parts;
            while level.len() > 1 {
                level = level
                    .chunks(2)
                    .map(|pair| {
                        let mut m = pair[0].clone();
                        if let Some(b) = pair.get(1) {
                            m.merge(b);
                        }
                        m
                    })
                    .collect();
            }
            assert_eq!(state(&level[0]), expect, "parts of {size}, as a tree");
        }
        // The first 5000 values are narrow: their sketch keeps full
        // resolution, and coarsens only when the wide ones are merged in.
        let (narrow, wide) = (sketch_of(&xs[..5000]), sketch_of(&xs[5000..]));
        assert_eq!((narrow.positive.coarse, narrow.negative.coarse > 0), (0, true));
        assert!(wide.positive.coarse > 0);
        let (mut a, mut b) = (narrow.clone(), wide.clone());
        a.merge(&wide);
        b.merge(&narrow);
        assert_eq!(state(&a), expect, "wide into narrow");
        assert_eq!(state(&b), expect, "narrow into wide");
        // A sketch kept exact (few distinct values) merged into a coarse one.
        let mut exact = Sketch::with_limit(limit);
        exact.add_slice(&[1e-12, 1e-12, 5.0]);
        assert!(exact.is_exact());
        let (mut c, mut d) = (whole.clone(), exact.clone());
        c.merge(&exact);
        d.merge(&whole);
        assert_eq!(state(&c), state(&d));
        assert!(c.positive.coarse > whole.positive.coarse, "1e-12 widens the range");
    }

    /// Coarsened percentiles stay within the accuracy the sketch reports,
    /// evenly: at the low end as at the high end, for both signs (the
    /// rule it replaced folded every magnitude more than the store's limit
    /// below the highest into one bucket, so that the low percentiles of a
    /// wide distribution all came out as one value).
    #[test]
    fn coarsened_percentiles_are_within_the_accuracy_reported() {
        let mut xs = wide_values();
        let mut sk = Sketch::with_limit(MIN_BUCKETS);
        xs.chunks(256).for_each(|c| sk.add_slice(c));
        xs.sort_by(f64::total_cmp);
        let alpha = sk.relative_accuracy();
        assert!(alpha > RELATIVE_ACCURACY && alpha < 0.02, "{alpha}");
        for i in 0..=100 {
            let q = f64::from(i) / 100.0;
            let exact = exact_percentile(&xs, q);
            let h = (xs.len() - 1) as f64 * q;
            let (a, b) = (xs[h.floor() as usize], xs[(h.floor() as usize + 1).min(xs.len() - 1)]);
            let got = sk.quantile(q);
            assert!(
                (got - exact).abs() <= alpha * a.abs().max(b.abs()) * (1.0 + 1e-12),
                "q={q}: {got:e} vs exact {exact:e} (α = {alpha})"
            );
        }
    }

    /// Tiny amounts of both signs, down to 1e-300, are counted as the
    /// values they are (below 1e-15 they were zeros, so that every percentile
    /// of payments of about 1e-17 came out as the smallest), each percentile
    /// within α; only ±0 and subnormals count as zeros, at most 2.3e-308 off.
    #[test]
    fn tiny_values_keep_their_relative_accuracy() {
        let mut s = 43;
        let mut tiny = |i: usize| {
            let u = lcg(&mut s);
            match i % 4 {
                0 => 0.0,
                1 => -(u * 10.0 - 70.0).exp2(),
                _ => (u * 10.0 - 60.0).exp2(),
            }
        };
        let xs: Vec<f64> = (0..5000).map(&mut tiny).collect();
        // (Apart: with the others, they would span more than a store holds.)
        let ys: Vec<f64> = (0..5000).map(|i| 1e-300 * (1.0 + tiny(i).abs() * 1e15)).collect();
        for (xs, zeros) in [(xs, 1250), (ys, 0)] {
            let (mut slices, mut one) = (Sketch::new(), Sketch::new());
            xs.chunks(256).for_each(|c| slices.add_slice(c));
            xs.iter().for_each(|x| one.add(*x));
            assert_eq!((slices.zeros, one.zeros), (zeros, zeros));
            assert_eq!(slices.mantissa_bits(), MANTISSA_BITS);
            let mut sorted = xs.clone();
            sorted.sort_by(f64::total_cmp);
            for i in 0..=40 {
                let q = f64::from(i) / 40.0;
                let exact = exact_percentile(&sorted, q);
                let h = (sorted.len() - 1) as f64 * q;
                let (a, b) = (sorted[h.floor() as usize], sorted[(h.floor() as usize + 1).min(sorted.len() - 1)]);
                for sk in [&slices, &one] {
                    let got = sk.quantile(q);
                    let bound = RELATIVE_ACCURACY * a.abs().max(b.abs());
                    assert!((got - exact).abs() <= bound * (1.0 + 1e-12), "q={q}: {got:e} vs {exact:e}");
                }
            }
        }
        // Subnormals are zeros; the smallest normal is a value.
        let mut sk = Sketch::new();
        sk.add_slice(&[5e-324, -1e-310, f64::MIN_POSITIVE, 1.0, 2.0, 3.0]);
        assert_eq!((sk.zeros, sk.positive.total), (2, 4));
        assert_eq!(sk.quantile(0.0), -1e-310, "the minimum is exact");
        // (Far from 1: the store coarsens to hold both.)
        let (got, alpha) = (sk.quantile(0.4), sk.relative_accuracy());
        assert!(alpha > RELATIVE_ACCURACY);
        assert!((got - f64::MIN_POSITIVE).abs() <= alpha * f64::MIN_POSITIVE * (1.0 + 1e-12), "{got:e}");
    }

    /// Between a negative and a positive order statistic, a percentile is
    /// within α of the larger magnitude of the two, and no bucket sketch can
    /// hold it to α of itself: two samples whose values fill the same
    /// buckets, one with a median of exactly 0 and one of 4.5e-4, get the
    /// same median. Between two of the same sign, it is within α of itself.
    #[test]
    fn interpolation_across_zero_is_within_alpha_of_the_larger_order_statistic() {
        let zero: Vec<f64> = (1..=10).flat_map(|i| [-f64::from(i), f64::from(i)]).collect();
        let mut near = zero.clone();
        near[1] = 1.0009; // in 1's bucket, [1, 1 + 1/512)
        let medians: Vec<f64> = [&zero, &near]
            .iter()
            .map(|xs| {
                let mut sk = Sketch::new();
                sk.add_slice(xs);
                let mut sorted = xs.to_vec();
                sorted.sort_by(f64::total_cmp);
                let (got, exact) = (sk.quantile(0.5), exact_percentile(&sorted, 0.5));
                assert!(sorted[9] == -1.0 && sorted[10] >= 1.0, "the median straddles zero");
                assert!((got - exact).abs() <= RELATIVE_ACCURACY * sorted[10] * (1.0 + 1e-12), "{got} vs {exact}");
                // Same sign: the quartile lies between 5 and 6.
                let (got, exact) = (sk.quantile(0.75), exact_percentile(&sorted, 0.75));
                assert!((got - exact).abs() <= RELATIVE_ACCURACY * exact * (1.0 + 1e-12), "{got} vs {exact}");
                sk.quantile(0.5)
            })
            .collect();
        assert_eq!(medians[0].to_bits(), medians[1].to_bits(), "the same buckets give the same median");
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

    /// Either kind of low counts gives the same sketch, bucket for bucket,
    /// on values that take every counting loop: spread positive values (the
    /// engine's loop, with the next column's pass), zeros and a pile at the
    /// largest value (the compacting loop), negative values, and blocks of
    /// one value throughout; 400 blocks of 256, some of them in so few
    /// buckets that low bytes wrap many times over. And the same as the
    /// values added one at a time (which go through none of those loops).
    #[test]
    fn both_kinds_of_low_counts_give_the_same_sketch() {
        let mut seed = 7;
        let mut sketches = [Counts::Words, Counts::Bytes].map(|k| Sketch::with_counts(MAX_BUCKETS, k));
        let mut one = Sketch::new();
        let next: Vec<f64> = (0..256).map(f64::from).collect();
        for block in 0..400 {
            let xs: Vec<f64> = (0..256)
                .map(|i| {
                    let x = (4.0 * lcg(&mut seed) - 1.0).exp();
                    match block % 4 {
                        // (About 40 buckets: each wraps its byte.)
                        0 => 1.0 + 0.05 * lcg(&mut seed),
                        1 if i % 3 == 0 => 0.0,
                        1 if i % 5 == 0 => 9.0,
                        1 => x.min(9.0),
                        2 => x - 1.5,
                        _ => 2.5,
                    }
                })
                .collect();
            let (lo, hi) = extremes(&xs);
            let passes = sketches.each_mut().map(|sk| {
                // SAFETY: finite values, and their extremes.
                unsafe { sk.add_slice_within_ahead(Width::widest(), &xs, lo, hi, Some((&next, 3.0))) }
            });
            assert_eq!(passes[0], passes[1], "block {block}");
            xs.iter().for_each(|x| one.add(*x));
        }
        let [words, bytes] = &sketches;
        for sk in [bytes, &one] {
            assert_eq!(buckets(&words.positive), buckets(&sk.positive));
            assert_eq!(buckets(&words.negative), buckets(&sk.negative));
            assert_eq!((words.zeros, words.count()), (sk.zeros, sk.count()));
        }
        assert!(words.positive.total > 256 * 100 && words.negative.total > 0 && words.zeros > 0);
        let wrapped = |sk: &Sketch| (0..sk.positive.len()).filter(|&p| sk.positive.count(p) > 600).count();
        assert!(wrapped(bytes) > 20, "bytes wrapped in {} buckets", wrapped(bytes));
        for q in [0.0, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 1.0] {
            assert_eq!(words.quantile(q).to_bits(), bytes.quantile(q).to_bits(), "{q}");
        }
    }

    /// A bucket's count is its low count plus a high count: with 16-bit low
    /// counts, folded into the high ones every 65,535 values; with low bytes,
    /// carrying 256 into them as they wrap. Counts past 255, 256, 65,535 and
    /// 65,536 and into the millions come out exact with either, by the
    /// vectorised path in slices (of 300, and in one slice longer than a
    /// fold), by the engine's path that makes the next column's pass as it
    /// counts, one by one, merged (with a sketch of either kind), and moved to
    /// a wider array, and the percentiles see them. (Tests run with overflow
    /// checks: a 16-bit count that wrapped would stop them.)
    #[test]
    fn counts_past_a_fold_or_a_byte_come_out_exact() {
        let (a, b) = (3.0, 5.0);
        let kinds = [Counts::Words, Counts::Bytes];
        for (n, counts) in [255, 256, 257, 32_767, 32_768, 65_535, 65_536, 70_000, 1_100_000]
            .into_iter()
            .flat_map(|n| kinds.map(|k| (n, k)))
        {
            let fresh = || Sketch::with_counts(MAX_BUCKETS, counts);
            let mut slices = fresh();
            let mut whole = fresh();
            let mut ahead = fresh();
            let mut one = fresh();
            // Two spread values first, so that every sketch leaves exact mode.
            let warm: Vec<f64> = (0..8).map(|i| 1.0 + f64::from(i) * 0.1).collect();
            for sk in [&mut slices, &mut whole, &mut ahead] {
                sk.add_slice(&warm);
            }
            warm.iter().for_each(|x| one.add(*x));
            // n values alternating between two buckets.
            let xs: Vec<f64> = (0..2 * n).map(|i| if i % 2 == 0 { a } else { b }).collect();
            xs.chunks(300).for_each(|c| slices.add_slice(c));
            whole.add_slice(&xs);
            // The engine's counting loop, in blocks of 256 whose largest
            // value is one of its own (so that the block is spread out, not a
            // pile at its largest value, and takes that loop).
            let (top, next) = (7.0, (0..256).map(f64::from).collect::<Vec<_>>());
            let mut blocks = 0;
            for c in xs.chunks(255) {
                let block: Vec<f64> = c.iter().copied().chain([top]).collect();
                let next = &next[..block.len()];
                // SAFETY: finite values, and their extremes.
                let (lo, hi) = extremes(&block);
                let pass = unsafe { ahead.add_slice_within_ahead(Width::widest(), &block, lo, hi, Some((next, 1.0))) };
                assert_eq!(pass, Some(column_pass(Width::widest(), next, 1.0)), "{n}: the counting loop's pass");
                blocks += 1;
            }
            if n <= 70_000 {
                xs.iter().for_each(|x| one.add(*x));
            } else {
                one = whole.clone();
            }
            for sk in [&slices, &whole, &ahead, &one] {
                let count = |x: f64| sk.positive.count((bucket(x) - sk.positive.offset) as usize);
                assert_eq!((count(a), count(b)), (n as u64, n as u64), "{n}");
            }
            let count = |x: f64| ahead.positive.count((bucket(x) - ahead.positive.offset) as usize);
            assert_eq!((count(top), ahead.positive.total), (blocks, 8 + 2 * n as u64 + blocks));
            for sk in [&slices, &whole, &one] {
                assert_eq!(sk.positive.total, 8 + 2 * n as u64);
            }
            for sk in [&whole, &one] {
                assert_eq!(buckets(&slices.positive), buckets(&sk.positive));
            }
            // Merged with a sketch of the other kind, in both directions.
            let other = if counts == Counts::Words { Counts::Bytes } else { Counts::Words };
            let mut theirs = Sketch::with_counts(MAX_BUCKETS, other);
            theirs.add_slice(&warm);
            xs.chunks(300).for_each(|c| theirs.add_slice(c));
            let mut both = theirs.clone();
            both.merge(&slices);
            let mut back = slices.clone();
            back.merge(&theirs);
            assert_eq!(buckets(&both.positive), buckets(&back.positive), "{n}, {counts:?}");
            let count = |x: f64| both.positive.count((bucket(x) - both.positive.offset) as usize);
            assert_eq!((count(a), count(b)), (2 * n as u64, 2 * n as u64), "{n}, {counts:?}");
            let mut merged = slices.clone();
            merged.merge(&one);
            let count = |x: f64| merged.positive.count((bucket(x) - merged.positive.offset) as usize);
            assert_eq!((count(a), count(b)), (2 * n as u64, 2 * n as u64));
            // A value far above moves the counts to a new, wider array at
            // the same resolution, high parts and all.
            let (len, coarse) = (merged.positive.len(), merged.positive.coarse);
            merged.add(1000.0);
            assert!(merged.positive.len() > len);
            assert_eq!(merged.positive.coarse, coarse);
            let count = |x: f64| merged.positive.count((bucket(x) - merged.positive.offset) as usize);
            assert_eq!((count(a), count(b), count(1000.0)), (2 * n as u64, 2 * n as u64, 1));
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
                // (Far above 300: the store coarsens to hold both.)
                assert_eq!(sk.positive.max_index, sk.positive.index(bad));
                assert!(sk.positive.len() > (sk.positive.index(bad) - sk.positive.offset) as usize);
            } else {
                assert_eq!(sk.negative.total, 1);
            }
        }
    }

    /// Values over 314 orders of magnitude (1046 powers of two): the stores
    /// stay within their limit by coarsening, and every percentile stays
    /// within the accuracy the sketch reports (lo·hi overflowed in the
    /// buckets' representatives above about 1e154).
    #[test]
    fn memory_stays_bounded_over_a_huge_range() {
        let xs: Vec<f64> = (0..2000).map(|i| 10f64.powi(i % 315 - 14)).collect();
        let mut sorted = xs.clone();
        sorted.sort_by(f64::total_cmp);
        for (limit, bits) in [(MAX_BUCKETS, 4), (MIN_BUCKETS, 0)] {
            let mut sk = Sketch::with_limit(limit);
            xs.iter().for_each(|x| sk.add(*x));
            assert!(sk.positive.len() <= limit);
            assert_eq!(sk.mantissa_bits(), bits, "limit {limit}");
            assert_eq!(sk.relative_accuracy(), relative_accuracy(bits));
            assert_eq!((sk.quantile(0.0), sk.quantile(1.0)), (sk.min(), sk.max()));
            for q in [0.01, 0.05, 0.25, 0.5, 0.75, 0.95] {
                let exact = exact_percentile(&sorted, q);
                let got = sk.quantile(q);
                assert!(
                    (got - exact).abs() <= sk.relative_accuracy() * exact,
                    "limit {limit}, q={q}: {got:e} vs {exact:e}"
                );
            }
        }
    }

    /// A slice longer than a fold, whose values fall inside the array but
    /// past the counted range: every bucket it counts into must be folded
    /// (a review found the range widened only after the last part, so that
    /// a 16-bit count wrapped: tests stopped on the overflow, a release
    /// build lost 65,536). The engine's slices are never this long; a
    /// sketch's own users' may be.
    #[test]
    fn a_long_slice_past_the_counted_range_is_folded() {
        for counts in [Counts::Words, Counts::Bytes] {
            let mut sk = Sketch::with_counts(MAX_BUCKETS, counts);
            let warm: Vec<f64> = (0..8).map(|i| 1.0 + f64::from(i) * 0.1).collect();
            sk.add_slice(&warm);
            let st = &sk.positive;
            let i = st.max_index + 1;
            assert_eq!(st.coarse, 0);
            assert!(st.covers(i, i), "{i} outside {}..{}", st.offset, st.offset + st.len() as i32);
            let a = bucket_bounds(i, st.shift()).0;
            let b = a * (1.0 + 1e-9);
            assert_eq!((bucket(a), bucket(b)), (i, i));
            let n = 3 * FOLD;
            let xs: Vec<f64> = (0..n).map(|k| if k + 1 == n { b } else { a }).collect();
            sk.add_slice(&xs);
            let pos = (i - sk.positive.offset) as usize;
            assert_eq!(sk.positive.count(pos), n as u64, "{counts:?}");
        }
    }
}
