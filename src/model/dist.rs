//! Uncertain inputs (MODEL.md §2): the seven distributions a scenario may give
//! for an input that is drawn once per path, validated when built so that
//! sampling can never fail: a path's draw from 64 bits ([`Dist::from_bits`]),
//! inverse CDFs, and F⁻¹(Φ(z)) for the Gaussian copula.

use super::normal::{normal_from_bits, open_unit};
use serde::Serialize;
use serde::ser::SerializeMap;
use std::sync::OnceLock;

use super::special::{self, BetaFromNormal, beta_inc_inv, lanes, norm_cdf, norm_inv};

/// The set of values an input may take, e.g. [0, 1] for a stake or (0, ∞) for a
/// multiple. A distribution is accepted only if it stays inside its input's domain.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Domain {
    pub low: f64,
    pub low_open: bool,
    pub high: f64,
    pub high_open: bool,
}

impl Domain {
    pub const REAL: Domain = Domain { low: f64::NEG_INFINITY, low_open: true, high: f64::INFINITY, high_open: true };
    pub const NON_NEGATIVE: Domain = Domain { low: 0.0, low_open: false, high: f64::INFINITY, high_open: true };
    pub const POSITIVE: Domain = Domain { low: 0.0, low_open: true, high: f64::INFINITY, high_open: true };
    pub const UNIT: Domain = Domain { low: 0.0, low_open: false, high: 1.0, high_open: false };
    pub const UNIT_HALF_OPEN: Domain = Domain { low: 0.0, low_open: false, high: 1.0, high_open: true };

    pub fn contains(&self, x: f64) -> bool {
        let above = if self.low_open { x > self.low } else { x >= self.low };
        let below = if self.high_open { x < self.high } else { x <= self.high };
        above && below
    }

    /// The set as an interval, e.g. `[0, 1]` or `(0, ∞)`.
    pub fn describe(&self) -> String {
        let low = if self.low.is_finite() { Num(self.low).to_string() } else { "−∞".into() };
        let high = if self.high.is_finite() { Num(self.high).to_string() } else { "∞".into() };
        let open = self.low_open || !self.low.is_finite();
        let close = self.high_open || !self.high.is_finite();
        format!("{}{low}, {high}{}", if open { "(" } else { "[" }, if close { ")" } else { "]" })
    }

    /// What a value must be, to follow "it must be": `in [0, 1]`, `> 0`,
    /// `≥ 0` or `finite`.
    pub fn requirement(&self) -> String {
        match (self.low.is_finite(), self.high.is_finite()) {
            (false, false) => "finite".into(),
            (true, false) => format!("{} {}", if self.low_open { ">" } else { "≥" }, Num(self.low)),
            (false, true) => format!("{} {}", if self.high_open { "<" } else { "≤" }, Num(self.high)),
            (true, true) => format!("in {}", self.describe()),
        }
    }

    /// Nearest value of the domain (used only to guard normal draws, whose
    /// tails validation has already bounded far inside the domain).
    fn clamp(&self, x: f64) -> f64 {
        let lo = if self.low_open { self.low.next_up() } else { self.low };
        let hi = if self.high_open { self.high.next_down() } else { self.high };
        x.clamp(lo, hi)
    }
}

/// A fraction as a percentage to show: x × 100 to 12 significant digits, so
/// that 0.07 reads 7 and not 7.000000000000001.
pub fn as_percent(x: f64) -> f64 {
    let v = x * 100.0;
    if v.is_finite() { format!("{v:.11e}").parse().unwrap_or(v) } else { v }
}

/// `x` to four significant digits, for a message about a drawn or
/// estimated value (shown with [`Num`]: 0.3816, 18.75, 0.00001234).
pub fn significant(x: f64) -> f64 {
    if x.is_finite() && x != 0.0 { format!("{x:.3e}").parse().unwrap_or(x) } else { x }
}

/// A number as a message shows it: as Rust writes it (`0.2`, `-5`, `38`),
/// but in exponent form when that would be long (`1e308`, not 309 digits;
/// `1e-300`, not 300 zeros).
#[derive(Clone, Copy, Debug)]
pub struct Num(pub f64);

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let x = self.0;
        if x != 0.0 && x.is_finite() && !(1e-6..1e15).contains(&x.abs()) {
            write!(f, "{x:e}")
        } else {
            write!(f, "{x}")
        }
    }
}

