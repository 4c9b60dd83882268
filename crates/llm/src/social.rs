//! Social agents over an LLM: an LLM-driven agent reads its ranked feed and answers with
//! its updated stance and what it posts, likes, replies to and reposts. Agents outside the
//! scenario's LLM groups, and any request that falls back, use the surrogate policy.
//! Memory is the agent's own recent items in the world (checkpointed with it).

use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use emergent_scenario::LlmConfig;
use emergent_sim::feed::Feeds;
use emergent_sim::items::ItemKind;
use emergent_sim::policy::{DecisionOutcome, DecisionRecord, DecisionView};
use emergent_sim::rng::AgentRng;
use emergent_sim::{Action, AgentId, Decision, DecisionContext, ItemId, Policy, World};

use crate::engine::{Driver, Job, Outcome};
use crate::parse::{Field, FieldKind, Parsed, Schema};
use crate::prompt::{Template, builtin};

/// Placeholders of the social template.
pub const PLACEHOLDERS: &[&str] = &[
    "topic", "persona", "stance", "tick", "memory", "feed", "fields",
];

/// Most likes one answer may give.
const MAX_LIKES: usize = 3;

/// The answer's shape for a feed of at most `feed_size` items.
pub fn schema(feed_size: usize) -> Schema {
    let max = feed_size.max(1) as u32;
    let stance = |name, required, description| Field {
        name,
        kind: FieldKind::Number {
            min: -1.0,
            max: 1.0,
            step: 0.0,
            clamp: true,
        },
        required,
        description,
    };
    Schema {
        name: "social_action",
        fields: vec![
            stance("stance", true, "your stance after reading, -1 to 1"),
            Field {
                name: "post",
                kind: FieldKind::Bool,
                required: false,
                description: "true to write a new post",
            },
            stance("post_stance", false, "stance your post expresses, -1 to 1"),
            Field {
                name: "like",
                kind: FieldKind::IndexList {
                    max,
                    len: MAX_LIKES,
                },
                required: false,
                description: "feed numbers you like (at most 3)",
            },
            Field {
                name: "reply_to",
                kind: FieldKind::OptIndex { max },
                required: false,
                description: "feed number you reply to, or null",
            },
            stance(
                "reply_stance",
                false,
                "stance your reply expresses, -1 to 1",
            ),
            Field {
                name: "repost",
                kind: FieldKind::OptIndex { max },
                required: false,
                description: "feed number you repost, or null",
            },
        ],
    }
}

/// The LLM-driven social policy (with the surrogate for everyone else).
pub struct LlmSocialPolicy {
    driver: Driver,
    cfg: LlmConfig,
    seed: u64,
    topic: String,
    template: Template,
    schema: Arc<Schema>,
    surrogate: Box<dyn Policy>,
    /// The decisions of LLM-driven agents since the runner last took them.
    log: Mutex<Vec<DecisionRecord>>,
}

fn words(s: f64) -> &'static str {
    match s {
        s if s <= -0.6 => "strongly against",
        s if s <= -0.2 => "against",
        s if s < 0.2 => "undecided",
        s if s < 0.6 => "in favour",
        _ => "strongly in favour",
    }
}

/// The template of a social world's LLM agents: the scenario's own (from an allowed place)
/// or the built-in one. Loaded before anything else, so a bad prompt fails before any file
/// is written or any request is made.
pub(crate) fn template(
    scenario: &emergent_scenario::Scenario,
    run: &crate::LlmRunOptions,
) -> Result<Template, crate::LlmError> {
    Template::for_scenario(
        scenario,
        run,
        builtin::SOCIAL,
        "prompts/social.md",
        PLACEHOLDERS,
    )
}

impl LlmSocialPolicy {
    pub(crate) fn new(
        driver: Driver,
        scenario: &emergent_scenario::Scenario,
        surrogate: Box<dyn Policy>,
        template: Template,
    ) -> Self {
        let cfg = &scenario.llm;
        let topic = if scenario.scenario.description.is_empty() {
            scenario.scenario.name.clone()
        } else {
            scenario.scenario.description.clone()
        };
        Self {
            driver,
            cfg: cfg.clone(),
            seed: scenario.scenario.seed,
            topic,
            template,
            schema: Arc::new(schema(scenario.feed.size)),
            surrogate,
            log: Mutex::new(Vec::new()),
        }
    }

    /// The record of LLM-driven decision `d` of the agent at `feeds` position `i`.
    fn record(
        &self,
        world: &World,
        feeds: &Feeds,
        i: usize,
        d: &Decision,
        fell_back: bool,
    ) -> DecisionRecord {
        let agent = feeds.agents[i];
        let view = DecisionView::of(world, agent, feeds.feed(i));
        let group = crate::groups::group_of(&self.cfg, self.seed, agent)
            .filter(|&g| g < self.cfg.groups.len())
            .unwrap_or(0) as u32;
        DecisionRecord {
            agent,
            tick: world.tick,
            group,
            fell_back,
            outcome: DecisionOutcome::of(d, feeds.feed(i), view.stance),
            view,
        }
    }

