//! Statistics of simulated samples (MODEL.md §8): moments merged in a fixed
//! order, and a mergeable quantile sketch whose result does not depend on how
//! the sample was split between threads.

pub mod moments;
pub mod rank;
pub mod sketch;

pub use moments::{ChunkMoments, Moments};
pub use sketch::{RELATIVE_ACCURACY, Sketch};

/// The percentiles every statistic reports, in CSV column order.
pub const PERCENTILES: [f64; 7] = [0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95];

/// Column names of [`PERCENTILES`].
pub const PERCENTILE_COLUMNS: [&str; 7] = ["p5", "p10", "p25", "p50", "p75", "p90", "p95"];

/// Summary statistics of one quantity over all paths.
#[derive(Clone, Debug, PartialEq)]
pub struct Stat {
    pub n: u64,
    pub mean: f64,
    /// Sample standard deviation (n − 1); undefined (NaN) for a single path,
    /// and written as an empty cell.
    pub sd: f64,
    /// Standard error of the mean, sd/√n; undefined (NaN) for a single path.
    pub se: f64,
    /// Values at [`PERCENTILES`].
    pub percentiles: [f64; 7],
}

impl Stat {
    /// Combine the moments and the sketch of one quantity.
    pub fn new(n: u64, mean: f64, m2: f64, sketch: &Sketch) -> Stat {
        let (mut mean, mut m2) = (mean, m2);
        // Few distinct values (a 0/1 flag, a fixed stake): the moments follow
        // exactly from the counts, without the rounding of running sums.
        if let Some(values) = sketch.exact_values() {
            let total = n as f64;
            mean = values.iter().map(|(x, c)| x * *c as f64).sum::<f64>() / total;
            if values.len() == 1 {
                mean = values[0].0;
            }
            m2 = values.iter().map(|(x, c)| (x - mean) * (x - mean) * *c as f64).sum();
        }
        // The sample standard deviation needs two values: one path has none.
        let sd = if n > 1 { (m2.max(0.0) / (n - 1) as f64).sqrt() } else { f64::NAN };
        // A sketch's percentile is a bucket's representative, accurate to
        // about 1e-3: its last ten digits say nothing, and a CSV is easier to
        // read without them (26.01562, not 26.015615615615616).
        // (Kept within the extremes, which are exact: a cap of 38.123456789
        // is not shown as 38.12346.)
        let shown = |x: f64| {
            if sketch.is_exact() { x } else { round_significant(x, SKETCH_DIGITS).clamp(sketch.min(), sketch.max()) }
        };
        Stat { n, mean, sd, se: sd / (n as f64).sqrt(), percentiles: PERCENTILES.map(|q| shown(sketch.quantile(q))) }
    }

    /// The median.
    pub fn median(&self) -> f64 {
        self.percentiles[3]
    }
}

/// Significant digits of a percentile from a sketch: rounding to them
/// moves it by at most 5e-7 of itself, next to the sketch's 1/1025.
pub const SKETCH_DIGITS: usize = 7;

/// `x` rounded to `digits` significant decimal digits (the nearest double
/// to the rounded decimal, so that it prints as that decimal).
pub fn round_significant(x: f64, digits: usize) -> f64 {
    if x == 0.0 || !x.is_finite() || digits == 0 {
        return x;
    }
    format!("{x:.*e}", digits - 1).parse().unwrap_or(x)
}

/// Exact percentile of a sample by linear interpolation between order
/// statistics (NumPy's default): h = (n − 1)·q, between x⌊h⌋ and x⌊h⌋₊₁ by
/// h − ⌊h⌋ ([`lerp`]). `sorted` must be in ascending order and non-empty.
pub fn exact_percentile(sorted: &[f64], q: f64) -> f64 {
    let (lo, frac) = rank(sorted.len(), q);
    let hi = (lo + 1).min(sorted.len() - 1);
    lerp(sorted[lo], sorted[hi], frac)
}