/// Thousands separators in the whole part of a plain decimal number:
/// `2167.5` → `2,167.5`.
pub fn group_digits(s: &str) -> String {
    let (whole, frac) = s.split_once('.').map_or((s, None), |(w, f)| (w, Some(f)));
    let mut out = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// How far inside a bounded domain a normal's mean must lie, in standard
/// deviations (P(outside) < 0.14%); draws that still fall outside are clamped
/// to the domain, and [`Dist::clamped_mass`] says how often that happens.
pub const NORMAL_MARGIN_SD: f64 = 3.0;

/// A validated distribution of one uncertain input.
#[derive(Clone, Debug)]
pub enum Dist {
    Fixed {
        value: f64,
    },
    Uniform {
        low: f64,
        high: f64,
    },
    Triangular {
        low: f64,
        mode: f64,
        high: f64,
    },
    Pert {
        low: f64,
        mode: f64,
        high: f64,
        alpha: f64,
        beta: f64,
        /// The Beta's quantile at a normal's probability, tabulated the
        /// first time a copula or a Latin hypercube asks for it.
        from_normal: OnceLock<BetaFromNormal>,
    },
    Normal {
        mean: f64,
        sd: f64,
        domain: DomainBox,
    },
    Lognormal {
        median: f64,
        sigma: f64,
    },
    Discrete {
        /// The values and their weights (normalised) in the file's order.
        values: Vec<f64>,
        weights: Vec<f64>,
        /// The values in ascending order, and the cumulative probability up
        /// to each: F⁻¹ reads these, so that it is monotone (a positive
        /// correlation, a Latin hypercube's strata) whatever the file's order.
        ascending: Vec<f64>,
        cumulative: Vec<f64>,
    },
}

/// Written back as the file would say it: a plain number for a fixed value,
/// else a `{ dist = ..., ... }` table.
impl Serialize for Dist {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (name, params): (&str, Vec<(&str, f64)>) = match self {
            Dist::Fixed { value } => return s.serialize_f64(*value),
            Dist::Uniform { low, high } => ("uniform", vec![("low", *low), ("high", *high)]),
            Dist::Triangular { low, mode, high } => {
                ("triangular", vec![("low", *low), ("mode", *mode), ("high", *high)])
            }
            Dist::Pert { low, mode, high, .. } => ("pert", vec![("low", *low), ("mode", *mode), ("high", *high)]),
            Dist::Normal { mean, sd, .. } => ("normal", vec![("mean", *mean), ("sd", *sd)]),
            Dist::Lognormal { median, sigma } => ("lognormal", vec![("median", *median), ("sigma", *sigma)]),
            Dist::Discrete { values, weights, .. } => {
                let mut m = s.serialize_map(Some(3))?;
                m.serialize_entry("dist", "discrete")?;
                m.serialize_entry("values", values)?;
                m.serialize_entry("weights", weights)?;
                return m.end();
            }
        };
        let mut m = s.serialize_map(Some(params.len() + 1))?;
        m.serialize_entry("dist", name)?;
        for (k, v) in params {
            m.serialize_entry(k, &v)?;
        }
        m.end()
    }
}

/// A [`Domain`] carried inside [`Dist::Normal`] for clamping (not serialised).
#[derive(Clone, Copy, Debug)]
pub struct DomainBox(pub Domain);

/// Why a distribution was refused: the sub-key at fault (`low`, `sd`, or empty
/// for the value itself), what is wrong and how to fix it.
#[derive(Clone, Debug, PartialEq)]
pub struct DistError {
    /// The validation rule (see `scenario::RULES`).
    pub rule: &'static str,
    pub key: &'static str,
    pub message: String,
    pub fix: String,
}

fn err(rule: &'static str, key: &'static str, message: impl Into<String>, fix: impl Into<String>) -> DistError {
    DistError { rule, key, message: message.into(), fix: fix.into() }
}

fn check_in(domain: Domain, key: &'static str, x: f64) -> Result<(), DistError> {
    if domain.contains(x) {
        Ok(())
    } else {
        Err(err(
            "out-of-range",
            key,
            format!("{} is out of range: it must be {}", Num(x), domain.requirement()),
            format!("give a value {}", domain.requirement()),
        ))
    }
}

fn check_ordered(low: f64, high: f64) -> Result<(), DistError> {
    if low > high {
        Err(err(
            "low-above-high",
            "low",
            format!("`low` ({}) is above `high` ({})", Num(low), Num(high)),
            "swap them, or correct the one that is wrong",
        ))
    } else {
        Ok(())
    }
}

fn check_mode(low: f64, mode: f64, high: f64) -> Result<(), DistError> {
    check_ordered(low, high)?;
    if mode < low || mode > high {
        Err(err(
            "mode-outside",
            "mode",
            format!("`mode` ({}) is outside [low, high] = [{}, {}]", Num(mode), Num(low), Num(high)),
            "the mode must lie between low and high",
        ))
    } else {
        Ok(())
    }
}

/// Bounds whose span is a finite number, and, for a triangular (`mode`),
/// the products of spans its draws take the square root of: ±1.7e308 are
/// each finite, but `high − low` is not, and a draw from them would be ±inf
/// or NaN (a silent wrong answer, not an error).
fn check_span(low: f64, mode: Option<f64>, high: f64) -> Result<(), DistError> {
    let span = high - low;
    let products = mode.is_none_or(|m| (span * (m - low)).is_finite() && (span * (high - m)).is_finite());
    if span.is_finite() && products {
        Ok(())
    } else {
        let what = if span.is_finite() {
            "the triangular's (high − low)·(mode − low) or (high − low)·(high − mode)"
        } else {
            "high − low"
        };
        Err(err(
            "too-wide",
            "high",
            format!("[low, high] = [{}, {}] is too wide to draw from: {what} overflows", Num(low), Num(high)),
            "give bounds whose distance is a number (for a triangular, below about 1e154 each way)",
        ))
    }
}

