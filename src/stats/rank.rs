//! Spearman's rank correlation: the Pearson correlation of the ranks, ties
//! given their average rank (the textbook definition; as
//! `scipy.stats.spearmanr`).

/// Ranks from 1 to n, ties sharing their average rank.
pub fn ranks(xs: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..xs.len()).collect();
    order.sort_by(|a, b| xs[*a].total_cmp(&xs[*b]));
    let mut r = vec![0.0; xs.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && xs[order[j + 1]] == xs[order[i]] {
            j += 1;
        }
        let average = (i + j) as f64 / 2.0 + 1.0;
        for k in i..=j {
            r[order[k]] = average;
        }
        i = j + 1;
    }
    r
}

/// Pearson correlation; NaN (undefined) when either side is constant, a
/// sample of one value included.
pub fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    if sxx == 0.0 || syy == 0.0 { f64::NAN } else { sxy / (sxx * syy).sqrt() }
}

/// Spearman's rank correlation of two samples of equal length.
pub fn spearman(x: &[f64], y: &[f64]) -> f64 {
    pearson(&ranks(x), &ranks(y))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        assert_eq!(ranks(&[10.0, 30.0, 20.0, 20.0]), vec![1.0, 4.0, 2.5, 2.5]);
        // Any increasing function has rank correlation 1.
        let x: Vec<f64> = (0..50).map(f64::from).collect();
        let y: Vec<f64> = x.iter().map(|v| v.exp()).collect();
        assert!((spearman(&x, &y) - 1.0).abs() < 1e-12);
        let z: Vec<f64> = x.iter().map(|v| -v * v * v).collect();
        assert!((spearman(&x, &z) + 1.0).abs() < 1e-12);
        // scipy.stats.spearmanr([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]) = 0.8207826816681233
        assert!(
            (spearman(&[1.0, 2.0, 3.0, 4.0, 5.0], &[5.0, 6.0, 7.0, 8.0, 7.0]) - 0.820_782_681_668_123_3).abs() < 1e-12
        );
    }

    /// A constant sample, or a single value, has no rank correlation with
    /// anything (as scipy.stats.spearmanr gives nan), not a correlation of 0.
    #[test]
    fn a_constant_sample_has_no_correlation() {
        assert!(spearman(&[1.0, 2.0, 3.0], &[4.0, 4.0, 4.0]).is_nan());
        assert!(spearman(&[7.0], &[3.0]).is_nan());
        assert!(spearman(&[], &[]).is_nan());
    }
}
