//! Bluesky Jetstream captures for emergent.
//!
//! * [`import_to_dir`] / [`import_capture`] stream `.jsonl`, `.jsonl.gz` and `.jsonl.zst`
//!   captures (both Jetstream layouts) into per-user features, per-topic features and the
//!   follow graph. Memory grows with users and live records, not with events.
//! * [`synth_capture`] writes a synthetic capture in the current Jetstream layout with known
//!   answers, for tests and benchmarks.
//!
//! Output files are described in [`output`].

mod aggregate;
mod compact;
mod error;
mod event;
mod features;
mod import;
mod intern;
mod out_dir;
pub mod output;
mod pipeline;
mod report;
mod source;
mod synth;
mod tid;
mod time;
mod topic;

pub use error::BlueskyError;
pub use event::{
    Body, Collection, Commit, Event, Malformed, Op, Target, parse_at_uri, parse_line,
    parse_line_str,
};
pub use features::{
    CollectionCounts, EventCounts, FEATURE_COLUMNS, TOPIC_COLUMNS, TopicFeatures, UserFeatures,
};
pub use import::{ImportOptions, import_capture, import_to_dir};
pub use output::{FEATURES_FILE, FOLLOWS_FILE, REPORT_FILE, output_file_names, topic_file_name};
pub use report::{FileReport, ImportReport, Imported, MalformedLine, TimeSpan, TopicReport};
pub use source::Compression;
pub use synth::{SynthOptions, SynthReport, SynthTruth, Synthesized, synth_capture};
pub use tid::{decode_tid, encode_tid};
pub use time::{format_rfc3339, parse_time};
pub use topic::{MAX_TOPICS, Topic};
