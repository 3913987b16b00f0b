//! SGD's direction with heavy-ball momentum, in the form of Loshchilov & Hutter 2019, Alg. 1:
//! m ← βm + η_t·α·g, and the step is m. With β = 0 the step is η_t·α·g (plain SGD).
//!
//! The buffer holds the already scaled step, so a changing schedule multiplier η_t scales new
//! gradients only. (PyTorch keeps buf ← βbuf + g and steps lr·buf; both agree when η_t·α is
//! constant.)

/// Updates the buffer with the scaled gradient and returns the step to subtract.
#[inline(always)]
pub(crate) fn momentum_step(buffer: &mut f32, scaled_grad: f32, beta: f32) -> f32 {
    *buffer = beta * *buffer + scaled_grad;
    *buffer
}
