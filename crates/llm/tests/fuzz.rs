//! Property-based fuzzing of everything in emergent-llm that decodes outside input: the
//! completion parser (a model's answer), prompt templates (a user's file) and the replay
//! cache (a file on disk that may be damaged). No input may panic or hang; damaged cache
//! rows give an error or a miss. `PROPTEST_CASES` sets the number of cases.

use std::path::Path;

use emergent_llm::parse::{Schema, extract_object};
use emergent_llm::{ReplayCache, Template, cache_key, econ, social};
use proptest::prelude::*;

fn schemas() -> [Schema; 3] {
    [econ::schema(), social::schema(5), social::schema(0)]
}

/// Every parsed answer must respect its schema's bounds.
fn check_answer(schema: &Schema, text: &str) {
    let _ = extract_object(text);
    let Ok(p) = schema.parse(text) else {
        return;
    };
    for f in &schema.fields {
        let v = &p.values[f.name];
        if v.is_null() {
            assert!(!f.required, "required {} is null", f.name);
            continue;
        }
        match &f.kind {
            emergent_llm::parse::FieldKind::Number { min, max, .. } => {
                let x = v.as_f64().expect("a number");
                assert!(x >= *min && x <= *max, "{} = {x}", f.name);
            }
            emergent_llm::parse::FieldKind::Bool => assert!(v.is_boolean()),
            emergent_llm::parse::FieldKind::OptIndex { max } => {
                assert!(v.is_null() || v.as_u64().is_some_and(|i| i >= 1 && i <= *max as u64));
            }
            emergent_llm::parse::FieldKind::IndexList { max, len } => {
                let items = p.indices(f.name);
                assert!(items.len() <= *len);
                assert!(items.iter().all(|i| *i >= 1 && *i <= *max));
            }
        }
    }
}

/// A valid answer of either role, written the ways models write them.
fn valid_answer() -> impl Strategy<Value = String> {
    let num = prop_oneof![
        (-2.0f64..3.0).prop_map(|x| format!("{x}")),
        (-2.0f64..3.0).prop_map(|x| format!("\"{x:.2}\"")),
        (0u32..120).prop_map(|x| format!("\"{x}%\"")),
        Just("1e308".to_string()),
        Just("-0".to_string()),
        Just("\"NaN\"".to_string()),
        Just("\"inf\"".to_string()),
        Just("true".to_string()),
        Just("null".to_string()),
    ];
    let index = prop_oneof![
        (0u32..8).prop_map(|x| x.to_string()),
        Just("null".to_string()),
        Just("\"3\"".to_string()),
        Just("2.5".to_string()),
        Just("[1, 2, \"9\", -1, 1]".to_string()),
    ];
    (num.clone(), num.clone(), num, index.clone(), index).prop_map(|(a, b, c, i, j)| {
        format!(
            "{{\"work\": {a}, \"consumption\": {b}, \"stance\": {c}, \"post\": \"yes\", \
             \"post_stance\": {a}, \"like\": [{i}], \"reply_to\": {j}, \"repost\": {i},}}"
        )
    })
}

/// `text` with one of a few damages models and networks do: cut, doubled, fenced,
/// a character inserted or removed, nested deep.
fn damaged(text: String) -> impl Strategy<Value = String> {
    let n = text.len().max(1);
    let edits = prop_oneof![
        Just(0u8),
        Just(1u8),
        Just(2u8),
        Just(3u8),
        Just(4u8),
        Just(5u8)
    ];
    (
        edits,
        0..n,
        prop::sample::select(vec!['{', '}', '"', '\\', ',', '[', ']', ':', '\n', 'é']),
    )
        .prop_map(move |(edit, at, c)| {
            let mut at = at.min(text.len());
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            match edit {
                0 => text[..at].to_string(),
                1 => format!("{text}{text}"),
                2 => format!("Sure!\n```json\n{text}\n```\nHope this helps."),
                3 => format!("{}{c}{}", &text[..at], &text[at..]),
                4 => {
                    let mut s = text.clone();
                    if at < s.len() {
                        s.remove(at);
                    }
                    s
                }
                _ => format!("{}{text}{}", "{\"a\": ".repeat(200), "}".repeat(200)),
            }
        })
}

