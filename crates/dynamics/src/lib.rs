//! Attribution *through* the dynamics: who caused the outcome, not only whose final features
//! add up to it.
//!
//! Every agent j gets a participation weight w_j ∈ [0, 1] scaling how strongly its items act
//! on the agents who see them. The outcome M(w) is an indicator at the horizon of a smooth,
//! deterministic expected-value (mean-field) version of the run on the actual network.
//! Dynamic attribution is the Aumann–Shapley value of M along w = α·1, so Σφ = M(1) − M(0).
//! Gradients come from one reverse-mode (adjoint) pass over the T ticks per quadrature node.
//! In an economy ([`EconField`]) w_j scales how much of household j's labour enters the market
//! instead (its demand too with `scale_demand`, off by default: see `econ.rs`).
//!
//! Pure: no I/O. The runner and the command line build models from a run directory.

mod anchor;
mod attribute;
mod backfire;
mod bounded_confidence;
mod cascade;
mod coalition;
mod econ;
mod error;
mod feed_graph;
mod feed_model;
mod from_scenario;
mod model;
mod panels;
mod panic;
mod panic_echo;
mod panic_feed;
mod panic_volatility;
mod panic_window;
mod radicalization;
mod rewiring;
mod smooth;
mod stance_grid;
mod threshold;

pub use anchor::Anchoring;
pub use attribute::{DynamicAttribution, Outcome, attribute_dynamic};
pub use backfire::BackfireField;
pub use bounded_confidence::{BoundedConfidenceField, STATE_BUDGET_BYTES, checkpoint_interval};
pub use cascade::CascadeField;
pub use coalition::{GroupedAttribution, MAX_GROUPS, attribute_grouped};
pub use econ::EconField;
pub use error::DynamicsError;
pub use feed_model::FeedShape;
pub use from_scenario::{econ_model_for, model_for};
pub use model::{Dynamics, Trajectory};
pub use panic::PanicField;
pub use radicalization::RadicalizationField;
pub use rewiring::Rewiring;
pub use threshold::ThresholdField;
