//! A short self-description of an agent for LLM prompts, derived from its attributes
//! (generated on demand rather than stored: 1e6 strings would cost more memory than all
//! numeric state together).

use emergent_sim::AgentId;
use emergent_sim::population::Population;

/// `agent`'s community, stance on the first topic, activity and openness, in words.
pub fn persona(population: &Population, agent: AgentId) -> String {
    let a = agent as usize;
    let s = population.stance(agent, 0);
    let lean = match s {
        x if x < -0.6 => "strongly against",
        x if x < -0.2 => "leaning against",
        x if x <= 0.2 => "undecided about",
        x if x <= 0.6 => "leaning in favour of",
        _ => "strongly in favour of",
    };
    let act = match population.activity[a] {
        x if x < 0.05 => "rarely posts",
        x if x < 0.3 => "posts now and then",
        _ => "posts a lot",
    };
    let open = match population.susceptibility[a] {
        x if x < 0.33 => "hard to persuade",
        x if x < 0.66 => "somewhat open to persuasion",
        _ => "easily persuaded",
    };
    format!(
        "User {agent} from community {}; {lean} the topic (stance {s:+.2}); {act}; {open}.",
        population.community[a]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use emergent_scenario::PopulationConfig;

    #[test]
    fn persona_names_the_community() {
        let cfg = PopulationConfig {
            agents: 10,
            ..Default::default()
        };
        let p = Population::generate(&cfg, 1);
        assert!(persona(&p, 3).contains("community 0"));
    }
}
