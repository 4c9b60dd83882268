//! Where a scenario's own prompt template may be read from.
//!
//! Scenario files get shared, and a prompt template is sent to the endpoint with every
//! request and stored in the replay cache: `llm.prompt = "../../etc/passwd"` must not read
//! that file and send it away. So `llm.prompt` may only name a regular file inside the
//! scenario's folder or the project's `prompts/` folder (the `prompts/` folder of the
//! directory emergent runs in, next to the default `runs/`), or one the user allowed on the
//! command line (`--allow-prompt-path PATH`, a file or a folder). Every path is
//! canonicalised first, so `..` and symbolic links that lead out count as outside.

use std::io::Read;
use std::path::{Path, PathBuf};

use emergent_scenario::{KeySeg, Scenario};

use crate::error::LlmError;

/// Largest prompt template read, in bytes: a template is a page of text, and the check
/// keeps a mistaken path (a log, a device) from being read whole.
pub const MAX_TEMPLATE_BYTES: u64 = 1 << 20;

/// A scenario's own template, read from an allowed place.
#[derive(Clone, Debug, PartialEq)]
pub struct PromptFile {
    /// Canonical path of the file that was read.
    pub path: PathBuf,
    /// Its text.
    pub text: String,
}

/// Read the scenario's own template (`llm.prompt`), or `None` when it uses the built-in
/// one. `allowed` are the user's extra allowed files or folders (`--allow-prompt-path`).
pub fn read(scenario: &Scenario, allowed: &[PathBuf]) -> Result<Option<PromptFile>, LlmError> {
    let prompt = scenario.llm.prompt.as_str();
    if prompt.is_empty() {
        return Ok(None);
    }
    let fail = |message: String| {
        let (line, column) = scenario.position(&[KeySeg::Key("llm"), KeySeg::Key("prompt")]);
        LlmError::Prompt {
            file: scenario.file.clone(),
            line,
            column,
            message,
        }
    };
    let folder = scenario_folder(&scenario.file);
    let named = folder.join(prompt);
    let path = named.canonicalize().map_err(|e| {
        fail(format!(
            "llm.prompt = {prompt:?}: cannot read {}: {e}",
            named.display()
        ))
    })?;
    let roots = allowed_roots(&folder, allowed)?;
    if !roots.iter().any(|root| path.starts_with(root)) {
        return Err(fail(outside_message(prompt, &path, &folder)));
    }
    let text = read_bounded(&path).map_err(|why| {
        fail(format!(
            "llm.prompt = {prompt:?}: {}: {why}",
            path.display()
        ))
    })?;
    Ok(Some(PromptFile { path, text }))
}

/// The folder relative prompt paths are resolved against: the scenario file's folder (the
/// current directory for a bare file name).
fn scenario_folder(scenario_file: &str) -> PathBuf {
    match Path::new(scenario_file).parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The project's `prompts/` folder: the one in the directory emergent runs in.
fn project_prompts() -> Option<PathBuf> {
    std::env::current_dir().ok().map(|d| d.join("prompts"))
}

/// Canonical roots a prompt may lie under: the scenario's folder, the project's `prompts/`
/// (when it exists) and every path the user allowed (which must exist).
fn allowed_roots(folder: &Path, allowed: &[PathBuf]) -> Result<Vec<PathBuf>, LlmError> {
    let mut roots = Vec::with_capacity(allowed.len() + 2);
    roots.extend(folder.canonicalize().ok());
    roots.extend(project_prompts().and_then(|p| p.canonicalize().ok()));
    for a in allowed {
        let root = a.canonicalize().map_err(|e| LlmError::AllowedPath {
            path: a.clone(),
            message: e.to_string(),
        })?;
        roots.push(root);
    }
    Ok(roots)
}

fn outside_message(prompt: &str, path: &Path, folder: &Path) -> String {
    let folder = folder
        .canonicalize()
        .unwrap_or_else(|_| folder.to_path_buf());
    let prompts = project_prompts().unwrap_or_else(|| PathBuf::from("prompts"));
    format!(
        "llm.prompt = {prompt:?} resolves to {}, outside the scenario's folder ({}) and the \
         project's prompts folder ({}). A prompt is sent to the endpoint and kept in the replay \
         cache, so a scenario may only read templates there; if you trust this scenario, allow \
         the file with `emergent run --allow-prompt-path {} …`",
        path.display(),
        folder.display(),
        prompts.display(),
        path.display()
    )
}

/// The text of a regular file of at most [`MAX_TEMPLATE_BYTES`].
fn read_bounded(path: &Path) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("not a regular file".into());
    }
    let too_big = || {
        format!(
            "the file is larger than {} bytes, the most a prompt template may have",
            MAX_TEMPLATE_BYTES
        )
    };
    if meta.len() > MAX_TEMPLATE_BYTES {
        return Err(too_big());
    }
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_TEMPLATE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_TEMPLATE_BYTES {
        return Err(too_big());
    }
    String::from_utf8(bytes).map_err(|_| "the file is not UTF-8 text".to_string())
}
