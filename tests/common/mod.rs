//! What the integration tests share: running the binary, reading what it said, and the flags
//! of the smallest real runs.
#![allow(dead_code)] // each test file uses its own part of this

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const REPO: &str = env!("CARGO_MANIFEST_DIR");

/// A quick real training run: 500 images, one epoch, a small layer.
pub const QUICK_RUN: &[&str] = &[
    "--train-size",
    "500",
    "--epochs",
    "1",
    "--hidden",
    "16",
    "--quiet",
];

/// The flags of a tiny study: one seed, one epoch, 300 training and 500 validation images.
pub const TINY_STUDY: &[&str] = &[
    "--seeds",
    "1",
    "--epochs",
    "1",
    "--train-size",
    "300",
    "--val-size",
    "500",
    "--hidden",
    "16",
    "--quiet",
];

/// `wdlab ARGS` run in `dir`.
pub fn wdlab_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wdlab"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("the wdlab binary runs")
}

/// `wdlab ARGS` run in the repository root.
pub fn run(args: &[&str]) -> Output {
    wdlab_in(Path::new(REPO), args)
}

/// Standard output, then standard error.
pub fn text(o: &Output) -> String {
    format!("{}{}", stdout(o), stderr(o))
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Checks that `o` failed with `code`, a message holding every needle, and no panic.
pub fn refused(o: &Output, code: i32, needles: &[&str]) {
    let t = text(o);
    assert_eq!(o.status.code(), Some(code), "{t}");
    for n in needles {
        assert!(t.contains(n), "{n:?} not in: {t}");
    }
    assert!(!t.contains("panicked"), "{t}");
}

/// Checks that `o` succeeded; what it said.
pub fn ok(o: &Output) -> String {
    assert!(o.status.success(), "{}", text(o));
    text(o)
}

/// A copy of the bundled MNIST in the folder `data` whose test labels differ in one image (so
/// its fingerprint differs).
pub fn altered_mnist(data: &Path) -> PathBuf {
    use std::io::Read;
    std::fs::create_dir_all(data).unwrap();
    let bundled = Path::new(REPO).join("data/mnist");
    for name in [
        "train-images-idx3-ubyte",
        "train-labels-idx1-ubyte",
        "t10k-images-idx3-ubyte",
    ] {
        let gz = format!("{name}.gz");
        std::fs::copy(bundled.join(&gz), data.join(&gz)).unwrap();
    }
    let gz = std::fs::read(bundled.join("t10k-labels-idx1-ubyte.gz")).unwrap();
    let mut labels = Vec::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_end(&mut labels)
        .unwrap();
    labels[8] = (labels[8] + 1) % 10;
    std::fs::write(data.join("t10k-labels-idx1-ubyte"), labels).unwrap();
    data.to_path_buf()
}

/// The `__metadata__` of a safetensors file's bytes (what `wdlab train --save` records).
pub fn safetensors_metadata(bytes: &[u8]) -> std::collections::HashMap<String, String> {
    safetensors::SafeTensors::read_metadata(bytes)
        .unwrap()
        .1
        .metadata()
        .clone()
        .expect("the file has metadata")
}

/// Copies the folder `from` to `to`, recursively (a committed result, to re-compute on a copy).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}
