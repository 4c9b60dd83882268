//! Aumann–Shapley with a coalition structure: the dynamic attribution when the players that
//! matter are groups of agents (follower tiers, communities), after Owen's value for games with
//! a priori unions (Owen 1977).
//!
//! Why: the diagonal path w = α·1 scales every voice together. A group question ("what did the
//! top 1 % cause?") is answered by the Shapley value of the *group* game, whose moves are whole
//! groups joining; the diagonal equals it only when M is multilinear in the groups'
//! participations, and a cascade's tiers are complements (each alone does nearly nothing), far
//! from that. So the two levels are taken separately:
//!
//! - between groups, exactly: for group g and each coalition S of the other groups, the path
//!   w = 1_S + α·1_g (α: 0 → 1), weighted by |S|!(G−|S|−1)!/G!;
//! - inside g, by Aumann–Shapley along that path: agent i of g gets Σ_S weight(S)·∫₀¹ ∂_iM dα.
//!
//! Along one path g's agents sum to M(1_{S∪g}) − M(1_S) (the quadrature's gap aside), so each
//! group's total is the exact Shapley value of the twin's corner game v(S) = M(1_S), and Σφ =
//! M(1) − M(0). With one group this is the diagonal attribution; with every agent its own
//! group, the exact Shapley value of the agents' corner game. Agents of no group keep
//! participation 1 throughout and get φ = 0.
//!
//! Cost: G·2^(G−1) paths, each a quadrature of its own, and the 2^G corners (one forward pass
//! each, shared by every path that starts or ends there). Paths run in parallel; φ is summed in
//! path order, so the result does not depend on the thread count.

use emergent_attribution::game::exact_shapley;
use rayon::prelude::*;

use crate::anchor::{Anchoring, anchor};
use crate::attribute::{DynamicAttribution, Outcome, nothing_to_attribute, relative_gap};
use crate::error::DynamicsError;
use crate::model::Dynamics;
use crate::panels::{self, Ends, Quadrature};

/// Most groups: 12 groups are 12·2^11 = 24,576 paths.
pub const MAX_GROUPS: usize = 12;

/// The attribution with a coalition structure, and the group game it is exact for.
#[derive(Debug, Clone)]
pub struct GroupedAttribution {
    /// Per agent φ (in `attribution.phi`), M(1), M(0), the completeness gap, gradient
    /// evaluations and panels over all paths, `stalled` if any path stalled.
    pub attribution: DynamicAttribution,
    /// Σ φ_i over each group's agents.
    pub group_phi: Vec<f64>,
    /// M(1_S) for every coalition mask S of groups (bit g = group g speaks).
    pub corner_values: Vec<f64>,
    /// The exact Shapley values of the corner game: what `group_phi` equals up to the
    /// quadrature's gap.
    pub corner_shapley: Vec<f64>,
    /// Paths integrated: G·2^(G−1). What was anchored to the change between its ends (panels
    /// of a path, or whole paths) is in `attribution.anchoring`.
    pub paths: usize,
}

/// One path: group `group` goes from 0 to 1 with the groups of `others` at 1.
struct Path {
    group: usize,
    others: u64,
    weight: f64,
}

