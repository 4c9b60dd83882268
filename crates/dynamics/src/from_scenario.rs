//! The expected-value model of a scenario's surrogate policy, on the run's initial world.

use emergent_scenario::{CascadeModel, PolicyKind, Scenario};
use emergent_sim::World;
use emergent_sim::econ::Economy;
use emergent_sim::policy::Cascade;

use crate::backfire::BackfireField;
use crate::bounded_confidence::{BoundedConfidenceField, STATE_BUDGET_BYTES, checkpoint_interval};
use crate::cascade::CascadeField;
use crate::econ::EconField;
use crate::error::DynamicsError;
use crate::feed_model::FeedShape;
use crate::model::Dynamics;
use crate::panic::PanicField;
use crate::radicalization::RadicalizationField;
use crate::rewiring::Rewiring;
use crate::threshold::ThresholdField;

/// Smoothing of |Δx| in the radicalization twin's homophily kernel ((Δx² + δ²)^(−β/2)).
/// Opinions start in [−1, 1] and grow beyond; a sharper kernel (δ = 0.05) gives the outcome
/// sharp features in the participation scale, where Gauss–Legendre needed hundreds of nodes
/// for a 10⁻³ gap; at 0.2 it reaches 10⁻⁶ with 16–64 (tests/radicalization.rs).
const HOMOPHILY_DELTA: f64 = 0.2;

/// Width of the smoothed confidence bound, as a fraction of ε (and of the rejection bound, as a
/// fraction of ρ, in the backfire twin): narrow enough to track the
/// hard rule, wide enough for gradients to see agents near the bound.
const DELTA_OVER_EPS: f64 = 0.1;

/// How far beyond ±1 the backfire twin lets a pushed-out stance end (its smooth clamp is the
/// identity inside [−1, 1]): small beside a tick's move (μ s or γ s times a distance, a few
/// hundredths), so the bias at the bound is at most 1 %. Wider bends M(α·1) less sharply
/// (fewer quadrature nodes for the same gap) at the price of that bias.
const CLAMP_WIDTH: f64 = 0.01;

/// Width of the smoothed Watts threshold step, in adopted fraction: a fifth of the gap 1/k
/// between adopted fractions of an agent with k = 10 followees, so fractions on either side of
/// the threshold stay apart (σ(3) = 0.95 at the threshold, σ(−2) = 0.12 one count below).
const THRESHOLD_WIDTH: f64 = 0.02;

