//! How G copies of the MLP (grid cells) share parameter buffers, for the CPU network and the
//! candle population alike: the first weight is (in, G·h₁), cell g owning columns
//! g·h₁..(g+1)·h₁ of every row, so its forward product and weight gradient are one wide gemm
//! for all cells; later weights are (G, in, out), biases (G·out), and LayerNorm's gains and
//! shifts (G·h). Parameters come in the order of [`super::Mlp::params`]: weight and bias of
//! each layer, then gain and shift of each normalised hidden layer.

use crate::optim::ParamKind;

/// Where parameter `p` of an MLP with layer `sizes` sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    /// Layer `l`'s weight.
    Weight(usize),
    /// Layer `l`'s bias.
    Bias(usize),
    /// Hidden layer `l`'s LayerNorm gain.
    Gain(usize),
    /// Hidden layer `l`'s LayerNorm shift.
    Shift(usize),
}

/// The slot of parameter `p`: weights and biases first, then the LayerNorm parameters.
pub(crate) fn slot(sizes: &[usize], p: usize) -> Slot {
    let layers = sizes.len() - 1;
    match (p < 2 * layers, p % 2) {
        (true, 0) => Slot::Weight(p / 2),
        (true, _) => Slot::Bias(p / 2),
        (false, 0) => Slot::Gain((p - 2 * layers) / 2),
        (false, _) => Slot::Shift((p - 2 * layers) / 2),
    }
}

/// The kind of parameter `p`: LayerNorm's gain and shift count as biases.
pub(crate) fn param_kind(sizes: &[usize], p: usize) -> ParamKind {
    match slot(sizes, p) {
        Slot::Weight(_) => ParamKind::Weight,
        _ => ParamKind::Bias,
    }
}

/// Elements of one cell's consecutive block in parameter `p` of an MLP with layer `sizes`: a
/// row of the first weight, a whole later weight, a bias, a gain or shift. Blocks cycle over
/// the cells.
pub(crate) fn block_len(sizes: &[usize], p: usize) -> usize {
    match slot(sizes, p) {
        Slot::Weight(0) => sizes[1],
        Slot::Weight(l) => sizes[l] * sizes[l + 1],
        Slot::Bias(l) | Slot::Gain(l) | Slot::Shift(l) => sizes[l + 1],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_rows_of_the_first_weight_whole_later_weights_and_biases() {
        let sizes = [784, 64, 32, 10];
        assert_eq!(block_len(&sizes, 0), 64);
        assert_eq!(block_len(&sizes, 1), 64);
        assert_eq!(block_len(&sizes, 2), 64 * 32);
        assert_eq!(block_len(&sizes, 3), 32);
        assert_eq!(block_len(&sizes, 4), 32 * 10);
        assert_eq!(param_kind(&sizes, 5), ParamKind::Bias);
        assert_eq!(param_kind(&sizes, 4), ParamKind::Weight);
        // LayerNorm of the two hidden layers: gain and shift of 64, then of 32 units.
        assert_eq!(slot(&sizes, 6), Slot::Gain(0));
        assert_eq!(slot(&sizes, 9), Slot::Shift(1));
        assert_eq!(block_len(&sizes, 7), 64);
        assert_eq!(block_len(&sizes, 8), 32);
        assert_eq!(param_kind(&sizes, 8), ParamKind::Bias);
    }
}
