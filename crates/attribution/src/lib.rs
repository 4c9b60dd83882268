//! Aumann–Shapley attribution of macro indicators to agents.
//!
//! This crate is a pure library: no I/O, no async, no terminal. It knows nothing of
//! simulations; it takes a [`FeatureTable`] (one row per agent, numeric columns), an
//! [`Indicator`] (an expression such as `var(stance)` or `gini(posts + replies)`) and a
//! [`Baseline`], and returns an [`Attribution`]: how much of `f(x) − f(x')` each agent (and
//! each agent × feature) accounts for, with the Shapley axioms kept.
//!
//! Determinism: every reduction over agents runs in fixed blocks of agent ids summed in
//! block order, so results are identical whatever the rayon thread count.

mod attribute;
mod baseline;
mod buf;
mod closed_form;
mod column_path;
mod error;
mod eval;
pub mod game;
pub mod indicator;
mod linear;
mod moments;
mod path;
mod progress;
mod quadrature;
mod ranks;
mod reduce;
pub mod rng;
mod sample_sort;
mod separable;
mod shapley;
mod shard;
mod table;
mod tape;
pub mod tiers;

pub use attribute::{
    Attribution, Method, MethodUsed, Options, attribute, attribute_sharded,
    attribute_with_progress, completeness_gaps, evaluate, evaluate_sharded, gradient,
};
pub use baseline::Baseline;
pub use column_path::attribute_column_path;
pub use emergent_collective::Collective;
pub use error::{AttributionError, ParseError, TableError};
pub use indicator::Indicator;
pub use progress::{NoProgress, Progress};
pub use quadrature::gauss_legendre;
pub use shard::{SHARD_ALIGN, Shard};
pub use table::{AgentIds, FeatureTable, IntIds, SharedColumn, SharedIds};
pub use tiers::{TierShare, tier_shares, tier_shares_sharded};
