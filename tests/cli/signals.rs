//! Interrupted runs: Ctrl-C (SIGINT) or SIGTERM sent to a real running process
//! stops it promptly with exit code 130, keeps the scenarios that had finished,
//! and leaves no temporary or half-written files.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{MINIMAL, Workspace};

fn wait_for(path: &Path, limit: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if path.exists() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

fn interrupt_a_run(signal: &str) {
    let ws = Workspace::new();
    ws.file("a-quick.toml", &format!("paths = 1000\n{MINIMAL}"));
    ws.file("b-long.toml", &format!("paths = 2000000000\n{MINIMAL}"));
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("revshare"))
        .current_dir(ws.path())
        .args(["run", "a-quick.toml", "b-long.toml", "--out", "out", "--threads", "2"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start revshare");
    assert!(
        wait_for(&ws.path().join("out/a-quick/summary.csv"), Duration::from_secs(20)),
        "the first scenario never finished"
    );
    std::thread::sleep(Duration::from_millis(300));
    let sent = Instant::now();
    let status = Command::new("kill").args([signal, &child.id().to_string()]).status().expect("kill");
    assert!(status.success());
    let code = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s.code();
        }
        assert!(sent.elapsed() < Duration::from_secs(10), "did not stop within 10 s of {signal}");
        std::thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(code, Some(130), "exit code after {signal}");
    assert!(sent.elapsed() < Duration::from_secs(3), "took {:?} to stop", sent.elapsed());
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert!(stderr.contains("interrupted"), "{stderr}");
    // The finished scenario is kept whole; the interrupted one left nothing.
    for f in ["yearly.csv", "summary.csv", "periods.csv", "manifest.json", "report.md"] {
        assert!(ws.path().join("out/a-quick").join(f).is_file(), "{f} of the finished scenario is missing");
    }
    let entries: Vec<String> = std::fs::read_dir(ws.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(entries, vec!["a-quick".to_string()], "left behind: {entries:?}");
}

#[test]
fn ctrl_c_stops_promptly_and_keeps_finished_scenarios() {
    interrupt_a_run("-INT");
}

#[test]
fn sigterm_stops_promptly_and_keeps_finished_scenarios() {
    interrupt_a_run("-TERM");
}
