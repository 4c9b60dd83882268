//! The federal income-tax brackets EconAgent uses, applied monthly: the annual thresholds
//! divided by twelve (Li et al., ACL 2024, §3; reference: `simulate_utils.py`'s `brackets`
//! and ai-economist's `PeriodicBracketTax` with `usd_scaling = 12`).
//!
//! ai-economist calls this schedule "us-federal-single-filer-2018-scaled", but its
//! thresholds ($9,700, $39,475, …) are the IRS single-filer figures for tax year 2019 (the
//! 2018 ones were $9,525, $38,700, …); the rates are the same in both years. We use the
//! reference's thresholds, so the published economy and ours tax the same incomes alike.

/// `(annual upper bound of the bracket, marginal rate)`, ascending; the last is open.
pub const BRACKETS: [(f64, f64); 7] = [
    (9_700.0, 0.10),
    (39_475.0, 0.12),
    (84_200.0, 0.22),
    (160_725.0, 0.24),
    (204_100.0, 0.32),
    (510_300.0, 0.35),
    (f64::INFINITY, 0.37),
];

/// Tax owed on one month's income.
pub fn monthly_tax(income: f64) -> f64 {
    if income <= 0.0 || !income.is_finite() {
        return 0.0;
    }
    let mut owed = 0.0;
    let mut lower = 0.0;
    for (upper, rate) in BRACKETS {
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
        let first = 9_700.0 / 12.0;
        assert!((monthly_tax(first) - 0.1 * first).abs() < 1e-9);
        let second = 39_475.0 / 12.0;
        let want = 0.1 * first + 0.12 * (second - first);
        assert!((monthly_tax(second) - want).abs() < 1e-9);
        // Far above the top bracket the average rate approaches 37 %.
        let rich = 1e9;
        assert!((monthly_tax(rich) / rich - 0.37).abs() < 1e-3);
        assert!(monthly_tax(5_000.0) < 5_000.0);
    }

    #[test]
    fn the_schedule_is_the_references() {
        // ai-economist's cutoffs [0, 9700, 39475, 84200, 160725, 204100, 510300] / 12 with
        // rates [0.10, 0.12, 0.22, 0.24, 0.32, 0.35, 0.37]: the tax on $10,000 a month.
        let cut = [
            0.0, 9_700.0, 39_475.0, 84_200.0, 160_725.0, 204_100.0, 510_300.0,
        ];
        let rates = [0.10, 0.12, 0.22, 0.24, 0.32, 0.35, 0.37];
        let income: f64 = 10_000.0;
        let want: f64 = (0..7)
            .map(|i| {
                let lo = cut[i] / 12.0;
                let hi = cut.get(i + 1).map_or(f64::INFINITY, |c| c / 12.0);
                rates[i] * (income.min(hi) - lo).max(0.0)
            })
            .sum();
        assert!((monthly_tax(income) - want).abs() < 1e-9, "{want}");
    }
}
