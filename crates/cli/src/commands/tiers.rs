//! The tier flags `attribute` and `study` share: which column ranks agents into tiers, and
//! where the tiers are cut. One declaration, so both commands take the same flags with the
//! same defaults, checks and help.

use anyhow::Result;

/// The column the tiers rank by when `--tier-by` is not given.
pub const DEFAULT_TIER_BY: &str = "followers";

#[derive(clap::Args, Debug, Clone)]
pub struct TierArgs {
    /// Rank agents by this column for tier shares (default: `followers`; `attribute` skips
    /// the tiers when a table has no such column, `study` needs it).
    #[arg(long, value_name = "COL")]
    pub tier_by: Option<String>,
    /// Tier cut points as fractions of agents, highest first.
    #[arg(
        long,
        default_value = "0.01,0.1",
        value_delimiter = ',',
        value_name = "A,B"
    )]
    pub tiers: Vec<f64>,
}

impl TierArgs {
    /// Refuse cuts that do not make tiers, before any work.
    pub fn check(&self) -> Result<()> {
        emergent_runner::study::check_tiers(&self.tiers)?;
        Ok(())
    }

    /// The ranking column: the one given, else [`DEFAULT_TIER_BY`].
    pub fn column(&self) -> &str {
        self.tier_by.as_deref().unwrap_or(DEFAULT_TIER_BY)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(tier_by: Option<&str>, tiers: &[f64]) -> TierArgs {
        TierArgs {
            tier_by: tier_by.map(String::from),
            tiers: tiers.to_vec(),
        }
    }

    #[test]
    fn cuts_must_increase_inside_the_unit_interval() {
        assert!(args(None, &[0.01, 0.1]).check().is_ok());
        for bad in [&[][..], &[0.1, 0.01], &[0.0, 0.5], &[0.5, 1.0], &[0.2, 0.2]] {
            assert!(args(None, bad).check().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_column_defaults_to_followers() {
        assert_eq!(args(None, &[0.1]).column(), "followers");
        assert_eq!(args(Some("karma"), &[0.1]).column(), "karma");
    }
}
