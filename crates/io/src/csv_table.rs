use std::path::Path;

use emergent_attribution::{AgentIds, FeatureTable};

use crate::error::IoError;
use crate::skipped::{SkippedColumn, TableRead};
use crate::{IdColumn, atomic_write, table_error};

/// Read a CSV feature table. A column with a cell that is not a number is left out (and
/// listed in [`TableRead::skipped`] with its first bad cell), as Parquet's text columns are.
pub(crate) fn read(path: &Path, ids: &IdColumn) -> Result<TableRead, IoError> {
    let file = std::fs::File::open(path).map_err(|e| IoError::io(path, &e))?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(std::io::BufReader::with_capacity(1 << 20, file));
    let headers = rdr.headers().map_err(|e| csv_error(path, &e))?.clone();
    let names = header_names(path, &headers)?;
    let id_at = match ids {
        IdColumn::Named(n) => Some(names.iter().position(|h| h == n).ok_or_else(|| {
            IoError::new(
                path,
                format!(
                    "no id column `{n}`; the header has: {}. Pick one with --id-col",
                    names.join(", ")
                ),
            )
        })?),
        IdColumn::Default => names.iter().position(|h| h == IdColumn::DEFAULT_NAME),
    };
    let mut columns: Vec<Column> = vec![Column::default(); names.len()];
    let mut id_text: Vec<String> = Vec::new();
    let mut lines: Vec<u64> = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(csv_error(path, &e)),
        }
        let line = record.position().map_or(0, |p| p.line());
        let row = lines.len() + 1;
        for (k, cell) in record.iter().enumerate() {
            if Some(k) == id_at {
                id_text.push(cell.to_string());
            } else {
                columns[k].push(cell, row, line);
            }
        }
        lines.push(line);
    }
    let ids = match id_at {
        Some(_) => parse_ids(id_text),
        None => AgentIds::sequential(lines.len()),
    };
    let mut cols: Vec<(String, Vec<f64>)> = Vec::new();
    let mut skipped = Vec::new();
    for (k, (name, col)) in names.into_iter().zip(columns).enumerate() {
        match col.bad {
            _ if Some(k) == id_at => {}
            None => cols.push((name, col.values)),
            Some(bad) => skipped.push(SkippedColumn {
                problem: format!(
                    "row {} (line {}), column `{name}`: {}",
                    bad.row, bad.line, bad.what
                ),
                name,
            }),
        }
    }
    let table = FeatureTable::new(ids, cols).map_err(|e| {
        table_error(path, e, |r| {
            format!(
                "row {} (line {})",
                r + 1,
                lines.get(r).copied().unwrap_or(0)
            )
        })
    })?;
    Ok(TableRead { table, skipped })
}

/// The header's names. A header that is one field holding `;` or a tab is a file written with
/// another separator (a spreadsheet in a locale with decimal commas, or a TSV): say so rather
/// than read one oddly named column.
fn header_names(path: &Path, headers: &csv::StringRecord) -> Result<Vec<String>, IoError> {
    if headers.is_empty() || headers.iter().all(str::is_empty) {
        return Err(IoError::new(
            path,
            "the file is empty: expected a header row naming the columns",
        ));
    }
    if let [only] = headers.iter().collect::<Vec<_>>().as_slice() {
        let sep = [(';', "semicolons"), ('\t', "tabs")]
            .into_iter()
            .find(|(c, _)| only.contains(*c));
        if let Some((_, what)) = sep {
            return Err(IoError::new(
                path,
                format!(
                    "line 1: the header is one field, `{}`, split by {what}; emergent reads \
                     comma-separated files. Save the table as CSV with commas (and `.` as the \
                     decimal point), or as Parquet",
                    only.escape_debug()
                ),
            ));
        }
    }
    Ok(headers.iter().map(str::to_string).collect())
}

/// One feature column while reading: its values until the first cell that is not a number,
/// then only where that cell was.
#[derive(Debug, Clone, Default)]
struct Column {
    values: Vec<f64>,
    bad: Option<BadCell>,
}

/// The first cell of a column that is not a number.
#[derive(Debug, Clone)]
struct BadCell {
    /// 1-based data row.
    row: usize,
    /// 1-based line of the file (a quoted cell may span lines).
    line: u64,
    /// "`x` is not a number" or "the cell is empty".
    what: String,
}

impl Column {
    fn push(&mut self, cell: &str, row: usize, line: u64) {
        if self.bad.is_some() {
            return;
        }
        match cell.parse::<f64>() {
            Ok(v) => self.values.push(v),
            Err(_) => {
                let what = if cell.is_empty() {
                    "the cell is empty".to_string()
                } else {
                    format!("`{}` is not a number", cell.escape_debug())
                };
                self.bad = Some(BadCell { row, line, what });
                self.values = Vec::new();
            }
        }
    }
}

/// Integer ids stay integers (so outputs keep their type); anything else is text.
fn parse_ids(text: Vec<String>) -> AgentIds {
    let ints: Option<Vec<i64>> = text.iter().map(|s| s.parse().ok()).collect();
    match ints {
        Some(v) => AgentIds::Int(v.into()),
        None => AgentIds::Text(text),
    }
}

fn csv_error(path: &Path, e: &csv::Error) -> IoError {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => IoError::new(
            path,
            format!(
                "line {}: {len} fields where the header has {expected_len}; every row needs one value per column",
                pos.as_ref().map_or(0, |p| p.line())
            ),
        ),
        csv::ErrorKind::Utf8 { pos, .. } => IoError::new(
            path,
            format!(
                "line {}: not valid UTF-8 text; is this really a CSV file?",
                pos.as_ref().map_or(0, |p| p.line())
            ),
        ),
        csv::ErrorKind::Io(io) => IoError::io(path, io),
        _ => IoError::new(path, format!("unreadable CSV: {e}")),
    }
}

pub(crate) fn write(
    path: &Path,
    id_name: &str,
    ids: &AgentIds,
    columns: &[(String, &[f64])],
) -> Result<(), IoError> {
    use std::io::Write;
    atomic_write(path, |w| {
        let io = |e: std::io::Error| IoError::io(path, &e);
        write!(w, "{id_name}").map_err(io)?;
        for (n, _) in columns {
            write!(w, ",{n}").map_err(io)?;
        }
        writeln!(w).map_err(io)?;
        for i in 0..ids.len() {
            match ids {
                AgentIds::Int(v) => write!(w, "{}", v[i]),
                AgentIds::Text(v) => write!(w, "{}", quote(&v[i])),
            }
            .map_err(io)?;
            for (_, c) in columns {
                // `{:?}` is the shortest representation that parses back to the same f64.
                write!(w, ",{:?}", c[i]).map_err(io)?;
            }
            writeln!(w).map_err(io)?;
        }
        Ok(())
    })
}

fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
