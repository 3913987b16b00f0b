//! Ctrl-C during a study: the first SIGINT asks the training loop to stop at its next step
//! (so no results row is written half, and the cells in flight are dropped to be retrained on
//! resume); a second one ends the process at once, as SIGINT does by default.

use std::sync::atomic::{AtomicBool, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_sigint(_: libc::c_int) {
    REQUESTED.store(true, Ordering::SeqCst);
    // SAFETY: signal() is async-signal-safe; the next Ctrl-C gets the default action.
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_DFL);
    }
}

/// Catches the first SIGINT from now on (commands that write study folders call it).
pub(crate) fn catch_sigint() {
    #[cfg(unix)]
    // SAFETY: installing a handler that only stores to an atomic and resets the disposition.
    unsafe {
        libc::signal(
            libc::SIGINT,
            on_sigint as extern "C" fn(libc::c_int) as libc::sighandler_t,
        );
    }
}

/// True once a caught SIGINT asked the work to stop.
pub(crate) fn requested() -> bool {
    REQUESTED.load(Ordering::Relaxed)
}
