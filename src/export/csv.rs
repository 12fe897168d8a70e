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

fn stat_fields(s: &Stat) -> Vec<String> {
    let mut f = vec![format_number(s.mean), format_number(s.sd), format_number(s.se)];
    f.extend(s.percentiles.iter().map(|p| format_number(*p)));
    f
}

fn header(first: &[&str]) -> Vec<String> {
    let mut h: Vec<String> = first.iter().map(|s| s.to_string()).collect();
    h.extend(["mean", "sd", "se"].iter().map(|s| s.to_string()));
    h.extend(PERCENTILE_COLUMNS.iter().map(|s| s.to_string()));
    h
}

fn writer(out: &mut dyn Write) -> csv::Writer<&mut dyn Write> {
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
        let mut w = writer(out);
        w.write_record(header(&["scenario", "metric", "year"]))?;
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

/// `periods.csv`: scenario,metric,period,time,mean,sd,se,p5…p95, with period k
/// counted from 0 and time t(k) = (k + 1)·Δ years from the start.
pub struct PeriodsCsv;

impl Exporter for PeriodsCsv {
    fn file_name(&self) -> &'static str {
        "periods.csv"
    }
    fn write(&self, r: &RunReport<'_>, out: &mut dyn Write) -> io::Result<()> {
        let mut w = writer(out);
        w.write_record(header(&["scenario", "metric", "period", "time"]))?;
        for m in Metric::ALL {
            for k in 0..r.result.layout.periods {
                let mut row =
                    vec![r.scenario.name.clone(), m.name().to_string(), k.to_string(), format_number(r.model.time(k))];
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
        let mut w = writer(out);
        w.write_record(header(&["scenario", "metric"]))?;
        for s in Summary::ALL {
            let mut row = vec![r.scenario.name.clone(), s.name().to_string()];
            row.extend(stat_fields(r.result.summary(s)));
            w.write_record(row)?;
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
