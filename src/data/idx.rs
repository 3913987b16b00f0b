//! The IDX files: finding `NAME` or `NAME.gz`, reading or decompressing them under a size cap,
//! checking the SHA-256, parsing the header and payload, and the data set's fingerprint.

#[cfg(any(test, feature = "hub"))]
use super::Split;
use super::{DataError, DATA_DIR_ENV, DEFAULT_DATA_DIR, NUM_CLASSES};
use flate2::read::MultiGzDecoder;
use sha2::{Digest, Sha256};
use std::fs::File;
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
/// No IDX file of this kind is larger than this uncompressed (MNIST's largest is 47 MB); the
/// cap stops a gzip bomb, a corrupt stream or a wrong file from filling memory.
const MAX_IDX_BYTES: u64 = 512 << 20;

/// A file as found on disk: its decompressed bytes, their SHA-256 and where it came from.
pub(super) struct IdxFile {
    pub(super) path: PathBuf,
    pub(super) bytes: Vec<u8>,
    pub(super) sha256: [u8; 32],
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
    let (path, bytes) = read_idx_file(dir, name)?;
    let sha256: [u8; 32] = Sha256::digest(&bytes).into();
    let digest = hex(&sha256);
    if digest != sha {
        let what = format!(
            "SHA-256 of the uncompressed contents is {digest}, not the standard MNIST {sha}"
        );
        if strict {
            return Err(DataError::Corrupt {
                path,
                problem: format!(
                    "{what}. The bundled copy is damaged: restore it with `git checkout -- data/mnist`, \
                     or pass --data-dir to train on other MNIST-format data"
                ),
            });
        }
        eprintln!(
            "warning: {}: {what}; training on it as MNIST-format data",
            path.display()
        );
    }
    Ok(IdxFile {
        path,
        bytes,
        sha256,
    })
}

/// The fingerprint of a data set: the hex SHA-256 of its four files' SHA-256 digests (32 raw
/// bytes each, of the uncompressed contents) concatenated in [`STANDARD_FILES`] order.
pub(super) fn fingerprint(digests: [&[u8; 32]; 4]) -> String {
    let mut h = Sha256::new();
    digests.iter().for_each(|d| h.update(d));
    hex(&h.finalize())
}

/// `dir/name.gz` or else `dir/name`, whichever exists.
fn find_idx_file(dir: &Path, name: &str) -> Result<PathBuf, DataError> {
    let gz = dir.join(format!("{name}.gz"));
    let plain = dir.join(name);
    if gz.exists() {
        Ok(gz)
    } else if plain.exists() {
        Ok(plain)
    } else {
        Err(DataError::Missing {
            path: gz,
            hint: format!(
                "Expected {name}.gz (or {name}) in {}. Without --data-dir (and {DATA_DIR_ENV}) \
                 wdlab trains on the MNIST compiled into it; give --data-dir the folder that \
                 holds the four files",
                dir.display()
            ),
        })
    }
}

/// The SHA-256 of the IDX image and label files that hold `split` (pixels back to bytes), for
/// data that did not come from files: the same data gets the same fingerprint either way.
/// `None` when `split` is not whole `rows` x `cols` images, one per label, that an IDX header
/// can describe.
#[cfg(any(test, feature = "hub"))]
pub(super) fn split_digests(split: &Split, rows: usize, cols: usize) -> Option<[[u8; 32]; 2]> {
    let n = split.len();
    let values = n.checked_mul(rows).and_then(|v| v.checked_mul(cols));
    if n == 0 || values != Some(split.images.len()) {
        return None;
    }
    let dims = [n, rows, cols].map(|d| u32::try_from(d).ok());
    let [Some(count), Some(rows), Some(cols)] = dims else {
        return None;
    };
    let header = |magic: u32, dims: &[u32]| -> Vec<u8> {
        let words = std::iter::once(magic).chain(dims.iter().copied());
        words.flat_map(u32::to_be_bytes).collect()
    };
    // The pixels are bytes / 255, so this rounding gives the bytes back exactly.
    let pixels: Vec<u8> = (split.images.iter())
        .map(|&p| (p * 255.0).round().clamp(0.0, 255.0) as u8)
        .collect();
    let images = Sha256::new()
        .chain_update(header(MAGIC_IMAGES, &[count, rows, cols]))
        .chain_update(&pixels)
        .finalize();
    let labels = Sha256::new()
        .chain_update(header(MAGIC_LABELS, &[count]))
        .chain_update(&split.labels)
        .finalize();
    Some([images.into(), labels.into()])
}

