//! MNIST in the IDX format (LeCun et al.), gzipped or plain: parsing, checks, splits.
//!
//! Every defect in a file is reported as a [`DataError`] naming the file and what is wrong.
//! Sizes come from the header but are checked against the bytes actually present before
//! anything is allocated from them, so a lying header cannot trigger a huge allocation.

use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The four files of the standard distribution, with the SHA-256 of their *uncompressed*
/// contents (the checksums public MNIST loaders pin; see ../shared/mnist/README.md).
pub const STANDARD_FILES: [(&str, &str); 4] = [
    (
        "train-images-idx3-ubyte",
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    ),
    (
        "train-labels-idx1-ubyte",
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    ),
    (
        "t10k-images-idx3-ubyte",
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    ),
    (
        "t10k-labels-idx1-ubyte",
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    ),
];

/// The data set bundled with the repository (relative to the working directory).
pub const DEFAULT_DATA_DIR: &str = "data/mnist";

/// IDX magic numbers: two zero bytes, the type code 0x08 (unsigned byte), the number of dims.
const MAGIC_IMAGES: u32 = 0x0000_0803;
const MAGIC_LABELS: u32 = 0x0000_0801;
/// Ten classes, digits 0-9 (also Fashion-MNIST's ten classes).
pub const NUM_CLASSES: usize = 10;
/// No IDX file of this kind is larger than this once decompressed (MNIST's largest is 47 MB);
/// the cap stops a gzip bomb or a corrupt stream from filling memory.
const MAX_DECOMPRESSED_BYTES: u64 = 512 << 20;

#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("{path}: file not found. {hint}")]
    Missing { path: PathBuf, hint: String },
    #[error("{path}: cannot read: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {problem}")]
    Corrupt { path: PathBuf, problem: String },
    #[error("{0}")]
    Split(String),
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

/// A file as found on disk: its decompressed bytes and where it came from.
struct IdxFile {
    path: PathBuf,
    bytes: Vec<u8>,
}

/// Loads the four files from `dir` (each as `NAME` or `NAME.gz`), checks them and splits them.
pub fn load_dir(dir: &Path, opts: &LoadOptions) -> Result<Mnist, DataError> {
    let [train_images, train_labels, test_images, test_labels] =
        STANDARD_FILES.map(|(name, sha)| read_checked(dir, name, sha, opts.strict_checksums));
    let train_images = parse_images(&train_images?)?;
    let train_labels = parse_labels(&train_labels?)?;
    let test_images = parse_images(&test_images?)?;
    let test_labels = parse_labels(&test_labels?)?;
    let (rows, cols) = (train_images.rows, train_images.cols);
    if (test_images.rows, test_images.cols) != (rows, cols) {
        return Err(DataError::Split(format!(
            "{}: test images are {}x{} but training images are {rows}x{cols}",
            dir.display(),
            test_images.rows,
            test_images.cols
        )));
    }
    let train = pair(train_images, train_labels, dir, "train")?;
    let test = pair(test_images, test_labels, dir, "t10k")?;
    assemble(train, test, rows, cols, opts)
}

/// Splits the training images as `opts` says and puts the data set together.
fn assemble(
    train: Split,
    test: Split,
    rows: usize,
    cols: usize,
    opts: &LoadOptions,
) -> Result<Mnist, DataError> {
    let (train, val) = split_train(train, rows * cols, opts)?;
    Ok(Mnist {
        train,
        val,
        test,
        rows,
        cols,
    })
}

/// A parsed image file: pixels in [0, 1], row-major.
struct Images {
    path: PathBuf,
    pixels: Vec<f32>,
    count: usize,
    rows: usize,
    cols: usize,
}

/// A parsed label file.
struct Labels {
    path: PathBuf,
    labels: Vec<u8>,
}