impl Dist {
    pub fn fixed(value: f64, domain: Domain) -> Result<Dist, DistError> {
        check_in(domain, "value", value)?;
        Ok(Dist::Fixed { value })
    }

    pub fn uniform(low: f64, high: f64, domain: Domain) -> Result<Dist, DistError> {
        check_ordered(low, high)?;
        check_in(domain, "low", low)?;
        check_in(domain, "high", high)?;
        check_span(low, None, high)?;
        Ok(if low == high { Dist::Fixed { value: low } } else { Dist::Uniform { low, high } })
    }

    pub fn triangular(low: f64, mode: f64, high: f64, domain: Domain) -> Result<Dist, DistError> {
        check_mode(low, mode, high)?;
        check_in(domain, "low", low)?;
        check_in(domain, "high", high)?;
        check_span(low, Some(mode), high)?;
        Ok(if low == high { Dist::Fixed { value: low } } else { Dist::Triangular { low, mode, high } })
    }

    pub fn pert(low: f64, mode: f64, high: f64, domain: Domain) -> Result<Dist, DistError> {
        check_mode(low, mode, high)?;
        check_in(domain, "low", low)?;
        check_in(domain, "high", high)?;
        check_span(low, None, high)?;
        if low == high {
            return Ok(Dist::Fixed { value: low });
        }
        let range = high - low;
        let alpha = 1.0 + 4.0 * (mode - low) / range;
        let beta = 1.0 + 4.0 * (high - mode) / range;
        // Both shapes lie in [1, 5] unless 4·(mode − low) overflows (a span
        // above about 4.5e307).
        if !(alpha.is_finite() && beta.is_finite()) {
            return Err(err(
                "too-wide",
                "high",
                format!("[low, high] = [{}, {}] is too wide for a PERT: its shape overflows", Num(low), Num(high)),
                "give bounds whose distance is below about 4e307",
            ));
        }
        Ok(Dist::Pert { low, mode, high, alpha, beta, from_normal: OnceLock::new() })
    }

    pub fn normal(mean: f64, sd: f64, domain: Domain) -> Result<Dist, DistError> {
        if sd < 0.0 {
            return Err(err(
                "negative-spread",
                "sd",
                format!("`sd` ({}) is negative", Num(sd)),
                "give a standard deviation ≥ 0",
            ));
        }
        check_in(domain, "mean", mean)?;
        // Exactly 3 sd inside is inside (mean 0.3 and sd 0.1 for a stake in
        // [0, 1]), whatever the rounding of mean ± 3·sd: a margin of a
        // millionth of an sd.
        let slack = 1e-6 * sd;
        let lo_ok = !domain.low.is_finite() || mean - NORMAL_MARGIN_SD * sd >= domain.low - slack;
        let hi_ok = !domain.high.is_finite() || mean + NORMAL_MARGIN_SD * sd <= domain.high + slack;
        if !(lo_ok && hi_ok) {
            return Err(err(
                "normal-outside-range",
                "sd",
                format!(
                    "a normal with mean {} and sd {} can fall outside {} (its mean must be at least {NORMAL_MARGIN_SD} sd inside)",
                    Num(mean),
                    Num(sd),
                    domain.describe()
                ),
                "use a bounded distribution (uniform, triangular, pert) or lognormal, or a smaller sd",
            ));
        }
        if sd == 0.0 {
            return Ok(Dist::Fixed { value: mean });
        }
        Ok(Dist::Normal { mean, sd, domain: DomainBox(domain) })
    }

    pub fn lognormal(median: f64, sigma: f64, domain: Domain) -> Result<Dist, DistError> {
        if median <= 0.0 {
            return Err(err(
                "median-not-positive",
                "median",
                format!("`median` ({}) must be > 0", Num(median)),
                "give a positive median",
            ));
        }
        if sigma < 0.0 {
            return Err(err(
                "negative-spread",
                "sigma",
                format!("`sigma` ({}) is negative", Num(sigma)),
                "give a sigma ≥ 0",
            ));
        }
        if domain.high.is_finite() || (domain.low.is_finite() && domain.low > 0.0) {
            if sigma > 0.0 {
                return Err(err(
                    "lognormal-unbounded",
                    "dist",
                    format!("a lognormal is unbounded above, but this input must be {}", domain.requirement()),
                    "use a bounded distribution (uniform, triangular or pert)",
                ));
            }
            check_in(domain, "median", median)?;
        }
        Ok(if sigma == 0.0 { Dist::Fixed { value: median } } else { Dist::Lognormal { median, sigma } })
    }

