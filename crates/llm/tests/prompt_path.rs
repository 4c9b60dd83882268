//! `llm.prompt` may only read a file inside the scenario's folder or the project's
//! `prompts/`, unless the user allows more (`--allow-prompt-path`): a shared scenario must
//! not send `/etc/passwd` to an endpoint. Refusals come before any request and before the
//! replay cache exists.

use std::path::{Path, PathBuf};
use std::time::Duration;

use emergent_llm::testing::MockServer;
use emergent_llm::{LlmRunOptions, econ_policy_for, validate};
use emergent_scenario::Scenario;

/// `scenarios/econagent.toml` with `prompt = …` as the first key of `[llm]` (line 29).
fn scenario_text(prompt: &str, base_url: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/econagent.toml");
    let text = std::fs::read_to_string(path).unwrap();
    text.replace(
        "[llm]\nenabled = true\nbase_url = \"http://localhost:11434/v1\"",
        &format!("[llm]\nprompt = {prompt:?}\nenabled = true\nbase_url = \"{base_url}\""),
    )
}

/// The scenario written to `dir/name`, and loaded from there.
fn scenario_in(dir: &Path, prompt: &str, base_url: &str) -> Scenario {
    std::fs::create_dir_all(dir).unwrap();
    let file = dir.join("scenario.toml");
    std::fs::write(&file, scenario_text(prompt, base_url)).unwrap();
    Scenario::from_path(&file).unwrap()
}

const TEMPLATE: &str = "You are {{name}}.\n---\nMonth {{month}}. Reply with JSON: {{fields}}";

fn allowing(dir: &Path, paths: &[PathBuf]) -> LlmRunOptions {
    LlmRunOptions {
        allow_prompt_paths: paths.to_vec(),
        ..LlmRunOptions::in_dir(dir)
    }
}

#[test]
fn a_prompt_climbing_out_to_etc_passwd_is_refused_without_the_flag() {
    let tmp = tempfile::tempdir().unwrap();
    let server = MockServer::healthy(Duration::ZERO);
    let folder = tmp.path().join("shared/scenarios");
    let s = scenario_in(
        &folder,
        "../../../../../../../../../../etc/passwd",
        &server.base_url,
    );
    let run_dir = tmp.path().join("run");
    let err = econ_policy_for(&s, &LlmRunOptions::in_dir(&run_dir))
        .err()
        .expect("refused")
        .to_string();
    let file = folder.join("scenario.toml").display().to_string();
    assert!(err.starts_with(&format!("{file}:29:10: ")), "{err}");
    assert!(err.contains("resolves to /etc/passwd"), "{err}");
    assert!(err.contains("outside the scenario's folder"), "{err}");
    assert!(err.contains("--allow-prompt-path /etc/passwd"), "{err}");
    assert_eq!(server.requests(), 0);
    assert!(
        !run_dir.exists(),
        "nothing is cached for a refused scenario"
    );
    assert!(validate(&s, &LlmRunOptions::in_dir(&run_dir)).is_err());

    // An absolute path outside is refused the same way.
    let s = scenario_in(&folder, "/etc/passwd", &server.base_url);
    let err = validate(&s, &LlmRunOptions::in_dir(&run_dir)).unwrap_err();
    assert!(err.to_string().contains("outside"), "{err}");
}

#[test]
fn the_same_prompt_is_read_when_the_user_allows_it() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("elsewhere");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("mine.md"), TEMPLATE).unwrap();
    let folder = tmp.path().join("scenarios");
    let s = scenario_in(&folder, "../elsewhere/mine.md", "http://127.0.0.1:9/v1");
    let run = tmp.path().join("run");
    assert!(validate(&s, &allowing(&run, &[])).is_err());
    validate(&s, &allowing(&run, std::slice::from_ref(&outside))).unwrap();
    validate(&s, &allowing(&run, &[outside.join("mine.md")])).unwrap();
    // /etc/passwd itself, allowed by name, is read (it has no placeholders to refuse).
    if Path::new("/etc/passwd").is_file() {
        let s = scenario_in(&folder, "../../../../../../../../etc/passwd", "http://x/v1");
        validate(&s, &allowing(&run, &["/etc/passwd".into()])).unwrap();
    }
    // An allowed path that does not exist is an error naming the flag.
    let err = validate(&s, &allowing(&run, &[tmp.path().join("nope")])).unwrap_err();
    assert!(err.to_string().starts_with("--allow-prompt-path "), "{err}");
}

#[test]
fn files_inside_the_scenario_folder_need_no_flag() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = tmp.path().join("scenarios");
    std::fs::create_dir_all(folder.join("prompts")).unwrap();
    std::fs::write(folder.join("prompts/mine.md"), TEMPLATE).unwrap();
    let run = tmp.path().join("run");
    let s = scenario_in(&folder, "prompts/mine.md", "http://x/v1");
    validate(&s, &allowing(&run, &[])).unwrap();
    // `..` that stays inside is fine.
    let s = scenario_in(&folder, "prompts/../prompts/mine.md", "http://x/v1");
    validate(&s, &allowing(&run, &[])).unwrap();
}

#[cfg(unix)]
#[test]
fn a_symlink_leading_out_of_the_scenario_folder_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let secret = tmp.path().join("secret");
    std::fs::create_dir_all(&secret).unwrap();
    std::fs::write(secret.join("key.md"), TEMPLATE).unwrap();
    let folder = tmp.path().join("scenarios");
    std::fs::create_dir_all(&folder).unwrap();
    std::os::unix::fs::symlink(secret.join("key.md"), folder.join("innocent.md")).unwrap();
    std::os::unix::fs::symlink(&secret, folder.join("sub")).unwrap();
    let run = tmp.path().join("run");
    for prompt in ["innocent.md", "sub/key.md"] {
        let s = scenario_in(&folder, prompt, "http://x/v1");
        let err = validate(&s, &allowing(&run, &[])).unwrap_err().to_string();
        assert!(err.contains("outside the scenario's folder"), "{err}");
        validate(&s, &allowing(&run, std::slice::from_ref(&secret))).unwrap();
    }
}

#[test]
fn a_folder_or_a_huge_file_is_not_read_as_a_prompt() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = tmp.path().join("scenarios");
    std::fs::create_dir_all(folder.join("dir")).unwrap();
    let big = "x".repeat(emergent_llm::prompt_path::MAX_TEMPLATE_BYTES as usize + 1);
    std::fs::write(folder.join("big.md"), big).unwrap();
    std::fs::write(folder.join("binary.md"), [0xff, 0xfe, 0x00]).unwrap();
    let run = tmp.path().join("run");
    for (prompt, why) in [
        ("dir", "not a regular file"),
        ("big.md", "larger than"),
        ("binary.md", "not UTF-8"),
        ("missing.md", "cannot read"),
    ] {
        let s = scenario_in(&folder, prompt, "http://x/v1");
        let err = validate(&s, &allowing(&run, &[])).unwrap_err().to_string();
        assert!(
            err.contains(why) && err.contains(":29:10:"),
            "{prompt}: {err}"
        );
    }
}
