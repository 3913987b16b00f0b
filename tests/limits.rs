//! What a careless or hostile user may type: sizes that would not fit, runs that explode
//! without reaching infinity, and an output that cannot be written. Each answers with a
//! message and the documented exit code, never a panic or an abort.

use std::process::{Command, Output, Stdio};

fn wdlab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wdlab"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("the wdlab binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs `wdlab ARGS`, checks the exit code and that the message holds `needle`.
fn answers(args: &[&str], code: i32, needle: &str) {
    let o = wdlab(args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(code), "{args:?}: {err}");
    assert!(err.contains(needle), "{args:?}: {needle:?} not in {err}");
    assert!(!err.contains("panicked"), "{args:?}: {err}");
}

#[test]
fn sizes_that_cannot_fit_are_refused_before_anything_is_allocated() {
    let small = ["--train-size", "64", "--quiet"];
    let train = |extra: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = vec!["train".into()];
        v.extend(small.iter().map(|s| s.to_string()));
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let check = |extra: &[&str], code: i32, needle: &str| {
        let args = train(extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        answers(&args, code, needle);
    };
    check(
        &["--epochs", "4294967296"],
        2,
        "more than the 1000000 a run may have",
    );
    check(
        &["--epochs", "1000000000"],
        2,
        "more than the 1000000 a run may have",
    );
    check(&["--hidden", "10000000"], 2, "this machine has");
    check(&["--hidden", "18446744073709551615"], 2, "this machine has");
    check(
        &[
            "--batch-size",
            "18446744073709551615",
            "--hidden",
            "18446744073709551615,18446744073709551615",
        ],
        2,
        "the sizes overflow",
    );
    answers(
        &[
            "sweep",
            "--out",
            "/tmp/never",
            "--seeds",
            "18446744073709551615",
        ],
        2,
        "a study holds at most 1000000",
    );
    answers(
        &["trajectory", "--out", "/tmp/never", "--steps", "100000000"],
        2,
        "more than the 1000000 a path may have",
    );
}

#[test]
fn bench_reads_the_data_dir_it_is_given() {
    answers(
        &[
            "bench",
            "--data-dir",
            "/nonexistent/mnist",
            "--methods",
            "sgd",
        ],
        1,
        "/nonexistent/mnist/train-images-idx3-ubyte",
    );
}

#[test]
fn a_batch_larger_than_the_data_trains_on_the_data_it_has() {
    let o = wdlab(&[
        "train",
        "--train-size",
        "64",
        "--epochs",
        "1",
        "--hidden",
        "8",
        "--batch-size",
        "1000000000",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn a_loss_that_explodes_without_reaching_infinity_is_a_divergence() {
    // Plain SGD at α = 1e4 sends the loss to about 1e20 within the first epoch: finite, and
    // nothing a run comes back from.
    answers(
        &[
            "train",
            "--optimizer",
            "sgd",
            "--lr",
            "1e4",
            "--train-size",
            "2000",
            "--epochs",
            "2",
            "--hidden",
            "64",
            "--quiet",
        ],
        3,
        "diverged at epoch 1",
    );
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_standard_output_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_wdlab"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "trajectory",
            "--out",
            dir.path().to_str().unwrap(),
            "--steps",
            "10",
        ])
        .stdout(Stdio::from(full))
        .output()
        .unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("cannot write to standard output"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}
