//! `[[interventions]]`: what changes during a run, from which tick, for whom — a ban
//! (`silence`), seeded items (`inject`), feed weights (`boost`, `downrank`), a feed or policy
//! setting (`feed`, `set`), follow edits (`follow`, `unfollow`).
//!
//! The list is plain data: a program builds one as easily as a file declares it (the
//! constructors below), and the engine applies it (`emergent-sim`'s `interventions`). The
//! effective `[feed]` and `[policy]` at any tick are a pure function of the scenario and the
//! tick ([`Scenario::setting_changes`]): a resumed run needs nothing more than the scenario.

use serde::{Deserialize, Serialize};

use crate::feed::FeedConfig;
use crate::location::{KeySeg, Problem, Problems};
use crate::partition::PartitionMethod;
use crate::policy::{PolicyConfig, PolicyKind};
use crate::scenario::Scenario;

/// Most `[[interventions]]`.
pub const MAX_INTERVENTIONS: usize = 1000;

/// Longest intervention label (it is drawn on plots).
pub const MAX_LABEL: usize = 64;

/// What an intervention does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InterventionKind {
    #[default]
    /// A ban: the targets' items stop reaching anyone (no new items, their recent ones and
    /// reposts of their posts leave every feed) and their likes, follow edits, influences and
    /// trades are refused. They still read and update their own stance.
    Silence,
    /// The targets each post an item on `topic` with `stance` (at `at`, or at every tick of
    /// `from..to`).
    Inject,
    /// Multiply the ranking score of the targets' items in feeds by `factor` (≥ 1).
    Boost,
    /// Divide the ranking score of the targets' items in feeds by `factor` (≥ 1).
    Downrank,
    /// Change `[feed]` settings (the table `set`) while active.
    Feed,
    /// Change one `[policy]` or `[feed]` setting (`key`, `value`) while active.
    Set,
    /// The targets follow `accounts` (once, at `at`).
    Follow,
    /// The targets unfollow `accounts` (once, at `at`).
    Unfollow,
}

impl InterventionKind {
    /// The name a scenario file uses.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Silence => "silence",
            Self::Inject => "inject",
            Self::Boost => "boost",
            Self::Downrank => "downrank",
            Self::Feed => "feed",
            Self::Set => "set",
            Self::Follow => "follow",
            Self::Unfollow => "unfollow",
        }
    }

    /// Whether it acts on chosen agents (then exactly one selector is required).
    pub fn has_targets(&self) -> bool {
        !matches!(self, Self::Feed | Self::Set)
    }

    /// Whether it holds over a window (`at` = from then on); else it acts at single ticks.
    pub fn lasts(&self) -> bool {
        !matches!(self, Self::Inject | Self::Follow | Self::Unfollow)
    }
}

/// `top = { feature = "followers", k = 10 }` (or `share = 0.01`): the agents with the highest
/// values of a feature at the intervention's first tick, ties to the lower id.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopSelector {
    /// A feature column name (as in `features.parquet`).
    pub feature: String,
    /// How many agents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub k: Option<u64>,
    /// Or which share of the population (k = ⌈share·N⌉).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share: Option<f64>,
}

impl TopSelector {
    /// How many agents of `agents` it picks.
    pub fn count(&self, agents: usize) -> usize {
        match (self.k, self.share) {
            (Some(k), _) => (k as usize).min(agents),
            (None, Some(s)) => ((s * agents as f64).ceil() as usize).min(agents),
            (None, None) => 0,
        }
    }
}

