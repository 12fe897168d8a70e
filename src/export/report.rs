//! `report.md`, one page per scenario: its name and description, the headline
//! numbers the run prints, every chart embedded by relative path, and a line
//! of provenance; and for a run of several scenarios, `comparison/report.md`
//! and `comparison/comparison.csv` (the `summary.csv` columns, one row per
//! scenario and path summary).

use std::fmt::Write as _;
use std::io::{self, Write};

use super::charts::{EmbeddedChart, ScenarioDigest};
use super::csv::{csv_writer, stat_fields, stats_header};
use super::{Exporter, RunReport, count, format_number, money, money_like, percent_of_paths, quantile_money};
use crate::model::Summary;
use crate::model::dist::{Num, as_percent, significant};
use crate::sensitivity::Sensitivity;
use crate::stats::Stat;

/// The path summaries of the headline table, with what they mean; the
/// counter-share's only where the scenario has one.
const HEADLINE: [(Summary, &str); 7] = [
    (Summary::TotalShare, "revenue-share payments, total"),
    (Summary::PvShare, "revenue-share payments, discounted to the start"),
    (Summary::TotalCounter, "counter-share payments back to the payer, total"),
    (Summary::PvNet, "revenue share less counter-share, discounted: what the holder keeps"),
    (Summary::EquityEnd, "equity exposure at the end"),
    (Summary::PvEquity, "equity exposure at the end, discounted"),
    (Summary::PvTotal, "net payments plus final equity, discounted"),
];

/// Whether a headline row belongs in a scenario's table.
fn in_headline(m: Summary, has_counter: bool) -> bool {
    has_counter || !matches!(m, Summary::TotalCounter | Summary::PvNet)
}

/// Text safe to put in Markdown prose or a table cell: characters that
/// would start formatting, a table column or inline maths are escaped.
pub fn markdown_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        if matches!(ch, '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '$' | '~') {
            out.push('\\');
        }
        if ch == '\n' || ch == '\r' {
            out.push(' ');
        } else {
            out.push(ch);
        }
    }
    out
}

/// `report.md` of one scenario, written after every other file of the run.
pub struct ScenarioReport<'a> {
    /// The charts written beside it, in the order to show them.
    pub charts: &'a [EmbeddedChart],
    /// Every other file written beside it.
    pub files: &'a [String],
    /// The sensitivity analysis, where one was run.
    pub sensitivity: Option<&'a Sensitivity>,
}

impl Exporter for ScenarioReport<'_> {
    fn file_name(&self) -> &'static str {
        "report.md"
    }
    fn write(&self, r: &RunReport<'_>, out: &mut dyn Write) -> io::Result<()> {
        out.write_all(scenario_markdown(r, self.charts, self.files, self.sensitivity).as_bytes())
    }
}

/// The cap sentence as the run prints it.
fn cap_sentence(has_cap: bool, hit: f64, modal: Option<i32>, last: i32) -> String {
    if !has_cap {
        return "No cap: the share is never capped.".to_string();
    }
    match modal {
        Some(y) => {
            format!("The cap binds by the end of {last} in {} of paths, most often in {y}.", percent_of_paths(hit))
        }
        None => format!("The cap never binds by the end of {last}."),
    }
}

/// The sensitivity section of a scenario's `report.md`: every input by the
/// swing of pv_total's median, as the run prints the first five.
fn sensitivity_markdown(md: &mut String, a: &Sensitivity) {
    let _ = writeln!(md, "## Sensitivity\n");
    let rows = a.ranked(0);
    if rows.is_empty() {
        let _ = writeln!(
            md,
            "No uncertain inputs to rank: each input that may be a distribution is a single value here.\n"
        );
        return;
    }
    let _ = writeln!(
        md,
        "The median of `pv_total` ({} with every input random) with each uncertain input held at its own P10 and at its P90, largest swing first; \
         every output in `swing.csv`, rank correlations in `sensitivity.csv`.\n",
        quantile_money(a.base[0])
    );
    let _ = writeln!(md, "| input | P10 → median | P90 → median | swing | rank corr |");
    let _ = writeln!(md, "|:--|--:|--:|--:|--:|");
    for i in rows {
        let _ = writeln!(
            md,
            "| `{}` | {} | {} | {} | {} |",
            i.input.key(),
            quantile_money(i.at_low[0]),
            quantile_money(i.at_high[0]),
            money_like(i.swing(0), i.at_low[0].abs().max(i.at_high[0].abs())),
            super::correlation(i.spearman[0])
        );
    }
    md.push('\n');
    for i in a.inert() {
        let _ = writeln!(md, "`{}` moves no output's median: {}.\n", i.input.key(), a.why_inert(i));
    }
}

