//! The chart of a one-key sweep (`revshare sweep ... --vary KEY=...`): the
//! median and P5–P95 of pv_share, pv_equity and pv_total against the varied
//! value.

use crate::stats::Stat;

use super::{ChartError, ChartFile, ChartOptions};

/// One value of the varied key and the three summaries it gave.
#[derive(Clone, Debug)]
pub struct SweepPoint {
    pub value: f64,
    pub pv_share: Stat,
    pub pv_equity: Stat,
    pub pv_total: Stat,
}

/// What the sweep chart needs: the scenario, the varied key, and one point per value (ascending).
#[derive(Clone, Debug)]
pub struct SweepDigest {
    pub name: String,
    pub description: String,
    /// The varied key, e.g. `revenue_share.cap`.
    pub key: String,
    pub paths: u64,
    pub seed: u64,
    pub points: Vec<SweepPoint>,
}

/// Draw `sweep.<ext>` in every format asked for (not drawn yet in this commit).
pub fn sweep_charts(digest: &SweepDigest, opts: &ChartOptions) -> Result<Vec<ChartFile>, ChartError> {
    let _ = (digest, opts);
    Ok(Vec::new())
}
