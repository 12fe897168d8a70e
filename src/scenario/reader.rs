//! Turning a merged scenario table into a validated [`Scenario`]: every key is
//! known, typed and in range, or an error names it. Validation goes on past the
//! first problem so that one run shows them all.

use std::collections::BTreeMap;
use std::path::PathBuf;

use toml::{Table, Value};

use super::source::{Sources, type_name};
use super::{
    ByYear, Correlation, CounterShare, Dilution, Equity, GrowthNoise, Input, Revenue, RevenueShare, Scenario,
    ScenarioError, ScenarioErrors, Shock, SourceInfo,
};
use crate::model::copula::Copula;
use crate::model::dist::{Dist, DistError, Domain, Num, as_percent, group_digits, significant};
use crate::scenario::Sampling;

const TOP_KEYS: &[&str] = &[
    "name",
    "description",
    "extends",
    "years",
    "steps_per_year",
    "paths",
    "seed",
    "discount_rate",
    "sampling",
    "revenue",
    "revenue_share",
    "counter_share",
    "equity",
    "correlation",
];
const REVENUE_KEYS: &[&str] = &["initial", "growth", "growth_shift", "volatility", "growth_noise", "shock"];
const SHARE_KEYS: &[&str] = &["rate", "rate_multiplier", "base_fraction", "until", "cap", "termination_rate"];
const COUNTER_KEYS: &[&str] = &["rate", "base_ratio"];
const EQUITY_KEYS: &[&str] = &["stake", "multiple", "terminal_multiple", "dilution"];
const DILUTION_KEYS: &[&str] = &["year", "fraction", "probability"];
const CORRELATION_KEYS: &[&str] = &["a", "b", "rho"];
const NOISE_KEYS: &[&str] = &["sd", "persistence"];
const SHOCK_KEYS: &[&str] = &["rate", "size"];
const DISTS: &[&str] = &["fixed", "uniform", "triangular", "pert", "normal", "lognormal", "discrete"];

/// Every table a key can live in, for "did you mean" across tables.
const ALL_TABLES: &[(&str, &[&str])] = &[
    ("", TOP_KEYS),
    ("revenue", REVENUE_KEYS),
    ("revenue_share", SHARE_KEYS),
    ("counter_share", COUNTER_KEYS),
    ("equity", EQUITY_KEYS),
    ("revenue.growth_noise", NOISE_KEYS),
    ("revenue.shock", SHOCK_KEYS),
];

pub const STEPS: &[i64] = &[1, 2, 4, 12];

/// The most paths one run may simulate (the quantile sketches count in 32 bits).
pub const MAX_PATHS: u64 = crate::stats::sketch::MAX_COUNT;
/// The largest seed: the largest whole number a scenario file (TOML) holds.
pub const MAX_SEED: u64 = i64::MAX as u64;
const YEAR_RANGE: (i64, i64) = (1900, 2200);

/// Parse a path count as people write it: `100000`, `1_000_000`, `1e6`, `2.5M`,
/// `100k`, `1G`. Returns `None` unless it is a whole number ≥ 1.
pub fn parse_count(text: &str) -> Option<u64> {
    let t = text.trim().replace('_', "");
    let (num, mult) = match t.chars().last()? {
        'k' | 'K' => (&t[..t.len() - 1], 1e3),
        'm' | 'M' => (&t[..t.len() - 1], 1e6),
        'g' | 'G' => (&t[..t.len() - 1], 1e9),
        _ => (t.as_str(), 1.0),
    };
    if mult == 1.0
        && let Ok(n) = num.parse::<u64>()
    {
        return (n >= 1).then_some(n);
    }
    let v = num.parse::<f64>().ok()? * mult;
    (v.is_finite() && v >= 1.0 && v.fract() == 0.0 && v < 1.8e19).then_some(v as u64)
}

/// An amount written with its units (`38B`, `$38`, `$38bn`): the number of $B.
fn dollars(s: &str) -> Option<f64> {
    let t = s.trim();
    let t = t.strip_prefix('$').unwrap_or(t).trim();
    let lower = t.to_ascii_lowercase();
    let t = ["bn", "b"].iter().find_map(|u| lower.strip_suffix(u)).unwrap_or(&lower).trim();
    (t.len() < s.trim().len())
        .then(|| t.replace(['_', ','], "").parse::<f64>().ok())
        .flatten()
        .filter(|x| x.is_finite())
}

/// A warning for a value that is allowed but far more likely a percentage
/// written as a whole number (`growth = 80` for 80%): growth of 500% a year
/// or more, a volatility or noise of 200% or more, a hazard of 5 a year or
/// more. The run goes on: such values are valid (MODEL.md), just unlikely.
fn implausible(full: &str, x: f64) -> Option<String> {
    let key = full.split('[').next().unwrap_or(full);
    let percent = |what: &str| {
        format!(
            "{full} = {} is {what}: if you meant {}%, write {} (fractions are written 0.2 for 20%)",
            Num(x),
            Num(x),
            as_fraction(x)
        )
    };
    if (key == "revenue.growth" || key.starts_with("revenue.growth.")) && x >= 5.0 {
        Some(percent(&format!("growth of {}% a year", Num(as_percent(x)))))
    } else if (key == "revenue.volatility" || key == "revenue.growth_noise.sd") && x >= 2.0 {
        Some(percent(&format!("a standard deviation of {}% a year", Num(as_percent(x)))))
    } else if (key == "revenue_share.termination_rate" || key == "revenue.shock.rate") && x >= 5.0 {
        Some(percent(&format!(
            "a hazard of {} a year (the event comes within about {} days on average)",
            Num(x),
            Num((365.0 / x).round())
        )))
    } else {
        None
    }
}

/// A warning for an amount ($B) given in dollars or millions (`initial =
/// 22000000000`): a median above $10 trillion, more than any company's
/// yearly revenue. The run goes on.
fn implausible_amount(full: &str, d: &Dist) -> Option<String> {
    let median = d.quantile(0.5);
    if !["revenue.initial", "revenue_share.cap"].contains(&full) || median < 1e4 {
        return None;
    }
    let (divisor, unit) = if median >= 1e7 { (1e9, "dollars") } else { (1e3, "$M") };
    let (is, fix) = if d.is_fixed() {
        ("is", format!("write {}", Num(median / divisor)))
    } else {
        ("has a median of", format!("divide each of its amounts by {}", group_digits(&Num(divisor).to_string())))
    };
    Some(format!(
        "{full} {is} ${}B (amounts are in billions of dollars, $B): if it is in {unit}, {fix}",
        group_digits(&format!("{median:.0}"))
    ))
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_string() } else { format!("{path}.{key}") }
}

