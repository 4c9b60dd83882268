//! Numbers as a reader of a paper wants them: a few significant digits, percentages for
//! shares, scientific notation for round-off-sized quantities, and "—" for undefined.

/// Undefined (None or NaN) as an em dash.
pub const UNDEFINED: &str = "—";

fn defined(x: Option<f64>) -> Option<f64> {
    x.filter(|v| v.is_finite())
}

/// About four significant digits; scientific notation outside [1e-3, 1e6).
pub fn num(x: Option<f64>) -> String {
    let Some(v) = defined(x) else {
        return UNDEFINED.into();
    };
    let a = v.abs();
    if v == 0.0 {
        "0".into()
    } else if (1e-3..1e6).contains(&a) {
        let decimals = (3 - a.log10().floor() as i32).max(0) as usize;
        format!("{v:.decimals$}")
    } else {
        format!("{v:.3e}")
    }
}

/// Scientific notation, for gaps and residuals whose size is the point.
pub fn sci(x: Option<f64>) -> String {
    match defined(x) {
        Some(v) => format!("{v:.2e}"),
        None => UNDEFINED.into(),
    }
}

/// A share as a percentage with one decimal.
pub fn pct(x: Option<f64>) -> String {
    match defined(x) {
        Some(v) => format!("{:.1}%", 100.0 * v),
        None => UNDEFINED.into(),
    }
}

/// Share mean ± sd, in percent.
pub fn pct_pm(mean: Option<f64>, sd: Option<f64>) -> String {
    match (defined(mean), defined(sd)) {
        (Some(m), Some(s)) => format!("{:.1}% ± {:.1}", 100.0 * m, 100.0 * s),
        (Some(m), None) => pct(Some(m)),
        _ => UNDEFINED.into(),
    }
}

/// Mean ± sd with [`num`] digits.
pub fn num_pm(mean: Option<f64>, sd: Option<f64>) -> String {
    match (defined(mean), defined(sd)) {
        (Some(m), Some(s)) => format!("{} ± {}", num(Some(m)), num(Some(s))),
        (Some(m), None) => num(Some(m)),
        _ => UNDEFINED.into(),
    }
}

/// Mean ± sd in scientific notation.
pub fn sci_pm(mean: Option<f64>, sd: Option<f64>) -> String {
    match (defined(mean), defined(sd)) {
        (Some(m), Some(s)) => format!("{m:.2e} ± {s:.1e}"),
        (Some(m), None) => sci(Some(m)),
        _ => UNDEFINED.into(),
    }
}

/// A name safe as a file stem: lower-case letters, digits and single dashes.
pub fn slug(s: &str) -> String {
    let mut out = String::new();
    for ch in s.chars() {
        if ch.is_ascii_alphanumeric() {
            out.push(ch.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "indicator".into()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(num(Some(1234.5678)), "1235");
        assert_eq!(num(Some(0.012345)), "0.01235");
        assert_eq!(num(Some(1.5e-7)), "1.500e-7");
        assert_eq!(num(Some(f64::NAN)), UNDEFINED);
        assert_eq!(num(None), UNDEFINED);
        assert_eq!(pct(Some(0.1234)), "12.3%");
        assert_eq!(pct_pm(Some(0.5), Some(0.01)), "50.0% ± 1.0");
        assert_eq!(sci(Some(0.0)), "0.00e0");
        assert_eq!(slug("gini(posts + replies)"), "gini-posts-replies");
        assert_eq!(slug("mean(a)*mean(b)"), "mean-a-mean-b");
        assert_eq!(slug("()"), "indicator");
    }
}
