//! `[partition]`: how agents are split over the ranks of a partitioned run.

use crate::location::{Problem, Problems};
use serde::{Deserialize, Serialize};

/// `[partition]`: how agents are split over the ranks of a partitioned run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PartitionConfig {
    /// `contiguous` (agents in id order) or `metis`.
    pub method: PartitionMethod,
    /// METIS: the number of parts (the number of ranks it is made for). The renaming is part
    /// of the world, so a run on any number of ranks, or in one process, gives the same
    /// outputs; with this many ranks each rank holds one part.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parts: Option<usize>,
}

impl PartitionConfig {
    /// True when nothing was asked (contiguous ids).
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

/// How agents are split over ranks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartitionMethod {
    /// Contiguous ranges of the scenario's ids.
    #[default]
    Contiguous,
    /// A METIS partition of the follow graph, applied by renaming agents (needs a build with
    /// the `metis` feature and libmetis).
    Metis,
}

impl PartitionConfig {
    /// Semantic problems of `[partition]` for `agents` agents; `econ` = the scenario is an
    /// economy (no follow graph to partition).
    pub fn problems(&self, agents: usize, econ: bool) -> Vec<Problem> {
        let mut out = Problems::default();
        if self.method == PartitionMethod::Metis {
            out.check(
                cfg!(feature = "metis"),
                &["partition", "method"],
                "this emergent was built without METIS: install libmetis (apt install \
                 libmetis-dev) and build with `--features metis`, or use `contiguous`"
                    .into(),
            );
            out.check(
                self.parts.is_some_and(|k| (1..=agents.max(1)).contains(&k)),
                &["partition", "parts"],
                "METIS needs `parts`: the number of ranks the partition is made for (between 1 \
                 and the number of agents)"
                    .into(),
            );
            out.check(
                !econ,
                &["partition", "method"],
                "an `[econ]` scenario has no follow graph to partition".into(),
            );
        } else {
            out.check(
                self.parts.is_none(),
                &["partition", "parts"],
                "only `method = \"metis\"` takes `parts`".into(),
            );
        }
        out.0
    }
}