/// Edit distance, for "did you mean".
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The candidate `word` was most likely meant as (a typo, an abbreviation,
/// swapped letters), if one is near enough.
pub fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).clamp(1, 3);
    let lower = word.to_lowercase();
    // An abbreviation that only one key begins with (`hi` for `high`).
    if lower.len() >= 2
        && let [c] =
            candidates.iter().filter(|c| c.starts_with(&lower) && c.len() > lower.len()).collect::<Vec<_>>()[..]
    {
        return Some(c);
    }
    // A key that begins another, or that another begins (`revenue_shares`
    // begins with `revenue` and with `revenue_share`): the nearest of them.
    // (Unless a key a letter or two away is nearer: `revenueshare`.)
    let near = candidates.iter().map(|c| (distance(&lower, c), *c)).filter(|(d, _)| *d <= limit).min();
    if lower.len() >= 4
        && let Some((d, c)) = candidates
            .iter()
            .filter(|c| c.starts_with(&lower) || lower.starts_with(**c))
            .map(|c| (distance(&lower, c), *c))
            .min()
        && near.is_none_or(|(n, _)| d <= n)
    {
        return Some(c);
    }
    // Swapped letters (`cpa` for `cap`).
    let mut sorted: Vec<char> = lower.chars().collect();
    sorted.sort_unstable();
    if let Some(c) = candidates.iter().find(|c| {
        let mut k: Vec<char> = c.chars().collect();
        k.sort_unstable();
        k == sorted && distance(&lower, c) <= 2
    }) {
        return Some(c);
    }
    candidates
        .iter()
        .map(|c| (distance(&word.to_lowercase(), c), *c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

/// `x` percent as the fraction to write: 14.3 → 0.143 (not the
/// 0.14300000000000002 that x / 100 prints as).
fn as_fraction(x: f64) -> Num {
    Num(crate::stats::round_significant(x / 100.0, 12))
}

/// A fraction written as a percentage (above 1, up to 100).
fn fraction_hint(x: f64) -> String {
    if x > 1.0 && x <= 100.0 {
        format!(" (it looks like a percentage: write {} for {}%)", as_fraction(x), Num(x))
    } else {
        String::new()
    }
}

/// What a value out of its range probably meant: `stake = 27` is 27%,
/// written 0.27.
fn percent_hint(x: f64, domain: Domain) -> String {
    if domain.high == 1.0 && x > 1.0 {
        fraction_hint(x)
    } else if domain.low == -1.0 && x <= -1.0 {
        " (growth of -100% or less would make revenue zero or negative)".to_string()
    } else {
        String::new()
    }
}

struct Reader<'s> {
    src: &'s Sources,
    errors: Vec<ScenarioError>,
    warnings: Vec<String>,
}

impl<'s> Reader<'s> {
    /// A warning about `key`, saying where the key was set when that is not
    /// the scenario's own file (a file it extends, or a --set): the warning
    /// itself is shown under the scenario's file.
    fn warn(&mut self, key: &str, text: String) {
        let (file, position) = self.src.locate(key);
        let own = self.src.files.first().is_some_and(|f| f.path == file);
        let text = match (own, position) {
            (true, _) => text,
            (false, Some((line, col))) => format!("{text} (set in {}:{line}:{col})", file.display()),
            (false, None) => format!("{text} (set by {})", file.display()),
        };
        self.warnings.push(text);
    }

    fn error(&mut self, rule: &'static str, key: &str, message: impl Into<String>, fix: impl Into<String>) {
        let e = self.src.error(rule, key, message, fix);
        self.errors.push(e);
    }

    /// Refuse keys a table does not know, suggesting the nearest valid one.
    fn known_keys(&mut self, table: &Table, path: &str, allowed: &[&str]) {
        for key in table.keys() {
            if allowed.contains(&key.as_str()) {
                continue;
            }
            let full = join(path, key);
            // In a distribution, a parameter of another kind of distribution.
            const KINDS: [(&str, &[&str]); 6] = [
                ("normal", &["mean", "sd"]),
                ("lognormal", &["median", "sigma"]),
                ("pert", &["low", "mode", "high"]),
                ("uniform", &["low", "high"]),
                ("discrete", &["values", "weights"]),
                ("fixed", &["value"]),
            ];
            let other_kind = allowed
                .contains(&"dist")
                .then(|| KINDS.iter().find(|(_, keys)| keys.contains(&key.as_str())))
                .flatten()
                .filter(|_| closest(key, allowed).is_none());
            let hint = if let Some((kind, keys)) = other_kind {
                let kind_keys: Vec<String> = keys.iter().map(|k| format!("{k} = ...")).collect();
                format!(
                    "`{key}` is a parameter of another distribution: this one takes {}; or write dist = \"{kind}\", {}",
                    allowed[1..].join(", "),
                    kind_keys.join(", ")
                )
            } else if let Some(near) = closest(key, allowed) {
                format!("did you mean `{}`?", join(path, near))
            } else if let Some((t, _)) = ALL_TABLES.iter().find(|(t, keys)| *t != path && keys.contains(&key.as_str()))
            {
                if t.is_empty() {
                    format!("`{key}` belongs at the top of the file, before any [table]")
                } else {
                    format!("`{key}` belongs in [{t}]")
                }
            } else {
                format!("remove it; the keys allowed here are: {}", allowed.join(", "))
            };
            self.error("unknown-key", &full, format!("unknown key `{key}`"), hint);
        }
    }

    fn table<'t>(&mut self, parent: &'t Table, path: &str, key: &str) -> Option<&'t Table> {
        match parent.get(key)? {
            Value::Table(t) => Some(t),
            Value::Array(_) if key == "dilution" || key == "correlation" => None,
            other => {
                let full = join(path, key);
                self.error(
                    "type",
                    &full,
                    format!("must be a table, not {}", type_name(other)),
                    format!("write it as a [{full}] section or an inline table {{ ... }}"),
                );
                None
            }
        }
    }

    fn number(&mut self, t: &Table, path: &str, key: &str) -> Option<f64> {
        let full = join(path, key);
        let v = t.get(key)?;
        self.number_value(&full, v)
    }

    fn number_value(&mut self, full: &str, v: &Value) -> Option<f64> {
        let x = match v {
            Value::Integer(i) => *i as f64,
            Value::Float(f) => *f,
            Value::String(s) => {
                let fix = if let Some(p) = s.trim().strip_suffix('%').and_then(|p| p.trim().parse::<f64>().ok()) {
                    format!("write the fraction {} without quotes", p / 100.0)
                } else if s.trim().parse::<f64>().is_ok() {
                    format!("remove the quotes: {full} = {}", s.trim())
                } else if let Some(x) = dollars(s) {
                    format!("amounts are plain numbers in $B: {full} = {}", Num(x))
                } else {
                    "give a plain number, e.g. 0.2".into()
                };
                self.error("type", full, format!("must be a number, not the string \"{s}\""), fix);
                return None;
            }
            other => {
                self.error(
                    "type",
                    full,
                    format!("must be a number, not {}", type_name(other)),
                    "give a plain number, e.g. 0.2",
                );
                return None;
            }
        };
        if !x.is_finite() {
            self.error(
                "not-finite",
                full,
                format!("must be a finite number, not {}", Num(x)),
                "give an ordinary number (nan and inf are not allowed)",
            );
            return None;
        }
        Some(x)
    }

    /// A plain number that must lie in `domain`.
    fn ranged(&mut self, t: &Table, path: &str, key: &str, domain: Domain) -> Option<f64> {
        let x = self.number(t, path, key)?;
        self.check_domain(&join(path, key), x, domain)
    }

    fn check_domain(&mut self, full: &str, x: f64, domain: Domain) -> Option<f64> {
        if domain.contains(x) {
            if let Some(w) = implausible(full, x) {
                self.warn(full, w);
            }
            Some(x)
        } else {
            self.error(
                "out-of-range",
                full,
                format!("{} is out of range: it must be {}{}", Num(x), domain.requirement(), percent_hint(x, domain)),
                format!("give a value {}", domain.requirement()),
            );
            None
        }
    }

    /// A whole number; `example` is one that suits the key (`4`, `2030`).
    fn integer(&mut self, t: &Table, path: &str, key: &str, example: &str) -> Option<i64> {
        let full = join(path, key);
        match t.get(key)? {
            Value::Integer(i) => Some(*i),
            Value::Float(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 9e15 => Some(*f as i64),
            other => {
                let message = match other {
                    Value::Float(f) if f.is_finite() && f.fract() == 0.0 => {
                        format!("{} is too large for a whole number here (at most 9e15)", Num(*f))
                    }
                    Value::Float(f) => format!("must be a whole number, not {}", Num(*f)),
                    v => format!("must be a whole number, not {}", type_name(v)),
                };
                self.error("type", &full, message, format!("give a whole number, e.g. {key} = {example}"));
                None
            }
        }
    }

    fn string(&mut self, t: &Table, path: &str, key: &str) -> Option<String> {
        match t.get(key)? {
            Value::String(s) => Some(s.clone()),
            other => {
                let full = join(path, key);
                self.error(
                    "type",
                    &full,
                    format!("must be a string in quotes, not {}", type_name(other)),
                    format!("write {full} = \"...\""),
                );
                None
            }
        }
    }

    fn require(&mut self, t: &Table, path: &str, key: &str, example: &str) -> bool {
        if t.contains_key(key) {
            return true;
        }
        let full = join(path, key);
        // A file with no `extends` that lacks the deal or the revenue may be
        // a base that scenarios extend (scenarios/common/openai-base.toml),
        // asked for on its own.
        let base = if path.is_empty() && self.src.files.len() == 1 && ["revenue", "revenue_share"].contains(&key) {
            "; or, if this file is a base that other scenarios extend (with `extends`), run those scenarios instead"
        } else {
            ""
        };
        self.error("required", &full, "is required but missing", format!("add it, e.g. {example}{base}"));
        false
    }

    fn year_in(&mut self, full: &str, year: i64, years: [i32; 2], what: &str) -> Option<i32> {
        if year < i64::from(years[0]) || year > i64::from(years[1]) {
            let mut message = format!("{what} {year} is outside the simulated years {}–{}", years[0], years[1]);
            let (by_years, by_key) = (self.src.overridden("years"), self.src.overridden(full));
            let fix = match (by_years, by_key) {
                // Two values of a sweep that do not fit together.
                (Some(y), Some(k)) if y.flag == "--vary" || k.flag == "--vary" => {
                    message.push_str(&format!(" that {} gives", y.label()));
                    format!(
                        "a sweep runs every combination of its values: vary only `years` and `{full}` that fit together, or run the combinations that do one by one with --set"
                    )
                }
                (Some(y), None) if y.flag == "--vary" => format!(
                    "vary `years` over spans that include {year}, or also give --set {full}=YEAR with a year every combination simulates"
                ),
                (Some(_), None) => format!(
                    "also set {full} to a year from {} to {} (e.g. --set {full}={}), or give years that include {year}",
                    years[0], years[1], years[1]
                ),
                _ => format!("give a year from {} to {}, or widen `years`", years[0], years[1]),
            };
            self.years_error("year-outside", full, message, fix);
            None
        } else {
            Some(year as i32)
        }
    }

    /// An error about `key` that a change of `years` may have caused: laid at
    /// the `--set years=...` (or `--vary`) when the command line changed the
    /// years and not the key, naming the file's line of the key; else at the
    /// key, as any error.
    fn years_error(&mut self, rule: &'static str, key: &str, message: String, fix: String) {
        match self.src.overridden("years") {
            Some(o) if self.src.overridden(key).is_none() => {
                let at = self.src.file_position(key).map_or(String::new(), |p| format!(", and `{key}` is set at {p}"));
                self.errors.push(ScenarioError {
                    rule,
                    file: PathBuf::from(o.label()),
                    position: None,
                    key: key.to_string(),
                    message: format!("{message}; the years come from this {}{at}", o.flag),
                    fix,
                });
            }
            _ => self.error(rule, key, message, fix),
        }
    }

    /// An uncertain input: a plain number or a `{ dist = ... }` table.
    fn uncertain(&mut self, t: &Table, path: &str, key: &str, domain: Domain) -> Option<Dist> {
        let full = join(path, key);
        let v = t.get(key)?;
        let built = match v {
            Value::Table(d) => self.distribution(&full, d, domain)?,
            other => {
                let x = self.number_value(&full, other)?;
                Dist::fixed(x, domain)
            }
        };
        match built {
            Ok(d) => {
                if let Some(w) = implausible_amount(&full, &d) {
                    self.warn(&full, w);
                }
                let mass = d.clamped_mass();
                if mass > 1e-9 {
                    self.warn(&full, format!(
                        "{full}: this normal falls outside {} with probability {mass:.1e}; such draws are clamped to the nearest allowed value",
                        domain.describe()
                    ));
                }
                Some(d)
            }
            Err(DistError { rule, key: sub, message, fix }) => {
                let at = if sub.is_empty() || (sub == "value" && !matches!(v, Value::Table(_))) {
                    full.clone()
                } else {
                    join(&full, sub)
                };
                let hint = match v {
                    Value::Table(_) => String::new(),
                    other => {
                        let x = match other {
                            Value::Integer(i) => *i as f64,
                            Value::Float(f) => *f,
                            _ => 0.0,
                        };
                        percent_hint(x, domain)
                    }
                };
                self.error(rule, &at, format!("{message}{hint}"), fix);
                None
            }
        }
    }

    fn distribution(&mut self, full: &str, d: &Table, domain: Domain) -> Option<Result<Dist, DistError>> {
        let Some(kind) = d.get("dist") else {
            self.error(
                "dist-missing",
                full,
                "a distribution table needs a `dist` key",
                format!("add dist = \"...\" (one of {}), or give a plain number", DISTS.join(", ")),
            );
            return None;
        };
        let Value::String(kind) = kind else {
            self.error("type", &join(full, "dist"), "must be a string", format!("one of {}", DISTS.join(", ")));
            return None;
        };
        let keys: &[&str] = match kind.as_str() {
            "fixed" => &["dist", "value"],
            "uniform" => &["dist", "low", "high"],
            "triangular" | "pert" => &["dist", "low", "mode", "high"],
            "normal" => &["dist", "mean", "sd"],
            "lognormal" => &["dist", "median", "sigma"],
            "discrete" => &["dist", "values", "weights"],
            other => {
                let hint = closest(other, DISTS).map_or(String::new(), |c| format!("did you mean \"{c}\"? "));
                self.error(
                    "unknown-dist",
                    &join(full, "dist"),
                    format!("unknown distribution \"{other}\""),
                    format!("{hint}use one of {}", DISTS.join(", ")),
                );
                return None;
            }
        };
        self.known_keys(d, full, keys);
        let before = self.errors.len();
        let get = |k: &str, r: &mut Self| -> f64 {
            if r.require(d, full, k, &format!("{k} = 1.0")) {
                r.number(d, full, k).unwrap_or(f64::NAN)
            } else {
                f64::NAN
            }
        };
        let dist = match kind.as_str() {
            "fixed" => {
                let v = get("value", self);
                Dist::fixed(v, domain)
            }
            "uniform" => {
                let (l, h) = (get("low", self), get("high", self));
                Dist::uniform(l, h, domain)
            }
            "triangular" => {
                let (l, m, h) = (get("low", self), get("mode", self), get("high", self));
                Dist::triangular(l, m, h, domain)
            }
            "pert" => {
                let (l, m, h) = (get("low", self), get("mode", self), get("high", self));
                Dist::pert(l, m, h, domain)
            }
            "normal" => {
                let (m, s) = (get("mean", self), get("sd", self));
                Dist::normal(m, s, domain)
            }
            "lognormal" => {
                let (m, s) = (get("median", self), get("sigma", self));
                Dist::lognormal(m, s, domain)
            }
            _ => {
                let values = if self.require(d, full, "values", "values = [1.0, 2.0]") {
                    self.number_list(d, full, "values")
                } else {
                    None
                };
                let weights = if d.contains_key("weights") { self.number_list(d, full, "weights") } else { None };
                if self.errors.len() > before {
                    return None;
                }
                Dist::discrete(values.unwrap_or_default(), weights, domain)
            }
        };
        if self.errors.len() > before { None } else { Some(dist) }
    }

    fn number_list(&mut self, t: &Table, path: &str, key: &str) -> Option<Vec<f64>> {
        let full = join(path, key);
        match t.get(key)? {
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    out.push(self.number_value(&format!("{full}[{i}]"), item)?);
                }
                Some(out)
            }
            other => {
                self.error(
                    "type",
                    &full,
                    format!("must be an array of numbers, not {}", type_name(other)),
                    format!("write {full} = [1.0, 2.0]"),
                );
                None
            }
        }
    }

    /// A by-year table: a number for every year, or `{ 2026 = 1.0, 2028 = 0.5 }`.
    /// `uncertain` names the input that carries this one's uncertainty (a
    /// by-year value cannot be a distribution).
    fn by_year(
        &mut self,
        t: &Table,
        path: &str,
        key: &str,
        years: [i32; 2],
        domain: Domain,
        uncertain: &str,
    ) -> Option<ByYear> {
        let full = join(path, key);
        let v = t.get(key)?;
        let mut map = BTreeMap::new();
        match v {
            Value::Table(entries) => {
                if entries.is_empty() {
                    self.error(
                        "empty-year-table",
                        &full,
                        "the table by year is empty",
                        format!("give at least the first year: {{ {} = ... }}", years[0]),
                    );
                    return None;
                }
                if entries.contains_key("dist") {
                    // A distribution where only a number per year will do:
                    // one message, not one per key that is not a year.
                    let example = if years[0] == years[1] {
                        format!("{{ {} = 0.2 }}", years[0])
                    } else {
                        format!("{{ {} = 0.2, {} = 0.1 }}", years[0], years[1])
                    };
                    self.error(
                        "not-uncertain",
                        &full,
                        "a distribution is not allowed here: it is set year by year",
                        format!(
                            "give a number, or one per year, e.g. {example}; to make it uncertain, give {uncertain} a distribution instead"
                        ),
                    );
                    return None;
                }
                let mut ok = true;
                for (y, value) in entries {
                    let at = format!("{full}.{y}");
                    let Some(year) = y.trim().parse::<i64>().ok().filter(|y| (YEAR_RANGE.0..=YEAR_RANGE.1).contains(y))
                    else {
                        self.error(
                            "not-a-year",
                            &at,
                            format!("`{y}` is not a year"),
                            format!("keys are calendar years, e.g. {{ {} = 0.2 }}", years[0]),
                        );
                        ok = false;
                        continue;
                    };
                    // Written as the year is (`02027` or `+2027` would be a
                    // second key for 2027, one silently taking the other's place).
                    if *y != year.to_string() {
                        self.error(
                            "not-a-year",
                            &at,
                            format!("`{y}` is not written as a year"),
                            format!("write the year as {year}, without leading zeros, signs or spaces"),
                        );
                        ok = false;
                        continue;
                    }
                    match self.number_value(&at, value).and_then(|x| self.check_domain(&at, x, domain)) {
                        Some(x) => {
                            if year > i64::from(years[1]) {
                                self.warn(
                                    &at,
                                    format!(
                                        "{at}: year {year} is after the last simulated year {} and is not used",
                                        years[1]
                                    ),
                                );
                            }
                            map.insert(year as i32, x);
                        }
                        None => ok = false,
                    }
                }
                if !ok {
                    return None;
                }
                // A year before the one that sets the first simulated year's
                // value is never used.
                if let Some((&from, _)) = map.range(..=years[0]).next_back() {
                    let unused: Vec<i32> = map.range(..from).map(|(y, _)| *y).collect();
                    for year in unused {
                        self.warn(&format!("{full}.{year}"), if from == years[0] {
                            format!("{full}.{year}: year {year} is before the first simulated year {from} and is not used")
                        } else {
                            format!(
                                "{full}.{year}: year {year} is not used: the first simulated year {} takes {from}'s value",
                                years[0]
                            )
                        });
                    }
                }
                if map.range(..=years[0]).next().is_none() {
                    let first = map.keys().next().copied().unwrap_or(years[0]);
                    let mut fix =
                        format!("add {} = ... to the table (later years carry forward, earlier ones cannot)", years[0]);
                    if self.src.overridden("years").is_some() {
                        fix.push_str(&format!(", or start `years` at {first}"));
                    }
                    self.years_error(
                        "first-year-missing",
                        &full,
                        format!("the first simulated year {} is not given (the table starts at {first})", years[0]),
                        fix,
                    );
                    return None;
                }
            }
            other => {
                let x = self.number_value(&full, other)?;
                let x = self.check_domain(&full, x, domain)?;
                map.insert(years[0], x);
            }
        }
        Some(ByYear(map))
    }
}