    pub fn discrete(values: Vec<f64>, weights: Option<Vec<f64>>, domain: Domain) -> Result<Dist, DistError> {
        if values.is_empty() {
            return Err(err("discrete-values", "values", "`values` is empty", "list at least one value"));
        }
        for &v in &values {
            check_in(domain, "values", v)?;
        }
        let weights = weights.unwrap_or_else(|| vec![1.0; values.len()]);
        if weights.len() != values.len() {
            return Err(err(
                "discrete-weights",
                "weights",
                format!("{} weights for {} values", weights.len(), values.len()),
                "give one weight per value",
            ));
        }
        if let Some(w) = weights.iter().find(|w| **w < 0.0) {
            return Err(err(
                "discrete-weights",
                "weights",
                format!("weight {} is negative", Num(*w)),
                "weights must be ≥ 0",
            ));
        }
        let total: f64 = weights.iter().sum();
        if !(total > 0.0 && total.is_finite()) {
            return Err(err(
                "discrete-weights",
                "weights",
                if total > 0.0 {
                    "the weights add up to more than a number can hold"
                } else {
                    "the weights add up to 0"
                },
                "give positive weights of a usual size (only their ratios matter)",
            ));
        }
        let weights: Vec<f64> = weights.iter().map(|w| w / total).collect();
        let mut order: Vec<usize> = (0..values.len()).collect();
        order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
        let ascending = order.iter().map(|&i| values[i]).collect();
        let mut acc = 0.0;
        let mut cumulative: Vec<f64> = order
            .iter()
            .map(|&i| {
                acc += weights[i];
                acc
            })
            .collect();
        *cumulative.last_mut().expect("non-empty") = 1.0;
        Ok(Dist::Discrete { values, weights, ascending, cumulative })
    }

    /// Probability that a draw falls outside its domain and is clamped (only a
    /// normal on a bounded domain can).
    pub fn clamped_mass(&self) -> f64 {
        match self {
            Dist::Normal { mean, sd, domain } => {
                let d = domain.0;
                let below = if d.low.is_finite() { super::special::norm_cdf((d.low - mean) / sd) } else { 0.0 };
                let above = if d.high.is_finite() { super::special::norm_cdf((mean - d.high) / sd) } else { 0.0 };
                below + above
            }
            _ => 0.0,
        }
    }

    /// True when every draw gives the same value.
    pub fn is_fixed(&self) -> bool {
        matches!(self, Dist::Fixed { .. })
    }

    /// True when every draw gives the same value, a discrete distribution
    /// of one value (or of values all the same) included. (Such a discrete
    /// one stays a discrete one, drawn through a uniform: in a correlation,
    /// its normal score is that uniform's, and the inputs correlated with it
    /// keep their draws.)
    pub fn is_constant(&self) -> bool {
        match self {
            Dist::Discrete { values, weights, .. } => {
                let mut held = values.iter().zip(weights).filter(|(_, w)| **w > 0.0).map(|(v, _)| v);
                let first = held.next();
                held.all(|v| Some(v) == first)
            }
            other => other.is_fixed(),
        }
    }

    /// Inverse CDF F⁻¹(u) for u in [0, 1).
    pub fn quantile(&self, u: f64) -> f64 {
        match self {
            Dist::Fixed { value } => *value,
            Dist::Uniform { low, high } => low + (high - low) * u,
            Dist::Triangular { low, mode, high } => {
                let (low, mode, high) = (*low, *mode, *high);
                let fc = (mode - low) / (high - low);
                if u < fc {
                    low + (u * (high - low) * (mode - low)).sqrt()
                } else {
                    high - ((1.0 - u) * (high - low) * (high - mode)).sqrt()
                }
            }
            Dist::Pert { low, high, alpha, beta, .. } => low + (high - low) * beta_inc_inv(*alpha, *beta, u),
            Dist::Normal { mean, sd, domain } => domain.0.clamp(mean + sd * norm_inv(u)),
            Dist::Lognormal { median, sigma } => median * special::exp(sigma * norm_inv(u)),
            Dist::Discrete { ascending, cumulative, .. } => {
                let i = cumulative.partition_point(|c| *c < u).min(ascending.len() - 1);
                ascending[i]
            }
        }
    }

    /// F⁻¹(u) as a path draws it (a Latin hypercube stratum): [`Dist::quantile`],
    /// except that a PERT goes through its tabulated [`Dist::from_normal`] at
    /// Φ⁻¹(u), the same value to within a few units of 1e-15 of its range in
    /// about a fiftieth of the time (25 ns against 1.2 µs).
    #[inline]
    pub fn draw_quantile(&self, u: f64) -> f64 {
        match self {
            Dist::Pert { .. } => self.from_normal(norm_inv(u)),
            _ => self.quantile(u),
        }
    }

