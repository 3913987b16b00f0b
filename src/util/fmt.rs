//! Number formatting shared by tables, labels, figure legends and file names.

/// `1e-3`-style labels (0 stays `0`), rounded to five significant digits so that products such
/// as α·λ print as `3e-7`, not `3.0000000000000004e-7`. Used wherever a learning rate or a
/// decay coefficient is named in a report, a legend or a title.
pub(crate) fn short(v: f64) -> String {
    if v == 0.0 {
        "0".into()
    } else {
        let rounded: f64 = format!("{v:.4e}").parse().unwrap_or(v);
        format!("{rounded:e}")
    }
}

/// A number in plain decimal notation with at most 6 significant digits and no trailing zeros
/// (`0.005`, not `0.005000000000000001`); 0 and non-finite values as Rust prints them.
pub(crate) fn decimal(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let decimals = (5 - x.abs().log10().floor() as i32).clamp(0, 17) as usize;
    trim_zeros(&format!("{x:.decimals$}")).to_string()
}

/// A value exactly (it reads back to the same bits), in Rust's plain form where that is short
/// (`0.001`, `250`) and in scientific form far from 1 (`1e-300`, not three hundred digits):
/// for messages and file names that name a value the user gave.
pub(crate) fn exact(v: f64) -> String {
    if v == 0.0 || !v.is_finite() || (1e-4..1e15).contains(&v.abs()) {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

/// A computed value (a product or a quotient) to five significant digits, in [`exact`]'s form:
/// `0.1`, not `0.09999999999999999`.
pub(crate) fn readable(v: f64) -> String {
    exact(format!("{v:.4e}").parse().unwrap_or(v))
}

/// A fraction as a percentage for prose: six significant digits (`7 %`, not
/// `7.000000000000001 %`), but never rounded to 0 % or 100 % when it is neither.
pub(crate) fn percent_text(fraction: f64) -> String {
    let p = 100.0 * fraction;
    let short = decimal(p);
    let rounded_to_edge = (short == "100" && fraction != 1.0) || (short == "0" && fraction != 0.0);
    format!("{} %", if rounded_to_edge { exact(p) } else { short })
}

/// `n` and the noun, singular for 1 (`1 epoch`, `3 epochs`).
pub(crate) fn count(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// A path as one shell word, for commands the user is told to run: as it is when it holds
/// only characters no shell treats specially, else in single quotes (`'my runs/s'`).
pub(crate) fn shell_word(path: &std::path::Path) -> String {
    let s = path.display().to_string();
    let plain = |c: char| c.is_ascii_alphanumeric() || "_./-,:=+@%".contains(c);
    if !s.is_empty() && s.chars().all(plain) {
        s
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Drops trailing zeros after a decimal point, and the point itself when nothing follows it.
pub(crate) fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// A fraction as a percentage with two decimals (`0.9512` → `95.12`).
pub(crate) fn percent(fraction: f64) -> String {
    format!("{:.2}", 100.0 * fraction)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_labels_round_away_float_noise() {
        assert_eq!(short(0.0), "0");
        assert_eq!(short(1e-3), "1e-3");
        assert_eq!(short(0.1 * 3e-6), "3e-7");
        assert_eq!(short(0.25), "2.5e-1");
    }

    #[test]
    fn decimals_keep_six_significant_digits_without_trailing_zeros() {
        assert_eq!(decimal(0.1 * 0.05), "0.005");
        assert_eq!(decimal(2.0), "2");
        assert_eq!(decimal(-1.5), "-1.5");
        assert_eq!(decimal(1234.56789), "1234.57");
        assert_eq!(decimal(0.0), "0");
        assert_eq!(trim_zeros("2.500"), "2.5");
        assert_eq!(trim_zeros("2.000"), "2");
        assert_eq!(trim_zeros("200"), "200");
        assert_eq!(percent(0.9512), "95.12");
        assert_eq!(exact(1e-300), "1e-300");
        assert_eq!(percent_text(0.07), "7 %");
        assert_eq!(readable(1e-4 / 1e-3), "0.1");
        assert_eq!(percent_text(0.9999999999999999), "99.99999999999999 %");
        assert_eq!(count(1, "epoch"), "1 epoch");
        let p = std::path::Path::new;
        assert_eq!(shell_word(p("out/s-1")), "out/s-1");
        assert_eq!(shell_word(p("my runs/it's")), r"'my runs/it'\''s'");
        assert_eq!(exact(0.001), "0.001");
        assert_eq!(exact(3e-5), "3e-5");
        assert_eq!(exact(1e300), "1e300");
    }
}
