#!/usr/bin/env python3
"""Golden values for wdlab's optimiser unit tests, computed in float64.

The problem is a fixed diagonal quadratic, small enough to check by hand:

    θ0 = [0.5, -1.0, 2.0]
    R(θ) = 0.5 · Σ a_i (θ_i − c_i)²,  a = [1.0, 3.0, 0.5],  c = [1.0, 2.0, −1.0]
    ∇R(θ) = a ⊙ (θ − c)

Each optimiser takes 5 steps from θ0 and θ is printed after every step with 17
significant digits (enough to round-trip an f64), one line per step:

    <case> step <k>: [θ_0, θ_1, θ_2]

The bracketed part is a valid Rust array literal. The output is kept next to this
script as golden_optim.out; regenerate it with

    python scripts/golden_optim.py > scripts/golden_optim.out

Where torch.optim implements a rule, torch.optim produces the golden values and an
independent numpy transcription of the rule from its source must agree with it, so a
misreading of either shows up as an assertion error. The decoupled rules of
Loshchilov & Hutter, "Decoupled Weight Decay Regularization", ICLR 2019
(arXiv:1711.05101), Algorithms 1 (SGDW) and 2 (AdamW), are written in numpy from the
paper, with a constant schedule multiplier η_t = 1; torch has no SGDW.

Conventions (wdlab's notation): λ is the L2 coefficient added to the gradient, λ' the
decoupled decay. Paper convention: θ shrinks by λ'·θ per step, independent of the
learning rate α. PyTorch's AdamW shrinks by α·weight_decay·θ, so the paper rule with λ'
is torch AdamW with weight_decay = λ'/α (exactly so at a constant schedule).

Lion (Chen et al., "Symbolic Discovery of Optimization Algorithms", 2023, arXiv:2302.06675,
Alg. 1) is written in plain Python from the paper, and checked against a transcription of
lion-pytorch's update_fn (lion_pytorch/lion_pytorch.py, version 0.2.5: θ ← θ(1 − lr·wd);
θ ← θ − lr·sign(β₁m + (1−β₁)g); m ← β₂m + (1−β₂)g) and, where torch and lion-pytorch are
installed, against lion_pytorch.Lion itself. The Lion cases need neither torch nor numpy:

    python scripts/golden_optim.py --lion-only

prints them alone (the section appended to golden_optim.out when torch is not at hand).
"""

import math
import sys

try:
    import numpy as np
    import torch
except ImportError:  # the Lion cases (--lion-only) need neither
    np = torch = None

THETA0_LIST = [0.5, -1.0, 2.0]
A_LIST = [1.0, 3.0, 0.5]
C_LIST = [1.0, 2.0, -1.0]
if np is not None:
    THETA0 = np.array(THETA0_LIST)
    A = np.array(A_LIST)
    C = np.array(C_LIST)
STEPS = 5

LR = 0.1
L2 = 0.01  # λ, for sgd/adam + L2 and as torch AdamW's weight_decay
DECOUPLED = 0.001  # λ' (paper convention) = LR · L2, so the paper and torch cases coincide
MOMENTUM = 0.9
BETAS = (0.9, 0.999)
EPS = 1e-8

# Torch and numpy evaluate the same formulas in a different order (e.g. torch's Adam
# divides by √(1−β2^t) after the square root and uses lerp for the first moment), so
# they may differ by a few ulps; anything larger is a real disagreement.
RTOL = 1e-13


def grad(theta):
    return A * (theta - C)


def run_torch(make_optimizer):
    """θ after each of STEPS steps of a torch.optim optimiser on R."""
    p = torch.tensor(THETA0, dtype=torch.float64, requires_grad=True)
    opt = make_optimizer([p])
    a, c = torch.tensor(A), torch.tensor(C)
    path = []
    for _ in range(STEPS):
        # The exact gradient is set directly rather than by autograd, so the golden
        # values depend on ∇R = a⊙(θ−c) alone.
        p.grad = a * (p.detach() - c)
        opt.step()
        path.append(p.detach().numpy().copy())
    return path