/// Validate the merged table of `src` into a [`Scenario`].
pub fn read(src: &Sources) -> Result<Scenario, ScenarioErrors> {
    let mut r = Reader { src, errors: Vec::new(), warnings: Vec::new() };
    let root = &src.merged;
    r.known_keys(root, "", TOP_KEYS);

    // Name and description.
    const MAX_NAME: usize = 100;
    let stem = src.files[0].path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let name = r.string(root, "", "name").unwrap_or_else(|| stem.clone());
    let name_ok = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !name_ok {
        let from_stem = !root.contains_key("name");
        r.error("name", 
            "name",
            format!(
                "\"{name}\"{} is not a plain name: it names the output folder, so only letters, digits, `-` and `_` are allowed",
                if from_stem { " (taken from the file name)" } else { "" }
            ),
            "set name = \"my-scenario\" (letters, digits, - and _)",
        );
    } else if name.len() > MAX_NAME {
        r.error(
            "name",
            "name",
            format!("is {} characters long: it names the output folder, so at most {MAX_NAME}", name.len()),
            "give a shorter name",
        );
    } else if name == "comparison" {
        r.error(
            "name-reserved",
            "name",
            "\"comparison\" is reserved for the side-by-side output of several scenarios",
            "choose another name",
        );
    }
    let description = r.string(root, "", "description").unwrap_or_default();
    // One line of text: it heads report.md and every chart's subtitle (an
    // SVG file, where a control character is not well-formed XML).
    if description.contains('\n') {
        r.error(
            "description-lines",
            "description",
            "must be one line",
            "shorten it to one line; put details in comments (# ...)",
        );
    } else if let Some(c) =
        description.chars().find(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{FFFE}' | '\u{FFFF}'))
    {
        r.error(
            "description-lines",
            "description",
            format!(
                "must be one line of text, without control characters, line separators or U+FFFE/U+FFFF (it has {c:?})"
            ),
            "delete the character (write spaces for a tab)",
        );
    }

    // Time grid.
    let mut years = [2026, 2030];
    if r.require(root, "", "years", "years = [2026, 2030]") {
        match &root["years"] {
            Value::Array(a) if a.len() == 2 => {
                let ys: Vec<Option<i64>> = a
                    .iter()
                    .map(|v| match v {
                        Value::Integer(i) => Some(*i),
                        _ => None,
                    })
                    .collect();
                match (ys[0], ys[1]) {
                    (Some(s), Some(e)) => {
                        let in_range = |y: i64| (YEAR_RANGE.0..=YEAR_RANGE.1).contains(&y);
                        if !in_range(s) || !in_range(e) {
                            r.error(
                                "years-range",
                                "years",
                                format!("[{s}, {e}] lies outside {}–{}", YEAR_RANGE.0, YEAR_RANGE.1),
                                "give calendar years, e.g. years = [2026, 2030]",
                            );
                        } else if e < s {
                            r.error(
                                "years-order",
                                "years",
                                format!("the end {e} is before the start {s}"),
                                format!("write years = [{e}, {s}]"),
                            );
                        } else {
                            years = [s as i32, e as i32];
                        }
                    }
                    _ => r.error(
                        "years-shape",
                        "years",
                        "both years must be whole numbers",
                        "write years = [2026, 2030]",
                    ),
                }
            }
            other => {
                let what = match other {
                    Value::Array(a) => format!("an array of {} values", a.len()),
                    v => type_name(v).to_string(),
                };
                r.error(
                    "years-shape",
                    "years",
                    format!("must be [start, end], not {what}"),
                    "write years = [2026, 2030]",
                );
            }
        }
    }
    let steps_per_year = match r.integer(root, "", "steps_per_year", "4") {
        Some(s) if STEPS.contains(&s) => s as u32,
        Some(s) => {
            r.error(
                "steps-per-year",
                "steps_per_year",
                format!("{s} is not allowed"),
                "use 1 (yearly), 2, 4 (quarterly) or 12 (monthly)",
            );
            4
        }
        None => 4,
    };
    let paths = match root.get("paths") {
        None => 100_000,
        Some(v) => {
            let text = match v {
                Value::Integer(i) => i.to_string(),
                Value::Float(f) => Num(*f).to_string(),
                Value::String(s) => s.clone(),
                other => type_name(other).to_string(),
            };
            match parse_count(&text) {
                Some(n) if n <= MAX_PATHS => n,
                Some(n) => {
                    r.error(
                        "paths",
                        "paths",
                        format!("{n} is more paths than one run can take ({MAX_PATHS})"),
                        "give at most 4e9",
                    );
                    1
                }
                None => {
                    r.error(
                        "paths",
                        "paths",
                        format!("{text} is not a path count"),
                        "give a whole number ≥ 1, e.g. 100000, 1e6 or \"1M\"",
                    );
                    1
                }
            }
        }
    };
    let seed = match r.integer(root, "", "seed", "1") {
        Some(s) if s >= 0 => s as u64,
        Some(s) => {
            r.error("seed", "seed", format!("{s} is negative"), format!("give a whole number from 0 to {MAX_SEED}"));
            1
        }
        None => 1,
    };
    let discount_rate = match r.number(root, "", "discount_rate") {
        Some(x) if x > -1.0 && x <= 1.0 => x,
        Some(x) => {
            let why = fraction_hint(x);
            r.error(
                "discount-rate",
                "discount_rate",
                format!("{} is out of range: it must be in (-1, 1]{why}", Num(x)),
                "give an annual rate as a fraction, e.g. 0.10",
            );
            0.0
        }
        None => 0.0,
    };

    let sampling = match r.string(root, "", "sampling").as_deref() {
        None | Some("mc") => Sampling::MonteCarlo,
        Some("lhs") => Sampling::LatinHypercube,
        Some(other) => {
            r.error(
                "sampling",
                "sampling",
                format!("\"{other}\" is not a sampling method"),
                "write sampling = \"mc\" (plain Monte Carlo, the default) or \"lhs\" (Latin hypercube)",
            );
            Sampling::MonteCarlo
        }
    };

    // Revenue (§3).
    let empty = Table::new();
    let revenue_t = if r.require(root, "", "revenue", "[revenue] with initial and growth") {
        r.table(root, "", "revenue").unwrap_or(&empty)
    } else {
        &empty
    };
    let revenue = read_revenue(&mut r, revenue_t, years, root.contains_key("revenue"));

    // Revenue share (§4).
    let share_t = if r.require(root, "", "revenue_share", "[revenue_share] with rate = 0.2") {
        r.table(root, "", "revenue_share").unwrap_or(&empty)
    } else {
        &empty
    };
    let revenue_share = read_share(&mut r, share_t, years, root.contains_key("revenue_share"));

    // Counter-share (§5).
    let counter_share = r.table(root, "", "counter_share").map(|t| {
        let p = "counter_share";
        r.known_keys(t, p, COUNTER_KEYS);
        let rate = if r.require(t, p, "rate", "rate = 0.2") {
            r.by_year(t, p, "rate", years, Domain::UNIT, "counter_share.base_ratio")
        } else {
            None
        };
        let base_ratio = if r.require(t, p, "base_ratio", "base_ratio = 0.3") {
            r.uncertain(t, p, "base_ratio", Domain::NON_NEGATIVE)
        } else {
            None
        };
        CounterShare {
            rate: rate.unwrap_or_else(|| ByYear([(years[0], 0.0)].into())),
            base_ratio: base_ratio.unwrap_or(Dist::Fixed { value: 0.0 }),
        }
    });

    // Equity (§6).
    let equity = r.table(root, "", "equity").map(|t| read_equity(&mut r, t, years));

    // Correlations (§2).
    let correlations = read_correlations(&mut r, root);

    if !r.errors.is_empty() {
        // In the order a person reads the files: each file's errors (files
        // in the order they first come up) by line and column, then those
        // with no position (a --set, a missing key), in the order found.
        let mut files: Vec<PathBuf> = Vec::new();
        for e in &r.errors {
            if !files.contains(&e.file) {
                files.push(e.file.clone());
            }
        }
        let mut errors = r.errors;
        errors.sort_by_key(|e| (e.position.is_none(), files.iter().position(|f| *f == e.file), e.position));
        return Err(ScenarioErrors(errors));
    }
    // The --set overrides (a sweep's --vary values are not among them), and
    // what each replaced.
    let (overrides, replaced) = src
        .overrides
        .iter()
        .filter(|o| o.flag == "--set")
        .map(|o| ((o.key.clone(), o.value.clone()), (o.key.clone(), o.replaced.clone())))
        .unzip();
    let mut scenario = Scenario {
        name,
        description,
        file: src.files[0].path.clone(),
        sources: src.files.iter().map(|f| SourceInfo { path: f.path.clone(), sha256: f.sha256.clone() }).collect(),
        years,
        steps_per_year,
        paths,
        seed,
        discount_rate,
        sampling,
        revenue,
        revenue_share,
        counter_share,
        equity,
        correlations,
        warnings: r.warnings,
        overrides,
        replaced,
    };
    // A description that comes from a file this one extends describes that
    // file, whose values this one changes: say so, once, where it shows.
    if let Some(parent) = src.files.iter().skip(1).find(|f| f.sets("description"))
        && !src.files[0].sets("description")
        && src.files[0].sets_the_model()
        && src.overridden("description").is_none()
        && !scenario.description.is_empty()
    {
        scenario.warnings.push(format!(
            "its description (\"{}\") is inherited from {}, which it extends and changes: charts and reports will show it; give this file a `description` of its own",
            scenario.description,
            parent.path.display()
        ));
    }
    // A correlation with a fixed number changes nothing: probably not meant.
    for (i, c) in scenario.correlations.iter().enumerate() {
        for input in [c.a, c.b] {
            if scenario.input_dist(input).is_some_and(Dist::is_constant) {
                scenario.warnings.push(format!(
                    "correlation[{i}]: {} is a fixed number here, so this correlation has no effect",
                    input.key()
                ));
            }
        }
    }
    // The copula matrix must be positive definite.
    if let Err(e) = Copula::new(&scenario) {
        return Err(src
            .error(
                "not-positive-definite",
                "correlation",
                e.to_string(),
                "lower the |rho| values so that the correlations can hold together",
            )
            .into());
    }
    Ok(scenario)
}

fn read_revenue(r: &mut Reader<'_>, t: &Table, years: [i32; 2], present: bool) -> Revenue {
    let p = "revenue";
    r.known_keys(t, p, REVENUE_KEYS);
    let growth_domain = Domain { low: -1.0, low_open: true, high: f64::INFINITY, high_open: true };
    let initial = if present && r.require(t, p, "initial", "initial = 22.0   # $B run-rate") {
        r.uncertain(t, p, "initial", Domain::POSITIVE)
    } else {
        None
    };
    let growth = if present && r.require(t, p, "growth", "growth = 0.5   # 50% a year") {
        r.by_year(t, p, "growth", years, growth_domain, "revenue.growth_shift")
    } else {
        None
    };
    let growth_shift = r.uncertain(t, p, "growth_shift", Domain::REAL).unwrap_or(Dist::Fixed { value: 0.0 });
    let volatility = r.ranged(t, p, "volatility", Domain::NON_NEGATIVE).unwrap_or(0.0);
    let growth_noise = match r.table(t, p, "growth_noise") {
        Some(n) => {
            let q = "revenue.growth_noise";
            r.known_keys(n, q, NOISE_KEYS);
            let sd = if r.require(n, q, "sd", "sd = 0.15") {
                r.ranged(n, q, "sd", Domain::NON_NEGATIVE).unwrap_or(0.0)
            } else {
                0.0
            };
            let persistence = r.ranged(n, q, "persistence", Domain::UNIT).unwrap_or(0.0);
            GrowthNoise { sd, persistence }
        }
        None => GrowthNoise { sd: 0.0, persistence: 0.0 },
    };
    let shock = match r.table(t, p, "shock") {
        Some(s) => {
            let q = "revenue.shock";
            r.known_keys(s, q, SHOCK_KEYS);
            let rate = if r.require(s, q, "rate", "rate = 0.05   # per year") {
                r.ranged(s, q, "rate", Domain::NON_NEGATIVE).unwrap_or(0.0)
            } else {
                0.0
            };
            let size = if r.require(s, q, "size", "size = 0.3   # fraction of run-rate lost") {
                r.uncertain(s, q, "size", Domain::UNIT_HALF_OPEN)
            } else {
                None
            };
            Shock { rate, size: size.unwrap_or(Dist::Fixed { value: 0.0 }) }
        }
        None => Shock { rate: 0.0, size: Dist::Fixed { value: 0.0 } },
    };
    Revenue {
        initial: initial.unwrap_or(Dist::Fixed { value: 1.0 }),
        growth: growth.unwrap_or_else(|| ByYear([(years[0], 0.0)].into())),
        growth_shift,
        volatility,
        growth_noise,
        shock,
    }
}

fn read_share(r: &mut Reader<'_>, t: &Table, years: [i32; 2], present: bool) -> RevenueShare {
    let p = "revenue_share";
    r.known_keys(t, p, SHARE_KEYS);
    let rate = if present && r.require(t, p, "rate", "rate = 0.20") {
        r.by_year(t, p, "rate", years, Domain::UNIT, "revenue_share.rate_multiplier")
    } else {
        None
    };
    let rate_multiplier =
        r.uncertain(t, p, "rate_multiplier", Domain::NON_NEGATIVE).unwrap_or(Dist::Fixed { value: 1.0 });
    let base_fraction = r.uncertain(t, p, "base_fraction", Domain::UNIT).unwrap_or(Dist::Fixed { value: 1.0 });
    let until = r
        .integer(t, p, "until", &years[1].to_string())
        .and_then(|y| r.year_in("revenue_share.until", y, years, "until"))
        .unwrap_or(years[1]);
    // rate and base_fraction are at most 1, so only a multiplier above 1 can
    // make the share due more than the revenue it is a share of: valid, but
    // far more likely a slip (a multiplier of 10 for +10%). Only the rates
    // of the years that accrue count.
    if let Some(top) = rate.as_ref().map(|r| (years[0]..=until.min(years[1])).map(|y| r.at(y)).fold(0.0, f64::max)) {
        let (m, b) = (rate_multiplier.quantile(0.999), base_fraction.quantile(0.999));
        if top * m * b > 1.0 {
            let p999 = |d: &Dist| if d.is_fixed() { "" } else { " (at its P99.9)" };
            r.warn(
                "revenue_share.rate_multiplier",
                format!(
                    "revenue_share.rate_multiplier = {}{} makes the share due {}% of the revenue (rate {} × multiplier × base_fraction {}{}), more than all of it: the multiplier scales the rate, 1 leaves it as written (1.1 for 10% more)",
                    Num(significant(m)),
                    p999(&rate_multiplier),
                    Num(significant(as_percent(top * m * b))),
                    Num(top),
                    Num(significant(b)),
                    p999(&base_fraction),
                ),
            );
        }
    }
    let cap = r.uncertain(t, p, "cap", Domain::NON_NEGATIVE);
    let termination_rate = r.ranged(t, p, "termination_rate", Domain::NON_NEGATIVE).unwrap_or(0.0);
    RevenueShare {
        rate: rate.unwrap_or_else(|| ByYear([(years[0], 0.0)].into())),
        rate_multiplier,
        base_fraction,
        until,
        cap,
        termination_rate,
    }
}

fn read_equity(r: &mut Reader<'_>, t: &Table, years: [i32; 2]) -> Equity {
    let p = "equity";
    r.known_keys(t, p, EQUITY_KEYS);
    let stake = if r.require(t, p, "stake", "stake = 0.27") { r.uncertain(t, p, "stake", Domain::UNIT) } else { None };
    let multiple = if r.require(t, p, "multiple", "multiple = 35.0") {
        r.uncertain(t, p, "multiple", Domain::POSITIVE)
    } else {
        None
    };
    let terminal_multiple = r.uncertain(t, p, "terminal_multiple", Domain::POSITIVE);
    let mut dilution = Vec::new();
    match t.get("dilution") {
        None => {}
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                let q = format!("equity.dilution[{i}]");
                let Value::Table(d) = item else {
                    r.error(
                        "type",
                        &q,
                        format!("must be a table, not {}", type_name(item)),
                        "write each event as [[equity.dilution]] with year, fraction and probability",
                    );
                    continue;
                };
                r.known_keys(d, &q, DILUTION_KEYS);
                let year = if r.require(d, &q, "year", "year = 2027") {
                    r.integer(d, &q, "year", &years[0].to_string())
                        .and_then(|y| r.year_in(&format!("{q}.year"), y, years, "dilution year"))
                } else {
                    None
                };
                let fraction = if r.require(d, &q, "fraction", "fraction = 0.05") {
                    r.uncertain(d, &q, "fraction", Domain::UNIT)
                } else {
                    None
                };
                let probability = r.ranged(d, &q, "probability", Domain::UNIT).unwrap_or(1.0);
                if let (Some(year), Some(fraction)) = (year, fraction) {
                    dilution.push(Dilution { year, fraction, probability });
                }
            }
        }
        Some(other) => r.error(
            "type",
            "equity.dilution",
            format!("must be an array of tables, not {}", type_name(other)),
            "write each event as [[equity.dilution]] with year, fraction and probability",
        ),
    }
    Equity {
        stake: stake.unwrap_or(Dist::Fixed { value: 0.0 }),
        multiple: multiple.unwrap_or(Dist::Fixed { value: 1.0 }),
        terminal_multiple,
        dilution,
    }
}

