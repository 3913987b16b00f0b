//! The binary works from any folder (as after `cargo install`): the bundled MNIST is compiled
//! in, and `--data-dir` or WDLAB_DATA_DIR point elsewhere.

mod common;
use common::{text, QUICK_RUN};
use std::process::{Command, Output};

fn wdlab_in_with(dir: &std::path::Path, env: Option<&str>, args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wdlab"));
    c.current_dir(dir).args(args).env_remove("WDLAB_DATA_DIR");
    if let Some(v) = env {
        c.env("WDLAB_DATA_DIR", v);
    }
    c.output().expect("the binary runs")
}

#[test]
fn the_bundled_mnist_is_found_from_any_folder_and_can_be_overridden() {
    let d = tempfile::tempdir().unwrap();
    let mut train = vec!["train"];
    train.extend(QUICK_RUN);
    let o = wdlab_in_with(d.path(), None, &train);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("final test accuracy"), "{}", text(&o));
    // The environment variable stands in for --data-dir, and the flag wins over it.
    let o = wdlab_in_with(d.path(), Some("/nonexistent/mnist"), &train);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("/nonexistent/mnist/train-images-idx3-ubyte")
            && text(&o).contains("WDLAB_DATA_DIR"),
        "{}",
        text(&o)
    );
    let bundled = concat!(env!("CARGO_MANIFEST_DIR"), "/data/mnist");
    let mut with_flag = train.clone();
    with_flag.extend(["--data-dir", bundled]);
    let o = wdlab_in_with(d.path(), Some("/nonexistent/mnist"), &with_flag);
    assert!(o.status.success(), "{}", text(&o));
}
