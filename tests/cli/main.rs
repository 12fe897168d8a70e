//! Integration tests: one binary (faster to build than many), one module per area.

mod accuracy;
mod charts;
mod common;
mod corpus;
mod extends;
mod fuzz;
mod known_answers;
mod laws;
mod properties;
mod run;
mod sampling;
mod signals;
mod validation;
