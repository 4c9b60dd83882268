//! The caps on a scenario's sizes and counts that no natural range gives: each keeps a value
//! the validator accepts from overflowing an integer, exhausting memory or running for hours.
//! Documented in `scenarios/README.md` ("Ranges"); the fuzz tests check every accepted
//! scenario against them.

/// Largest seed: TOML integers are signed 64-bit, so a seed of 2^63 or more cannot be written
/// in a scenario file (nor in the `scenario.toml` a run saves).
pub const MAX_SEED: u64 = i64::MAX as u64;

/// Most ticks in a run (`[scenario] ticks`, and the tick counts `record.every`,
/// `checkpoint.every`, `llm.reflect_every` are measured in).
pub const MAX_TICKS: u32 = 100_000;

/// Most agents: ids are 32-bit and `u32::MAX` marks "no agent".
pub const MAX_AGENTS: usize = u32::MAX as usize - 1;

/// Most follow edges a generated network may be expected to have (about 32 bytes each while
/// it is built: ~32 GiB). The million-agent scenario has ~2·10^7.
pub const MAX_EDGES: f64 = 1e9;

/// Most items in one feed (`[feed] size`).
pub const MAX_FEED_SIZE: usize = 1000;

/// Most feed items of one tick over all agents: feed offsets are 32-bit.
pub const MAX_FEED_ITEMS: u64 = u32::MAX as u64;

/// Most followees sampled per feed (`[feed] followee_sample`).
pub const MAX_FOLLOWEE_SAMPLE: usize = 100_000;

/// Longest feed window and panic look-back, in ticks.
pub const MAX_WINDOW: u32 = 1000;

/// Most `[[indicators]]`: each is evaluated every recorded tick and gets its own plot.
pub const MAX_INDICATORS: usize = 64;

/// Longest indicator name (it becomes a column header and a plot title).
pub const MAX_INDICATOR_NAME: usize = 64;

/// Longest indicator expression, in bytes.
pub const MAX_INDICATOR_EXPR: usize = 1000;

/// Most Gauss–Legendre nodes of a dynamic attribution (`[attribution] nodes`, `emergent
/// attribute --dynamic --nodes`): each node is a forward and a backward pass of the whole run.
pub const MAX_NODES: usize = 64;

/// Most gradient evaluations of a dynamic attribution's adaptive quadrature, over all its
/// panels (`[attribution] max_nodes`): 4096 passes of a 10⁴-agent twin are about an hour.
pub const MAX_TOTAL_NODES: usize = 4096;

/// Most `[[llm.groups]]`.
pub const MAX_LLM_GROUPS: usize = 1000;
