//! The IDX files: finding `NAME` or `NAME.gz`, decompressing with a size cap, checking the
//! SHA-256 and parsing the header and payload.

use super::{DataError, DEFAULT_DATA_DIR, NUM_CLASSES};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The four files of the standard distribution, with the SHA-256 of their *uncompressed*
/// contents (the checksums public MNIST loaders pin).
pub(crate) const STANDARD_FILES: [(&str, &str); 4] = [
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

/// IDX magic numbers: two zero bytes, the type code 0x08 (unsigned byte), the number of dims.
const MAGIC_IMAGES: u32 = 0x0000_0803;
const MAGIC_LABELS: u32 = 0x0000_0801;
/// No IDX file of this kind is larger than this once decompressed (MNIST's largest is 47 MB);
/// the cap stops a gzip bomb or a corrupt stream from filling memory.
const MAX_DECOMPRESSED_BYTES: u64 = 512 << 20;

/// A file as found on disk: its decompressed bytes and where it came from.
pub(super) struct IdxFile {
    pub(super) path: PathBuf,
    pub(super) bytes: Vec<u8>,
}

/// A parsed image file: pixels in [0, 1], row-major.
pub(super) struct Images {
    pub(super) path: PathBuf,
    pub(super) pixels: Vec<f32>,
    pub(super) count: usize,
    pub(super) rows: usize,
    pub(super) cols: usize,
}

/// A parsed label file.
pub(super) struct Labels {
    pub(super) path: PathBuf,
    pub(super) labels: Vec<u8>,
}

/// Finds `name` or `name.gz` in `dir`, decompresses it if needed and checks its SHA-256.
pub(super) fn read_checked(
    dir: &Path,
    name: &str,
    sha: &str,
    strict: bool,
) -> Result<IdxFile, DataError> {
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
pub(super) fn parse_images(file: &IdxFile) -> Result<Images, DataError> {
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
pub(super) fn parse_labels(file: &IdxFile) -> Result<Labels, DataError> {
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
