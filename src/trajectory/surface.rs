//! The two-parameter surfaces: R_emp(θ₁, θ₂), its analytic gradient, its minima and, for the
//! quadratic, the fixed point θ* that gradient descent with L2 λ reaches.

use crate::util::fmt::decimal;

/// A point (θ₁, θ₂) of the plane.
pub(crate) type Point = [f64; 2];

/// The surfaces `--surface` offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SurfaceKind {
    /// ½(θ − c)ᵀH(θ − c): an anisotropic quadratic whose minimum c lies away from the origin
    /// (set with --minimum, --curvatures, --rotation).
    Quadratic,
    /// (x² − 4)²/8 + 0.4x + 1.5(y − 1)²: two basins, a deeper one left of the origin and a
    /// shallower one right of it (non-convex).
    TwoBasin,
    /// Rosenbrock's banana (1 − x)² + 10(y − x²)² with its minimum at (1, 1) (non-convex; b = 10
    /// instead of the usual 100 so that plain gradient descent gets there in a few thousand steps).
    Rosenbrock,
}

impl SurfaceKind {
    pub(crate) const ALL: [SurfaceKind; 3] = [
        SurfaceKind::Quadratic,
        SurfaceKind::TwoBasin,
        SurfaceKind::Rosenbrock,
    ];

    /// The name `--surface` takes.
    pub(crate) fn name(self) -> &'static str {
        match self {
            SurfaceKind::Quadratic => "quadratic",
            SurfaceKind::TwoBasin => "two-basin",
            SurfaceKind::Rosenbrock => "rosenbrock",
        }
    }
}

/// R_emp(θ) = ½(θ − c)ᵀH(θ − c) with H = R(φ)·diag(h₁, h₂)·R(φ)ᵀ.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Quadratic {
    /// c, the unregularised minimum.
    pub(crate) minimum: Point,
    /// h₁, h₂: the eigenvalues of H (curvatures along the rotated axes).
    pub(crate) curvatures: [f64; 2],
    /// φ in degrees: the first principal axis makes this angle with the x axis.
    pub(crate) rotation_deg: f64,
}

impl Default for Quadratic {
    fn default() -> Self {
        Quadratic {
            minimum: [2.0, 1.0],
            curvatures: [1.0, 10.0],
            rotation_deg: 60.0,
        }
    }
}

impl Quadratic {
    /// H as [[h11, h12], [h12, h22]].
    pub(super) fn hessian(&self) -> [[f64; 2]; 2] {
        let (s, c) = self.rotation_deg.to_radians().sin_cos();
        let [h1, h2] = self.curvatures;
        let h11 = h1 * c * c + h2 * s * s;
        let h22 = h1 * s * s + h2 * c * c;
        let h12 = (h1 - h2) * c * s;
        [[h11, h12], [h12, h22]]
    }

    pub(super) fn value(&self, p: Point) -> f64 {
        let d = [p[0] - self.minimum[0], p[1] - self.minimum[1]];
        let g = self.gradient(p);
        0.5 * (d[0] * g[0] + d[1] * g[1])
    }

    /// H(θ − c).
    pub(super) fn gradient(&self, p: Point) -> Point {
        let h = self.hessian();
        let d = [p[0] - self.minimum[0], p[1] - self.minimum[1]];
        [
            h[0][0] * d[0] + h[0][1] * d[1],
            h[1][0] * d[0] + h[1][1] * d[1],
        ]
    }

    /// The largest curvature h_max: gradient descent with L2 λ converges iff α(h_max + λ) < 2.
    pub(super) fn max_curvature(&self) -> f64 {
        self.curvatures[0].max(self.curvatures[1])
    }

    /// θ* = (H + λI)⁻¹Hc, the minimum of R_emp + (λ/2)‖θ‖² and the fixed point of gradient
    /// descent with L2 λ (or with decoupled λ' = αλ). Solved in closed form (Cramer's rule).
    pub(super) fn fixed_point(&self, lambda: f64) -> Point {
        let h = self.hessian();
        let c = self.minimum;
        let rhs = [
            h[0][0] * c[0] + h[0][1] * c[1],
            h[1][0] * c[0] + h[1][1] * c[1],
        ];
        let (a, b, d) = (h[0][0] + lambda, h[0][1], h[1][1] + lambda);
        let det = a * d - b * b;
        [
            (d * rhs[0] - b * rhs[1]) / det,
            (a * rhs[1] - b * rhs[0]) / det,
        ]
    }
}

/// A two-parameter "empirical risk" with its analytic gradient.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Surface {
    Quadratic(Quadratic),
    TwoBasin,
    Rosenbrock,
}

impl Surface {
    /// The surface `kind` with its default parameters.
    pub(crate) fn default_of(kind: SurfaceKind) -> Self {
        match kind {
            SurfaceKind::Quadratic => Surface::Quadratic(Quadratic::default()),
            SurfaceKind::TwoBasin => Surface::TwoBasin,
            SurfaceKind::Rosenbrock => Surface::Rosenbrock,
        }
    }

    /// R_emp(θ).
    pub(super) fn value(&self, p: Point) -> f64 {
        let [x, y] = p;
        match self {
            Surface::Quadratic(q) => q.value(p),
            Surface::TwoBasin => (x * x - 4.0).powi(2) / 8.0 + 0.4 * x + 1.5 * (y - 1.0).powi(2),
            Surface::Rosenbrock => (1.0 - x).powi(2) + 10.0 * (y - x * x).powi(2),
        }
    }

    /// ∇R_emp(θ), analytically.
    pub(super) fn gradient(&self, p: Point) -> Point {
        let [x, y] = p;
        match self {
            Surface::Quadratic(q) => q.gradient(p),
            Surface::TwoBasin => [0.5 * x * (x * x - 4.0) + 0.4, 3.0 * (y - 1.0)],
            Surface::Rosenbrock => [
                -2.0 * (1.0 - x) - 40.0 * x * (y - x * x),
                20.0 * (y - x * x),
            ],
        }
    }

    /// The unregularised minima (the global one first).
    pub(super) fn minima(&self) -> Vec<Point> {
        match self {
            Surface::Quadratic(q) => vec![q.minimum],
            Surface::Rosenbrock => vec![[1.0, 1.0]],
            Surface::TwoBasin => {
                // Roots of ∂/∂x = x³/2 − 2x + 0.4 near ±2, by Newton's method.
                let root = |mut x: f64| {
                    for _ in 0..50 {
                        x -= (0.5 * x * x * x - 2.0 * x + 0.4) / (1.5 * x * x - 2.0);
                    }
                    [x, 1.0]
                };
                vec![root(-2.0), root(2.0)]
            }
        }
    }

    /// A one-line formula for titles and the printed header.
    pub(super) fn formula(&self) -> String {
        match self {
            Surface::Quadratic(q) => format!(
                "½(θ−c)ᵀH(θ−c), c = ({}, {}), curvatures {} and {} rotated {}°",
                decimal(q.minimum[0]),
                decimal(q.minimum[1]),
                decimal(q.curvatures[0]),
                decimal(q.curvatures[1]),
                decimal(q.rotation_deg)
            ),
            Surface::TwoBasin => "(x²−4)²/8 + 0.4x + 1.5(y−1)²".to_string(),
            Surface::Rosenbrock => "(1−x)² + 10(y−x²)²".to_string(),
        }
    }

    /// The analytic fixed point of gradient descent with L2 λ, where there is one.
    pub(super) fn fixed_point(&self, lambda: f64) -> Option<Point> {
        match self {
            Surface::Quadratic(q) => Some(q.fixed_point(lambda)),
            _ => None,
        }
    }
}