    /// F⁻¹(Φ(z)): the value at standard normal score `z` (the Gaussian
    /// copula). Normal and lognormal inputs take `z` directly, which is the
    /// same value without the round trip through Φ and Φ⁻¹ (and exact in the
    /// tails, where Φ rounds to 1). A PERT interpolates F⁻¹(Φ(z)) from a
    /// table of exact values that it makes the first time it is asked
    /// ([`BetaFromNormal`]: within a few units of 1e-15 of its range).
    #[inline]
    pub fn from_normal(&self, z: f64) -> f64 {
        self.from_normal_lanes([z])[0]
    }

    /// [`Dist::from_normal`] of G values at once (G paths' draws of one
    /// input): one look at the distribution, then the same operations on
    /// each lane, side by side, so that their chains of dependent steps
    /// overlap (and vectorise where they can).
    #[inline]
    pub fn from_normal_lanes<const G: usize>(&self, z: [f64; G]) -> [f64; G] {
        match *self {
            Dist::Fixed { value } => [value; G],
            Dist::Normal { mean, sd, domain } => lanes(z, |z| domain.0.clamp(mean + sd * z)),
            Dist::Lognormal { median, sigma } => lanes(z, |z| median * special::exp(sigma * z)),
            Dist::Pert { low, high, alpha, beta, ref from_normal, .. } => {
                let table = from_normal.get_or_init(|| BetaFromNormal::new(alpha, beta));
                lanes(z, |z| low + (high - low) * table.eval(z))
            }
            _ => lanes(z, |z| self.quantile(norm_cdf(z).min(1.0 - f64::EPSILON / 2.0))),
        }
    }

    /// Whether a path draws this input as a uniform (F⁻¹(u)) rather than
    /// as a standard normal score (F⁻¹(Φ(z))): the distributions whose
    /// inverse CDF is cheap.
    fn by_uniform(&self) -> bool {
        matches!(self, Dist::Uniform { .. } | Dist::Triangular { .. } | Dist::Discrete { .. })
    }

    /// One value from 64 random bits, the whole of a path's draw for this
    /// input: F⁻¹(u) with u from the bits for a uniform, triangular or
    /// discrete input, and F⁻¹(Φ(z)) with z a standard normal drawn from
    /// the bits ([`normal_from_bits`]) for the others. Either way the input
    /// takes the same bits whatever its distribution and parameters.
    #[inline]
    pub fn from_bits(&self, bits: u64) -> f64 {
        self.from_bits_lanes([bits])[0]
    }

    /// [`Dist::from_bits`] of G paths' bits at once (see
    /// [`Dist::from_normal_lanes`]).
    #[inline]
    pub fn from_bits_lanes<const G: usize>(&self, bits: [u64; G]) -> [f64; G] {
        match self {
            Dist::Fixed { value } => [*value; G],
            d if d.by_uniform() => lanes(bits, |b| d.quantile(open_unit(b))),
            d => d.from_normal_lanes(lanes(bits, normal_from_bits)),
        }
    }

    /// The standard normal score of [`Dist::from_bits`]'s draw, for the
    /// copula: z itself, or Φ⁻¹(u) for an input drawn by a uniform. With no
    /// correlation, `from_normal(normal_score(b))` is `from_bits(b)`.
    #[inline]
    pub fn normal_score(&self, bits: u64) -> f64 {
        self.normal_score_lanes([bits])[0]
    }

    /// [`Dist::normal_score`] of G paths' bits at once.
    #[inline]
    pub fn normal_score_lanes<const G: usize>(&self, bits: [u64; G]) -> [f64; G] {
        if self.by_uniform() { lanes(bits, |b| norm_inv(open_unit(b))) } else { lanes(bits, normal_from_bits) }
    }

