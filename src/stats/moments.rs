//! Means and variances of many quantities at once. Each chunk of paths sums
//! deviations from its first path's values (shifted sums keep the precision of
//! a two-pass method); chunks are then combined with Chan, Golub and LeVeque's
//! pairwise update, always in chunk order, so the result is the same bytes
//! whatever the number of threads.

use crate::simd::Width;

/// Lanes of [`column_pass`]: eight running sums of deviations, of their
/// squares, and eight running minima and maxima.
type Lanes = ([f64; 8], [f64; 8], [f64; 8], [f64; 8]);

/// What a column's pass does after each line of eight values
/// ([`column_pass_with`]). A trait rather than a closure, so that its
/// method is inlined into the pass compiled for each width.
pub(crate) trait EachLine {
    /// Called once line `g` (values `8g..8g + 8`) has been read. The pass
    /// promises, and implementations may rely on it (the engine's counting
    /// does, unchecked): it calls this once for each `g` from 0 up to, not
    /// including, `col.len() / 8`, in order, and never otherwise.
    fn line(&mut self, g: usize);
}

/// Nothing after each line.
impl EachLine for () {
    #[inline(always)]
    fn line(&mut self, _: usize) {}
}

/// One read of a column: the sum of its deviations from `c` and of their
/// squares, in eight lanes so that the loop vectorises, and its smallest and
/// largest values (which the quantile sketch needs next). The order of
/// operations is fixed, so the result is too.
///
/// After each line of eight values (line `g` holds values `8g..8g + 8`) it
/// calls `each.line(g)`: the engine counts the previous column's values there
/// (see [`column_pass_with`]), and the values of that column past its last
/// whole line (fewer than eight) after the call.
#[inline(always)]
fn column_pass_lanes(col: &[f64], c: f64, mut each: impl EachLine) -> ColumnPass {
    let first = col.first().copied().unwrap_or(0.0);
    let (mut a, mut b, mut lo, mut hi): Lanes = ([0.0; 8], [0.0; 8], [first; 8], [first; 8]);
    let mut rows = col.chunks_exact(8);
    for (g, row) in (&mut rows).enumerate() {
        for l in 0..8 {
            let x = row[l];
            let d = x - c;
            a[l] += d;
            b[l] += d * d;
            lo[l] = if x < lo[l] { x } else { lo[l] };
            hi[l] = if x > hi[l] { x } else { hi[l] };
        }
        each.line(g);
    }
    fold_lanes((a, b, lo, hi), rows.remainder(), c)
}

/// The last values one by one into lane 0, then the lanes in order.
#[inline(always)]
fn fold_lanes((mut a, mut b, mut lo, mut hi): Lanes, rest: &[f64], c: f64) -> ColumnPass {
    for &x in rest {
        let d = x - c;
        a[0] += d;
        b[0] += d * d;
        lo[0] = if x < lo[0] { x } else { lo[0] };
        hi[0] = if x > hi[0] { x } else { hi[0] };
    }
    let min = |a: f64, b: f64| if b < a { b } else { a };
    let max = |a: f64, b: f64| if b > a { b } else { a };
    ColumnPass {
        sum: ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7])),
        sum_sq: ((b[0] + b[1]) + (b[2] + b[3])) + ((b[4] + b[5]) + (b[6] + b[7])),
        min: lo.into_iter().fold(lo[0], min),
        max: hi.into_iter().fold(hi[0], max),
    }
}

