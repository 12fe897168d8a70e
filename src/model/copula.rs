//! The Gaussian copula of MODEL.md §2: the correlation matrix C of the inputs
//! named in `[[correlation]]`, checked positive definite by its Cholesky
//! factor, which then turns independent normals into correlated ones.

use crate::scenario::{Input, Scenario};

/// The correlated inputs and the Cholesky factor L (C = L·Lᵀ), row-major lower.
#[derive(Clone, Debug, Default)]
pub struct Copula {
    /// Inputs in a fixed order (sorted), one dimension each.
    pub inputs: Vec<Input>,
    lower: Vec<f64>,
}

/// C is not positive definite.
#[derive(Clone, Debug, thiserror::Error)]
#[error("the correlations between {} are not consistent: the correlation matrix is not positive definite", .inputs.join(", "))]
pub struct NotPositiveDefinite {
    pub inputs: Vec<String>,
}

impl Copula {
    /// Build the copula of a scenario; empty when nothing is correlated.
    pub fn new(scenario: &Scenario) -> Result<Copula, NotPositiveDefinite> {
        let mut inputs: Vec<Input> = scenario.correlations.iter().flat_map(|c| [c.a, c.b]).collect();
        inputs.sort();
        inputs.dedup();
        let d = inputs.len();
        let mut c = vec![0.0; d * d];
        for i in 0..d {
            c[i * d + i] = 1.0;
        }
        for corr in &scenario.correlations {
            let i = inputs.binary_search(&corr.a).expect("listed");
            let j = inputs.binary_search(&corr.b).expect("listed");
            c[i * d + j] = corr.rho;
            c[j * d + i] = corr.rho;
        }
        let lower = cholesky(&c, d).ok_or_else(|| NotPositiveDefinite {
            inputs: scenario.correlations.iter().flat_map(|c| [c.a.key(), c.b.key()]).fold(Vec::new(), |mut v, k| {
                if !v.contains(&k) {
                    v.push(k);
                }
                v
            }),
        })?;
        Ok(Copula { inputs, lower })
    }

    /// Number of correlated inputs.
    pub fn dim(&self) -> usize {
        self.inputs.len()
    }

    /// Turn independent standard normals into correlated ones, in place, for
    /// G paths at once: dimension i of lane g at `z[i * G + g]`; each lane
    /// gets the same operations as alone.
    #[inline]
    pub fn correlate_lanes<const G: usize>(&self, z: &mut [f64]) {
        let d = self.inputs.len();
        // Lower-triangular product from the bottom row up, so z can be reused.
        for i in (0..d).rev() {
            let row = &self.lower[i * d..i * d + i + 1];
            for g in 0..G {
                z[i * G + g] = row.iter().enumerate().map(|(k, l)| l * z[k * G + g]).sum();
            }
        }
    }
}

/// Cholesky factor of a symmetric d×d matrix; `None` unless positive definite
/// (with a small tolerance so that a matrix on the edge is refused, not
/// accepted with a useless factor).
fn cholesky(a: &[f64], d: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; d * d];
    for i in 0..d {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i * d + k] * l[j * d + k]).sum();
            if i == j {
                let v = a[i * d + i] - s;
                if v <= 1e-10 {
                    return None;
                }
                l[i * d + j] = v.sqrt();
            } else {
                l[i * d + j] = (a[i * d + j] - s) / l[j * d + j];
            }
        }
    }
    Some(l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_of_a_known_matrix() {
        let l = cholesky(&[1.0, 0.5, 0.5, 1.0], 2).unwrap();
        assert!((l[2] - 0.5).abs() < 1e-15);
        assert!((l[3] - 0.75f64.sqrt()).abs() < 1e-15);
    }

    #[test]
    fn refuses_inconsistent_correlations() {
        // a~b 0.9, b~c 0.9, a~c −0.9 cannot hold together.
        let m = [1.0, 0.9, -0.9, 0.9, 1.0, 0.9, -0.9, 0.9, 1.0];
        assert!(cholesky(&m, 3).is_none());
        assert!(cholesky(&[1.0, 1.0, 1.0, 1.0], 2).is_none());
    }
}