/// Dynamic attribution with the coalition structure `groups` (disjoint lists of agent indices
/// of the model). Quadrature as [`crate::attribute_dynamic`]: without `tol` one `nodes`-node
/// rule per path; with it, adaptive panels per path, each path to tol·|M(1) − M(0)|/G (so the
/// whole gap is at most tol) within `max_nodes` gradient evaluations per path.
pub fn attribute_grouped(
    model: &dyn Dynamics,
    outcome: &Outcome,
    groups: &[Vec<u32>],
    nodes: usize,
    tol: Option<f64>,
    max_nodes: usize,
) -> Result<GroupedAttribution, DynamicsError> {
    let n = model.agents();
    check_groups(groups, n)?;
    if nodes == 0 {
        return Err(DynamicsError::Invalid("--nodes must be at least 1".into()));
    }
    let g = groups.len();
    let corner = |mask: u64| participation(n, groups, mask, None);
    let t0 = std::time::Instant::now();
    let full = outcome.value(model, &corner(full_mask(g)))?;
    let forward_seconds = t0.elapsed().as_secs_f64();
    if !outcome.needed(model).contains(&true) {
        return Ok(GroupedAttribution {
            attribution: nothing_to_attribute(model, outcome, full, forward_seconds),
            group_phi: vec![0.0; g],
            corner_values: vec![full; 1 << g],
            corner_shapley: vec![0.0; g],
            paths: 0,
        });
    }
    let corner_values = (0..=full_mask(g))
        .into_par_iter()
        .map(|mask| outcome.value(model, &corner(mask)))
        .collect::<Result<Vec<f64>, _>>()?;
    if let Some(mask) = corner_values.iter().position(|v| !v.is_finite()) {
        return Err(DynamicsError::Invalid(format!(
            "the indicator is undefined ({}) with only the groups {:?} participating; the \
             grouped attribution needs M at every corner (leave out --groups for the diagonal, \
             which takes M(0) as a limit)",
            corner_values[mask],
            members_of(mask as u64, g)
        )));
    }
    let (value, baseline_value) = (corner_values[full_mask(g) as usize], corner_values[0]);
    let delta = value - baseline_value;
    let scale = delta
        .abs()
        .max(1e-12 * (value.abs() + baseline_value.abs()));
    let paths = paths(g);
    let path_tol = tol.map(|t| t * scale / g as f64);
    let mut gradient_seconds = f64::INFINITY;
    let quadratures = paths
        .par_iter()
        .map(|p| {
            integrate(
                model,
                outcome,
                groups,
                p,
                &corner_values,
                (nodes, path_tol, max_nodes),
            )
        })
        .collect::<Result<Vec<(Quadrature, f64)>, _>>()?;
    let mut phi = vec![0.0; n];
    let (mut evaluations, mut panels, mut stalled) = (0, 0, false);
    let mut unanchored = 0.0;
    let mut anchoring = Anchoring::default();
    for (p, (q, seconds)) in paths.iter().zip(quadratures) {
        let mut path_phi = q.phi;
        unanchored += p.weight * q.unanchored_sum;
        anchoring.anchored_panels += q.anchored;
        anchoring.replaced_panels += q.replaced;
        // A path whose panels were anchored already sums to its corners; a fixed rule's path
        // is anchored whole (one group is the diagonal path, left as integrated).
        if g > 1 {
            let change = corner_values[(p.others | 1 << p.group) as usize]
                - corner_values[p.others as usize];
            let (a, r) = anchor(&mut path_phi, change, path_tol).counts();
            anchoring.anchored_paths += a;
            anchoring.replaced_paths += r;
        }
        for (&m, v) in groups[p.group].iter().zip(&path_phi) {
            phi[m as usize] += p.weight * v;
        }
        evaluations += q.evaluations;
        panels += q.panels;
        stalled |= q.stalled;
        gradient_seconds = gradient_seconds.min(seconds);
    }
    let sum: f64 = phi.iter().sum();
    let relative = |s: f64| relative_gap(s, delta, scale);
    let gap = relative(sum);
    let group_phi = groups
        .iter()
        .map(|m| m.iter().map(|&i| phi[i as usize]).sum())
        .collect();
    Ok(GroupedAttribution {
        attribution: DynamicAttribution {
            indicator: outcome.indicator.text().to_string(),
            value,
            baseline_value,
            baseline_is_limit: false,
            sum_phi: sum,
            completeness_gap: gap,
            nodes: evaluations,
            panels,
            target_met: tol.is_none_or(|t| gap <= t),
            stalled,
            forward_seconds,
            backward_seconds: (gradient_seconds - forward_seconds).max(0.0),
            note: None,
            anchoring: anchoring.any().then_some(Anchoring {
                quadrature_gap: relative(unanchored),
                ..anchoring
            }),
            phi,
        },
        group_phi,
        corner_shapley: exact_shapley(&corner_values),
        corner_values,
        paths: paths.len(),
    })
}

