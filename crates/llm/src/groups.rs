//! Which agents the LLM drives (`[[llm.groups]]`) and the persona text each group adds.

use emergent_scenario::LlmConfig;
use emergent_sim::AgentId;
use emergent_sim::rng::{AgentRng, mix64};

/// Purpose key of the group-share draw (distinct from the engine's purposes).
const GROUP_PURPOSE: u64 = 0x11_6d;

/// The group driving `agent`, if the LLM drives it at all (`usize::MAX`: no groups are
/// declared, so the LLM drives everyone).
pub fn group_of(cfg: &LlmConfig, seed: u64, agent: AgentId) -> Option<usize> {
    if !cfg.enabled {
        return None;
    }
    if cfg.groups.is_empty() {
        return Some(usize::MAX);
    }
    cfg.groups.iter().position(|g| {
        g.range.is_some_and(|[lo, hi]| (lo..hi).contains(&agent))
            || g.share.is_some_and(|s| {
                AgentRng::with_extra(seed, agent as u64, 0, GROUP_PURPOSE, mix64(s.to_bits()))
                    .chance(s)
            })
    })
}

/// Whether the LLM drives `agent`.
pub fn drives(cfg: &LlmConfig, seed: u64, agent: AgentId) -> bool {
    group_of(cfg, seed, agent).is_some()
}

/// Persona text of `agent`'s group (empty if none).
pub fn persona_of(cfg: &LlmConfig, seed: u64, agent: AgentId) -> &str {
    match group_of(cfg, seed, agent) {
        Some(g) if g < cfg.groups.len() => &cfg.groups[g].persona,
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use emergent_scenario::LlmGroup;

    #[test]
    fn groups_select_ranges_and_shares() {
        let mut c = LlmConfig {
            enabled: true,
            ..Default::default()
        };
        assert!(drives(&c, 1, 999), "no groups: everyone");
        c.groups.push(LlmGroup {
            name: "seeds".into(),
            range: Some([0, 20]),
            share: None,
            persona: "a journalist".into(),
        });
        assert!(drives(&c, 1, 19) && !drives(&c, 1, 20));
        assert_eq!(persona_of(&c, 1, 3), "a journalist");
        c.groups[0] = LlmGroup {
            name: "tenth".into(),
            range: None,
            share: Some(0.1),
            persona: String::new(),
        };
        let n = (0..10_000).filter(|&a| drives(&c, 7, a)).count();
        assert!((800..1200).contains(&n), "{n}");
        c.enabled = false;
        assert!(!drives(&c, 7, 0));
    }
}
