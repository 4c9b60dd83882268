//! Every agent's features after each timestep: cumulative counts of the records created at
//! or before it. Records without a timestep (OASIS's initial follows and posts) count from
//! the first tick. Records OASIS deleted (an unlike, an unfollow) are gone from its tables, so
//! a tick counts the records that survived to the end and existed by then.

use crate::clock::Clock;
use crate::features::{Event, Tally};

/// The distinct timesteps of `events` (ascending), or why there are no ticks.
pub(crate) fn timesteps(clock: Clock, events: &[Event]) -> Result<Vec<u32>, String> {
    match clock {
        Clock::Timesteps => {}
        Clock::Datetimes => {
            return Err("the trace records datetimes (OASIS's Reddit clock), not timesteps".into());
        }
        Clock::Unknown => {
            return Err(
                "the trace's created_at values are not all timesteps (or the trace is empty)"
                    .into(),
            );
        }
    }
    let mut steps = Vec::new();
    for s in events.iter().filter_map(|e| e.step) {
        match u32::try_from(s) {
            Ok(t) => steps.push(t),
            Err(_) => return Err(format!("timestep {s} is outside 0..=4294967295")),
        }
    }
    steps.sort_unstable();
    steps.dedup();
    Ok(steps)
}

/// Walk the ticks in order, calling `emit(tick, tally)` with the cumulative tally after each.
pub(crate) fn for_each_tick<E>(
    users: usize,
    events: &[Event],
    steps: &[u32],
    mut emit: impl FnMut(u32, &Tally) -> Result<(), E>,
) -> Result<(), E> {
    let mut order: Vec<&Event> = events.iter().collect();
    // Records without a step first: they exist from the start.
    order.sort_by_key(|e| e.step.map_or(-1, |s| s.max(0)));
    let mut tally = Tally::new(users);
    let mut next = 0;
    for &t in steps {
        while next < order.len() && order[next].step.is_none_or(|s| s <= i64::from(t)) {
            tally.apply(order[next]);
            next += 1;
        }
        emit(t, &tally)?;
    }
    Ok(())
}