/// Where percentile `q` of `n` ≥ 1 values lies: h = (n − 1)·q, as the rank
/// of the order statistic below it, ⌊h⌋ (from 0), and the fraction h − ⌊h⌋
/// of the way to the next.
pub fn rank(n: usize, q: f64) -> (usize, f64) {
    let h = (n - 1) as f64 * q;
    let lo = h.floor();
    (lo as usize, h - lo)
}

/// `a` + t·(`b` − `a`) as NumPy's `percentile` works it out, to the last
/// bit: from `b` back, b − (b − a)·(1 − t), when t ≥ 0.5 (its `_lerp`), so
/// that a percentile near the upper order statistic rounds as NumPy's does.
pub fn lerp(a: f64, b: f64, t: f64) -> f64 {
    let d = b - a;
    if t >= 0.5 { b - d * (1.0 - t) } else { a + d * t }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rounding to significant digits prints as the decimal it rounds to,
    /// and moves a value by at most half a unit of its last digit.
    #[test]
    fn sketch_percentiles_round_to_seven_significant_digits() {
        assert_eq!(round_significant(26.015615615615616, 7).to_string(), "26.01562");
        assert_eq!(round_significant(-0.00012345678, 7).to_string(), "-0.0001234568");
        assert_eq!(round_significant(1234567890.0, 7).to_string(), "1234568000");
        assert_eq!(round_significant(38.0, 7), 38.0);
        assert_eq!(round_significant(0.0, 7), 0.0);
        assert!(round_significant(f64::NAN, 7).is_nan());
        for x in [1e-300, 3.7e-9, 0.999_999_95, 12_345.678_9, 6.02e23] {
            let r = round_significant(x, SKETCH_DIGITS);
            assert!((r - x).abs() <= 5e-7 * x.abs(), "{x} → {r}");
        }
        // A sketch's percentiles are rounded, those of a handful of values
        // (exact) are not.
        let mut wide = Sketch::new();
        (1..=1000).for_each(|i| wide.add(f64::from(i) / 7.0));
        let st = Stat::new(1000, 0.0, 0.0, &wide);
        assert!(st.percentiles.iter().all(|p| *p == round_significant(*p, SKETCH_DIGITS)), "{:?}", st.percentiles);
        // Rounding never carries a percentile past the largest value (a cap).
        let mut capped = Sketch::new();
        (0..1000).for_each(|i| capped.add(if i < 900 { 38.123456789 } else { f64::from(i) / 100.0 }));
        let st = Stat::new(1000, 0.0, 0.0, &capped);
        assert!(st.percentiles.iter().all(|p| *p <= 38.123456789), "{:?}", st.percentiles);
        assert_eq!(st.percentiles[6], 38.123456789);
        let mut few = Sketch::new();
        [1.0 / 3.0, 1.0 / 7.0, 1.0 / 3.0].iter().for_each(|x| few.add(*x));
        assert_eq!(Stat::new(3, 0.0, 0.0, &few).percentiles[3], 1.0 / 3.0);
    }

    /// Percentiles round as NumPy's do (numpy 2.4.6, `np.percentile([a, b],
    /// 95)`): where the two ways of interpolating differ in the last bit,
    /// NumPy's goes from the upper value back.
    #[test]
    fn percentiles_round_as_numpys() {
        for (a, b, numpy) in [
            (76.3774618976614, 89.13091318463249, 88.49324062028394),
            (22.876222127045263, 70.13975690474138, 67.77658016585657),
        ] {
            assert_ne!(a + 0.95 * (b - a), numpy, "a case where the two ways differ");
            assert_eq!(exact_percentile(&[a, b], 0.95), numpy);
        }
        assert_eq!(lerp(1.0, 3.0, 0.25), 1.5);
        assert_eq!(lerp(1.0, 3.0, 0.0), 1.0);
        assert_eq!(lerp(1.0, 3.0, 1.0), 3.0);
    }
}
