//! What the user reads (issue 21, cases 24 and 25): one exit code per condition, numbers as
//! they were given and words that agree with them, paths that can be pasted into a shell, and
//! causes named once and rightly.

mod common;
use common::*;
use std::path::Path;

const TINY: &[&str] = &[
    "--grid",
    "sgd:0.1:0,1e-3",
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
];

#[test]
fn the_train_header_names_the_network_the_noise_and_both_decay_conventions() {
    let t = ok(&run(&[
        "train",
        "--train-size",
        "500",
        "--epochs",
        "1",
        "--hidden",
        "32,16",
        "--norm",
        "layer",
        "--label-noise",
        "0.3",
    ]));
    for part in [
        "λ' = 0.0001 (paper",
        "PyTorch's weight_decay λ_pt = λ'/α = 0.1",
        "ε 1e-8",
        "MLP 784-32-16-10 with LayerNorm before each ReLU",
        "500 train images, 150 of them with a wrong label (data seed 0)",
        "1 epoch of batch 128",
        "after 1 epoch,",
    ] {
        assert!(t.contains(part), "{part:?} not in: {t}");
    }
    let t = ok(&run(&[
        "train",
        "--train-size",
        "500",
        "--epochs",
        "1",
        "--hidden",
        "16",
        "--optimizer",
        "sgdw",
        "--wd-scaling",
        "lr",
        "--wd",
        "0.01",
    ]));
    assert!(
        t.contains("λ_pt = 0.01 (PyTorch") && t.contains("the paper's λ' = α·λ_pt = 0.001"),
        "{t}"
    );
}

#[test]
fn config_json_gives_the_decoupled_decay_in_the_other_convention() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("r");
    ok(&run(&[
        "train",
        "--train-size",
        "500",
        "--epochs",
        "1",
        "--hidden",
        "16",
        "--quiet",
        "--out",
        s(&out),
    ]));
    let json = std::fs::read_to_string(out.join("config.json")).unwrap();
    assert!(
        json.contains(
            "\"decay_in_other_convention\": \"PyTorch's weight_decay λ_pt = λ'/α = 0.1\""
        ),
        "{json}"
    );
}

#[test]
fn the_next_command_quotes_a_folder_with_a_space() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("my study");
    let mut args = vec!["sweep", "--out", s(&out), "--quiet"];
    args.extend(TINY);
    let t = ok(&run(&args));
    assert!(
        t.contains(&format!("Next: wdlab report '{}'", s(&out))),
        "{t}"
    );
}

/// A copy of the bundled MNIST in `dir/name`, passed through `change` file by file.
fn copy_mnist(dir: &Path, name: &str, change: impl Fn(&str, &mut Vec<u8>)) -> std::path::PathBuf {
    let data = dir.join(name);
    std::fs::create_dir_all(&data).unwrap();
    for entry in std::fs::read_dir(Path::new(REPO).join("data/mnist")).unwrap() {
        let entry = entry.unwrap();
        let file = entry.file_name().to_string_lossy().to_string();
        let mut bytes = std::fs::read(entry.path()).unwrap();
        change(&file, &mut bytes);
        std::fs::write(data.join(&file), bytes).unwrap();
    }
    data
}

#[test]
fn gzip_with_bytes_after_its_end_is_not_called_truncated_and_io_errors_are_named_once() {
    let d = tempfile::tempdir().unwrap();
    let data = copy_mnist(d.path(), "trailing", |file, bytes| {
        if file.starts_with("t10k-labels") {
            bytes.extend_from_slice(b"junk after the end");
        }
    });
    let o = run(&["train", "--data-dir", s(&data), "--quiet"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("has bytes after its end"), "{}", text(&o));
    let odd = d.path().join("odd");
    std::fs::create_dir_all(odd.join("train-images-idx3-ubyte.gz")).unwrap();
    let o = run(&["train", "--data-dir", s(&odd), "--quiet"]);
    let t = text(&o);
    assert_eq!(t.matches("Is a directory").count(), 1, "{t}");
}

#[test]
fn a_study_s_other_data_is_the_same_usage_error_for_sweep_and_the_equivalence_check() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("s");
    let mut args = vec!["sweep", "--out", s(&out), "--quiet"];
    args.extend(TINY);
    ok(&run(&args));
    let other = copy_mnist(d.path(), "other", |file, bytes| {
        if file.starts_with("t10k-labels") {
            // Another valid gzip member of the same labels with one changed: other data.
            use std::io::{Read, Write};
            let mut labels = Vec::new();
            flate2::read::GzDecoder::new(&bytes[..])
                .read_to_end(&mut labels)
                .unwrap();
            labels[8] = (labels[8] + 1) % 10;
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(&labels).unwrap();
            *bytes = gz.finish().unwrap();
        }
    });
    let mut sweep = args.clone();
    sweep.extend(["--data-dir", s(&other)]);
    let o = run(&sweep);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let o = run(&[
        "report",
        s(&out),
        "--equivalence",
        "--data-dir",
        s(&other),
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("fingerprint"), "{}", text(&o));
}

#[test]
fn compare_with_a_diverged_method_prints_no_nan_and_no_missing_figure() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("c");
    let mut args = vec![
        "compare",
        "--methods",
        "adam",
        "--adam",
        "1e30,0",
        "--out",
        s(&out),
    ];
    args.extend(TINY_STUDY);
    let t = ok(&run(&args));
    assert!(!t.contains("NaN"), "{t}");
    assert!(
        !t.contains("curves.svg") && !out.join("curves.svg").exists(),
        "{t}"
    );
}
