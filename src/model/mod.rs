//! The mathematics of MODEL.md: uncertain inputs, the copula, and one path
//! stepped period by period. No threads and no I/O here.

pub mod copula;
pub mod dist;
pub mod normal;
pub mod path;
pub mod special;

pub use path::{Block, Columns, Draws, Layout, Metric, Model, PathEvents, PathOutcome, PathScratch, Slot, Summary};
