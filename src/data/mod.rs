//! MNIST in the IDX format (LeCun et al.), gzipped or plain: the data set a run sees and how
//! the training images are split. Reading and checking the files is [`idx`]; the Hub loader
//! (feature `hub`) is [`hub`].
//!
//! Every defect in a file is reported as a [`DataError`] naming the file and what is wrong.
//! Sizes come from the header but are checked against the bytes actually present before
//! anything is allocated from them, so a lying header cannot trigger a huge allocation; a file
//! is read or decompressed only up to a fixed cap.

#[cfg(feature = "hub")]
mod hub;
mod idx;
mod label_noise;

#[cfg(feature = "hub")]
pub(crate) use hub::load_hub;
pub(crate) use idx::STANDARD_FILES;
pub(crate) use label_noise::LabelNoise;

use idx::{fingerprint, parse_images, parse_labels, read_checked, Images, Labels};
use std::path::{Path, PathBuf};

/// The data set bundled with the repository (relative to the working directory).
pub(crate) const DEFAULT_DATA_DIR: &str = "data/mnist";

/// The environment variable that stands in for `--data-dir` when the flag is not given.
pub(crate) const DATA_DIR_ENV: &str = "WDLAB_DATA_DIR";

/// Ten classes, digits 0-9 (also Fashion-MNIST's ten classes).
pub(crate) const NUM_CLASSES: usize = 10;

/// What can be wrong with the data; every message names the file or the flag.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("{path}: file not found. {hint}")]
    Missing { path: PathBuf, hint: String },
    // Not `source`: the message holds the I/O error already, and a source would print it twice.
    #[error("{path}: cannot read: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{path}: {problem}")]
    Corrupt { path: PathBuf, problem: String },
    /// A file larger than any IDX file of this kind, refused before it is read in whole.
    #[error("{path}: {problem}")]
    TooLarge { path: PathBuf, problem: String },
    /// Two files that must agree do not (image sizes, image and label counts): a defect of the
    /// data, not of the flags.
    #[error("{} and {} do not match: {problem}", first.display(), second.display())]
    Mismatch {
        first: PathBuf,
        second: PathBuf,
        problem: String,
    },
    /// MNIST could not be had from the Hugging Face Hub (feature `hub`): the download, the
    /// cache or the data it holds.
    #[error(
        "cannot load MNIST from the Hugging Face Hub (data set {}, its train and test parquet \
         files): {problem}. Offline, use the bundled files (drop --hub) or --data-dir",
        HUB_DATASET
    )]
    Hub { problem: String },
    /// A split the flags ask for is impossible (a usage error: the message names the flag).
    #[error("{0}")]
    Split(String),
}

/// Where candle-datasets fetches MNIST from (feature `hub`).
const HUB_DATASET: &str = "ylecun/mnist";

impl DataError {
    /// The error as a command reports it: an impossible split names a flag the user gave, so it
    /// is a usage error (exit 2); everything else is wrong with the data or its source, a
    /// runtime error (exit 1).
    pub fn into_anyhow(self) -> anyhow::Error {
        match self {
            DataError::Split(msg) => crate::error::usage(msg),
            DataError::Missing { .. }
            | DataError::Io { .. }
            | DataError::Corrupt { .. }
            | DataError::TooLarge { .. }
            | DataError::Mismatch { .. }
            | DataError::Hub { .. } => self.into(),
        }
    }
}

/// Pixels scaled to [0, 1] (row-major, `len * rows * cols` values) and their labels.
#[derive(Debug, Clone, Default)]
pub struct Split {
    pub images: Vec<f32>,
    pub labels: Vec<u8>,
}

impl Split {
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Rows `range` of this split (images and labels together).
    fn slice(&self, range: std::ops::Range<usize>, pixels: usize) -> Split {
        Split {
            images: self.images[range.start * pixels..range.end * pixels].to_vec(),
            labels: self.labels[range].to_vec(),
        }
    }
}

/// The data a run sees: training images, an optional validation split held out of the training
/// set (never the test set), and the test set.
#[derive(Debug, Clone)]
pub struct Mnist {
    pub train: Split,
    pub val: Option<Split>,
    pub test: Split,
    pub rows: usize,
    pub cols: usize,
    /// What data this is: the hex SHA-256 of the four IDX files' SHA-256 digests (32 raw bytes
    /// each, of the *uncompressed* contents) concatenated in the order train-images,
    /// train-labels, t10k-images, t10k-labels. The split options do not change it. From the
    /// Hub it is computed over the IDX files the downloaded data makes, so the same data gets
    /// the same fingerprint from either source.
    pub fingerprint: String,
}

