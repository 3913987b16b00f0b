//! What a run will need in memory, checked before anything is allocated: a size flag that asks
//! for more than the machine has (or for a number that overflows) is refused with the number
//! and the limit, instead of aborting on a failed allocation midway.

use crate::error::usage;
use crate::util::sys::total_memory;

/// Bytes of memory the training of `cells` networks of layer `sizes` with batches of `batch`
/// images needs, roughly: parameters, gradients and `state_buffers` optimiser buffers per
/// parameter, the network the cells start from, and the activations of a batch and of an
/// evaluation chunk (both through the widest layer, twice for the backward pass). None when
/// the count overflows.
pub(crate) fn bytes_needed(
    sizes: &[usize],
    cells: usize,
    batch: usize,
    state_buffers: usize,
) -> Option<u128> {
    let mut params: u128 = 0;
    for w in sizes.windows(2) {
        let layer = (w[0] as u128)
            .checked_mul(w[1] as u128)?
            .checked_add(w[1] as u128)?;
        params = params.checked_add(layer)?;
    }
    let widths: u128 = sizes[1..].iter().map(|&s| s as u128).sum();
    let widest = sizes[1..].iter().copied().max().unwrap_or(0) as u128;
    let cells = cells as u128;
    let copies = 2 + state_buffers as u128;
    let weights = params
        .checked_mul(cells)?
        .checked_mul(copies)?
        .checked_add(params)?;
    // An evaluation chunk holds at most 2,500 rows (nn::host_ops::eval_chunk).
    let rows = (batch as u128).max(2500);
    let activations = rows
        .checked_mul(cells)?
        .checked_mul(widths.checked_add(widest.checked_mul(2)?)?)?;
    weights.checked_add(activations)?.checked_mul(4)
}

/// Refuses a run whose networks (`--hidden`, the number of cells) and batches (`--batch-size`)
/// need more memory than the machine has.
pub(crate) fn check(
    sizes: &[usize],
    cells: usize,
    batch: usize,
    state: usize,
) -> anyhow::Result<()> {
    let hidden = sizes[1..sizes.len() - 1]
        .iter()
        .map(|h| h.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let what = if cells > 1 {
        format!("{cells} networks of --hidden {hidden} with --batch-size {batch}")
    } else {
        format!("--hidden {hidden} with --batch-size {batch}")
    };
    let gib = |b: u128| format!("{:.1} GiB", b as f64 / (1u64 << 30) as f64);
    match (bytes_needed(sizes, cells, batch, state), total_memory()) {
        (None, _) => Err(usage(format!(
            "{what} needs more memory than can be counted (the sizes overflow); use a smaller \
             --hidden or --batch-size"
        ))),
        (Some(need), Some(have)) if need > have => Err(usage(format!(
            "{what} needs about {} of memory, and this machine has {}; use a smaller --hidden \
             or --batch-size",
            gib(need),
            gib(have)
        ))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_count_of_the_default_network_is_a_few_megabytes_and_huge_sizes_overflow() {
        // 784·1024 + 1024 + 1024·10 + 10 = 814,090 parameters, four copies for AdamW, one
        // start network, and 2,500 rows of (1034 + 2048) activations.
        let need = bytes_needed(&[784, 1024, 10], 1, 128, 2).unwrap();
        assert_eq!(need, 4 * (814_090 * 5 + 2_500 * 3_082));
        let huge = [usize::MAX, usize::MAX, usize::MAX, 10];
        assert_eq!(bytes_needed(&huge, 1, 128, 2), None);
        let e = check(&huge, 1, 128, 2).unwrap_err();
        assert!(e.to_string().contains("the sizes overflow"), "{e}");
        assert_eq!(crate::error::exit_code(&e), 2);
    }

    #[test]
    fn more_than_the_machine_has_is_refused_with_both_numbers() {
        if total_memory().is_none() {
            eprintln!("skipped: this machine does not say how much memory it has");
            return;
        }
        let e = check(&[784, 10_000_000, 10], 1, 128, 2)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("needs about") && e.contains("this machine has"),
            "{e}"
        );
    }
}
