//! The bytes ranks exchange each tick: the actions their owners accepted.
//!
//! A fixed little-endian layout rather than a serde format: it is the per-tick hot path of a
//! distributed run, its size is the exchange volume reported in the scale evidence, and
//! parts from several ranks concatenate into one valid message.
//!
//! Records: `0 · active u64 · exposures u64 · rejected u64` (a rank's counts, summed over
//! ranks), and `1 · agent u32 · n u8 · n × (tag u8 · payload)` (an agent's accepted actions;
//! a trade carries the quantity decided, then the quantity executed).

use thiserror::Error;

use crate::action::Action;
use crate::world::Accepted;
use crate::{AgentId, ItemId};

/// What [`World::apply_global`](crate::World::apply_global) needs of a tick: every owner's
/// accepted actions, in agent order, and the tick's counts.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TickLog {
    /// Accepted actions, agents ascending, each agent's in decision order.
    pub accepted: Vec<Accepted>,
    /// Agents that were active.
    pub active: u64,
    /// Feed items they saw.
    pub exposures: u64,
    /// Actions their owners refused.
    pub rejected: u64,
}

/// A message that does not decode: a bug or a version mismatch between ranks, never user input.
#[derive(Debug, Error, PartialEq)]
#[error("tick message: {0} at byte {1} (are all ranks running the same emergent build?)")]
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

const COUNTS: u8 = 0;
const AGENT: u8 = 1;

/// Encode a rank's part of a tick.
pub fn encode(log: &TickLog) -> Vec<u8> {
    let mut out = Vec::with_capacity(25 + log.accepted.len() * 12);
    out.push(COUNTS);
    for v in [log.active, log.exposures, log.rejected] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    for run in log.accepted.chunk_by(|a, b| a.agent == b.agent) {
        for part in run.chunks(u8::MAX as usize) {
            out.push(AGENT);
            out.extend_from_slice(&part[0].agent.to_le_bytes());
            out.push(part.len() as u8);
            for e in part {
                encode_action(&e.action, &mut out);
                if matches!(e.action, Action::Trade { .. }) {
                    out.extend_from_slice(&e.traded.to_le_bytes());
                }
            }
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
    fn u64(&mut self) -> Result<u64, WireError> {
        Ok(u64::from_le_bytes(self.take()?))
    }
}

/// Decode one or more concatenated encodings; agents must come out in ascending order, which
/// is what rank-ordered contiguous partitions produce.
pub fn decode(bytes: &[u8]) -> Result<TickLog, WireError> {
    let mut r = Reader { bytes, at: 0 };
    let mut log = TickLog::default();
    let mut last: Option<AgentId> = None;
    while r.at < bytes.len() {
        let start = r.at;
        match r.u8()? {
            COUNTS => {
                log.active += r.u64()?;
                log.exposures += r.u64()?;
                log.rejected += r.u64()?;
            }
            AGENT => {
                let agent = r.u32()?;
                if last.is_some_and(|l| l > agent) {
                    return Err(WireError("agents out of order", start));
                }
                last = Some(agent);
                for _ in 0..r.u8()? {
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
                    let traded = if matches!(action, Action::Trade { .. }) {
                        r.f64()?
                    } else {
                        0.0
                    };
                    log.accepted.push(Accepted {
                        agent,
                        action,
                        traded,
                    });
                }
            }
            _ => return Err(WireError("unknown record kind", start)),
        }
    }
    Ok(log)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(agents: impl Iterator<Item = AgentId>) -> TickLog {
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
        let mut log = TickLog {
            active: 7,
            exposures: 1 << 40,
            rejected: 3,
            ..Default::default()
        };
        for a in agents {
            for k in 0..(a as usize % 9) {
                let action = all[(a as usize + k) % all.len()];
                let traded = if matches!(action, Action::Trade { .. }) {
                    -0.5 * k as f64
                } else {
                    0.0
                };
                log.accepted.push(Accepted {
                    agent: a,
                    action,
                    traded,
                });
            }
        }
        log
    }

    #[test]
    fn every_action_round_trips_and_parts_concatenate() {
        let a = sample(0..40);
        let b = sample((40..90).step_by(3));
        let mut bytes = encode(&a);
        bytes.extend(encode(&b));
        let log = decode(&bytes).unwrap();
        let mut want = a.clone();
        want.accepted.extend(b.accepted);
        want.active += b.active;
        want.exposures += b.exposures;
        want.rejected += b.rejected;
        assert_eq!(log, want);
        // An agent with more accepted actions than one record holds.
        let many = TickLog {
            accepted: vec![
                Accepted {
                    agent: 5,
                    action: Action::Nothing,
                    traded: 0.0,
                };
                300
            ],
            ..Default::default()
        };
        assert_eq!(decode(&encode(&many)).unwrap(), many);
    }

    #[test]
    fn damaged_messages_are_refused() {
        let bytes = encode(&sample(0..5));
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
