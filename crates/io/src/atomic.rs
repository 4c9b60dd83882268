use std::io::Write;
use std::path::Path;

use crate::error::IoError;

/// Write a file by filling a temporary sibling and renaming it over `path` only when `fill`
/// succeeded: readers never see a partial file and an earlier output survives a failure.
pub fn atomic_write<F>(path: &Path, fill: F) -> Result<(), IoError>
where
    F: FnOnce(&mut std::io::BufWriter<&std::fs::File>) -> Result<(), IoError>,
{
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(&format!(
            ".{}.",
            path.file_name().and_then(|n| n.to_str()).unwrap_or("out")
        ))
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| IoError::io(dir, &e))?;
    {
        let mut w = std::io::BufWriter::new(tmp.as_file());
        fill(&mut w)?;
        w.flush().map_err(|e| IoError::io(path, &e))?;
    }
    publish_permissions(tmp.as_file(), path)?;
    tmp.as_file()
        .sync_all()
        .map_err(|e| IoError::io(path, &e))?;
    tmp.persist(path).map_err(|e| IoError::io(path, &e.error))?;
    Ok(())
}

/// [`atomic_write`] of a byte string.
pub fn atomic_write_bytes(path: &Path, bytes: &[u8]) -> Result<(), IoError> {
    atomic_write(path, |w| {
        w.write_all(bytes).map_err(|e| IoError::io(path, &e))
    })
}

/// Temporary files are created private (0600); outputs are ordinary files (0644 less the
/// umask is what `File::create` would give, and 0644 is what users expect of results).
pub(crate) fn publish_permissions(file: &std::fs::File, path: &Path) -> Result<(), IoError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(|e| IoError::io(path, &e))?;
    }
    #[cfg(not(unix))]
    let _ = (file, path);
    Ok(())
}
