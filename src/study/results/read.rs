//! Reading a study folder's results back: every file checked row by row, each row against
//! the folder's study.json, and the files merged into one row per cell (two different answers
//! for one cell are refused, naming both lines).

use super::{results_files, ResultRecord, ResultRow, RESULTS_HEADER};
use crate::study::{CellKey, Settings};
use crate::util::csv::{self, TornTail};
use anyhow::Context;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Reads one results file, checking the header and every row. A last line without its line
/// end (a write cut short by a crash) is ignored, and so is a file whose only line is a whole
/// or torn header: it holds no rows.
pub(crate) fn read_results_file(path: &Path) -> anyhow::Result<Vec<ResultRow>> {
    Ok(read_rows_at(path, None)?
        .into_iter()
        .map(|(_, row)| row)
        .collect())
}

/// [`read_results_file`] with each row's line, every row checked against `settings` (those of
/// the study the file belongs to) when given.
fn read_rows_at(path: &Path, settings: Option<&Settings>) -> anyhow::Result<Vec<(u64, ResultRow)>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    if holds_no_line(&text) {
        return Ok(Vec::new());
    }
    csv::parse_rows_at(
        path,
        &text,
        RESULTS_HEADER,
        TornTail::Drop,
        |r: ResultRecord| {
            let row = r.check()?;
            if let Some(s) = settings {
                check_against(&row, s)?;
            }
            Ok(row)
        },
    )
}

/// True for an empty file or one holding the header alone, whole or cut short, without its
/// line end: a sweep killed as it created the file.
pub(super) fn holds_no_line(text: &str) -> bool {
    !text.contains('\n') && RESULTS_HEADER.starts_with(text.trim_start_matches('\u{feff}'))
}

/// Refuses a row whose settings columns differ from the study's: it was trained under other
/// settings, and counting it would mix two studies.
fn check_against(row: &ResultRow, settings: &Settings) -> anyhow::Result<()> {
    anyhow::ensure!(
        row.epochs == settings.epochs(),
        "epochs {}, but the study (its study.json) trains {}: this row comes from other \
         settings; move it out of the folder (or to its own study folder)",
        row.epochs,
        crate::util::fmt::count(settings.epochs(), "epoch")
    );
    Ok(())
}

/// Every finished cell in `dir`, over all results files, each cell once. Every row must agree
/// with the folder's study.json (when it has one), and a cell found twice must have the same
/// numbers both times (only the seconds may differ); otherwise the error names the lines.
pub(crate) fn read_results(dir: &Path) -> anyhow::Result<Vec<ResultRow>> {
    let settings = match dir.join("study.json").exists() {
        true => Some(crate::study::read_study(dir)?),
        false => None,
    };
    merge_files(&results_files(dir)?, settings.as_ref())
}

/// The rows of a results file `file` that is analysed with the settings of the study folder
/// `dir` (`wdlab report DIR --results FILE`): every row must agree with them, and a file that
/// sits in another study folder must come from a study of the same settings.
pub(crate) fn read_results_for(file: &Path, dir: &Path) -> anyhow::Result<Vec<ResultRow>> {
    let settings = crate::study::read_study(dir)?;
    let home = file.parent().filter(|p| !p.as_os_str().is_empty());
    let home = home.unwrap_or(Path::new("."));
    let same_folder = match (home.canonicalize(), dir.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if !same_folder && home.join("study.json").exists() {
        let theirs = crate::study::read_study(home)?;
        let diff = crate::study::settings::settings_diff(&theirs, &settings, ("there", "here"))?;
        if !diff.is_empty() {
            return Err(crate::error::usage(format!(
                "{} belongs to the study in {}, whose settings differ from {}'s ({}); its rows \
                 cannot be judged under these settings: run `wdlab report {}` instead",
                file.display(),
                home.display(),
                dir.display(),
                diff.join("; "),
                crate::util::fmt::shell_word(home)
            )));
        }
    }
    merge_files(&[file.to_path_buf()], Some(&settings))
}

/// The rows of `files`, each cell once, checked as [`read_results`] says.
fn merge_files(files: &[PathBuf], settings: Option<&Settings>) -> anyhow::Result<Vec<ResultRow>> {
    let mut seen: HashMap<CellKey, (String, ResultRow)> = HashMap::new();
    let mut rows = Vec::new();
    for path in files {
        for (line, row) in read_rows_at(path, settings)? {
            let here = format!("{}, line {line}", path.display());
            match seen.get(&row.cell.key()) {
                None => {
                    seen.insert(row.cell.key(), (here, row.clone()));
                    rows.push(row);
                }
                Some((there, first)) if !same_result(first, &row) => anyhow::bail!(
                    "{here}: {} again, with other results than {there}; a cell has one result: \
                     delete the row that should not count",
                    row.cell.label()
                ),
                Some(_) => {}
            }
        }
    }
    Ok(rows)
}

/// True when two rows of one cell report the same run (the time it took may differ).
fn same_result(a: &ResultRow, b: &ResultRow) -> bool {
    ResultRow {
        seconds: 0.0,
        ..a.clone()
    } == ResultRow {
        seconds: 0.0,
        ..b.clone()
    }
}
