//! Each run's predicted class for every test image (`runs/<cell>/test_predictions`, one byte
//! per image) and the study's test labels (`test_labels`, one byte per image, written once by
//! the first sweep): with both, two chosen cells can be compared image by image (claim 2's
//! paired test), without the data files at report time.

use super::Cell;
use crate::util::fs::write_atomic;
use anyhow::Context;
use std::path::{Path, PathBuf};

/// The study's test labels, in the test file's order.
pub(crate) const TEST_LABELS: &str = "test_labels";
/// A run's predicted class of each test image, in the same order.
pub(crate) const PREDICTIONS: &str = "test_predictions";

/// The run folder of `cell` in the study folder `dir`.
pub(crate) fn run_dir(dir: &Path, cell: &Cell) -> PathBuf {
    dir.join("runs").join(cell.run_name())
}

/// Writes `labels` as the study's test labels unless the folder already holds the same.
pub(crate) fn write_test_labels(dir: &Path, labels: &[u8]) -> anyhow::Result<()> {
    let path = dir.join(TEST_LABELS);
    match std::fs::read(&path) {
        Ok(old) if old == labels => Ok(()),
        Ok(_) => Err(crate::error::usage(format!(
            "{} holds other test labels than the data this study trains on: move it away (it \
             is rewritten from the data)",
            path.display()
        ))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => write_atomic(&path, labels),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// The study's test labels, when it has them.
pub(crate) fn read_test_labels(dir: &Path) -> anyhow::Result<Option<Vec<u8>>> {
    read_optional(&dir.join(TEST_LABELS))
}

/// The predictions of `cell`'s run, when it saved them; refused when their length is not the
/// number of test labels.
pub(crate) fn read_predictions(
    dir: &Path,
    cell: &Cell,
    images: usize,
) -> anyhow::Result<Option<Vec<u8>>> {
    let path = run_dir(dir, cell).join(PREDICTIONS);
    let Some(p) = read_optional(&path)? else {
        return Ok(None);
    };
    anyhow::ensure!(
        p.len() == images,
        "{} holds {} predictions for {images} test labels: it is not this study's (retrain the \
         cell after deleting it)",
        path.display(),
        p.len()
    );
    Ok(Some(p))
}

/// Whether `cell`'s run saved its predictions.
pub(crate) fn has_predictions(dir: &Path, cell: &Cell) -> bool {
    run_dir(dir, cell).join(PREDICTIONS).is_file()
}

fn read_optional(path: &Path) -> anyhow::Result<Option<Vec<u8>>> {
    match std::fs::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}