    /// Mean of the distribution (for listings and tests).
    pub fn mean(&self) -> f64 {
        match self {
            Dist::Fixed { value } => *value,
            Dist::Uniform { low, high } => 0.5 * (low + high),
            Dist::Triangular { low, mode, high } => (low + mode + high) / 3.0,
            Dist::Pert { low, mode, high, .. } => (low + 4.0 * mode + high) / 6.0,
            Dist::Normal { mean, .. } => *mean,
            Dist::Lognormal { median, sigma } => median * (0.5 * sigma * sigma).exp(),
            Dist::Discrete { values, weights, .. } => values.iter().zip(weights).map(|(v, w)| v * w).sum(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::special::beta_inc_inv;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    /// Messages show numbers short: a value typed as 1e308 is not shown
    /// as 309 digits, and a domain reads after "it must be".
    #[test]
    fn numbers_and_domains_read_well_in_messages() {
        let shown = |x: f64| Num(x).to_string();
        assert_eq!(shown(0.2), "0.2");
        assert_eq!(shown(-5.0), "-5");
        assert_eq!(shown(38.0), "38");
        assert_eq!(shown(0.0), "0");
        assert_eq!(shown(-1e308), "-1e308");
        assert_eq!(shown(1e-300), "1e-300");
        assert_eq!(shown(123456.5), "123456.5");
        assert_eq!(Domain::UNIT.requirement(), "in [0, 1]");
        assert_eq!(Domain::UNIT_HALF_OPEN.describe(), "[0, 1)");
        assert_eq!(Domain::NON_NEGATIVE.requirement(), "≥ 0");
        assert_eq!(Domain::NON_NEGATIVE.describe(), "[0, ∞)");
        assert_eq!(Domain::POSITIVE.requirement(), "> 0");
        assert_eq!(Domain::REAL.requirement(), "finite");
        assert_eq!(Domain::REAL.describe(), "(−∞, ∞)");
        let err = Dist::uniform(-1e300, 1.0, Domain::UNIT).expect_err("below the domain");
        assert_eq!(err.message, "-1e300 is out of range: it must be in [0, 1]");
        assert_eq!(err.fix, "give a value in [0, 1]");
    }

    /// Percentages read as typed: no float noise from the × 100.
    #[test]
    fn percentages_have_no_float_noise() {
        assert_eq!(0.07 * 100.0, 7.000000000000001);
        for (x, shown) in [
            (0.07, "7"),
            (0.14, "14"),
            (0.035, "3.5"),
            (0.29, "29"),
            (5.1, "510"),
            (0.0, "0"),
            (1.0 / 3.0, "33.3333333333"),
        ] {
            assert_eq!(Num(as_percent(x)).to_string(), shown, "{x}");
        }
    }

    /// A normal whose mean is exactly 3 sd inside its domain is accepted,
    /// whatever the rounding of mean − 3·sd (0.27 − 3·0.09 is a hair below
    /// 0 in floats), and one a little closer is refused.
    #[test]
    fn a_normal_exactly_three_sd_inside_is_accepted() {
        assert!(Dist::normal(0.3, 0.1, Domain::UNIT).is_ok());
        assert!(Dist::normal(0.27, 0.09, Domain::UNIT).is_ok());
        assert!(Dist::normal(0.7, 0.1, Domain::UNIT).is_ok());
        assert!(Dist::normal(5.0, 5.0 / 3.0, Domain::POSITIVE).is_ok());
        let err = Dist::normal(0.3, 0.1001, Domain::UNIT).expect_err("2.997 sd inside");
        assert_eq!(err.rule, "normal-outside-range");
        assert!(Dist::normal(0.7, 0.1001, Domain::UNIT).is_err());
    }

    /// A path's draw of each distribution from 64 bits (`from_bits`) follows
    /// it exactly: a Kolmogorov–Smirnov test against the exact CDF for the
    /// continuous ones (a draw with the wrong spread or shape fails it, not
    /// only one with the wrong mean), and each value's frequency within 5
    /// standard errors for the discrete one.
    #[test]
    fn draws_follow_their_distributions() {
        use rand::Rng;
        let draw = |d: &Dist, rng: &mut Xoshiro256PlusPlus| d.from_bits(rng.next_u64());
        let n = 200_000;
        // The 0.1% critical value of the KS statistic is about 1.95/√n.
        let critical = 1.95 / (n as f64).sqrt();
        let continuous: [(Dist, &dyn Fn(f64) -> f64); 5] = [
            (Dist::uniform(1.0, 3.0, Domain::REAL).unwrap(), &|x| (x - 1.0) / 2.0),
            (Dist::triangular(0.0, 1.0, 5.0, Domain::REAL).unwrap(), &|x| {
                if x < 1.0 { x * x / 5.0 } else { 1.0 - (5.0 - x) * (5.0 - x) / 20.0 }
            }),
            (Dist::pert(0.1, 0.2, 0.6, Domain::UNIT).unwrap(), &|x| special::beta_inc(1.8, 4.2, (x - 0.1) / 0.5)),
            (Dist::normal(2.0, 0.3, Domain::POSITIVE).unwrap(), &|x| norm_cdf((x - 2.0) / 0.3)),
            (Dist::lognormal(10.0, 0.4, Domain::POSITIVE).unwrap(), &|x| norm_cdf((x / 10.0).ln() / 0.4)),
        ];
        for (d, cdf) in &continuous {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
            let mut xs: Vec<f64> = (0..n).map(|_| draw(d, &mut rng)).collect();
            let ks = special::ks_statistic(&mut xs, cdf);
            assert!(ks < critical, "{d:?}: KS statistic {ks} ≥ {critical}");
        }
        let d = Dist::discrete(vec![1.0, 2.0, 4.0], Some(vec![1.0, 1.0, 2.0]), Domain::REAL).unwrap();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let draws: Vec<f64> = (0..n).map(|_| draw(&d, &mut rng)).collect();
        for (value, p) in [(1.0, 0.25), (2.0, 0.25), (4.0, 0.5)] {
            let f = draws.iter().filter(|x| **x == value).count() as f64 / n as f64;
            let se = (p * (1.0 - p) / n as f64).sqrt();
            assert!((f - p).abs() < 5.0 * se, "{value}: frequency {f} against {p}");
        }
        let fixed = Dist::Fixed { value: 0.27 };
        assert_eq!(fixed.from_bits(u64::MAX), 0.27);
    }

    /// A discrete input's F⁻¹ runs over its values in ascending order,
    /// whatever order the file lists them in, so that it is monotone: a
    /// positive correlation with another input pairs high with high (found
    /// by an independent implementation of MODEL.md: with `values = [30, 10,
    /// 20]` the copula used to pair the lowest uniforms with 30).
    #[test]
    fn discrete_quantiles_ascend_whatever_the_files_order() {
        let d = Dist::discrete(vec![30.0, 10.0, 20.0], Some(vec![3.0, 2.0, 1.0]), Domain::REAL).unwrap();
        // 10 has probability 1/3, 20 then 1/6, 30 the last half.
        let at = |u: f64| d.quantile(u);
        assert_eq!([at(0.0), at(0.3), at(0.34), at(0.49), at(0.51), at(0.999)], [10.0, 10.0, 20.0, 20.0, 30.0, 30.0]);
        let mut last = f64::NEG_INFINITY;
        for z in (-400..=400).map(|k| f64::from(k) / 100.0) {
            let x = d.from_normal(z);
            assert!(x >= last, "F⁻¹(Φ({z})) = {x} falls below {last}");
            last = x;
        }
        // The file's order is kept where the file is written back and for the mean.
        assert_eq!(d.mean(), 30.0 * 0.5 + 10.0 / 3.0 + 20.0 / 6.0);
        let Dist::Discrete { values, .. } = &d else { panic!("{d:?}") };
        assert_eq!(values, &[30.0, 10.0, 20.0]);
    }

    /// A path's draw of an input from 64 bits is a function of the bits, and,
    /// with no correlation, the same as the copula's way through its normal
    /// score: an input correlated with nothing (ρ = 0) is the input drawn
    /// directly.
    #[test]
    fn from_bits_is_from_normal_of_the_normal_score() {
        use rand::Rng;
        let dists = [
            Dist::uniform(1.0, 3.0, Domain::REAL).unwrap(),
            Dist::triangular(0.0, 1.0, 5.0, Domain::REAL).unwrap(),
            Dist::pert(0.1, 0.2, 0.6, Domain::UNIT).unwrap(),
            Dist::normal(2.0, 0.3, Domain::POSITIVE).unwrap(),
            Dist::lognormal(10.0, 0.4, Domain::POSITIVE).unwrap(),
            Dist::discrete(vec![1.0, 2.0, 4.0], Some(vec![1.0, 1.0, 2.0]), Domain::REAL).unwrap(),
        ];
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        for _ in 0..20_000 {
            let bits = rng.next_u64();
            for d in &dists {
                let (direct, via) = (d.from_bits(bits), d.from_normal(d.normal_score(bits)));
                assert!((direct - via).abs() <= 1e-12 * direct.abs().max(1.0), "{d:?} at {bits:#x}: {direct} vs {via}");
            }
        }
    }

    #[test]
    fn quantiles_match_their_means() {
        let dists = [
            Dist::triangular(0.0, 1.0, 5.0, Domain::REAL).unwrap(),
            Dist::pert(0.1, 0.2, 0.6, Domain::UNIT).unwrap(),
            Dist::lognormal(10.0, 0.4, Domain::POSITIVE).unwrap(),
            Dist::discrete(vec![1.0, 2.0, 4.0], Some(vec![1.0, 1.0, 2.0]), Domain::REAL).unwrap(),
        ];
        let n = 200_000;
        for d in &dists {
            let m = (0..n).map(|i| d.quantile((i as f64 + 0.5) / n as f64)).sum::<f64>() / n as f64;
            assert!((m - d.mean()).abs() < 1e-3 * d.mean().abs(), "{d:?}: {m} vs {}", d.mean());
        }
    }

    #[test]
    fn from_normal_is_the_quantile_at_the_normal_cdf() {
        let dists = [
            Dist::uniform(1.0, 3.0, Domain::REAL).unwrap(),
            Dist::pert(0.1, 0.2, 0.6, Domain::UNIT).unwrap(),
            Dist::normal(2.0, 0.3, Domain::POSITIVE).unwrap(),
            Dist::lognormal(10.0, 0.4, Domain::POSITIVE).unwrap(),
        ];
        for d in &dists {
            for z in [-3.0, -1.2, 0.0, 0.4, 2.5] {
                let direct = d.from_normal(z);
                let round_trip = d.quantile(norm_cdf(z));
                assert!(
                    (direct - round_trip).abs() <= 1e-12 * round_trip.abs(),
                    "{d:?} at {z}: {direct} vs {round_trip}"
                );
            }
        }
        // The normal clamps to its domain like a direct draw.
        let stake = Dist::normal(0.5, 0.1, Domain::UNIT).unwrap();
        assert_eq!(stake.from_normal(-8.0), 0.0);
    }

    /// A PERT's values for four paths at once are its values one at a time,
    /// bit for bit, also when some lane is outside the table's range (or not
    /// a number).
    #[test]
    fn a_pert_for_four_paths_is_its_values_one_at_a_time() {
        let pert = Dist::pert(20.0, 22.0, 25.0, Domain::POSITIVE).unwrap();
        for z in [[-8.4, -1.0, 0.3, 7.9], [-9.0, 0.5, f64::NAN, BetaFromNormal::Z]] {
            let one_by_one = z.map(|z| pert.from_normal(z).to_bits());
            assert_eq!(pert.from_normal_lanes(z).map(f64::to_bits), one_by_one, "{z:?}");
        }
    }

    /// A PERT drawn by a copula or a Latin hypercube stratum (its tabulated
    /// F⁻¹(Φ(z))) is its exact quantile, from the far tails to the middle,
    /// and a copy of the distribution shares the table it already has.
    #[test]
    fn a_pert_drawn_through_its_table_is_its_quantile() {
        for (low, mode, high) in [(20.0, 22.0, 25.0), (0.15, 0.3, 0.5), (0.0, 0.0, 1.0), (1.0, 3.0, 3.0)] {
            let d = Dist::pert(low, mode, high, Domain::REAL).unwrap();
            let Dist::Pert { alpha, beta, .. } = d else { panic!("a PERT") };
            let range = high - low;
            // The exact quantile, the upper half from the mirrored Beta at
            // 1 − u (exact there), where Newton on p itself would lose the
            // digits that u's rounding does not fix.
            let exact = |u: f64| {
                let x = if u <= 0.5 { beta_inc_inv(alpha, beta, u) } else { 1.0 - beta_inc_inv(beta, alpha, 1.0 - u) };
                low + range * x
            };
            let tails = [1e-300, 1e-100, 1e-20, 1e-12, 1e-6, 1.0 - 1e-6, 1.0 - 1e-12, 1.0 - f64::EPSILON];
            for u in (1..1000).map(|i| i as f64 / 1000.0).chain(tails) {
                let fast = d.draw_quantile(u);
                assert!((fast - exact(u)).abs() <= 1e-14 * range, "PERT({low}, {mode}, {high}) at {u}: {fast}");
                assert!((low..=high).contains(&fast));
                if (0.001..=0.999).contains(&u) {
                    assert!((fast - d.quantile(u)).abs() <= 1e-14 * range, "PERT({low}, {mode}, {high}) at {u}");
                }
            }
            let Dist::Pert { from_normal, .. } = d.clone() else { panic!("a PERT") };
            assert!(from_normal.get().is_some(), "a copy keeps the table");
        }
    }

    #[test]
    fn refuses_invalid_parameters() {
        assert_eq!(Dist::uniform(50.0, 30.0, Domain::REAL).unwrap_err().key, "low");
        assert_eq!(Dist::triangular(0.0, 2.0, 1.0, Domain::REAL).unwrap_err().key, "mode");
        assert_eq!(Dist::lognormal(0.0, 0.1, Domain::POSITIVE).unwrap_err().key, "median");
        assert_eq!(Dist::normal(0.27, 0.1, Domain::UNIT).unwrap_err().key, "sd");
        assert_eq!(Dist::uniform(0.1, 1.2, Domain::UNIT).unwrap_err().key, "high");
        assert_eq!(Dist::lognormal(0.5, 0.1, Domain::UNIT).unwrap_err().key, "dist");
        assert!(Dist::normal(22.0, 2.0, Domain::POSITIVE).is_ok());
        assert_eq!(Dist::discrete(vec![1.0], Some(vec![1.0, 2.0]), Domain::REAL).unwrap_err().key, "weights");
        // Bounds whose span overflows: every draw would be ±inf or NaN (and
        // a PERT's shape is not a number).
        for e in [
            Dist::pert(-1e308, 1e308, 1.5e308, Domain::REAL).unwrap_err(),
            Dist::triangular(-1.7e308, 0.0, 1.7e308, Domain::REAL).unwrap_err(),
            Dist::triangular(0.0, 1e200, 2e200, Domain::NON_NEGATIVE).unwrap_err(),
            Dist::triangular(0.0, 1e200, 1e200, Domain::NON_NEGATIVE).unwrap_err(),
            Dist::uniform(-1.7e308, 1.7e308, Domain::REAL).unwrap_err(),
            Dist::pert(-1.7e308, 0.0, 1.7e308, Domain::REAL).unwrap_err(),
            Dist::pert(-8e307, 0.0, 8e307, Domain::REAL).unwrap_err(),
        ] {
            assert_eq!((e.rule, e.key), ("too-wide", "high"));
        }
        // Wide but drawable: every draw finite.
        for d in [
            Dist::triangular(0.0, 1e150, 2e150, Domain::NON_NEGATIVE).unwrap(),
            Dist::uniform(-8e307, 8e307, Domain::REAL).unwrap(),
            Dist::pert(-2e307, 0.0, 2e307, Domain::REAL).unwrap(),
        ] {
            for u in [0.0, 1e-9, 0.3, 0.5, 0.999, 1.0 - 1e-16] {
                assert!(d.quantile(u).is_finite(), "{d:?} at {u}");
            }
        }
    }
}
