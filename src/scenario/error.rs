//! Errors in scenario files: each names the file, the line and column where the
//! TOML parser knows them, the key path, the rule that was broken and the fix.

use std::fmt;
use std::path::PathBuf;

/// One problem with a scenario file.
#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioError {
    /// Which validation rule was broken (one of [`super::RULES`]).
    pub rule: &'static str,
    /// The file the problem is in (the file that set the value, after `extends`).
    pub file: PathBuf,
    /// 1-based line and column, where known.
    pub position: Option<(usize, usize)>,
    /// Dotted key path, e.g. `revenue_share.cap.low`; empty for the whole file.
    pub key: String,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub fix: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some((line, col)) = self.position {
            write!(f, ":{line}:{col}")?;
        }
        write!(f, ": ")?;
        if !self.key.is_empty() {
            write!(f, "{}: ", self.key)?;
        }
        write!(f, "{}", self.message)?;
        if !self.fix.is_empty() {
            write!(f, "\n  fix: {}", self.fix)?;
        }
        Ok(())
    }
}

/// Every problem found in one scenario (validation goes on past the first).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub struct ScenarioErrors(pub Vec<ScenarioError>);

impl fmt::Display for ScenarioErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl From<ScenarioError> for ScenarioErrors {
    fn from(e: ScenarioError) -> Self {
        ScenarioErrors(vec![e])
    }
}