impl Mnist {
    /// Number of input features (pixels per image).
    pub fn pixels(&self) -> usize {
        self.rows * self.cols
    }
}

/// How to load and split the files.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Hold out the *last* `val_size` training images for validation (0: no validation split).
    pub val_size: usize,
    /// Train on the first `train_size` of the remaining training images (None: all of them).
    pub train_size: Option<usize>,
    /// Fail (true) or only warn (false) when a file's checksum is not the standard one.
    pub strict_checksums: bool,
}

/// Loads the four files from `dir` (each as `NAME` or `NAME.gz`), checks them and splits them.
pub fn load_dir(dir: &Path, opts: &LoadOptions) -> Result<Mnist, DataError> {
    let [train_images, train_labels, test_images, test_labels] =
        STANDARD_FILES.map(|(name, sha)| read_checked(dir, name, sha, opts.strict_checksums));
    let (train_images, train_labels) = (train_images?, train_labels?);
    let (test_images, test_labels) = (test_images?, test_labels?);
    let fingerprint = fingerprint([
        &train_images.sha256,
        &train_labels.sha256,
        &test_images.sha256,
        &test_labels.sha256,
    ]);
    let train_images = parse_images(train_images)?;
    let train_labels = parse_labels(train_labels)?;
    let test_images = parse_images(test_images)?;
    let test_labels = parse_labels(test_labels)?;
    let (rows, cols) = (train_images.rows, train_images.cols);
    if (test_images.rows, test_images.cols) != (rows, cols) {
        return Err(DataError::Mismatch {
            first: train_images.path,
            second: test_images.path,
            problem: format!(
                "the training images are {rows}x{cols} pixels but the test images are {}x{}; \
                 all images of a data set must have one size",
                test_images.rows, test_images.cols
            ),
        });
    }
    let train = pair(train_images, train_labels, "train")?;
    let test = pair(test_images, test_labels, "t10k")?;
    assemble(train, test, rows, cols, fingerprint, opts)
}

/// Splits the training images as `opts` says and puts the data set together.
fn assemble(
    train: Split,
    test: Split,
    rows: usize,
    cols: usize,
    fingerprint: String,
    opts: &LoadOptions,
) -> Result<Mnist, DataError> {
    let (train, val) = split_train(train, rows * cols, opts)?;
    Ok(Mnist {
        train,
        val,
        test,
        rows,
        cols,
        fingerprint,
    })
}

/// Joins images and labels of one split, checking that they have the same count.
fn pair(images: Images, labels: Labels, prefix: &str) -> Result<Split, DataError> {
    if images.count != labels.labels.len() {
        return Err(DataError::Mismatch {
            problem: format!(
                "{} images but {} labels; the {prefix} files must hold one label per image",
                images.count,
                labels.labels.len()
            ),
            first: images.path,
            second: labels.path,
        });
    }
    Ok(Split {
        images: images.pixels,
        labels: labels.labels,
    })
}

/// Applies `--val-size` (the last N training images) and `--train-size` (the first N of the rest).
fn split_train(
    all: Split,
    pixels: usize,
    opts: &LoadOptions,
) -> Result<(Split, Option<Split>), DataError> {
    let n = all.len();
    if opts.val_size >= n {
        return Err(DataError::Split(format!(
            "--val-size {} leaves no training images: the training set has {n}; choose fewer than {n}",
            opts.val_size
        )));
    }
    let rest = n - opts.val_size;
    let train_n = match opts.train_size {
        Some(0) => {
            return Err(DataError::Split(
                "--train-size 0 leaves nothing to train on; give at least 1".into(),
            ))
        }
        Some(t) if t > rest => {
            return Err(DataError::Split(format!(
            "--train-size {t} is more than the {rest} training images left after --val-size {}; \
                 lower one of them",
            opts.val_size
        )))
        }
        Some(t) => t,
        None => rest,
    };
    let val = (opts.val_size > 0).then(|| all.slice(rest..n, pixels));
    let train = if train_n == n {
        all
    } else {
        all.slice(0..train_n, pixels)
    };
    Ok((train, val))
}
