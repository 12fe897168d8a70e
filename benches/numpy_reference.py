#!/usr/bin/env python3
"""Independent NumPy reference implementation of the revshare Monte Carlo model.

Source: /work/shared/MODEL.md (the normative model). Section numbers in the
comments below (§0 ... §8) refer to that page. This file is written the way a
careful analyst would write it in a notebook: vectorised over paths, paths
processed in chunks, the periods stepped in a plain Python loop. It is used to
check the Rust program (crate `revshare`) within Monte Carlo error and as a
speed baseline; its random streams are its own (numpy `default_rng(seed)`).

Usage:
    python3 benches/numpy_reference.py SCENARIO.toml --paths N --seed S --out DIR
                                       [--chunk 100000] [--exact]

Writes DIR/yearly.csv and DIR/summary.csv (columns as MODEL.md §8) and prints
`wall_s=<seconds>` (the whole run, writing included) on stdout.

Percentiles: the per-path value of every statistic (each yearly metric x year,
each path summary) is kept as a float64 array, so percentiles are always exact
(`np.percentile`, linear interpolation). `--exact` is accepted for interface
compatibility (it is the default up to 2_000_000 paths); beyond that the values
are still kept, which costs about 8 bytes x 58 statistics per path.

Interpretation choices (shared with the Rust side, see the module's brief):
  * `extends`: tables merged recursively, child wins, arrays replaced whole, a
    child table with a `dist` key replaces the parent's value whole; `name` is
    not inherited (defaults to the top file's stem).
  * `equity.terminal_multiple` absent -> the same sampled value as `multiple`.
  * normal draws of bounded inputs are clamped to the input's domain.
  * termination is drawn only in accruing periods of paths not yet terminated;
    it ends the share at the start of that period.
  * dilution events apply to every period whose year is >= the event's year
    (an event dated before `start` therefore applies from the first period; one
    after `end` never applies); `probability` defaults to 1.
"""

from __future__ import annotations

import time

T_START = time.perf_counter()  # wall_s counts the whole run, imports included

import argparse
import math
import sys
import tomllib
from pathlib import Path

import numpy as np

YEARLY_METRICS = [
    "revenue", "run_rate", "payment", "cumulative_payment", "counter_payment",
    "net_payment", "stake", "valuation", "equity_value", "cap_bound",
]
SUMMARY_METRICS = [
    "total_share", "pv_share", "total_counter", "pv_net", "equity_end",
    "pv_equity", "pv_total", "cap_hit",
]
PCTS = [5, 10, 25, 50, 75, 90, 95]
TINY = 1e-12  # lower clamp for inputs that must be > 0


class ScenarioError(Exception):
    pass


# --------------------------------------------------------------------------
# §0 The scenario file: reading, `extends`, unknown keys
# --------------------------------------------------------------------------

def is_dist(v) -> bool:
    return isinstance(v, dict) and "dist" in v


def merge(parent: dict, child: dict) -> dict:
    """Key-by-key recursive merge; child wins, arrays and dist tables replaced whole."""
    out = dict(parent)
    for key, cv in child.items():
        pv = out.get(key)
        if isinstance(cv, dict) and isinstance(pv, dict) and not is_dist(cv) and not is_dist(pv):
            out[key] = merge(pv, cv)
        else:
            out[key] = cv
    return out


def load_raw(path: Path, seen: tuple = ()) -> dict:
    path = path.resolve()
    if path in seen:
        chain = " -> ".join(str(p) for p in seen + (path,))
        raise ScenarioError(f"extends cycle: {chain}")
    with open(path, "rb") as f:
        data = tomllib.load(f)
    parent_name = data.pop("extends", None)
    if parent_name is not None:
        parent = load_raw(path.parent / parent_name, seen + (path,))
        parent.pop("name", None)  # `name` is not inherited
        data = merge(parent, data)
    return data


DIST_KEYS = {
    "fixed": {"value"},
    "uniform": {"low", "high"},
    "triangular": {"low", "mode", "high"},
    "pert": {"low", "mode", "high"},
    "normal": {"mean", "sd"},
    "lognormal": {"median", "sigma"},
    "discrete": {"values", "weights"},
}

