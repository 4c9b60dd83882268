//! What a tick takes and gives: the decisions it applies, the events it applied, its report.
//! Shared by the tick ([`crate::tick`]), the simulation driver and every crate that records.

use serde::{Deserialize, Serialize};

use crate::action::{ACTION_NAMES, Action, Decision};
use crate::feed::Feeds;
use crate::{AgentId, ItemId};

/// The decisions of one tick, with the feeds they were made on.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Decisions {
    /// Active agents (ascending) and their feeds.
    pub feeds: Feeds,
    /// `decisions[i]` belongs to `feeds.agents[i]`.
    pub decisions: Vec<Decision>,
}

/// One applied action.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Who acted.
    pub agent: AgentId,
    /// What they did.
    pub action: Action,
    /// Item created by it, or `NO_ITEM`.
    pub item: ItemId,
}

/// What happened in one tick, for the recorder.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TickReport {
    /// The tick that was run.
    pub tick: u32,
    /// Agents active in it.
    pub active: usize,
    /// Feed items shown in total.
    pub exposures: u64,
    /// Applied actions in application order: this rank's (all of them in one process).
    pub events: Vec<Event>,
    /// Applied actions of the whole tick (every rank's), by kind ([`Action::code`]).
    pub actions: [u64; ACTION_NAMES.len()],
    /// Actions skipped as invalid.
    pub rejected: usize,
    /// Market price after the tick (panic scenario).
    pub price: Option<f64>,
    /// Net order flow of the tick (panic scenario).
    pub net_flow: Option<f64>,
}
