//! The Lion pair through the commands (issue 23): `train` with its own defaults and the
//! weights' metadata, a study of the three pairs with its fourth verdict, `compare` with a
//! setting given on the command line, and flags that do not belong to Lion refused.

mod common;
use common::*;

/// `wdlab train --optimizer lionw` records Lion's own β₂ (0.99, not Adam's 0.999) and its
/// learning rate in config.json and in the saved weights' metadata, and no ε or momentum.
#[test]
fn lionw_trains_and_records_its_own_hyper_parameters() {
    let d = tempfile::tempdir().unwrap();
    let file = d.path().join("w.safetensors");
    let mut args = vec!["train", "--optimizer", "lionw", "--out", s(d.path())];
    args.extend(QUICK_RUN);
    args.extend(["--save", s(&file)]);
    ok(&run(&args));
    let config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.path().join("config.json")).unwrap())
            .unwrap();
    assert_eq!(config["optim"]["method"], "lionw");
    assert_eq!(config["optim"]["beta2"], 0.99);
    assert_eq!(config["optim"]["lr"], 1e-4);
    let bytes = std::fs::read(&file).unwrap();
    let metadata = safetensors_metadata(&bytes);
    assert_eq!(metadata["method"], "lionw");
    assert_eq!(metadata["beta1"], "0.9");
    assert_eq!(metadata["beta2"], "0.99");
    assert!(metadata["decay_kind"].contains("decoupled"), "{metadata:?}");
    assert!(
        !metadata.contains_key("eps") && !metadata.contains_key("momentum"),
        "only what Lion takes: {metadata:?}"
    );
}

#[test]
fn flags_that_lion_does_not_take_are_refused_naming_the_fix() {
    let o = run(&["train", "--optimizer", "lion", "--eps", "1e-6", "--quiet"]);
    refused(
        &o,
        2,
        &[
            "--eps does not apply to --optimizer lion",
            "--beta1, --beta2",
        ],
    );
    let o = run(&["train", "--optimizer", "lion", "--wd", "1e-3", "--quiet"]);
    refused(&o, 2, &["--wd does not apply", "use lionw for --wd"]);
    let o = run(&[
        "train",
        "--optimizer",
        "lionw",
        "--momentum",
        "0.9",
        "--quiet",
    ]);
    refused(&o, 2, &["Lion's momentum is --beta1"]);
    // quick has no Lion cell for `compare`: the message says how to give one.
    let mut args = vec!["compare", "--methods", "lion"];
    args.extend(TINY_STUDY);
    refused(&run(&args), 2, &["--setting lion=LR,DECAY"]);
}

/// A tiny study of the three pairs: every method's rows, and a report with the Lion pair's
/// own verdict beside the three claims.
#[test]
fn a_study_of_the_three_pairs_reports_the_lion_pair() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("lion");
    let mut args = vec!["sweep", "--preset", "lion", "--out", s(&out)];
    args.extend(TINY_STUDY);
    ok(&run(&args));
    let csv = std::fs::read_to_string(out.join("results.csv")).unwrap();
    // One seed of each grid: quick's 4 × 4 for SGD and Adam, 5 α × 4 λ for Lion + L2 and
    // 5 α × 7 λ' for LionW.
    for (m, cells) in [
        ("sgd,", 16),
        ("sgdw,", 16),
        ("adam,", 16),
        ("adamw,", 16),
        ("lion,", 20),
        ("lionw,", 35),
    ] {
        assert_eq!(
            csv.lines().filter(|l| l.starts_with(m)).count(),
            cells,
            "{m} one seed of its grid"
        );
    }
    ok(&run(&["report", s(&out)]));
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        md.contains("4. For Lion, L2 and decoupled decay differ more than for Adam"),
        "{md}"
    );
    assert!(md.contains("| Lion + L2 |") && md.contains("LionW"), "{md}");
    let mut args = vec![
        "compare",
        "--preset",
        "lion",
        "--methods",
        "lion,lionw",
        "--setting",
        "lion=3e-4,0.01",
        "--out",
    ];
    let cmp = d.path().join("cmp");
    args.push(s(&cmp));
    args.extend(TINY_STUDY);
    ok(&run(&args));
    let csv = std::fs::read_to_string(cmp.join("results.csv")).unwrap();
    assert!(csv.contains("\nlion,0.0003,0.01,0,"), "{csv}");
    assert!(csv.contains("\nlionw,0.0003,0.0003,0,"), "{csv}");
}
