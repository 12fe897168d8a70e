//! One simulated path (MODEL.md §1, §3–§7): the per-path inputs are drawn, then
//! the run-rate, the capped share, the counter-share and the equity stake are
//! stepped period by period, and every per-period, per-year and per-path
//! quantity is written into one flat, preallocated [`PathOutcome`].

use super::normal::standard_normal;
use rand::{Rng, RngExt, SeedableRng};
use rand_xoshiro::SplitMix64;

use super::copula::Copula;
use super::dist::Dist;
use super::special::{self, norm_inv};
use crate::scenario::{Input, Sampling, Scenario};
use crate::simd::Aligned;

/// Per-period (and per-year) metrics of MODEL.md §8, in output order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    Revenue,
    RunRate,
    Payment,
    CumulativePayment,
    CounterPayment,
    NetPayment,
    Stake,
    Valuation,
    EquityValue,
    CapBound,
}

impl Metric {
    pub const ALL: [Metric; 10] = [
        Metric::Revenue,
        Metric::RunRate,
        Metric::Payment,
        Metric::CumulativePayment,
        Metric::CounterPayment,
        Metric::NetPayment,
        Metric::Stake,
        Metric::Valuation,
        Metric::EquityValue,
        Metric::CapBound,
    ];

    /// Column value in the CSV files.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Revenue => "revenue",
            Metric::RunRate => "run_rate",
            Metric::Payment => "payment",
            Metric::CumulativePayment => "cumulative_payment",
            Metric::CounterPayment => "counter_payment",
            Metric::NetPayment => "net_payment",
            Metric::Stake => "stake",
            Metric::Valuation => "valuation",
            Metric::EquityValue => "equity_value",
            Metric::CapBound => "cap_bound",
        }
    }

    /// Flows are summed over a year's periods; stocks are taken at its last.
    pub fn is_flow(self) -> bool {
        matches!(self, Metric::Revenue | Metric::Payment | Metric::CounterPayment | Metric::NetPayment)
    }
}

/// Per-path summaries of MODEL.md §7 that get statistics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Summary {
    TotalShare,
    PvShare,
    TotalCounter,
    PvNet,
    EquityEnd,
    PvEquity,
    PvTotal,
    CapHit,
}

impl Summary {
    pub const ALL: [Summary; 8] = [
        Summary::TotalShare,
        Summary::PvShare,
        Summary::TotalCounter,
        Summary::PvNet,
        Summary::EquityEnd,
        Summary::PvEquity,
        Summary::PvTotal,
        Summary::CapHit,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Summary::TotalShare => "total_share",
            Summary::PvShare => "pv_share",
            Summary::TotalCounter => "total_counter",
            Summary::PvNet => "pv_net",
            Summary::EquityEnd => "equity_end",
            Summary::PvEquity => "pv_equity",
            Summary::PvTotal => "pv_total",
            Summary::CapHit => "cap_hit",
        }
    }
}

/// Where each statistic lives in a path's flat vector of values: per-period
/// metrics first (metric-major), then per-year flows, then path summaries. A
/// stock's yearly value is its value at the year's last period, so it shares
/// that period's slot (and, with one step a year, so does a flow): nothing is
/// gathered twice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    pub periods: usize,
    pub years: usize,
    pub steps_per_year: usize,
}

/// Flows in the order of their per-year slots.
const FLOWS: [Metric; 4] = [Metric::Revenue, Metric::Payment, Metric::CounterPayment, Metric::NetPayment];

impl Layout {
    pub fn period(&self, m: Metric, k: usize) -> usize {
        m as usize * self.periods + k
    }
    /// True when yearly flows have slots of their own (more than one step a year).
    fn yearly_flows(&self) -> bool {
        self.steps_per_year > 1
    }
    /// Slots of the per-period metrics, which come first.
    fn period_slots(&self) -> usize {
        Metric::ALL.len() * self.periods
    }
    /// Slots of the flows' own yearly totals, which come next.
    fn flow_slots(&self) -> usize {
        if self.yearly_flows() { FLOWS.len() * self.years } else { 0 }
    }
    pub fn year(&self, m: Metric, y: usize) -> usize {
        if m.is_flow() && self.yearly_flows() {
            let f = FLOWS.iter().position(|x| *x == m).expect("a flow");
            self.period_slots() + f * self.years + y
        } else {
            self.period(m, (y + 1) * self.steps_per_year - 1)
        }
    }
    pub fn summary(&self, s: Summary) -> usize {
        self.period_slots() + self.flow_slots() + s as usize
    }
    pub fn len(&self) -> usize {
        self.summary(Summary::CapHit) + 1
    }
    /// What slot `slot` holds: the inverse of [`Layout::period`],
    /// [`Layout::year`] (for a flow's own yearly slot) and [`Layout::summary`].
    pub fn slot(&self, slot: usize) -> Slot {
        let (per_period, flows) = (self.period_slots(), self.flow_slots());
        if slot < per_period {
            Slot::Period(Metric::ALL[slot / self.periods], slot % self.periods)
        } else if slot < per_period + flows {
            let s = slot - per_period;
            Slot::Year(FLOWS[s / self.years], s % self.years)
        } else {
            Slot::Summary(Summary::ALL[slot - per_period - flows])
        }
    }
    pub fn is_empty(&self) -> bool {
        false
    }
}

/// What one slot of a [`Layout`] holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// A metric in a period (by index).
    Period(Metric, usize),
    /// A flow's total over a year (by index from the first year).
    Year(Metric, usize),
    Summary(Summary),
}

/// Everything one path produces.
#[derive(Clone, Debug)]
pub struct PathOutcome {
    /// All statistics' values for this path, indexed by [`Layout`].
    pub values: Vec<f64>,
    /// Index (from the first year) of the year the cap bound, if it did.
    pub cap_year: Option<usize>,
    /// Index of the year the share was terminated, if it was.
    pub terminated_year: Option<usize>,
}

impl PathOutcome {
    pub fn new(layout: Layout) -> Self {
        PathOutcome { values: vec![0.0; layout.len()], cap_year: None, terminated_year: None }
    }
}

/// What happened on a path besides its values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PathEvents {
    /// Index (from the first year) of the year the cap bound, if it did.
    pub cap_year: Option<usize>,
    /// Index of the year the share was terminated, if it was.
    pub terminated_year: Option<usize>,
}

/// Reused buffers so that a path allocates nothing.
#[derive(Clone, Debug)]
pub struct PathScratch {
    /// The floor's buffers for a path's period variates ([`Model::draw_variates`];
    /// a path drawn for a run keeps them in its block): per period, ε then ζ
    /// (both, whether or not the model uses them), and the periods with a shock, in order.
    period_normals: Vec<f64>,
    shocks: Vec<usize>,
    /// The floor's paths whose inputs are drawn but not yet worked out
    /// ([`Model::draw_variates`]), as a block keeps them.
    group: InputGroup,
    grouped: usize,
    /// Latin hypercube: this path's stratified uniforms, one per dimension
    /// (see [`Model::lhs_dims`]); empty for plain Monte Carlo.
    pub strata: Vec<f64>,
    /// A one-path block for [`Model::simulate_into`].
    block: Option<Block>,
}

impl PathScratch {
    /// The inputs of the path [`Model::simulate_into`] last simulated with
    /// this scratch (all zero before any): those its one-path block worked
    /// out (`cap` is infinite without a cap).
    pub fn inputs(&self) -> Draws {
        self.block.as_ref().map_or_else(Draws::default, |b| b.inputs.draws[0])
    }

    /// That path's dilution events: each one's fraction and whether it
    /// happened (none before any path).
    pub fn dilutions(&self) -> &[(f64, bool)] {
        self.block.as_ref().map_or(&[], |b| &b.inputs.dilutions[..b.inputs.raw[0].dilution.len()])
    }
}

/// Rows of a block kept apart from the statistics' own, reused from period
/// to period: one per [`Metric`] but the stake (its running values are
/// handed on instead), then `pv_equity`'s and `pv_total`'s.
const ROWS: usize = Metric::ALL.len() - 1 + 2;

/// Where [`Model::finish_block_into`] hands a block's values: a few slots at
/// a time, as soon as they are worked out, so that they can be gathered
/// while they are still in a near cache.
pub trait Columns {
    /// The values of some slots, `(slot, values of the block's paths)`, in
    /// the order given.
    fn columns(&mut self, columns: &[(usize, &[f64])]);

    /// [`Columns::columns`] for those of `slots` (with their `rows`) that
    /// `keep` says are kept.
    #[inline(always)]
    fn kept<const N: usize>(&mut self, slots: [usize; N], rows: [&[f64]; N], keep: &[bool]) {
        let mut kept: [(usize, &[f64]); N] = [(0, &[]); N];
        let mut count = 0;
        for (s, row) in slots.into_iter().zip(rows) {
            if keep[s] {
                kept[count] = (s, row);
                count += 1;
            }
        }
        self.columns(&kept[..count]);
    }
}

/// Columns written where [`Model::finish_block`] puts them: slot s's
/// values at `values[s * stride..]`.
struct IntoRows<'a> {
    values: &'a mut [f64],
    stride: usize,
}

impl Columns for IntoRows<'_> {
    fn columns(&mut self, columns: &[(usize, &[f64])]) {
        for (s, row) in columns {
            self.values[s * self.stride..][..row.len()].copy_from_slice(row);
        }
    }
}

/// Per-path state of a block of paths between [`Model::draw_path`] and
/// [`Model::finish_block`] (period-major where by period: `steps[k * capacity + j]`).
#[derive(Clone, Debug)]
pub struct Block {
    capacity: usize,
    /// The change of ln R in each period (§3), shock included.
    steps: Aligned,
    /// ln R at the end of the period last finished.
    ln_r: Aligned,
    /// Index of the period in which the share was terminated (the number of periods if never), as f64.
    terminated_at: Aligned,
    dilution: Aligned,
    initial: Aligned,
    share_scale: Aligned,
    cap: Aligned,
    base_ratio: Aligned,
    stake: Aligned,
    multiple: Aligned,
    multiple_step: Aligned,
    terminal_multiple: Aligned,
    run_rate: Aligned,
    cumulative: Aligned,
    /// 1.0 once the cap has bound, and the year index it bound in (−1 if not yet).
    bound: Aligned,
    cap_year: Aligned,
    total_counter: Aligned,
    pv_share: Aligned,
    pv_net: Aligned,
    flows: [Aligned; 4],
    /// Whether each slot's values are handed on: a slot that only repeats
    /// another's values (see [`Model::aliases`]) need not be.
    keep: Vec<bool>,
    /// A period's values of each metric but the stake ([`Metric`] order),
    /// then the present values of the equity and of the whole
    /// (`pv_equity`, `pv_total`): [`ROWS`] rows reused from period to
    /// period, each handed on as soon as it is worked out (so they stay in
    /// cache).
    rows: Vec<Aligned>,
    /// Paths drawn but not yet stepped, at most [`GROUP`] (see
    /// [`Model::draw_path`]), with their periods' variates (interleaved: the
    /// i-th of the path in slot g at `i * GROUP + g`; per period ε, then,
    /// with growth noise, its value u_k, else ζ) and the periods of their
    /// shocks.
    pending: Vec<Pending>,
    pending_normals: Vec<f64>,
    pending_shocks: Vec<Vec<usize>>,
    /// The pending paths' input bits, and their inputs once worked out.
    inputs: InputGroup,
}

/// The per-path inputs of up to [`GROUP`] paths: each path's bits, drawn
/// in the stream's order with the rest of the path ([`Model::draw_bits`]),
/// then worked out into values for all of them at once
/// ([`Model::finish_inputs`]): the inverse CDFs of the paths side by side,
/// input by input, where one path at a time would wait on each one's chain
/// of dependent steps (a PERT's polynomial, a lognormal's exponential).
#[derive(Clone, Debug)]
struct InputGroup {
    raw: Vec<RawInputs>,
    /// The copula's normals, dimension-major (`c * lanes + lane`).
    normals: Vec<f64>,
    draws: [Draws; GROUP],
    /// Each path's dilution factor per year (`lane * years + y`) and each
    /// event's fraction and whether it happened (`lane * events + i`).
    factors: Vec<f64>,
    dilutions: Vec<(f64, bool)>,
}

