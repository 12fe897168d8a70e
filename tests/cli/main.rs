//! Integration tests: one binary (faster to build than many), one module per area.

mod common;
mod extends;
mod known_answers;
mod properties;
mod run;
mod validation;
