//! Means and variances of many quantities at once. Each chunk of paths sums
//! deviations from its first path's values (shifted sums keep the precision of
//! a two-pass method); chunks are then combined with Chan, Golub and LeVeque's
//! pairwise update, always in chunk order, so the result is the same bytes
//! whatever the number of threads.

/// Sum of deviations from `c` and of their squares, in eight lanes so that the
/// loop vectorises. The order of operations is fixed, so the result is too.
#[inline(always)]
fn column_sums(col: &[f64], c: f64) -> (f64, f64) {
    const LANES: usize = 8;
    let mut a = [0.0; LANES];
    let mut b = [0.0; LANES];
    let mut rows = col.chunks_exact(LANES);
    for row in &mut rows {
        for l in 0..LANES {
            let d = row[l] - c;
            a[l] += d;
            b[l] += d * d;
        }
    }
    for x in rows.remainder() {
        let d = x - c;
        a[0] += d;
        b[0] += d * d;
    }
    (
        ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7])),
        ((b[0] + b[1]) + (b[2] + b[3])) + ((b[4] + b[5]) + (b[6] + b[7])),
    )
}

/// Running sums of one chunk of paths.
#[derive(Clone, Debug)]
pub struct ChunkMoments {
    pub n: u64,
    shift: Vec<f64>,
    sum: Vec<f64>,
    sum_sq: Vec<f64>,
}

impl ChunkMoments {
    pub fn new(len: usize) -> Self {
        ChunkMoments { n: 0, shift: vec![0.0; len], sum: vec![0.0; len], sum_sq: vec![0.0; len] }
    }

    /// Forget everything (keeps the buffers).
    pub fn reset(&mut self) {
        self.n = 0;
        self.sum.fill(0.0);
        self.sum_sq.fill(0.0);
    }

    /// Count a block of `paths` paths (not empty), whose columns are then
    /// added one by one with [`ChunkMoments::add_column`]; `first(s)` is the
    /// block's first value of quantity `s`, which becomes the shift of a
    /// chunk's first block.
    pub fn start_block(&mut self, paths: usize, first: impl Fn(usize) -> f64, slots: &[usize]) {
        if self.n == 0 {
            for &s in slots {
                self.shift[s] = first(s);
            }
        }
        self.n += paths as u64;
    }

    /// Add quantity `s`'s values of the block counted by the last
    /// [`ChunkMoments::start_block`]. Returns false when they (or their
    /// squares) are not all finite.
    #[inline]
    pub fn add_column(&mut self, s: usize, column: &[f64]) -> bool {
        let (ds, dq) = column_sums(column, self.shift[s]);
        self.sum[s] += ds;
        self.sum_sq[s] += dq;
        ds.is_finite() && dq.is_finite()
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
