//! Which assumption matters most (issue: sensitivity): for every uncertain
//! input, its Spearman rank correlation with pv_total, pv_share and
//! equity_end over the run's paths, and a swing analysis: the medians of those
//! outputs with the input held at its own P10 and at its P90, all other inputs
//! random, using the same seed (common random numbers: every other input and
//! every growth path is the same draw in both runs, so the difference is the
//! input's effect, not noise). No I/O.

use crate::engine::{self, EngineError, RunOptions, RunResult};
use crate::model::{Model, Summary};
use crate::scenario::Input;
use crate::stats::rank::spearman;

/// The outputs the analysis looks at, in CSV order.
pub const OUTPUTS: [Summary; 3] = [Summary::PvTotal, Summary::PvShare, Summary::EquityEnd];

/// Rank correlations use the run's first paths, up to this many (their ranks
/// need every value in memory).
pub const RANK_PATHS: u64 = 200_000;

/// One input's results.
#[derive(Clone, Debug)]
pub struct InputSensitivity {
    pub input: Input,
    /// Spearman correlation with each of [`OUTPUTS`].
    pub spearman: [f64; 3],
    /// The input's own P10 and P90.
    pub low_value: f64,
    pub high_value: f64,
    /// Medians of [`OUTPUTS`] with the input held at its P10 and at its P90.
    pub at_low: [f64; 3],
    pub at_high: [f64; 3],
}

impl InputSensitivity {
    /// |median at P90 − median at P10| of output `o`.
    pub fn swing(&self, o: usize) -> f64 {
        (self.at_high[o] - self.at_low[o]).abs()
    }
}

/// The whole analysis.
#[derive(Clone, Debug)]
pub struct Sensitivity {
    /// Medians of [`OUTPUTS`] with every input random.
    pub base: [f64; 3],
    /// Paths the rank correlations used.
    pub rank_paths: u64,
    pub inputs: Vec<InputSensitivity>,
}

impl Sensitivity {
    /// The inputs by the swing of output `o` (an index of [`OUTPUTS`]),
    /// largest first.
    pub fn ranked(&self, o: usize) -> Vec<&InputSensitivity> {
        let mut rows: Vec<&InputSensitivity> = self.inputs.iter().collect();
        rows.sort_by(|x, y| y.swing(o).total_cmp(&x.swing(o)));
        rows
    }
}

/// Analyse `model` run with `opts` (whose base run is `base`): two extra runs
/// per uncertain input.
pub fn analyse(model: &Model, opts: &RunOptions<'_>, base: &RunResult) -> Result<Sensitivity, EngineError> {
    let inputs = model.uncertain_inputs();
    let n = opts.paths.min(RANK_PATHS);
    let mut values: Vec<Vec<f64>> = vec![Vec::with_capacity(n as usize); inputs.len()];
    let mut outputs: Vec<Vec<f64>> = vec![Vec::with_capacity(n as usize); OUTPUTS.len()];
    let lay = model.layout;
    engine::replay(model, opts.seed, opts.paths, n, |_, path, _, scratch| {
        for (v, (input, _)) in values.iter_mut().zip(&inputs) {
            v.push(model.input_value(*input, scratch));
        }
        for (o, s) in outputs.iter_mut().zip(OUTPUTS) {
            o.push(path[lay.summary(s)]);
        }
    });
    let medians = |r: &RunResult| OUTPUTS.map(|s| r.summary(s).median());
    let mut results = Vec::with_capacity(inputs.len());
    let mut runs_done = 0;
    // Each held run as one run, its progress counted after the runs before it.
    let mut held = |input: Input, value: f64| {
        let offset = runs_done * opts.paths;
        let on_progress = |done: u64| {
            if let Some(p) = opts.progress {
                p(offset + done);
            }
        };
        runs_done += 1;
        engine::run(&model.with_pinned(input, value), &RunOptions { progress: Some(&on_progress), ..*opts })
    };
    for ((input, dist), v) in inputs.iter().zip(&values) {
        let (low_value, high_value) = (dist.quantile(0.1), dist.quantile(0.9));
        let low = held(*input, low_value)?;
        let high = held(*input, high_value)?;
        results.push(InputSensitivity {
            input: *input,
            spearman: [0, 1, 2].map(|o| spearman(v, &outputs[o])),
            low_value,
            high_value,
            at_low: medians(&low),
            at_high: medians(&high),
        });
    }
    Ok(Sensitivity { base: medians(base), rank_paths: n, inputs: results })
}
