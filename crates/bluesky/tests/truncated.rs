//! A compressed capture that stops mid-stream: an error naming the byte offset and no output,
//! unless partial imports are allowed.

mod common;

use common::*;
use emergent_attribution::NoProgress;
use emergent_bluesky::{BlueskyError, ImportOptions, import_to_dir};

/// The known capture repeated (with fresh record keys per copy) until the zstd stream spans
/// many blocks, so that half of it still decodes to whole lines.
fn long_capture() -> String {
    let mut text = String::new();
    for copy in 0..3000 {
        text.push_str(&capture_text().replace(
            "3kaaaaaaa",
            &format!(
                "3k{:a>7}",
                format!("{copy}").replace(['0', '1', '8', '9'], "c")
            ),
        ));
    }
    text
}

#[test]
fn truncated_zstd_is_an_error_with_the_offset_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let full = zstd(long_capture().as_bytes());
    let cut = full.len() / 2;
    let f = write(dir.path(), "cut.jsonl.zst", &full[..cut]);
    let out = dir.path().join("out");
    let err = import_to_dir(
        std::slice::from_ref(&f),
        &out,
        &ImportOptions::default(),
        &NoProgress,
    )
    .unwrap_err();
    match &err {
        BlueskyError::Truncated {
            offset,
            file_len,
            path,
            ..
        } => {
            assert_eq!((*offset, *file_len), (cut as u64, cut as u64));
            assert_eq!(path, &f);
        }
        other => panic!("expected a truncation error, got {other}"),
    }
    let msg = err.to_string();
    assert!(
        msg.contains(&format!("byte {cut}")) && msg.contains("--allow-partial"),
        "{msg}"
    );
    assert!(!out.exists(), "nothing may be written");

    // With allow_partial: the whole lines before the break are imported and the break is noted.
    let opts = ImportOptions {
        allow_partial: true,
        ..Default::default()
    };
    let r = import(&[f], &out, &opts);
    assert_eq!(r.files[0].truncated_at, Some(cut as u64));
    let per_copy = 26;
    assert!(
        r.counts.events > 100 * per_copy && r.counts.events < 3000 * per_copy,
        "{}",
        r.counts.events
    );
    assert!(out.join("features.parquet").exists() && out.join("import.json").exists());
}

#[test]
fn truncated_gzip_is_an_error_too_and_an_earlier_import_survives() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let good = write(dir.path(), "good.jsonl", capture_text().as_bytes());
    import(std::slice::from_ref(&good), &out, &ImportOptions::default());
    let before = std::fs::read(out.join("features.parquet")).unwrap();

    let full = gzip(long_capture().as_bytes());
    let cut = full.len() * 3 / 4;
    let f = write(dir.path(), "cut.jsonl.gz", &full[..cut]);
    // The good file first, then the broken one: still an error, and the old outputs stay
    // (even when replacing them was allowed).
    let force = ImportOptions {
        force: true,
        ..Default::default()
    };
    let err = import_to_dir(&[good, f], &out, &force, &NoProgress).unwrap_err();
    assert!(
        matches!(err, BlueskyError::Truncated { offset, .. } if offset == cut as u64),
        "{err}"
    );
    assert_eq!(std::fs::read(out.join("features.parquet")).unwrap(), before);
}

#[test]
fn missing_and_unknown_files_fail_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let err = import_to_dir(
        &[dir.path().join("nope.jsonl")],
        &out,
        &ImportOptions::default(),
        &NoProgress,
    )
    .unwrap_err();
    assert!(matches!(err, BlueskyError::Io { .. }), "{err}");
    let csv = write(dir.path(), "x.csv", b"a,b\n");
    let err = import_to_dir(&[csv], &out, &ImportOptions::default(), &NoProgress).unwrap_err();
    assert!(matches!(err, BlueskyError::UnknownFormat { .. }), "{err}");
    let ok = write(dir.path(), "ok.jsonl", capture_text().as_bytes());
    let bad_window = ImportOptions {
        since: Some(10),
        until: Some(10),
        ..Default::default()
    };
    assert!(import_to_dir(&[ok], &out, &bad_window, &NoProgress).is_err());
    assert!(!out.exists());
}