/// Joins images and labels of one split, checking that they have the same count.
fn pair(images: Images, labels: Labels, dir: &Path, prefix: &str) -> Result<Split, DataError> {
    if images.count != labels.labels.len() {
        return Err(DataError::Split(format!(
            "{}: {} holds {} images but {} holds {} labels; the {prefix} files must match",
            dir.display(),
            images.path.display(),
            images.count,
            labels.path.display(),
            labels.labels.len()
        )));
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

/// Downloads MNIST from the Hugging Face Hub with candle-datasets (the `hub` feature; needs
/// internet on first use, then reads hf-hub's cache) and splits it like [`load_dir`].
#[cfg(feature = "hub")]
pub fn load_hub(opts: &LoadOptions) -> Result<Mnist, DataError> {
    let hub_error = |e: candle_core::Error| {
        DataError::Split(format!(
            "cannot load MNIST from the Hugging Face Hub: {e}. Offline, use the bundled files \
             (drop --hub) or --data-dir"
        ))
    };
    let ds = candle_datasets::vision::mnist::load().map_err(hub_error)?;
    let split = |images: &candle_core::Tensor, labels: &candle_core::Tensor| {
        Ok::<_, candle_core::Error>(Split {
            images: images.flatten_all()?.to_vec1::<f32>()?,
            labels: labels.to_dtype(candle_core::DType::U8)?.to_vec1::<u8>()?,
        })
    };
    let train = split(&ds.train_images, &ds.train_labels).map_err(hub_error)?;
    let test = split(&ds.test_images, &ds.test_labels).map_err(hub_error)?;
    assemble(train, test, 28, 28, opts)
}

/// Finds `name` or `name.gz` in `dir`, decompresses it if needed and checks its SHA-256.
fn read_checked(dir: &Path, name: &str, sha: &str, strict: bool) -> Result<IdxFile, DataError> {
    let file = read_idx_file(dir, name)?;
    let digest = hex(&Sha256::digest(&file.bytes));
    if digest != sha {
        let what = format!(
            "SHA-256 of the uncompressed contents is {digest}, not the standard MNIST {sha}"
        );
        if strict {
            return Err(DataError::Corrupt {
                path: file.path,
                problem: format!(
                    "{what}. The bundled copy is damaged: restore it with `git checkout -- data/mnist`, \
                     or pass --data-dir to train on other MNIST-format data"
                ),
            });
        }
        eprintln!(
            "warning: {}: {what}; training on it as MNIST-format data",
            file.path.display()
        );
    }
    Ok(file)
}

/// Reads `dir/name.gz` (gzip) or `dir/name` (plain), whichever exists, decompressed.
fn read_idx_file(dir: &Path, name: &str) -> Result<IdxFile, DataError> {
    let gz = dir.join(format!("{name}.gz"));
    let plain = dir.join(name);
    let path = if gz.exists() {
        gz
    } else if plain.exists() {
        plain
    } else {
        return Err(DataError::Missing {
            path: gz,
            hint: format!(
                "Expected {name}.gz (or {name}) in {}. The repository bundles MNIST in {DEFAULT_DATA_DIR}; \
                 run from the repository root or pass --data-dir DIR",
                dir.display()
            ),
        });
    };
    let io = |source| DataError::Io {
        path: path.clone(),
        source,
    };
    let raw = std::fs::read(&path).map_err(io)?;
    let bytes = if raw.starts_with(&[0x1f, 0x8b]) {
        gunzip(&raw).map_err(|e| DataError::Corrupt {
            path: path.clone(),
            problem: format!("not a valid gzip stream ({e}); the file is truncated or damaged"),
        })?
    } else {
        raw
    };
    Ok(IdxFile { path, bytes })
}

fn gunzip(raw: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(raw)
        .take(MAX_DECOMPRESSED_BYTES + 1)
        .read_to_end(&mut out)?;
    if out.len() as u64 > MAX_DECOMPRESSED_BYTES {
        return Err(std::io::Error::other(format!(
            "decompresses to more than {} MiB",
            MAX_DECOMPRESSED_BYTES >> 20
        )));
    }
    Ok(out)
}

fn corrupt(file: &IdxFile, problem: String) -> DataError {
    DataError::Corrupt {
        path: file.path.clone(),
        problem,
    }
}

/// Reads the IDX header: checks the magic number and returns the dimensions and the payload.
fn idx_header<'a>(
    file: &'a IdxFile,
    magic: u32,
    kind: &str,
) -> Result<(Vec<usize>, &'a [u8]), DataError> {
    let b = &file.bytes;
    let ndims = (magic & 0xff) as usize;
    let header_len = 4 + 4 * ndims;
    let too_short = || {
        corrupt(
            file,
            format!(
                "too short for an IDX {kind} header ({} bytes, need {header_len})",
                b.len()
            ),
        )
    };
    // The magic number first: a swapped file is a likelier mistake than a truncated header.
    let found = u32::from_be_bytes(
        b.get(..4)
            .ok_or_else(too_short)?
            .try_into()
            .expect("4 bytes"),
    );
    if found != magic {
        return Err(corrupt(
            file,
            format!(
                "magic number 0x{found:08x}, expected 0x{magic:08x} for IDX {kind}; \
                 is this the right file (images and labels swapped?)"
            ),
        ));
    }
    if b.len() < header_len {
        return Err(too_short());
    }
    let dims: Vec<usize> = (0..ndims)
        .map(|i| {
            let o = 4 + 4 * i;
            u32::from_be_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]) as usize
        })
        .collect();
    let payload = &b[header_len..];
    // Checked arithmetic: a lying header must not overflow or allocate, only be reported.
    let expected = dims.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
    if expected != Some(payload.len()) {
        return Err(corrupt(
            file,
            format!(
                "header promises {} ({}) but the file holds {} data bytes; the file is truncated or damaged",
                dims.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(" x "),
                expected.map_or("overflowing".into(), |e| format!("{e} bytes")),
                payload.len()
            ),
        ));
    }
    if dims.contains(&0) {
        return Err(corrupt(
            file,
            format!("header has a zero dimension: {dims:?}"),
        ));
    }
    Ok((dims, payload))
}

/// Parses an IDX image file into pixels scaled to [0,1].
fn parse_images(file: &IdxFile) -> Result<Images, DataError> {
    let (dims, payload) = idx_header(file, MAGIC_IMAGES, "images")?;
    Ok(Images {
        path: file.path.clone(),
        pixels: payload.iter().map(|&p| p as f32 / 255.0).collect(),
        count: dims[0],
        rows: dims[1],
        cols: dims[2],
    })
}

/// Parses an IDX label file; every label must be a class index below [`NUM_CLASSES`].
fn parse_labels(file: &IdxFile) -> Result<Labels, DataError> {
    let (_, payload) = idx_header(file, MAGIC_LABELS, "labels")?;
    if let Some(i) = payload.iter().position(|&l| l as usize >= NUM_CLASSES) {
        return Err(corrupt(
            file,
            format!(
                "label {} at index {i} is not a digit 0-{}",
                payload[i],
                NUM_CLASSES - 1
            ),
        ));
    }
    Ok(Labels {
        path: file.path.clone(),
        labels: payload.to_vec(),
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
