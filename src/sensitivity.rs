//! Which assumption matters most (issue: sensitivity): for every uncertain
//! input, its Spearman rank correlation with pv_total, pv_share and
//! equity_end (and pv_net, where the holder pays a counter-share) over the
//! run's paths, and a swing analysis: the medians of those
//! outputs with the input held at its own P10 and at its P90, all other inputs
//! random, using the same seed (common random numbers: every other input and
//! every growth path is the same draw in both runs, so the difference is the
//! input's effect, not noise). No I/O.

use crate::engine::{self, EngineError, RunOptions, RunResult};
use crate::model::{Model, Summary};
use crate::scenario::Input;
use crate::stats::rank::{pearson, ranks};

/// The outputs the analysis looks at, in CSV order: pv_total (first: the
/// console, the report and the tornado show it), pv_share and equity_end,
/// and pv_net where the model has a counter-share (without one it equals
/// pv_share).
pub fn outputs(model: &Model) -> Vec<Summary> {
    let mut out = vec![Summary::PvTotal, Summary::PvShare, Summary::EquityEnd];
    if model.has_counter() {
        out.push(Summary::PvNet);
    }
    out
}

/// Rank correlations use the run's first paths, up to this many (their ranks
/// need every value in memory).
pub const RANK_PATHS: u64 = 200_000;

/// One input's results.
#[derive(Clone, Debug)]
pub struct InputSensitivity {
    pub input: Input,
    /// Spearman correlation with each of [`Sensitivity::outputs`].
    pub spearman: Vec<f64>,
    /// The input's own P10 and P90.
    pub low_value: f64,
    pub high_value: f64,
    /// Medians of [`Sensitivity::outputs`] with the input held at its P10 and at its P90.
    pub at_low: Vec<f64>,
    pub at_high: Vec<f64>,
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
    /// Medians of [`Sensitivity::outputs`] with every input random.
    pub base: Vec<f64>,
    /// The outputs, in the order of every per-output list here.
    pub outputs: Vec<Summary>,
    /// Paths the rank correlations used.
    pub rank_paths: u64,
    pub inputs: Vec<InputSensitivity>,
    /// Whether the scenario gives `equity.terminal_multiple` (then the
    /// starting multiple moves no path summary; see [`Sensitivity::why_inert`]).
    pub terminal_multiple_given: bool,
}

impl Sensitivity {
    /// The inputs by the swing of output `o` (an index of [`Sensitivity::outputs`]),
    /// largest first.
    pub fn ranked(&self, o: usize) -> Vec<&InputSensitivity> {
        let mut rows: Vec<&InputSensitivity> = self.inputs.iter().collect();
        rows.sort_by(|x, y| y.swing(o).total_cmp(&x.swing(o)));
        rows
    }

    /// The inputs that, held at their P10 or at their P90, leave the median
    /// of every output exactly where it is with every input random (the
    /// starting equity multiple always, when the terminal multiple is given:
    /// no path summary depends on it then).
    pub fn inert(&self) -> Vec<&InputSensitivity> {
        let unmoved = |at: &[f64]| at.iter().zip(&self.base).all(|(x, b)| x == b);
        self.inputs.iter().filter(|i| unmoved(&i.at_low) && unmoved(&i.at_high)).collect()
    }

    /// Why holding input `i` (one of [`Sensitivity::inert`]) moved no
    /// output's median, in words for the console and the report.
    pub fn why_inert(&self, i: &InputSensitivity) -> &'static str {
        match i.input {
            // §6: ln M_k runs from ln M₀ to ln M_K, reached at the last
            // period, whose valuation is the only one the summaries use.
            Input::Multiple if self.terminal_multiple_given => {
                "the only valuation the outputs use is the last period's, at equity.terminal_multiple; the starting multiple sets only earlier periods' valuation (valuation and equity_value in yearly.csv)"
            }
            _ => "holding it at its P10 or at its P90 leaves every median where it was",
        }
    }
}

