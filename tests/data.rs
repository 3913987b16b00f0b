//! The IDX loader: the bundled MNIST files, every kind of defect in a file and the exit code
//! it gives, the data set's fingerprint, and a property test over mutated files.

use flate2::{write::GzEncoder, Compression};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::Path;
use std::process::Command;
use wdlab::data::{load_dir, DataError, LoadOptions};
use wdlab::error::{exit, exit_code};

use proptest::prelude::*;

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
fn small_set() -> [Vec<u8>; 4] {
    [
        idx_images(6, 2, 3, 255),
        idx_labels(&[0, 1, 2, 3, 4, 9]),
        idx_images(3, 2, 3, 51),
        idx_labels(&[7, 8, 9]),
    ]
}

fn write_small_set(dir: &Path, gzipped: bool) {
    for (name, bytes) in NAMES.iter().zip(small_set()) {
        if gzipped {
            std::fs::write(dir.join(format!("{name}.gz")), gz(&bytes)).unwrap();
        } else {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
    }
}

/// Replaces one file of a valid small set by `bytes` and returns the load error.
fn error_with(name: &str, bytes: Vec<u8>) -> String {
    data_error_with(name, bytes).to_string()
}

/// Like [`error_with`], the error itself.
fn data_error_with(name: &str, bytes: Vec<u8>) -> DataError {
    let dir = tempfile::tempdir().unwrap();
    write_small_set(dir.path(), false);
    std::fs::write(dir.path().join(name), bytes).unwrap();
    load_dir(dir.path(), &opts(0, None, false)).unwrap_err()
}

/// Checks that `msg` contains each of `needles`.
fn assert_mentions(msg: &str, needles: &[&str]) {
    for n in needles {
        assert!(msg.contains(n), "expected {n:?} in: {msg}");
    }
}

/// The exit code `wdlab` gives for `e`.
fn code_of(e: DataError) -> i32 {
    exit_code(&e.into_anyhow())
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
    // The hex SHA-256 of the four digests, as the shell computes it:
    // for f in train-images train-labels t10k-images t10k-labels; do gunzip -c $f-*.gz |
    //   sha256sum | cut -c1-64; done | tr -d '\n' | xxd -r -p | sha256sum
    assert_eq!(
        m.fingerprint,
        "e9914cff2ade526da2ab1ac60c072f9173cc53e35b9411692de8207cb1b9009d"
    );
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
fn image_and_label_counts_that_differ_are_a_data_error_naming_both_files() {
    let e = data_error_with(NAMES[1], idx_labels(&[0, 1, 2, 3, 4]));
    let msg = e.to_string();
    assert!(matches!(e, DataError::Mismatch { .. }), "{msg}");
    assert_mentions(&msg, &["6 images but 5 labels", NAMES[0], NAMES[1]]);
    assert_eq!(code_of(e), exit::RUNTIME);
}

#[test]
fn test_images_of_another_size_are_a_data_error_naming_both_files() {
    let e = data_error_with(NAMES[2], idx_images(3, 3, 2, 51));
    let msg = e.to_string();
    assert!(matches!(e, DataError::Mismatch { .. }), "{msg}");
    let sizes = "training images are 2x3 pixels but the test images are 3x2";
    assert_mentions(&msg, &[NAMES[0], NAMES[2], sizes]);
    assert_eq!(code_of(e), exit::RUNTIME);
}

#[test]
fn only_impossible_splits_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    write_small_set(dir.path(), false);
    let e = load_dir(dir.path(), &opts(6, None, false)).unwrap_err();
    assert_eq!(code_of(e), exit::USAGE);
    let hub = DataError::Hub {
        problem: "Api error: request failed".into(),
    };
    let needles = [
        "Hugging Face Hub",
        "ylecun/mnist",
        "request failed",
        "--data-dir",
    ];
    assert_mentions(&hub.to_string(), &needles);
    assert_eq!(code_of(hub), exit::RUNTIME);
}

/// `wdlab train` on `dir`: its exit code and standard error.
fn train_on(dir: &Path) -> (Option<i32>, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_wdlab"))
        .args(["train", "--data-dir"])
        .arg(dir)
        .args(["--epochs", "1", "--train-size", "10", "--hidden", "4"])
        .output()
        .expect("the wdlab binary runs");
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn wdlab_exits_1_for_files_that_disagree_and_2_for_an_impossible_split() {
    let dir = tempfile::tempdir().unwrap();
    write_small_set(dir.path(), false);
    // Six training images: --train-size 10 is a usage error.
    let (code, err) = train_on(dir.path());
    assert_eq!(code, Some(exit::USAGE), "{err}");
    assert_mentions(&err, &["--train-size 10"]);
    std::fs::write(dir.path().join(NAMES[2]), idx_images(3, 3, 2, 51)).unwrap();
    let (code, err) = train_on(dir.path());
    assert_eq!(code, Some(exit::RUNTIME), "{err}");
    assert_mentions(&err, &[NAMES[0], NAMES[2], "3x2"]);
    write_small_set(dir.path(), false);
    std::fs::write(dir.path().join(NAMES[3]), idx_labels(&[7, 8])).unwrap();
    let (code, err) = train_on(dir.path());
    assert_eq!(code, Some(exit::RUNTIME), "{err}");
    assert_mentions(&err, &[NAMES[2], NAMES[3], "3 images but 2 labels"]);
}

#[test]
fn multi_member_gzip_files_load_as_one_stream() {
    let (multi, plain) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write_small_set(plain.path(), false);
    write_small_set(multi.path(), true);
    // What `cat a.gz b.gz c.gz` makes: one file of three members.
    let images = idx_images(6, 2, 3, 255);
    let members = [&images[..5], &images[5..20], &images[20..]];
    let cat: Vec<u8> = members.iter().flat_map(|m| gz(m)).collect();
    std::fs::write(multi.path().join(format!("{}.gz", NAMES[0])), cat).unwrap();
    let labels = idx_labels(&[7, 8, 9]);
    let cat: Vec<u8> = [gz(&labels[..9]), gz(&labels[9..])].concat();
    std::fs::write(multi.path().join(format!("{}.gz", NAMES[3])), cat).unwrap();
    let (a, b) = (
        load_dir(multi.path(), &opts(0, None, false)).unwrap(),
        load_dir(plain.path(), &opts(0, None, false)).unwrap(),
    );
    assert_eq!(a.train.images, b.train.images);
    assert_eq!(a.test.labels, vec![7, 8, 9]);
    assert_eq!(a.fingerprint, b.fingerprint);
}

#[test]
fn a_plain_file_over_the_cap_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    write_small_set(dir.path(), false);
    // A sparse file one byte over the 512 MiB cap: no disk, and it must never be read in.
    let f = std::fs::File::create(dir.path().join(NAMES[0])).unwrap();
    f.set_len((512 << 20) + 1).unwrap();
    let e = load_dir(dir.path(), &opts(0, None, false)).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, DataError::TooLarge { .. }), "{msg}");
    let cap = "536870912-byte (512 MiB) cap";
    assert_mentions(&msg, &[NAMES[0], "the file is 536870913 bytes", cap]);
    assert_eq!(code_of(e), exit::RUNTIME);
}

