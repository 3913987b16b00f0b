//! Iso-lines of a sampled 2-D function by marching squares.
//!
//! Hand-written rather than taken from the `contour` crate (d3-contour): that crate closes
//! every line along the grid border, treats non-finite cells as below every level instead of
//! stopping there, and assumes evenly spaced samples, so adapting it would take as much code
//! as this.

use std::collections::HashMap;

/// A grid corner `(xi, yi)` and the direction of the grid edge leaving it:
/// along x (`true`) or along y (`false`). Neighbouring cells name a shared
/// edge identically, which is how segments are joined into polylines.
type Edge = (usize, usize, bool);

/// Iso-line of `z` at `level` by marching squares, as polylines in data
/// coordinates; a closed loop repeats its first point at the end. Cells with
/// a non-finite corner are skipped. Segments are joined through the grid
/// edges they share, so a contour is one SVG element, not hundreds.
pub(super) fn iso_lines(
    xs: &[f64],
    ys: &[f64],
    z: &[Vec<f64>],
    level: f64,
) -> Vec<Vec<(f64, f64)>> {
    let segments = iso_segments(z, level);
    join_segments(&segments)
        .into_iter()
        .map(|chain| {
            chain
                .into_iter()
                .map(|e| edge_point(xs, ys, z, level, e))
                .collect()
        })
        .collect()
}

/// The segments crossing each grid cell, as pairs of crossed edges.
fn iso_segments(z: &[Vec<f64>], level: f64) -> Vec<(Edge, Edge)> {
    let mut out = Vec::new();
    for j in 0..z.len().saturating_sub(1) {
        for i in 0..z[j].len().saturating_sub(1) {
            let corners = [z[j][i], z[j][i + 1], z[j + 1][i + 1], z[j + 1][i]];
            if corners.iter().any(|v| !v.is_finite()) {
                continue;
            }
            let above = corners.map(|v| v > level);
            // Edges in order bottom, right, top, left; edge k joins corners k and k+1.
            let edges: [Edge; 4] = [
                (i, j, true),
                (i + 1, j, false),
                (i, j + 1, true),
                (i, j, false),
            ];
            let crossed: Vec<usize> = (0..4).filter(|&k| above[k] != above[(k + 1) % 4]).collect();
            match crossed.as_slice() {
                [a, b] => out.push((edges[*a], edges[*b])),
                [_, _, _, _] => {
                    // Saddle: the cell centre decides which diagonal is connected.
                    let centre = corners.iter().sum::<f64>() / 4.0 > level;
                    if centre == above[0] {
                        out.push((edges[0], edges[1]));
                        out.push((edges[2], edges[3]));
                    } else {
                        out.push((edges[3], edges[0]));
                        out.push((edges[1], edges[2]));
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// Chains segments that share an edge. Each crossed edge belongs to at most
/// two segments, so every chain is a simple polyline or a closed loop.
fn join_segments(segments: &[(Edge, Edge)]) -> Vec<Vec<Edge>> {
    let mut by_edge: HashMap<Edge, Vec<usize>> = HashMap::new();
    for (k, &(a, b)) in segments.iter().enumerate() {
        by_edge.entry(a).or_default().push(k);
        by_edge.entry(b).or_default().push(k);
    }
    let mut used = vec![false; segments.len()];
    let mut chains = Vec::new();
    for start in 0..segments.len() {
        if used[start] {
            continue;
        }
        used[start] = true;
        let (a, b) = segments[start];
        let forward = follow(b, segments, &by_edge, &mut used);
        let backward = follow(a, segments, &by_edge, &mut used);
        let mut chain: Vec<Edge> = backward.into_iter().rev().collect();
        chain.push(a);
        chain.push(b);
        chain.extend(forward);
        chains.push(chain);
    }
    chains
}

/// Walks from edge `at` through unused segments, returning the edges reached.
fn follow(
    mut at: Edge,
    segments: &[(Edge, Edge)],
    by_edge: &HashMap<Edge, Vec<usize>>,
    used: &mut [bool],
) -> Vec<Edge> {
    let mut out = Vec::new();
    while let Some(&next) = by_edge[&at].iter().find(|&&k| !used[k]) {
        used[next] = true;
        let (p, q) = segments[next];
        at = if p == at { q } else { p };
        out.push(at);
    }
    out
}

/// Where the iso-line crosses `edge`, by linear interpolation. The edge is
/// crossed, so its two values straddle `level` and differ.
fn edge_point(
    xs: &[f64],
    ys: &[f64],
    z: &[Vec<f64>],
    level: f64,
    (i, j, along_x): Edge,
) -> (f64, f64) {
    let (i2, j2) = if along_x { (i + 1, j) } else { (i, j + 1) };
    let t = (level - z[j][i]) / (z[j2][i2] - z[j][i]);
    (xs[i] + t * (xs[i2] - xs[i]), ys[j] + t * (ys[j2] - ys[j]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_lines_of_a_paraboloid_are_closed_circles() {
        let xs: Vec<f64> = (0..41).map(|i| -2.0 + 0.1 * i as f64).collect();
        let z: Vec<Vec<f64>> = xs
            .iter()
            .map(|&y| xs.iter().map(|&x| x * x + y * y).collect())
            .collect();
        for r in [0.55_f64, 1.0, 1.7] {
            let lines = iso_lines(&xs, &xs, &z, r * r);
            assert_eq!(lines.len(), 1, "one loop at r = {r}");
            let line = &lines[0];
            assert!(line.len() > 10);
            assert_eq!(line.first(), line.last(), "loop closed at r = {r}");
            for &(x, y) in line {
                assert!(
                    (x.hypot(y) - r).abs() < 0.01,
                    "({x}, {y}) off the circle r = {r}"
                );
            }
        }
        assert!(iso_lines(&xs, &xs, &z, 100.0).is_empty());
    }

    #[test]
    fn iso_lines_stop_at_non_finite_cells() {
        let xs = [0.0, 1.0, 2.0];
        let z = vec![
            vec![0.0, 1.0, 2.0],
            vec![0.0, f64::NAN, 2.0],
            vec![0.0, 1.0, 2.0],
        ];
        let lines = iso_lines(&xs, &xs, &z, 0.5);
        assert!(lines.is_empty(), "every cell touches the NaN: {lines:?}");
    }
}