SCHEMA = {
    "": {"name", "description", "years", "steps_per_year", "paths", "seed",
         "discount_rate", "revenue", "revenue_share", "counter_share", "equity",
         "correlation"},
    "revenue": {"initial", "growth", "growth_shift", "volatility", "growth_noise", "shock"},
    "revenue.growth_noise": {"sd", "persistence"},
    "revenue.shock": {"rate", "size"},
    "revenue_share": {"rate", "rate_multiplier", "base_fraction", "until", "cap",
                      "termination_rate"},
    "counter_share": {"rate", "base_ratio"},
    "equity": {"stake", "multiple", "terminal_multiple", "dilution"},
    "equity.dilution[]": {"year", "fraction", "probability"},
    "correlation[]": {"a", "b", "rho"},
}


def check_keys(table, where: str, allowed: set):
    if not isinstance(table, dict):
        raise ScenarioError(f"{where or 'top level'}: expected a table")
    for k in table:
        if k not in allowed:
            raise ScenarioError(f"{(where + '.') if where else ''}{k}: unknown key "
                                f"(allowed: {', '.join(sorted(allowed))})")


def check_schema(d: dict):
    check_keys(d, "", SCHEMA[""])
    for sect in ("revenue", "revenue_share", "counter_share", "equity"):
        if sect in d:
            check_keys(d[sect], sect, SCHEMA[sect])
    rev = d.get("revenue", {})
    for sub in ("growth_noise", "shock"):
        if sub in rev:
            check_keys(rev[sub], f"revenue.{sub}", SCHEMA[f"revenue.{sub}"])
    for i, ev in enumerate(d.get("equity", {}).get("dilution", [])):
        check_keys(ev, f"equity.dilution[{i}]", SCHEMA["equity.dilution[]"])
    for i, c in enumerate(d.get("correlation", [])):
        check_keys(c, f"correlation[{i}]", SCHEMA["correlation[]"])


# --------------------------------------------------------------------------
# §2 Uncertain inputs
# --------------------------------------------------------------------------