/// Refuse groups the attribution cannot take: too many, out of range, or overlapping.
fn check_groups(groups: &[Vec<u32>], n: usize) -> Result<(), DynamicsError> {
    let g = groups.len();
    if g == 0 || g > MAX_GROUPS {
        return Err(DynamicsError::Invalid(format!(
            "{g} groups: the grouped dynamic attribution integrates G·2^(G−1) paths exactly, \
             for 1 to {MAX_GROUPS} groups (12 groups: 24,576 paths); use coarser groups"
        )));
    }
    let mut seen = vec![false; n];
    for (k, members) in groups.iter().enumerate() {
        for &m in members {
            let slot = seen.get_mut(m as usize).ok_or_else(|| {
                DynamicsError::Invalid(format!(
                    "group {k} holds agent {m}, but the model has {n} agents"
                ))
            })?;
            if std::mem::replace(slot, true) {
                return Err(DynamicsError::Invalid(format!(
                    "agent {m} is in two groups (the groups must be disjoint)"
                )));
            }
        }
    }
    Ok(())
}

/// Every coalition mask of `g` groups.
fn full_mask(g: usize) -> u64 {
    (1u64 << g) - 1
}

fn members_of(mask: u64, g: usize) -> Vec<usize> {
    (0..g).filter(|k| mask >> k & 1 == 1).collect()
}

/// Participation: 1 for agents of the groups in `mask` and of no group, 0 for the others;
/// `moving = Some((k, α))` puts group k at α.
fn participation(
    n: usize,
    groups: &[Vec<u32>],
    mask: u64,
    moving: Option<(usize, f64)>,
) -> Vec<f64> {
    let mut w = vec![1.0; n];
    for (k, members) in groups.iter().enumerate() {
        let level = match moving {
            Some((j, a)) if j == k => a,
            _ if mask >> k & 1 == 1 => 1.0,
            _ => 0.0,
        };
        for &m in members {
            w[m as usize] = level;
        }
    }
    w
}

/// Every path (g, S ∌ g) in a fixed order, with its Shapley weight |S|!(G−|S|−1)!/G!.
fn paths(g: usize) -> Vec<Path> {
    let mut weight = vec![1.0 / g as f64; g];
    for s in 1..g {
        weight[s] = weight[s - 1] * s as f64 / (g - s) as f64;
    }
    (0..g)
        .flat_map(|k| {
            let weight = &weight;
            (0..=full_mask(g))
                .filter(move |s| s >> k & 1 == 0)
                .map(move |s| Path {
                    group: k,
                    others: s,
                    weight: weight[s.count_ones() as usize],
                })
        })
        .collect()
}

/// ∫₀¹ ∂M/∂w_i dα over one path for the agents i of the moving group (in `groups[k]` order),
/// and the fastest gradient pass it took (seconds).
fn integrate(
    model: &dyn Dynamics,
    outcome: &Outcome,
    groups: &[Vec<u32>],
    path: &Path,
    corner_values: &[f64],
    (nodes, abs_tol, max_nodes): (usize, Option<f64>, usize),
) -> Result<(Quadrature, f64), DynamicsError> {
    let n = model.agents();
    let members = &groups[path.group];
    let at = |a: f64| participation(n, groups, path.others, Some((path.group, a)));
    let mut fastest = f64::INFINITY;
    let mut gradient = |a: f64| {
        let t = std::time::Instant::now();
        let (_, g) = outcome.gradient(model, &at(a))?;
        fastest = fastest.min(t.elapsed().as_secs_f64());
        Ok(members.iter().map(|&m| g[m as usize]).collect())
    };
    let q = match abs_tol {
        None => panels::fixed(members.len(), nodes, &mut gradient)?,
        Some(abs_tol) => {
            let ends = Ends {
                value: corner_values[(path.others | 1 << path.group) as usize],
                baseline_value: corner_values[path.others as usize],
            };
            panels::adaptive(
                members.len(),
                nodes,
                abs_tol,
                max_nodes.max(nodes),
                ends,
                &mut gradient,
                &mut |a| outcome.value(model, &at(a)),
            )?
        }
    };
    Ok((q, fastest))
}
