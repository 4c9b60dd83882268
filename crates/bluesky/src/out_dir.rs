//! The output folder of an import: refused when writing there would destroy something.
//!
//! Like `emergent run`, an existing non-empty folder is replaced only with `force`. Two things
//! are refused even then: a run directory (its `features.parquet` is the run's own, described
//! by its `manifest.json`), and the folder of one of the import's input files, so an import
//! can never overwrite its own capture. Paths are compared canonicalised (symlinks, `..`).

use std::path::{Path, PathBuf};

use emergent_io::run_dir::{MANIFEST, is_non_empty};

use crate::error::BlueskyError;
use crate::output::REPORT_FILE;
use crate::report::ImportReport;

/// What an earlier import left in the folder, to clean up after the new one is written.
#[derive(Debug, Default)]
pub(crate) struct Previous {
    /// Files the earlier import listed in its `import.json` (its topic tables).
    topic_files: Vec<String>,
}

/// Check `out_dir` against the inputs and `force` before any work is done.
pub(crate) fn check(out_dir: &Path, inputs: &[PathBuf], force: bool) -> Result<(), BlueskyError> {
    let Ok(out) = std::fs::canonicalize(out_dir) else {
        // Missing: created when the outputs are written; nothing there to lose.
        return Ok(());
    };
    if !out.is_dir() {
        return Err(BlueskyError::Invalid(format!(
            "--out {}: not a folder",
            out_dir.display()
        )));
    }
    for input in inputs {
        let Ok(canon) = std::fs::canonicalize(input) else {
            continue; // reported as missing when opened
        };
        if canon.parent() == Some(out.as_path()) {
            return Err(BlueskyError::OutputHoldsInput {
                out: out_dir.to_path_buf(),
                input: input.clone(),
            });
        }
    }
    if out.join(MANIFEST).exists() {
        return Err(BlueskyError::OutputIsRunDir(out_dir.to_path_buf()));
    }
    if !force && is_non_empty(&out)? {
        return Err(BlueskyError::OutputExists(out_dir.to_path_buf()));
    }
    Ok(())
}

/// Make a checked folder ready: an earlier import's `import.json` is removed first, so that
/// while the new tables replace the old ones no report vouches for a mix of both.
pub(crate) fn prepare(out_dir: &Path) -> Result<Previous, BlueskyError> {
    let report = out_dir.join(REPORT_FILE);
    let previous = std::fs::read(&report)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<ImportReport>(&bytes).ok())
        .map(|r| Previous {
            topic_files: r.topics.into_iter().map(|t| t.file).collect(),
        })
        .unwrap_or_default();
    match std::fs::remove_file(&report) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(BlueskyError::io(report, e)),
    }
    std::fs::create_dir_all(out_dir).map_err(|e| BlueskyError::io(out_dir, e))?;
    Ok(previous)
}

impl Previous {
    /// Remove the earlier import's topic tables that the new import did not write again.
    pub(crate) fn remove_stale(
        &self,
        out_dir: &Path,
        written: &[String],
    ) -> Result<(), BlueskyError> {
        for name in &self.topic_files {
            // Only a plain file name from our own report, never a path elsewhere.
            let plain = Path::new(name)
                .file_name()
                .is_some_and(|f| f == name.as_str());
            if !plain || written.contains(name) {
                continue;
            }
            let p = out_dir.join(name);
            match std::fs::remove_file(&p) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(BlueskyError::io(p, e)),
            }
        }
        Ok(())
    }
}

/// Refuse an output file that is (through a symlink, say) one of the inputs.
pub(crate) fn refuse_input_as_output(
    out_dir: &Path,
    names: &[String],
    inputs: &[PathBuf],
) -> Result<(), BlueskyError> {
    let inputs: Vec<PathBuf> = inputs
        .iter()
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .collect();
    for name in names {
        if let Ok(canon) = std::fs::canonicalize(out_dir.join(name))
            && let Some(input) = inputs.iter().find(|i| **i == canon)
        {
            return Err(BlueskyError::OutputHoldsInput {
                out: out_dir.join(name),
                input: input.clone(),
            });
        }
    }
    Ok(())
}
