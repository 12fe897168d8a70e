//! The scenario file format (MODEL.md §0): reading, `extends`, validation, and
//! the resolved [`Scenario`] with every default filled in and every
//! distribution built. Nothing past this module sees TOML.

mod error;
mod reader;
mod source;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::ser::SerializeMap;

pub use error::{ScenarioError, ScenarioErrors};
pub use reader::{MAX_PATHS, MAX_SEED, closest, parse_count};
pub use source::{Override, Sources, is_under};

use crate::model::dist::Dist;

/// Every validation rule, by the name its errors carry. Each has a broken
/// file in `tests/bad/` that the test suite runs; a rule cannot be added here
/// without one.
pub const RULES: &[&str] = &[
    // The file itself.
    "unreadable",
    "not-utf8",
    "not-toml",
    "extends-type",
    "extends-missing",
    "extends-cycle",
    // Keys and types.
    "unknown-key",
    "type",
    "required",
    "not-finite",
    "out-of-range",
    // Distributions.
    "dist-missing",
    "unknown-dist",
    "low-above-high",
    "mode-outside",
    "too-wide",
    "negative-spread",
    "normal-outside-range",
    "median-not-positive",
    "lognormal-unbounded",
    "discrete-values",
    "discrete-weights",
    // Tables by year and years.
    "empty-year-table",
    "not-a-year",
    "not-uncertain",
    "first-year-missing",
    "year-outside",
    "years-shape",
    "years-order",
    "years-range",
    "steps-per-year",
    // Top-level settings.
    "name",
    "name-reserved",
    "description-lines",
    "paths",
    "seed",
    "discount-rate",
    "sampling",
    // Correlations.
    "correlation-unknown-input",
    "correlation-absent-input",
    "correlation-self",
    "correlation-duplicate",
    "rho-range",
    "not-positive-definite",
    // Command-line overrides.
    "override",
];

/// `with --set a=1, --set b=2` for these overrides, or empty.
pub fn overrides_note(overrides: &[(String, String)]) -> String {
    if overrides.is_empty() {
        return String::new();
    }
    let sets: Vec<String> = overrides.iter().map(|(k, v)| format!("--set {k}={v}")).collect();
    format!("with {}", sets.join(", "))
}

/// Values given by calendar year, carried forward to later years (MODEL.md §3).
#[derive(Clone, Debug, PartialEq)]
pub struct ByYear(pub BTreeMap<i32, f64>);

impl ByYear {
    /// The value for `year`: the latest given year at or before it.
    /// Validation guarantees that the first simulated year is covered.
    pub fn at(&self, year: i32) -> f64 {
        self.0.range(..=year).next_back().map(|(_, v)| *v).unwrap_or(f64::NAN)
    }
}

impl Serialize for ByYear {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0.len() == 1 {
            return s.serialize_f64(*self.0.values().next().expect("one value"));
        }
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (y, v) in &self.0 {
            m.serialize_entry(&y.to_string(), v)?;
        }
        m.end()
    }
}

/// The payer's revenue process (MODEL.md §3).
#[derive(Clone, Debug, Serialize)]
pub struct Revenue {
    pub initial: Dist,
    pub growth: ByYear,
    pub growth_shift: Dist,
    pub volatility: f64,
    pub growth_noise: GrowthNoise,
    pub shock: Shock,
}

/// AR(1) growth surprise: sd `a` and persistence φ.
#[derive(Clone, Debug, Serialize)]
pub struct GrowthNoise {
    pub sd: f64,
    pub persistence: f64,
}

/// Jump shocks: annual rate λ and the fraction of run-rate lost, q.
#[derive(Clone, Debug, Serialize)]
pub struct Shock {
    pub rate: f64,
    pub size: Dist,
}

/// The capped revenue share (MODEL.md §4).
#[derive(Clone, Debug, Serialize)]
pub struct RevenueShare {
    pub rate: ByYear,
    pub rate_multiplier: Dist,
    pub base_fraction: Dist,
    pub until: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cap: Option<Dist>,
    pub termination_rate: f64,
}

/// The holder's payments back to the payer (MODEL.md §5).
#[derive(Clone, Debug, Serialize)]
pub struct CounterShare {
    pub rate: ByYear,
    pub base_ratio: Dist,
}

/// The holder's stake in the payer (MODEL.md §6).
#[derive(Clone, Debug, Serialize)]
pub struct Equity {
    pub stake: Dist,
    pub multiple: Dist,
    /// `None`: the terminal multiple is the initial one (the same draw).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub terminal_multiple: Option<Dist>,
    pub dilution: Vec<Dilution>,
}

