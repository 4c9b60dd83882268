//! Input the importer must refuse, or survive: a file of (nearly) nothing but malformed
//! lines is an error that locates the first; an output folder is never clobbered without
//! --force, never when it is a run directory or holds an input; and no line makes the
//! parser panic.

mod common;

use common::*;
use emergent_attribution::NoProgress;
use emergent_bluesky::{BlueskyError, ImportOptions, import_capture, import_to_dir, parse_line};
use proptest::prelude::*;

#[test]
fn a_file_of_only_malformed_lines_is_an_error_naming_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "junk.jsonl", b"\nhello\n{\"x\": 1}\nworld\n");
    let out = dir.path().join("out");
    let err = import_to_dir(
        std::slice::from_ref(&f),
        &out,
        &ImportOptions::default(),
        &NoProgress,
    )
    .unwrap_err();
    assert!(matches!(err, BlueskyError::Unreadable { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.starts_with(&format!(
            "{}:2:1: not a Jetstream event: expected value",
            f.display()
        )) && msg.contains("3 of the 3 non-blank lines"),
        "{msg}"
    );
    assert!(!out.exists(), "nothing may be written");
}

#[test]
fn one_unreadable_file_among_good_ones_is_an_error_too() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(dir.path(), "good.jsonl", capture_text().as_bytes());
    let csv = write(dir.path(), "table.jsonl", b"a,b\n1,2\n3,4\n");
    let err =
        import_capture(&[good, csv.clone()], &ImportOptions::default(), &NoProgress).unwrap_err();
    assert!(
        err.to_string()
            .starts_with(&format!("{}:1:", csv.display())),
        "{err}"
    );
}

#[test]
fn a_capture_with_a_few_malformed_lines_imports_and_locates_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = capture_text();
    text.push_str("{\"did\":\"did:plc:a\",\"time_us\":1,\"kind\":\"commit\"}\n{oops\n");
    let f = write(dir.path(), "some.jsonl", text.as_bytes());
    let r = import_capture(
        std::slice::from_ref(&f),
        &ImportOptions::default(),
        &NoProgress,
    )
    .unwrap()
    .report;
    let n = capture_text().lines().count() as u64;
    let base = import_capture(
        &[write(dir.path(), "base.jsonl", capture_text().as_bytes())],
        &ImportOptions::default(),
        &NoProgress,
    )
    .unwrap()
    .report
    .malformed;
    assert_eq!(r.malformed, base + 2);
    let shown: Vec<String> = r.malformed_lines[base as usize..]
        .iter()
        .map(|m| m.to_string())
        .collect();
    assert_eq!(
        shown,
        [
            format!("{}:{}: a commit event without `commit`", f.display(), n + 1),
            format!(
                "{}:{}:2: not a Jetstream event: key must be a string",
                f.display(),
                n + 2
            ),
        ]
    );
}

#[test]
fn a_blank_file_is_not_refused() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "blank.jsonl", b"\n\n");
    assert!(import_capture(&[f], &ImportOptions::default(), &NoProgress).is_ok());
}

#[test]
fn an_import_asked_to_stop_ends_without_writing() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "cap.jsonl", capture_text().as_bytes());
    let out = dir.path().join("out");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(2));
    let opts = ImportOptions {
        stop: Some(stop.clone()),
        ..Default::default()
    };
    let err = import_to_dir(std::slice::from_ref(&f), &out, &opts, &NoProgress).unwrap_err();
    assert!(matches!(err, BlueskyError::Stopped), "{err}");
    assert!(
        !out.join("features.parquet").exists(),
        "nothing may be written"
    );
    stop.store(0, std::sync::atomic::Ordering::SeqCst);
    assert!(import_to_dir(std::slice::from_ref(&f), &out, &opts, &NoProgress).is_ok());
}

#[test]
fn a_non_empty_output_folder_needs_force_and_then_is_replaced_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "cap.jsonl", capture_text().as_bytes());
    let out = dir.path().join("out");
    let topics = ImportOptions {
        topics: vec![emergent_bluesky::Topic::parse("cats=#cats").unwrap()],
        ..Default::default()
    };
    import(std::slice::from_ref(&f), &out, &topics);
    assert!(out.join("topic_cats.parquet").exists());
    let before = std::fs::read(out.join("features.parquet")).unwrap();

    let err = import_to_dir(
        std::slice::from_ref(&f),
        &out,
        &ImportOptions::default(),
        &NoProgress,
    )
    .unwrap_err();
    assert!(matches!(err, BlueskyError::OutputExists(_)), "{err}");
    assert!(err.to_string().contains("--force"), "{err}");
    assert_eq!(std::fs::read(out.join("features.parquet")).unwrap(), before);

    // With force: replaced, and the earlier import's topic table does not linger.
    let force = ImportOptions {
        force: true,
        ..Default::default()
    };
    import(std::slice::from_ref(&f), &out, &force);
    assert!(!out.join("topic_cats.parquet").exists());
    assert!(out.join("import.json").exists() && out.join("features.parquet").exists());
}