def sgd_l2_numpy(lr, l2, momentum):
    """torch.optim.SGD as documented (dampening 0, no Nesterov): g ← ∇R + λθ;
    b ← g on the first step, else b ← μb + g; θ ← θ − α·b (μ = 0: θ ← θ − α·g)."""
    theta, buf, path = THETA0.copy(), None, []
    for _ in range(STEPS):
        g = grad(theta) + l2 * theta
        buf = g if buf is None else momentum * buf + g
        theta = theta - lr * buf
        path.append(theta)
    return path


def adam_numpy(lr, l2, decoupled):
    """Adam (Kingma & Ba 2015, Alg. 1) with L2 λ added to the gradient and decoupled
    decay λ' (L-H Alg. 2, line 12, η_t = 1):
    θ ← θ − (α·m̂/(√v̂ + ε) + λ'·θ)."""
    (b1, b2), theta = BETAS, THETA0.copy()
    m, v, path = np.zeros(3), np.zeros(3), []
    for t in range(1, STEPS + 1):
        g = grad(theta) + l2 * theta
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        theta = theta - (lr * m_hat / (np.sqrt(v_hat) + EPS) + decoupled * theta)
        path.append(theta)
    return path


def sgdw_numpy(lr, decoupled, momentum):
    """SGDW, L-H Alg. 1 with η_t = 1: m ← β·m + α·g; θ ← θ − m − λ'·θ_prev.
    Unlike SGD + L2, the decay never enters the momentum buffer."""
    theta, m, path = THETA0.copy(), np.zeros(3), []
    for _ in range(STEPS):
        m = momentum * m + lr * grad(theta)
        theta = theta - m - decoupled * theta
        path.append(theta)
    return path


def assert_close(name, got, want):
    for k, (x, y) in enumerate(zip(got, want), start=1):
        if not np.allclose(x, y, rtol=RTOL, atol=0.0):
            raise AssertionError(f"{name} step {k}: {x.tolist()} != {y.tolist()}")


# Lion: α = 0.1 makes each step visible; λ = 2 flips the sign of the first coordinate's
# g + λθ at θ0 (−0.5 + 1), so the L2 case differs from plain Lion; λ' = 0.001 is lion-pytorch's
# weight_decay = 0.01 at lr = 0.1 (θ shrinks by lr·wd per step), as for AdamW.
LION_BETAS = (0.9, 0.99)
LION_L2 = 2.0


def sign(x):
    """torch.sign: -1, 0 or 1."""
    return float(x > 0) - float(x < 0)


def lion_paper(lr, l2, decoupled, betas=LION_BETAS):
    """Chen et al. 2023, Alg. 1 with η_t = 1 and the decoupled decay in the paper
    convention of wdlab: g ← ∇R + λθ; c = β₁m + (1−β₁)g;
    θ ← θ − (α·sign(c) + λ'·θ); m ← β₂m + (1−β₂)g. Returns the path and the smallest |c|
    met (how far every sign is from a rounding flip)."""
    b1, b2 = betas
    theta, m, path, smallest = list(THETA0_LIST), [0.0] * 3, [], math.inf
    for _ in range(STEPS):
        g = [a * (t - c) + l2 * t for a, t, c in zip(A_LIST, theta, C_LIST)]
        cs = [b1 * mi + (1 - b1) * gi for mi, gi in zip(m, g)]
        smallest = min([smallest] + [abs(c) for c in cs])
        theta = [t - (lr * sign(c) + decoupled * t) for t, c in zip(theta, cs)]
        m = [b2 * mi + (1 - b2) * gi for mi, gi in zip(m, g)]
        path.append(theta)
    return path, smallest