/// [`column_pass_lanes`] with AVX-512, one register per kind of lane (the
/// compiler does not vectorise the plain loop well: it keeps the lanes in
/// scalar registers). The same operations in the same order, so the same
/// bits: a subtraction, an addition, a product and an addition (no fused
/// multiply-add), and `vminpd(x, lo)`, which is `if x < lo { x } else { lo }`.
/// (BMI2 too, for the counting that `each` may do.)
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,bmi1,bmi2")]
fn column_pass_avx512(col: &[f64], c: f64, mut each: impl EachLine) -> ColumnPass {
    use std::arch::x86_64::*;
    let first = _mm512_set1_pd(col.first().copied().unwrap_or(0.0));
    let shift = _mm512_set1_pd(c);
    let (mut a, mut b, mut lo, mut hi) = (_mm512_setzero_pd(), _mm512_setzero_pd(), first, first);
    let mut rows = col.chunks_exact(8);
    for (g, row) in (&mut rows).enumerate() {
        // SAFETY: `row` holds eight values.
        let x = unsafe { _mm512_loadu_pd(row.as_ptr()) };
        let d = _mm512_sub_pd(x, shift);
        a = _mm512_add_pd(a, d);
        b = _mm512_add_pd(b, _mm512_mul_pd(d, d));
        lo = _mm512_min_pd(x, lo);
        hi = _mm512_max_pd(x, hi);
        each.line(g);
    }
    let mut lanes: Lanes = ([0.0; 8], [0.0; 8], [0.0; 8], [0.0; 8]);
    // SAFETY: each array holds eight values.
    unsafe {
        _mm512_storeu_pd(lanes.0.as_mut_ptr(), a);
        _mm512_storeu_pd(lanes.1.as_mut_ptr(), b);
        _mm512_storeu_pd(lanes.2.as_mut_ptr(), lo);
        _mm512_storeu_pd(lanes.3.as_mut_ptr(), hi);
    }
    fold_lanes(lanes, rows.remainder(), c)
}

/// [`column_pass_avx512`] with AVX2: two registers per kind of lane.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,bmi1,bmi2")]
fn column_pass_avx2(col: &[f64], c: f64, mut each: impl EachLine) -> ColumnPass {
    use std::arch::x86_64::*;
    let first = _mm256_set1_pd(col.first().copied().unwrap_or(0.0));
    let shift = _mm256_set1_pd(c);
    let zero = _mm256_setzero_pd();
    let (mut a, mut b, mut lo, mut hi) = ([zero; 2], [zero; 2], [first; 2], [first; 2]);
    let mut rows = col.chunks_exact(8);
    for (g, row) in (&mut rows).enumerate() {
        for h in 0..2 {
            // SAFETY: `row` holds eight values, so 4·h + 4 ≤ 8.
            let x = unsafe { _mm256_loadu_pd(row.as_ptr().add(4 * h)) };
            let d = _mm256_sub_pd(x, shift);
            a[h] = _mm256_add_pd(a[h], d);
            b[h] = _mm256_add_pd(b[h], _mm256_mul_pd(d, d));
            lo[h] = _mm256_min_pd(x, lo[h]);
            hi[h] = _mm256_max_pd(x, hi[h]);
        }
        each.line(g);
    }
    let mut lanes: Lanes = ([0.0; 8], [0.0; 8], [0.0; 8], [0.0; 8]);
    for h in 0..2 {
        // SAFETY: each array holds eight values, so 4·h + 4 ≤ 8.
        unsafe {
            _mm256_storeu_pd(lanes.0.as_mut_ptr().add(4 * h), a[h]);
            _mm256_storeu_pd(lanes.1.as_mut_ptr().add(4 * h), b[h]);
            _mm256_storeu_pd(lanes.2.as_mut_ptr().add(4 * h), lo[h]);
            _mm256_storeu_pd(lanes.3.as_mut_ptr().add(4 * h), hi[h]);
        }
    }
    fold_lanes(lanes, rows.remainder(), c)
}

/// [`column_pass_lanes`], with AVX-512 or AVX2 where `width` has it.
#[inline]
pub(crate) fn column_pass(width: Width, col: &[f64], c: f64) -> ColumnPass {
    column_pass_with(width, col, c, ())
}

