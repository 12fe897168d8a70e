//! `yearly.csv`, `periods.csv` and `summary.csv` (MODEL.md §8): one header row,
//! one row per metric and year (or period) or per summary, plain numbers with a
//! `.` decimal point, so that a spreadsheet opens them as they are.

use std::io::{self, Write};

use super::{Exporter, RunReport};
use crate::model::{Metric, Summary};
use crate::stats::{PERCENTILE_COLUMNS, Stat};

/// A number as it goes into a CSV: the shortest text that reads back to the
/// same double, never in exponent form, and `0` rather than `-0`.
pub fn format_number(x: f64) -> String {
    if x == 0.0 { "0".to_string() } else { format!("{x}") }
}

/// A statistic as it goes into a CSV: [`format_number`], or an empty cell
/// where it is undefined (the sd and se of a single path), as a spreadsheet
/// reads a missing value.
pub fn format_stat(x: f64) -> String {
    if x.is_finite() { format_number(x) } else { String::new() }
}

/// A statistic's mean, sd, se and percentiles as CSV cells.
pub fn stat_fields(s: &Stat) -> Vec<String> {
    let mut f = vec![format_number(s.mean), format_stat(s.sd), format_stat(s.se)];
    f.extend(s.percentiles.iter().map(|p| format_number(*p)));
    f
}

/// A header: `first`, then the statistics' columns of [`stat_fields`].
pub fn stats_header(first: &[&str]) -> Vec<String> {
    let mut h: Vec<String> = first.iter().map(|s| s.to_string()).collect();
    h.extend(["mean", "sd", "se"].iter().map(|s| s.to_string()));
    h.extend(PERCENTILE_COLUMNS.iter().map(|s| s.to_string()));
    h
}

/// A CSV writer with the project's line ends.
pub fn csv_writer(out: &mut dyn Write) -> csv::Writer<&mut dyn Write> {
    csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(out)
}

fn finish(w: csv::Writer<&mut dyn Write>) -> io::Result<()> {
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))?.flush()
}

/// `yearly.csv`: scenario,metric,year,mean,sd,se,p5…p95.
pub struct YearlyCsv;

impl Exporter for YearlyCsv {
    fn file_name(&self) -> &'static str {
        "yearly.csv"
    }
    fn write(&self, r: &RunReport<'_>, out: &mut dyn Write) -> io::Result<()> {
        let mut w = csv_writer(out);
        w.write_record(stats_header(&["scenario", "metric", "year"]))?;
        for m in Metric::ALL {
            for y in 0..r.result.layout.years {
                let mut row = vec![r.scenario.name.clone(), m.name().to_string(), r.model.year(y).to_string()];
                row.extend(stat_fields(r.result.year(m, y)));
                w.write_record(row)?;
            }
        }
        finish(w)
    }
}

/// `periods.csv`: scenario,metric,period,time,year,mean,sd,se,p5…p95, with
/// period k counted from 0, time t(k) = (k + 1)·Δ years from the start, and
/// the calendar year the period falls in (as in paths.csv), for a pivot
/// table by year.
pub struct PeriodsCsv;

impl Exporter for PeriodsCsv {
    fn file_name(&self) -> &'static str {
        "periods.csv"
    }
    fn write(&self, r: &RunReport<'_>, out: &mut dyn Write) -> io::Result<()> {
        let mut w = csv_writer(out);
        w.write_record(stats_header(&["scenario", "metric", "period", "time", "year"]))?;
        let lay = r.result.layout;
        for m in Metric::ALL {
            for k in 0..lay.periods {
                let mut row = vec![
                    r.scenario.name.clone(),
                    m.name().to_string(),
                    k.to_string(),
                    format_number(r.model.time(k)),
                    r.model.year(k / lay.steps_per_year).to_string(),
                ];
                row.extend(stat_fields(r.result.period(m, k)));
                w.write_record(row)?;
            }
        }
        finish(w)
    }
}

/// `summary.csv`: scenario,metric,mean,sd,se,p5…p95.
pub struct SummaryCsv;

