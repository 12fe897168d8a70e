//! Charts and reports (issue 3): every chart file of a run, its size, that it
//! is not blank, its text in SVG, the same bytes on every run and without
//! fontconfig, `--chart-size`, `--format`, `--no-charts`, `report.md` and the
//! comparison folder.

use std::collections::BTreeSet;
use std::path::Path;

use predicates::prelude::*;

use crate::common::{MINIMAL, Workspace, repo, succeeds};

const SCENARIO_CHARTS: [&str; 6] =
    ["revenue", "cumulative_payment", "cap_probability", "equity_value", "pv_total", "total_share"];
const COMPARISON_CHARTS: [&str; 5] = ["total_share", "pv_share", "pv_equity", "pv_total", "cap_probability"];

/// A capped deal with equity and a dilution year.
const DEAL: &str = r#"
name = "deal"
description = "A capped deal for the tests"
years = [2026, 2028]
discount_rate = 0.1
[revenue]
initial = 20.0
growth = 0.5
volatility = 0.2
[revenue_share]
rate = 0.2
cap = 20.0
[equity]
stake = 0.27
multiple = 30
[[equity.dilution]]
year = 2027
fraction = 0.05
probability = 0.5
"#;

/// No cap and no equity, monthly steps.
const PLAIN: &str = r#"
name = "plain"
years = [2026, 2027]
steps_per_year = 12
[revenue]
initial = 20.0
growth = 0.5
volatility = 0.1
[revenue_share]
rate = 0.2
"#;

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn text(p: &Path) -> String {
    String::from_utf8(read(p)).unwrap()
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

/// Distinct colours, and distinct colours that are not grey, between the
/// heading and the footer.
fn colours(bytes: &[u8]) -> (usize, usize) {
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    let (w, h) = (info.width as usize, info.height as usize);
    let mut seen = BTreeSet::new();
    for y in h * 3 / 20..h * 22 / 25 {
        for x in w / 20..w * 97 / 100 {
            let i = (y * w + x) * 3;
            seen.insert((buf[i], buf[i + 1], buf[i + 2]));
        }
    }
    let coloured = seen.iter().filter(|(r, g, b)| !(r == g && g == b)).count();
    (seen.len(), coloured)
}

/// `revshare run` on the shipped amended-2026 scenario with `args`, which
/// must succeed.
fn run_shipped(ws: &Workspace, args: &[&str]) {
    ws.cmd().arg("run").arg(repo().join("scenarios/amended-2026.toml")).args(args).assert().success();
}

fn two_scenarios() -> Workspace {
    let ws = Workspace::new();
    ws.file("sc/deal.toml", DEAL);
    ws.file("sc/plain.toml", PLAIN);
    ws
}

#[test]
fn run_draws_every_chart_in_png_and_svg() {
    let ws = two_scenarios();
    ws.cmd()
        .args(["run", "sc", "--paths", "3000", "--format", "png,svg"])
        .assert()
        .success()
        .stdout(predicate::str::contains("revenue.png, revenue.svg"))
        .stdout(predicate::str::contains("report.md"))
        .stdout(predicate::str::contains("comparison of 2 scenarios"));
    for name in ["deal", "plain"] {
        let dir = ws.path().join("output").join(name);
        for chart in SCENARIO_CHARTS {
            let png = read(&dir.join(format!("{chart}.png")));
            assert_eq!(png_size(&png), (1600, 900), "{name}/{chart}.png");
            let (all, coloured) = colours(&png);
            assert!(all >= 4, "{name}/{chart}.png looks blank: {all} colours");
            let empty = name == "plain" && matches!(chart, "cap_probability" | "equity_value");
            if !empty {
                assert!(coloured >= 2, "{name}/{chart}.png: no data drawn");
            }
            let svg = text(&dir.join(format!("{chart}.svg")));
            assert!(svg.starts_with("<svg width=\"1600\" height=\"900\""), "{name}/{chart}.svg");
            assert!(svg.contains("font-family=\"Noto Sans, sans-serif\""), "{name}/{chart}.svg: font");
            assert!(svg.contains(&format!("{name} — ")), "{name}/{chart}.svg: title names the scenario");
            assert!(svg.contains("revshare ") && svg.contains("seed 1"), "{name}/{chart}.svg: footer");
        }
    }
    let deal = |chart: &str| text(&ws.path().join(format!("output/deal/{chart}.svg")));
    let revenue = deal("revenue");
    assert!(revenue.contains("deal — the payer&apos;s revenue per quarter"));
    assert!(revenue.contains("A capped deal for the tests"), "subtitle");
    assert!(revenue.contains("Revenue per quarter ($B)"), "y axis title");
    for year in ["2026", "2027", "2028"] {
        assert!(revenue.contains(&format!("\n{year}\n")), "year tick {year}");
    }
    assert!(deal("cumulative_payment").contains("cap $20B"));
    assert!(deal("cumulative_payment").contains("share period ends (end of 2028)"));
    assert!(deal("cap_probability").contains("Probability (% of paths)"));
    assert!(deal("cap_probability").contains("\n100%\n"));
    assert!(deal("equity_value").contains("dilution 2027: 5% (50% chance)"));
    assert!(deal("pv_total").contains("discounted at 10% a year ($B)"));
    assert!(deal("total_share").contains("Share of paths (%)"));
    assert!(deal("total_share").contains("pay the full $20B cap"));
    let plain = |chart: &str| text(&ws.path().join(format!("output/plain/{chart}.svg")));
    assert!(plain("revenue").contains("Revenue per month ($B)"));
    assert!(plain("cap_probability").contains("No cap in this scenario"));
    assert!(plain("equity_value").contains("No equity stake in this scenario"));

    let cmp = ws.path().join("output/comparison");
    for chart in COMPARISON_CHARTS {
        let png = read(&cmp.join(format!("{chart}.png")));
        assert_eq!(png_size(&png), (1600, 900), "comparison/{chart}.png");
        assert!(colours(&png).1 >= 2, "comparison/{chart}.png: no data drawn");
        let svg = text(&cmp.join(format!("{chart}.svg")));
        assert!(svg.contains("Scenarios compared — "), "comparison/{chart}.svg: title");
        assert!(svg.contains("\ndeal\n"), "comparison/{chart}.svg: scenario name");
    }
    assert!(text(&cmp.join("cap_probability.svg")).contains("plain has no cap"));
}

#[test]
fn report_md_has_the_headline_the_charts_and_provenance() {
    let ws = two_scenarios();
    ws.cmd().args(["run", "sc/deal.toml", "--paths", "2000", "--seed", "9"]).assert().success();
    let md = text(&ws.path().join("output/deal/report.md"));
    assert!(md.starts_with("# deal\n"));
    assert!(md.contains("A capped deal for the tests"));
    for metric in ["`total_share`", "`pv_share`", "`equity_end`", "`pv_equity`", "`pv_total`"] {
        assert!(md.contains(metric), "{metric} missing from the headline table");
    }
    assert!(md.contains("| $B | | mean | median | P5 | P95 |"));
    assert!(md.contains("The cap binds by the end of 2028 in"), "{md}");
    assert!(md.contains("most often in"));
    for chart in SCENARIO_CHARTS {
        assert!(md.contains(&format!("]({chart}.png)")), "{chart} not embedded");
    }
    assert!(md.contains("seed 9") && md.contains("2000 paths") && md.contains("revshare "));
    assert!(md.contains("sc/deal.toml"));
    assert!(!ws.path().join("output/comparison").exists(), "one scenario: no comparison");
    // A scenario without a cap: its cap chart, which only says so, is
    // written (every scenario has the same files) but not shown.
    ws.cmd().args(["run", "sc/plain.toml", "--paths", "500", "-q"]).assert().success();
    let md = text(&ws.path().join("output/plain/report.md"));
    assert!(md.contains("No cap: the share is never capped."), "{md}");
    for chart in SCENARIO_CHARTS {
        assert_eq!(md.contains(&format!("]({chart}.png)")), chart != "cap_probability", "{chart} in plain's report");
    }
    assert!(ws.path().join("output/plain/cap_probability.png").is_file());
    // Nor in a comparison of scenarios none of which has a cap.
    ws.file("flat/a.toml", PLAIN);
    ws.file("flat/b.toml", &PLAIN.replace("name = \"plain\"", "name = \"plain2\""));
    ws.cmd().args(["run", "flat", "--paths", "500", "-q", "--out", "flat-out"]).assert().success();
    let md = text(&ws.path().join("flat-out/comparison/report.md"));
    assert!(md.contains("](pv_total.png)") && !md.contains("](cap_probability.png)"), "{md}");
}

#[test]
fn comparison_folder_has_csv_charts_and_report() {
    let ws = two_scenarios();
    ws.cmd().args(["run", "sc", "--paths", "1000"]).assert().success();
    let cmp = ws.path().join("output/comparison");
    let csv = text(&cmp.join("comparison.csv"));
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("scenario,metric,mean,sd,se,p5,p10,p25,p50,p75,p90,p95"));
    assert_eq!(csv.lines().count(), 1 + 2 * 8);
    assert!(csv.contains("\ndeal,total_share,") && csv.contains("\nplain,cap_hit,"));
    // The same numbers as each scenario's summary.csv.
    let summary = text(&ws.path().join("output/deal/summary.csv"));
    for line in summary.lines().skip(1) {
        assert!(csv.contains(line), "{line} not in comparison.csv");
    }
    let md = text(&cmp.join("report.md"));
    assert!(md.contains("[deal](../deal/report.md)") && md.contains("[plain](../plain/report.md)"));
    assert!(md.contains("no cap"));
    // The means, the figures to quote, in a table of their own: each the
    // comparison.csv mean to two decimals, in the headline's columns.
    let means = md.split("**Means**").nth(1).and_then(|t| t.split("**Medians").next()).expect("a table of means");
    for line in csv.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        if ["total_share", "pv_share", "pv_equity", "pv_total"].contains(&cells[1]) {
            let mean = format!("{:.2}", cells[2].parse::<f64>().unwrap());
            let row = means.lines().find(|l| l.starts_with(&format!("| [{}]", cells[0]))).unwrap();
            assert!(row.contains(&format!("| {mean} |")), "{mean} in {row}");
        }
    }
    for chart in COMPARISON_CHARTS {
        assert!(cmp.join(format!("{chart}.png")).is_file(), "{chart}.png");
        assert!(md.contains(&format!("]({chart}.png)")), "{chart} not embedded");
    }
    let hidden: Vec<String> = std::fs::read_dir(ws.path().join("output"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(hidden.is_empty(), "staging folders left behind: {hidden:?}");
}

/// --sensitivity draws a tornado for pv_share beside pv_total's, from the
/// pv_share rows of swing.csv: its base median is theirs.
#[test]
fn the_share_has_a_tornado_of_its_own() {
    let ws = Workspace::new();
    run_shipped(&ws, &["--paths", "3000", "--sensitivity", "--format", "svg", "-q", "--out", "o"]);
    let dir = ws.path().join("o/amended-2026");
    let share = text(&dir.join("tornado_share.svg"));
    assert!(share.contains("amended-2026 — what moves the median pv_share"), "title");
    assert!(share.contains("Median present value of the revenue-share payments ($B)"), "axis title");
    assert!(text(&dir.join("tornado.svg")).contains("amended-2026 — what moves the median pv_total"));
    let swing = text(&dir.join("swing.csv"));
    let base: f64 = swing
        .lines()
        .find(|l| l.contains(",pv_share,"))
        .and_then(|l| l.split(',').nth(7))
        .and_then(|b| b.parse().ok())
        .expect("a pv_share row in swing.csv");
    let label = format!("base median ${}B", if base >= 100.0 { format!("{base:.0}") } else { format!("{base:.1}") });
    assert!(share.contains(&label), "{label} not in tornado_share.svg");
    assert!(text(&dir.join("report.md")).contains("](tornado_share.svg)"));
}

/// The same run gives the same chart bytes on any number of threads, the
/// sensitivity's tornado and a sweep's chart included.
#[test]
fn same_run_gives_the_same_png_bytes_whatever_the_threads() {
    let ws = two_scenarios();
    for (threads, out) in [("1", "a"), ("3", "b")] {
        ws.cmd()
            .args(["run", "sc", "--paths", "5000", "--sensitivity", "--threads", threads, "--out", out])
            .assert()
            .success();
        ws.cmd()
            .args(["sweep", "sc/deal.toml", "--vary", "discount_rate=0.05,0.1,0.15", "--paths", "2000"])
            .args(["--threads", threads, "--out", out])
            .assert()
            .success();
    }
    let mut files: Vec<String> =
        vec!["deal/tornado.png".into(), "deal/tornado_share.png".into(), "deal-sweep/sweep.png".into()];
    for dir in ["deal", "plain", "comparison"] {
        let charts: &[&str] = if dir == "comparison" { &COMPARISON_CHARTS } else { &SCENARIO_CHARTS };
        files.extend(charts.iter().map(|chart| format!("{dir}/{chart}.png")));
    }
    for file in files {
        assert!(read(&ws.path().join("a").join(&file)) == read(&ws.path().join("b").join(&file)), "{file} differs");
    }
}

#[test]
fn charts_draw_the_same_without_fontconfig() {
    let ws = two_scenarios();
    ws.file(
        "fonts/empty.conf",
        "<?xml version=\"1.0\"?>\n<!DOCTYPE fontconfig SYSTEM \"fonts.dtd\">\n<fontconfig></fontconfig>\n",
    );
    std::fs::create_dir_all(ws.path().join("fonts/none")).unwrap();
    ws.cmd().args(["run", "sc/deal.toml", "--paths", "2000", "--out", "normal"]).assert().success();
    ws.cmd()
        .args(["run", "sc/deal.toml", "--paths", "2000", "--out", "bare"])
        .env("FONTCONFIG_FILE", ws.path().join("fonts/empty.conf"))
        .env("FONTCONFIG_PATH", ws.path().join("fonts/none"))
        .env("XDG_DATA_HOME", ws.path().join("fonts/none"))
        .env("HOME", ws.path().join("fonts/none"))
        .assert()
        .success();
    for chart in SCENARIO_CHARTS {
        let file = format!("deal/{chart}.png");
        let bare = read(&ws.path().join("bare").join(&file));
        assert!(colours(&bare).0 >= 4, "{file} blank without fontconfig");
        assert!(bare == read(&ws.path().join("normal").join(&file)), "{file} differs without fontconfig");
    }
}

#[test]
fn chart_size_sets_the_pixels() {
    let ws = Workspace::new();
    ws.file("deal.toml", MINIMAL);
    ws.cmd().args(["run", "deal.toml", "--paths", "1000", "--chart-size", "800x450"]).assert().success();
    for chart in SCENARIO_CHARTS {
        let png = read(&ws.path().join(format!("output/deal/{chart}.png")));
        assert_eq!(png_size(&png), (800, 450), "{chart}");
    }
}

#[test]
fn bad_chart_sizes_and_formats_are_usage_errors() {
    let ws = Workspace::new();
    ws.file("deal.toml", MINIMAL);
    for bad in ["1600", "0x0", "10x10", "axb", "1600x-900", "99999x900", "1600x900x2"] {
        ws.cmd()
            .args(["run", "deal.toml", "--paths", "100", "--chart-size", bad])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("is not a chart size"))
            .stderr(predicate::str::contains("such as 1600x900"));
    }
    ws.cmd()
        .args(["run", "deal.toml", "--paths", "100", "--format", "gif"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("png"))
        .stderr(predicate::str::contains("svg"));
    ws.cmd().args(["run", "deal.toml", "--no-charts", "--format", "svg"]).assert().code(2);
    assert!(!ws.path().join("output/deal").exists(), "nothing run after a usage error");
}

#[test]
fn svg_only_and_no_charts() {
    let ws = Workspace::new();
    ws.file("deal.toml", MINIMAL);
    ws.cmd().args(["run", "deal.toml", "--paths", "500", "--format", "svg"]).assert().success();
    let dir = ws.path().join("output/deal");
    for chart in SCENARIO_CHARTS {
        assert!(dir.join(format!("{chart}.svg")).is_file());
        assert!(!dir.join(format!("{chart}.png")).exists());
    }
    assert!(text(&dir.join("report.md")).contains("](revenue.svg)"));

    ws.cmd()
        .args(["run", "deal.toml", "--paths", "500", "--no-charts"])
        .assert()
        .success()
        .stdout(predicate::str::contains("manifest.json, report.md)"));
    let names: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(names.iter().all(|n| !n.ends_with(".png") && !n.ends_with(".svg")), "{names:?}");
    let md = text(&dir.join("report.md"));
    assert!(md.contains("`total_share`") && !md.contains("## Charts"));
}

/// The cap can bind no later than the share's last year (`until`), and
/// cap_probability's note says so, as the console does: not the last
/// simulated year.
#[test]
fn the_cap_note_ends_with_the_share() {
    let ws = Workspace::new();
    // About 12.3 paid by the end of 2027 on the median path.
    ws.file(
        "late.toml",
        &MINIMAL
            .replace("growth = 0.5", "growth = 0.5\nvolatility = 0.2")
            .replace("cap = 20.0", "cap = 13.0\nuntil = 2027"),
    );
    ws.file("never.toml", &MINIMAL.replace("cap = 20.0", "cap = 600.0\nuntil = 2027"));
    ws.cmd().args(["run", "late.toml", "never.toml", "--paths", "500", "--format", "svg"]).assert().success();
    let late = text(&ws.path().join("output/late/cap_probability.svg"));
    assert!(late.contains("Fewer than half the paths hit the cap by the end of 2027."), "{late}");
    let never = text(&ws.path().join("output/never/cap_probability.svg"));
    assert!(never.contains("The cap never binds by the end of 2027 on any path."), "{never}");
}

/// A run of one scenario replaces its folder but not `comparison/`, which an
/// earlier run of several wrote: when its figures change, the run warns that
/// the comparison is out of date and names what to run together again; a
/// run that gives the same figures (the same settings again) does not.
#[test]
fn a_comparison_left_out_of_date_is_warned_about() {
    let ws = two_scenarios();
    let quick = ["--paths", "500", "--no-charts", "-q"];
    let cap30 = ["--set", "revenue_share.cap=30"];
    succeeds(ws.cmd().args(["run", "sc"]).args(quick));
    let (_, stderr) = succeeds(ws.cmd().args(["run", "sc/deal.toml"]).args(quick));
    assert!(!stderr.contains("out of date"), "the same figures: {stderr}");
    let (_, stderr) = succeeds(ws.cmd().args(["run", "sc/deal.toml"]).args(quick).args(cap30));
    assert!(stderr.contains("comparison: compares deal as an earlier run left it"), "{stderr}");
    assert!(
        stderr.contains("fix: run the scenarios it compares (deal, plain) together again, or delete it"),
        "{stderr}"
    );
    // Running them together brings it up to date, and the warning goes.
    succeeds(ws.cmd().args(["run", "sc"]).args(quick).args(cap30));
    let (_, stderr) = succeeds(ws.cmd().args(["run", "sc/deal.toml"]).args(quick).args(cap30));
    assert!(!stderr.contains("out of date"), "{stderr}");
}

/// comparison/report.md says what makes its columns not like for like:
/// scenarios over different years, present values at different discount
/// rates; and, as a scenario's report does, how often a scenario with a
/// termination_rate was terminated early. Like scenarios say none of it.
#[test]
fn the_comparison_says_what_is_not_like_for_like() {
    let ws = Workspace::new();
    ws.file("a.toml", &format!("name = \"a\"\ndiscount_rate = 0.07\n{MINIMAL}"));
    ws.file(
        "b.toml",
        &format!(
            "name = \"b\"\n{}",
            MINIMAL.replace("[2026, 2028]", "[2026, 2027]").replace("cap = 20.0", "termination_rate = 0.5")
        ),
    );
    ws.file("c.toml", &format!("name = \"c\"\ndiscount_rate = 0.07\n{MINIMAL}"));
    ws.cmd().args(["run", "a.toml", "b.toml", "--paths", "2000", "--no-charts", "-q"]).assert().success();
    let md = text(&ws.path().join("output/comparison/report.md"));
    assert!(md.contains("**The scenarios cover different years** (a 2026–2028, b 2026–2027)"), "{md}");
    assert!(md.contains("**The present values use different discount rates** (a 7%, b 0%)"), "{md}");
    assert!(md.contains("In **b** the share is terminated early in "), "{md}");
    assert!(md.contains("(termination_rate 0.5 a year), and pays nothing after."), "{md}");
    ws.cmd().args(["run", "a.toml", "c.toml", "--paths", "2000", "--no-charts", "-q"]).assert().success();
    let md = text(&ws.path().join("output/comparison/report.md"));
    assert!(
        !md.contains("different years") && !md.contains("different discount") && !md.contains("terminated"),
        "{md}"
    );
    // The same years, but a share that stops earlier.
    ws.file(
        "d.toml",
        &format!("name = \"d\"\ndiscount_rate = 0.07\n{}", MINIMAL.replace("cap = 20.0", "cap = 20.0\nuntil = 2027")),
    );
    ws.cmd().args(["run", "a.toml", "d.toml", "--paths", "2000", "--no-charts", "-q"]).assert().success();
    let md = text(&ws.path().join("output/comparison/report.md"));
    assert!(md.contains("**The shares accrue over different years** (a through 2028, d through 2027)"), "{md}");
    assert!(!md.contains("cover different years"), "{md}");
}

/// At the smallest chart size, an axis title too long for its axis is
/// shortened before its unit, never through it: "Stake × valuation at
/// period… ($B)", not "Stake × valuation at period end…".
#[test]
fn small_charts_keep_their_axis_titles_units() {
    let ws = Workspace::new();
    run_shipped(&ws, &["--paths", "500", "--chart-size", "400x300", "--format", "svg", "-q", "--out", "small"]);
    let dir = ws.path().join("small/amended-2026");
    let titles = |chart: &str| -> Vec<String> {
        let svg = text(&dir.join(format!("{chart}.svg")));
        svg.split("</text>")
            .filter_map(|t| t.rsplit('>').next())
            .map(|t| t.trim().to_string())
            .filter(|t| t.ends_with("($B)") || t.ends_with("(% of paths)") || t.ends_with("(%)"))
            .collect()
    };
    for (chart, unit) in [
        ("equity_value", "($B)"),
        ("pv_total", "($B)"),
        ("total_share", "($B)"),
        ("revenue", "($B)"),
        ("cumulative_payment", "($B)"),
        ("cap_probability", "(% of paths)"),
    ] {
        let t = titles(chart);
        assert!(t.iter().any(|t| t.ends_with(unit)), "{chart}.svg has no axis title in {unit}: {t:?}");
    }
    // One of them was shortened, so the case is in point.
    assert!(titles("equity_value").iter().any(|t| t.ends_with("… ($B)")), "{:?}", titles("equity_value"));
    // The description, too long for the subtitle, is cut between words.
    let description = "April 2026 terms: 20% of revenue through 2030, capped at $38B; base growth";
    let svg = text(&dir.join("revenue.svg"));
    let cut = svg
        .split("</text>")
        .filter_map(|t| t.rsplit('>').next())
        .map(str::trim)
        .find_map(|t| t.strip_suffix('…').filter(|head| description.starts_with(*head)))
        .expect("a shortened subtitle");
    assert!(description[cut.len()..].starts_with(' '), "cut inside a word: {cut}…");
}