/// One path's input bits (see [`Model::draw_bits`]).
#[derive(Clone, Debug, Default)]
struct RawInputs {
    slot: [u64; INPUT_SLOTS],
    /// Each dilution event's bits for its fraction and uniform for its occurrence.
    dilution: Vec<(u64, f64)>,
    /// Latin hypercube: the path's stratified uniforms (empty for plain Monte Carlo).
    strata: Vec<f64>,
}

/// Paths whose steps are worked out together: each path's growth noise is a
/// chain of dependent operations, period after period, and four chains side
/// by side keep the processor busy where one would leave it waiting.
const GROUP: usize = 4;

/// What stepping a drawn path needs besides its normals and shocks.
#[derive(Clone, Copy, Debug)]
struct Pending {
    /// Its column in the block.
    j: usize,
    /// The growth noise's starting value u₀.
    u0: f64,
    growth_shift: f64,
    /// A shock's jump J (§3), if the path has a shock.
    jump: f64,
}

/// What one period's share and counter-share arithmetic needs besides the paths.
struct PeriodTerms {
    accrues: bool,
    period: f64,
    year: f64,
    rate: f64,
    counter_rate: f64,
}

// The loops over a block's paths live in functions of their own: their slice
// arguments are known not to overlap, so the compiler vectorises them without
// run-time checks. Branch-free, with flags as 0.0/1.0 and periods as f64.

/// Share and counter-share arguments: the paths' revenue; their termination
/// periods, share scales, caps and base ratios; their running cumulative
/// payment, cap flag and cap year; and the period's outputs (payment,
/// cumulative payment, counter-payment, cap flag).
type ShareArgs<'a> = (
    &'a [f64],
    (&'a [f64], &'a [f64], &'a [f64], &'a [f64]),
    (&'a mut [f64], &'a mut [f64], &'a mut [f64]),
    (&'a mut [f64], &'a mut [f64], &'a mut [f64], &'a mut [f64]),
);

crate::simd::multiversion! {
    /// ln R₀ of each path and its multiple's step (M_K/M₀)^(1/K) (without
    /// equity, `steps` is None), with the vectors of `width`.
    #[allow(clippy::type_complexity)]
    fn start_block(
        inputs: (&[f64], &[f64], &[f64]),
        out: (&mut [f64], Option<&mut [f64]>),
        periods: f64,
    ) = start_block_lanes;
}

#[inline(always)]
#[allow(clippy::type_complexity)]
fn start_block_lanes(
    (initial, multiple, terminal): (&[f64], &[f64], &[f64]),
    (ln_r, steps): (&mut [f64], Option<&mut [f64]>),
    periods: f64,
) {
    let n = ln_r.len();
    for (l, r) in ln_r.iter_mut().zip(&initial[..n]) {
        *l = special::ln(*r);
    }
    if let Some(steps) = steps {
        let (multiple, terminal, steps) = (&multiple[..n], &terminal[..n], &mut steps[..n]);
        // M_k = M₀·(M_K/M₀)^((k+1)/K), stepped by a constant factor.
        for j in 0..n {
            steps[j] = special::exp((special::ln(terminal[j]) - special::ln(multiple[j])) / periods);
        }
    }
}

crate::simd::multiversion! {
    /// One period's run-rates: ln R += the period's step, R = exp(ln R), with
    /// the vectors of `width` (the same bits at any width: [`special::exp`]
    /// fuses no multiply-adds).
    fn run_rate_period(ln_r: &mut [f64], steps: &[f64], out: &mut [f64]) = run_rate_lanes;
}

#[inline(always)]
fn run_rate_lanes(ln_r: &mut [f64], steps: &[f64], out: &mut [f64]) {
    let n = ln_r.len();
    let (steps, out) = (&steps[..n], &mut out[..n]);
    for j in 0..n {
        ln_r[j] += steps[j];
        out[j] = special::exp(ln_r[j]);
    }
}