/// A dilution event at the start of `year`.
#[derive(Clone, Debug, Serialize)]
pub struct Dilution {
    pub year: i32,
    pub fraction: Dist,
    pub probability: f64,
}

/// An uncertain input that a `[[correlation]]` can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Input {
    Initial,
    GrowthShift,
    ShockSize,
    RateMultiplier,
    BaseFraction,
    Cap,
    BaseRatio,
    Stake,
    Multiple,
    TerminalMultiple,
    /// The fraction of the i-th `[[equity.dilution]]` event (0-based).
    DilutionFraction(usize),
}

impl Input {
    /// The dotted key path of the input in a scenario file.
    pub fn key(&self) -> String {
        match self {
            Input::Initial => "revenue.initial".into(),
            Input::GrowthShift => "revenue.growth_shift".into(),
            Input::ShockSize => "revenue.shock.size".into(),
            Input::RateMultiplier => "revenue_share.rate_multiplier".into(),
            Input::BaseFraction => "revenue_share.base_fraction".into(),
            Input::Cap => "revenue_share.cap".into(),
            Input::BaseRatio => "counter_share.base_ratio".into(),
            Input::Stake => "equity.stake".into(),
            Input::Multiple => "equity.multiple".into(),
            Input::TerminalMultiple => "equity.terminal_multiple".into(),
            Input::DilutionFraction(i) => format!("equity.dilution[{i}].fraction"),
        }
    }

    /// Parse a key path as written in a `[[correlation]]` entry.
    pub fn parse(key: &str) -> Option<Input> {
        let fixed = [
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
        ];
        if let Some(i) = fixed.iter().find(|i| i.key() == key) {
            return Some(*i);
        }
        let rest = key.strip_prefix("equity.dilution")?;
        let index = rest
            .strip_prefix('[')
            .and_then(|r| r.strip_suffix("].fraction"))
            .or_else(|| rest.strip_prefix('.').and_then(|r| r.strip_suffix(".fraction")))?;
        index.parse().ok().map(Input::DilutionFraction)
    }
}

impl Serialize for Input {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.key())
    }
}

/// A correlation between two uncertain inputs (Gaussian copula).
#[derive(Clone, Debug, Serialize)]
pub struct Correlation {
    pub a: Input,
    pub b: Input,
    pub rho: f64,
}

/// One file of the scenario's `extends` chain, with its hash.
#[derive(Clone, Debug, Serialize)]
pub struct SourceInfo {
    pub path: PathBuf,
    pub sha256: String,
}

/// How the per-path inputs are drawn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub enum Sampling {
    /// Independent draws (plain Monte Carlo).
    #[default]
    #[serde(rename = "mc")]
    MonteCarlo,
    /// Latin hypercube within each chunk of paths.
    #[serde(rename = "lhs")]
    LatinHypercube,
}

/// A validated scenario: every default resolved, every distribution built.
#[derive(Clone, Debug, Serialize)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    #[serde(skip)]
    pub file: PathBuf,
    #[serde(skip)]
    pub sources: Vec<SourceInfo>,
    pub years: [i32; 2],
    pub steps_per_year: u32,
    pub paths: u64,
    pub seed: u64,
    pub discount_rate: f64,
    pub sampling: Sampling,
    pub revenue: Revenue,
    pub revenue_share: RevenueShare,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counter_share: Option<CounterShare>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub equity: Option<Equity>,
    #[serde(rename = "correlation", skip_serializing_if = "Vec::is_empty")]
    pub correlations: Vec<Correlation>,
    /// Things that are allowed but probably not meant (printed, not fatal).
    #[serde(skip)]
    pub warnings: Vec<String>,
    /// `--set KEY=VALUE` overrides applied on top of the files, in order (a
    /// sweep's `--vary` values are not among them).
    #[serde(skip)]
    pub overrides: Vec<(String, String)>,
    /// What the files gave each `--set` key before it, or `None` where
    /// they did not set it.
    #[serde(skip)]
    pub replaced: BTreeMap<String, Option<toml::Value>>,
}