/// [`column_pass`], calling `each.line(g)` after line `g` of the column (its
/// values `8g..8g + 8`), with the vectors of `width`. The engine counts the
/// previous column's values into their sketch there: that counting waits on
/// memory, one value at a time, and this pass's reads and arithmetic fit
/// into the waits, where on their own they would take a read of the column
/// from L2 (about 8% of a run). Whatever `each` does, the pass gives the
/// same bits as without it.
#[inline(always)]
pub(crate) fn column_pass_with(width: Width, col: &[f64], c: f64, each: impl EachLine) -> ColumnPass {
    #[cfg(target_arch = "x86_64")]
    {
        if width.is_avx512() {
            // SAFETY: a width at the AVX-512 level is only made once the
            // processor has been checked to support it (and BMI2).
            return unsafe { column_pass_avx512(col, c, each) };
        }
        if width.is_avx2() {
            // SAFETY: likewise for AVX2.
            return unsafe { column_pass_avx2(col, c, each) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = width;
    column_pass_lanes(col, c, each)
}

/// What one read of a column gives (see [`ChunkMoments::add_column`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct ColumnPass {
    sum: f64,
    sum_sq: f64,
    /// Smallest and largest value (meaningful only when every value is finite).
    min: f64,
    max: f64,
}

/// Running sums of one chunk of paths.
#[derive(Clone, Debug)]
pub struct ChunkMoments {
    pub n: u64,
    /// Whether the block being added is the chunk's first, whose first
    /// values become the shifts.
    first_block: bool,
    shift: Vec<f64>,
    sum: Vec<f64>,
    sum_sq: Vec<f64>,
}

impl ChunkMoments {
    pub fn new(len: usize) -> Self {
        ChunkMoments { n: 0, first_block: false, shift: vec![0.0; len], sum: vec![0.0; len], sum_sq: vec![0.0; len] }
    }

    /// Forget everything (keeps the buffers).
    pub fn reset(&mut self) {
        self.n = 0;
        self.first_block = false;
        self.sum.fill(0.0);
        self.sum_sq.fill(0.0);
    }

    /// Count a block of `paths` paths (not empty), whose columns are then
    /// added one by one, in any order, with [`ChunkMoments::add_column`] (or
    /// [`ChunkMoments::add_pass`], their pass made elsewhere). The first
    /// value of each quantity's column in a chunk's first block becomes
    /// that quantity's shift.
    pub fn start_block(&mut self, paths: usize) {
        self.first_block = self.n == 0;
        self.n += paths as u64;
    }

    /// Add quantity `s`'s values of the block counted by the last
    /// [`ChunkMoments::start_block`], with the vectors of `width`. Returns
    /// the column's smallest and largest values, or None when they (or their
    /// squares) are not all finite.
    #[inline]
    pub fn add_column(&mut self, width: Width, s: usize, column: &[f64]) -> Option<(f64, f64)> {
        let c = self.shift(s, column);
        self.add_pass(s, column_pass(width, column, c))
    }

    /// The value that quantity `s`'s sums are deviations from, for its
    /// `column` of the block (whose pass is made elsewhere, with
    /// [`column_pass_with`]): its first value in a chunk's first block.
    /// Each quantity's column is added once a block: a second one in a
    /// chunk's first block would move the shift under sums already made.
    #[inline]
    pub(crate) fn shift(&mut self, s: usize, column: &[f64]) -> f64 {
        if self.first_block
            && let Some(&first) = column.first()
        {
            debug_assert!(
                (self.sum[s] == 0.0 && self.sum_sq[s] == 0.0) || self.shift[s].to_bits() == first.to_bits(),
                "quantity {s} added twice in a chunk's first block"
            );
            self.shift[s] = first;
        }
        self.shift[s]
    }

    /// [`ChunkMoments::add_column`] for a column whose pass was made
    /// elsewhere, with [`ChunkMoments::shift`]: the same result.
    #[inline]
    pub(crate) fn add_pass(&mut self, s: usize, pass: ColumnPass) -> Option<(f64, f64)> {
        self.sum[s] += pass.sum;
        self.sum_sq[s] += pass.sum_sq;
        (pass.sum.is_finite() && pass.sum_sq.is_finite()).then_some((pass.min, pass.max))
    }

    /// Add one path's values.
    #[inline]
    pub fn add(&mut self, values: &[f64]) {
        if self.n == 0 {
            self.shift.copy_from_slice(values);
        }
        self.n += 1;
        for (((s, q), c), x) in self.sum.iter_mut().zip(self.sum_sq.iter_mut()).zip(&self.shift).zip(values) {
            let d = x - c;
            *s += d;
            *q += d * d;
        }
    }
}

/// Count, means and sums of squared deviations (M2) of every quantity.
#[derive(Clone, Debug)]
pub struct Moments {
    pub n: u64,
    pub mean: Vec<f64>,
    pub m2: Vec<f64>,
}

impl Moments {
    pub fn new(len: usize) -> Self {
        Moments { n: 0, mean: vec![0.0; len], m2: vec![0.0; len] }
    }

    /// Fold a chunk in (Chan et al. 1979).
    pub fn merge(&mut self, c: &ChunkMoments) {
        if c.n == 0 {
            return;
        }
        let nb = c.n as f64;
        let na = self.n as f64;
        let n = na + nb;
        for i in 0..self.mean.len() {
            let mean_b = c.shift[i] + c.sum[i] / nb;
            let m2_b = (c.sum_sq[i] - c.sum[i] * c.sum[i] / nb).max(0.0);
            if self.n == 0 {
                self.mean[i] = mean_b;
                self.m2[i] = m2_b;
            } else {
                let delta = mean_b - self.mean[i];
                self.mean[i] += delta * nb / n;
                self.m2[i] += m2_b + delta * delta * na * nb / n;
            }
        }
        self.n += c.n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every width gives the same bits as the plain lanes, for every length
    /// (with and without a remainder), and the right extremes.
    #[test]
    fn column_pass_is_the_same_at_every_width() {
        let xs: Vec<f64> =
            (0..203).map(|i| ((i * 7919) % 1000) as f64 * 0.37 - 120.0 + 1.0 / f64::from(i + 1)).collect();
        for len in [0, 1, 7, 8, 9, 64, 100, 203] {
            let col = &xs[..len];
            let plain = column_pass_lanes(col, 3.5, ());
            for width in Width::supported() {
                let wide = column_pass(width, col, 3.5);
                assert_eq!(wide.sum.to_bits(), plain.sum.to_bits(), "{width:?}, {len} values");
                assert_eq!(wide.sum_sq.to_bits(), plain.sum_sq.to_bits(), "{width:?}, {len} values");
                assert_eq!((wide.min, wide.max), (plain.min, plain.max), "{width:?}, {len} values");
            }
            if len > 0 {
                let min = col.iter().copied().fold(f64::INFINITY, f64::min);
                let max = col.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                assert_eq!((plain.min, plain.max), (min, max));
                let sum: f64 = col.iter().map(|x| x - 3.5).sum();
                assert!((plain.sum - sum).abs() < 1e-9 * (1.0 + sum.abs()));
            }
        }
    }

    #[test]
    fn a_column_that_is_not_finite_gives_no_extremes() {
        let mut m = ChunkMoments::new(1);
        m.start_block(3);
        assert_eq!(m.add_column(Width::widest(), 0, &[1.0, 2.0, 5.0]), Some((1.0, 5.0)));
        assert_eq!(m.add_column(Width::widest(), 0, &[1.0, f64::NAN, 5.0]), None);
        assert_eq!(m.add_column(Width::widest(), 0, &[1.0, 1e200, 5.0]), None, "a square overflows");
    }

    #[test]
    fn matches_two_pass_on_any_chunking() {
        let xs: Vec<f64> = (0..1000).map(|i| 1e6 + ((i * 7919) % 1000) as f64 * 0.001).collect();
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let m2: f64 = xs.iter().map(|x| (x - mean) * (x - mean)).sum();
        for chunk in [1, 7, 100, 1000] {
            let mut total = Moments::new(1);
            for part in xs.chunks(chunk) {
                let mut c = ChunkMoments::new(1);
                for x in part {
                    c.add(&[*x]);
                }
                total.merge(&c);
            }
            assert!((total.mean[0] - mean).abs() < 1e-9, "chunk {chunk}");
            assert!((total.m2[0] - m2).abs() < 1e-6 * m2, "chunk {chunk}: {} vs {m2}", total.m2[0]);
        }
    }
}
