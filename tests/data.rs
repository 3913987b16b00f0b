//! The IDX loader: the bundled MNIST files, and every kind of defect in a file.

use flate2::{write::GzEncoder, Compression};
use std::io::Write;
use std::path::Path;
use wdlab::data::{load_dir, DataError, LoadOptions};

const NAMES: [&str; 4] = [
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
];

fn opts(val_size: usize, train_size: Option<usize>, strict: bool) -> LoadOptions {
    LoadOptions {
        val_size,
        train_size,
        strict_checksums: strict,
    }
}

fn idx_images(n: u32, rows: u32, cols: u32, fill: u8) -> Vec<u8> {
    let mut b = vec![0, 0, 8, 3];
    for d in [n, rows, cols] {
        b.extend(d.to_be_bytes());
    }
    b.extend(std::iter::repeat_n(fill, (n * rows * cols) as usize));
    b
}

fn idx_labels(labels: &[u8]) -> Vec<u8> {
    let mut b = vec![0, 0, 8, 1];
    b.extend((labels.len() as u32).to_be_bytes());
    b.extend(labels);
    b
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// A small, valid MNIST-format data set: 6 training and 3 test images of 2x3 pixels.
fn write_small_set(dir: &Path, gzipped: bool) {
    let files = [
        idx_images(6, 2, 3, 255),
        idx_labels(&[0, 1, 2, 3, 4, 9]),
        idx_images(3, 2, 3, 51),
        idx_labels(&[7, 8, 9]),
    ];
    for (name, bytes) in NAMES.iter().zip(files) {
        if gzipped {
            std::fs::write(dir.join(format!("{name}.gz")), gz(&bytes)).unwrap();
        } else {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
    }
}

/// Replaces one file of a valid small set by `bytes` and returns the load error.
fn error_with(name: &str, bytes: Vec<u8>) -> String {
    let dir = tempfile::tempdir().unwrap();
    write_small_set(dir.path(), false);
    std::fs::write(dir.path().join(name), bytes).unwrap();
    let err = load_dir(dir.path(), &opts(0, None, false)).unwrap_err();
    err.to_string()
}

#[test]
fn bundled_mnist_loads_with_the_documented_counts_and_labels() {
    let m = load_dir(Path::new("data/mnist"), &opts(0, None, true)).unwrap();
    assert_eq!(
        (m.train.len(), m.test.len(), m.rows, m.cols),
        (60000, 10000, 28, 28)
    );
    assert_eq!(m.train.images.len(), 60000 * 784);
    // ../shared/mnist/README.md: the first ten training labels and the per-digit counts.
    assert_eq!(&m.train.labels[..10], &[5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    let count = |labels: &[u8]| {
        let mut c = [0usize; 10];
        labels.iter().for_each(|&l| c[l as usize] += 1);
        c
    };
    assert_eq!(
        count(&m.train.labels),
        [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    );
    assert_eq!(
        count(&m.test.labels),
        [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    );
    let (lo, hi) = m
        .train
        .images
        .iter()
        .fold((f32::MAX, f32::MIN), |(lo, hi), &p| (lo.min(p), hi.max(p)));
    assert_eq!((lo, hi), (0.0, 1.0));
}

#[test]
fn validation_is_the_last_training_images_and_train_size_the_first() {
    let dir = tempfile::tempdir().unwrap();
    write_small_set(dir.path(), true);
    let m = load_dir(dir.path(), &opts(2, Some(3), false)).unwrap();
    assert_eq!(m.train.labels, vec![0, 1, 2]);
    assert_eq!(m.val.as_ref().unwrap().labels, vec![4, 9]);
    assert_eq!(m.test.labels, vec![7, 8, 9]);
    assert_eq!(m.test.images[0], 51.0 / 255.0);
    let none = load_dir(dir.path(), &opts(0, None, false)).unwrap();
    assert!(none.val.is_none());
    assert_eq!(none.train.len(), 6);
}

#[test]
fn plain_and_gzipped_files_give_the_same_data() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write_small_set(a.path(), true);
    write_small_set(b.path(), false);
    let (a, b) = (
        load_dir(a.path(), &opts(0, None, false)).unwrap(),
        load_dir(b.path(), &opts(0, None, false)).unwrap(),
    );
    assert_eq!(a.train.images, b.train.images);
    assert_eq!(a.test.labels, b.test.labels);
}

#[test]
fn impossible_splits_are_refused_with_the_flag_named() {
    let dir = tempfile::tempdir().unwrap();
    write_small_set(dir.path(), false);
    let e = load_dir(dir.path(), &opts(6, None, false)).unwrap_err();
    assert!(
        matches!(e, DataError::Split(_)) && e.to_string().contains("--val-size 6"),
        "{e}"
    );
    let e = load_dir(dir.path(), &opts(2, Some(5), false)).unwrap_err();
    assert!(e.to_string().contains("--train-size 5"), "{e}");
    let e = load_dir(dir.path(), &opts(0, Some(0), false)).unwrap_err();
    assert!(e.to_string().contains("--train-size 0"), "{e}");
}

#[test]
fn a_missing_file_names_the_file_and_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    write_small_set(dir.path(), false);
    std::fs::remove_file(dir.path().join("t10k-labels-idx1-ubyte")).unwrap();
    let e = load_dir(dir.path(), &opts(0, None, false)).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, DataError::Missing { .. }), "{msg}");
    assert!(
        msg.contains("t10k-labels-idx1-ubyte") && msg.contains("--data-dir"),
        "{msg}"
    );
}

#[test]
fn wrong_magic_numbers_are_reported() {
    let e = error_with("train-images-idx3-ubyte", idx_labels(&[1, 2, 3]));
    assert!(
        e.contains("magic number 0x00000801") && e.contains("train-images"),
        "{e}"
    );
}

#[test]
fn truncated_files_are_reported() {
    let mut images = idx_images(6, 2, 3, 1);
    images.truncate(images.len() - 5);
    let e = error_with("train-images-idx3-ubyte", images);
    assert!(e.contains("truncated"), "{e}");
    let e = error_with("train-labels-idx1-ubyte", vec![0, 0, 8]);
    assert!(e.contains("too short"), "{e}");
}

#[test]
fn a_lying_header_is_reported_without_a_huge_allocation() {
    // The header promises 4e9 images of 65536 x 65536 pixels (1.8e19 bytes) over 16 bytes.
    let mut b = vec![0, 0, 8, 3];
    for d in [u32::MAX, 65536, 65536] {
        b.extend(d.to_be_bytes());
    }
    b.extend([0u8; 16]);
    let e = error_with("t10k-images-idx3-ubyte", b);
    assert!(
        e.contains("header promises 4294967295 x 65536 x 65536")
            && e.contains("holds 16 data bytes"),
        "{e}"
    );
}

#[test]
fn labels_outside_0_to_9_are_reported() {
    let e = error_with("train-labels-idx1-ubyte", idx_labels(&[0, 1, 2, 3, 12, 5]));
    assert!(e.contains("label 12 at index 4"), "{e}");
}

#[test]
fn image_and_label_counts_must_match() {
    let e = error_with("train-labels-idx1-ubyte", idx_labels(&[0, 1, 2, 3, 4]));
    assert!(e.contains("6 images but") && e.contains("5 labels"), "{e}");
}

#[test]
fn corrupt_gzip_is_reported() {
    let mut bytes = gz(&idx_labels(&[7, 8, 9]));
    let n = bytes.len();
    bytes.truncate(n / 2);
    let dir = tempfile::tempdir().unwrap();
    write_small_set(dir.path(), true);
    std::fs::write(dir.path().join("t10k-labels-idx1-ubyte.gz"), bytes).unwrap();
    let e = load_dir(dir.path(), &opts(0, None, false))
        .unwrap_err()
        .to_string();
    assert!(e.contains("gzip") && e.contains("t10k-labels"), "{e}");
}

#[test]
fn checksums_fail_strictly_and_only_warn_for_other_data() {
    let dir = tempfile::tempdir().unwrap();
    write_small_set(dir.path(), false);
    let e = load_dir(dir.path(), &opts(0, None, true))
        .unwrap_err()
        .to_string();
    assert!(e.contains("SHA-256") && e.contains("git checkout"), "{e}");
    assert!(load_dir(dir.path(), &opts(0, None, false)).is_ok());
}
