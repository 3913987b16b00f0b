//! A map's verdict per method: which limit the slopes approach along the axis, where the
//! switch between the limits happens, and what the intervals do not allow to say.

use super::axis::Axis;
use super::point::{Limit, Point};
use crate::optim::Method;
use crate::report::signed;

/// One point of one method: its axis value, limit, union of intervals and range of point
/// estimates over the analyst's choices.
type Reading = (f64, Limit, Option<(f64, f64)>, Option<(f64, f64)>);

/// The points of `method` along the axis.
fn readings(points: &[Point], method: Method) -> Vec<Reading> {
    points
        .iter()
        .filter_map(|p| {
            let m = p.methods.iter().find(|m| m.method == method)?;
            Some((p.value, m.limit, m.union, m.range))
        })
        .collect()
}

fn values(axis: Axis, vs: &[f64]) -> String {
    let list: Vec<String> = vs.iter().map(|&v| axis.describe(v)).collect();
    list.join(", ")
}

/// One paragraph: the limit at each point, the switch if the limits fall on two sides of the
/// axis, and the points where nothing can be said.
pub(crate) fn axis_verdict(axis: Axis, points: &[Point], method: Method) -> String {
    let r = readings(points, method);
    if r.is_empty() {
        return format!("{}: no point has been run.", method.label());
    }
    let at = |l: Limit| -> Vec<f64> { r.iter().filter(|x| x.1 == l).map(|x| x.0).collect() };
    let (reg, time) = (at(Limit::Regulariser), at(Limit::Timescale));
    let mut parts = Vec::new();
    for l in [
        Limit::Timescale,
        Limit::Between,
        Limit::Regulariser,
        Limit::Beyond,
    ] {
        let vs = at(l);
        if !vs.is_empty() {
            parts.push(format!("{} at {}", l.word(), values(axis, &vs)));
        }
    }
    let mut s = format!("**{}**: ", method.label());
    if parts.is_empty() {
        s.push_str("no point tells the limits apart");
    } else {
        s.push_str(&parts.join("; "));
    }
    s.push('.');
    let sw = switch(axis, &reg, &time);
    if !sw.is_empty() {
        s.push(' ');
        s.push_str(&sw);
    }
    let unsettled: Vec<String> = r
        .iter()
        .filter(|x| matches!(x.1, Limit::NotSettled | Limit::NoValley | Limit::NoInterval))
        .map(|x| {
            let why = match (x.1, x.2, x.3) {
                (Limit::NotSettled, Some((lo, hi)), Some((a, b))) => format!(
                    "slopes {}…{} over the choices, intervals reaching {}…{}",
                    signed(a),
                    signed(b),
                    signed(lo),
                    signed(hi)
                ),
                (l, _, _) => l.word().to_string(),
            };
            format!("{} ({why})", axis.describe(x.0))
        })
        .collect();
    if !unsettled.is_empty() {
        s.push_str(&format!(
            " The intervals do not say which limit holds at {}.",
            unsettled.join(", ")
        ));
    }
    s
}

/// Where the slopes move from one limit to the other, when every point of one lies below
/// every point of the other.
fn switch(axis: Axis, reg: &[f64], time: &[f64]) -> String {
    let (Some(&t_hi), Some(&r_lo), Some(&r_hi), Some(&t_lo)) =
        (time.last(), reg.first(), reg.last(), time.first())
    else {
        return match (reg.is_empty(), time.is_empty()) {
            (false, true) => {
                "Only the regulariser limit is shown: no point where Loshchilov & Hutter's \
                 coupling holds."
                    .into()
            }
            (true, false) => "Only the timescale limit (Loshchilov & Hutter's picture) is \
                              shown."
                .into(),
            _ => String::new(),
        };
    };
    if t_hi < r_lo {
        format!(
            "The slopes move from the timescale limit to the regulariser limit between {} \
             and {}.",
            axis.describe(t_hi),
            axis.describe(r_lo)
        )
    } else if r_hi < t_lo {
        format!(
            "The slopes move from the regulariser limit to the timescale limit between {} \
             and {}.",
            axis.describe(r_hi),
            axis.describe(t_lo)
        )
    } else {
        "The two limits alternate along the axis: no switch can be placed.".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::map::point::MethodPoint;

    fn point(value: f64, limit: Limit) -> Point {
        Point {
            value,
            settings: crate::study::preset(crate::study::Preset::Full).settings,
            eta_sum: 1.0,
            runs: 1,
            methods: vec![MethodPoint {
                method: Method::Sgd,
                slope: None,
                union: Some((-1.2, 0.3)),
                range: Some((-0.9, -0.2)),
                limit,
                best_f: vec![],
                best: vec![],
                regret_lambda: None,
                regret_f: None,
                regret_difference: None,
                untrained: vec![],
                grid: crate::analysis::ValGrid {
                    lrs: vec![],
                    decays: vec![],
                    val: vec![],
                },
                gain: None,
            }],
        }
    }

    #[test]
    fn places_the_switch_between_the_last_and_first_points_of_each_limit() {
        let pts = [
            point(50.0, Limit::NoValley),
            point(100.0, Limit::Regulariser),
            point(200.0, Limit::NotSettled),
            point(400.0, Limit::Timescale),
        ];
        let s = axis_verdict(Axis::Epochs, &pts, Method::Sgd);
        assert!(
            s.contains("from the regulariser limit to the timescale limit between 100 epochs and 400 epochs"),
            "{s}"
        );
        assert!(s.contains("50 epochs (no valley resolved)"), "{s}");
        assert!(
            s.contains(
                "200 epochs (slopes -0.90…-0.20 over the choices, intervals reaching -1.20…+0.30)"
            ),
            "{s}"
        );
    }

    #[test]
    fn one_limit_only_is_said_so() {
        let pts = [
            point(0.2, Limit::Regulariser),
            point(0.3, Limit::Regulariser),
        ];
        let s = axis_verdict(Axis::LabelNoise, &pts, Method::Sgd);
        assert!(s.contains("Only the regulariser limit"), "{s}");
        assert!(
            s.contains("regulariser limit at 20 % wrong labels, 30 % wrong labels"),
            "{s}"
        );
    }
}