def lion_pytorch_update(lr, wd, l2=0.0, betas=LION_BETAS):
    """lion-pytorch 0.2.5's update_fn, transcribed (the gradient gets the L2 term first, which
    lion-pytorch has no option for): p.mul_(1 - lr*wd); p.add_(sign(β₁m + (1−β₁)g), -lr);
    m.mul_(β₂).add_(g, 1 − β₂)."""
    b1, b2 = betas
    theta, m, path = list(THETA0_LIST), [0.0] * 3, []
    for _ in range(STEPS):
        g = [a * (t - c) + l2 * t for a, t, c in zip(A_LIST, theta, C_LIST)]
        theta = [t * (1.0 - lr * wd) for t in theta]
        update = [sign(mi * b1 + gi * (1.0 - b1)) for mi, gi in zip(m, g)]
        theta = [t + ui * -lr for t, ui in zip(theta, update)]
        m = [mi * b2 + gi * (1.0 - b2) for mi, gi in zip(m, g)]
        path.append(theta)
    return path


def lion_pytorch_itself(lr, wd, decoupled_weight_decay=False):
    """lion_pytorch.Lion on R, where torch and lion-pytorch are installed (else None)."""
    try:
        from lion_pytorch import Lion
    except ImportError:
        return None
    path = run_torch(
        lambda ps: Lion(ps, lr=lr, betas=LION_BETAS, weight_decay=wd,
                        decoupled_weight_decay=decoupled_weight_decay)
    )
    return [list(map(float, p)) for p in path]


def assert_close_lists(name, got, want):
    for k, (x, y) in enumerate(zip(got, want), start=1):
        if any(abs(a - b) > RTOL * max(abs(b), 1.0) for a, b in zip(x, y)):
            raise AssertionError(f"{name} step {k}: {x} != {y}")


def lion_cases():
    """The Lion cases, each checked against the lion-pytorch transcription (and lion-pytorch
    itself where installed)."""
    cases, margin = [], math.inf

    lion_l2, m1 = lion_paper(LR, LION_L2, 0.0)
    assert_close_lists("lion_l2 vs lion-pytorch update_fn on g + λθ", lion_l2,
                       lion_pytorch_update(LR, 0.0, l2=LION_L2))
    plain, m2 = lion_paper(LR, 0.0, 0.0)
    if plain == lion_l2:
        raise AssertionError("the L2 case must differ from plain Lion")
    cases.append((f"lion_l2: Chen et al. Alg. 1, lr={LR}, betas={LION_BETAS}, λ={LION_L2} "
                  "(g ← g + λθ before the sign)", "lion_l2", lion_l2))

    lionw, m3 = lion_paper(LR, 0.0, DECOUPLED)
    torch_convention = lion_pytorch_update(LR, L2)
    assert_close_lists("lionw_paper vs lion-pytorch update_fn(weight_decay=λ'/lr)", lionw,
                       torch_convention)
    for name, itself in [
        ("lion_pytorch.Lion(weight_decay=λ'/lr)", lion_pytorch_itself(LR, L2)),
        ("lion_pytorch.Lion(weight_decay=λ', decoupled_weight_decay=True)",
         lion_pytorch_itself(LR, DECOUPLED, decoupled_weight_decay=True)),
    ]:
        if itself is not None:
            assert_close_lists(f"lionw_paper vs {name}", lionw, itself)
    cases.append((f"lionw_paper: Chen et al. Alg. 1, lr={LR}, betas={LION_BETAS}, "
                  f"λ'={DECOUPLED}", "lionw_paper", lionw))
    cases.append((f"lionw_torch: lion-pytorch lr={LR}, weight_decay={L2} "
                  f"(θ shrinks by lr·wd = {LR * L2:g} per step)", "lionw_torch",
                  torch_convention))
    margin = min(m1, m2, m3)
    return cases, margin