impl Exporter for SummaryCsv {
    fn file_name(&self) -> &'static str {
        "summary.csv"
    }
    fn write(&self, r: &RunReport<'_>, out: &mut dyn Write) -> io::Result<()> {
        let mut w = csv_writer(out);
        w.write_record(stats_header(&["scenario", "metric"]))?;
        for s in Summary::ALL {
            let mut row = vec![r.scenario.name.clone(), s.name().to_string()];
            row.extend(stat_fields(r.result.summary(s)));
            w.write_record(row)?;
        }
        finish(w)
    }
}

/// `paths.csv`: the first `paths` paths of the run, one row per path and
/// period, with every per-period quantity of MODEL.md, the years the path's
/// cap bound and its share was terminated (empty if never), and the path's
/// sampled inputs (those repeated on each of its rows, so a spreadsheet can
/// filter by them).
pub struct PathsCsv {
    pub paths: u64,
}

impl Exporter for PathsCsv {
    fn file_name(&self) -> &'static str {
        "paths.csv"
    }
    fn write(&self, r: &RunReport<'_>, out: &mut dyn Write) -> io::Result<()> {
        let m = r.model;
        let lay = m.layout;
        let dilutions = r.scenario.equity.as_ref().map_or(0, |e| e.dilution.len());
        let mut w = csv_writer(out);
        let mut header: Vec<String> =
            ["path", "period", "time", "year", "discount"].iter().map(|s| s.to_string()).collect();
        header.extend(Metric::ALL.iter().map(|x| x.name().to_string()));
        header.extend(["cap_year".to_string(), "terminated_year".to_string()]);
        header.extend(crate::model::Draws::default().columns().iter().map(|(n, _)| format!("input_{n}")));
        for i in 0..dilutions {
            header.push(format!("input_dilution_{i}_fraction"));
            header.push(format!("input_dilution_{i}_happened"));
        }
        w.write_record(&header)?;
        let mut failure = None;
        // `run` refuses, before anything runs, an N beyond the paths it is
        // sure to simulate, so this never cuts the N asked for.
        crate::engine::replay(
            m,
            r.seed,
            r.result.paths,
            self.paths.min(r.result.paths),
            |p, values, events, scratch| {
                if failure.is_some() {
                    return;
                }
                let inputs: Vec<String> = scratch
                    .inputs()
                    .columns()
                    .iter()
                    .map(|(_, v)| if v.is_finite() { format_number(*v) } else { String::new() })
                    .chain(scratch.dilutions().iter().flat_map(|(f, h)| [format_number(*f), u8::from(*h).to_string()]))
                    .collect();
                // The path's own years (MODEL.md §7), empty if never, on each of its rows.
                let year = |y: Option<usize>| y.map_or(String::new(), |y| m.year(y).to_string());
                let (cap_year, terminated_year) = (year(events.cap_year), year(events.terminated_year));
                for k in 0..lay.periods {
                    let mut row = vec![
                        p.to_string(),
                        k.to_string(),
                        format_number(m.time(k)),
                        m.year(k / lay.steps_per_year).to_string(),
                        format_number(m.discount(k)),
                    ];
                    row.extend(Metric::ALL.iter().map(|x| format_number(values[lay.period(*x, k)])));
                    row.extend([cap_year.clone(), terminated_year.clone()]);
                    row.extend(inputs.iter().cloned());
                    if let Err(e) = w.write_record(&row) {
                        failure = Some(e);
                        return;
                    }
                }
            },
        );
        if let Some(e) = failure {
            return Err(e.into());
        }
        finish(w)
    }
}

#[cfg(test)]
mod tests {
    use super::format_number;

    #[test]
    fn numbers_are_plain() {
        assert_eq!(format_number(-0.0), "0");
        assert_eq!(format_number(38.0), "38");
        assert_eq!(format_number(0.1), "0.1");
        assert_eq!(format_number(1e-7), "0.0000001");
        assert_eq!(format_number(1234567.5), "1234567.5");
    }
}