class Dist:
    """One uncertain input: its distribution and its domain [lo, hi]."""

    def __init__(self, name: str, spec, lo: float, hi: float):
        self.name, self.lo, self.hi = name, lo, hi
        if isinstance(spec, bool) or not isinstance(spec, (int, float, dict)):
            raise ScenarioError(f"{name}: expected a number or a distribution table")
        if not isinstance(spec, dict):
            spec = {"dist": "fixed", "value": spec}
        kind = spec.get("dist")
        if kind not in DIST_KEYS:
            raise ScenarioError(f"{name}.dist: unknown distribution {kind!r}")
        check_keys(spec, name, DIST_KEYS[kind] | {"dist"})
        missing = DIST_KEYS[kind] - set(spec)
        if missing:
            raise ScenarioError(f"{name}: {kind} needs {', '.join(sorted(missing))}")
        self.kind = kind
        p = {k: v for k, v in spec.items() if k != "dist"}
        self.p = p
        if kind == "fixed":
            self._in_domain(p["value"], "value")
        elif kind in ("uniform",):
            if not p["low"] <= p["high"]:
                raise ScenarioError(f"{name}: `low` ({p['low']}) is above `high` ({p['high']})")
            self._in_domain(p["low"], "low")
            self._in_domain(p["high"], "high")
        elif kind in ("triangular", "pert"):
            if not (p["low"] <= p["mode"] <= p["high"]) or p["low"] == p["high"]:
                raise ScenarioError(f"{name}: need low <= mode <= high and low < high")
            self._in_domain(p["low"], "low")
            self._in_domain(p["high"], "high")
        elif kind == "normal":
            if p["sd"] < 0:
                raise ScenarioError(f"{name}: `sd` must be >= 0")
        elif kind == "lognormal":
            if p["median"] <= 0 or p["sigma"] < 0:
                raise ScenarioError(f"{name}: need median > 0 and sigma >= 0")
        elif kind == "discrete":
            v, w = np.asarray(p["values"], float), np.asarray(p["weights"], float)
            if v.size == 0 or v.size != w.size or np.any(w < 0) or w.sum() <= 0:
                raise ScenarioError(f"{name}: discrete needs equally long non-empty "
                                    f"`values` and non-negative `weights` with a positive sum")
            for x in v:
                self._in_domain(x, "values")
            self.values = v
            self.cum = np.cumsum(w / w.sum())
        if kind == "pert":
            lo_, mo, hi_ = p["low"], p["mode"], p["high"]
            self.alpha = 1 + 4 * (mo - lo_) / (hi_ - lo_)
            self.beta = 1 + 4 * (hi_ - mo) / (hi_ - lo_)

    def _in_domain(self, x, key):
        if not (self.lo <= x <= self.hi):
            raise ScenarioError(f"{self.name}.{key}: {x} is outside [{self.lo}, {self.hi}]")

    def _clamp(self, x):
        return np.clip(x, self.lo, self.hi)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Direct draw (for inputs that are not correlated)."""
        p, k = self.p, self.kind
        if k == "fixed":
            x = np.full(n, float(p["value"]))
        elif k == "uniform":
            x = rng.uniform(p["low"], p["high"], n)
        elif k == "triangular":
            x = rng.triangular(p["low"], p["mode"], p["high"], n)
        elif k == "pert":
            x = p["low"] + (p["high"] - p["low"]) * rng.beta(self.alpha, self.beta, n)
        elif k == "normal":
            x = rng.normal(p["mean"], p["sd"], n)
        elif k == "lognormal":
            x = np.exp(math.log(p["median"]) + p["sigma"] * rng.standard_normal(n))
        elif k == "discrete":
            x = self._discrete(rng.random(n))
        return self._clamp(x)

    def from_normal(self, z: np.ndarray) -> np.ndarray:
        """F^{-1}(Phi(z)): the copula transform of one standard-normal column."""
        p, k = self.p, self.kind
        if k == "fixed":
            x = np.full(z.shape, float(p["value"]))
        elif k == "normal":
            x = p["mean"] + p["sd"] * z
        elif k == "lognormal":
            x = np.exp(math.log(p["median"]) + p["sigma"] * z)
        else:
            # SciPy only where a scenario needs it: importing scipy.stats
            # takes about a second, which a run that never uses it should
            # not be charged.
            from scipy import stats

            u = stats.norm.cdf(z)
            if k == "uniform":
                x = p["low"] + (p["high"] - p["low"]) * u
            elif k == "triangular":
                lo_, mo, hi_ = p["low"], p["mode"], p["high"]
                x = stats.triang.ppf(u, (mo - lo_) / (hi_ - lo_), loc=lo_, scale=hi_ - lo_)
            elif k == "pert":
                x = p["low"] + (p["high"] - p["low"]) * stats.beta.ppf(u, self.alpha, self.beta)
            elif k == "discrete":
                x = self._discrete(u)
        return self._clamp(x)

    def _discrete(self, u):
        # the first value whose cumulative weight >= u
        idx = np.searchsorted(self.cum, u, side="left")
        return self.values[np.minimum(idx, self.values.size - 1)]


def by_year(spec, name: str, start: int, end: int, lo=-math.inf, hi=math.inf) -> dict:
    """A number or {year: value}; a missing year takes the latest earlier given year."""
    if isinstance(spec, bool):
        raise ScenarioError(f"{name}: expected a number or a table of years")
    if isinstance(spec, (int, float)):
        table = {start: float(spec)}
    elif isinstance(spec, dict):
        try:
            table = {int(k): float(v) for k, v in spec.items()}
        except (TypeError, ValueError):
            raise ScenarioError(f"{name}: keys must be years and values numbers")
        if not table or min(table) > start:
            raise ScenarioError(f"{name}: the first year ({start}) must be given")
    else:
        raise ScenarioError(f"{name}: expected a number or a table of years")
    for y, v in table.items():
        if not lo <= v <= hi:
            raise ScenarioError(f"{name}.{y}: {v} is outside [{lo}, {hi}]")
    out, cur = {}, None
    for y in range(min(table), end + 1):
        if y in table:
            cur = table[y]
        if y >= start:
            out[y] = cur
    return out


def num(d: dict, key: str, where: str, default=None, lo=-math.inf, hi=math.inf):
    v = d.get(key, default)
    if v is None:
        raise ScenarioError(f"{where}.{key}: required")
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ScenarioError(f"{where}.{key}: expected a number")
    if not lo <= v <= hi:
        raise ScenarioError(f"{where}.{key}: {v} is outside [{lo}, {hi}]")
    return v


# --------------------------------------------------------------------------
# The resolved scenario
# --------------------------------------------------------------------------

class Scenario:
    def __init__(self, path: str):
        path = Path(path)
        d = load_raw(path)
        check_schema(d)
        self.name = d.get("name", path.stem)
        self.paths = int(d.get("paths", 100_000))
        self.seed = int(d.get("seed", 1))
        if "years" not in d:
            raise ScenarioError("years: required")
        self.start, self.end = (int(x) for x in d["years"])
        if self.end < self.start:
            raise ScenarioError("years: end is before start")
        self.spy = int(d.get("steps_per_year", 4))
        if self.spy not in (1, 2, 4, 12):
            raise ScenarioError("steps_per_year: must be 1, 2, 4 or 12")
        self.dt = 1.0 / self.spy
        self.K = (self.end - self.start + 1) * self.spy
        self.r = num(d, "discount_rate", "", 0.0, lo=0.0)
        self.inputs: dict[str, Dist] = {}

        # §3 revenue
        rev = d.get("revenue")
        if rev is None or "initial" not in rev or "growth" not in rev:
            raise ScenarioError("revenue.initial and revenue.growth are required")
        self._input("revenue.initial", rev["initial"], TINY, math.inf)
        self.growth = by_year(rev["growth"], "revenue.growth", self.start, self.end, lo=-1 + TINY)
        self._input("revenue.growth_shift", rev.get("growth_shift", 0.0), -math.inf, math.inf)
        self.sigma = num(rev, "volatility", "revenue", 0.0, lo=0.0)
        gn = rev.get("growth_noise", {})
        self.noise_sd = num(gn, "sd", "revenue.growth_noise", 0.0, lo=0.0)
        self.phi = num(gn, "persistence", "revenue.growth_noise", 0.0, 0.0, 1.0)
        sh = rev.get("shock", {})
        self.shock_rate = num(sh, "rate", "revenue.shock", 0.0, lo=0.0)
        self._input("revenue.shock.size", sh.get("size", 0.0), 0.0, 1.0 - 1e-12)

        # §4 revenue share
        rs = d.get("revenue_share")
        if rs is None or "rate" not in rs:
            raise ScenarioError("revenue_share.rate is required")
        self.rate = by_year(rs["rate"], "revenue_share.rate", self.start, self.end, 0.0, 1.0)
        self._input("revenue_share.rate_multiplier", rs.get("rate_multiplier", 1.0), 0.0, math.inf)
        self._input("revenue_share.base_fraction", rs.get("base_fraction", 1.0), 0.0, 1.0)
        self.until = int(num(rs, "until", "revenue_share", self.end))
        self.has_cap = "cap" in rs
        if self.has_cap:
            self._input("revenue_share.cap", rs["cap"], TINY, math.inf)
        self.hazard = num(rs, "termination_rate", "revenue_share", 0.0, lo=0.0)

        # §5 counter share
        cs = d.get("counter_share")
        self.has_counter = cs is not None
        if self.has_counter:
            if "rate" not in cs or "base_ratio" not in cs:
                raise ScenarioError("counter_share needs `rate` and `base_ratio`")
            self.crate = by_year(cs["rate"], "counter_share.rate", self.start, self.end, 0.0, 1.0)
            self._input("counter_share.base_ratio", cs["base_ratio"], 0.0, math.inf)

        # §6 equity
        eq = d.get("equity")
        self.has_equity = eq is not None
        self.dilution = []  # (year, probability, input name)
        if self.has_equity:
            if "stake" not in eq or "multiple" not in eq:
                raise ScenarioError("equity needs `stake` and `multiple`")
            self._input("equity.stake", eq["stake"], 0.0, 1.0)
            self._input("equity.multiple", eq["multiple"], TINY, math.inf)
            self.has_terminal = "terminal_multiple" in eq
            if self.has_terminal:
                self._input("equity.terminal_multiple", eq["terminal_multiple"], TINY, math.inf)
            for i, ev in enumerate(eq.get("dilution", [])):
                where = f"equity.dilution[{i}]"
                if "year" not in ev or "fraction" not in ev:
                    raise ScenarioError(f"{where}: needs `year` and `fraction`")
                year = int(num(ev, "year", where))
                prob = num(ev, "probability", where, 1.0, 0.0, 1.0)
                nm = f"{where}.fraction"
                self._input(nm, ev["fraction"], 0.0, 1.0)
                self.dilution.append((year, prob, nm))

        # §2 correlations
        self.corr_names: list[str] = []
        pairs = []
        for i, c in enumerate(d.get("correlation", [])):
            if not {"a", "b", "rho"} <= set(c):
                raise ScenarioError(f"correlation[{i}]: needs a, b and rho")
            a, b = self._corr_name(c["a"], i), self._corr_name(c["b"], i)
            rho = num(c, "rho", f"correlation[{i}]", lo=-1.0, hi=1.0)
            if a == b:
                raise ScenarioError(f"correlation[{i}]: an input cannot be correlated with itself")
            for x in (a, b):
                if x not in self.corr_names:
                    self.corr_names.append(x)
            pairs.append((a, b, rho))
        m = len(self.corr_names)
        C = np.eye(m)
        for a, b, rho in pairs:
            i, j = self.corr_names.index(a), self.corr_names.index(b)
            C[i, j] = C[j, i] = rho
        self.chol = None
        if m:
            try:
                self.chol = np.linalg.cholesky(C)
            except np.linalg.LinAlgError:
                raise ScenarioError("correlation matrix is not positive definite; inputs: "
                                    + ", ".join(self.corr_names))

    def _input(self, name, spec, lo, hi):
        self.inputs[name] = Dist(name, spec, lo, hi)

    def _corr_name(self, name, i):
        s = str(name)
        parts = s.split(".")
        # accept equity.dilution.0.fraction for equity.dilution[0].fraction
        if len(parts) == 4 and parts[:2] == ["equity", "dilution"] and parts[2].isdigit():
            s = f"equity.dilution[{int(parts[2])}].fraction"
        if s not in self.inputs:
            raise ScenarioError(f"correlation[{i}]: {name!r} is not an uncertain input of "
                                f"this scenario (known: {', '.join(self.inputs)})")
        return s

    def draw_inputs(self, rng: np.random.Generator, n: int) -> dict:
        out = {}
        if self.chol is not None:
            z = rng.standard_normal((n, len(self.corr_names))) @ self.chol.T
            for j, nm in enumerate(self.corr_names):
                out[nm] = self.inputs[nm].from_normal(z[:, j])
        for nm, dist in self.inputs.items():
            if nm not in out:
                out[nm] = dist.sample(rng, n)
        return out


# --------------------------------------------------------------------------
# §1, §3-§7: one chunk of paths
# --------------------------------------------------------------------------

def simulate_chunk(sc: Scenario, rng: np.random.Generator, n: int):
    """Return ({(metric, year): array(n)}, {summary: array(n)}) for n paths."""
    x = sc.draw_inputs(rng, n)
    dt, K, spy = sc.dt, sc.K, sc.spy
    sqdt = math.sqrt(dt)

    # per-path constants
    lnR = np.log(x["revenue.initial"])
    shift = x["revenue.growth_shift"]
    jump = -np.log1p(-x["revenue.shock.size"])  # J when a shock hits
    rs_scale = x["revenue_share.rate_multiplier"] * x["revenue_share.base_fraction"]
    cap = x["revenue_share.cap"] if sc.has_cap else None
    cratio = x["counter_share.base_ratio"] if sc.has_counter else None

    # equity: stake by year after dilution, multiple path
    years = list(range(sc.start, sc.end + 1))
    if sc.has_equity:
        stake0 = x["equity.stake"]
        happened = [(yr, rng.random(n) < p, x[nm]) for yr, p, nm in sc.dilution]
        stake_by_year = {}
        for y in years:
            s = stake0.copy()
            for yr, hit, frac in happened:  # file order
                if yr <= y:
                    s = np.where(hit, s * (1.0 - frac), s)
            stake_by_year[y] = s
        lnM0 = np.log(x["equity.multiple"])
        lnMK = np.log(x["equity.terminal_multiple"]) if sc.has_terminal else lnM0
    # AR(1) growth surprise
    if sc.noise_sd > 0:
        u = sc.noise_sd * rng.standard_normal(n)
        phi_dt = sc.phi ** dt
        innov_sd = sc.noise_sd * math.sqrt(max(0.0, 1.0 - sc.phi ** (2 * dt)))
    else:
        u = 0.0
    p_shock = 1.0 - math.exp(-sc.shock_rate * dt)
    p_term = 1.0 - math.exp(-sc.hazard * dt)

    alive = np.ones(n, bool)         # revenue share not terminated
    bound = np.zeros(n, bool)        # cap has bound
    C = np.zeros(n)                  # cumulative payment
    tot_share = np.zeros(n); pv_share = np.zeros(n)
    tot_counter = np.zeros(n); pv_net = np.zeros(n)
    zeros = np.zeros(n)

    yearly = {}
    flows = None
    R_k = np.exp(lnR)
    for k in range(K):
        y = sc.start + k // spy
        if k % spy == 0:
            flows = {m: np.zeros(n) for m in ("revenue", "payment", "counter_payment", "net_payment")}

        # §3 revenue
        mu = math.log1p(sc.growth[y]) + shift
        step = (mu + u) * dt
        if sc.sigma > 0:
            step = step + sc.sigma * sqdt * rng.standard_normal(n)
        if p_shock > 0:
            step = step - np.where(rng.random(n) < p_shock, jump, 0.0)
        lnR_next = lnR + step
        R_next = np.exp(lnR_next)
        rev = dt * (R_k + R_next) / 2.0
        if sc.noise_sd > 0:
            u = phi_dt * u + innov_sd * rng.standard_normal(n)
        lnR, R_k = lnR_next, R_next

        # §4 revenue share and §5 counter-share
        if y <= sc.until:
            if p_term > 0:
                alive &= ~(rng.random(n) < p_term)  # ends at the start of this period
            due = np.where(alive, sc.rate[y] * rs_scale * rev, 0.0)
            if cap is not None:
                remaining = cap - C
                bind_now = ~bound & alive & (due >= remaining)
                pay = np.where(bound, 0.0, np.where(bind_now, remaining, due))
                C = np.where(bind_now, cap, C + pay)
                bound |= bind_now
            else:
                pay = due
                C = C + pay
            if cratio is not None:
                q = np.where(alive, sc.crate[y] * cratio * rev, 0.0)
            else:
                q = zeros
        else:
            pay, q = zeros, zeros
        net = pay - q

        # §6 equity, needed only at the end of each year (its last period)
        year_end = k % spy == spy - 1
        if year_end and sc.has_equity:
            stake = stake_by_year[y]
            M = np.exp(lnM0 + ((k + 1) / K) * (lnMK - lnM0))
            V = M * R_next
            E = stake * V
        elif year_end:
            stake = V = E = zeros

        # §7 discounting and summaries
        d = (1.0 + sc.r) ** (-(k + 1) * dt)
        tot_share += pay
        pv_share += pay * d
        tot_counter += q
        pv_net += net * d

        # §8 yearly: flows summed, stocks at the year's last period
        flows["revenue"] += rev
        flows["payment"] += pay
        flows["counter_payment"] += q
        flows["net_payment"] += net
        if year_end:
            for m, v in flows.items():
                yearly[(m, y)] = v
            yearly[("run_rate", y)] = R_next
            yearly[("cumulative_payment", y)] = C.copy()
            yearly[("stake", y)] = np.broadcast_to(stake, (n,)).astype(float)
            yearly[("valuation", y)] = np.broadcast_to(V, (n,)).astype(float)
            yearly[("equity_value", y)] = np.broadcast_to(E, (n,)).astype(float)
            yearly[("cap_bound", y)] = bound.astype(float)

    d_last = (1.0 + sc.r) ** (-K * dt)
    equity_end = np.broadcast_to(E, (n,)).astype(float)
    pv_equity = equity_end * d_last
    summary = {
        "total_share": tot_share,
        "pv_share": pv_share,
        "total_counter": tot_counter,
        "pv_net": pv_net,
        "equity_end": equity_end,
        "pv_equity": pv_equity,
        "pv_total": pv_net + pv_equity,
        "cap_hit": bound.astype(float),
    }
    return yearly, summary


# --------------------------------------------------------------------------
# §8 Statistics and CSV files
# --------------------------------------------------------------------------

def describe(v: np.ndarray) -> list[float]:
    n = v.size
    mean = float(np.mean(v))
    sd = float(np.std(v, ddof=1)) if n > 1 else float("nan")
    se = sd / math.sqrt(n)
    return [mean, sd, se] + [float(q) for q in np.percentile(v, PCTS)]


def fmt(x: float) -> str:
    return repr(float(x)) if math.isfinite(x) else ("" if math.isnan(x) else repr(float(x)))


def run(args) -> None:
    sc = Scenario(args.scenario)
    n_total = args.paths if args.paths is not None else sc.paths
    seed = args.seed if args.seed is not None else sc.seed
    rng = np.random.default_rng(seed)
    years = list(range(sc.start, sc.end + 1))

    yearly = {(m, y): np.empty(n_total) for m in YEARLY_METRICS for y in years}
    summary = {m: np.empty(n_total) for m in SUMMARY_METRICS}
    done = 0
    while done < n_total:
        n = min(args.chunk, n_total - done)
        yc, sm = simulate_chunk(sc, rng, n)
        for key, v in yc.items():
            yearly[key][done:done + n] = v
        for key, v in sm.items():
            summary[key][done:done + n] = v
        done += n

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stat_cols = ["mean", "sd", "se"] + [f"p{p}" for p in PCTS]
    with open(out / "yearly.csv", "w", newline="") as f:
        f.write(",".join(["scenario", "metric", "year"] + stat_cols) + "\n")
        for m in YEARLY_METRICS:
            for y in years:
                row = [sc.name, m, str(y)] + [fmt(s) for s in describe(yearly[(m, y)])]
                f.write(",".join(row) + "\n")
    with open(out / "summary.csv", "w", newline="") as f:
        f.write(",".join(["scenario", "metric"] + stat_cols) + "\n")
        for m in SUMMARY_METRICS:
            row = [sc.name, m] + [fmt(s) for s in describe(summary[m])]
            f.write(",".join(row) + "\n")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario")
    ap.add_argument("--paths", type=int, default=None)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--out", required=True)
    ap.add_argument("--chunk", type=int, default=100_000)
    ap.add_argument("--exact", action="store_true",
                    help="exact percentiles (always the case here: per-path values are kept)")
    args = ap.parse_args(argv)
    if args.chunk < 1 or (args.paths is not None and args.paths < 1):
        ap.error("--paths and --chunk must be positive")
    try:
        run(args)
    except (ScenarioError, tomllib.TOMLDecodeError, OSError) as e:
        print(f"error: {args.scenario}: {e}", file=sys.stderr)
        return 1
    print(f"wall_s={time.perf_counter() - T_START:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
