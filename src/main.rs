//! The `wdlab` binary: parse, run, print the error chain, exit with the documented code.

use clap::Parser;
use wdlab::error::{exit, exit_code};

fn main() {
    exit_quietly_on_closed_pipe();
    use_one_candle_worker_thread();
    let cli = match wdlab::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help and version to stdout (exit 0) and usage errors to stderr (exit 2).
            let _ = e.print();
            std::process::exit(e.exit_code());
        }
    };
    let code = match wdlab::commands::run(cli.command) {
        Ok(()) => exit::SUCCESS,
        Err(e) => {
            let code = exit_code(&e);
            if code == exit::INTERRUPTED {
                // Which cell was in flight does not matter; how to go on does.
                eprintln!("\n{}", e.root_cause());
            } else {
                eprintln!("error: {e:#}");
            }
            code
        }
    };
    std::process::exit(code);
}

/// candle runs large element-wise ops on its own pool of spinning worker threads, beside
/// rayon's pool that gemm uses; on a machine with few cores the spinning workers take cores
/// from gemm. wdlab's element-wise ops are small and memory-bound, so they run on the calling
/// thread unless the user sets CANDLE_NUM_THREADS. Measured: scripts/bench.sh, BENCHMARKS.md.
fn use_one_candle_worker_thread() {
    if std::env::var_os("CANDLE_NUM_THREADS").is_none() {
        // Safe: no other thread exists yet at the start of main.
        std::env::set_var("CANDLE_NUM_THREADS", "1");
    }
}

/// `wdlab … | head` closes the pipe early; like other command-line tools, end quietly then
/// instead of panicking in `println!` (Rust ignores SIGPIPE by default).
fn exit_quietly_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE at the start of main, before any
    // other thread exists, is what C programs start with.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