proptest! {
    #[test]
    fn fuzz_completion_parser(text in any::<String>()) {
        for s in schemas() {
            check_answer(&s, &text);
        }
    }

    #[test]
    fn fuzz_completion_parser_near_valid(text in valid_answer().prop_flat_map(damaged)) {
        for s in schemas() {
            check_answer(&s, &text);
        }
    }

    #[test]
    fn fuzz_completion_parser_json_soup(
        parts in prop::collection::vec(
            prop::sample::select(vec![
                "{", "}", "[", "]", "\"", "\\", ",", ":", " ", "\"work\"", "\"like\"",
                "0.5", "-1", "1e999", "true", "null", "\"x\"", "```", "\n",
            ]),
            0..200,
        )
    ) {
        let text: String = parts.concat();
        for s in schemas() {
            check_answer(&s, &text);
        }
    }

    #[test]
    fn fuzz_prompt_template(
        parts in prop::collection::vec(
            prop_oneof![
                Just("{{".to_string()),
                Just("}}".to_string()),
                Just("{".to_string()),
                Just("}".to_string()),
                Just("\n---\n".to_string()),
                Just("{{name}}".to_string()),
                Just("{{ month }}".to_string()),
                Just("{{fields}}".to_string()),
                "[a-z ]{0,6}".prop_map(|s| s),
                any::<String>(),
            ],
            0..30,
        ),
        value in any::<String>(),
    ) {
        let text: String = parts.concat();
        let allowed = ["name", "month", "fields"];
        if let Ok(t) = Template::parse(&text, Path::new("fuzz.md"), &allowed) {
            let vars: Vec<(&str, String)> =
                allowed.iter().map(|k| (*k, value.replace("{{", "{"))).collect();
            let messages = t.render(&vars);
            prop_assert!(!messages.is_empty());
            for m in &messages {
                for k in allowed {
                    let placeholder = format!("{{{{{k}}}}}");
                    prop_assert!(!m.content.contains(&placeholder), "{placeholder} left in {:?}", m.content);
                }
            }
        }
        let _ = Template::parse(&text, Path::new("fuzz.md"), emergent_llm::econ::PLACEHOLDERS);
    }

    #[test]
    fn fuzz_replay_cache_file(bytes in prop::collection::vec(any::<u8>(), 0..4096), flips in prop::collection::vec((any::<usize>(), any::<u8>()), 0..16)) {
        let dir = tempfile::tempdir().unwrap();
        // Arbitrary bytes as the cache file.
        let junk = dir.path().join("junk.sqlite");
        std::fs::write(&junk, &bytes).unwrap();
        exercise(&junk);
        // A real cache with bytes flipped.
        let real = dir.path().join("real.sqlite");
        let mut file = real_cache().to_vec();
        for (at, b) in flips {
            if !file.is_empty() {
                let n = file.len();
                file[at % n] ^= b;
            }
        }
        std::fs::write(&real, &file).unwrap();
        let _ = std::fs::remove_file(dir.path().join("real.sqlite-wal"));
        exercise(&real);
    }

    #[test]
    fn fuzz_replay_cache_rows(
        response in any_sql_value(),
        prompt_tokens in any_sql_value(),
        completion_tokens in any_sql_value(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.sqlite");
        std::fs::write(&path, real_cache()).unwrap();
        let key = cache_key("{}", 100, 2, 3);
        {
            let conn = rusqlite::Connection::open(&path).unwrap();
            // A damaged row: any SQLite value in the answer and token columns (the schema's
            // NOT NULL aside, which the table enforces).
            let _ = conn.execute(
                "INSERT INTO replies VALUES (?1, 1, 2, 3, '{}', ?2, ?3, ?4)",
                rusqlite::params![key, response, prompt_tokens, completion_tokens],
            );
        }
        let c = ReplayCache::open(&path).unwrap();
        if let Ok(Some(row)) = c.get(&key) {
            let _ = econ::schema().parse(row.text.as_deref().unwrap_or(""));
        }
    }
}

/// The bytes of a healthy cache with 20 rows (answers and recorded failures), built once.
fn real_cache() -> &'static [u8] {
    static BYTES: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    BYTES.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("real.sqlite");
        let c = ReplayCache::open(&path).unwrap();
        for i in 0..20u32 {
            let text = (i % 3 != 0).then(|| format!("{{\"work\": 0.{i}}}"));
            let v = emergent_llm::Cached {
                text,
                prompt_tokens: 10,
                completion_tokens: 3,
            };
            c.put(&cache_key("{}", i, 1, 7), i, 1, 7, "m", "{}", &v)
                .unwrap();
        }
        drop(c); // the last connection checkpoints the WAL into the file
        std::fs::read(&path).unwrap()
    })
}

fn any_sql_value() -> impl Strategy<Value = rusqlite::types::Value> {
    use rusqlite::types::Value as V;
    prop_oneof![
        Just(V::Null),
        any::<i64>().prop_map(V::Integer),
        any::<f64>().prop_map(V::Real),
        any::<String>().prop_map(V::Text),
        prop::collection::vec(any::<u8>(), 0..64).prop_map(V::Blob),
    ]
}

/// Open, read, write and count on a possibly damaged cache: errors are fine, panics not.
fn exercise(path: &Path) {
    let Ok(c) = ReplayCache::open(path) else {
        return;
    };
    for i in 0..20u32 {
        let key = cache_key("{}", i, 1, 7);
        if let Ok(Some(row)) = c.get(&key) {
            let _ = econ::schema().parse(row.text.as_deref().unwrap_or(""));
        }
    }
    let v = emergent_llm::Cached {
        text: Some("{}".into()),
        prompt_tokens: 1,
        completion_tokens: 1,
    };
    let _ = c.put(&cache_key("new", 0, 0, 0), 0, 0, 0, "m", "new", &v);
    let _ = c.len();
}
