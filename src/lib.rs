//! revshare: a Monte Carlo simulator for capped revenue-share deals.
//!
//! The layers, each knowing only the one below: [`scenario`] reads and
//! validates the file format, [`model`] is the mathematics of one path,
//! [`engine`] runs many paths in parallel and gathers statistics, [`stats`]
//! holds the estimators, and [`export`] writes the output files.

pub mod engine;
pub mod export;
pub mod model;
pub mod scenario;
pub mod sensitivity;
pub mod simd;
pub mod stats;
