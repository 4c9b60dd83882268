//! What the messages ranks exchange each tick are read with, and what the owner step hands on.
//!
//! Messages ([`crate::halo`], [`crate::delivery`]) use fixed little-endian layouts rather than
//! a serde format: they are the per-tick hot path of a distributed run, and their size is the
//! exchange volume reported in the scale evidence.

use thiserror::Error;

use crate::AgentId;
use crate::action::{ACTION_NAMES, Action};

/// An action its owner accepted, with what the global step needs of it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Accepted {
    /// Who acted.
    pub agent: AgentId,
    /// What they did, as decided.
    pub action: Action,
    /// For a trade, the quantity executed (clipped to holdings or cash); else 0.
    pub traded: f64,
}

/// What the owner step ([`World::apply_own`](crate::World::apply_own)) accepted of one rank's
/// decisions, in agent order, and its counts.
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

impl TickLog {
    /// Accepted actions by kind ([`crate::Action::code`]).
    pub fn by_kind(&self) -> [u64; ACTION_NAMES.len()] {
        let mut n = [0; ACTION_NAMES.len()];
        for e in &self.accepted {
            n[e.action.code() as usize] += 1;
        }
        n
    }
}

/// A message that does not decode: a bug or a version mismatch between ranks, never user input.
#[derive(Debug, Error, PartialEq)]
#[error("tick message: {0} at byte {1} (are all ranks running the same emergent build?)")]
pub struct WireError(pub(crate) &'static str, pub(crate) usize);

/// Little-endian fields read off a message, each read checked against its end.
pub(crate) struct Reader<'a> {
    pub(crate) bytes: &'a [u8],
    pub(crate) at: usize,
}

impl<'a> Reader<'a> {
    /// Read from the start of `bytes`.
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, at: 0 }
    }
    /// Whether every byte was read.
    pub(crate) fn done(&self) -> bool {
        self.at >= self.bytes.len()
    }
    /// The next `n` bytes.
    pub(crate) fn bytes(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        let s = self
            .bytes
            .get(self.at..self.at + n)
            .ok_or(WireError("truncated record", self.at))?;
        self.at += n;
        Ok(s)
    }
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
    pub(crate) fn u8(&mut self) -> Result<u8, WireError> {
        Ok(self.take::<1>()?[0])
    }
    pub(crate) fn u16(&mut self) -> Result<u16, WireError> {
        Ok(u16::from_le_bytes(self.take()?))
    }
    pub(crate) fn u32(&mut self) -> Result<u32, WireError> {
        Ok(u32::from_le_bytes(self.take()?))
    }
    pub(crate) fn f32(&mut self) -> Result<f32, WireError> {
        Ok(f32::from_le_bytes(self.take()?))
    }
    pub(crate) fn f64(&mut self) -> Result<f64, WireError> {
        Ok(f64::from_le_bytes(self.take()?))
    }
    pub(crate) fn u64(&mut self) -> Result<u64, WireError> {
        Ok(u64::from_le_bytes(self.take()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_checked_against_the_end() {
        let bytes = [1u8, 0, 0, 0, 2, 0xff];
        let mut r = Reader::new(&bytes);
        assert_eq!(r.u32(), Ok(1));
        assert_eq!(r.u8(), Ok(2));
        assert!(!r.done());
        assert_eq!(r.u32(), Err(WireError("truncated record", 5)));
        assert_eq!(r.bytes(1), Ok(&[0xff][..]));
        assert!(r.done());
    }
}
