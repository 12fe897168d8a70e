//! `manifest.json`: what was run (the scenario files and their hashes, the
//! resolved inputs, paths, seed, program version, threads, wall time, how
//! percentiles were computed), so that a result can be traced and reproduced.

use std::io::{self, Write};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::json;

use super::{Exporter, RunReport};
use crate::engine::{CHUNK_PATHS, GENERATOR, Resolution};
use crate::stats::sketch::{EXACT_VALUES, MANTISSA_BITS, relative_accuracy};
use crate::stats::{RELATIVE_ACCURACY, SKETCH_DIGITS};

/// The current time as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn utc_timestamp() -> String {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// How the percentiles were computed, and how accurate they are: the
/// sketch's full resolution, and, for statistics whose sketch coarsened,
/// how many kept each resolution and the accuracy achieved
/// (`relative_accuracy`, the worst over the run's statistics).
fn percentiles(resolution: &Resolution) -> serde_json::Value {
    if resolution.exact {
        return json!({
            "method": "exact",
            "description": format!(
                "exact: every value kept (a run of at most {} values, paths × statistics), linear interpolation between order statistics (NumPy's default)",
                crate::engine::EXACT_VALUES
            ),
            "relative_accuracy": 0.0,
            "statistics": resolution.statistics,
            "coarsened_statistics": 0,
            "coarsened": [],
            "coarsest": null,
        });
    }
    let full = 1u32 << MANTISSA_BITS;
    let inverse = 1.0 / RELATIVE_ACCURACY;
    let mut description = format!(
        "mergeable bucket sketch (as DDSketch, with {full} buckets per power of two) with relative accuracy 1/{inverse:.0} = {RELATIVE_ACCURACY:.6} (MODEL.md §8 allows 1e-3), exact for quantities with at most {EXACT_VALUES} distinct values; linear interpolation between order statistics, each within the relative accuracy of the exact one (so a percentile is within it of the exact one, or, between two order statistics of opposite sign, within it of the larger magnitude of the two), written to {SKETCH_DIGITS} significant digits"
    );
    let n = resolution.coarsened_count();
    if n > 0 {
        description += &format!(
            "; {n} of {} statistics spanned more buckets than their sketch holds and were coarsened (neighbouring buckets merged evenly over their whole range) to relative accuracy 1/{:.0} = {:.6} at worst",
            resolution.statistics,
            1.0 / resolution.relative_accuracy(),
            resolution.relative_accuracy()
        );
    }
    let coarsened: Vec<serde_json::Value> = resolution
        .coarsened
        .iter()
        .map(|(bits, statistics)| {
            json!({
                "mantissa_bits": bits,
                "buckets_per_power_of_two": 1u32 << bits,
                "relative_accuracy": relative_accuracy(*bits),
                "statistics": statistics,
            })
        })
        .collect();
    json!({
        "method": "sketch",
        "description": description,
        "relative_accuracy": resolution.relative_accuracy(),
        "statistics": resolution.statistics,
        "coarsened_statistics": n,
        "coarsened": coarsened,
        "coarsest": resolution.coarsest,
    })
}

/// What every manifest says first, a run's and a sweep's: the program and
/// its build, the command, when it started, the scenario's files and their
/// hashes, the --set overrides, and the generator; `rest` adds what is its
/// own.
fn manifest(
    s: &crate::scenario::Scenario,
    command: &[String],
    started: &str,
    rest: serde_json::Value,
) -> serde_json::Value {
    let mut head = json!({
        "program": "revshare",
        "version": env!("CARGO_PKG_VERSION"),
        "build": env!("REVSHARE_BUILD"),
        "command": command,
        "started": started,
        "scenario": {
            "name": s.name,
            "description": s.description,
            "file": s.file.display().to_string(),
            "sha256": s.sources.first().map(|f| f.sha256.clone()),
            "files": s.sources.iter().map(|f| json!({"path": f.path.display().to_string(), "sha256": f.sha256})).collect::<Vec<_>>(),
        },
        "overrides": s.overrides.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>(),
        "generator": GENERATOR,
        "chunk_paths": CHUNK_PATHS,
    });
    if let (Some(head), serde_json::Value::Object(rest)) = (head.as_object_mut(), rest) {
        head.extend(rest);
    }
    head
}

