//! What an agent can do in a tick, and the bounded list a decision holds.

use serde::{Deserialize, Serialize};

use crate::{AgentId, ItemId};

/// Most actions one agent may take in one tick. A fixed array avoids a heap
/// allocation per agent per tick at 1e6 agents.
pub const MAX_ACTIONS: usize = 8;

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
}

/// Action names in [`Action::code`] order (the dictionary of `actions.parquet`'s `action`).
pub const ACTION_NAMES: [&str; 10] = [
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
        }
    }

    /// The kind's name.
    pub fn name(&self) -> &'static str {
        ACTION_NAMES[self.code() as usize]
    }
}

/// The actions one agent takes in one tick, at most [`MAX_ACTIONS`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    actions: [Action; MAX_ACTIONS],
    len: u8,
}

impl Decision {
    /// Nothing to do.
    pub fn none() -> Self {
        Self::default()
    }

    /// Append an action; returns false (and drops it) when full, which keeps
    /// an agent's activity per tick bounded.
    pub fn push(&mut self, action: Action) -> bool {
        if (self.len as usize) < MAX_ACTIONS {
            self.actions[self.len as usize] = action;
            self.len += 1;
            true
        } else {
            false
        }
    }

    /// True when no further action fits.
    pub fn is_full(&self) -> bool {
        self.len as usize == MAX_ACTIONS
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
        for i in 0..MAX_ACTIONS as u32 {
            assert!(d.push(Action::Like { item: i }));
        }
        assert!(d.is_full());
        assert!(!d.push(Action::Like { item: 99 }));
        assert_eq!(d.actions().len(), MAX_ACTIONS);
        assert_eq!(d.actions()[3], Action::Like { item: 3 });
    }
}
