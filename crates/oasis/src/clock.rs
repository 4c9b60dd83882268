//! OASIS's two clocks. With the Twitter recommender a post's or trace row's `created_at` is
//! the environment's timestep (`Clock.get_time_step()`, the string "0", "1", …, which the
//! column's NUMERIC affinity stores as an integer); with the Reddit recommender it is a
//! simulated datetime (`Clock.time_transfer`, stored as text `YYYY-MM-DD HH:MM:SS[.ffffff]`).
//! Only timesteps give ticks.

use rusqlite::types::Value;
use serde::{Deserialize, Serialize};

/// How a database's `trace.created_at` counts time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Clock {
    /// Integer timesteps (OASIS's Twitter platform): `ticks.parquet` is written.
    Timesteps,
    /// Simulated datetimes (OASIS's Reddit platform): no ticks.
    Datetimes,
    /// Neither throughout (mixed, empty, or another format): no ticks.
    Unknown,
}

/// One `created_at` value, read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stamp {
    Step(i64),
    DateTime,
    /// NULL, or text that is neither.
    Other,
}

impl Stamp {
    pub(crate) fn of(value: &Value) -> Stamp {
        match value {
            Value::Integer(i) => Stamp::Step(*i),
            Value::Real(r) if r.fract() == 0.0 && r.abs() < 9.0e15 => Stamp::Step(*r as i64),
            Value::Text(t) => match t.trim().parse::<i64>() {
                Ok(i) => Stamp::Step(i),
                Err(_) if is_datetime(t) => Stamp::DateTime,
                Err(_) => Stamp::Other,
            },
            _ => Stamp::Other,
        }
    }

    /// The timestep, if this is one.
    pub(crate) fn step(self) -> Option<i64> {
        match self {
            Stamp::Step(s) => Some(s),
            _ => None,
        }
    }
}

/// `YYYY-MM-DD HH:MM:SS…` or `YYYY-MM-DDTHH:MM:SS…`: how Python's sqlite3 stores a datetime.
fn is_datetime(t: &str) -> bool {
    let b = t.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    b.len() >= 19
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && (b[10] == b' ' || b[10] == b'T')
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
}

/// The clock of a trace, from every row's stamp.
pub(crate) fn clock_of(stamps: impl Iterator<Item = Stamp>) -> Clock {
    let (mut steps, mut dates, mut other) = (0u64, 0u64, 0u64);
    for s in stamps {
        match s {
            Stamp::Step(_) => steps += 1,
            Stamp::DateTime => dates += 1,
            Stamp::Other => other += 1,
        }
    }
    match (steps, dates, other) {
        (s, 0, 0) if s > 0 => Clock::Timesteps,
        (0, d, 0) if d > 0 => Clock::Datetimes,
        _ => Clock::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_of_both_clocks() {
        assert_eq!(Stamp::of(&Value::Integer(3)), Stamp::Step(3));
        assert_eq!(Stamp::of(&Value::Text("12".into())), Stamp::Step(12));
        assert_eq!(
            Stamp::of(&Value::Text("2024-08-06 10:00:00.123456".into())),
            Stamp::DateTime
        );
        assert_eq!(Stamp::of(&Value::Text("yesterday".into())), Stamp::Other);
        assert_eq!(Stamp::of(&Value::Null), Stamp::Other);
        assert_eq!(
            clock_of([Stamp::Step(0), Stamp::Step(1)].into_iter()),
            Clock::Timesteps
        );
        assert_eq!(
            clock_of([Stamp::DateTime, Stamp::DateTime].into_iter()),
            Clock::Datetimes
        );
        assert_eq!(
            clock_of([Stamp::Step(0), Stamp::DateTime].into_iter()),
            Clock::Unknown
        );
        assert_eq!(clock_of(std::iter::empty()), Clock::Unknown);
    }
}
