//! What of the input can be drawn: non-finite values (and values <= 0 on a log axis) are
//! skipped, and a skipped point breaks a line into runs.

/// Whether `v` can be placed on an axis of the given scale.
pub(super) fn drawable_value(v: f64, log: bool) -> bool {
    v.is_finite() && (!log || v > 0.0)
}

/// Splits a sequence at its `None`s into maximal runs of `Some` values.
pub(super) fn runs<T>(items: impl Iterator<Item = Option<T>>) -> Vec<Vec<T>> {
    let mut out: Vec<Vec<T>> = Vec::new();
    let mut current = Vec::new();
    for item in items {
        match item {
            Some(v) => current.push(v),
            None if !current.is_empty() => out.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}
