//! Checkpoints: the whole state every k ticks, so `--resume` continues as if nothing
//! happened. One encoding for every engine: a header (format, the scenario as given) and
//! then the engine's own state, in postcard, written atomically.
//!
//! One process writes `checkpoint.bin` (an economy: `checkpoint-econ.bin`). The ranks of a
//! partitioned run each write their own agents' state to `checkpoint-sSSSSS-rRRRRR.bin`
//! (S: the next recording segment, R: the rank); once every rank's file is in place rank 0
//! commits them by rewriting `checkpoint.json`, and only then do ranks delete their older
//! files. A job killed at any point leaves one complete, committed set, which `--resume` on
//! the same number of ranks continues from (MPI itself has no fault tolerance).

use std::path::Path;

use emergent_io::run_dir::{
    PARTIAL, RANK_CHECKPOINT_POINTER, RUN_IDENTITY, RunIdentity, read_json, write_json,
};
use emergent_io::{IoError, atomic_write_bytes};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::RunError;
use crate::rank_files::{rank_file, remove_rank_files};
use crate::source::ScenarioSource;
use emergent_collective::{Collective, barrier};

/// What a checkpoint file starts with: an emergent checkpoint, and of the layout with a
/// checksum (older files lack it and are refused as such).
const MAGIC: &[u8; 24] = b"emergent checkpoint v2\n\0";
/// SHA-256 of everything before it, at the end of the file: a flipped byte anywhere is
/// refused instead of resuming into a different run or crashing on an impossible state.
const CHECKSUM_LEN: usize = 32;

/// A file the recorder closed before a checkpoint (a segment's part in `.partial/`): the
/// checkpoint continues from it, so resuming checks it is still there, unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PartDigest {
    /// Its name in `.partial/`.
    pub file: String,
    pub bytes: u64,
    /// SHA-256, hex.
    pub sha256: String,
}

impl PartDigest {
    /// The digest of `dir/file` as it is now.
    pub(crate) fn of(dir: &Path, file: &str) -> Result<Self, RunError> {
        let path = dir.join(file);
        let (bytes, sha256) = file_sha256(&path).map_err(|e| crate::fs::io(&path, e))?;
        Ok(PartDigest {
            file: file.to_string(),
            bytes,
            sha256,
        })
    }
}

/// Length and SHA-256 (hex) of a file, read in blocks.
fn file_sha256(path: &Path) -> std::io::Result<(u64, String)> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        bytes += n as u64;
    }
    Ok((bytes, crate::source::hex(&hasher.finalize())))
}

/// What every checkpoint holds before the engine's state. (postcard writes a struct as its
/// fields in order.)
#[derive(Serialize)]
struct CheckpointRef<'a, S> {
    format: u32,
    emergent_version: &'a str,
    run_key: &'a str,
    scenario_text: &'a str,
    scenario_file: &'a str,
    overrides: &'a [String],
    parts: &'a [PartDigest],
    state: &'a S,
}

#[derive(Deserialize)]
struct Checkpoint<S> {
    format: u32,
    emergent_version: String,
    run_key: String,
    scenario_text: String,
    scenario_file: String,
    overrides: Vec<String>,
    parts: Vec<PartDigest>,
    state: S,
}

/// What a loaded checkpoint continues from.
pub(crate) struct Loaded<S> {
    pub source: ScenarioSource,
    /// The recorded parts, verified present and unchanged.
    pub parts: Vec<PartDigest>,
    pub state: S,
}

/// Write a checkpoint of format `format` to `path`, atomically: a crash mid-write leaves the
/// previous one. `parts` are the recorded files it continues from.
pub(crate) fn save<S: Serialize>(
    path: &Path,
    format: u32,
    source: &ScenarioSource,
    parts: &[PartDigest],
    state: &S,
) -> Result<(), RunError> {
    let bytes = encode(format, source, parts, state).map_err(|e| IoError::new(path, e))?;
    atomic_write_bytes(path, &bytes)?;
    Ok(())
}

/// The bytes of a checkpoint: the magic, the fields, the checksum.
fn encode<S: Serialize>(
    format: u32,
    source: &ScenarioSource,
    parts: &[PartDigest],
    state: &S,
) -> Result<Vec<u8>, String> {
    let identity = source.identity();
    let c = CheckpointRef {
        format,
        emergent_version: &identity.emergent_version,
        run_key: &identity.run_key,
        scenario_text: &source.text,
        scenario_file: &source.file,
        overrides: &source.overrides,
        parts,
        state,
    };
    let mut bytes = postcard::to_extend(&c, MAGIC.to_vec()).map_err(|e| e.to_string())?;
    let sum = Sha256::digest(&bytes);
    bytes.extend_from_slice(&sum);
    Ok(bytes)
}