/// Build the model for `scenario` on `world` (the world at tick 0: the same network, stances
/// and activities the run started from).
pub fn model_for<'a>(
    scenario: &Scenario,
    world: &'a World,
) -> Result<Box<dyn Dynamics + 'a>, DynamicsError> {
    let pop = &world.population;
    let topics = pop.topics;
    let ticks = scenario.scenario.ticks;
    match scenario.policy.kind {
        PolicyKind::BoundedConfidence => {
            let p = &scenario.policy.bounded_confidence;
            let bc = BoundedConfidenceField {
                net: &world.network,
                x0: (0..pop.len()).map(|a| pop.stance[a * topics]).collect(),
                activity: pop.activity.local().to_vec(),
                susceptibility: pop.susceptibility.local().to_vec(),
                mu: p.mu,
                eps: p.epsilon,
                delta: DELTA_OVER_EPS * p.epsilon,
                post_prob: p.post_prob,
                like_prob: p.like_prob,
                feed_size: scenario.feed.size as f64,
                ticks,
                saturate: true,
                checkpoint_every: checkpoint_interval(pop.len(), ticks, STATE_BUDGET_BYTES),
            };
            if p.repulsion > 0.0 {
                Ok(Box::new(BackfireField {
                    bc,
                    repulsion: p.repulsion,
                    rejection: p.rejection_distance,
                    rejection_delta: DELTA_OVER_EPS * p.rejection_distance,
                    clamp_width: CLAMP_WIDTH,
                }))
            } else {
                Ok(Box::new(bc))
            }
        }
        PolicyKind::Cascade if scenario.policy.cascade.model == CascadeModel::Watts => {
            let policy = Cascade::new(scenario.policy.cascade.clone());
            let agents = 0..pop.len() as u32;
            Ok(Box::new(ThresholdField {
                net: &world.network,
                activity: pop.activity.local().to_vec(),
                thresholds: agents
                    .clone()
                    .map(|a| policy.threshold_of(world.seed, a))
                    .collect(),
                seeds: agents
                    .map(|a| f64::from(u8::from(policy.is_seed(world.seed, a))))
                    .collect(),
                width: THRESHOLD_WIDTH,
                ticks,
            }))
        }
        PolicyKind::Cascade => {
            let p = &scenario.policy.cascade;
            Ok(Box::new(CascadeField {
                net: &world.network,
                activity: pop.activity.local().to_vec(),
                p: p.p,
                post_prob: p.post_prob,
                onward: CascadeField::onward_shares(&world.network),
                window: scenario.feed.window,
                ticks,
            }))
        }
        PolicyKind::Panic => {
            let out_of_network =
                (scenario.feed.size as f64 * scenario.feed.out_of_network_share).round();
            Ok(Box::new(PanicField {
                net: &world.network,
                activity: pop.activity.local().to_vec(),
                susceptibility: pop.susceptibility.local().to_vec(),
                params: scenario.policy.panic.clone(),
                ticks,
                window: scenario.feed.window,
                out_of_network,
                clusters: world
                    .market
                    .as_ref()
                    .map(|m| m.cluster.clone())
                    .unwrap_or_default(),
                participation_exponent: PanicField::exponent_for(pop.len(), out_of_network),
            }))
        }
        PolicyKind::Radicalization => {
            let p = &scenario.policy.radicalization;
            let feed = feed_shape(&scenario.feed);
            Ok(Box::new(RadicalizationField {
                net: &world.network,
                x0: (0..pop.len()).map(|a| pop.stance[a * topics]).collect(),
                activity: pop.activity.local().to_vec(),
                k: p.k,
                alpha: p.alpha,
                beta: p.beta,
                reciprocity: p.reciprocity,
                contacts: p.contacts as f64,
                dt: p.dt,
                delta: HOMOPHILY_DELTA,
                ticks,
                feed,
                participation_exponent: RadicalizationField::exponent_for(
                    pop.len(),
                    &feed,
                    p.contacts as f64,
                ),
                rewiring: Rewiring {
                    follow_prob: p.follow_prob,
                    unfollow_prob: p.unfollow_prob,
                    unfollow_distance: p.unfollow_distance,
                },
            }))
        }
        #[allow(unreachable_patterns)]
        other => Err(DynamicsError::Unsupported(
            format!("{other:?}"),
            "its expected-value mode is not written yet".into(),
        )),
    }
}

/// The engine's feed in the radicalization twin's terms: n_oon = round(F·share) out-of-network
/// slots (the engine's rounding, crates/sim `feed.rs`), the rest in network.
fn feed_shape(f: &emergent_scenario::FeedConfig) -> FeedShape {
    let out = ((f.size as f64) * f.out_of_network_share).round() as usize;
    FeedShape {
        in_network: f.size.saturating_sub(out),
        out_of_network: out,
        followee_sample: f.followee_sample,
    }
}

/// The expected-value economy of an `[econ]` scenario, from the month-0 economy its run
/// started from (skills are drawn from the scenario's seed, so this is the run's economy).
pub fn econ_model_for(scenario: &Scenario) -> Result<EconField, DynamicsError> {
    let cfg = scenario.econ.as_ref().ok_or_else(|| {
        DynamicsError::Invalid("the scenario has no `[econ]` section: not an economy".into())
    })?;
    let economy = Economy::new(cfg, scenario.population.agents, scenario.scenario.seed);
    Ok(EconField::from_economy(&economy, scenario.scenario.ticks))
}