/// Who an intervention acts on: exactly one of its selectors.
#[derive(Clone, Debug, PartialEq)]
pub enum Selector<'a> {
    /// These agent ids.
    Ids(&'a [u32]),
    /// Agents `lo..hi`.
    Range(u32, u32),
    /// Each agent with probability `share`, from its own stream keyed by the scenario seed
    /// (so the same agents in every replicate, and a smaller share picks a subset).
    Share(f64),
    /// The agents of one community (`population.communities`, the SBM blocks).
    Community(u32),
    /// The top agents by a feature at the first tick.
    Top(&'a TopSelector),
    /// The first k bot accounts (`population.bots`): ids N − bots … N − bots + k − 1.
    Bots(u32),
}

/// One `[[interventions]]` entry.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InterventionConfig {
    /// What it does.
    pub kind: InterventionKind,
    /// The one tick it acts at (inject, follow, unfollow), or from which it holds to the end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<u32>,
    /// First tick of a window (instead of `at`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<u32>,
    /// End of the window, exclusive (default: the end of the run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<u32>,
    /// A short name for the report's plots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Selector: these agent ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ids: Option<Vec<u32>>,
    /// Selector: agents `[lo, hi)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<[u32; 2]>,
    /// Selector: a keyed-random share of the agents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share: Option<f64>,
    /// Selector: one community.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub community: Option<u32>,
    /// Selector: the top agents by a feature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top: Option<TopSelector>,
    /// Selector: the first k bot accounts (`population.bots`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bots: Option<u32>,
    /// `inject`: the topic of the items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<u16>,
    /// `inject`: the stance they express.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stance: Option<f64>,
    /// `boost`/`downrank`: the weight.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factor: Option<f64>,
    /// `set`: the setting, e.g. `policy.bounded_confidence.epsilon`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// `set`: its value from the intervention on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<toml::Value>,
    /// `feed`: `[feed]` keys and their values, e.g. `{ ranking = "chronological" }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set: Option<toml::Table>,
    /// `follow`/`unfollow`: the accounts followed or unfollowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accounts: Option<Vec<u32>>,
}

impl InterventionConfig {
    /// Silence `ids` from tick `from` to the end (a program's ban, e.g. a coalition's
    /// complement in a game over groups).
    pub fn silence(ids: Vec<u32>, from: u32) -> Self {
        Self {
            kind: InterventionKind::Silence,
            from: Some(from),
            ids: Some(ids),
            ..Default::default()
        }
    }

    /// `ids` each post one item on `topic` with `stance` at tick `at`.
    pub fn inject(ids: Vec<u32>, at: u32, topic: u16, stance: f64) -> Self {
        Self {
            kind: InterventionKind::Inject,
            at: Some(at),
            ids: Some(ids),
            topic: Some(topic),
            stance: Some(stance),
            ..Default::default()
        }
    }

    /// First tick it acts at.
    pub fn start(&self) -> u32 {
        self.at.or(self.from).unwrap_or(0)
    }

    /// End of its window, exclusive: `at` alone is one tick for a single-tick kind and the
    /// rest of the run (`ticks`) for a lasting one.
    pub fn end(&self, ticks: u32) -> u32 {
        match (self.at, self.to) {
            (Some(at), _) if !self.kind.lasts() => at.saturating_add(1),
            (_, Some(to)) => to,
            _ => ticks,
        }
    }

    /// Whether it acts at tick `t` of a run of `ticks`.
    pub fn active_at(&self, t: u32, ticks: u32) -> bool {
        (self.start()..self.end(ticks)).contains(&t)
    }

    /// Its selector, if it has exactly one.
    pub fn selector(&self) -> Option<Selector<'_>> {
        let mut all = self.selectors();
        (all.len() == 1).then(|| all.remove(0))
    }

    fn selectors(&self) -> Vec<Selector<'_>> {
        let mut out = Vec::new();
        if let Some(ids) = &self.ids {
            out.push(Selector::Ids(ids));
        }
        if let Some([lo, hi]) = self.range {
            out.push(Selector::Range(lo, hi));
        }
        if let Some(s) = self.share {
            out.push(Selector::Share(s));
        }
        if let Some(c) = self.community {
            out.push(Selector::Community(c));
        }
        if let Some(t) = &self.top {
            out.push(Selector::Top(t));
        }
        if let Some(k) = self.bots {
            out.push(Selector::Bots(k));
        }
        out
    }

    /// The keys present that only some kinds take, with the kinds that take them.
    fn kind_keys(&self) -> [(&'static str, bool, &'static [InterventionKind]); 7] {
        use InterventionKind::*;
        [
            ("topic", self.topic.is_some(), &[Inject]),
            ("stance", self.stance.is_some(), &[Inject]),
            ("factor", self.factor.is_some(), &[Boost, Downrank]),
            ("key", self.key.is_some(), &[Set]),
            ("value", self.value.is_some(), &[Set]),
            ("set", self.set.is_some(), &[Feed]),
            ("accounts", self.accounts.is_some(), &[Follow, Unfollow]),
        ]
    }
}

