//! How G copies of the MLP (grid cells) share parameter buffers, for the CPU network and the
//! candle population alike: the first weight is (in, G·h₁), cell g owning columns
//! g·h₁..(g+1)·h₁ of every row, so its forward product and weight gradient are one wide gemm
//! for all cells; later weights are (G, in, out) and biases (G·out). Parameters come in the
//! order of [`super::Mlp::params`]: weight and bias of each layer.

use crate::optim::ParamKind;

/// The kind of parameter `p` (weight, bias of each layer in turn).
pub(crate) fn param_kind(p: usize) -> ParamKind {
    if p % 2 == 1 {
        ParamKind::Bias
    } else {
        ParamKind::Weight
    }
}

/// Elements of one cell's consecutive block in parameter `p` of an MLP with layer `sizes`: a
/// row of the first weight, a whole later weight, a bias. Blocks cycle over the cells.
pub(crate) fn block_len(sizes: &[usize], p: usize) -> usize {
    let layer = p / 2;
    if param_kind(p) == ParamKind::Bias || layer == 0 {
        sizes[layer + 1]
    } else {
        sizes[layer] * sizes[layer + 1]
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
        assert_eq!(param_kind(5), ParamKind::Bias);
        assert_eq!(param_kind(4), ParamKind::Weight);
    }
}
