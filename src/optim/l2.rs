//! L2 regularisation as a gradient transform: R_reg = R_emp + (λ/2)‖θ‖², so ∇R_reg = ∇R_emp + λθ.
//!
//! The penalty's gradient enters the optimiser's direction: for plain SGD this shrinks θ by
//! a factor (1 − αλ) per step (weight decay with λ' = αλ); for Adam it is divided by √v̂ like
//! the rest of the gradient, which is why Adam + L2 is not AdamW (Loshchilov & Hutter 2019,
//! Prop. 2).

/// g ← g + λθ for one element.
#[inline(always)]
pub(crate) fn add_l2(grad: f32, theta: f32, lambda: f32) -> f32 {
    grad + lambda * theta
}