def print_cases(cases):
    for title, name, path in cases:
        print(f"\n// {title}")
        for k, theta in enumerate(path, start=1):
            print(f"{name} step {k}: [{', '.join(format(x, '.17g') for x in theta)}]")


def main_lion_only():
    cases, margin = lion_cases()
    print(f"// Lion cases (--lion-only), plain Python floats; θ0 = {THETA0_LIST}, "
          f"a = {A_LIST}, c = {C_LIST}")
    print(f"// the paper's Alg. 1 and lion-pytorch 0.2.5's update_fn agree to rtol {RTOL:g}; "
          f"smallest |c| before a sign: {margin:.3g}")
    print_cases(cases)


def main():
    if "--lion-only" in sys.argv[1:]:
        return main_lion_only()
    torch.set_default_dtype(torch.float64)
    cases = []

    sgd = run_torch(lambda ps: torch.optim.SGD(ps, lr=LR, weight_decay=L2))
    assert_close("sgd_l2", sgd, sgd_l2_numpy(LR, L2, 0.0))
    cases.append((f"sgd_l2: SGD lr={LR}, λ={L2}", "sgd_l2", sgd))

    sgd_m = run_torch(
        lambda ps: torch.optim.SGD(ps, lr=LR, momentum=MOMENTUM, weight_decay=L2)
    )
    assert_close("sgd_l2_momentum", sgd_m, sgd_l2_numpy(LR, L2, MOMENTUM))
    cases.append(
        (f"sgd_l2_momentum: SGD lr={LR}, momentum={MOMENTUM}, λ={L2}",
         "sgd_l2_momentum", sgd_m)
    )

    adam = run_torch(
        lambda ps: torch.optim.Adam(ps, lr=LR, betas=BETAS, eps=EPS, weight_decay=L2)
    )
    assert_close("adam_l2", adam, adam_numpy(LR, L2, 0.0))
    cases.append(
        (f"adam_l2: Adam lr={LR}, betas={BETAS}, eps={EPS}, λ={L2}", "adam_l2", adam)
    )

    adamw = run_torch(
        lambda ps: torch.optim.AdamW(ps, lr=LR, betas=BETAS, eps=EPS, weight_decay=L2)
    )
    cases.append(
        (f"adamw_torch: torch AdamW lr={LR}, weight_decay={L2} "
         f"(θ shrinks by lr·wd = {LR * L2:g} per step)", "adamw_torch", adamw)
    )

    adamw_paper = adam_numpy(LR, 0.0, DECOUPLED)
    assert_close("adamw_paper vs torch AdamW(weight_decay=λ'/lr)", adamw, adamw_paper)
    cases.append(
        (f"adamw_paper: L-H Alg. 2, lr={LR}, λ'={DECOUPLED} "
         f"(equals adamw_torch, since λ'/lr = {L2})", "adamw_paper", adamw_paper)
    )

    sgdw = sgdw_numpy(LR, DECOUPLED, 0.0)
    assert_close("sgdw_paper vs torch SGD(weight_decay=λ'/lr)", sgd, sgdw)
    cases.append(
        (f"sgdw_paper: L-H Alg. 1, lr={LR}, β=0, λ'={DECOUPLED} "
         f"(equals sgd_l2, since λ'/lr = {L2})", "sgdw_paper", sgdw)
    )

    cases.append(
        (f"sgdw_paper_momentum: L-H Alg. 1, lr={LR}, β={MOMENTUM}, λ'={DECOUPLED}",
         "sgdw_paper_momentum", sgdw_numpy(LR, DECOUPLED, MOMENTUM))
    )

    print(f"// θ0 = {THETA0.tolist()}, a = {A.tolist()}, c = {C.tolist()}, ∇R = a⊙(θ−c), f64")
    print(f"// torch {torch.__version__}, numpy {np.__version__}; "
          f"torch and numpy agree to rtol {RTOL:g}")
    print_cases(cases)
    print()
    main_lion_only()


if __name__ == "__main__":
    main()
