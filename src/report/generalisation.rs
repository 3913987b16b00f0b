//! The report's section on generalisation at equal training loss (Loshchilov & Hutter 2019,
//! Fig. 3): the scatter of test error against final training loss, and the gap between the
//! methods of each pair at equal loss.

use super::figures;
use super::pair_tests::equal_loss_sentence;
use crate::analysis::Analysis;
use std::fmt::Write as _;

/// The figure and one line per pair.
pub(super) fn equal_loss(md: &mut String, a: &Analysis) -> anyhow::Result<()> {
    if !figures::equal_loss(a)? {
        return Ok(());
    }
    let _ = writeln!(md, "## Generalisation at equal training loss\n");
    let _ = writeln!(
        md,
        "![test error against training loss](equal-loss.svg)\n\nEvery finished run with a \
         positive decay, at the learning rates that trained (section \"Coupling\"). For each method, test error is fitted as a quadratic in log₁₀(final \
         training loss); the gap is the mean difference of a pair's two curves over the \
         training losses both reach, with a 95 % interval from a bootstrap over runs. The \
         figure draws each fitted curve and shades the loss range a pair is compared over; \
         the decoupled method's points are hollow rings, so they never hide the L2 method's; \
         the SGD pair, one algorithm in two parametrisations, is the null: its curves should \
         lie on each other.\n"
    );
    for p in &a.pairs {
        let _ = writeln!(md, "- {}", equal_loss_sentence(a, p));
    }
    let _ = writeln!(md);
    Ok(())
}