#[test]
fn the_fingerprint_is_the_sha256_of_the_four_digests_in_order() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write_small_set(a.path(), false);
    write_small_set(b.path(), true);
    let mut h = Sha256::new();
    for name in NAMES {
        h.update(Sha256::digest(std::fs::read(a.path().join(name)).unwrap()));
    }
    let expected: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    let plain = load_dir(a.path(), &opts(0, None, false)).unwrap();
    assert_eq!(plain.fingerprint, expected);
    // Uncompressed contents: gzip and the split options do not change it.
    let gzipped = load_dir(b.path(), &opts(2, Some(3), false)).unwrap();
    assert_eq!(gzipped.fingerprint, expected);
    // One label changed: another data set.
    std::fs::write(a.path().join(NAMES[3]), idx_labels(&[7, 8, 8])).unwrap();
    let other = load_dir(a.path(), &opts(0, None, false)).unwrap();
    assert_ne!(other.fingerprint, expected);
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

/// One change to a file; positions are taken modulo the length so that each lands in it.
#[derive(Debug, Clone)]
enum Mutation {
    /// XORs the byte at a position with a mask.
    Flip(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    Truncate(usize),
    Extend(Vec<u8>),
    /// Overwrites a header word (0: the magic number, then the dimensions).
    Header(usize, u32),
    /// Replaces the file by a valid one of its kind with this count, rows and columns.
    Remake(u32, u32, u32),
}

impl Mutation {
    fn apply(&self, b: &mut Vec<u8>, images: bool) {
        let len = b.len();
        match *self {
            Mutation::Flip(at, mask) if len > 0 => b[at % len] ^= mask,
            Mutation::Insert(at, byte) => b.insert(at % (len + 1), byte),
            Mutation::Delete(at) if len > 0 => drop(b.remove(at % len)),
            Mutation::Truncate(to) => b.truncate(to % (len + 1)),
            Mutation::Extend(ref bytes) => b.extend(bytes),
            Mutation::Header(word, value) if 4 * word + 4 <= len => {
                b[4 * word..4 * word + 4].copy_from_slice(&value.to_be_bytes())
            }
            Mutation::Remake(count, rows, cols) if images => *b = idx_images(count, rows, cols, 9),
            Mutation::Remake(count, ..) => {
                *b = idx_labels(&(0..count).map(|l| (l % 10) as u8).collect::<Vec<_>>())
            }
            _ => {}
        }
    }
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let header_value = prop_oneof![
        prop::sample::select(vec![
            0u32,
            1,
            2,
            3,
            6,
            0x0801,
            0x0803,
            1 << 16,
            1 << 31,
            u32::MAX
        ]),
        any::<u32>(),
    ];
    let at = || any::<usize>();
    prop_oneof![
        1 => (at(), 1..=255u8).prop_map(|(at, mask)| Mutation::Flip(at, mask)),
        1 => (at(), any::<u8>()).prop_map(|(at, byte)| Mutation::Insert(at, byte)),
        1 => at().prop_map(Mutation::Delete),
        1 => at().prop_map(Mutation::Truncate),
        1 => prop::collection::vec(any::<u8>(), 1..40).prop_map(Mutation::Extend),
        1 => (0..4usize, header_value).prop_map(|(word, value)| Mutation::Header(word, value)),
        3 => (0..9u32, 1..4u32, 1..4u32).prop_map(|(n, rows, cols)| Mutation::Remake(n, rows, cols)),
    ]
}

/// How a file is stored: plain, gzipped after the mutations, gzipped before them (the
/// mutations hit the compressed bytes), or as two gzip members split at a point.
#[derive(Debug, Clone, Copy)]
enum Storage {
    Plain,
    Gzip,
    MutatedGzip,
    Members(usize),
}

fn storage() -> impl Strategy<Value = Storage> {
    prop_oneof![
        Just(Storage::Plain),
        Just(Storage::Gzip),
        Just(Storage::MutatedGzip),
        any::<usize>().prop_map(Storage::Members),
    ]
}

/// Writes file `i` of the small set, changed by `mutations` and stored as `how`.
fn write_mutated(dir: &Path, i: usize, mutations: &[Mutation], how: Storage) {
    let mut bytes = small_set()[i].clone();
    let apply = |b: &mut Vec<u8>| {
        mutations
            .iter()
            .for_each(|m| m.apply(b, i.is_multiple_of(2)))
    };
    let (name, bytes) = match how {
        Storage::Plain => {
            apply(&mut bytes);
            (NAMES[i].to_string(), bytes)
        }
        Storage::Gzip | Storage::Members(_) => {
            apply(&mut bytes);
            let cut = if let Storage::Members(at) = how {
                at % (bytes.len() + 1)
            } else {
                0
            };
            (
                format!("{}.gz", NAMES[i]),
                [gz(&bytes[..cut]), gz(&bytes[cut..])].concat(),
            )
        }
        Storage::MutatedGzip => {
            let mut z = gz(&bytes);
            apply(&mut z);
            (format!("{}.gz", NAMES[i]), z)
        }
    };
    std::fs::write(dir.join(name), bytes).unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Whatever is done to the files, loading them never panics, and gives either a consistent
    /// data set or an error that names a file (exit 1) or a split flag (exit 2).
    #[test]
    fn mutated_files_load_or_fail_naming_a_file_or_a_flag(
        changes in prop::collection::vec((0..4usize, prop::collection::vec(mutation(), 1..4)), 0..3),
        stores in prop::array::uniform4(storage()),
        val_size in 0..8usize,
        train_size in prop::option::of(0..8usize),
    ) {
        let dir = tempfile::tempdir().unwrap();
        for (i, how) in stores.iter().enumerate() {
            let mutations: Vec<Mutation> = changes
                .iter()
                .filter(|(file, _)| *file == i)
                .flat_map(|(_, m)| m.clone())
                .collect();
            write_mutated(dir.path(), i, &mutations, *how);
        }
        match load_dir(dir.path(), &opts(val_size, train_size, false)) {
            Ok(m) => {
                let splits = [Some(&m.train), m.val.as_ref(), Some(&m.test)];
                for s in splits.into_iter().flatten() {
                    prop_assert_eq!(s.images.len(), s.len() * m.pixels());
                    prop_assert!(s.labels.iter().all(|&l| l < 10));
                }
                prop_assert_eq!(m.fingerprint.len(), 64);
            }
            Err(e) => {
                let msg = e.to_string();
                let split = matches!(e, DataError::Split(_));
                let names_flag = msg.contains("--val-size") || msg.contains("--train-size");
                let names_file = NAMES.iter().any(|n| msg.contains(n));
                prop_assert!(if split { names_flag } else { names_file }, "{}", msg);
                let code = if split { exit::USAGE } else { exit::RUNTIME };
                prop_assert_eq!(code_of(e), code, "{}", msg);
            }
        }
    }
}
