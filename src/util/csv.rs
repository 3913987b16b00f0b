//! Reading the rows of wdlab's own CSV files (metrics.csv, results.csv): plain comma-separated
//! numbers and names, no quoting. Every error names the line it comes from.

use std::str::FromStr;

/// One row split into its fields, checked for the expected count.
pub(crate) struct Row<'a> {
    line: &'a str,
    fields: Vec<&'a str>,
}

impl<'a> Row<'a> {
    pub(crate) fn split(line: &'a str, columns: usize) -> anyhow::Result<Self> {
        let fields: Vec<&str> = line.trim().split(',').collect();
        anyhow::ensure!(
            fields.len() == columns,
            "expected {columns} columns, found {}: {line:?}",
            fields.len()
        );
        Ok(Row { line, fields })
    }

    /// Field `i` as it is.
    pub(crate) fn text(&self, i: usize) -> &'a str {
        self.fields[i]
    }

    /// Field `i` parsed as a `T` (a number, a count, a seed).
    pub(crate) fn parse<T: FromStr>(&self, i: usize) -> anyhow::Result<T> {
        self.fields[i]
            .parse()
            .map_err(|_| anyhow::anyhow!("{:?} is not a number in {:?}", self.fields[i], self.line))
    }

    /// Field `i` as a number, or None when it is empty.
    pub(crate) fn optional(&self, i: usize) -> anyhow::Result<Option<f64>> {
        if self.fields[i].is_empty() {
            Ok(None)
        } else {
            self.parse(i).map(Some)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_parse_or_name_the_line() {
        let row = Row::split("sgd,0.1,,3", 4).unwrap();
        assert_eq!(row.text(0), "sgd");
        assert_eq!(row.parse::<f64>(1).unwrap(), 0.1);
        assert_eq!(row.optional(2).unwrap(), None);
        assert_eq!(row.parse::<u64>(3).unwrap(), 3);
        let e = row.parse::<f64>(0).unwrap_err().to_string();
        assert!(
            e.contains("\"sgd\" is not a number in \"sgd,0.1,,3\""),
            "{e}"
        );
        let e = Row::split("1,2", 3).err().unwrap().to_string();
        assert!(e.contains("expected 3 columns, found 2"), "{e}");
    }
}
