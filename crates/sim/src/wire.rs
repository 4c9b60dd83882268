//! The bytes ranks exchange each tick: who acted, how many feed items they saw, what they did.
//!
//! A fixed little-endian layout rather than a serde format: it is the per-tick hot path of a
//! distributed run, its size is the exchange volume reported in the scale evidence, and
//! parts from several ranks concatenate into one valid message (records carry no header).
//!
//! Record: `agent u32 · seen u32 · n u8 · n × (tag u8 · payload)`.

use thiserror::Error;

use crate::action::{Action, Decision};
use crate::world::Decisions;
use crate::{AgentId, ItemId};

/// Everything [`World::apply_log`](crate::World::apply_log) needs of a tick.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DecisionLog {
    /// Agents that decided, ascending.
    pub agents: Vec<AgentId>,
    /// Feed items each one saw.
    pub seen: Vec<u32>,
    /// What each one did.
    pub decisions: Vec<Decision>,
}

impl DecisionLog {
    /// The log of locally made decisions (no copy of the feeds' items).
    pub fn of(d: &Decisions) -> Self {
        Self {
            agents: d.feeds.agents.clone(),
            seen: (0..d.feeds.len())
                .map(|i| d.feeds.feed(i).len() as u32)
                .collect(),
            decisions: d.decisions.clone(),
        }
    }
}