/// Read the checkpoint at `path` of the run in `dir`, refusing a missing, damaged, foreign
/// or differently versioned one, or one whose recorded parts are gone or changed, with a
/// message that says which.
pub(crate) fn load<S: DeserializeOwned>(
    dir: &Path,
    path: &Path,
    format: u32,
) -> Result<Loaded<S>, RunError> {
    let refuse = |why: String| RunError::Resume {
        dir: dir.to_path_buf(),
        why,
    };
    let bytes = std::fs::read(path).map_err(|e| {
        refuse(format!(
            "no checkpoint to resume from ({}: {e}); set [checkpoint] every = K in the scenario",
            path.display()
        ))
    })?;
    let c: Checkpoint<S> =
        decode(&bytes).map_err(|why| refuse(format!("{}: {why}", path.display())))?;
    if c.format != format {
        return Err(refuse(format!(
            "{}: checkpoint format {} is not {format}",
            path.display(),
            c.format
        )));
    }
    let mut source = ScenarioSource {
        text: c.scenario_text,
        file: c.scenario_file,
        overrides: c.overrides,
        policy: None,
    };
    // The distilled policy file as it is now: the run key says whether it is the one the
    // run started with.
    let scenario = source.scenario()?;
    source.bind_policy(&scenario).map_err(|e| {
        refuse(format!(
            "{e}; the run started with that file: restore it, or start the run again with --force"
        ))
    })?;
    check_identity(dir, path, &c.emergent_version, &c.run_key, &source).map_err(refuse)?;
    check_parts(dir, &c.parts).map_err(refuse)?;
    Ok(Loaded {
        source,
        parts: c.parts,
        state: c.state,
    })
}

/// The checkpoint in `bytes`: the magic, the checksum, then the fields.
fn decode<S: DeserializeOwned>(bytes: &[u8]) -> Result<Checkpoint<S>, String> {
    let Some(rest) = bytes.strip_prefix(MAGIC.as_slice()) else {
        return Err(
            "not an emergent checkpoint (or one from a version before checkpoints \
                    carried a checksum); start the run again with --force"
                .into(),
        );
    };
    if rest.len() < CHECKSUM_LEN {
        return Err("the checkpoint is truncated; start the run again with --force".into());
    }
    let (body_end, sum) = bytes.split_at(bytes.len() - CHECKSUM_LEN);
    if Sha256::digest(body_end).as_slice() != sum {
        return Err(
            "the checkpoint is damaged (its SHA-256 checksum does not match: the file \
                    changed after it was written); restore it or start the run again with --force"
                .into(),
        );
    }
    let body = &body_end[MAGIC.len()..];
    let (c, unread) = postcard::take_from_bytes::<Checkpoint<S>>(body).map_err(|e| {
        format!("the checkpoint's checksum matches but it does not decode ({e}); it was not written by this emergent version")
    })?;
    if !unread.is_empty() {
        return Err(format!(
            "{} bytes follow the checkpoint's state; it was not written by this emergent version",
            unread.len()
        ));
    }
    Ok(c)
}

/// The checkpoint must be this version's and this directory's run.
fn check_identity(
    dir: &Path,
    path: &Path,
    version: &str,
    run_key: &str,
    source: &ScenarioSource,
) -> Result<(), String> {
    let here = env!("CARGO_PKG_VERSION");
    if version != here {
        return Err(format!(
            "{} was written by emergent {version} and this is {here}; resume with that version, \
             or start the run again with --force",
            path.display()
        ));
    }
    let id_path = dir.join(PARTIAL).join(RUN_IDENTITY);
    let run: RunIdentity = read_json(&id_path).map_err(|e| {
        format!("{e}; without it the checkpoint cannot be matched to this directory's run")
    })?;
    let mine = source.identity();
    if run.policy_sha256 != mine.policy_sha256 {
        return Err(policy_changed(&run, source));
    }
    if run_key != mine.run_key {
        return Err(format!(
            "{} does not hold the run key it was written with; it is damaged",
            path.display()
        ));
    }
    if run.run_key != run_key {
        return Err(format!(
            "{} belongs to another run (scenario sha256 {}, overrides {:?}) than the one this \
             directory recorded (scenario sha256 {}, overrides {:?}): was it copied from another \
             run directory? Start the run again with --force",
            path.display(),
            short(&mine.scenario_sha256),
            mine.overrides,
            short(&run.scenario_sha256),
            run.overrides
        ));
    }
    Ok(())
}