/// `manifest.json`.
pub struct ManifestJson;

impl Exporter for ManifestJson {
    fn file_name(&self) -> &'static str {
        "manifest.json"
    }
    fn write(&self, r: &RunReport<'_>, out: &mut dyn Write) -> io::Result<()> {
        let s = r.scenario;
        let by_year = |counts: &[u64]| -> serde_json::Map<String, serde_json::Value> {
            counts.iter().enumerate().map(|(i, n)| (r.model.year(i).to_string(), json!(n))).collect()
        };
        let rest = json!({
            "resolved": s,
            "paths": r.result.paths,
            "seed": r.seed,
            "threads": r.result.threads,
            "wall_time_s": r.wall.as_secs_f64(),
            "simulation_time_s": r.result.elapsed.as_secs_f64(),
            "sensitivity_runs": r.sensitivity.map(|(n, _)| n),
            "sensitivity_time_s": r.sensitivity.map(|(_, t)| t.as_secs_f64()),
            "target_se": r.precision.map(|(m, o, max_paths)| json!({
                "metric": m.name(),
                "target": o.target,
                "se": o.se,
                "met": o.met,
                "max_paths": max_paths,
            })),
            "percentiles": percentiles(&r.result.resolution),
            "cap_binding_year_paths": by_year(&r.result.cap_year_counts),
            "terminated_year_paths": by_year(&r.result.terminated_counts),
            "warnings": s.warnings,
        });
        serde_json::to_writer_pretty(&mut *out, &manifest(s, &r.command, &r.started, rest))?;
        writeln!(out)
    }
}

/// What a sweep ran, for its `manifest.json`.
pub struct SweepRun<'a> {
    /// The first combination's scenario (its files and `--set` overrides
    /// are every combination's).
    pub scenario: &'a crate::scenario::Scenario,
    /// Each combination's (key, value) pairs, in the order they ran.
    pub combinations: &'a [Vec<(String, String)>],
    /// Each combination's result, in the same order.
    pub results: &'a [crate::engine::RunResult],
    pub seed: u64,
    pub wall: std::time::Duration,
    pub started: String,
    pub command: Vec<String>,
    /// Every combination's warnings, each once.
    pub warnings: &'a [String],
}

/// A sweep's `manifest.json`: the file and its hashes, the `--set`
/// overrides, each combination's values, paths, seed, threads, times and
/// the coarsest percentile accuracy of any combination.
pub fn sweep_manifest(w: &SweepRun<'_>) -> Vec<u8> {
    let s = w.scenario;
    let worst =
        w.results.iter().map(|r| &r.resolution).max_by(|a, b| a.relative_accuracy().total_cmp(&b.relative_accuracy()));
    let combinations: Vec<serde_json::Value> = w
        .combinations
        .iter()
        .zip(w.results)
        .map(|(c, r)| {
            let values: serde_json::Map<String, serde_json::Value> =
                c.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
            json!({ "values": values, "simulation_time_s": r.elapsed.as_secs_f64() })
        })
        .collect();
    let rest = json!({
        "combinations": combinations,
        "paths": w.results.first().map(|r| r.paths),
        "seed": w.seed,
        "sampling": s.sampling,
        "threads": w.results.first().map(|r| r.threads),
        "wall_time_s": w.wall.as_secs_f64(),
        "percentiles": worst.map(percentiles),
        "warnings": w.warnings,
    });
    let mut out = serde_json::to_vec_pretty(&manifest(s, &w.command, &w.started, rest)).unwrap_or_default();
    out.push(b'\n');
    out
}