/// A message that does not decode: a bug or a version mismatch between ranks, never user input.
#[derive(Debug, Error, PartialEq)]
#[error("decision message: {0} at byte {1} (are all ranks running the same emergent build?)")]
pub struct WireError(&'static str, usize);

const NOTHING: u8 = 0;
const POST: u8 = 1;
const REPLY: u8 = 2;
const REPOST: u8 = 3;
const QUOTE: u8 = 4;
const LIKE: u8 = 5;
const FOLLOW: u8 = 6;
const UNFOLLOW: u8 = 7;
const SET_STANCE: u8 = 8;
const TRADE: u8 = 9;

/// Encode a tick's decisions.
pub fn encode(d: &Decisions) -> Vec<u8> {
    let mut out = Vec::with_capacity(d.decisions.len() * 16);
    for (i, decision) in d.decisions.iter().enumerate() {
        out.extend_from_slice(&d.feeds.agents[i].to_le_bytes());
        out.extend_from_slice(&(d.feeds.feed(i).len() as u32).to_le_bytes());
        let actions = decision.actions();
        out.push(actions.len() as u8);
        for a in actions {
            encode_action(a, &mut out);
        }
    }
    out
}

fn encode_action(a: &Action, out: &mut Vec<u8>) {
    let item = |out: &mut Vec<u8>, tag: u8, id: ItemId| {
        out.push(tag);
        out.extend_from_slice(&id.to_le_bytes());
    };
    match *a {
        Action::Nothing => out.push(NOTHING),
        Action::Post { topic, stance } => {
            out.push(POST);
            out.extend_from_slice(&topic.to_le_bytes());
            out.extend_from_slice(&stance.to_le_bytes());
        }
        Action::Reply { parent, stance } => {
            item(out, REPLY, parent);
            out.extend_from_slice(&stance.to_le_bytes());
        }
        Action::Quote { parent, stance } => {
            item(out, QUOTE, parent);
            out.extend_from_slice(&stance.to_le_bytes());
        }
        Action::Repost { parent } => item(out, REPOST, parent),
        Action::Like { item: id } => item(out, LIKE, id),
        Action::Follow { agent } => item(out, FOLLOW, agent),
        Action::Unfollow { agent } => item(out, UNFOLLOW, agent),
        Action::SetStance { topic, value } => {
            out.push(SET_STANCE);
            out.extend_from_slice(&topic.to_le_bytes());
            out.extend_from_slice(&value.to_le_bytes());
        }
        Action::Trade { quantity } => {
            out.push(TRADE);
            out.extend_from_slice(&quantity.to_le_bytes());
        }
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take<const K: usize>(&mut self) -> Result<[u8; K], WireError> {
        let end = self.at + K;
        let s = self
            .bytes
            .get(self.at..end)
            .ok_or(WireError("truncated record", self.at))?;
        self.at = end;
        let mut a = [0u8; K];
        a.copy_from_slice(s);
        Ok(a)
    }
    fn u8(&mut self) -> Result<u8, WireError> {
        Ok(self.take::<1>()?[0])
    }
    fn u16(&mut self) -> Result<u16, WireError> {
        Ok(u16::from_le_bytes(self.take()?))
    }
    fn u32(&mut self) -> Result<u32, WireError> {
        Ok(u32::from_le_bytes(self.take()?))
    }
    fn f32(&mut self) -> Result<f32, WireError> {
        Ok(f32::from_le_bytes(self.take()?))
    }
    fn f64(&mut self) -> Result<f64, WireError> {
        Ok(f64::from_le_bytes(self.take()?))
    }
}

/// Decode one or more concatenated encodings; agents must come out strictly ascending, which
/// is what rank-ordered contiguous partitions produce.
pub fn decode(bytes: &[u8]) -> Result<DecisionLog, WireError> {
    let mut r = Reader { bytes, at: 0 };
    let mut log = DecisionLog::default();
    while r.at < bytes.len() {
        let start = r.at;
        let agent = r.u32()?;
        if log.agents.last().is_some_and(|&last| last >= agent) {
            return Err(WireError("agents out of order", start));
        }
        let seen = r.u32()?;
        let n = r.u8()?;
        let mut d = Decision::none();
        for _ in 0..n {
            let at = r.at;
            let action = match r.u8()? {
                NOTHING => Action::Nothing,
                POST => Action::Post {
                    topic: r.u16()?,
                    stance: r.f32()?,
                },
                REPLY => Action::Reply {
                    parent: r.u32()?,
                    stance: r.f32()?,
                },
                QUOTE => Action::Quote {
                    parent: r.u32()?,
                    stance: r.f32()?,
                },
                REPOST => Action::Repost { parent: r.u32()? },
                LIKE => Action::Like { item: r.u32()? },
                FOLLOW => Action::Follow { agent: r.u32()? },
                UNFOLLOW => Action::Unfollow { agent: r.u32()? },
                SET_STANCE => Action::SetStance {
                    topic: r.u16()?,
                    value: r.f64()?,
                },
                TRADE => Action::Trade { quantity: r.f64()? },
                _ => return Err(WireError("unknown action tag", at)),
            };
            if !d.push(action) {
                return Err(WireError("too many actions", at));
            }
        }
        log.agents.push(agent);
        log.seen.push(seen);
        log.decisions.push(d);
    }
    Ok(log)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::Feeds;

    fn sample(agents: Vec<AgentId>) -> Decisions {
        let all = [
            Action::Nothing,
            Action::Post {
                topic: 3,
                stance: -0.25,
            },
            Action::Reply {
                parent: 7,
                stance: 0.5,
            },
            Action::Quote {
                parent: 9,
                stance: f32::MIN_POSITIVE,
            },
            Action::Repost { parent: u32::MAX },
            Action::Like { item: 1 },
            Action::Follow { agent: 2 },
            Action::Unfollow { agent: 4 },
            Action::SetStance {
                topic: 1,
                value: -0.123456789,
            },
            Action::Trade { quantity: -1e-300 },
        ];
        let decisions = agents
            .iter()
            .map(|&a| {
                let mut d = Decision::none();
                for k in 0..(a as usize % 9) {
                    d.push(all[(a as usize + k) % all.len()]);
                }
                d
            })
            .collect();
        Decisions {
            feeds: Feeds::empty_for(agents),
            decisions,
        }
    }

    #[test]
    fn every_action_round_trips_and_parts_concatenate() {
        let a = sample((0..40).collect());
        let b = sample((40..90).step_by(3).collect());
        let mut bytes = encode(&a);
        bytes.extend(encode(&b));
        let log = decode(&bytes).unwrap();
        let mut want = DecisionLog::of(&a);
        let wb = DecisionLog::of(&b);
        want.agents.extend(wb.agents);
        want.seen.extend(wb.seen);
        want.decisions.extend(wb.decisions);
        assert_eq!(log, want);
    }

    #[test]
    fn damaged_messages_are_refused() {
        let bytes = encode(&sample((0..5).collect()));
        assert!(decode(&bytes[..bytes.len() - 1]).is_err());
        let mut twice = bytes.clone();
        twice.extend(&bytes);
        assert_eq!(
            decode(&twice).unwrap_err().0,
            "agents out of order",
            "rank parts out of order must not be applied"
        );
    }
}
