//! The `wdlab` binary: flag validation and exit codes, an end-to-end run on a real-data
//! subset, determinism of metrics.csv, and divergence handling.

mod common;

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
    for p in ["1", "-0.1", "1.5"] {
        refused(
            &["--label-noise", p],
            2,
            "--label-noise must be at least 0 and below 1",
        );
    }
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

/// Every spelling of the first GPU is one device: in a build without CUDA all of them are
/// refused with the same instructions.
#[cfg(not(feature = "cuda"))]
#[test]
fn every_spelling_of_a_gpu_names_the_same_missing_build() {
    for spelling in ["gpu", "CUDA", "cuda:0"] {
        refused(
            &["--device", spelling, "--epochs", "1"],
            2,
            "asks for CUDA, but this wdlab was built without it",
        );
    }
}

/// Runs `wdlab ARGS` and returns its stdout, checking it succeeded.
fn succeeds(args: &[&str]) -> String {
    let o = wdlab(args);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn eval_every_n_records_every_nth_epoch_and_the_last() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().to_str().unwrap();
    let stdout = succeeds(&[
        "train",
        "--optimizer",
        "sgdw",
        "--train-size",
        "256",
        "--epochs",
        "5",
        "--eval-every",
        "2",
        "--hidden",
        "16",
        "--out",
        out,
    ]);
    let epochs: Vec<String> = metrics_without_seconds(d.path())
        .iter()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect();
    assert_eq!(epochs, ["2", "4", "5"], "{stdout}");
    assert!(
        stdout.contains("epoch   4/5") && !stdout.contains("epoch   3/5"),
        "{stdout}"
    );
}

/// `--save` writes weights that candle-nn's `Linear` loads as they are and that give, on the
/// test set, the test accuracy the run reported; the metadata names the run.
#[test]
fn saved_weights_load_in_candle_nn_and_give_the_reported_test_accuracy() {
    use candle_core::{DType, Device, Module, Tensor, D};
    let d = tempfile::tempdir().unwrap();
    let out = d.path().to_str().unwrap();
    let file = d.path().join("w.safetensors");
    succeeds(&[
        "train",
        "--optimizer",
        "adam",
        "--train-size",
        "500",
        "--epochs",
        "1",
        "--hidden",
        "32,16",
        "--out",
        out,
        "--save",
        file.to_str().unwrap(),
    ]);
    let bytes = std::fs::read(&file).unwrap();
    let metadata = common::safetensors_metadata(&bytes);
    let vb =
        candle_nn::VarBuilder::from_buffered_safetensors(bytes, DType::F32, &Device::Cpu).unwrap();
    // candle_nn::linear checks each weight is [out, in] and each bias [out].
    let layers: Vec<candle_nn::Linear> = [(784, 32), (32, 16), (16, 10)]
        .iter()
        .enumerate()
        .map(|(i, &(fan_in, fan_out))| {
            candle_nn::linear(fan_in, fan_out, vb.pp(format!("layers.{i}"))).unwrap()
        })
        .collect();
    let test = mnist_test_set();
    let n = test.len();
    let mut h = Tensor::from_slice(&test.images, (n, 784), &Device::Cpu).unwrap();
    for (i, layer) in layers.iter().enumerate() {
        h = layer.forward(&h).unwrap();
        if i + 1 < layers.len() {
            h = h.relu().unwrap();
        }
    }
    let predicted: Vec<u32> = h.argmax(D::Minus1).unwrap().to_vec1().unwrap();
    let correct = predicted
        .iter()
        .zip(&test.labels)
        .filter(|(p, &l)| **p == l as u32)
        .count();
    let reported: f64 = metrics_without_seconds(d.path())[1]
        .split(',')
        .nth(4)
        .unwrap()
        .parse()
        .unwrap();
    let read_back = correct as f64 / n as f64;
    // The same weights; sums in another order may flip an image or two near a tie.
    assert!(
        (read_back - reported).abs() <= 2.0 / n as f64,
        "{read_back} read back vs {reported} reported"
    );
    assert_eq!(metadata["method"], "adam");
    assert_eq!(metadata["lr"], "0.001");
    assert_eq!(metadata["hidden"], "32,16");
    assert!(
        metadata["decay_kind"].starts_with("λ (--l2"),
        "{metadata:?}"
    );
    let in_metadata: f64 = metadata["test_accuracy"].parse().unwrap();
    assert!((in_metadata - reported).abs() < 1e-9, "{metadata:?}");
}

fn mnist_test_set() -> wdlab::data::Split {
    let opts = wdlab::data::LoadOptions {
        val_size: 0,
        train_size: None,
        strict_checksums: true,
    };
    wdlab::data::load_dir(Path::new("data/mnist"), &opts)
        .unwrap()
        .test
}

