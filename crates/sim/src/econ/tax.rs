//! 2018 US federal income-tax brackets (single filer), applied monthly: the annual
//! thresholds divided by twelve, as EconAgent does.

/// `(annual upper bound of the bracket, marginal rate)`, ascending; the last is open.
pub const BRACKETS_2018: [(f64, f64); 7] = [
    (9_525.0, 0.10),
    (38_700.0, 0.12),
    (82_500.0, 0.22),
    (157_500.0, 0.24),
    (200_000.0, 0.32),
    (500_000.0, 0.35),
    (f64::INFINITY, 0.37),
];

/// Tax owed on one month's income.
pub fn monthly_tax(income: f64) -> f64 {
    if income <= 0.0 || !income.is_finite() {
        return 0.0;
    }
    let mut owed = 0.0;
    let mut lower = 0.0;
    for (upper, rate) in BRACKETS_2018 {
        let upper = upper / 12.0;
        if income <= lower {
            break;
        }
        owed += (income.min(upper) - lower) * rate;
        lower = upper;
    }
    owed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brackets_are_marginal() {
        assert_eq!(monthly_tax(0.0), 0.0);
        let first = 9_525.0 / 12.0;
        assert!((monthly_tax(first) - 0.1 * first).abs() < 1e-9);
        let second = 38_700.0 / 12.0;
        let want = 0.1 * first + 0.12 * (second - first);
        assert!((monthly_tax(second) - want).abs() < 1e-9);
        // Far above the top bracket the average rate approaches 37 %.
        let rich = 1e9;
        assert!((monthly_tax(rich) / rich - 0.37).abs() < 1e-3);
        assert!(monthly_tax(5_000.0) < 5_000.0);
    }
}
