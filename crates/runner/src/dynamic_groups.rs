//! The dynamic attribution with a coalition structure (`emergent attribute --dynamic RUN_DIR
//! --groups SPEC`): the groups of the ground-truth game (`game/groups.rs`, the same spec and the
//! same construction) as a priori unions, exact Shapley between them and Aumann–Shapley inside
//! each (`emergent_dynamics::attribute_grouped`; docs/dynamic-attribution.md).

use std::path::Path;

use emergent_attribution::FeatureTable;
use emergent_dynamics::{
    DynamicAttribution, Dynamics, DynamicsError, MAX_GROUPS, Outcome, attribute_grouped,
};
use emergent_io::run_dir::{DynamicGroup, DynamicStructure, GameGroup};

use crate::error::RunError;
use crate::game::{Group, GroupSpec};

/// The groups of a `--groups` spec over a run's final features.
pub(crate) struct Grouping {
    spec_text: String,
    groups: Vec<Group>,
    /// Members as indices of the model's agents (rows of the run's features).
    members: Vec<Vec<u32>>,
}

impl Grouping {
    /// The groups of `spec` over `features`; refuses more than [`MAX_GROUPS`] before any work.
    pub(crate) fn new(
        dir: &Path,
        spec: &GroupSpec,
        spec_text: &str,
        features: &FeatureTable,
    ) -> Result<Self, RunError> {
        let err = |message: String| RunError::DynamicGroups {
            dir: dir.to_path_buf(),
            message,
        };
        let groups = spec.groups(features).map_err(err)?;
        if groups.len() > MAX_GROUPS {
            return Err(err(format!(
                "{} groups: the grouped attribution integrates G·2^(G−1) paths of the twin \
                 exactly, for at most {MAX_GROUPS} groups ({MAX_GROUPS}: {} paths); use \
                 coarser groups, or `emergent attribute --game` with --permutations",
                groups.len(),
                MAX_GROUPS << (MAX_GROUPS - 1)
            )));
        }
        let members = groups.iter().map(|g| g.members.clone()).collect();
        Ok(Grouping {
            spec_text: spec_text.to_string(),
            groups,
            members,
        })
    }

    /// What `dynamic_attribution.json` records about the structure.
    pub(crate) fn structure(&self) -> DynamicStructure {
        let g = self.groups.len();
        DynamicStructure {
            method: "owen".into(),
            groups_spec: self.spec_text.clone(),
            groups: self
                .groups
                .iter()
                .map(|g| GameGroup {
                    name: g.name.clone(),
                    agents: g.members.len(),
                })
                .collect(),
            paths: g << (g - 1),
        }
    }
}

/// One indicator with the coalition structure.
pub(crate) struct Grouped {
    pub(crate) attribution: DynamicAttribution,
    /// Each group's sum beside the twin's corner-game Shapley value.
    pub(crate) groups: Vec<DynamicGroup>,
    /// M(1_S) for every coalition S.
    pub(crate) corner_values: Vec<f64>,
}

/// One indicator attributed with the coalition structure: per agent φ, each group's sum beside
/// the twin's corner-game Shapley value, and the corner values M(1_S).
pub(crate) fn attribute(
    model: &dyn Dynamics,
    outcome: &Outcome,
    grouping: &Grouping,
    (nodes, tol, max_nodes): (usize, Option<f64>, usize),
) -> Result<Grouped, DynamicsError> {
    let a = attribute_grouped(model, outcome, &grouping.members, nodes, tol, max_nodes)?;
    if a.attribution.note.is_some() {
        return Ok(Grouped {
            attribution: a.attribution,
            groups: Vec::new(),
            corner_values: Vec::new(),
        });
    }
    let total = a.attribution.sum_phi;
    let groups = grouping
        .groups
        .iter()
        .zip(a.group_phi.iter().zip(&a.corner_shapley))
        .map(|(g, (&phi, &corner_shapley))| DynamicGroup {
            name: g.name.clone(),
            phi,
            share: (total != 0.0 && total.is_finite()).then(|| phi / total),
            corner_shapley,
        })
        .collect();
    Ok(Grouped {
        attribution: a.attribution,
        groups,
        corner_values: a.corner_values,
    })
}