fn read_correlations(r: &mut Reader<'_>, root: &Table) -> Vec<Correlation> {
    let mut out: Vec<Correlation> = Vec::new();
    let items = match root.get("correlation") {
        None => return out,
        Some(Value::Array(items)) => items,
        Some(other) => {
            r.error(
                "type",
                "correlation",
                format!("must be an array of tables, not {}", type_name(other)),
                "write each entry as [[correlation]] with a, b and rho",
            );
            return out;
        }
    };
    // Whether the file sets an input is read from the file itself, not from
    // what validation kept: an input that is set but invalid has its own
    // error already, and is not "absent" too.
    // (A table that is not a table has its own error too: count it as set.)
    let absent = |table: &str, key: &str| match root.get(table) {
        None => true,
        Some(Value::Table(t)) => !t.contains_key(key),
        Some(_) => false,
    };
    let present = |i: Input| -> Result<(), String> {
        match i {
            Input::Cap if absent("revenue_share", "cap") => {
                Err("revenue_share.cap is not set (there is no cap)".into())
            }
            Input::BaseRatio if root.get("counter_share").is_none() => Err("there is no [counter_share] table".into()),
            Input::Stake | Input::Multiple if root.get("equity").is_none() => Err("there is no [equity] table".into()),
            Input::TerminalMultiple => match root.get("equity") {
                None => Err("there is no [equity] table".into()),
                Some(_) if absent("equity", "terminal_multiple") => {
                    Err("equity.terminal_multiple is not set (it is the same draw as equity.multiple: correlate that)"
                        .into())
                }
                _ => Ok(()),
            },
            Input::DilutionFraction(n) => {
                let count = match root.get("equity") {
                    Some(Value::Table(e)) => match e.get("dilution") {
                        Some(Value::Array(events)) => events.len(),
                        Some(_) => usize::MAX,
                        None => 0,
                    },
                    // (Not a table: that has its own error.)
                    Some(_) => usize::MAX,
                    None => 0,
                };
                if n < count {
                    Ok(())
                } else {
                    Err(format!("there are only {count} [[equity.dilution]] events (counted from 0)"))
                }
            }
            _ => Ok(()),
        }
    };
    let names: Vec<String> = [
        Input::Initial,
        Input::GrowthShift,
        Input::ShockSize,
        Input::RateMultiplier,
        Input::BaseFraction,
        Input::Cap,
        Input::BaseRatio,
        Input::Stake,
        Input::Multiple,
        Input::TerminalMultiple,
    ]
    .iter()
    .map(Input::key)
    .collect();
    let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
    for (i, item) in items.iter().enumerate() {
        let q = format!("correlation[{i}]");
        let Value::Table(c) = item else {
            r.error(
                "type",
                &q,
                format!("must be a table, not {}", type_name(item)),
                "write [[correlation]] with a, b and rho",
            );
            continue;
        };
        r.known_keys(c, &q, CORRELATION_KEYS);
        let input = |key: &str, r: &mut Reader<'_>| -> Option<Input> {
            if !r.require(c, &q, key, &format!("{key} = \"revenue.growth_shift\"")) {
                return None;
            }
            let s = r.string(c, &q, key)?;
            let at = format!("{q}.{key}");
            match Input::parse(&s) {
                None => {
                    let hint = closest(&s, &name_refs).map_or(String::new(), |c| format!("did you mean \"{c}\"? "));
                    r.error(
                        "correlation-unknown-input",
                        &at,
                        format!("\"{s}\" is not an uncertain input"),
                        format!("{hint}name one of: {}, equity.dilution[N].fraction", names.join(", ")),
                    );
                    None
                }
                Some(inp) => match present(inp) {
                    Ok(()) => Some(inp),
                    Err(why) => {
                        r.error(
                            "correlation-absent-input",
                            &at,
                            format!("\"{s}\" cannot be correlated: {why}"),
                            "name an input this scenario sets",
                        );
                        None
                    }
                },
            }
        };
        let a = input("a", r);
        let b = input("b", r);
        let rho = if r.require(c, &q, "rho", "rho = 0.5") {
            r.number(c, &q, "rho").and_then(|x| {
                if x.abs() <= 1.0 {
                    Some(x)
                } else {
                    r.error(
                        "rho-range",
                        &format!("{q}.rho"),
                        format!("{} is out of range: |rho| must be ≤ 1", Num(x)),
                        "give a correlation between -1 and 1",
                    );
                    None
                }
            })
        } else {
            None
        };
        if let (Some(a), Some(b), Some(rho)) = (a, b, rho) {
            if a == b {
                r.error(
                    "correlation-self",
                    &format!("{q}.b"),
                    format!("correlates {} with itself", a.key()),
                    "name two different inputs",
                );
            } else if out.iter().any(|c| (c.a == a && c.b == b) || (c.a == b && c.b == a)) {
                r.error(
                    "correlation-duplicate",
                    &q,
                    format!("{} and {} are correlated twice", a.key(), b.key()),
                    "keep one [[correlation]] entry per pair",
                );
            } else {
                out.push(Correlation { a, b, rho });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_as_people_write_them() {
        assert_eq!(parse_count("1000000"), Some(1_000_000));
        assert_eq!(parse_count("1_000_000"), Some(1_000_000));
        assert_eq!(parse_count("1e6"), Some(1_000_000));
        assert_eq!(parse_count("1M"), Some(1_000_000));
        assert_eq!(parse_count("100M"), Some(100_000_000));
        assert_eq!(parse_count("1e8"), Some(100_000_000));
        assert_eq!(parse_count("2.5k"), Some(2_500));
        assert_eq!(parse_count("0"), None);
        assert_eq!(parse_count("-5"), None);
        assert_eq!(parse_count("1.5"), None);
        assert_eq!(parse_count("abc"), None);
    }

    #[test]
    fn suggestions_find_near_keys() {
        let tables = ["revenue", "revenue_share", "counter_share", "equity"];
        assert_eq!(closest("revenue_shares", &tables), Some("revenue_share"));
        assert_eq!(closest("revenueshare", &tables), Some("revenue_share"));
        assert_eq!(closest("revenue-share", &tables), Some("revenue_share"));
        assert_eq!(closest("revenues", &tables), Some("revenue"));
        let uniform = ["dist", "low", "high"];
        assert_eq!(closest("hi", &uniform), Some("high"));
        assert_eq!(closest("lo", &uniform), Some("low"));
        assert_eq!(closest("volatilty", REVENUE_KEYS), Some("volatility"));
        assert_eq!(closest("rte", SHARE_KEYS), Some("rate"));
        assert_eq!(closest("zzzzzz", SHARE_KEYS), None);
        assert_eq!(closest("cpa", SHARE_KEYS), Some("cap"));
    }
}
