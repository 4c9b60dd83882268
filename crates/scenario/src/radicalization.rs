//! `[policy.radicalization]`: the radicalization / echo-chamber model of Baumann,
//! Lorenz-Spreen, Sokolov & Starnini, PRL 124, 048301 (2020).

use crate::location::Problems;
use serde::{Deserialize, Serialize};

/// Most contacts an active agent makes in one tick: a decision holds its stance update, its
/// post, one reciprocal influence per contact and a follow and an unfollow
/// (`emergent_sim::action::MAX_ACTIONS` = 16).
pub const MAX_CONTACTS: u32 = 12;

/// Largest K, α, β and distance accepted: far beyond the published ranges (K ≤ 10, α ≤ 5,
/// β ≤ 5), and small enough that K·m·tanh stays far from overflowing an f32 item stance.
const MAX_COUPLING: f64 = 1000.0;

/// Radicalization parameters: dx_i/dt = −x_i + K Σ_j A_ij(t) tanh(α x_j), integrated with
/// Euler steps of `dt` (one tick = one step), contacts chosen with homophily
/// p_ij ∝ |x_i − x_j|^−β among the candidates the agent's feed shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RadicalizationParams {
    /// Social influence strength K.
    pub k: f64,
    /// Controversialness α of the topic (slope of tanh).
    pub alpha: f64,
    /// Homophily β: a candidate at opinion distance d is contacted with weight d^−β.
    pub beta: f64,
    /// Reciprocity r: probability that a contacted agent is influenced back.
    pub reciprocity: f64,
    /// Contacts m an activated agent makes per tick (distinct authors).
    pub contacts: u32,
    /// Integration step dt per tick.
    pub dt: f64,
    /// Probability of posting one's current opinion each tick (what others can contact).
    pub post_prob: f64,
    /// Probability of following a contacted author one does not follow yet.
    pub follow_prob: f64,
    /// Unfollow a followee whose item is further than this...
    pub unfollow_distance: f64,
    /// ...with this probability per tick (one such followee).
    pub unfollow_prob: f64,
}

impl Default for RadicalizationParams {
    /// The paper's Fig. 1(c) (polarization): K = 3, α = 3, β = 3, r = 0.5, m = 10, dt = 0.01.
    fn default() -> Self {
        Self {
            k: 3.0,
            alpha: 3.0,
            beta: 3.0,
            reciprocity: 0.5,
            contacts: 10,
            dt: 0.01,
            post_prob: 1.0,
            follow_prob: 0.0,
            unfollow_distance: 1.0,
            unfollow_prob: 0.0,
        }
    }
}

impl RadicalizationParams {
    pub(crate) fn check(&self, out: &mut Problems) {
        let at = |k| ["policy", "radicalization", k];
        for (k, v) in [
            ("reciprocity", self.reciprocity),
            ("post_prob", self.post_prob),
            ("follow_prob", self.follow_prob),
            ("unfollow_prob", self.unfollow_prob),
        ] {
            out.probability(&at(k), v);
        }
        for (k, v) in [
            ("k", self.k),
            ("alpha", self.alpha),
            ("beta", self.beta),
            ("unfollow_distance", self.unfollow_distance),
        ] {
            out.real(&at(k), v, 0.0, MAX_COUPLING);
        }
        out.real_above(&at("dt"), self.dt, 0.0, 1.0);
        out.count(
            &at("contacts"),
            self.contacts.into(),
            1,
            MAX_CONTACTS.into(),
        );
    }
}
