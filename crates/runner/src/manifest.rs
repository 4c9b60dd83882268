//! `manifest.json`: what ran, on what, and what it cost. Written last.

use std::collections::BTreeMap;
use std::path::Path;

use emergent_io::atomic_write_bytes;
use emergent_sim::TickReport;
use emergent_sim::action::ACTION_NAMES;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::RunError;
use crate::run_dir::MANIFEST;

/// Counts accumulated over the run (kept in checkpoints so a resumed run reports the same).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct RunStats {
    pub ticks_run: u32,
    pub agent_steps: u64,
    pub active_agent_steps: u64,
    pub exposures: u64,
    pub rejected_actions: u64,
    pub actions: BTreeMap<String, u64>,
}

impl RunStats {
    pub(crate) fn add(&mut self, agents: usize, r: &TickReport) {
        self.ticks_run += 1;
        self.agent_steps += agents as u64;
        self.active_agent_steps += r.active as u64;
        self.exposures += r.exposures;
        self.rejected_actions += r.rejected as u64;
        for (name, &n) in ACTION_NAMES.iter().zip(&r.actions) {
            if n > 0 {
                *self.actions.entry(name.to_string()).or_default() += n;
            }
        }
    }
}

pub(crate) fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Peak resident memory of this process, from the kernel (Linux), in bytes.
pub(crate) fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

pub(crate) fn write(dir: &Path, value: &serde_json::Value) -> Result<(), RunError> {
    let text = serde_json::to_string_pretty(value).map_err(|e| {
        RunError::Io(emergent_io::IoError::new(
            &dir.join(MANIFEST),
            e.to_string(),
        ))
    })?;
    atomic_write_bytes(&dir.join(MANIFEST), text.as_bytes())?;
    Ok(())
}
