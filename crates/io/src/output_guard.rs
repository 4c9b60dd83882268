//! Before a command writes a file the user named: never over one of its own inputs, never
//! over a finished run's outputs, and over anything else only when asked (`--force`).

use std::path::{Path, PathBuf};

use crate::error::IoError;
use crate::run_dir::{MANIFEST, is_run_output};

/// Check that `out` may be written by a command reading `inputs` (files or folders; a folder
/// counts with everything inside it). Refused always: `out` is an input, or lies inside an
/// input folder, or is an output of the run directory it is in. Refused without `force`:
/// `out` exists.
pub fn check_output_path(out: &Path, inputs: &[PathBuf], force: bool) -> Result<(), IoError> {
    let target = resolve(out);
    for input in inputs {
        let input = resolve(input);
        if target == input || (input.is_dir() && target.starts_with(&input)) {
            return Err(IoError::new(
                out,
                format!(
                    "is (or is inside) this command's input {}; writing it would destroy the \
                     input: choose another output path",
                    input.display()
                ),
            ));
        }
    }
    if let (Some(dir), Some(name)) = (target.parent(), target.file_name())
        && dir.join(MANIFEST).is_file()
        && is_run_output(&name.to_string_lossy())
    {
        return Err(IoError::new(
            out,
            format!(
                "is an output of the run in {}; writing it would change that run's results: \
                 choose another output path",
                dir.display()
            ),
        ));
    }
    if !force && std::fs::symlink_metadata(out).is_ok() {
        return Err(IoError::new(
            out,
            "exists; pass --force to overwrite it, or choose another output path",
        ));
    }
    Ok(())
}

/// `p` with symbolic links and `..` resolved as far as it exists (an output usually does not
/// exist yet: its folder is resolved and its name appended).
fn resolve(p: &Path) -> PathBuf {
    if let Ok(c) = std::fs::canonicalize(p) {
        return c;
    }
    match (p.parent(), p.file_name()) {
        (Some(parent), Some(name)) => {
            let parent = if parent.as_os_str().is_empty() {
                Path::new(".")
            } else {
                parent
            };
            resolve(parent).join(name)
        }
        _ => p.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_and_run_outputs_are_refused_even_with_force_other_files_need_it() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let input = d.join("features.csv");
        std::fs::write(&input, "a\n1\n").unwrap();
        let err = check_output_path(&input, std::slice::from_ref(&input), true).unwrap_err();
        assert!(err.to_string().contains("destroy the input"), "{err}");
        // The same file by another spelling.
        let other = d.join(".").join("features.csv");
        assert!(check_output_path(&other, std::slice::from_ref(&input), true).is_err());
        // Inside an input folder.
        let run = d.join("run");
        std::fs::create_dir(&run).unwrap();
        let inside = run.join("new.parquet");
        assert!(check_output_path(&inside, std::slice::from_ref(&run), true).is_err());
        // A finished run's output, whoever reads it.
        std::fs::write(run.join(MANIFEST), "{}").unwrap();
        let err = check_output_path(&run.join("attribution.parquet"), &[], true).unwrap_err();
        assert!(err.to_string().contains("output of the run"), "{err}");
        // Anything else: new is fine, existing needs force.
        let phi = d.join("phi.csv");
        check_output_path(&phi, std::slice::from_ref(&input), false).unwrap();
        std::fs::write(&phi, "x").unwrap();
        let err = check_output_path(&phi, std::slice::from_ref(&input), false).unwrap_err();
        assert!(err.to_string().contains("--force"), "{err}");
        check_output_path(&phi, std::slice::from_ref(&input), true).unwrap();
    }
}
