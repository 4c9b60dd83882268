//! What an agent can do in a tick, and the bounded list a decision holds.

use serde::{Deserialize, Serialize};

use crate::{AgentId, ItemId};

/// Most actions one agent may take in one tick. A fixed array avoids a heap
/// allocation per agent per tick at 1e6 agents.
pub const MAX_ACTIONS: usize = 16;

/// The limit of a [`Decision::none`]: what every policy but radicalization may take. (The
/// radicalization policy needs one reciprocal influence per contact, up to 12, and asks for
/// [`Decision::with_limit`]`(MAX_ACTIONS)`.)
pub const DEFAULT_ACTIONS: usize = 8;

/// One action. Invalid ones (liking a missing item, following oneself,
/// selling more than held) are skipped when applied and counted as rejected.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum Action {
    /// Nothing (filler).
    #[default]
    Nothing,
    /// New post on `topic` expressing `stance`.
    Post {
        /// Topic index.
        topic: u16,
        /// Expressed stance.
        stance: f32,
    },
    /// Reply to an item.
    Reply {
        /// Item replied to.
        parent: ItemId,
        /// Expressed stance.
        stance: f32,
    },
    /// Repost an item as is.
    Repost {
        /// Item reposted.
        parent: ItemId,
    },
    /// Repost with commentary.
    Quote {
        /// Item quoted.
        parent: ItemId,
        /// Expressed stance.
        stance: f32,
    },
    /// Like an item.
    Like {
        /// Item liked.
        item: ItemId,
    },
    /// Start following an agent.
    Follow {
        /// Agent followed.
        agent: AgentId,
    },
    /// Stop following an agent.
    Unfollow {
        /// Agent unfollowed.
        agent: AgentId,
    },
    /// Set one's own stance (opinion update), clamped to [-1, 1].
    SetStance {
        /// Topic index.
        topic: u16,
        /// New stance.
        value: f64,
    },
    /// Buy (`quantity > 0`) or sell (`< 0`) asset units at the current price.
    Trade {
        /// Signed quantity.
        quantity: f64,
    },
    /// Shift the stance of an item's author, on the item's topic, by `delta`: the reciprocal
    /// influence of the radicalization model (a contacted agent influenced back). The item
    /// must be in the actor's feed; its owner applies the shift (see `crate::delivery`).
    Influence {
        /// The contacted item (its author is influenced).
        item: ItemId,
        /// Stance change.
        delta: f64,
    },
}

/// Action names in [`Action::code`] order (the dictionary of `actions.parquet`'s `action`).
pub const ACTION_NAMES: [&str; 11] = [
    "nothing",
    "post",
    "reply",
    "repost",
    "quote",
    "like",
    "follow",
    "unfollow",
    "set_stance",
    "trade",
    "influence",
];

impl Action {
    /// The kind's index in [`ACTION_NAMES`].
    pub fn code(&self) -> u8 {
        match self {
            Action::Nothing => 0,
            Action::Post { .. } => 1,
            Action::Reply { .. } => 2,
            Action::Repost { .. } => 3,
            Action::Quote { .. } => 4,
            Action::Like { .. } => 5,
            Action::Follow { .. } => 6,
            Action::Unfollow { .. } => 7,
            Action::SetStance { .. } => 8,
            Action::Trade { .. } => 9,
            Action::Influence { .. } => 10,
        }
    }

    /// The kind's name.
    pub fn name(&self) -> &'static str {
        ACTION_NAMES[self.code() as usize]
    }
}

/// The actions one agent takes in one tick, at most its limit ([`DEFAULT_ACTIONS`] unless
/// made [`Decision::with_limit`]).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    actions: [Action; MAX_ACTIONS],
    len: u8,
    limit: u8,
}

impl Default for Decision {
    fn default() -> Self {
        Self::with_limit(DEFAULT_ACTIONS)
    }
}

impl Decision {
    /// Nothing to do; at most [`DEFAULT_ACTIONS`] actions.
    pub fn none() -> Self {
        Self::default()
    }

    /// Nothing to do; at most `limit` actions (capped at [`MAX_ACTIONS`]).
    pub fn with_limit(limit: usize) -> Self {
        Self {
            actions: [Action::Nothing; MAX_ACTIONS],
            len: 0,
            limit: limit.min(MAX_ACTIONS) as u8,
        }
    }

    /// Append an action; returns false (and drops it) when full, which keeps
    /// an agent's activity per tick bounded.
    pub fn push(&mut self, action: Action) -> bool {
        if self.len < self.limit {
            self.actions[self.len as usize] = action;
            self.len += 1;
            true
        } else {
            false
        }
    }

    /// True when no further action fits.
    pub fn is_full(&self) -> bool {
        self.len >= self.limit
    }

    /// The actions, in the order they will be applied.
    pub fn actions(&self) -> &[Action] {
        &self.actions[..self.len as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_are_bounded() {
        let mut d = Decision::none();
        for i in 0..DEFAULT_ACTIONS as u32 {
            assert!(d.push(Action::Like { item: i }));
        }
        assert!(d.is_full());
        assert!(!d.push(Action::Like { item: 99 }));
        assert_eq!(d.actions().len(), DEFAULT_ACTIONS);
        assert_eq!(d.actions()[3], Action::Like { item: 3 });
        let mut wide = Decision::with_limit(MAX_ACTIONS);
        for i in 0..MAX_ACTIONS as u32 {
            assert!(wide.push(Action::Like { item: i }));
        }
        assert!(!wide.push(Action::Like { item: 99 }));
        assert_eq!(Decision::with_limit(1000).limit as usize, MAX_ACTIONS);
    }
}
