//! A test endpoint's behaviour with a known answer (feature `test-server`): social answers
//! drawn from a **hidden stochastic policy** of what the social prompt shows, so a test can
//! check that `emergent distill` recovers it and compare the distilled policy's decision
//! log-loss with the hidden policy's own.
//!
//! The policy reads the agent's stance and each feed item's stance from the prompt (the
//! built-in `prompts/social.md` layout) and, with randomness keyed by a hash of the request
//! (a replay gives the same answer):
//! - moves its stance toward the feed's mean stance at `rate`, plus `stance_noise`·N(0, 1);
//! - posts with probability σ(`post_bias` + `post_gap`·|feed mean − stance|), expressing its
//!   stance plus `post_noise`·N(0, 1);
//! - likes each item, in feed order and at most three, with probability `like_near` when it
//!   is within `like_distance` of its stance, else `like_far`;
//! - replies to the first item that passes a draw of `reply_far` (items further than
//!   `reply_distance`) or `reply_near` (the others), with its own stance;
//! - reposts the first item that passes a draw of `repost_near` (items within
//!   `repost_distance`) or `repost_far`.

use std::sync::Arc;

use emergent_sim::rng::{AgentRng, mix64};
use serde_json::{Value, json};

use crate::testing::{Reply, Script, last_user};

/// What a social prompt showed, as the hidden policy reads it.
#[derive(Clone, Debug, PartialEq)]
pub struct Shown {
    /// The agent's stance.
    pub stance: f64,
    /// The feed items' stances, in feed order.
    pub feed: Vec<f64>,
}

/// The hidden policy's parameters (see the module's documentation).
#[derive(Clone, Debug, PartialEq)]
pub struct HiddenPolicy {
    pub rate: f64,
    pub stance_noise: f64,
    pub post_bias: f64,
    pub post_gap: f64,
    pub post_noise: f64,
    pub like_distance: f64,
    pub like_near: f64,
    pub like_far: f64,
    pub reply_distance: f64,
    pub reply_near: f64,
    pub reply_far: f64,
    pub repost_distance: f64,
    pub repost_near: f64,
    pub repost_far: f64,
}

/// Most likes one answer gives (the social schema's limit).
pub const MAX_LIKES: usize = 3;

impl Default for HiddenPolicy {
    fn default() -> Self {
        Self {
            rate: 0.25,
            stance_noise: 0.03,
            post_bias: -1.5,
            post_gap: 4.0,
            post_noise: 0.1,
            like_distance: 0.3,
            like_near: 0.6,
            like_far: 0.05,
            reply_distance: 0.6,
            reply_near: 0.02,
            reply_far: 0.25,
            repost_distance: 0.15,
            repost_near: 0.3,
            repost_far: 0.01,
        }
    }
}

/// The number after `prefix` in `text` (up to the next space or comma).
fn number_after(text: &str, prefix: &str) -> Option<f64> {
    let rest = &text[text.find(prefix)? + prefix.len()..];
    let end = rest.find([' ', ',']).unwrap_or(rest.len());
    rest[..end].trim().parse().ok()
}

/// What the built-in social prompt `text` shows: "Your stance on the topic is +0.12" and
/// feed lines "N. @userA (post) stance -0.30, …". None for another prompt.
pub fn parse(text: &str) -> Option<Shown> {
    let stance = number_after(text, "Your stance on the topic is ")?;
    let feed = text
        .lines()
        .filter(|l| l.contains(". @user"))
        .filter_map(|l| number_after(l, ") stance "))
        .collect();
    Some(Shown { stance, feed })
}

impl HiddenPolicy {
    /// Probability of posting.
    pub fn p_post(&self, s: &Shown) -> f64 {
        let gap = self.feed_gap(s).abs();
        1.0 / (1.0 + (-(self.post_bias + self.post_gap * gap)).exp())
    }

    /// Mean of the feed's stances minus one's own (0 for an empty feed).
    pub fn feed_gap(&self, s: &Shown) -> f64 {
        match s.feed.len() {
            0 => 0.0,
            n => s.feed.iter().sum::<f64>() / n as f64 - s.stance,
        }
    }

    /// Expected new stance.
    pub fn stance_mean(&self, s: &Shown) -> f64 {
        (s.stance + self.rate * self.feed_gap(s)).clamp(-1.0, 1.0)
    }