impl Scenario {
    /// The distribution the scenario gives `input`, if it sets it.
    pub fn input_dist(&self, input: Input) -> Option<&Dist> {
        let equity = self.equity.as_ref();
        match input {
            Input::Initial => Some(&self.revenue.initial),
            Input::GrowthShift => Some(&self.revenue.growth_shift),
            Input::ShockSize => Some(&self.revenue.shock.size),
            Input::RateMultiplier => Some(&self.revenue_share.rate_multiplier),
            Input::BaseFraction => Some(&self.revenue_share.base_fraction),
            Input::Cap => self.revenue_share.cap.as_ref(),
            Input::BaseRatio => self.counter_share.as_ref().map(|c| &c.base_ratio),
            Input::Stake => equity.map(|e| &e.stake),
            Input::Multiple => equity.map(|e| &e.multiple),
            Input::TerminalMultiple => equity.and_then(|e| e.terminal_multiple.as_ref()),
            Input::DilutionFraction(i) => equity.and_then(|e| e.dilution.get(i)).map(|d| &d.fraction),
        }
    }

    /// Read, merge and validate a scenario file.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioErrors> {
        Self::load_with(path, &[])
    }

    /// Read and merge a scenario file, apply `--set KEY=VALUE` overrides on
    /// top, and validate the result exactly as a file would be.
    pub fn load_with(path: &Path, overrides: &[(String, String)]) -> Result<Scenario, ScenarioErrors> {
        Self::load_varied(path, overrides, &[])
    }

    /// [`Scenario::load_with`] for one combination of a sweep: the `--set`
    /// overrides, then the combination's `--vary` values (errors name each
    /// by the option that gave it).
    pub fn load_varied(
        path: &Path,
        overrides: &[(String, String)],
        varied: &[(String, String)],
    ) -> Result<Scenario, ScenarioErrors> {
        let mut sources = Sources::load(path)?;
        let set = sources.apply_overrides(overrides, "--set");
        let vary = sources.apply_overrides(varied, "--vary");
        match (set, vary) {
            (Ok(()), Ok(())) => reader::read(&sources),
            (Err(mut a), Err(b)) => {
                a.0.extend(b.0);
                Err(a)
            }
            (Err(e), _) | (_, Err(e)) => Err(e),
        }
    }

    /// The `--set` overrides as the outputs show them beside the
    /// description (`with --set a=1, --set b=2`), or empty: a result of
    /// `--set revenue_share={rate=0.1}` must not pass for the file's terms.
    /// (A `--set description=...` is not among them: it is shown as the
    /// description.)
    pub fn overrides_note(&self) -> String {
        let changes: Vec<(String, String)> =
            self.overrides.iter().filter(|(k, _)| k != "description").cloned().collect();
        overrides_note(&changes)
    }

    /// The description as the outputs show it: the file's own, marked as
    /// the file's ("the file says: … capped at $38B") when `--set` has
    /// changed the scenario but not its description, which may then
    /// contradict the results (a --set revenue_share.cap=45).
    pub fn shown_description(&self) -> String {
        self.description_beside(false)
    }

    /// The description, marked as the file's where the results are of
    /// something else: overrides, or where `changed` (a sweep's values);
    /// unless it was itself given on the command line.
    pub fn description_beside(&self, changed: bool) -> String {
        let rewritten = self.overrides.iter().any(|(k, _)| k == "description");
        let changed = changed || !self.overrides_note().is_empty();
        if self.description.is_empty() || rewritten || !changed {
            self.description.clone()
        } else {
            format!("the file says: {}", self.description)
        }
    }

    /// The overrides, then the description (`with --set a=1 — the file
    /// says: …`): the scenario's line wherever the outputs show it. The
    /// overrides come first: they say what the results are of.
    pub fn described(&self) -> String {
        self.described_beside(false)
    }

    /// [`Scenario::described`], the description marked as the file's also
    /// where `changed` (a sweep's values).
    pub fn described_beside(&self, changed: bool) -> String {
        let (note, description) = (self.overrides_note(), self.description_beside(changed));
        match (description.is_empty(), note.is_empty()) {
            (_, true) => description,
            (true, false) => note,
            (false, false) => format!("{note} — {description}"),
        }
    }

    /// The first simulated year.
    pub fn first_year(&self) -> i32 {
        self.years[0]
    }

    /// The last simulated year.
    pub fn last_year(&self) -> i32 {
        self.years[1]
    }

    /// The last simulated year whose revenue accrues a share: `until`, or
    /// the last simulated year if `until` is after it. A cap can bind by
    /// then or never.
    pub fn share_last_year(&self) -> i32 {
        self.revenue_share.until.min(self.last_year())
    }

    /// Number of simulated years.
    pub fn year_count(&self) -> usize {
        (self.years[1] - self.years[0] + 1) as usize
    }

    /// Number of periods K.
    pub fn period_count(&self) -> usize {
        self.year_count() * self.steps_per_year as usize
    }

    /// The resolved scenario as TOML, defaults included (for `revshare check`).
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_else(|e| format!("# cannot render: {e}\n"))
    }
}