/// The text of a scenario's `report.md`: `files` are the other files written
/// beside it, `charts` those of them to embed.
pub fn scenario_markdown(
    r: &RunReport<'_>,
    charts: &[EmbeddedChart],
    files: &[String],
    sensitivity: Option<&Sensitivity>,
) -> String {
    let s = r.scenario;
    let res = r.result;
    let mut md = String::new();
    let _ = writeln!(md, "# {}\n", markdown_text(&s.name));
    let described = s.described();
    if !described.is_empty() {
        let _ = writeln!(md, "{}\n", markdown_text(&described));
    }
    let _ = writeln!(
        md,
        "{}–{}, {} a year, discount rate {}% a year; {}{}.\n",
        s.first_year(),
        s.last_year(),
        count(u64::from(s.steps_per_year), "step"),
        format_number(as_percent(s.discount_rate)),
        count(res.paths, "path"),
        if s.sampling == crate::scenario::Sampling::LatinHypercube {
            ", the inputs by Latin hypercube (each se is then a conservative bound)"
        } else {
            ""
        }
    );
    let _ = writeln!(md, "| $B | | mean | median | P5 | P95 |");
    let _ = writeln!(md, "|:--|:--|--:|--:|--:|--:|");
    for (m, meaning) in HEADLINE.into_iter().filter(|(m, _)| in_headline(*m, s.counter_share.is_some())) {
        let st = res.summary(m);
        let _ = writeln!(
            md,
            "| `{}` | {meaning} | {} | {} | {} | {} |",
            m.name(),
            money(st.mean),
            quantile_money(st.median()),
            quantile_money(st.percentiles[0]),
            quantile_money(st.percentiles[6])
        );
    }
    let last = s.share_last_year();
    let modal = res.modal_cap_year().map(|y| r.model.year(y));
    let hit = res.summary(Summary::CapHit).mean;
    let _ = writeln!(md, "\n{}\n", cap_sentence(s.revenue_share.cap.is_some(), hit, modal, last));
    if let Some((m, o, max_paths)) = r.precision {
        let _ = writeln!(
            md,
            "{}: the standard error of the mean of `{}` is {} for a target of {} (`--target-se`), with {}{}.{}\n",
            if o.met { "Precision target reached" } else { "**Precision target not reached**" },
            m.name(),
            Num(significant(o.se)),
            Num(significant(o.target)),
            count(res.paths, "path"),
            if o.met { String::new() } else { format!(", the most `--max-paths` allows ({max_paths})") },
            if res.summary(m).sd == 0.0 {
                format!(
                    " `{}` is the same on every path, so any run meets the target: it says nothing about the precision of the other results.",
                    m.name()
                )
            } else {
                String::new()
            }
        );
    }
    if s.revenue_share.termination_rate > 0.0 {
        let _ = writeln!(
            md,
            "The share is terminated early in {} of paths (termination_rate {} a year), and pays nothing after.\n",
            percent_of_paths(res.terminated_fraction()),
            s.revenue_share.termination_rate
        );
    }
    if let Some(a) = sensitivity {
        sensitivity_markdown(&mut md, a);
    }
    if !charts.is_empty() {
        let _ = writeln!(md, "## Charts\n");
        for c in charts {
            let _ = writeln!(md, "![{}]({})\n", markdown_text(&c.alt), c.file);
        }
    }
    let _ = writeln!(md, "---\n");
    let files: Vec<String> = files.iter().map(|f| format!("`{f}`")).collect();
    let _ = writeln!(
        md,
        "Scenario file `{}` · {} · seed {} · revshare {} · run started {} · files: {}",
        s.file.display(),
        count(res.paths, "path"),
        r.seed,
        env!("CARGO_PKG_VERSION"),
        r.started,
        files.join(", ")
    );
    md
}

fn interval(st: &Stat) -> String {
    format!(
        "{} ({}–{})",
        quantile_money(st.median()),
        quantile_money(st.percentiles[0]),
        quantile_money(st.percentiles[6])
    )
}