/// Why a run cannot continue with the distilled policy file as it is now.
fn policy_changed(run: &RunIdentity, source: &ScenarioSource) -> String {
    let now = source.policy.as_ref();
    match (&run.policy_sha256, now) {
        (Some(then), Some(now)) => format!(
            "the distilled policy file {} has changed since the run started (SHA-256 {}… then, \
             {}… now): the rest of the run would follow another policy than its recorded ticks. \
             Restore the file the run started with, or start the run again with --force",
            now.path.display(),
            short(then),
            short(&now.sha256)
        ),
        (Some(then), None) => format!(
            "the run started with a distilled policy file (SHA-256 {}…) and its scenario now \
             names none; start the run again with --force",
            short(then)
        ),
        (None, _) => "the run started without a distilled policy file and its scenario now \
                      names one; start the run again with --force"
            .into(),
    }
}

fn short(hex: &str) -> &str {
    hex.get(..12).unwrap_or(hex)
}

/// Every recorded part the checkpoint continues from is in `.partial/`, byte for byte.
fn check_parts(dir: &Path, parts: &[PartDigest]) -> Result<(), String> {
    let partial = dir.join(PARTIAL);
    for p in parts {
        let path = partial.join(&p.file);
        let why = match file_sha256(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => "is missing".to_string(),
            Err(e) => format!("cannot be read ({e})"),
            Ok((bytes, _)) if bytes != p.bytes => {
                format!(
                    "has {bytes} bytes, not the {} it had at the checkpoint",
                    p.bytes
                )
            }
            Ok((_, sha)) if sha != p.sha256 => {
                "has changed since the checkpoint (its SHA-256 differs)".to_string()
            }
            Ok(_) => continue,
        };
        return Err(format!(
            "{} {why}: it holds rows recorded before the checkpoint, and resuming without them \
             would lose them; restore it, or start the run again with --force",
            path.display()
        ));
    }
    Ok(())
}

/// Record which run the directory's run in progress is (rank 0, when it starts).
pub(crate) fn write_identity(dir: &Path, source: &ScenarioSource) -> Result<(), RunError> {
    write_json(&dir.join(PARTIAL).join(RUN_IDENTITY), &source.identity())?;
    Ok(())
}

/// The commit record of a partitioned run's per-rank checkpoints.
#[derive(Serialize, Deserialize)]
struct Pointer {
    format: u32,
    ranks: usize,
    segment: u32,
    tick: u32,
}

/// Save this rank's part of a partitioned run's checkpoint set (a collective call: every
/// rank makes it), then commit the set (rank 0) and drop this rank's older parts
/// (`segment`: the next recording segment).
pub(crate) fn save_rank<S: Serialize>(
    dir: &Path,
    format: u32,
    source: &ScenarioSource,
    (parts, state): (&[PartDigest], &S),
    (segment, tick): (u32, u32),
    exchange: &dyn Collective,
) -> Result<(), RunError> {
    let rank = exchange.rank();
    save(
        &dir.join(rank_file(segment, rank)),
        format,
        source,
        parts,
        state,
    )?;
    barrier(exchange);
    if rank == 0 {
        let p = Pointer {
            format,
            ranks: exchange.ranks(),
            segment,
            tick,
        };
        emergent_io::run_dir::write_json(&dir.join(RANK_CHECKPOINT_POINTER), &p)?;
    }
    barrier(exchange);
    remove_rank_files(dir, Some(rank), Some(segment))
}

