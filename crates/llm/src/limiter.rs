//! Request pacing: a semaphore for `max_in_flight`, and GCRA rate limits for requests
//! and tokens per minute (tokens are estimated before the call: prompt characters / 4
//! plus the completion limit, since the real count is known only after).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, SemaphorePermit};

/// Burst allowed by the rate limits: this much of a minute's budget at once.
const BURST: Duration = Duration::from_secs(6);

/// Generic cell rate algorithm: one "theoretical arrival time", no background task.
struct Gcra {
    per_unit: Duration,
    tat: Mutex<Option<Instant>>,
}

impl Gcra {
    fn per_minute(units: u32) -> Option<Self> {
        (units > 0).then(|| Self {
            per_unit: Duration::from_secs(60) / units,
            tat: Mutex::new(None),
        })
    }

    /// How long to wait before spending `units`.
    fn reserve(&self, units: u64) -> Duration {
        let now = Instant::now();
        let Ok(mut tat) = self.tat.lock() else {
            return Duration::ZERO;
        };
        let start = tat.map_or(now, |t| t.max(now));
        let next = start
            + self
                .per_unit
                .saturating_mul(units.min(u32::MAX as u64) as u32);
        *tat = Some(next);
        next.checked_sub(BURST)
            .map_or(Duration::ZERO, |allow| allow.saturating_duration_since(now))
    }
}

/// Concurrency and rate limits of one endpoint.
pub struct Limiter {
    in_flight: Semaphore,
    requests: Option<Gcra>,
    tokens: Option<Gcra>,
}

impl Limiter {
    /// `max_in_flight` concurrent requests; `rpm`/`tpm` of 0 mean unlimited.
    pub fn new(max_in_flight: usize, rpm: u32, tpm: u32) -> Self {
        Self {
            in_flight: Semaphore::new(max_in_flight.max(1)),
            requests: Gcra::per_minute(rpm),
            tokens: Gcra::per_minute(tpm),
        }
    }

    /// Wait for the rate limits, then for a slot; the permit frees the slot when dropped.
    pub async fn acquire(&self, estimated_tokens: u64) -> Option<SemaphorePermit<'_>> {
        let wait = self
            .requests
            .as_ref()
            .map_or(Duration::ZERO, |g| g.reserve(1))
            .max(
                self.tokens
                    .as_ref()
                    .map_or(Duration::ZERO, |g| g.reserve(estimated_tokens)),
            );
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        self.in_flight.acquire().await.ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gcra_spaces_requests_after_the_burst() {
        let g = Gcra::per_minute(600).unwrap(); // one per 100 ms, 6 s of burst = 60
        let waits: Vec<Duration> = (0..70).map(|_| g.reserve(1)).collect();
        assert!(waits[..59].iter().all(|w| w.is_zero()));
        assert!(waits[69] >= Duration::from_millis(900), "{:?}", waits[69]);
    }
}
