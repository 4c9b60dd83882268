//! What the replay cache does with the file it is given: a text file or another program's
//! SQLite database is refused, naming it, and not modified; an empty file becomes a cache;
//! a cache of the old run-directory layout is upgraded when opened and copied (read-only)
//! when imported.

use emergent_llm::{Cached, ReplayCache, cache_key};
use rusqlite::Connection;

fn answer(text: &str) -> Cached {
    Cached {
        text: Some(text.into()),
        prompt_tokens: 3,
        completion_tokens: 2,
    }
}

#[test]
fn files_that_are_not_caches_are_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "hello, not a database\n".repeat(50)).unwrap();
    let db = dir.path().join("other.sqlite");
    {
        let c = Connection::open(&db).unwrap();
        c.execute_batch("CREATE TABLE users (name TEXT); INSERT INTO users VALUES ('ada');")
            .unwrap();
    }
    for (file, needle) in [
        (&notes, "not a SQLite database"),
        (
            &db,
            "not an emergent replay cache (application_id 0x0, tables: users)",
        ),
    ] {
        let before = std::fs::read(file).unwrap();
        let e = ReplayCache::open(file).err().expect("refused").to_string();
        assert!(
            e.contains(file.to_str().unwrap()) && e.contains(needle),
            "{e}"
        );
        assert_eq!(
            std::fs::read(file).unwrap(),
            before,
            "{} was modified",
            file.display()
        );
        assert!(!dir.path().join("other.sqlite-wal").exists());
    }
    let empty = dir.path().join("empty.sqlite");
    std::fs::write(&empty, "").unwrap();
    let c = ReplayCache::open(&empty).unwrap();
    assert!(c.is_empty().unwrap());
}

/// The old `llm-cache.sqlite`: the `replies` table of eight columns.
fn legacy(path: &std::path::Path, rows: u32) {
    let c = Connection::open(path).unwrap();
    c.execute_batch(
        "CREATE TABLE replies (key TEXT PRIMARY KEY, agent INTEGER NOT NULL, tick INTEGER NOT NULL,
         seed INTEGER NOT NULL, request TEXT NOT NULL, response TEXT,
         prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL);",
    )
    .unwrap();
    for i in 0..rows {
        let req = format!("{{\"model\":\"old-model\",\"i\":{i}}}");
        c.execute(
            "INSERT INTO replies VALUES (?1, ?2, 0, 7, ?3, 'yes', 1, 1)",
            rusqlite::params![cache_key(&req, i, 0, 7), i, req],
        )
        .unwrap();
    }
}

#[test]
fn an_old_run_directory_cache_is_imported_read_only_or_upgraded() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("llm-cache.sqlite");
    legacy(&old, 5);
    let before = std::fs::read(&old).unwrap();
    let shared = ReplayCache::open(&dir.path().join("shared.sqlite")).unwrap();
    shared
        .put(
            &cache_key("new", 0, 0, 7),
            0,
            0,
            7,
            "m",
            "new",
            &answer("x"),
        )
        .unwrap();
    assert_eq!(shared.import(&old).unwrap(), 5);
    assert_eq!(shared.import(&old).unwrap(), 0, "already there");
    assert_eq!(
        std::fs::read(&old).unwrap(),
        before,
        "the old file was modified"
    );
    let st = shared.stats().unwrap();
    assert_eq!(st.entries, 6);
    assert_eq!(st.by_model[0], ("old-model".to_string(), 5));
    let req = "{\"model\":\"old-model\",\"i\":3}";
    assert_eq!(
        shared.get(&cache_key(req, 3, 0, 7)).unwrap(),
        Some(Cached {
            text: Some("yes".into()),
            prompt_tokens: 1,
            completion_tokens: 1
        })
    );
    // Named as the cache itself, it is upgraded in place and keeps its answers.
    let upgraded = ReplayCache::open(&old).unwrap();
    assert_eq!(upgraded.len().unwrap(), 5);
    assert_eq!(
        upgraded.stats().unwrap().by_model,
        vec![("old-model".to_string(), 5)]
    );
    drop(upgraded);
    assert_eq!(
        emergent_llm::ReplayCache::open(&old)
            .unwrap()
            .len()
            .unwrap(),
        5
    );
}

#[test]
fn runs_record_hits_and_misses_and_prune_by_model() {
    let dir = tempfile::tempdir().unwrap();
    let c = ReplayCache::open(&dir.path().join("c.sqlite")).unwrap();
    for (i, m) in ["a", "a", "b"].iter().enumerate() {
        c.put(
            &cache_key(m, i as u32, 0, 1),
            i as u32,
            0,
            1,
            m,
            m,
            &answer("ok"),
        )
        .unwrap();
    }
    c.record_run("r1", 10, "a", 0, 3).unwrap();
    c.record_run("r2", 20, "a", 3, 0).unwrap();
    c.record_run("r2", 20, "a", 4, 1).unwrap();
    let st = c.stats().unwrap();
    assert_eq!(st.runs.len(), 2);
    assert_eq!(st.runs[0].id, "r2", "newest first");
    assert_eq!(st.hit_rate(), Some(4.0 / 8.0));
    let only_a = emergent_llm::PruneFilter {
        model: Some("a".into()),
        before: None,
    };
    assert_eq!(c.prune(&only_a, false).unwrap(), 2);
    assert_eq!(c.len().unwrap(), 3, "a dry run removes nothing");
    assert_eq!(c.prune(&only_a, true).unwrap(), 2);
    assert_eq!(c.stats().unwrap().by_model, vec![("b".to_string(), 1)]);
}