    fn prompt(&self, world: &World, agent: AgentId, feed: &[ItemId]) -> Job {
        let items = &world.items;
        let a = agent as usize;
        let stance = world.population.stance(agent, 0);
        let mut persona = String::new();
        let group = crate::groups::persona_of(&self.cfg, self.seed, agent);
        if !group.is_empty() {
            persona.push_str(group);
            persona.push(' ');
        }
        persona.push_str(if world.population.susceptibility[a] > 0.6 {
            "You are open to changing your mind."
        } else if world.population.susceptibility[a] < 0.3 {
            "You rarely change your mind."
        } else {
            "You weigh other views with some care."
        });
        let mine: Vec<ItemId> = items.recent_of(agent).collect();
        let k = self.cfg.memory;
        let memory = if mine.is_empty() || k == 0 {
            "- (none yet)".to_string()
        } else {
            mine.iter()
                .rev()
                .take(k)
                .map(|&i| {
                    let s = items.stance[i as usize] as f64;
                    format!("- day {}: {} ({s:+.2})", items.tick[i as usize], words(s))
                })
                .collect::<Vec<_>>()
                .join("\n")
        };
        let feed_text = if feed.is_empty() {
            "(your feed is empty)".to_string()
        } else {
            feed.iter()
                .enumerate()
                .map(|(n, &i)| {
                    let i = i as usize;
                    let kind = match items.kind[i] {
                        ItemKind::Post => "post",
                        ItemKind::Reply => "reply",
                        ItemKind::Repost => "repost",
                        ItemKind::Quote => "quote",
                    };
                    let s = items.stance[i] as f64;
                    format!(
                        "{}. @user{} ({kind}) stance {s:+.2}, {} likes, {} shares: \"I am {} on this.\"",
                        n + 1,
                        items.author[i],
                        items.likes[i],
                        items.shares[i],
                        words(s)
                    )
                })
                .collect::<Vec<_>>()
                .join("\n")
        };
        let vars = [
            ("topic", self.topic.clone()),
            ("persona", persona),
            ("stance", format!("{stance:+.2}")),
            ("tick", world.tick.to_string()),
            ("memory", memory),
            ("feed", feed_text),
            ("fields", self.schema.describe()),
        ];
        Job {
            agent,
            tick: world.tick,
            messages: self.template.render(&vars),
        }
    }
}

/// The actions an answer asks for; feed numbers beyond the feed are dropped.
pub fn actions_of(p: &Parsed, feed: &[ItemId]) -> Decision {
    let mut d = Decision::none();
    let item = |n: u32| feed.get((n as usize).checked_sub(1)?).copied();
    let stance = p.num("stance");
    d.push(Action::SetStance {
        topic: 0,
        value: stance,
    });
    if p.flag("post") {
        let s = p
            .values
            .get("post_stance")
            .and_then(|v| v.as_f64())
            .unwrap_or(stance);
        d.push(Action::Post {
            topic: 0,
            stance: s as f32,
        });
    }
    for n in p.indices("like") {
        if let Some(i) = item(n) {
            d.push(Action::Like { item: i });
        }
    }
    if let Some(i) = p.index("reply_to").and_then(item) {
        let s = p
            .values
            .get("reply_stance")
            .and_then(|v| v.as_f64())
            .unwrap_or(stance);
        d.push(Action::Reply {
            parent: i,
            stance: s as f32,
        });
    }
    if let Some(i) = p.index("repost").and_then(item) {
        d.push(Action::Repost { parent: i });
    }
    d
}

impl Policy for LlmSocialPolicy {
    fn name(&self) -> &'static str {
        "social_llm"
    }

    /// A `set` intervention changes the surrogate's parameters (those of everyone the LLM
    /// does not drive, and of fallbacks); prompts do not quote them.
    fn reconfigure(&mut self, cfg: &emergent_scenario::PolicyConfig) -> bool {
        self.surrogate.reconfigure(cfg)
    }

    /// A lone decision (outside a batch) is the surrogate's: the LLM path is batched.
    fn decide(&self, ctx: &DecisionContext<'_>, rng: &mut AgentRng) -> Decision {
        self.surrogate.decide(ctx, rng)
    }

    fn decide_batch(&self, world: &World, feeds: &Feeds) -> Vec<Decision> {
        let llm: Vec<usize> = (0..feeds.len())
            .filter(|&i| crate::groups::drives(&self.cfg, self.seed, feeds.agents[i]))
            .collect();
        let jobs = llm
            .par_iter()
            .with_min_len(64)
            .map(|&i| self.prompt(world, feeds.agents[i], feeds.feed(i)))
            .collect();
        let outcomes = self.driver.decide_all(jobs, &self.schema);
        let mut out = self.surrogate.decide_batch(world, feeds);
        let mut records = Vec::with_capacity(llm.len());
        for (&i, o) in llm.iter().zip(outcomes) {
            // A fallback keeps the surrogate's decision, from the agent's own keyed stream.
            let decided = matches!(o, Outcome::Decided(_));
            if let Outcome::Decided(p) = o {
                out[i] = actions_of(&p, feeds.feed(i));
            }
            records.push(self.record(world, feeds, i, &out[i], !decided));
        }
        if let Ok(mut log) = self.log.lock() {
            log.extend(records);
        }
        out
    }

    fn take_decision_log(&self) -> Vec<DecisionRecord> {
        self.log
            .lock()
            .map(|mut l| std::mem::take(&mut *l))
            .unwrap_or_default()
    }

    fn stats(&self) -> Vec<(String, f64)> {
        let mut v = self.driver.engine.stats.snapshot();
        v.extend(self.driver.engine.endpoint_stats());
        v
    }

    fn halt(&self) -> Option<emergent_sim::policy::PolicyHalt> {
        self.driver.engine.halt()
    }
}
