//! The floor of a run, for `benches/table.py`: draws exactly the random
//! variates `revshare run` would consume for a scenario, seed, path count and
//! thread count, with the same generators and chunks, and prints the time.
//!
//! `cargo bench --bench floor -- SCENARIO PATHS THREADS [SEED]`

use std::path::Path;

use revshare::engine;
use revshare::model::Model;
use revshare::scenario::{Scenario, parse_count};

fn main() {
    // cargo passes `--bench`; skip flags.
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let scenario = args.first().map_or("scenarios/amended-2026.toml", String::as_str);
    let paths = args.get(1).and_then(|p| parse_count(p)).unwrap_or(1_000_000);
    let threads = args.get(2).and_then(|t| t.parse().ok()).unwrap_or(0);
    let seed = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(1);
    let s = match Scenario::load(Path::new(scenario)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let m = Model::new(&s);
    let (elapsed, checksum) = engine::floor(&m, paths, seed, threads).expect("floor");
    println!(
        "floor_s={:.6} paths={paths} periods={} threads={threads} checksum={checksum:.6e}",
        elapsed.as_secs_f64(),
        m.layout.periods
    );
}