impl Scenario {
    /// Problems of `population.bots` with the rest of the scenario: bots are accounts of a
    /// social world named by id.
    pub(crate) fn bot_problems(&self) -> Vec<Problem> {
        let mut p = Problems::default();
        if self.population.bots > 0 {
            p.check(
                self.econ.is_none(),
                &["population", "bots"],
                "an [econ] scenario has no accounts to post from: it takes no bots".into(),
            );
            p.check(
                self.partition.method != PartitionMethod::Metis,
                &["population", "bots"],
                "bots are the last agent ids, which partition.method = \"metis\" renames: use \
                 the contiguous partition"
                    .into(),
            );
        }
        p.0
    }
}

/// The key path `interventions[i].rest…`.
fn path(i: usize, rest: &[&'static str]) -> Vec<KeySeg> {
    let mut p = vec![KeySeg::Key("interventions"), KeySeg::Index(i)];
    p.extend(rest.iter().map(|&k| KeySeg::Key(k)));
    p
}

impl Scenario {
    /// Problems of `[[interventions]]`, each located at its entry's key.
    pub(crate) fn intervention_problems(&self) -> Vec<Problem> {
        let list = &self.interventions;
        let mut out = Vec::new();
        if list.is_empty() {
            return out;
        }
        if list.len() > MAX_INTERVENTIONS {
            out.push((
                path(MAX_INTERVENTIONS, &[]),
                format!("at most {MAX_INTERVENTIONS} [[interventions]]"),
            ));
            return out;
        }
        if self.econ.is_some() {
            out.push((
                path(0, &["kind"]),
                "an [econ] scenario takes no [[interventions]] (they act on a social world)".into(),
            ));
            return out;
        }
        if self.partition.method == PartitionMethod::Metis {
            out.push((
                path(0, &[]),
                "[[interventions]] name agents by id, which partition.method = \"metis\" \
                 renames: use the contiguous partition"
                    .into(),
            ));
            return out;
        }
        for (i, iv) in list.iter().enumerate() {
            out.extend(
                self.one_intervention_problems(iv)
                    .into_iter()
                    .map(|(p, m)| {
                        let mut full = path(i, &[]);
                        full.extend(p);
                        (full, m)
                    }),
            );
        }
        out
    }

    /// Problems of one entry, with paths relative to it.
    fn one_intervention_problems(&self, iv: &InterventionConfig) -> Vec<Problem> {
        let mut p = Problems::default();
        let kind = iv.kind.name();
        self.timing_problems(iv, &mut p);
        if let Some(label) = &iv.label {
            p.check(
                !label.is_empty() && label.chars().count() <= MAX_LABEL && !label.contains('\n'),
                &["label"],
                format!("must be one line of 1 to {MAX_LABEL} characters"),
            );
        }
        let selectors = iv.selectors().len();
        if iv.kind.has_targets() {
            p.check(
                selectors == 1,
                &["kind"],
                format!(
                    "`{kind}` needs exactly one target selector (ids, range, share, community, \
                     top or bots), got {selectors}"
                ),
            );
            self.selector_problems(iv, &mut p);
        } else {
            p.check(
                selectors == 0,
                &["kind"],
                format!("`{kind}` acts on everyone: it takes no target selector"),
            );
        }
        for (key, present, kinds) in iv.kind_keys() {
            p.check(
                !present || kinds.contains(&iv.kind),
                &[key],
                format!(
                    "`{key}` does not apply to kind `{kind}` (only to {})",
                    kinds
                        .iter()
                        .map(|k| k.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
        self.kind_problems(iv, &mut p);
        p.0
    }

    fn timing_problems(&self, iv: &InterventionConfig, p: &mut Problems) {
        let ticks = self.scenario.ticks;
        let last = ticks.saturating_sub(1) as u64;
        match (iv.at, iv.from) {
            (Some(_), Some(_)) => p.check(false, &["from"], "give `at` or `from`, not both".into()),
            (None, None) => p.check(
                false,
                &["kind"],
                "needs a tick: `at = T` or `from = T` (with an optional `to`)".into(),
            ),
            (Some(at), None) => {
                p.count(&["at"], at.into(), 0, last);
                p.check(
                    iv.to.is_none(),
                    &["to"],
                    "`to` goes with `from`, not `at`".into(),
                );
            }
            (None, Some(from)) => {
                p.count(&["from"], from.into(), 0, last);
                p.check(
                    !matches!(
                        iv.kind,
                        InterventionKind::Follow | InterventionKind::Unfollow
                    ),
                    &["from"],
                    "follow edits happen once: use `at`".into(),
                );
                if let Some(to) = iv.to {
                    p.count(&["to"], to.into(), from as u64 + 1, ticks.into());
                }
            }
        }
    }

    fn selector_problems(&self, iv: &InterventionConfig, p: &mut Problems) {
        let n = self.population.agents;
        if let Some(ids) = &iv.ids {
            p.check(
                !ids.is_empty(),
                &["ids"],
                "must list at least one agent".into(),
            );
            if let Some(a) = ids.iter().find(|&&a| a as usize >= n) {
                p.check(
                    false,
                    &["ids"],
                    format!("agent {a} is not below population.agents = {n}"),
                );
            }
        }
        if let Some([lo, hi]) = iv.range {
            p.check(
                lo < hi && hi as usize <= n,
                &["range"],
                format!(
                    "must be [first, end) with first < end ≤ population.agents = {n}, got [{lo}, {hi}]"
                ),
            );
        }
        if let Some(s) = iv.share {
            p.real_above(&["share"], s, 0.0, 1.0);
        }
        if let Some(c) = iv.community {
            let communities = self.population.communities.max(1);
            p.count(&["community"], c.into(), 0, communities as u64 - 1);
        }
        if let Some(k) = iv.bots {
            let bots = self.population.bots;
            match bots {
                0 => p.check(
                    false,
                    &["bots"],
                    "the scenario has no bot accounts: declare them with `population.bots = n` \
                     (the last n agents become dormant bot accounts)"
                        .into(),
                ),
                _ => p.count(&["bots"], k.into(), 1, bots as u64),
            }
        }
        if let Some(top) = &iv.top {
            p.check(
                !top.feature.is_empty() && top.feature.len() <= 64,
                &["top", "feature"],
                "must name a feature column (e.g. \"followers\")".into(),
            );
            match (top.k, top.share) {
                (Some(k), None) => p.count(&["top", "k"], k, 1, n as u64),
                (None, Some(s)) => p.real_above(&["top", "share"], s, 0.0, 1.0),
                _ => p.check(false, &["top"], "give `k` or `share`, one of them".into()),
            }
        }
    }

    fn kind_problems(&self, iv: &InterventionConfig, p: &mut Problems) {
        let n = self.population.agents;
        match iv.kind {
            InterventionKind::Inject => {
                let topics = self.population.topics.max(1);
                p.count(&["topic"], iv.topic.unwrap_or(0).into(), 0, topics as u64 - 1);
                let bound = match self.policy.kind {
                    PolicyKind::Radicalization => 100.0,
                    _ => 1.0,
                };
                match iv.stance {
                    Some(s) => p.real(&["stance"], s, -bound, bound),
                    None => p.check(false, &["kind"], "`inject` needs `stance`".into()),
                }
            }
            InterventionKind::Boost | InterventionKind::Downrank => match iv.factor {
                Some(f) => p.real(&["factor"], f, 1.0, 1e6),
                None => p.check(false, &["kind"], format!("`{}` needs `factor`", iv.kind.name())),
            },
            InterventionKind::Follow | InterventionKind::Unfollow => match &iv.accounts {
                Some(a) if !a.is_empty() => {
                    if let Some(x) = a.iter().find(|&&x| x as usize >= n) {
                        p.check(
                            false,
                            &["accounts"],
                            format!("agent {x} is not below population.agents = {n}"),
                        );
                    }
                }
                _ => p.check(
                    false,
                    &["accounts"],
                    format!("`{}` needs `accounts`, a list of agent ids", iv.kind.name()),
                ),
            },
            InterventionKind::Set => match (&iv.key, &iv.value) {
                (Some(key), Some(value)) => {
                    if let Err(m) = self.checked_setting(key, value) {
                        p.check(false, &["value"], m);
                    }
                }
                _ => p.check(false, &["kind"], "`set` needs `key` and `value`".into()),
            },
            InterventionKind::Feed => match &iv.set {
                Some(t) if !t.is_empty() => {
                    for (k, v) in t {
                        if let Err(m) = self.checked_setting(&format!("feed.{k}"), v) {
                            p.check(false, &["set"], m);
                        }
                    }
                }
                _ => p.check(
                    false,
                    &["set"],
                    "`feed` needs `set`, a table of [feed] keys, e.g. { ranking = \"chronological\" }"
                        .into(),
                ),
            },
            InterventionKind::Silence => {}
        }
    }

    /// Check that `key = value` is a setting an intervention may change and a valid value
    /// of it: `--set`'s machinery on a copy without interventions.
    fn checked_setting(&self, key: &str, value: &toml::Value) -> Result<(), String> {
        let allowed = key.starts_with("policy.") || key.starts_with("feed.");
        if !allowed || key == "policy.kind" || key == "feed.window" {
            return Err(format!(
                "`{key}` cannot change during a run: an intervention sets `policy.*` (not \
                 policy.kind) or `feed.*` (not feed.window: older items are already forgotten)"
            ));
        }
        let mut base = self.clone();
        base.interventions.clear();
        let next = base
            .with_toml_value(key, value.clone())
            .map_err(|e| format!("{key}: {}", error_message(&e)))?;
        if let Some((at, m)) = next.validate().into_iter().next() {
            return Err(format!("{}: {m}", crate::location::path_string(&at)));
        }
        Ok(())
    }

    /// The `[feed]` and `[policy]` in force from each tick at which a `feed` or `set`
    /// intervention starts or ends, in tick order: (tick, feed, policy). Before the first
    /// entry the scenario's own hold.
    pub fn setting_changes(&self) -> Vec<(u32, FeedConfig, PolicyConfig)> {
        let ticks = self.scenario.ticks;
        let changes: Vec<&InterventionConfig> = self
            .interventions
            .iter()
            .filter(|iv| matches!(iv.kind, InterventionKind::Feed | InterventionKind::Set))
            .collect();
        if changes.is_empty() {
            return Vec::new();
        }
        let mut bounds: Vec<u32> = changes
            .iter()
            .flat_map(|iv| [iv.start(), iv.end(ticks)])
            .filter(|&t| t < ticks)
            .collect();
        bounds.sort_unstable();
        bounds.dedup();
        let mut base = self.clone();
        base.interventions.clear();
        bounds
            .into_iter()
            .map(|t| {
                let mut s = base.clone();
                for iv in changes.iter().filter(|iv| iv.active_at(t, ticks)) {
                    for (key, value) in iv.settings() {
                        // Checked by validation; a setting refused here keeps the old value.
                        if let Ok(next) = s.with_toml_value(&key, value) {
                            s = next;
                        }
                    }
                }
                (t, s.feed, s.policy)
            })
            .collect()
    }
}

impl InterventionConfig {
    /// The (key, value) settings of a `feed` or `set` intervention.
    fn settings(&self) -> Vec<(String, toml::Value)> {
        match self.kind {
            InterventionKind::Set => match (&self.key, &self.value) {
                (Some(k), Some(v)) => vec![(k.clone(), v.clone())],
                _ => Vec::new(),
            },
            InterventionKind::Feed => self
                .set
                .iter()
                .flatten()
                .map(|(k, v)| (format!("feed.{k}"), v.clone()))
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// An override error's message without the file name.
fn error_message(e: &crate::ScenarioError) -> String {
    match e {
        crate::ScenarioError::Override { message, .. } => message.clone(),
        other => other.to_string(),
    }
}