/// Analyse `model` run with `opts` (whose base run is `base`): two extra runs
/// per uncertain input.
pub fn analyse(model: &Model, opts: &RunOptions<'_>, base: &RunResult) -> Result<Sensitivity, EngineError> {
    let inputs = model.uncertain_inputs();
    let n = opts.paths.min(RANK_PATHS);
    let mut values: Vec<Vec<f64>> = vec![Vec::with_capacity(n as usize); inputs.len()];
    let summaries = outputs(model);
    let mut outputs: Vec<Vec<f64>> = vec![Vec::with_capacity(n as usize); summaries.len()];
    let lay = model.layout;
    engine::replay(model, opts.seed, opts.paths, n, |_, path, _, scratch| {
        for (v, (input, _)) in values.iter_mut().zip(&inputs) {
            v.push(model.input_value(*input, scratch));
        }
        for (o, s) in outputs.iter_mut().zip(&summaries) {
            o.push(path[lay.summary(*s)]);
        }
    });
    // Spearman's correlation is Pearson's of the ranks: each sample is
    // ranked once, not once for every pair it is in.
    let output_ranks: Vec<Vec<f64>> = outputs.iter().map(|o| ranks(o)).collect();
    let medians = |r: &RunResult| summaries.iter().map(|s| r.summary(*s).median()).collect::<Vec<f64>>();
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
        let v_ranks = ranks(v);
        let low = held(*input, low_value)?;
        let high = held(*input, high_value)?;
        results.push(InputSensitivity {
            input: *input,
            spearman: output_ranks.iter().map(|o| pearson(&v_ranks, o)).collect(),
            low_value,
            high_value,
            at_low: medians(&low),
            at_high: medians(&high),
        });
    }
    Ok(Sensitivity {
        base: medians(base),
        outputs: summaries,
        rank_paths: n,
        inputs: results,
        terminal_multiple_given: model.has_terminal_multiple(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An input is inert only if it moves no median at either end: one that
    /// moves a median held at its P10 alone, or at its P90 alone, is not.
    #[test]
    fn an_input_is_inert_only_if_neither_end_moves_a_median() {
        let input = |input: Input, at_low: [f64; 2], at_high: [f64; 2]| InputSensitivity {
            input,
            spearman: vec![0.0; 2],
            low_value: 1.0,
            high_value: 2.0,
            at_low: at_low.to_vec(),
            at_high: at_high.to_vec(),
        };
        let s = Sensitivity {
            base: vec![10.0, 5.0],
            outputs: vec![Summary::PvTotal, Summary::PvShare],
            rank_paths: 100,
            inputs: vec![
                input(Input::Multiple, [10.0, 5.0], [10.0, 5.0]),
                input(Input::Initial, [10.0, 4.0], [10.0, 5.0]),
                input(Input::Stake, [10.0, 5.0], [11.0, 5.0]),
            ],
            terminal_multiple_given: true,
        };
        let inert: Vec<Input> = s.inert().iter().map(|i| i.input).collect();
        assert_eq!(inert, [Input::Multiple]);
    }

    /// A held input takes its value on every path, and every other input,
    /// the one correlated with it included, keeps the value it drew in the
    /// base run: the swing is the input's direct effect.
    #[test]
    fn a_held_input_leaves_the_others_and_its_correlated_partner_as_drawn() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/amended-2026.toml");
        let s = crate::scenario::Scenario::load(&path).expect("shipped scenario");
        assert!(
            s.correlations.iter().any(|c| (c.a, c.b) == (Input::GrowthShift, Input::TerminalMultiple)),
            "the shipped scenario correlates growth_shift with terminal_multiple"
        );
        let model = Model::new(&s);
        let inputs: Vec<Input> = model.uncertain_inputs().iter().map(|(i, _)| *i).collect();
        let values = |m: &Model| {
            let mut out = Vec::new();
            engine::replay(m, 5, 3000, 3000, |_, _, _, scratch| {
                out.push(inputs.iter().map(|i| m.input_value(*i, scratch)).collect::<Vec<f64>>());
            });
            out
        };
        let base = values(&model);
        let held = values(&model.with_pinned(Input::GrowthShift, 0.07));
        let g = inputs.iter().position(|i| *i == Input::GrowthShift).expect("growth_shift is uncertain");
        assert!(inputs.contains(&Input::TerminalMultiple), "its partner is uncertain too");
        let mut the_pin_changed_a_value = false;
        for (b, h) in base.iter().zip(&held) {
            assert_eq!(h[g], 0.07);
            for (k, (x, y)) in b.iter().zip(h).enumerate() {
                if k != g {
                    assert_eq!(x.to_bits(), y.to_bits(), "{:?} moved", inputs[k]);
                }
            }
            the_pin_changed_a_value |= b[g] != 0.07;
        }
        assert!(the_pin_changed_a_value);
    }
}
