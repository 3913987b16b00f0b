//! Facts about this machine and process that Linux gives in /proc.

/// The value in KiB of `key` (e.g. `MemTotal`) in a /proc file of `key: N kB` lines; None where
/// the file or the key is missing (other systems).
pub(crate) fn proc_kib(file: &str, key: &str) -> Option<u64> {
    let text = std::fs::read_to_string(file).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// This machine's memory in bytes.
pub(crate) fn total_memory() -> Option<u128> {
    proc_kib("/proc/meminfo", "MemTotal").map(|kib| u128::from(kib) * 1024)
}

/// The peak resident memory of this process, in MiB.
pub(crate) fn peak_rss_mib() -> Option<f64> {
    proc_kib("/proc/self/status", "VmHWM").map(|kib| kib as f64 / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linux_says_how_much_memory_there_is_and_how_much_this_process_used() {
        if !cfg!(target_os = "linux") {
            eprintln!("skipped: not Linux, no /proc");
            return;
        }
        assert!(total_memory().unwrap() > 1 << 20);
        assert!(peak_rss_mib().unwrap() > 0.1);
        assert_eq!(proc_kib("/proc/meminfo", "NoSuchKey"), None);
    }
}