    /// Probability of liking an item of stance `y` (before the limit of three).
    pub fn p_like(&self, x: f64, y: f64) -> f64 {
        if (y - x).abs() < self.like_distance {
            self.like_near
        } else {
            self.like_far
        }
    }

    /// Probability that the reply draw of an item of stance `y` succeeds.
    pub fn p_reply(&self, x: f64, y: f64) -> f64 {
        if (y - x).abs() > self.reply_distance {
            self.reply_far
        } else {
            self.reply_near
        }
    }

    /// Probability that the repost draw of an item of stance `y` succeeds.
    pub fn p_repost(&self, x: f64, y: f64) -> f64 {
        if (y - x).abs() < self.repost_distance {
            self.repost_near
        } else {
            self.repost_far
        }
    }

    /// The answer (social JSON) to `s`, with draws from the stream `key`.
    pub fn answer(&self, s: &Shown, key: u64) -> String {
        let mut rng = AgentRng::new(key, 0, 0, 0x41dd);
        let x = s.stance;
        let stance = (self.stance_mean(s) + self.stance_noise * rng.normal()).clamp(-1.0, 1.0);
        let mut a = json!({"stance": round(stance)});
        if rng.chance(self.p_post(s)) {
            a["post"] = json!(true);
            a["post_stance"] = json!(round((x + self.post_noise * rng.normal()).clamp(-1.0, 1.0)));
        }
        let mut likes = Vec::new();
        for (k, &y) in s.feed.iter().enumerate() {
            if likes.len() < MAX_LIKES && rng.chance(self.p_like(x, y)) {
                likes.push(k + 1);
            }
        }
        a["like"] = json!(likes);
        let first = |p: &dyn Fn(f64) -> f64, rng: &mut AgentRng| {
            s.feed.iter().position(|&y| rng.chance(p(y))).map(|k| k + 1)
        };
        a["reply_to"] = json!(first(&|y| self.p_reply(x, y), &mut rng));
        if a["reply_to"].is_number() {
            a["reply_stance"] = json!(round(x));
        }
        a["repost"] = json!(first(&|y| self.p_repost(x, y), &mut rng));
        a.to_string()
    }

    /// A [`crate::testing::MockServer`] script answering social prompts with this policy
    /// (anything else gets [`crate::testing::valid_answer`]).
    pub fn script(self) -> Script {
        Arc::new(move |_, body: &Value| {
            let text = last_user(body);
            match parse(&text) {
                Some(s) => Reply::Content(self.answer(&s, request_key(body))),
                None => Reply::Content(crate::testing::valid_answer(body)),
            }
        })
    }
}

fn round(v: f64) -> f64 {
    (v * 1e4).round() / 1e4
}

/// A hash of the request's messages: the same prompt gets the same draws.
pub fn request_key(body: &Value) -> u64 {
    body["messages"]
        .to_string()
        .bytes()
        .fold(0x9e37_79b9_7f4a_7c15, |h, b| mix64(h ^ b as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROMPT: &str = "Your stance on the topic is +0.20 on a scale from -1 (strongly against) to 1 (strongly for). It is day 3.\n\nYour feed (number, author, stance, engagement, text):\n1. @user4 (post) stance +0.30, 2 likes, 0 shares: \"I am in favour on this.\"\n2. @user9 (reply) stance -0.80, 0 likes, 1 shares: \"I am strongly against on this.\"";

    #[test]
    fn reads_the_prompt_and_answers_within_the_schema() {
        let s = parse(PROMPT).expect("a social prompt");
        assert_eq!(s.stance, 0.2);
        assert_eq!(s.feed, vec![0.3, -0.8]);
        let h = HiddenPolicy::default();
        assert!((h.feed_gap(&s) - (-0.45)).abs() < 1e-12);
        let schema = crate::social::schema(8);
        let mut posts = 0;
        for key in 0..400 {
            let a = h.answer(&s, key);
            let p = schema.parse(&a).expect("valid answer");
            posts += usize::from(p.flag("post"));
            assert_eq!(a, h.answer(&s, key), "keyed: a replay answers the same");
        }
        let expect = 400.0 * h.p_post(&s);
        assert!(
            (posts as f64 - expect).abs() < 4.0 * expect.sqrt(),
            "{posts} vs {expect}"
        );
        assert!(parse("What is your consumption?").is_none());
    }
}