/// The text of `comparison/report.md`.
pub fn comparison_markdown(runs: &[ScenarioDigest], charts: &[EmbeddedChart]) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# Scenarios compared\n");
    let _ = writeln!(
        md,
        "{} scenarios. Amounts in $B: the mean (the expected value, the figure to quote as what the terms are worth), then the median and, in brackets, the P5–P95 range of the simulated paths.\n",
        runs.len()
    );
    // With a counter-share anywhere, what the holder pays back and keeps
    // (pv_share alone would overstate what terms with one are worth).
    let counter = runs.iter().any(|r| r.has_counter);
    let columns: Vec<Summary> = [
        Summary::TotalShare,
        Summary::PvShare,
        Summary::TotalCounter,
        Summary::PvNet,
        Summary::PvEquity,
        Summary::PvTotal,
    ]
    .into_iter()
    .filter(|m| in_headline(*m, counter))
    .collect();
    let names: Vec<&str> = columns.iter().map(|m| m.name()).collect();
    let _ = writeln!(md, "**Means**\n");
    let _ = writeln!(md, "| scenario | {} |", names.join(" | "));
    let _ = writeln!(md, "|:--|{}", "--:|".repeat(columns.len()));
    for r in runs {
        let cells: Vec<String> = columns.iter().map(|m| money(r.summary(*m).mean)).collect();
        let _ = writeln!(md, "| [{}](../{}/report.md) | {} |", markdown_text(&r.name), r.name, cells.join(" | "));
    }
    let _ = writeln!(md, "\n**Medians (P5–P95)**\n");
    let _ = writeln!(md, "| scenario | {} | cap binds by the end | most often in |", names.join(" | "));
    let _ = writeln!(md, "|:--|{}--:|--:|", "--:|".repeat(columns.len()));
    for r in runs {
        let (hit, modal) = if r.has_cap {
            (
                format!("{} by {}", percent_of_paths(r.summary(Summary::CapHit).mean), r.share_last_year),
                r.modal_cap_year.map_or("never".to_string(), |y| y.to_string()),
            )
        } else {
            ("no cap".to_string(), "–".to_string())
        };
        let cells: Vec<String> = columns.iter().map(|m| interval(r.summary(*m))).collect();
        let _ = writeln!(
            md,
            "| [{}](../{}/report.md) | {} | {hit} | {modal} |",
            markdown_text(&r.name),
            r.name,
            cells.join(" | ")
        );
    }
    if counter {
        let _ = writeln!(
            md,
            "\n`pv_net` is `pv_share` less the counter-share payments, discounted the same way (`total_counter` is their undiscounted total): \
             what the holder keeps. Compare it, not `pv_share`, between terms with a counter-share and terms without one."
        );
    }
    // What makes the columns not like for like: different years, or
    // present values at different rates.
    let each = |f: &dyn Fn(&ScenarioDigest) -> String| -> Option<String> {
        let values: Vec<String> = runs.iter().map(f).collect();
        values.iter().any(|v| *v != values[0]).then(|| {
            runs.iter()
                .zip(&values)
                .map(|(r, v)| format!("{} {v}", markdown_text(&r.name)))
                .collect::<Vec<_>>()
                .join(", ")
        })
    };
    if let Some(years) = each(&|r| format!("{}–{}", r.first_year, r.last_year)) {
        let _ = writeln!(
            md,
            "\n**The scenarios cover different years** ({years}): their totals and present values add up different horizons."
        );
    } else if let Some(until) = each(&|r| format!("through {}", r.share_last_year)) {
        let _ = writeln!(
            md,
            "\n**The shares accrue over different years** ({until}): their totals and present values add up different horizons."
        );
    }
    if let Some(rates) = each(&|r| format!("{}%", format_number(as_percent(r.discount_rate)))) {
        let _ = writeln!(
            md,
            "\n**The present values use different discount rates** ({rates}): compare the pv columns with that in mind."
        );
    }
    for r in runs {
        if let Some((share, rate)) = r.terminated {
            let _ = writeln!(
                md,
                "\nIn **{}** the share is terminated early in {} of paths (termination_rate {} a year), and pays nothing after.",
                markdown_text(&r.name),
                percent_of_paths(share),
                format_number(rate)
            );
        }
    }
    let line = |r: &ScenarioDigest| match (r.description.is_empty(), r.overrides.is_empty()) {
        (_, true) => r.description.clone(),
        (true, false) => r.overrides.clone(),
        (false, false) => format!("{} — {}", r.description, r.overrides),
    };
    let described: Vec<&ScenarioDigest> = runs.iter().filter(|r| !line(r).is_empty()).collect();
    if !described.is_empty() {
        md.push('\n');
        for r in described {
            let _ = writeln!(md, "- **{}**: {}", markdown_text(&r.name), markdown_text(&line(r)));
        }
    }
    if !charts.is_empty() {
        let _ = writeln!(md, "\n## Charts\n");
        for c in charts {
            let _ = writeln!(md, "![{}]({})\n", markdown_text(&c.alt), c.file);
        }
    }
    let _ = writeln!(md, "\n---\n");
    for r in runs {
        let _ = writeln!(
            md,
            "- `{}`: scenario file `{}` · {} · seed {} · run started {}",
            r.name,
            r.file,
            count(r.paths, "path"),
            r.seed,
            r.started
        );
    }
    let _ = writeln!(md, "\nrevshare {} · table also in `comparison.csv`", env!("CARGO_PKG_VERSION"));
    md
}

/// `comparison.csv`: scenario,metric,mean,sd,se,p5…p95, one row per scenario
/// and path summary, numbers written as in `summary.csv`.
pub fn comparison_csv(runs: &[ScenarioDigest]) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut w = csv_writer(&mut out);
    w.write_record(stats_header(&["scenario", "metric"]))?;
    for r in runs {
        for m in Summary::ALL {
            let mut row = vec![r.name.clone(), m.name().to_string()];
            row.extend(stat_fields(r.summary(m)));
            w.write_record(&row)?;
        }
    }
    w.flush()?;
    drop(w);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::markdown_text;

    #[test]
    fn markdown_is_escaped() {
        assert_eq!(markdown_text("from $30B to $50B"), "from \\$30B to \\$50B");
        assert_eq!(markdown_text("a|b *c* <d>"), "a\\|b \\*c\\* \\<d\\>");
        assert_eq!(markdown_text("two\nlines"), "two lines");
        assert_eq!(markdown_text("20% through 2030"), "20% through 2030");
    }
}
