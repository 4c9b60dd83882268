//! A run of a distilled policy (`[policy] kind = "distilled"`, docs/distill.md) keeps what it
//! ran with, so the run directory is self-contained: the policy file's exact bytes
//! ([`DISTILLED_POLICY`]) and, when `emergent distill` wrote one beside it for that very
//! file, its fidelity report ([`DISTILLED_FIDELITY`], a copy of `distill.json`). The
//! manifest's `distilled_policy` ([`DistilledPolicyUse`]) says where they came from.

use serde::{Deserialize, Serialize};

/// The policy file the run ran, byte for byte (its SHA-256 is in the run key).
pub const DISTILLED_POLICY: &str = "distilled_policy.json";
/// The `distill.json` written beside the policy file for it: held-out fidelity of the
/// distilled policy and the hand-written surrogate (and the macro check when one was made).
pub const DISTILLED_FIDELITY: &str = "distilled_fidelity.json";

/// `distilled_policy` in the manifest. Fields in alphabetical order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DistilledPolicyUse {
    /// [`DISTILLED_FIDELITY`] when the run copied a matching `distill.json`, else null.
    pub fidelity: Option<String>,
    /// Why no fidelity report was copied (none beside the policy, or one of another
    /// policy file); null when one was.
    pub fidelity_note: Option<String>,
    /// The policy file as the scenario's `[policy] path` resolved it.
    pub path: String,
    /// SHA-256 (hex) of the policy file's bytes (also in the run key).
    pub sha256: String,
    /// Where the policy came from: `policy.json`'s `source`.
    pub source: DistilledSource,
}

/// `source` of `policy.json` (`emergent distill` writes it): the LLM run distilled.
/// Fields in alphabetical order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DistilledSource {
    /// Decisions in the LLM run's log (fallbacks included).
    pub decisions: u64,
    /// The LLM run's directory, as given to `emergent distill`.
    pub run_dir: String,
    /// The LLM run's scenario name.
    pub scenario: String,
    pub seed: u64,
}