/// This rank's part of the committed checkpoint set of a partitioned run on `ranks` ranks.
pub(crate) fn load_rank<S: DeserializeOwned>(
    dir: &Path,
    format: u32,
    rank: usize,
    ranks: usize,
) -> Result<Loaded<S>, RunError> {
    let path = dir.join(RANK_CHECKPOINT_POINTER);
    let text = std::fs::read_to_string(&path).map_err(|e| RunError::Resume {
        dir: dir.to_path_buf(),
        why: format!(
            "no committed checkpoint of a partitioned run ({}: {e})",
            path.display()
        ),
    })?;
    let p: Pointer = serde_json::from_str(&text).map_err(|e| RunError::Resume {
        dir: dir.to_path_buf(),
        why: format!("{}: damaged ({e})", path.display()),
    })?;
    if p.format != format {
        return Err(RunError::Resume {
            dir: dir.to_path_buf(),
            why: format!("checkpoint format {} is not {format}", p.format),
        });
    }
    if p.ranks != ranks {
        return Err(RunError::Resume {
            dir: dir.to_path_buf(),
            why: format!(
                "the run was checkpointed on {} ranks, and each rank holds only its own agents: \
                 resume it with `mpirun -np {} emergent run --distributed --resume DIR`",
                p.ranks, p.ranks
            ),
        });
    }
    let c = load(dir, &dir.join(rank_file(p.segment, rank)), format)?;
    // Files of a set that was being written when the job died were never committed.
    remove_rank_files(dir, Some(rank), Some(p.segment))?;
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use emergent_sim::{Simulation, World};
    use proptest::prelude::*;

    /// A real checkpoint: a small world after a few ticks.
    fn world_checkpoint() -> Vec<u8> {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../scenarios/quickstart.toml"
        ))
        .unwrap();
        let source = ScenarioSource {
            text,
            file: "quickstart.toml".into(),
            overrides: vec!["population.agents=60".into(), "scenario.ticks=5".into()],
            policy: None,
        };
        let mut sim = Simulation::new(&source.scenario().unwrap(), None).unwrap();
        for _ in 0..3 {
            sim.step();
        }
        let parts = [PartDigest {
            file: "ticks-00000.parquet".into(),
            bytes: 10,
            sha256: "ab".repeat(32),
        }];
        encode(3, &source, &parts, &sim.world).unwrap()
    }

    /// Re-seal `bytes` with a checksum that matches, so decoding reaches the fields.
    fn reseal(mut bytes: Vec<u8>) -> Vec<u8> {
        if bytes.len() >= MAGIC.len() + CHECKSUM_LEN {
            let end = bytes.len() - CHECKSUM_LEN;
            let sum = Sha256::digest(&bytes[..end]);
            bytes[end..].copy_from_slice(&sum);
        }
        bytes
    }

    #[test]
    fn a_checkpoint_decodes_to_what_was_encoded() {
        let bytes = world_checkpoint();
        let c: Checkpoint<World> = decode(&bytes).unwrap();
        assert_eq!(c.format, 3);
        assert_eq!(c.world_tick(), 3);
        assert_eq!(c.parts.len(), 1);
    }

    impl Checkpoint<World> {
        fn world_tick(&self) -> u32 {
            self.state.tick
        }
    }

    proptest! {
        /// Arbitrary bytes, with or without the magic in front: an error, never a panic.
        #[test]
        fn fuzz_checkpoint_decoder_arbitrary(
            body in proptest::collection::vec(any::<u8>(), 0..4096),
            magic in any::<bool>(),
            sealed in any::<bool>(),
        ) {
            let mut bytes = if magic { MAGIC.to_vec() } else { Vec::new() };
            bytes.extend(body);
            if sealed {
                bytes.extend([0u8; CHECKSUM_LEN]);
                bytes = reseal(bytes);
            }
            let _ = decode::<World>(&bytes);
        }

        /// A real checkpoint with bytes flipped, cut or inserted: refused by the checksum; and
        /// with the checksum recomputed over the damage (so postcard sees it): an error or a
        /// value, never a panic, an abort or a huge allocation.
        #[test]
        fn fuzz_checkpoint_decoder_mutated(
            flips in proptest::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..8),
            cut in proptest::option::of(any::<prop::sample::Index>()),
        ) {
            let good = world_checkpoint_cached();
            let mut bad = good.to_vec();
            for (at, x) in &flips {
                let i = at.index(bad.len());
                bad[i] ^= x;
            }
            if let Some(c) = cut {
                bad.truncate(c.index(bad.len()));
            }
            prop_assert!(decode::<World>(&bad).is_err(), "damage must be detected");
            let _ = decode::<World>(&reseal(bad));
        }
    }

    fn world_checkpoint_cached() -> &'static [u8] {
        static BYTES: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
        BYTES.get_or_init(world_checkpoint)
    }
}
