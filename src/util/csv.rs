//! wdlab's CSV files (results.csv, metrics.csv, paths.csv) through the `csv` crate: a header
//! that must match the file contract, rows deserialized into serde types (quoting, CRLF line
//! ends and a UTF-8 byte-order mark handled as other tools handle them), and every error
//! naming the file and the line. Numbers are written with Rust's shortest round-trip
//! formatting, so a value reads back to the same bits.

use anyhow::Context;
use serde::de::DeserializeOwned;
use serde::{Serialize, Serializer};
use std::path::Path;

/// What to do with a last line that has no line end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TornTail {
    /// Drop it: the file is appended to row by row, and a crash can cut the last row short.
    Drop,
    /// Read it like any other row.
    Keep,
}

/// The rows of the CSV text `text` (read from `path`, which errors name), after checking that
/// its header is `header`. Each row is deserialized into `R` and then checked by `check`,
/// whose error is reported with the file and line.
pub(crate) fn parse_rows<R: DeserializeOwned, T>(
    path: &Path,
    text: &str,
    header: &str,
    tail: TornTail,
    check: impl FnMut(R) -> anyhow::Result<T>,
) -> anyhow::Result<Vec<T>> {
    let rows = parse_rows_at(path, text, header, tail, check)?;
    Ok(rows.into_iter().map(|(_, row)| row).collect())
}

/// [`parse_rows`], each row with its line number (1 is the header), for errors that name two
/// rows.
pub(crate) fn parse_rows_at<R: DeserializeOwned, T>(
    path: &Path,
    text: &str,
    header: &str,
    tail: TornTail,
    mut check: impl FnMut(R) -> anyhow::Result<T>,
) -> anyhow::Result<Vec<(u64, T)>> {
    let text = match tail {
        TornTail::Drop => text.rfind('\n').map_or("", |i| &text[..=i]),
        TornTail::Keep => text,
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .with_context(|| format!("{}: cannot read the header", path.display()))?
        .clone();
    let expected: Vec<&str> = header.split(',').collect();
    if headers.iter().ne(expected.iter().copied()) {
        anyhow::bail!(
            "{}: not a wdlab file of this kind (its first line must be {header})",
            path.display()
        );
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| located(path, e.position(), e.to_string()))?;
        let at = record.position().cloned();
        if record.iter().all(str::is_empty) {
            continue;
        }
        let row: R = record
            .deserialize(Some(&headers))
            .map_err(|e| located(path, at.as_ref(), e.to_string()))?;
        let checked = check(row).map_err(|e| located(path, at.as_ref(), format!("{e:#}")))?;
        rows.push((at.as_ref().map_or(0, csv::Position::line), checked));
    }
    Ok(rows)
}

/// Reads `path` and parses it with [`parse_rows`].
pub(crate) fn read_rows<R: DeserializeOwned, T>(
    path: &Path,
    header: &str,
    tail: TornTail,
    check: impl FnMut(R) -> anyhow::Result<T>,
) -> anyhow::Result<Vec<T>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    parse_rows(path, &text, header, tail, check)
}

fn located(path: &Path, at: Option<&csv::Position>, problem: String) -> anyhow::Error {
    match at {
        Some(p) => anyhow::anyhow!("{}, line {}: {problem}", path.display(), p.line()),
        None => anyhow::anyhow!("{}: {problem}", path.display()),
    }
}

/// A whole file: the header, then every row, each with its line end.
pub(crate) fn text<R: Serialize>(
    header: &str,
    rows: impl IntoIterator<Item = R>,
) -> anyhow::Result<String> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(format!("{header}\n").into_bytes());
    for row in rows {
        w.serialize(row)?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

/// One row as a CSV line with its line end.
pub(crate) fn line<R: Serialize>(row: &R) -> anyhow::Result<String> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    w.serialize(row)?;
    Ok(String::from_utf8(w.into_inner()?)?)
}

/// Serializes a number as Rust prints it (`0.00001`, not `1e-5`): the files keep the form
/// they have always had.
pub(crate) fn plain<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

/// [`plain`] for a number that may be missing (an empty field).
pub(crate) fn plain_opt<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.collect_str(v),
        None => s.serialize_str(""),
    }
}

/// Seconds with three decimals.
pub(crate) fn millis<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&format_args!("{v:.3}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Row {
        name: String,
        #[serde(serialize_with = "plain")]
        x: f64,
        #[serde(serialize_with = "plain_opt")]
        y: Option<f64>,
    }

    fn parse(text: &str, tail: TornTail) -> anyhow::Result<Vec<Row>> {
        parse_rows(Path::new("t.csv"), text, "name,x,y", tail, |r: Row| {
            anyhow::ensure!(r.x.is_finite(), "x is {}", r.x);
            Ok(r)
        })
    }

    #[test]
    fn rows_round_trip_in_plain_notation() {
        let row = Row {
            name: "a".into(),
            x: 1e-5,
            y: None,
        };
        assert_eq!(line(&row).unwrap(), "a,0.00001,\n");
        let back = parse(
            &format!("name,x,y\n{}", line(&row).unwrap()),
            TornTail::Keep,
        );
        assert_eq!(back.unwrap(), vec![row]);
    }

    #[test]
    fn crlf_a_byte_order_mark_and_quotes_read_as_other_tools_read_them() {
        let rows = parse("\u{feff}name,x,y\r\n\"a,b\",1,2\r\n", TornTail::Keep).unwrap();
        assert_eq!(rows[0].name, "a,b");
        assert_eq!(rows[0].y, Some(2.0));
    }

    #[test]
    fn a_torn_tail_is_dropped_only_when_asked() {
        let text = "name,x,y\na,1,\nb,0.9,";
        assert_eq!(parse(text, TornTail::Drop).unwrap().len(), 1);
        assert_eq!(parse(text, TornTail::Keep).unwrap().len(), 2);
    }

    #[test]
    fn errors_name_the_file_and_the_line() {
        let e = parse("name,x,y\na,1,\nb,inf,\n", TornTail::Keep).unwrap_err();
        assert_eq!(e.to_string(), "t.csv, line 3: x is inf");
        let e = parse("name,x,y\na,1\n", TornTail::Keep).unwrap_err();
        assert!(e.to_string().starts_with("t.csv, line 2:"), "{e}");
        let e = parse("name,x,z\n", TornTail::Keep).unwrap_err();
        assert!(
            e.to_string().contains("its first line must be name,x,y"),
            "{e}"
        );
    }
}
