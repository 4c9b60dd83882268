//! Limits on what an endpoint can make this process hold or print.
//!
//! A server answering 50 MB bodies once made 786 MB of stderr in a 4-agent run: every
//! failure quoted the whole body. Whatever comes from the endpoint (a body, a completion, an
//! error chain) is quoted at most [`QUOTE_BYTES`] long, with its full length, and a response
//! larger than [`MAX_RESPONSE_BYTES`] is an error, not a buffer. [`LogLimiter`] keeps a
//! failure that repeats for every agent at every tick from printing every time.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// Most bytes of an endpoint's text quoted in an error message, a log line or a repair
/// request.
pub const QUOTE_BYTES: usize = 2048;

/// Largest response body read into memory; a larger one fails the request (not retried).
pub const MAX_RESPONSE_BYTES: u64 = 8 << 20;

/// Largest answer text kept (and stored in the replay cache): 16 bytes per `max_tokens`
/// token, and at least 64 KiB. A longer answer fails the request like an invalid one.
pub fn max_answer_bytes(max_tokens: u32) -> usize {
    (max_tokens as usize).saturating_mul(16).max(64 << 10)
}

/// `text` cut to at most `max` bytes (at a character boundary), followed by
/// `… (N bytes total)` when it was cut.
pub fn clip(text: &str, max: usize) -> Cow<'_, str> {
    if text.len() <= max {
        return Cow::Borrowed(text);
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!("{}… ({} bytes total)", &text[..end], text.len()))
}

/// [`clip`] at [`QUOTE_BYTES`], as an owned string.
pub fn quote(text: &str) -> String {
    clip(text, QUOTE_BYTES).into_owned()
}

/// Lets the first [`LogLimiter::FIRST`] occurrences of each kind of failure through, then
/// only the 10th, 100th, 1000th…: a failure repeating for every agent at every tick prints
/// a handful of lines, each saying how often it was seen so far. The counts themselves are
/// in the policy's stats.
#[derive(Debug, Default)]
pub struct LogLimiter {
    seen: Mutex<BTreeMap<String, u64>>,
}

impl LogLimiter {
    /// Occurrences of each kind always printed.
    pub const FIRST: u64 = 3;

    /// Count one occurrence of `kind`; `Some(n)` (its running count) when it should be
    /// printed.
    pub fn admit(&self, kind: &str) -> Option<u64> {
        let Ok(mut seen) = self.seen.lock() else {
            return None;
        };
        let n = match seen.get_mut(kind) {
            Some(n) => {
                *n += 1;
                *n
            }
            None => {
                seen.insert(kind.to_string(), 1);
                1
            }
        };
        (n <= Self::FIRST || is_power_of_ten(n)).then_some(n)
    }
}

fn is_power_of_ten(mut n: u64) -> bool {
    while n >= 10 && n.is_multiple_of(10) {
        n /= 10;
    }
    n == 1
}

/// " (seen N times so far; later ones are printed at 10, 100, 1000… times)" for the
/// occurrence count `n`, empty the first time.
pub fn repeat_note(n: u64) -> String {
    match n {
        1 => String::new(),
        n if n < LogLimiter::FIRST => format!(" (seen {n} times)"),
        n => format!(" (seen {n} times; further ones are printed at the next power of ten)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_keeps_short_text_and_cuts_long_text_at_a_char_boundary() {
        assert_eq!(clip("abc", 3), "abc");
        let s = "é".repeat(10); // 20 bytes
        let c = clip(&s, 5);
        assert_eq!(c, "éé… (20 bytes total)");
        assert!(quote(&"x".repeat(50 << 20)).len() < QUOTE_BYTES + 40);
    }

    #[test]
    fn the_limiter_admits_the_first_few_then_powers_of_ten() {
        let l = LogLimiter::default();
        let admitted: Vec<u64> = (0..2000).filter_map(|_| l.admit("HTTP 500")).collect();
        assert_eq!(admitted, vec![1, 2, 3, 10, 100, 1000]);
        assert_eq!(l.admit("timeout"), Some(1));
    }
}
