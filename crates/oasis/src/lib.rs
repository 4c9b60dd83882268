//! OASIS simulation databases for emergent.
//!
//! [OASIS](https://github.com/camel-ai/oasis) records a social simulation in one SQLite file:
//! users, posts (with reposts and quotes), comments, likes and dislikes, follows, mutes,
//! reports, and a `trace` of every action. [`import_oasis`] reads such a file into the tables
//! emergent's attribution, study and report read: `features.parquet` (emergent's feature
//! names, plus OASIS's own such as dislikes), `follows.parquet`, and — when the trace counts
//! timesteps (OASIS's Twitter clock) — `ticks.parquet`, every agent's features after each
//! step in the run-directory schema, so `--baseline initial` works on an import too.
//!
//! The schema is checked before anything is read or written: a file that is not SQLite, or
//! lacks a table or column OASIS writes, is refused with an error naming the file and the
//! table or column. Output files are listed in [`output`]; the mapping from OASIS's tables to
//! features is in [`features`] and `docs/oasis.md`.

mod clock;
mod error;
pub mod features;
mod import;
mod out_dir;
pub mod output;
mod read;
mod schema;
mod summary;
mod ticks;

pub use clock::Clock;
pub use error::OasisError;
pub use features::{FEATURE_COLUMNS, OASIS_COLUMNS, all_columns};
pub use import::{ImportOptions, Imported, import_oasis, read_oasis};
pub use output::{FEATURES_FILE, FOLLOWS_FILE, SUMMARY_FILE, TICKS_FILE};
pub use schema::{OPTIONAL_TABLES, REQUIRED_TABLES};
pub use summary::{Counts, Summary, TickSpan};
