//! The `wdlab` binary: flag validation and exit codes, an end-to-end run on a real-data
//! subset, determinism of metrics.csv, and divergence handling.

use std::path::Path;
use std::process::{Command, Output};

fn wdlab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wdlab"))
        .args(args)
        .output()
        .expect("the wdlab binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs `wdlab train ARGS` and checks it fails with `code` and a message containing `needle`.
fn refused(args: &[&str], code: i32, needle: &str) {
    let mut all = vec!["train"];
    all.extend(args);
    let o = wdlab(&all);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(code), "{args:?}: {err}");
    assert!(
        err.contains(needle),
        "{args:?}: expected {needle:?} in: {err}"
    );
    assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
}

#[test]
fn nonsense_values_are_refused_with_exit_code_2() {
    refused(&["--lr", "0"], 2, "--lr must be positive");
    refused(&["--lr", "-0.1"], 2, "--lr must be positive");
    refused(
        &["--optimizer", "sgd", "--l2", "-1e-4"],
        2,
        "--l2 must be zero or positive",
    );
    refused(&["--wd", "-1e-4"], 2, "--wd must be zero or positive");
    refused(&["--wd", "1"], 2, "per-step decay of 1");
    refused(
        &["--wd", "20", "--wd-scaling", "lr", "--lr", "0.1"],
        2,
        "--wd-scaling lr",
    );
    refused(
        &["--optimizer", "sgdw", "--l2", "1e-3"],
        2,
        "--l2 does not apply to --optimizer sgdw",
    );
    refused(
        &["--optimizer", "adamw", "--l2", "1e-3"],
        2,
        "--l2 does not apply",
    );
    refused(
        &["--optimizer", "sgd", "--wd", "1e-4"],
        2,
        "--wd does not apply to --optimizer sgd",
    );
    refused(
        &["--optimizer", "adam", "--wd", "1e-4"],
        2,
        "--wd does not apply",
    );
    refused(&["--optimizer", "adam", "--momentum", "0.9"], 2, "--beta1");
    refused(&["--beta2", "1"], 2, "--beta2 must be in [0, 1)");
    refused(&["--batch-size", "0"], 2, "--batch-size must be at least 1");
    refused(&["--epochs", "0"], 2, "--epochs 0");
    refused(&["--hidden", "0"], 2, "--hidden");
    refused(&["--lr", "nan"], 2, "finite");
    refused(&["--val-size", "60000"], 2, "--val-size 60000");
    refused(&["--optimizer", "rmsprop"], 2, "invalid value 'rmsprop'");
    refused(
        &["--learning-rate", "0.1"],
        2,
        "unexpected argument '--learning-rate'",
    );
    refused(&["--device", "tpu"], 2, "cpu, cuda or cuda:N");
}

#[cfg(not(feature = "cuda"))]
#[test]
fn cuda_in_a_cpu_build_says_how_to_build_with_it() {
    refused(&["--device", "cuda"], 2, "--features cuda");
    refused(&["--device", "cuda:1"], 2, "cuda-toolchain.sh");
}

#[test]
fn missing_data_is_a_runtime_error_that_names_the_file() {
    refused(
        &["--data-dir", "/nonexistent/mnist"],
        1,
        "train-images-idx3-ubyte",
    );
}

/// Reads metrics.csv without the `seconds` column (the only one allowed to vary).
fn metrics_without_seconds(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("metrics.csv"))
        .unwrap()
        .lines()
        .map(|l| l.rsplit_once(',').unwrap().0.to_string())
        .collect()
}

#[test]
fn a_short_real_run_learns_writes_its_files_and_repeats_exactly() {
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    for d in &dirs {
        let out = d.path().to_str().unwrap();
        let o = wdlab(&[
            "train",
            "--optimizer",
            "adamw",
            "--train-size",
            "3000",
            "--val-size",
            "1000",
            "--epochs",
            "2",
            "--hidden",
            "128",
            "--seed",
            "3",
            "--out",
            out,
            "--save",
            &format!("{out}/model.safetensors"),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let stdout = String::from_utf8_lossy(&o.stdout);
        assert!(
            stdout.contains("epoch   2/2") && stdout.contains("final test accuracy"),
            "{stdout}"
        );
    }
    let dir = dirs[0].path();
    let csv = std::fs::read_to_string(dir.join("metrics.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "epoch,train_loss,val_accuracy,test_loss,test_accuracy,weight_norm,seconds"
    );
    assert_eq!(lines.len(), 3);
    let last: Vec<f64> = lines[2].split(',').map(|f| f.parse().unwrap()).collect();
    // 2 epochs of 3,000 images already reach about 90 % on the full test set.
    assert!(last[4] > 0.85, "test accuracy {}", last[4]);
    assert!(last[2] > 0.85, "validation accuracy {}", last[2]);
    let config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("config.json")).unwrap()).unwrap();
    assert_eq!(config["optim"]["method"], "adamw");
    assert_eq!(config["optim"]["decay"], 1e-4);
    assert_eq!(config["wdlab_version"], env!("CARGO_PKG_VERSION"));
    assert!(
        std::fs::metadata(dir.join("model.safetensors"))
            .unwrap()
            .len()
            > 400_000
    );
    assert_eq!(
        metrics_without_seconds(dirs[0].path()),
        metrics_without_seconds(dirs[1].path())
    );
}

#[test]
fn a_diverging_run_exits_3_and_keeps_its_finished_epochs() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().to_str().unwrap();
    // One step per epoch; Adam with α = 1e20 moves every weight by about 1e20 in that step,
    // so the second epoch's logits overflow and the loss is NaN.
    let o = wdlab(&[
        "train",
        "--optimizer",
        "adam",
        "--lr",
        "1e20",
        "--train-size",
        "64",
        "--batch-size",
        "64",
        "--epochs",
        "3",
        "--hidden",
        "32",
        "--out",
        out,
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.contains("diverged at epoch 2, step 1"), "{err}");
    let csv = std::fs::read_to_string(d.path().join("metrics.csv")).unwrap();
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(rows.len(), 1, "epoch 1 is kept: {csv}");
    assert!(rows[0].starts_with("1,"), "{csv}");
}

#[test]
fn help_names_both_decay_conventions() {
    let o = wdlab(&["train", "--help"]);
    let help = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success());
    assert!(
        help.contains("--wd-scaling") && help.contains("η_t·α·λ'") && help.contains("paper"),
        "{help}"
    );
}