/// The bundled MNIST, compiled into the binary (11 MB of gzip), so that the default
/// `--data-dir data/mnist` works from any folder and after `cargo install`.
const BUNDLED: [(&str, &[u8]); 4] = [
    (
        "train-images-idx3-ubyte",
        include_bytes!("../../data/mnist/train-images-idx3-ubyte.gz"),
    ),
    (
        "train-labels-idx1-ubyte",
        include_bytes!("../../data/mnist/train-labels-idx1-ubyte.gz"),
    ),
    (
        "t10k-images-idx3-ubyte",
        include_bytes!("../../data/mnist/t10k-images-idx3-ubyte.gz"),
    ),
    (
        "t10k-labels-idx1-ubyte",
        include_bytes!("../../data/mnist/t10k-labels-idx1-ubyte.gz"),
    ),
];

/// The compiled-in copy of `name`, when `dir` is the default `data/mnist` and the working
/// folder has none (a folder that exists is always read, whole, from disk).
fn bundled(dir: &Path, name: &str) -> Option<&'static [u8]> {
    if dir != Path::new(DEFAULT_DATA_DIR) || dir.exists() {
        return None;
    }
    BUNDLED.iter().find(|(n, _)| *n == name).map(|(_, b)| *b)
}

/// Reads `dir/name.gz` or `dir/name`, decompressed when it starts with the gzip magic bytes
/// (whatever its name), never holding more than [`MAX_IDX_BYTES`] of it; the default
/// `data/mnist` falls back on the compiled-in copy ([`BUNDLED`]).
fn read_idx_file(dir: &Path, name: &str) -> Result<(PathBuf, Vec<u8>), DataError> {
    if let Some(gz) = bundled(dir, name) {
        let path = PathBuf::from(format!("(bundled) {DEFAULT_DATA_DIR}/{name}.gz"));
        let bytes = read_capped(MultiGzDecoder::new(gz), MAX_IDX_BYTES, 0);
        return match bytes {
            Ok(Some(b)) => Ok((path, b)),
            _ => Err(DataError::Corrupt {
                path,
                problem: "the copy compiled into wdlab does not decompress".into(),
            }),
        };
    }
    let path = find_idx_file(dir, name)?;
    let io = |error| DataError::Io {
        path: path.clone(),
        error,
    };
    let mut file = File::open(&path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    let mut head = Vec::with_capacity(2);
    (&mut file).take(2).read_to_end(&mut head).map_err(io)?;
    let stream = head.as_slice().chain(file);
    let too_large = |problem| DataError::TooLarge {
        path: path.clone(),
        problem: format!(
            "{problem} the {MAX_IDX_BYTES}-byte ({} MiB) cap on an uncompressed IDX file \
             (MNIST's largest is 47 MB); is this the right file?",
            MAX_IDX_BYTES >> 20
        ),
    };
    if head == [0x1f, 0x8b] {
        let bytes = read_capped(MultiGzDecoder::new(stream), MAX_IDX_BYTES, 0).map_err(|e| {
            DataError::Corrupt {
                path: path.clone(),
                problem: format!(
                    "not a valid gzip stream ({e}); the file is truncated, damaged, or has bytes \
                     after its end"
                ),
            }
        })?;
        return bytes
            .map(|b| (path.clone(), b))
            .ok_or_else(|| too_large("it decompresses to more than".into()));
    }
    // The size on disk is checked before the file is read in; the read is capped as well, for
    // a file that grows meanwhile or a device whose size reads as 0.
    if size > MAX_IDX_BYTES {
        return Err(too_large(format!("the file is {size} bytes, over")));
    }
    let bytes = read_capped(stream, MAX_IDX_BYTES, size).map_err(io)?;
    bytes
        .map(|b| (path.clone(), b))
        .ok_or_else(|| too_large("it holds more than".into()))
}

/// Reads `r` to its end, or `None` when it holds more than `cap` bytes (at most `cap + 1`
/// are read). `size_hint` (at most `cap`) is reserved up front.
fn read_capped(r: impl Read, cap: u64, size_hint: u64) -> std::io::Result<Option<Vec<u8>>> {
    let mut out = Vec::with_capacity(size_hint.min(cap) as usize);
    r.take(cap + 1).read_to_end(&mut out)?;
    Ok((out.len() as u64 <= cap).then_some(out))
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
                "header promises {} ({}) but the file holds {} data bytes; the file is {}",
                dims.iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join(" x "),
                expected.map_or("overflowing".into(), |e| format!("{e} bytes")),
                payload.len(),
                match expected {
                    Some(e) if payload.len() > e => "damaged or has bytes after its end",
                    _ => "truncated or damaged",
                }
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

/// Parses an IDX image file into pixels scaled to [0,1]. Takes the file so that its bytes are
/// freed as soon as the pixels exist.
pub(super) fn parse_images(file: IdxFile) -> Result<Images, DataError> {
    let (dims, payload) = idx_header(&file, MAGIC_IMAGES, "images")?;
    Ok(Images {
        path: file.path.clone(),
        pixels: payload.iter().map(|&p| p as f32 / 255.0).collect(),
        count: dims[0],
        rows: dims[1],
        cols: dims[2],
    })
}

/// Parses an IDX label file; every label must be a class index below [`NUM_CLASSES`].
pub(super) fn parse_labels(file: IdxFile) -> Result<Labels, DataError> {
    let (_, payload) = idx_header(&file, MAGIC_LABELS, "labels")?;
    if let Some(i) = payload.iter().position(|&l| l as usize >= NUM_CLASSES) {
        return Err(corrupt(
            &file,
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

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{write::GzEncoder, Compression};
    use std::io::Write;

    fn gz(bytes: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::fast());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn the_cap_counts_every_member_of_a_gzip_file() {
        let members: Vec<u8> = [[1u8; 100], [2; 100], [3; 100]]
            .iter()
            .flat_map(|m| gz(m))
            .collect();
        let whole = read_capped(MultiGzDecoder::new(&members[..]), 300, 0).unwrap();
        assert_eq!(whole.map(|b| (b.len(), b[0], b[299])), Some((300, 1, 3)));
        // Over the cap in the last member: refused, having read at most cap + 1 bytes.
        assert!(read_capped(MultiGzDecoder::new(&members[..]), 299, 0)
            .unwrap()
            .is_none());
    }

    #[test]
    fn a_split_hashes_like_the_idx_files_that_hold_it() {
        let bytes: Vec<u8> = (0..2 * 6).map(|i| (i * 23 % 256) as u8).collect();
        let split = Split {
            images: bytes.iter().map(|&b| b as f32 / 255.0).collect(),
            labels: vec![3, 7],
        };
        let mut images = vec![0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3];
        images.extend(&bytes);
        let labels = [0, 0, 8, 1, 0, 0, 0, 2, 3, 7];
        let expected: [[u8; 32]; 2] = [
            Sha256::digest(&images).into(),
            Sha256::digest(labels).into(),
        ];
        assert_eq!(split_digests(&split, 2, 3), Some(expected));
        // Every byte value survives the trip through f32.
        let all = Split {
            images: (0..=255u8).map(|b| b as f32 / 255.0).collect(),
            labels: vec![0],
        };
        let mut idx = vec![0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 16, 0, 0, 0, 16];
        idx.extend(0..=255u8);
        assert_eq!(
            split_digests(&all, 16, 16).unwrap()[0],
            <[u8; 32]>::from(Sha256::digest(&idx))
        );
        assert_eq!(split_digests(&split, 2, 2), None);
        assert_eq!(split_digests(&Split::default(), 28, 28), None);
    }

    #[test]
    fn a_plain_stream_over_the_cap_is_refused_whatever_its_size_hint() {
        assert!(read_capped(&[0u8; 10][..], 9, 0).unwrap().is_none());
        assert_eq!(
            read_capped(&[7u8; 9][..], 9, u64::MAX).unwrap(),
            Some(vec![7; 9])
        );
    }
}