#[test]
fn a_run_directory_is_refused_even_with_force() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "cap.jsonl", capture_text().as_bytes());
    let run = dir.path().join("run");
    std::fs::create_dir(&run).unwrap();
    std::fs::write(run.join("manifest.json"), b"{}").unwrap();
    std::fs::write(run.join("features.parquet"), b"the run's own").unwrap();
    for force in [false, true] {
        let opts = ImportOptions {
            force,
            ..Default::default()
        };
        let err = import_to_dir(std::slice::from_ref(&f), &run, &opts, &NoProgress).unwrap_err();
        assert!(matches!(err, BlueskyError::OutputIsRunDir(_)), "{err}");
    }
    assert_eq!(
        std::fs::read(run.join("features.parquet")).unwrap(),
        b"the run's own"
    );
}

#[test]
fn the_folder_of_an_input_is_refused_even_with_force() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("captures");
    std::fs::create_dir(&inputs).unwrap();
    // Named like an output: importing into its folder would overwrite it.
    let f = write(&inputs, "import.json", capture_text().as_bytes());
    let original = std::fs::read(&f).unwrap();
    // Reached through `..`, so only canonical paths show it is the same folder.
    let sneaky = dir.path().join("captures").join("..").join("captures");
    for force in [false, true] {
        let opts = ImportOptions {
            force,
            ..Default::default()
        };
        let err = import_to_dir(std::slice::from_ref(&f), &sneaky, &opts, &NoProgress).unwrap_err();
        assert!(
            matches!(err, BlueskyError::OutputHoldsInput { .. }),
            "{err}"
        );
    }
    assert_eq!(std::fs::read(&f).unwrap(), original);
}

#[cfg(unix)]
#[test]
fn an_output_that_is_an_input_through_a_symlink_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "cap.jsonl", capture_text().as_bytes());
    let original = std::fs::read(&f).unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::os::unix::fs::symlink(&f, out.join("features.parquet")).unwrap();
    let force = ImportOptions {
        force: true,
        ..Default::default()
    };
    let err = import_to_dir(std::slice::from_ref(&f), &out, &force, &NoProgress).unwrap_err();
    assert!(
        matches!(err, BlueskyError::OutputHoldsInput { .. }),
        "{err}"
    );
    assert_eq!(std::fs::read(&f).unwrap(), original);
}

/// Replace, insert or delete a few bytes, favouring JSON's structural bytes.
fn mutate(mut b: Vec<u8>, edits: &[(usize, u8, u8)]) -> Vec<u8> {
    const SPECIAL: &[u8] = b"{}[]\":,\\ 0-.eE\n/u\xff\x00";
    for &(at, kind, byte) in edits {
        let pick = if byte % 2 == 0 {
            SPECIAL[byte as usize % SPECIAL.len()]
        } else {
            byte
        };
        let at = if b.is_empty() { 0 } else { at % b.len() };
        match kind % 4 {
            0 if !b.is_empty() => b[at] = pick,
            1 => b.insert(at, pick),
            2 if !b.is_empty() => {
                b.remove(at);
            }
            _ => b.truncate(at),
        }
    }
    b
}

/// Touch every part of a parsed event, as the importer does.
fn parse_and_use(line: &[u8]) {
    if let Ok(ev) = parse_line(line)
        && let emergent_bluesky::Body::Commit(c) = &ev.body
    {
        let _ = (c.target(), c.is_reply(), c.text.as_deref());
    }
    if let Ok(text) = std::str::from_utf8(line) {
        let _ = emergent_bluesky::parse_line_str(text);
    }
}

proptest! {
    #[test]
    fn fuzz_jetstream_line(
        raw in proptest::collection::vec(any::<u8>(), 0..400),
        pick in any::<usize>(),
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..6),
    ) {
        parse_and_use(&raw);
        let mut seeds = capture_lines();
        seeds.extend(capture_text_old_layout().lines().map(str::to_string));
        let seed = seeds[pick % seeds.len()].clone().into_bytes();
        parse_and_use(&mutate(seed, &edits));
    }

    /// Whole captures of mutated lines through the threaded importer: no panic, no hang, and
    /// either an import or an error.
    #[test]
    fn fuzz_jetstream_capture(
        picks in proptest::collection::vec(any::<usize>(), 1..30),
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 0..8),
    ) {
        let lines = capture_lines();
        let mut text = Vec::new();
        for p in &picks {
            text.extend_from_slice(lines[p % lines.len()].as_bytes());
            text.push(b'\n');
        }
        let text = mutate(text, &edits);
        let dir = tempfile::tempdir().unwrap();
        let f = write(dir.path(), "c.jsonl", &text);
        let opts = ImportOptions { threads: 2, ..Default::default() };
        let _ = import_capture(&[f], &opts, &NoProgress);
    }
}