/// The flags of a run that takes about a second.
const TINY: [&str; 7] = [
    "--train-size",
    "256",
    "--epochs",
    "1",
    "--hidden",
    "16",
    "--quiet",
];

/// `wdlab train` with [`TINY`] and `args`.
fn train_tiny(args: &[&str]) -> Output {
    let mut all = vec!["train"];
    all.extend(TINY);
    all.extend(args);
    wdlab(&all)
}

#[test]
fn save_into_a_missing_folder_fails_before_anything_is_trained() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("run");
    let save = d.path().join("no-such-folder/w.safetensors");
    let o = train_tiny(&[
        "--out",
        out.to_str().unwrap(),
        "--save",
        save.to_str().unwrap(),
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--save") && err.contains("does not exist"),
        "{err}"
    );
    // Nothing loaded (no header line) and nothing trained (no metrics.csv).
    assert!(
        o.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(!out.join("metrics.csv").exists());
}

#[test]
fn save_into_the_new_out_folder_is_allowed() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("run");
    let save = out.join("w.safetensors");
    let o = train_tiny(&[
        "--out",
        out.to_str().unwrap(),
        "--save",
        save.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(save.is_file() && out.join("metrics.csv").is_file());
}

#[test]
fn save_refuses_a_device_or_a_folder_before_training() {
    let d = tempfile::tempdir().unwrap();
    for target in ["/dev/null", d.path().to_str().unwrap()] {
        let o = train_tiny(&["--save", target]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{target}: {err}");
        assert!(err.contains("not a regular file"), "{target}: {err}");
    }
}

#[cfg(unix)]
#[test]
fn save_to_a_link_replaces_the_file_it_points_to_and_keeps_the_link() {
    use std::os::unix::fs::PermissionsExt;
    let d = tempfile::tempdir().unwrap();
    let real = d.path().join("real.safetensors");
    std::fs::write(&real, b"old").unwrap();
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
    let link = d.path().join("link.safetensors");
    std::os::unix::fs::symlink("real.safetensors", &link).unwrap();
    // An existing file is replaced only with --force.
    let o = train_tiny(&["--save", link.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(std::fs::read(&real).unwrap(), b"old");
    let o = train_tiny(&["--save", link.to_str().unwrap(), "--force"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    let bytes = std::fs::read(&real).unwrap();
    assert!(safetensors::SafeTensors::deserialize(&bytes).is_ok());
    let mode = std::fs::metadata(&real).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640, "a replaced file keeps its permissions");
}

#[cfg(unix)]
#[test]
fn a_new_weights_file_gets_the_permissions_the_umask_gives() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    let d = tempfile::tempdir().unwrap();
    for (umask, mode) in [(0o022, 0o644), (0o027, 0o640)] {
        let file = d.path().join(format!("w{umask:o}.safetensors"));
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_wdlab"));
        cmd.arg("train")
            .args(TINY)
            .args(["--save", file.to_str().unwrap()]);
        // SAFETY: umask is async-signal-safe, as code between fork and exec must be.
        unsafe {
            cmd.pre_exec(move || {
                libc::umask(umask);
                Ok(())
            });
        }
        let o = cmd.output().unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        let got = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(got, mode, "umask {umask:03o}: mode {got:03o}");
    }
}

#[test]
fn out_into_a_folder_holding_a_run_is_refused_unless_forced() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().to_str().unwrap();
    let o = train_tiny(&["--out", out, "--seed", "1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let old = std::fs::read_to_string(d.path().join("metrics.csv")).unwrap();
    let o = train_tiny(&["--out", out, "--seed", "2"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains(out) && err.contains("already holds a run") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(d.path().join("metrics.csv")).unwrap(),
        old
    );
    let o = train_tiny(&["--out", out, "--seed", "2", "--force"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_ne!(
        std::fs::read_to_string(d.path().join("metrics.csv")).unwrap(),
        old,
        "--force replaces the run"
    );
}

#[test]
fn out_under_a_missing_folder_is_refused_before_training() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("missing/run");
    let o = train_tiny(&["--out", out.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--out") && err.contains("does not exist"),
        "{err}"
    );
    assert!(o.stdout.is_empty());
}

#[test]
fn trajectory_writes_paths_figures_and_the_end_point_table() {
    let d = tempfile::tempdir().unwrap();
    let stdout = succeeds(&[
        "trajectory",
        "--out",
        d.path().to_str().unwrap(),
        "--steps",
        "50",
        "--decays",
        "0.3",
    ]);
    assert!(stdout.contains("sgdw+wd=0.015"), "{stdout}");
    assert!(stdout.contains("fixed point θ*"), "{stdout}");
    let paths = std::fs::read_to_string(d.path().join("paths.csv")).unwrap();
    assert_eq!(paths.lines().next(), Some("run,step,x,y,loss"));
    // λ = 0: sgd, adam and lion; λ = 0.3: the six methods; 51 points each (the start and 50
    // steps).
    assert_eq!(paths.lines().count(), 1 + 9 * 51);
    assert!(stdout.contains("lionw+wd=0.015"), "{stdout}");
    for f in [
        "trajectory.svg",
        "gd.svg",
        "l2-vs-decoupled.svg",
        "adam-vs-adamw.svg",
        "lion-vs-lionw.svg",
    ] {
        let svg = std::fs::read_to_string(d.path().join(f)).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("</svg>"), "{f}");
    }
}

#[test]
fn norms_train_writes_one_run_per_decay_and_the_figure() {
    let d = tempfile::tempdir().unwrap();
    let stdout = succeeds(&[
        "norms",
        "--train",
        "--out",
        d.path().to_str().unwrap(),
        "--decays",
        "0,0.01",
        "--epochs",
        "2",
        "--train-size",
        "256",
        "--hidden",
        "16",
        "--quiet",
    ]);
    assert!(stdout.contains("sgdw λ' = 0.01"), "{stdout}");
    for run in ["sgdw-wd0", "sgdw-wd0.01"] {
        let csv = std::fs::read_to_string(d.path().join("runs").join(run).join("metrics.csv"));
        assert_eq!(
            csv.unwrap().lines().count(),
            3,
            "{run}: header and two epochs"
        );
    }
    // With λ' = 0.01 per step the weights end closer to the origin than without decay.
    let last_norm = |line: &str| -> f64 {
        let l = stdout.lines().find(|l| l.starts_with(line)).unwrap();
        l.split_whitespace().nth(7).unwrap().parse().unwrap()
    };
    assert!(
        last_norm("sgdw λ' = 0.01") < last_norm("sgdw λ' = 0 "),
        "{stdout}"
    );
    assert!(d.path().join("weight_norm.svg").exists());
}

#[test]
fn bench_times_each_variant_as_json() {
    let stdout = succeeds(&[
        "bench",
        "--methods",
        "sgd,adamw",
        "--batch-sizes",
        "64",
        "--epochs",
        "2",
        "--train-size",
        "512",
        "--hidden",
        "32",
        "--json",
    ]);
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    for (l, method) in lines.iter().zip(["sgd", "adamw"]) {
        assert_eq!(l["method"], method);
        assert_eq!(l["batch_size"], 64);
        assert!(l["seconds_per_epoch"].as_f64().unwrap() > 0.0, "{l}");
        assert!(l["test_accuracy"].as_f64().unwrap() > 0.5, "{l}");
    }
}

/// `--norm layer` and `--label-noise` train every optimiser on the CPU, learn, repeat exactly
/// with the same seed, and are recorded in config.json and the weights file.
#[test]
fn layer_norm_and_label_noise_train_every_optimiser_and_repeat_exactly() {
    for optimizer in ["sgd", "sgdw", "adam", "adamw"] {
        let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
        for d in &dirs {
            let out = d.path().to_str().unwrap();
            let file = d.path().join("w.safetensors");
            let o = wdlab(&[
                "train",
                "--optimizer",
                optimizer,
                "--norm",
                "layer",
                "--label-noise",
                "0.3",
                "--train-size",
                "1000",
                "--epochs",
                "2",
                "--hidden",
                "32",
                "--quiet",
                "--out",
                out,
                "--save",
                file.to_str().unwrap(),
            ]);
            assert!(o.status.success(), "{optimizer}: {}", stderr(&o));
        }
        let dir = dirs[0].path();
        let metrics = metrics_without_seconds(dir);
        assert_eq!(
            metrics,
            metrics_without_seconds(dirs[1].path()),
            "{optimizer}"
        );
        let accuracy: f64 = metrics[2].split(',').nth(4).unwrap().parse().unwrap();
        assert!(accuracy > 0.6, "{optimizer}: test accuracy {accuracy}");
        let config: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("config.json")).unwrap())
                .unwrap();
        assert_eq!(config["run"]["norm"], "layer", "{config}");
        let bytes = std::fs::read(dir.join("w.safetensors")).unwrap();
        let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
        assert_eq!(st.tensor("norms.0.weight").unwrap().shape(), &[32]);
        assert_eq!(st.tensor("norms.0.bias").unwrap().shape(), &[32]);
    }
}

#[test]
fn an_unknown_norm_is_refused_with_the_ones_there_are() {
    refused(&["--norm", "batch"], 2, "invalid value 'batch' for '--norm");
    refused(&["--norm", "batch"], 2, "none, layer");
}