crate::simd::multiversion! {
    /// The capped share and the counter-share of one period (§4, §5), with
    /// the vectors of `width` (the same operations, without fused
    /// multiply-adds, so the same bits at any width).
    fn share_period(t: &PeriodTerms, args: ShareArgs<'_>) = share_period_lanes::<true>;
}

crate::simd::multiversion! {
    /// [`share_period`] for a model without a counter-share: the
    /// counter-payments (all +0.0, see [`Model::aliases`]) are not written.
    fn share_period_no_counter(t: &PeriodTerms, args: ShareArgs<'_>) = share_period_lanes::<false>;
}

#[inline(always)]
fn share_period_lanes<const COUNTER: bool>(t: &PeriodTerms, args: ShareArgs<'_>) {
    let (revenue, (terminated_at, share_scale, cap, base_ratio), (cumulative, bound, cap_year), out) = args;
    let (o_paid, o_cumulative, o_counter, o_bound) = out;
    let n = revenue.len();
    let (terminated_at, share_scale, cap, base_ratio) =
        (&terminated_at[..n], &share_scale[..n], &cap[..n], &base_ratio[..n]);
    let (cumulative, bound, cap_year) = (&mut cumulative[..n], &mut bound[..n], &mut cap_year[..n]);
    let (o_paid, o_cumulative, o_counter, o_bound) =
        (&mut o_paid[..n], &mut o_cumulative[..n], &mut o_counter[..n], &mut o_bound[..n]);
    for j in 0..n {
        // Every value read once, up front: a choice between two arrays'
        // elements would otherwise become a load from a chosen address,
        // which vectorises as a gather (a third of this loop's time).
        let (revenue, cap, so_far, was_bound, year) = (revenue[j], cap[j], cumulative[j], bound[j], cap_year[j]);
        let active = t.accrues & (t.period < terminated_at[j]);
        let open = active & (was_bound == 0.0);
        let due = t.rate * share_scale[j] * revenue;
        let remaining = cap - so_far;
        let hits = open & (due >= remaining);
        let paid = if hits {
            remaining.max(0.0)
        } else if open {
            due
        } else {
            0.0
        };
        cumulative[j] = if hits {
            cap
        } else if open {
            so_far + due
        } else {
            so_far
        };
        bound[j] = if hits { 1.0 } else { was_bound };
        cap_year[j] = if hits { t.year } else { year };
        if COUNTER {
            // `+ 0.0` turns a −0.0 (a rate or base ratio of −0.0) into +0.0
            // and leaves every other value alone.
            o_counter[j] = if active { t.counter_rate * base_ratio[j] * revenue + 0.0 } else { 0.0 };
        }
        o_paid[j] = paid;
        o_cumulative[j] = cumulative[j];
        o_bound[j] = bound[j];
    }
}

crate::simd::multiversion! {
    /// One period's sums (§5, §7): net income, the running totals and the
    /// year's flows, with the vectors of `width`. Without a counter-share
    /// (`counter` all +0.0), only what differs from the payment is summed:
    /// net income, pv_net and the net flow then equal the payment's, and the
    /// counter-payment's total and flow stay 0, bit for bit, so
    /// [`Model::finish_block_into`] hands on the payment's (or zeros) in
    /// their place.
    #[allow(clippy::type_complexity)]
    fn sum_period(
        discount: f64,
        has_counter: bool,
        inputs: (&[f64], &[f64], &[f64], &mut [f64]),
        totals: (&mut [f64], &mut [f64], &mut [f64]),
        flows: (&mut [f64], &mut [f64], &mut [f64], &mut [f64]),
    ) = sum_period_lanes;
}

#[inline(always)]
#[allow(clippy::type_complexity)]
fn sum_period_lanes(
    discount: f64,
    has_counter: bool,
    (revenue, paid, counter, o_net): (&[f64], &[f64], &[f64], &mut [f64]),
    (total_counter, pv_share, pv_net): (&mut [f64], &mut [f64], &mut [f64]),
    (f_revenue, f_paid, f_counter, f_net): (&mut [f64], &mut [f64], &mut [f64], &mut [f64]),
) {
    let n = revenue.len();
    let (paid, pv_share, f_revenue, f_paid) = (&paid[..n], &mut pv_share[..n], &mut f_revenue[..n], &mut f_paid[..n]);
    if !has_counter {
        for j in 0..n {
            pv_share[j] += paid[j] * discount;
            f_revenue[j] += revenue[j];
            f_paid[j] += paid[j];
        }
        return;
    }
    let (counter, o_net) = (&counter[..n], &mut o_net[..n]);
    let (total_counter, pv_net) = (&mut total_counter[..n], &mut pv_net[..n]);
    let (f_counter, f_net) = (&mut f_counter[..n], &mut f_net[..n]);
    for j in 0..n {
        let net = paid[j] - counter[j];
        o_net[j] = net;
        total_counter[j] += counter[j];
        pv_share[j] += paid[j] * discount;
        pv_net[j] += net * discount;
        f_revenue[j] += revenue[j];
        f_paid[j] += paid[j];
        f_counter[j] += counter[j];
        f_net[j] += net;
    }
}

crate::simd::multiversion! {
    /// The multiple, valuation and equity value of one period (§6), with the
    /// vectors of `width`.
    #[allow(clippy::type_complexity)]
    fn equity_period(
        last: bool,
        multiples: (&mut [f64], &[f64], &[f64]),
        stake: &[f64],
        run_rate: &[f64],
        valuation: &mut [f64],
        equity: &mut [f64],
    ) = equity_period_lanes;
}

#[inline(always)]
#[allow(clippy::type_complexity)]
fn equity_period_lanes(
    last: bool,
    (multiple, step, terminal): (&mut [f64], &[f64], &[f64]),
    stake: &[f64],
    run_rate: &[f64],
    valuation: &mut [f64],
    equity: &mut [f64],
) {
    let n = multiple.len();
    let (step, terminal, stake, run_rate) = (&step[..n], &terminal[..n], &stake[..n], &run_rate[..n]);
    let (valuation, equity) = (&mut valuation[..n], &mut equity[..n]);
    for j in 0..n {
        multiple[j] = if last { terminal[j] } else { multiple[j] * step[j] };
        valuation[j] = multiple[j] * run_rate[j];
        equity[j] = stake[j] * valuation[j];
    }
}

/// A dilution event with its year as an index.
#[derive(Clone, Debug)]
struct DilutionEvent {
    year: usize,
    fraction: Dist,
    probability: f64,
}

/// Where each uncertain input comes from.
#[derive(Clone, Debug)]
enum Source {
    Direct,
    Copula(usize),
}

/// A scenario made ready to simulate: per-period constants precomputed, every
/// distribution built.
#[derive(Clone, Debug)]
pub struct Model {
    pub layout: Layout,
    pub first_year: i32,
    steps_per_year: usize,
    dt: f64,
    // Per period.
    year_of: Vec<usize>,
    log_growth: Vec<f64>,
    share_rate: Vec<f64>,
    counter_rate: Vec<f64>,
    /// Whether any period's counter-share rate is not zero; without one,
    /// every counter-payment is +0.0 (see [`Model::aliases`]).
    has_counter: bool,
    accrues: Vec<bool>,
    discount: Vec<f64>,
    // Process constants.
    vol_sqrt_dt: f64,
    noise_sd: f64,
    noise_decay: f64,
    noise_innovation: f64,
    /// The probability that a path's first shock comes within g + 1
    /// periods, for g from 0 to K − 1 (empty without shocks).
    shock_first: Vec<f64>,
    /// The same for termination, over the periods that accrue (which come
    /// first: a year accrues when it is at most `until`); empty without it.
    termination_first: Vec<f64>,
    // Inputs.
    initial: Dist,
    growth_shift: Dist,
    shock_size: Dist,
    rate_multiplier: Dist,
    base_fraction: Dist,
    cap: Option<Dist>,
    base_ratio: Option<Dist>,
    stake: Option<Dist>,
    multiple: Option<Dist>,
    terminal_multiple: Option<Dist>,
    dilution: Vec<DilutionEvent>,
    copula: Copula,
    sources: Vec<(Input, Source)>,
    /// An input held at a value on every path (sensitivity runs); its draw
    /// is still made, so the other inputs see the same random numbers.
    pinned: Option<(Input, f64)>,
    /// Plain Monte Carlo or Latin hypercube (the engine stratifies).
    pub sampling: Sampling,
}

/// The per-path draws of every uncertain input (`cap` is infinite without a
/// cap; absent tables give 0).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Draws {
    pub initial: f64,
    pub growth_shift: f64,
    pub shock_size: f64,
    pub rate_multiplier: f64,
    pub base_fraction: f64,
    pub cap: f64,
    pub base_ratio: f64,
    pub stake: f64,
    pub multiple: f64,
    pub terminal_multiple: f64,
}

impl Draws {
    /// Set `input`'s value (not a dilution fraction's, which is no field).
    #[inline(always)]
    fn set(&mut self, input: Input, x: f64) {
        match input {
            Input::Initial => self.initial = x,
            Input::GrowthShift => self.growth_shift = x,
            Input::ShockSize => self.shock_size = x,
            Input::RateMultiplier => self.rate_multiplier = x,
            Input::BaseFraction => self.base_fraction = x,
            Input::Cap => self.cap = x,
            Input::BaseRatio => self.base_ratio = x,
            Input::Stake => self.stake = x,
            Input::Multiple => self.multiple = x,
            Input::TerminalMultiple => self.terminal_multiple = x,
            Input::DilutionFraction(_) => unreachable!("a dilution fraction is no field of a path's draws"),
        }
    }

    /// Column names and values, for `paths.csv`.
    pub fn columns(&self) -> [(&'static str, f64); 10] {
        [
            ("initial", self.initial),
            ("growth_shift", self.growth_shift),
            ("shock_size", self.shock_size),
            ("rate_multiplier", self.rate_multiplier),
            ("base_fraction", self.base_fraction),
            ("cap", self.cap),
            ("base_ratio", self.base_ratio),
            ("stake", self.stake),
            ("multiple", self.multiple),
            ("terminal_multiple", self.terminal_multiple),
        ]
    }
}

impl Model {
    /// Build from a validated scenario (the copula is known to exist).
    pub fn new(s: &Scenario) -> Model {
        let spy = s.steps_per_year as usize;
        let layout = Layout { periods: s.period_count(), years: s.year_count(), steps_per_year: spy };
        let dt = 1.0 / spy as f64;
        let k_total = layout.periods;
        let year_of: Vec<usize> = (0..k_total).map(|k| k / spy).collect();
        let year = |k: usize| s.first_year() + (k / spy) as i32;
        let counter_rate = match &s.counter_share {
            Some(c) => (0..k_total).map(|k| c.rate.at(year(k))).collect(),
            None => vec![0.0; k_total],
        };
        let copula = Copula::new(s).unwrap_or_default();
        let equity = s.equity.as_ref();
        let mut sources: Vec<(Input, Source)> = [
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
        .into_iter()
        .chain((0..equity.map_or(0, |e| e.dilution.len())).map(Input::DilutionFraction))
        .map(|i| (i, copula.inputs.iter().position(|c| *c == i).map_or(Source::Direct, Source::Copula)))
        .collect();
        sources.sort_by_key(|(i, _)| *i);
        let noise = &s.revenue.growth_noise;
        let phi_dt = noise.persistence.powf(dt);
        Model {
            layout,
            first_year: s.first_year(),
            steps_per_year: spy,
            dt,
            log_growth: (0..k_total).map(|k| s.revenue.growth.at(year(k)).ln_1p()).collect(),
            share_rate: (0..k_total).map(|k| s.revenue_share.rate.at(year(k))).collect(),
            has_counter: counter_rate.iter().any(|r| *r != 0.0),
            counter_rate,
            accrues: (0..k_total).map(|k| year(k) <= s.revenue_share.until).collect(),
            discount: (0..k_total).map(|k| (1.0 + s.discount_rate).powf(-((k + 1) as f64) * dt)).collect(),
            year_of,
            vol_sqrt_dt: s.revenue.volatility * dt.sqrt(),
            noise_sd: noise.sd,
            noise_decay: phi_dt,
            noise_innovation: noise.sd * (1.0 - phi_dt * phi_dt).max(0.0).sqrt(),
            shock_first: first_event_cdf(s.revenue.shock.rate, dt, k_total),
            termination_first: first_event_cdf(
                s.revenue_share.termination_rate,
                dt,
                (0..k_total).take_while(|k| year(*k) <= s.revenue_share.until).count(),
            ),
            initial: s.revenue.initial.clone(),
            growth_shift: s.revenue.growth_shift.clone(),
            shock_size: s.revenue.shock.size.clone(),
            rate_multiplier: s.revenue_share.rate_multiplier.clone(),
            base_fraction: s.revenue_share.base_fraction.clone(),
            cap: s.revenue_share.cap.clone(),
            base_ratio: s.counter_share.as_ref().map(|c| c.base_ratio.clone()),
            stake: equity.map(|e| e.stake.clone()),
            multiple: equity.map(|e| e.multiple.clone()),
            terminal_multiple: equity.and_then(|e| e.terminal_multiple.clone()),
            dilution: equity
                .map(|e| {
                    e.dilution
                        .iter()
                        .map(|d| DilutionEvent {
                            year: (d.year - s.first_year()) as usize,
                            fraction: d.fraction.clone(),
                            probability: d.probability,
                        })
                        .collect()
                })
                .unwrap_or_default(),
            copula,
            sources,
            pinned: None,
            sampling: s.sampling,
        }
    }

    /// Dimensions of a Latin hypercube over this model's per-path inputs: one
    /// per correlated input (its independent normal, before the copula mixes
    /// them) and one per other input.
    pub fn lhs_dims(&self) -> usize {
        self.copula.dim()
            + self.sources.iter().filter(|(i, s)| matches!(s, Source::Direct) && self.dist(*i).is_some()).count()
    }

    /// Latin hypercube uniforms for `n` paths, dimension-major in `out`
    /// (`out[d * n + j]` is path j's uniform in dimension d): in every
    /// dimension each of the n strata [k/n, (k+1)/n) holds exactly one path,
    /// in a random order, at a random place.
    pub fn fill_strata<R: Rng + ?Sized>(&self, rng: &mut R, n: usize, out: &mut Vec<f64>) {
        let dims = self.lhs_dims();
        out.clear();
        out.resize(dims * n, 0.0);
        for d in 0..dims {
            let column = &mut out[d * n..(d + 1) * n];
            for (k, u) in column.iter_mut().enumerate() {
                *u = (k as f64 + rng.random::<f64>()) / n as f64;
            }
            // Fisher–Yates shuffle.
            for k in (1..n).rev() {
                let j = rng.random_range(0..=k);
                column.swap(k, j);
            }
        }
    }

    /// The same model with `input` held at `value` on every path. Random
    /// numbers are consumed exactly as before, so runs with the same seed
    /// share them (common random numbers).
    pub fn with_pinned(&self, input: Input, value: f64) -> Model {
        Model { pinned: Some((input, value)), ..self.clone() }
    }

    /// The inputs that are really uncertain here (their distribution is not a
    /// single value), in a fixed order, with their distributions.
    pub fn uncertain_inputs(&self) -> Vec<(Input, &Dist)> {
        self.sources.iter().filter_map(|(i, _)| self.dist(*i).filter(|d| !d.is_fixed()).map(|d| (*i, d))).collect()
    }

    /// The value `input` took on the path last simulated with `scratch` by
    /// [`Model::simulate_into`].
    pub fn input_value(&self, input: Input, scratch: &PathScratch) -> f64 {
        let d = &scratch.inputs();
        match input {
            Input::Initial => d.initial,
            Input::GrowthShift => d.growth_shift,
            Input::ShockSize => d.shock_size,
            Input::RateMultiplier => d.rate_multiplier,
            Input::BaseFraction => d.base_fraction,
            Input::Cap => d.cap,
            Input::BaseRatio => d.base_ratio,
            Input::Stake => d.stake,
            Input::Multiple => d.multiple,
            Input::TerminalMultiple => d.terminal_multiple,
            Input::DilutionFraction(i) => scratch.dilutions().get(i).map_or(f64::NAN, |x| x.0),
        }
    }

    /// For each slot of the layout, the slot that always holds the very same
    /// value on every path (itself when there is none), so that the engine
    /// gathers each distinct quantity once. The equalities hold bit for bit by
    /// construction of [`Model::finish_block`]:
    /// - without a counter-share (every counter rate 0) the counter-payment is
    ///   +0, so each net payment, yearly net payment and `pv_net` equals the
    ///   payment, the yearly payment and `pv_share`;
    /// - the stake changes only at the start of a year with a dilution event,
    ///   so every period has the stake of the first period of the last such
    ///   year (or of the first year);
    /// - `total_share`, `equity_end` and `cap_hit` are the cumulative payment,
    ///   the equity value and the cap flag of the last period.
    pub fn aliases(&self) -> Vec<usize> {
        let lay = self.layout;
        let mut alias: Vec<usize> = (0..lay.len()).collect();
        let no_counter = !self.has_counter;
        let last = lay.periods - 1;
        for k in 0..lay.periods {
            if no_counter {
                alias[lay.period(Metric::NetPayment, k)] = lay.period(Metric::Payment, k);
                // Every counter-payment is then +0.0 (a zero rate times finite
                // amounts, with −0.0 normalised in `share_period`).
                alias[lay.period(Metric::CounterPayment, k)] = lay.period(Metric::CounterPayment, 0);
            }
            // The stake of the start of the last year with a dilution event
            // (or the first year): every later period has the same.
            let y = k / self.steps_per_year;
            let changed = (0..=y).rev().find(|y| self.dilution.iter().any(|d| d.year == *y)).unwrap_or(0);
            alias[lay.period(Metric::Stake, k)] = lay.period(Metric::Stake, changed * self.steps_per_year);
        }
        if no_counter {
            for y in 0..lay.years {
                alias[lay.year(Metric::NetPayment, y)] = lay.year(Metric::Payment, y);
                alias[lay.year(Metric::CounterPayment, y)] = lay.period(Metric::CounterPayment, 0);
            }
            alias[lay.summary(Summary::PvNet)] = lay.summary(Summary::PvShare);
            alias[lay.summary(Summary::TotalCounter)] = lay.period(Metric::CounterPayment, 0);
        }
        alias[lay.summary(Summary::TotalShare)] = lay.period(Metric::CumulativePayment, last);
        alias[lay.summary(Summary::EquityEnd)] = lay.period(Metric::EquityValue, last);
        alias[lay.summary(Summary::CapHit)] = lay.period(Metric::CapBound, last);
        debug_assert!(alias.iter().all(|a| alias[*a] == *a), "an alias points at a slot that is gathered");
        alias
    }

    /// How many distinct statistics a run gathers: the slots that are their
    /// own alias (see [`Model::aliases`]).
    pub fn gathered(&self) -> usize {
        self.aliases().iter().enumerate().filter(|(s, a)| s == *a).count()
    }

    /// Whether a path's growth noise is a chain of values (growth noise's
    /// sd above 0): [`Model::draw_periods`] then works them out in place of
    /// ζ, and the stepping reads them. Both ask this, so they agree.
    fn noise_chain(&self) -> bool {
        self.noise_sd > 0.0
    }

    /// Buffers for [`Model::simulate`].
    pub fn scratch(&self) -> PathScratch {
        PathScratch {
            period_normals: vec![0.0; NORMALS_PER_PERIOD * self.layout.periods],
            shocks: Vec::with_capacity(self.shock_first.len()),
            group: self.input_group(),
            grouped: 0,
            strata: Vec::new(),
            block: None,
        }
    }

    /// Buffers for the inputs of [`GROUP`] paths.
    fn input_group(&self) -> InputGroup {
        let raw = RawInputs { dilution: vec![(0, 0.0); self.dilution.len()], ..RawInputs::default() };
        InputGroup {
            raw: vec![raw; GROUP],
            normals: vec![0.0; self.copula.dim() * GROUP],
            draws: [Draws::default(); GROUP],
            factors: vec![1.0; self.layout.years * GROUP],
            dilutions: vec![(0.0, false); self.dilution.len() * GROUP],
        }
    }

    /// Whether the scenario gives the terminal multiple (without it, it is
    /// the path's starting multiple).
    pub fn has_terminal_multiple(&self) -> bool {
        self.terminal_multiple.is_some()
    }

    fn dist(&self, input: Input) -> Option<&Dist> {
        match input {
            Input::Initial => Some(&self.initial),
            Input::GrowthShift => Some(&self.growth_shift),
            Input::ShockSize => Some(&self.shock_size),
            Input::RateMultiplier => Some(&self.rate_multiplier),
            Input::BaseFraction => Some(&self.base_fraction),
            Input::Cap => self.cap.as_ref(),
            Input::BaseRatio => self.base_ratio.as_ref(),
            Input::Stake => self.stake.as_ref(),
            Input::Multiple => self.multiple.as_ref(),
            Input::TerminalMultiple => self.terminal_multiple.as_ref(),
            Input::DilutionFraction(i) => self.dilution.get(i).map(|d| &d.fraction),
        }
    }

    /// Draw a path's input bits (MODEL.md §2), dilution included, from the
    /// run's generator `rng`, always in the same way whatever the scenario
    /// says of them (see [`Model::draw_path`]): 64 bits for each of
    /// the ten input slots, in [`Input`] order, whether the scenario has the
    /// input, fixes it or lets it vary; then a seed for the dilution events,
    /// whose fractions' bits and occurrence uniforms come from a SplitMix64
    /// stream of their own (their number is the scenario's). A Latin
    /// hypercube's `strata` (the path's stratified uniforms) are kept too.
    /// [`Model::finish_inputs`] turns them into values.
    fn draw_bits<R: Rng + ?Sized>(&self, rng: &mut R, raw: &mut RawInputs, strata: &[f64]) {
        for bits in &mut raw.slot {
            *bits = rng.next_u64();
        }
        let mut events = SplitMix64::seed_from_u64(rng.next_u64());
        for (fraction, occurs) in &mut raw.dilution {
            *fraction = events.next_u64();
            *occurs = events.random::<f64>();
        }
        raw.strata.clear();
        raw.strata.extend_from_slice(strata);
    }

    /// Work out the inputs of the first `count` paths of `group` from their
    /// bits: all [`GROUP`] side by side when the group is full, else one at a
    /// time (each path's values are the same either way, bit for bit).
    fn finish_inputs(&self, group: &mut InputGroup, count: usize) {
        if count == GROUP {
            self.inputs_lanes::<GROUP>(group, 0);
        } else {
            for lane in 0..count {
                self.inputs_lanes::<1>(group, lane);
            }
        }
    }

    /// The inputs of paths `at..at + G` of `group`. Each input's value comes
    /// from its own bits alone ([`Dist::from_bits`]), or, in a correlation,
    /// from their normal scores mixed by the copula's Cholesky factor
    /// ([`Dist::normal_score`], [`Dist::from_normal`]); a Latin hypercube's
    /// from the path's strata instead.
    fn inputs_lanes<const G: usize>(&self, group: &mut InputGroup, at: usize) {
        let (years, events, dim) = (self.layout.years, self.dilution.len(), self.copula.dim());
        let raw: &[RawInputs; G] = group.raw[at..at + G].try_into().expect("G paths");
        let draws = &mut group.draws[at..at + G];
        let factors = &mut group.factors[at * years..(at + G) * years];
        let dilutions = &mut group.dilutions[at * events..(at + G) * events];
        let normals = &mut group.normals[..dim * G];
        let bits = |input: Input| -> [u64; G] {
            std::array::from_fn(|g| match input {
                Input::DilutionFraction(i) => raw[g].dilution[i].0,
                other => raw[g].slot[slot_index(other)],
            })
        };
        // One sampling for every path of a group: a run, a replay and the
        // floor each stratify all of their paths or none.
        let lhs = !raw[0].strata.is_empty();
        debug_assert!(raw.iter().all(|r| r.strata.is_empty() != lhs), "stratified and plain paths in one group");
        for (c, input) in self.copula.inputs.iter().enumerate() {
            let z: [f64; G] = match self.dist(*input) {
                _ if lhs => std::array::from_fn(|g| {
                    norm_inv(raw[g].strata[c].clamp(f64::MIN_POSITIVE, 1.0 - f64::EPSILON / 2.0))
                }),
                Some(dist) => dist.normal_score_lanes(bits(*input)),
                None => [0.0; G],
            };
            normals[c * G..(c + 1) * G].copy_from_slice(&z);
        }
        self.copula.correlate_lanes::<G>(normals);
        let mut next_stratum = dim;
        draws.fill(Draws { cap: f64::INFINITY, ..Draws::default() });
        factors.fill(1.0);
        for (input, source) in &self.sources {
            let Some(dist) = self.dist(*input) else { continue };
            let mut x: [f64; G] = match source {
                Source::Direct if lhs => {
                    next_stratum += 1;
                    std::array::from_fn(|g| dist.draw_quantile(raw[g].strata[next_stratum - 1]))
                }
                Source::Direct => dist.from_bits_lanes(bits(*input)),
                Source::Copula(j) => dist.from_normal_lanes(normals[j * G..(j + 1) * G].try_into().expect("G lanes")),
            };
            if let Some((pinned, value)) = self.pinned
                && pinned == *input
            {
                x = [value; G];
            }
            if let Input::DilutionFraction(i) = *input {
                let event = &self.dilution[i];
                for (g, x) in x.into_iter().enumerate() {
                    let happens = raw[g].dilution[i].1 < event.probability;
                    // Branch-free (an event happens at random): times 1 is exact.
                    factors[g * years + event.year] *= if happens { 1.0 - x } else { 1.0 };
                    dilutions[g * events + i] = (x, happens);
                }
                continue;
            }
            for (d, x) in draws.iter_mut().zip(x) {
                d.set(*input, x);
            }
        }
        if self.terminal_multiple.is_none() {
            for d in draws {
                d.terminal_multiple = d.multiple;
            }
        }
    }

    /// Simulate one path into `out`.
    pub fn simulate<R: Rng + Clone>(&self, rng: &mut R, scratch: &mut PathScratch, out: &mut PathOutcome) {
        let events = self.simulate_into(rng, scratch, &mut out.values);
        out.cap_year = events.cap_year;
        out.terminated_year = events.terminated_year;
    }

    /// Simulate one path, writing the value of slot `s` to `values[s]`.
    pub fn simulate_into<R: Rng + Clone>(
        &self,
        rng: &mut R,
        scratch: &mut PathScratch,
        values: &mut [f64],
    ) -> PathEvents {
        let mut block = scratch.block.take().unwrap_or_else(|| self.block(1));
        self.draw_path(rng, scratch, &mut block, 0);
        let mut events = [PathEvents::default()];
        self.finish_block(&mut block, 1, values, 1, &mut events);
        scratch.block = Some(block);
        events[0]
    }

    /// State for simulating up to `capacity` paths together (see [`Model::draw_path`]).
    pub fn block(&self, capacity: usize) -> Block {
        let (kk, years) = (self.layout.periods, self.layout.years);
        let per_path = || Aligned::new(capacity, 0.0);
        Block {
            capacity,
            steps: Aligned::new(kk * capacity, 0.0),
            ln_r: per_path(),
            terminated_at: Aligned::new(capacity, kk as f64),
            dilution: Aligned::new(years * capacity, 1.0),
            initial: per_path(),
            share_scale: per_path(),
            cap: per_path(),
            base_ratio: per_path(),
            stake: per_path(),
            multiple: per_path(),
            multiple_step: per_path(),
            terminal_multiple: per_path(),
            run_rate: per_path(),
            cumulative: per_path(),
            bound: per_path(),
            cap_year: per_path(),
            total_counter: per_path(),
            pv_share: per_path(),
            pv_net: per_path(),
            flows: [per_path(), per_path(), per_path(), per_path()],
            keep: vec![true; self.layout.len()],
            rows: vec![per_path(); ROWS],
            pending: Vec::with_capacity(GROUP),
            pending_normals: vec![0.0; GROUP * NORMALS_PER_PERIOD * kk],
            pending_shocks: (0..GROUP).map(|_| Vec::with_capacity(self.shock_first.len())).collect(),
            inputs: self.input_group(),
        }
    }

    /// A [`Model::block`] for gathering statistics: it hands on only the
    /// slots that do not repeat another slot's values ([`Model::aliases`]),
    /// a third fewer than all of a quarterly run's.
    pub fn gathering_block(&self, capacity: usize) -> Block {
        let alias = self.aliases();
        Block { keep: alias.iter().enumerate().map(|(s, a)| *a == s).collect(), ..self.block(capacity) }
    }

    /// The random part of path `j` of a block: its inputs (§2) and, period by
    /// period, termination (§4) and the log run-rate (§3). Every variate of a
    /// path is drawn here, in a fixed order, so a stream gives the same paths
    /// whether they are simulated one at a time or a block at a time.
    ///
    /// A path takes the same draws from `rng` (its chunk's stream) whatever
    /// the scenario's values: its inputs' bits (`draw_bits`), then the uniform
    /// of its termination, a seed for its shocks and its normals
    /// (`draw_periods`). A fixed, absent or uncertain input of any
    /// distribution, a volatility or growth noise of 0, a shock or
    /// termination rate of 0 and a dilution probability of 0 or 1 all take
    /// what they would otherwise (the normals' ziggurat takes more bits on a
    /// rare draw, but that depends on the bits alone). Two scenarios with
    /// the same years, steps, number of dilution events and seed therefore
    /// share every path's random numbers (common random numbers): a sweep's
    /// or a comparison's differences are those of the scenarios, not noise.
    /// [`Model::finish_block`] then does the arithmetic, which draws nothing,
    /// for all the block's paths at once.
    ///
    /// The inputs' values and the steps of ln R are worked out `GROUP`
    /// (four) paths at a time, once that many are drawn (the rest by
    /// `finish_block`): the same operations on each path as one at a time,
    /// so the same bits. The paths of a block are therefore all stratified
    /// (`scratch.strata` holding each one's Latin hypercube uniforms) or
    /// none.
    pub fn draw_path<R: Rng + Clone>(&self, rng: &mut R, scratch: &mut PathScratch, block: &mut Block, j: usize) {
        let g = block.pending.len();
        self.draw_bits(rng, &mut block.inputs.raw[g], &scratch.strata);
        let shocks = &mut block.pending_shocks[g];
        let normals = &mut block.pending_normals[g..];
        // With growth noise, its values are worked out as the normals are
        // drawn, while the draws keep the core busy: the stepping then has
        // no chain of operations from period to period.
        let (u0, terminated_at) = if self.noise_chain() {
            self.draw_periods::<R, true>(rng, normals, GROUP, shocks)
        } else {
            self.draw_periods::<R, false>(rng, normals, GROUP, shocks)
        };
        // Its growth shift and jump once its inputs are worked out.
        block.pending.push(Pending { j, u0, growth_shift: 0.0, jump: 0.0 });
        block.terminated_at[j] = terminated_at as f64;
        if block.pending.len() == GROUP {
            self.step_pending(block);
        }
    }

    /// Work out the inputs of the block's pending paths (see
    /// [`InputGroup`]) and put them in their columns.
    fn pending_inputs(&self, block: &mut Block) {
        let (n, years) = (block.capacity, self.layout.years);
        let group = &mut block.inputs;
        self.finish_inputs(group, block.pending.len());
        for (g, (path, shocks)) in block.pending.iter_mut().zip(&block.pending_shocks).enumerate() {
            let (d, j) = (&group.draws[g], path.j);
            path.growth_shift = d.growth_shift;
            path.jump = if shocks.is_empty() { 0.0 } else { jump(d.shock_size) };
            for (y, f) in group.factors[g * years..(g + 1) * years].iter().enumerate() {
                block.dilution[y * n + j] = *f;
            }
            block.initial[j] = d.initial;
            block.share_scale[j] = d.rate_multiplier * d.base_fraction;
            block.cap[j] = d.cap;
            block.base_ratio[j] = d.base_ratio;
            block.stake[j] = d.stake;
            block.multiple[j] = d.multiple;
            block.terminal_multiple[j] = d.terminal_multiple;
        }
    }

    /// Work out the steps of the block's pending paths, shocks included: all
    /// [`GROUP`] together when they are the block's next columns (as the
    /// engine draws them), else one at a time, in the order they were drawn
    /// (so a column drawn twice holds the later path, whole).
    fn step_pending(&self, block: &mut Block) {
        self.pending_inputs(block);
        let n = block.capacity;
        let (vol, noise) = (self.vol_sqrt_dt > 0.0, self.noise_chain());
        let (steps, normals) = (&mut block.steps, &block.pending_normals);
        let side_by_side = |g: &[Pending; GROUP]| (1..GROUP).all(|i| g[i].j == g[0].j + i);
        // A shock's jump is the step's last term (§3).
        let jumps = |steps: &mut [f64], path: &Pending, shocks: &[usize]| {
            for &k in shocks {
                steps[k * n + path.j] -= path.jump;
            }
        };
        match <&[Pending; GROUP]>::try_from(&block.pending[..]) {
            // (Without either, a path's steps are no chain.)
            Ok(group) if side_by_side(group) && (vol || noise) => {
                match (vol, noise) {
                    (true, true) => self.step_group::<true, true>(group, normals, steps, n),
                    (true, false) => self.step_group::<true, false>(group, normals, steps, n),
                    _ => self.step_group::<false, true>(group, normals, steps, n),
                }
                for (path, shocks) in group.iter().zip(&block.pending_shocks) {
                    jumps(steps, path, shocks);
                }
            }
            _ => {
                for (g, (path, shocks)) in block.pending.iter().zip(&block.pending_shocks).enumerate() {
                    let normals = &normals[g..];
                    match (vol, noise) {
                        (true, true) => self.step_one::<true, true>(path, normals, steps, n),
                        (true, false) => self.step_one::<true, false>(path, normals, steps, n),
                        (false, true) => self.step_one::<false, true>(path, normals, steps, n),
                        (false, false) => self.step_one::<false, false>(path, normals, steps, n),
                    }
                    jumps(steps, path, shocks);
                }
            }
        }
        block.pending.clear();
    }

    /// The steps of [`GROUP`] paths in side-by-side columns of a block, in
    /// each period (§3) but for their shocks, into `steps[k * n + j]`: from
    /// each one's growth shift, its normals ε and, with growth noise, its
    /// values u_k, which [`Model::draw_periods`] worked out (interleaved, see
    /// [`Block`]; without, u is its starting value throughout). One copy for
    /// each combination of the process's parts, so that the loop tests
    /// neither. Every path gets the same operations in the same order as the
    /// general formula (and as [`Model::step_one`]).
    #[inline(always)]
    fn step_group<const VOL: bool, const NOISE: bool>(
        &self,
        paths: &[Pending; GROUP],
        normals: &[f64],
        steps: &mut [f64],
        n: usize,
    ) {
        let kk = self.layout.periods;
        let per = NORMALS_PER_PERIOD;
        let normals = &normals[..per * kk * GROUP];
        let (dt, vol) = (self.dt, self.vol_sqrt_dt);
        let j = paths[0].j;
        let shift = paths.map(|p| p.growth_shift);
        let u0 = paths.map(|p| p.u0);
        for (k, (lg, z)) in self.log_growth[..kk].iter().zip(normals.chunks_exact(per * GROUP)).enumerate() {
            let out: &mut [f64; GROUP] = (&mut steps[k * n + j..][..GROUP]).try_into().expect("GROUP columns");
            for g in 0..GROUP {
                let u = if NOISE { z[GROUP + g] } else { u0[g] };
                let mut step = (lg + shift[g] + u) * dt;
                if VOL {
                    step += vol * z[g];
                }
                out[g] = step;
            }
        }
    }

    /// [`Model::step_group`] for one path, whose variates are every
    /// [`GROUP`]-th of `normals`.
    #[inline(always)]
    fn step_one<const VOL: bool, const NOISE: bool>(
        &self,
        path: &Pending,
        normals: &[f64],
        steps: &mut [f64],
        n: usize,
    ) {
        let kk = self.layout.periods;
        let per = NORMALS_PER_PERIOD;
        let (dt, vol) = (self.dt, self.vol_sqrt_dt);
        for (k, lg) in self.log_growth[..kk].iter().enumerate() {
            let u = if NOISE { normals[(k * per + 1) * GROUP] } else { path.u0 };
            let mut step = (lg + path.growth_shift + u) * dt;
            if VOL {
                step += vol * normals[k * per * GROUP];
            }
            steps[k * n + path.j] = step;
        }
    }

    /// Everything else of the first `n` paths of a block drawn by
    /// [`Model::draw_path`] (§3–§7), with path j's value of slot s written to
    /// `values[s * stride + j]` and its events to `events[j]`: see
    /// [`Model::finish_block_into`], whose columns this writes where they go.
    pub fn finish_block(
        &self,
        block: &mut Block,
        n: usize,
        values: &mut [f64],
        stride: usize,
        events: &mut [PathEvents],
    ) {
        assert!(n <= stride, "{n} paths in rows of {stride}");
        self.finish_block_into(block, n, &mut IntoRows { values, stride }, events);
    }

    /// Everything else of the first `n` paths of a block drawn by
    /// [`Model::draw_path`] (§3–§7): run-rates, revenue, the capped share, the
    /// counter-share, the stake and the path summaries, period by period for
    /// all paths at once (loops over paths that the compiler vectorises, each
    /// writing one statistic's values contiguously). Each slot's values are
    /// handed to `out` as soon as they are worked out: a period's metrics
    /// after the period, a year's flows after the year, the summaries at the
    /// end; every slot the block keeps exactly once, and no other. Path j's
    /// events go to `events[j]`. A path's arithmetic is the same sequence of
    /// operations whatever `n`, so its values are the same bits.
    pub fn finish_block_into(&self, block: &mut Block, n: usize, out: &mut impl Columns, events: &mut [PathEvents]) {
        self.step_pending(block);
        let lay = self.layout;
        let kk = lay.periods;
        let spy = self.steps_per_year;
        let cn = block.capacity;
        let has_equity = self.multiple.is_some();
        let has_counter = self.has_counter;
        let width = crate::simd::Width::widest();
        let b = block;
        let (terminated_at, share_scale, cap, base_ratio) =
            (&b.terminated_at[..n], &b.share_scale[..n], &b.cap[..n], &b.base_ratio[..n]);
        let terminal_multiple = &b.terminal_multiple[..n];
        let ln_r = &mut b.ln_r[..n];
        let multiple_step = &mut b.multiple_step[..n];
        start_block(
            width,
            (&b.initial[..n], &b.multiple[..n], terminal_multiple),
            (ln_r, if has_equity { Some(&mut *multiple_step) } else { None }),
            kk as f64,
        );
        let multiple_step = &*multiple_step;
        let r = &mut b.run_rate[..n];
        r.copy_from_slice(&b.initial[..n]);
        let (cumulative, bound, cap_year) = (&mut b.cumulative[..n], &mut b.bound[..n], &mut b.cap_year[..n]);
        cumulative.fill(0.0);
        bound.fill(0.0);
        cap_year.fill(-1.0);
        let (total_counter, pv_share, pv_net) = (&mut b.total_counter[..n], &mut b.pv_share[..n], &mut b.pv_net[..n]);
        total_counter.fill(0.0);
        pv_share.fill(0.0);
        pv_net.fill(0.0);
        let (stake, multiple) = (&mut b.stake[..n], &mut b.multiple[..n]);
        let [f_revenue, f_paid, f_counter, f_net] = &mut b.flows;
        let (f_revenue, f_paid, f_counter, f_net) =
            (&mut f_revenue[..n], &mut f_paid[..n], &mut f_counter[..n], &mut f_net[..n]);
        let keep = &b.keep;
        let [
            o_revenue,
            o_run_rate,
            o_paid,
            o_cumulative,
            o_counter,
            o_net,
            o_valuation,
            o_equity,
            o_bound,
            o_pv_equity,
            o_pv_total,
        ] = b.rows.get_disjoint_mut([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]).expect("distinct rows").map(|row| {
            // Every row exactly n long, visibly to the compiler: indexing by
            // j < n then needs no bounds checks, and the loops vectorise.
            &mut row[..n]
        });

        for y in 0..lay.years {
            for (s, f) in stake.iter_mut().zip(&b.dilution[y * cn..y * cn + n]) {
                *s *= f;
            }
            for f in [&mut *f_revenue, &mut *f_paid, &mut *f_counter, &mut *f_net] {
                f.fill(0.0);
            }
            for k in y * spy..(y + 1) * spy {
                let steps = &b.steps[k * cn..k * cn + n];
                let (accrues, rate, counter_rate, discount) =
                    (self.accrues[k], self.share_rate[k], self.counter_rate[k], self.discount[k]);
                let last = k + 1 == kk;
                let kept = |m: Metric| keep[lay.period(m, k)];
                // Loops simple enough to vectorise, one concern each.
                // Run-rate and revenue (§3).
                run_rate_period(width, ln_r, steps, o_run_rate);
                for ((o, r), r_next) in o_revenue.iter_mut().zip(r.iter_mut()).zip(o_run_rate.iter()) {
                    *o = self.dt * 0.5 * (*r + r_next);
                    *r = *r_next;
                }
                // Revenue share and counter-share (§4, §5).
                let terms = PeriodTerms { accrues, period: k as f64, year: y as f64, rate, counter_rate };
                let args = (
                    &*o_revenue,
                    (terminated_at, share_scale, cap, base_ratio),
                    (&mut *cumulative, &mut *bound, &mut *cap_year),
                    (&mut *o_paid, &mut *o_cumulative, &mut *o_counter, &mut *o_bound),
                );
                if has_counter {
                    share_period(width, &terms, args);
                } else {
                    share_period_no_counter(width, &terms, args);
                    // Every counter-payment is +0.0: the one row of them
                    // that is kept (see `Model::aliases`) says so.
                    if kept(Metric::CounterPayment) {
                        o_counter.fill(0.0);
                    }
                }
                sum_period(
                    width,
                    discount,
                    has_counter,
                    (o_revenue, o_paid, o_counter, o_net),
                    (total_counter, pv_share, pv_net),
                    (f_revenue, f_paid, f_counter, f_net),
                );
                // Equity (§6).
                if has_equity {
                    equity_period(
                        width,
                        last,
                        (multiple, multiple_step, terminal_multiple),
                        stake,
                        o_run_rate,
                        o_valuation,
                        o_equity,
                    );
                } else {
                    o_valuation.fill(0.0);
                    o_equity.fill(0.0);
                }
                // The period's values, of the metrics kept. Without a
                // counter-share the net payment is the payment; the stake's
                // row is the stake (between dilution events, an alias).
                let net: &[f64] = if has_counter { o_net } else { o_paid };
                let rows = [
                    &*o_revenue,
                    &*o_run_rate,
                    &*o_paid,
                    &*o_cumulative,
                    &*o_counter,
                    net,
                    &*stake,
                    &*o_valuation,
                    &*o_equity,
                    &*o_bound,
                ];
                out.kept(Metric::ALL.map(|m| lay.period(m, k)), rows, keep);
            }
            if spy > 1 {
                let net: &[f64] = if has_counter { f_net } else { f_paid };
                out.kept(FLOWS.map(|f| lay.year(f, y)), [&*f_revenue, &*f_paid, &*f_counter, net], keep);
            }
        }
        // Path summaries (§7).
        let last_discount = self.discount[kk - 1];
        let equity = &*o_equity;
        let pv_net: &[f64] = if has_counter { pv_net } else { pv_share };
        let summary = |s: Summary| keep[lay.summary(s)];
        if summary(Summary::PvEquity) || summary(Summary::PvTotal) {
            for (o, e) in o_pv_equity.iter_mut().zip(equity) {
                *o = e * last_discount;
            }
            for ((o, e), p) in o_pv_total.iter_mut().zip(equity).zip(pv_net) {
                *o = p + e * last_discount;
            }
        }
        let rows: [&[f64]; 8] = Summary::ALL.map(|s| match s {
            Summary::TotalShare => &*cumulative,
            Summary::PvShare => &*pv_share,
            Summary::TotalCounter => &*total_counter,
            Summary::PvNet => pv_net,
            Summary::EquityEnd => equity,
            Summary::PvEquity => &*o_pv_equity,
            Summary::PvTotal => &*o_pv_total,
            Summary::CapHit => &*bound,
        });
        out.kept(Summary::ALL.map(|s| lay.summary(s)), rows, keep);
        for (j, e) in events[..n].iter_mut().enumerate() {
            let terminated = terminated_at[j] as usize;
            *e = PathEvents {
                cap_year: (cap_year[j] >= 0.0).then_some(cap_year[j] as usize),
                terminated_year: (terminated < kk).then(|| self.year_of[terminated]),
            };
        }
    }

    /// Draw `paths` paths' uncertain inputs, in groups as a run does, and
    /// return their sum (benchmarks measure input sampling with this).
    pub fn sample_inputs<R: Rng + ?Sized>(&self, rng: &mut R, scratch: &mut PathScratch, paths: usize) -> f64 {
        let mut sum = 0.0;
        for first in (0..paths).step_by(GROUP) {
            let count = GROUP.min(paths - first);
            for raw in &mut scratch.group.raw[..count] {
                self.draw_bits(rng, raw, &[]);
            }
            sum += self.sum_inputs(&mut scratch.group, count);
        }
        sum
    }

    /// Work out the inputs of the first `count` paths of `group` and return
    /// their sum, the first year's dilution factor included.
    fn sum_inputs(&self, group: &mut InputGroup, count: usize) -> f64 {
        self.finish_inputs(group, count);
        let years = self.layout.years;
        let lanes = group.draws[..count].iter().enumerate();
        lanes
            .map(|(g, d)| {
                let sum = d.initial + d.growth_shift + d.shock_size + d.rate_multiplier + d.base_fraction;
                sum + d.cap.min(1e300)
                    + d.base_ratio
                    + d.stake
                    + d.multiple
                    + d.terminal_multiple
                    + group.factors[g * years]
            })
            .sum()
    }

    /// Draw a path's period variates, after its inputs: the uniform of its termination, a seed for its shocks, the
    /// growth noise's starting value (returned, scaled) and every period's
    /// normals into every `stride`-th place of `normals` (per period, ε then
    /// ζ). With `NOISE` (for a path of a model with growth noise), the
    /// place of each period's ζ gets instead the growth noise's value u_k
    /// in that period (§3: u₀, then u_{k+1} = φ^Δ·u_k + a·√(1 − φ^{2Δ})·ζ_k,
    /// the same operations as [`Model::step_one`] once made), worked out as
    /// the normals are drawn: its chain of operations then runs beside the
    /// draws instead of holding up the stepping. The periods with a shock go
    /// into `shocks`, and the period of termination is returned (the number
    /// of periods if none). The normals are drawn in one tight loop: no
    /// value is kept across a draw, so nothing waits on memory.
    ///
    /// Shocks and termination are events that happen in each period with a
    /// fixed probability, independently (§3, §4). Rather than one uniform per
    /// period, each is drawn from the gap to the next event, which is
    /// geometric: one uniform through the inverse of its distribution gives
    /// the first event, and one more after each event gives the next. That
    /// is the same process exactly, with about 1.3 uniforms a path instead
    /// of 20 on the shipped scenarios (termination needs only the first).
    /// The shocks' uniforms come from a SplitMix64 stream of the path's own,
    /// so that however many there are, the next path is the same, and a higher
    /// rate moves each shock earlier (the same uniform through a steeper
    /// distribution).
    fn draw_periods<R: Rng + Clone, const NOISE: bool>(
        &self,
        rng: &mut R,
        normals: &mut [f64],
        stride: usize,
        shocks: &mut Vec<usize>,
    ) -> (f64, usize) {
        // A copy of the generator that lives only in this function, so that
        // its state stays in registers through the loops (see
        // `standard_normal`); the caller's is updated at the end.
        let mut local = rng.clone();
        let (outer, rng) = (rng, &mut local);
        let kk = self.layout.periods;
        let terminate = rng.random::<f64>();
        let mut shock_stream = SplitMix64::seed_from_u64(rng.next_u64());
        // The model says how many normals to draw; the buffer must hold them.
        let count = NORMALS_PER_PERIOD * kk;
        let room = (count - 1).checked_mul(stride).is_some_and(|last| last < normals.len());
        assert!(room, "room for every normal");
        let u0 = self.noise_sd * standard_normal(rng);
        let mut at = normals.as_mut_ptr();
        if NOISE {
            const { assert!(NORMALS_PER_PERIOD == 2, "ε and ζ in each period") };
            let (decay, innovation) = (self.noise_decay, self.noise_innovation);
            let mut u = u0;
            for _ in 0..kk {
                // SAFETY: as below, two writes a period.
                unsafe {
                    *at = standard_normal(rng);
                    at = at.wrapping_add(stride);
                    let zeta = standard_normal(rng);
                    *at = u;
                    u = decay * u + innovation * zeta;
                    at = at.wrapping_add(stride);
                }
            }
        } else {
            for _ in 0..count {
                // SAFETY: the i-th write is at i * stride <= (count - 1) * stride <
                // normals.len(), checked above without overflow.
                unsafe {
                    *at = standard_normal(rng);
                    at = at.wrapping_add(stride);
                }
            }
        }
        *outer = local;
        shocks.clear();
        if !self.shock_first.is_empty() {
            let mut k = 0;
            while let Some(gap) = first_event(&self.shock_first[..kk - k], shock_stream.random::<f64>()) {
                shocks.push(k + gap);
                k += gap + 1;
                if k == kk {
                    break;
                }
            }
        }
        let terminated_at = first_event(&self.termination_first, terminate).unwrap_or(kk);
        (u0, terminated_at)
    }

    /// Draw exactly the random variates one path of [`Model::draw_path`]
    /// consumes, in the same order and with the same code, and nothing else:
    /// the benchmark floor. Its inputs' values are worked out as a run's
    /// are, `GROUP` (four) paths at a time (the rest by
    /// [`Model::finish_variates`]). Returns a sum of its scalar draws (and of
    /// the inputs of a group it finished), and hides its normals' buffer from
    /// the optimiser (`black_box`), so that the work cannot be optimised away
    /// and none is added: adding up the normals, as it once did, made the
    /// floor 3% slower than the draws alone.
    pub fn draw_variates<R: Rng + Clone>(&self, rng: &mut R, scratch: &mut PathScratch) -> f64 {
        self.draw_bits(rng, &mut scratch.group.raw[scratch.grouped], &scratch.strata);
        let (u0, terminated_at) =
            self.draw_periods::<R, false>(rng, &mut scratch.period_normals, 1, &mut scratch.shocks);
        std::hint::black_box(&mut scratch.period_normals);
        let sum = u0 + (terminated_at + scratch.shocks.len()) as f64;
        scratch.grouped += 1;
        if scratch.grouped == GROUP { sum + self.finish_variates(scratch) } else { sum }
    }

    /// Work out the inputs of the paths [`Model::draw_variates`] drew since
    /// it last did (at the end of a chunk, as a run's block does), and
    /// return their sum.
    pub fn finish_variates(&self, scratch: &mut PathScratch) -> f64 {
        let count = std::mem::take(&mut scratch.grouped);
        self.sum_inputs(&mut scratch.group, count)
    }

    /// Whether the holder pays a counter-share (some period's rate is not
    /// zero), so that pv_net differs from pv_share.
    pub fn has_counter(&self) -> bool {
        self.has_counter
    }

    /// Calendar year of a year index.
    pub fn year(&self, index: usize) -> i32 {
        self.first_year + index as i32
    }

    /// Time t(k) in years from the start of the first year to the end of period k.
    pub fn time(&self, k: usize) -> f64 {
        (k + 1) as f64 * self.dt
    }

    /// The discount factor d_k = (1 + r)^(−t(k)) of period k (§7), as the
    /// present values use it.
    pub fn discount(&self, k: usize) -> f64 {
        self.discount[k]
    }
}

/// For events that happen in each period with probability 1 − e^{−λΔ},
/// independently: the probability that the first comes within g + 1 periods,
/// 1 − e^{−λΔ(g+1)}, for g below `periods` (empty when λ = 0).
fn first_event_cdf(rate: f64, dt: f64, periods: usize) -> Vec<f64> {
    if rate <= 0.0 {
        return Vec::new();
    }
    (1..=periods).map(|g| -(-rate * dt * g as f64).exp_m1()).collect()
}

/// The index of the first event given a uniform `u` in [0, 1) and the
/// distribution of its index, `cdf` (see [`first_event_cdf`]): the first g
/// with u < cdf[g], if any (inversion of a geometric distribution cut short).
#[inline]
fn first_event(cdf: &[f64], u: f64) -> Option<usize> {
    match cdf.last() {
        Some(&any) if u < any => Some(cdf.partition_point(|f| *f <= u)),
        _ => None,
    }
}

/// The per-path input slots: every [`Input`] but the dilution fractions.
const INPUT_SLOTS: usize = 10;

/// Normals a path draws per period: ε for the volatility and ζ for the
/// growth noise, drawn whether or not the model has them (so that a path's
/// normals do not depend on it; see [`Model::draw_periods`]).
const NORMALS_PER_PERIOD: usize = 2;

/// An input's slot among the [`INPUT_SLOTS`] (not for a dilution fraction).
fn slot_index(input: Input) -> usize {
    match input {
        Input::Initial => 0,
        Input::GrowthShift => 1,
        Input::ShockSize => 2,
        Input::RateMultiplier => 3,
        Input::BaseFraction => 4,
        Input::Cap => 5,
        Input::BaseRatio => 6,
        Input::Stake => 7,
        Input::Multiple => 8,
        Input::TerminalMultiple => 9,
        Input::DilutionFraction(_) => unreachable!("a dilution fraction has no slot"),
    }
}

/// A shock's jump J = −ln(1 − q) (§3): worked out only for a path with a
/// shock (about one in five), out of the way of the step loop.
#[cold]
#[inline(never)]
fn jump(q: f64) -> f64 {
    -special::ln_1p(-q)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Four paths' inputs worked out side by side are, bit for bit, what
    /// each path's would be alone: on the feature tour (every kind of
    /// distribution, inputs drawn through Φ⁻¹ and through a uniform, three
    /// correlations, dilution events two in a year), drawn plainly, from
    /// Latin hypercube strata, and with an input pinned (as sensitivity
    /// runs do); over enough groups that some normal takes the ziggurat's
    /// rare branch and some z falls outside a PERT's table.
    #[test]
    fn a_group_of_paths_gets_the_inputs_each_would_get_alone() {
        use rand::{RngExt, SeedableRng};
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/scenarios/feature-tour.toml");
        let tour = Model::new(&crate::scenario::Scenario::load(&path).expect("the feature tour"));
        let pinned = tour.with_pinned(Input::Initial, 21.0);
        let bits = |d: &Draws| d.columns().map(|(_, x)| x.to_bits());
        for (model, lhs) in [(&tour, false), (&tour, true), (&pinned, false)] {
            let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3);
            let (mut together, mut alone) = (model.input_group(), model.input_group());
            for round in 0..3000 {
                for lane in 0..GROUP {
                    let strata: Vec<f64> = match lhs {
                        // Now and then the edges of the unit interval, as strata can be.
                        true if round % 500 == 0 => vec![[1e-300, 1.0 - 1e-17][lane % 2]; model.lhs_dims()],
                        true => (0..model.lhs_dims()).map(|_| rng.random::<f64>()).collect(),
                        false => Vec::new(),
                    };
                    model.draw_bits(&mut rng, &mut together.raw[lane], &strata);
                }
                alone.raw.clone_from(&together.raw);
                model.finish_inputs(&mut together, GROUP);
                for lane in 0..GROUP {
                    model.inputs_lanes::<1>(&mut alone, lane);
                }
                for lane in 0..GROUP {
                    assert_eq!(bits(&together.draws[lane]), bits(&alone.draws[lane]), "lhs {lhs}, round {round}");
                }
                assert_eq!(together.factors, alone.factors);
                assert_eq!(together.dilutions, alone.dilutions);
            }
        }
    }

    /// How many times each slot was handed on, checking each is `.1` long.
    struct Handed(Vec<usize>, usize);

    impl Columns for Handed {
        fn columns(&mut self, columns: &[(usize, &[f64])]) {
            for (s, row) in columns {
                assert_eq!(row.len(), self.1, "slot {s}");
                self.0[*s] += 1;
            }
        }
    }

    /// A gathering block writes exactly the rows of the slots that are
    /// gathered, with the same values as a block that writes every row, and
    /// leaves the aliases' rows alone; each block hands on every slot it
    /// keeps exactly once; a second block through the same buffers shows
    /// nothing of the first; and a block's values are each path's simulated
    /// alone. In every shape of model: one, two, four or twelve steps a year
    /// (with one, a year's flows are its period's), with and without
    /// equity, with and without a counter-share.
    #[test]
    fn a_gathering_block_writes_the_gathered_rows_only() {
        use rand::SeedableRng;
        let (cap, n) = (64, 37);
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        let mut with_counter = 0;
        for name in ["amended-2026", "old-terms", "bull"] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("scenarios/{name}.toml"));
            let scenario = crate::scenario::Scenario::load(&path).expect("shipped scenario");
            for (steps, equity, counter) in shapes() {
                let mut s = scenario.clone();
                s.steps_per_year = steps;
                if !equity {
                    s.equity = None;
                    s.correlations.clear();
                }
                if !counter {
                    s.counter_share = None;
                }
                let model = Model::new(&s);
                let what =
                    format!("{name}, {steps} steps a year, equity {equity}, counter-share {}", model.has_counter);
                with_counter += usize::from(model.has_counter);
                let slots = model.layout.len();
                let alias = model.aliases();
                // Two blocks through the same buffers, each path's values by slot.
                let run = |mut block: Block| {
                    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(5);
                    let mut scratch = model.scratch();
                    let mut out = Vec::new();
                    for _ in 0..2 {
                        for j in 0..n {
                            model.draw_path(&mut rng, &mut scratch, &mut block, j);
                        }
                        let mut values = vec![f64::NAN; slots * cap];
                        model.finish_block(&mut block, n, &mut values, cap, &mut vec![PathEvents::default(); cap]);
                        out.push(values);
                    }
                    out
                };
                let (all, gathered) = (run(model.block(cap)), run(model.gathering_block(cap)));
                for (all, gathered) in all.iter().zip(&gathered) {
                    for s in 0..slots {
                        let (a, g) = (&all[s * cap..s * cap + n], &gathered[s * cap..s * cap + n]);
                        let source = &all[alias[s] * cap..alias[s] * cap + n];
                        assert!(a.iter().all(|x| !x.is_nan()), "{what}: slot {s} not written");
                        assert_eq!(bits(a), bits(source), "{what}: slot {s} is not its source's");
                        if alias[s] == s {
                            assert_eq!(bits(a), bits(g), "{what}: slot {s}");
                        } else {
                            assert!(g.iter().all(|x| x.is_nan()), "{what}: slot {s} is an alias but was written");
                        }
                    }
                }
                // Each slot kept is handed on once, n values long, and no other.
                let gathered_once: Vec<usize> = alias.iter().enumerate().map(|(s, a)| usize::from(*a == s)).collect();
                for (mut block, once) in
                    [(model.block(cap), vec![1; slots]), (model.gathering_block(cap), gathered_once)]
                {
                    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(5);
                    let mut scratch = model.scratch();
                    for j in 0..n {
                        model.draw_path(&mut rng, &mut scratch, &mut block, j);
                    }
                    let mut handed = Handed(vec![0; slots], n);
                    model.finish_block_into(&mut block, n, &mut handed, &mut vec![PathEvents::default(); cap]);
                    assert_eq!(handed.0, once, "{what}");
                }
                // Path by path, the block's first values.
                let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(5);
                let mut scratch = model.scratch();
                let mut alone = vec![f64::NAN; slots];
                for j in 0..n {
                    model.simulate_into(&mut rng, &mut scratch, &mut alone);
                    let column: Vec<f64> = (0..slots).map(|s| all[0][s * cap + j]).collect();
                    assert_eq!(bits(&alone), bits(&column), "{what}: path {j}");
                }
            }
        }
        assert!(with_counter > 0, "no model with a counter-share");
    }

    /// Steps a year, and whether to keep the scenario's equity and its
    /// counter-share: every combination.
    fn shapes() -> impl Iterator<Item = (u32, bool, bool)> {
        [1, 2, 4, 12].into_iter().flat_map(|s| [(s, true, true), (s, true, false), (s, false, true), (s, false, false)])
    }

    /// A column of a block drawn into again before the block is finished
    /// holds the later path, whole: its steps, and its shocks only, whether
    /// the paths were stepped one at a time or in a group.
    #[test]
    fn a_column_drawn_twice_holds_the_later_path() {
        use rand::SeedableRng;
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/amended-2026.toml");
        let mut s = crate::scenario::Scenario::load(&path).expect("shipped scenario");
        // A shock in most periods, so that a stray jump would show.
        s.revenue.shock.rate = 3.0;
        let model = Model::new(&s);
        let slots = model.layout.len();
        for draws in [2, GROUP, GROUP + 1] {
            let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(11);
            let mut scratch = model.scratch();
            let mut block = model.block(1);
            for _ in 0..draws {
                model.draw_path(&mut rng, &mut scratch, &mut block, 0);
            }
            let mut values = vec![f64::NAN; slots];
            let mut events = vec![PathEvents::default(); 1];
            model.finish_block(&mut block, 1, &mut values, 1, &mut events);

            let mut alone = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(11);
            let mut out = PathOutcome::new(model.layout);
            for _ in 0..draws {
                model.simulate(&mut alone, &mut scratch, &mut out);
            }
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&values), bits(&out.values), "{draws} paths into one column");
        }
    }

    /// Every slot says what it holds, and says it back: each period metric,
    /// each flow's own yearly slot and each summary, with one step a year
    /// (where yearly flows share their period's slot) or several.
    #[test]
    fn every_slot_names_what_it_holds() {
        for steps_per_year in [1, 4, 12] {
            let lay = Layout { periods: 3 * steps_per_year, years: 3, steps_per_year };
            let mut seen = vec![false; lay.len()];
            for m in Metric::ALL {
                for k in 0..lay.periods {
                    assert_eq!(lay.slot(lay.period(m, k)), Slot::Period(m, k));
                    seen[lay.period(m, k)] = true;
                }
                for y in 0..lay.years {
                    let expected = if m.is_flow() && steps_per_year > 1 {
                        Slot::Year(m, y)
                    } else {
                        Slot::Period(m, (y + 1) * steps_per_year - 1)
                    };
                    assert_eq!(lay.slot(lay.year(m, y)), expected, "{} in year {y}", m.name());
                    seen[lay.year(m, y)] = true;
                }
            }
            for s in Summary::ALL {
                assert_eq!(lay.slot(lay.summary(s)), Slot::Summary(s));
                seen[lay.summary(s)] = true;
            }
            assert!(seen.iter().all(|s| *s), "{steps_per_year} steps a year: a slot nothing names");
        }
    }

    /// The period sums and the equity arithmetic give the same bits with
    /// every vector width as in the baseline build, with and without a
    /// counter-share.
    #[test]
    fn sums_and_equity_are_the_same_with_any_vectors() {
        let n = 67;
        let f = |i: usize, a: f64, b: f64| a + b * (((i * 7919) % 101) as f64 / 101.0);
        let column = |a: f64, b: f64| (0..n).map(|i| f(i, a, b)).collect::<Vec<f64>>();
        let (revenue, paid, counter) = (column(1.0, 30.0), column(0.0, 6.0), column(0.0, 1.0));
        let run = |width: crate::simd::Width, has_counter: bool| {
            let mut out: Vec<Vec<f64>> = (0..8).map(|i| column(i as f64, 2.0)).collect();
            let [o_net, tc, pvs, pvn, fr, fp, fc, fnet] = out.get_disjoint_mut([0, 1, 2, 3, 4, 5, 6, 7]).unwrap();
            sum_period(width, 0.9, has_counter, (&revenue, &paid, &counter, o_net), (tc, pvs, pvn), (fr, fp, fc, fnet));
            let (mut multiple, mut valuation, mut equity) = (column(30.0, 10.0), vec![0.0; n], vec![0.0; n]);
            let (step, terminal, stake) = (column(0.9, 0.1), column(10.0, 5.0), column(0.2, 0.1));
            equity_period(
                width,
                false,
                (&mut multiple, &step, &terminal),
                &stake,
                &revenue,
                &mut valuation,
                &mut equity,
            );
            out.extend([multiple, valuation, equity]);
            out.concat().iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        };
        for has_counter in [false, true] {
            let baseline = run(crate::simd::Width::baseline(), has_counter);
            for width in crate::simd::Width::supported() {
                assert_eq!(run(width, has_counter), baseline, "{width:?}, counter-share: {has_counter}");
            }
        }
    }

    /// Without a counter-share the period sums take a shortcut; with an
    /// all-zero counter column the general arithmetic gives the same bits for
    /// everything the shortcut computes, and for what `finish_block` copies in
    /// its place (net income, pv_net and the net flow are the payment's; the
    /// counter totals stay zero).
    #[test]
    fn the_no_counter_shortcut_is_the_general_sum_with_zero_counter() {
        let n = 67;
        let f = |i: usize, a: f64, b: f64| a + b * (((i * 7919) % 101) as f64 / 101.0);
        let column = |a: f64, b: f64| (0..n).map(|i| f(i, a, b)).collect::<Vec<f64>>();
        let mut paid = column(0.0, 6.0);
        paid[3] = -0.0;
        paid[4] = 0.0;
        let (revenue, zero) = (column(1.0, 30.0), vec![0.0; n]);
        for width in crate::simd::Width::supported() {
            let run = |has_counter: bool| {
                // o_net, total_counter, pv_share, pv_net and four flows, as
                // finish_block starts them (pv and flows carry earlier periods).
                let mut out = vec![vec![0.0; n], vec![0.0; n], column(3.0, 1.0), column(3.0, 1.0)];
                out.extend([column(9.0, 2.0), column(2.0, 1.0), vec![0.0; n], column(2.0, 1.0)]);
                let [o_net, tc, pvs, pvn, fr, fp, fc, fnet] = out.get_disjoint_mut([0, 1, 2, 3, 4, 5, 6, 7]).unwrap();
                sum_period(
                    width,
                    0.9,
                    has_counter,
                    (&revenue, &paid, &zero, o_net),
                    (tc, pvs, pvn),
                    (fr, fp, fc, fnet),
                );
                if !has_counter {
                    // What finish_block fills in.
                    out[0].copy_from_slice(&paid);
                    out[3] = out[2].clone();
                    out[7] = out[5].clone();
                }
                out.concat().iter().map(|x| x.to_bits()).collect::<Vec<_>>()
            };
            assert_eq!(run(false), run(true), "{width:?}");
        }
    }

    /// The floor (`draw_variates`) draws exactly what a path draws: the
    /// generator ends in the same state, path after path, on scenarios with
    /// every kind of draw (growth noise, volatility, shocks, termination,
    /// dilution, correlated inputs).
    #[test]
    fn the_floor_draws_exactly_what_a_path_draws() {
        use rand::SeedableRng;
        for name in ["amended-2026", "old-terms", "bull", "bear"] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("scenarios/{name}.toml"));
            let mut s = crate::scenario::Scenario::load(&path).expect("shipped scenario");
            s.revenue_share.termination_rate = 0.3;
            let model = Model::new(&s);
            assert!(
                !model.termination_first.is_empty() && !model.shock_first.is_empty() && model.noise_sd > 0.0,
                "{name}"
            );
            let mut scratch = model.scratch();
            let mut block = model.block(1);
            let mut a = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(9);
            let mut b = a.clone();
            for p in 0..2000 {
                model.draw_path(&mut a, &mut scratch, &mut block, 0);
                model.draw_variates(&mut b, &mut scratch);
                assert_eq!(a.clone().next_u64(), b.clone().next_u64(), "{name}: path {p}");
            }
        }
    }

    /// Shocks and termination, drawn from the gaps between events, are the
    /// process MODEL.md states: in each period an event with probability
    /// p = 1 − e^{−λΔ}, independently of every other period. On 200 000
    /// paths: the frequency of a shock in each period, of a shock in two
    /// given periods, of each number of shocks on a path (binomial), and of
    /// termination in each period that accrues and never (geometric, cut
    /// short at `until`), each within 4.5 standard errors.
    #[test]
    fn shocks_and_termination_happen_in_each_period_with_their_probability() {
        use rand::SeedableRng;
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/amended-2026.toml");
        let mut s = crate::scenario::Scenario::load(&path).expect("shipped scenario");
        (s.revenue.volatility, s.revenue.growth_noise.sd) = (0.0, 0.0);
        (s.revenue.shock.rate, s.revenue_share.termination_rate, s.revenue_share.until) = (0.9, 0.5, 2028);
        let model = Model::new(&s);
        let (kk, accruing) = (model.layout.periods, 12);
        let p_shock = 1.0 - (-0.9 * model.dt).exp();
        let p_end = 1.0 - (-0.5 * model.dt).exp();
        let n = 200_000;
        let mut scratch = model.scratch();
        let mut block = model.block(1);
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(5);
        let (mut per_period, mut pairs) = (vec![0u64; kk], [0u64; 3]);
        let mut per_count = vec![0u64; kk + 1];
        let mut ended = vec![0u64; kk + 1];
        for _ in 0..n {
            model.draw_path(&mut rng, &mut scratch, &mut block, 0);
            model.step_pending(&mut block);
            let shift = block.inputs.draws[0].growth_shift;
            let shocked: Vec<bool> =
                (0..kk).map(|k| block.steps[k] != (model.log_growth[k] + shift + 0.0) * model.dt).collect();
            for (k, hit) in shocked.iter().enumerate() {
                per_period[k] += u64::from(*hit);
            }
            // Pairs: neighbours, two apart, and the first and last period.
            for (i, (a, b)) in [(3, 4), (7, 9), (0, kk - 1)].into_iter().enumerate() {
                pairs[i] += u64::from(shocked[a] && shocked[b]);
            }
            per_count[shocked.iter().filter(|h| **h).count()] += 1;
            ended[block.terminated_at[0] as usize] += 1;
        }
        let check = |what: &str, count: u64, p: f64| {
            let (mean, se) = (n as f64 * p, (n as f64 * p * (1.0 - p)).sqrt());
            assert!((count as f64 - mean).abs() <= 4.5 * se.max(1.0), "{what}: {count}, expected {mean:.0} ± {se:.0}");
        };
        for (k, c) in per_period.iter().enumerate() {
            check(&format!("shock in period {k}"), *c, p_shock);
        }
        for (i, c) in pairs.iter().enumerate() {
            check(&format!("shocks in pair {i}"), *c, p_shock * p_shock);
        }
        let binomial = |m: usize| {
            let choose = (0..m).fold(1.0, |c, i| c * (kk - i) as f64 / (i + 1) as f64);
            choose * p_shock.powi(m as i32) * (1.0 - p_shock).powi((kk - m) as i32)
        };
        for (m, c) in per_count.iter().enumerate().take(8) {
            check(&format!("{m} shocks on a path"), *c, binomial(m));
        }
        for (k, c) in ended.iter().enumerate() {
            let p = match k {
                k if k < accruing => (1.0 - p_end).powi(k as i32) * p_end,
                k if k == kk => (1.0 - p_end).powi(accruing as i32),
                _ => 0.0,
            };
            check(&format!("terminated in period {k}"), *c, p);
        }
    }

    /// The share arithmetic gives the same bits with every vector width the
    /// processor has as in the baseline build, on paths that bind the cap,
    /// overshoot it, are terminated or were already bound; and without a
    /// counter-share, the copy that skips the counter-payments gives the
    /// same bits for everything else.
    #[test]
    fn share_period_is_the_same_with_any_vectors() {
        let n = 67;
        let f = |i: usize, a: f64, b: f64| a + b * (((i * 7919) % 101) as f64 / 101.0);
        let revenue: Vec<f64> = (0..n).map(|i| f(i, 1.0, 30.0)).collect();
        let terminated_at: Vec<f64> = (0..n).map(|i| if i % 5 == 0 { 2.0 } else { 20.0 }).collect();
        let share_scale: Vec<f64> = (0..n).map(|i| f(i, 0.5, 1.0)).collect();
        let cap: Vec<f64> = (0..n).map(|i| f(i, 0.0, 10.0)).collect();
        let base_ratio: Vec<f64> = (0..n).map(|i| f(i, 0.0, 0.5)).collect();
        for (period, counter_rate) in [(1.0, 0.0), (3.0, 0.2)] {
            let t = PeriodTerms { accrues: true, period, year: 1.0, rate: 0.2, counter_rate };
            let run = |width: crate::simd::Width, counter: bool| {
                let mut cumulative: Vec<f64> = (0..n).map(|i| f(i, 0.0, 8.0)).collect();
                let mut bound: Vec<f64> = (0..n).map(|i| if i % 7 == 0 { 1.0 } else { 0.0 }).collect();
                let mut cap_year = vec![-1.0; n];
                let mut out = vec![vec![0.0; n]; 4];
                let [a, b, c, d] = out.get_disjoint_mut([0, 1, 2, 3]).unwrap();
                let args = (
                    &revenue[..],
                    (&terminated_at[..], &share_scale[..], &cap[..], &base_ratio[..]),
                    (&mut cumulative[..], &mut bound[..], &mut cap_year[..]),
                    (&mut a[..], &mut b[..], &mut c[..], &mut d[..]),
                );
                if counter {
                    share_period(width, &t, args);
                } else {
                    share_period_no_counter(width, &t, args);
                }
                let mut all = [cumulative, bound, cap_year].concat();
                // (Without the counter-payments, out[2].)
                all.extend([&out[0], &out[1], &out[3]].map(|o| o.as_slice()).concat());
                if counter {
                    all.extend(&out[2]);
                }
                all.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
            };
            let baseline = run(crate::simd::Width::baseline(), true);
            for width in crate::simd::Width::supported() {
                assert_eq!(run(width, true), baseline, "period {period}, {width:?}");
                if counter_rate == 0.0 {
                    let without = run(width, false);
                    assert_eq!(without[..], baseline[..without.len()], "period {period}, {width:?}, no counter");
                }
            }
        }
    }

    /// The run-rate's `ln` and `exp` give the same bits with every vector
    /// width as one value at a time in the baseline build, from underflow to
    /// overflow, and so does the multiple's step.
    #[test]
    fn run_rates_are_the_same_with_any_vectors() {
        let n = 4003;
        let x: Vec<f64> = (0..n).map(|i| -800.0 + 0.4 * i as f64 + 1e-9 * (i % 13) as f64).collect();
        let steps: Vec<f64> = (0..n).map(|i| 0.01 * (i % 17) as f64 - 0.05).collect();
        let positive: Vec<f64> = x.iter().map(|x| special::exp(x / 2.0)).collect();
        let reversed: Vec<f64> = positive.iter().rev().copied().collect();
        for width in crate::simd::Width::supported() {
            let (mut ln_r, mut out) = (x.clone(), vec![0.0; n]);
            run_rate_period(width, &mut ln_r, &steps, &mut out);
            for j in 0..n {
                let expected = x[j] + steps[j];
                assert_eq!(ln_r[j].to_bits(), expected.to_bits(), "{width:?}");
                assert_eq!(out[j].to_bits(), special::exp(expected).to_bits(), "exp({expected}), {width:?}");
            }
            let (mut ln0, mut step) = (vec![0.0; n], vec![0.0; n]);
            start_block(width, (&positive, &positive, &reversed), (&mut ln0, Some(&mut step)), 20.0);
            for j in 0..n {
                assert_eq!(ln0[j].to_bits(), special::ln(positive[j]).to_bits(), "{width:?}");
                let expected = special::exp((special::ln(reversed[j]) - special::ln(positive[j])) / 20.0);
                assert_eq!(step[j].to_bits(), expected.to_bits(), "{width:?}");
            }
        }
    }

    /// With growth noise, `draw_periods` puts u_k where ζ_k was: the same
    /// draws (ε in place, the generator in the same state) and, in each
    /// period's second place, u_0 = u0 then u_{k+1} = φ·u_k + a·ζ_k, worked
    /// out here from the plain draws.
    #[test]
    fn noise_values_are_the_chain_of_the_plain_draws() {
        use rand::SeedableRng;
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/amended-2026.toml");
        let model = Model::new(&crate::scenario::Scenario::load(&path).expect("shipped scenario"));
        assert!(model.noise_sd > 0.0);
        let kk = model.layout.periods;
        let mut a = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(11);
        let mut b = a.clone();
        let (mut plain, mut noise) = (vec![0.0; 2 * kk], vec![0.0; 2 * kk]);
        let (mut sa, mut sb) = (Vec::new(), Vec::new());
        for p in 0..500 {
            let (u0a, ta) = model.draw_periods::<_, false>(&mut a, &mut plain, 1, &mut sa);
            let (u0b, tb) = model.draw_periods::<_, true>(&mut b, &mut noise, 1, &mut sb);
            assert_eq!((u0a.to_bits(), ta, &sa), (u0b.to_bits(), tb, &sb), "path {p}");
            assert_eq!(a.clone().next_u64(), b.clone().next_u64(), "path {p}");
            let mut u = u0a;
            for k in 0..kk {
                assert_eq!(plain[2 * k].to_bits(), noise[2 * k].to_bits(), "path {p}, ε_{k}");
                assert_eq!(u.to_bits(), noise[2 * k + 1].to_bits(), "path {p}, u_{k}");
                u = model.noise_decay * u + model.noise_innovation * plain[2 * k + 1];
            }
        }
    }
}
