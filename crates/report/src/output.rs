//! Everything a study or report writes, collected in memory first and written only once
//! all of it rendered: a failure leaves no half-made report behind, and each file is
//! replaced atomically.

use std::path::{Path, PathBuf};

use emergent_io::{IoError, atomic_write_bytes};

use crate::doc::Figure;
use crate::error::ReportError;

#[derive(Debug, Default)]
pub struct Outputs {
    files: Vec<(PathBuf, Vec<u8>)>,
}

impl Outputs {
    pub fn add(&mut self, path: PathBuf, bytes: impl Into<Vec<u8>>) {
        self.files.push((path, bytes.into()));
    }

    /// A figure's PNG and SVG, at its paths relative to `dir`.
    pub fn add_figure(&mut self, dir: &Path, f: &Figure) {
        self.add(dir.join(&f.png_path), f.image.png.clone());
        self.add(dir.join(f.svg_path()), f.image.svg.clone().into_bytes());
    }

    /// Create the folders and write every file; returns the paths written, in order.
    pub fn commit(self) -> Result<Vec<PathBuf>, ReportError> {
        for (path, _) in &self.files {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .map_err(|e| IoError::new(dir, format!("cannot create the folder: {e}")))?;
            }
        }
        let mut written = Vec::with_capacity(self.files.len());
        for (path, bytes) in self.files {
            atomic_write_bytes(&path, &bytes)?;
            written.push(path);
        }
        Ok(written)
    }
}
