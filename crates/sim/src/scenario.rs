//! Scenario files: strict TOML, validated, with errors located by
//! `file:line:column` so users can fix them without guessing.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::config::{
    AttributionConfig, CheckpointConfig, FeedConfig, GeneratorKind, IndicatorConfig, NetworkConfig,
    PolicyConfig, PopulationConfig, RecordConfig, ScenarioMeta,
};
use crate::econ::EconConfig;
use crate::llm_config::LlmConfig;
use crate::network::EdgeListError;

/// A scenario file could not be read, parsed, validated or built.
#[derive(Debug, Error)]
pub enum ScenarioError {
    /// Syntax, type, unknown-key or value error at a place in the file.
    #[error("{file}:{line}:{column}: {message}")]
    At {
        /// Scenario file name.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// A `--set key=value` override is wrong.
    #[error("{file}: --set {key}: {message}")]
    Override {
        /// Scenario file name.
        file: String,
        /// Dotted key path.
        key: String,
        /// What is wrong.
        message: String,
    },
    /// A file could not be read.
    #[error("{file}: {source}")]
    Io {
        /// File name.
        file: String,
        /// Cause.
        source: std::io::Error,
    },
    /// The edge list named by the scenario is malformed.
    #[error(transparent)]
    EdgeList(#[from] EdgeListError),
}

/// A complete scenario, defaults filled in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// `[scenario]`.
    pub scenario: ScenarioMeta,
    /// `[population]`.
    #[serde(default)]
    pub population: PopulationConfig,
    /// `[network]` (an `[econ]` scenario has no follow graph and may leave it out).
    #[serde(default)]
    pub network: NetworkConfig,
    /// `[feed]`.
    #[serde(default)]
    pub feed: FeedConfig,
    /// `[policy]` (the surrogate; an `[econ]` scenario's is the rule baseline).
    #[serde(default)]
    pub policy: PolicyConfig,
    /// `[record]`.
    #[serde(default)]
    pub record: RecordConfig,
    /// `[checkpoint]`.
    #[serde(default)]
    pub checkpoint: CheckpointConfig,
    /// `[partition]`.
    #[serde(
        default,
        skip_serializing_if = "crate::config::PartitionConfig::is_default"
    )]
    pub partition: crate::config::PartitionConfig,
    /// `[llm]`: LLM-driven agent groups and the endpoint.
    #[serde(
        default,
        skip_serializing_if = "crate::llm_config::LlmConfig::is_default"
    )]
    pub llm: LlmConfig,
    /// `[econ]`: present = an EconAgent-style economy instead of a social world.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub econ: Option<EconConfig>,
    /// `[[indicators]]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indicators: Vec<IndicatorConfig>,
    /// `[attribution]`.
    #[serde(default)]
    pub attribution: AttributionConfig,
    /// Name of the file it came from (for messages and relative paths).
    #[serde(skip)]
    pub file: String,
    /// A follow graph read by the caller (e.g. an imported `follows.parquet`): when set, it is
    /// the network, and `[network]` only names where it came from. Keeps file formats out of
    /// this crate.
    #[serde(skip)]
    pub preloaded_network: Option<crate::network::Network>,
}

/// One step of a key path: a table key or an array index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySeg {
    /// Table key.
    Key(&'static str),
    /// Array index.
    Index(usize),
}

/// A semantic problem found by validation, at a key path.
type Problem = (Vec<KeySeg>, String);

impl Scenario {
    /// Read and parse a scenario file.
    pub fn from_path(path: &Path) -> Result<Self, ScenarioError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io {
            file: file.clone(),
            source,
        })?;
        Self::from_str(&text, &file)
    }

    /// Parse and validate scenario text; `file_name` is used in messages and
    /// as the base for a relative edge-list path.
    #[allow(clippy::should_implement_trait)] // needs the file name too
    pub fn from_str(text: &str, file_name: &str) -> Result<Self, ScenarioError> {
        let mut s: Scenario = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map_or((1, 1), |r| line_col(text, r.start));
            ScenarioError::At {
                file: file_name.into(),
                line,
                column,
                message: e.message().trim().to_string(),
            }
        })?;
        s.file = file_name.to_string();
        if let Some((path, message)) = s.validate().into_iter().next() {
            let (line, column) = locate(text, &path);
            return Err(ScenarioError::At {
                file: file_name.into(),
                line,
                column,
                message,
            });
        }
        Ok(s)
    }

    /// Apply a `--set key=value` override: `value` is read as a TOML value
    /// (falling back to a bare string, so `network.generator=ws` works), the
    /// key must name a scenario setting, and the result is re-validated.
    pub fn apply_override(&mut self, key: &str, value: &str) -> Result<(), ScenarioError> {
        self.apply_overrides(&[(key, value)])
    }

    /// Apply several `key=value` overrides, then validate once: settings that only make sense
    /// together (`partition.method=metis` with `partition.parts=8`) can be given one by one.
    /// A problem is reported against the override that names it, else the last one.
    pub fn apply_overrides(&mut self, pairs: &[(&str, &str)]) -> Result<(), ScenarioError> {
        let mut next = self.clone();
        for &(key, value) in pairs {
            next = next.with_value(key, value)?;
        }
        if let Some((path, message)) = next.validate().into_iter().next() {
            let at = path_string(&path);
            let key = pairs
                .iter()
                .find(|(k, _)| *k == at)
                .or(pairs.last())
                .map_or(String::new(), |(k, _)| k.to_string());
            return Err(ScenarioError::Override {
                file: self.file.clone(),
                key,
                message: format!("{at}: {message}"),
            });
        }
        *self = next;
        Ok(())
    }

    /// This scenario with `key` set to `value` (parsed as TOML, else taken as a string), not
    /// yet validated.
    fn with_value(&self, key: &str, value: &str) -> Result<Scenario, ScenarioError> {
        let err = |message: String| ScenarioError::Override {
            file: self.file.clone(),
            key: key.into(),
            message,
        };
        let parsed = toml::from_str::<toml::Table>(&format!("v = {value}"))
            .ok()
            .and_then(|mut t| t.remove("v"))
            .unwrap_or_else(|| toml::Value::String(value.to_string()));
        let mut root = toml::Table::try_from(self).map_err(|e| err(e.to_string()))?;
        let segs: Vec<&str> = key.split('.').collect();
        if segs.iter().any(|s| s.is_empty()) {
            return Err(err("empty key segment".into()));
        }
        let mut table = &mut root;
        for seg in &segs[..segs.len() - 1] {
            let entry = table
                .entry(seg.to_string())
                .or_insert_with(|| toml::Value::Table(Default::default()));
            table = entry
                .as_table_mut()
                .ok_or_else(|| err(format!("`{seg}` is not a table")))?;
        }
        table.insert(segs[segs.len() - 1].to_string(), parsed);
        let mut next: Scenario = toml::Value::Table(root)
            .try_into()
            .map_err(|e: toml::de::Error| err(e.message().trim().to_string()))?;
        next.file = self.file.clone();
        Ok(next)
    }

    /// Where the edge list lives: relative paths are resolved against the
    /// scenario file's folder.
    pub fn edge_list_path(&self) -> Option<PathBuf> {
        let p = Path::new(self.network.path.as_deref()?);
        if p.is_absolute() {
            return Some(p.to_path_buf());
        }
        let base = Path::new(&self.file).parent().unwrap_or(Path::new(""));
        Some(base.join(p))
    }

    /// Every semantic problem, as (key path, message).
    pub fn validate(&self) -> Vec<Problem> {
        use KeySeg::Key as K;
        let mut out: Vec<Problem> = Vec::new();
        let mut check = |ok: bool, path: &[&'static str], msg: String| {
            if !ok {
                out.push((path.iter().map(|&k| K(k)).collect(), msg));
            }
        };
        let prob = |x: f64| (0.0..=1.0).contains(&x);
        let s = &self.scenario;
        check(
            s.ticks >= 1,
            &["scenario", "ticks"],
            "must be at least 1".into(),
        );
        let p = &self.population;
        check(
            p.agents >= 1,
            &["population", "agents"],
            "must be at least 1".into(),
        );
        check(
            p.agents < u32::MAX as usize,
            &["population", "agents"],
            format!("must be below {}", u32::MAX),
        );
        check(
            (1..=p.agents.max(1)).contains(&p.communities),
            &["population", "communities"],
            "must be between 1 and the number of agents".into(),
        );
        check(
            (1..=256).contains(&p.topics),
            &["population", "topics"],
            "must be between 1 and 256".into(),
        );
        check(
            p.stance_noise >= 0.0,
            &["population", "stance_noise"],
            "must be non-negative".into(),
        );
        let a = &p.activity;
        for (k, v) in [("median", a.median), ("min", a.min), ("max", a.max)] {
            check(
                prob(v),
                &["population", "activity", k],
                format!("is a probability, must be in [0, 1], got {v}"),
            );
        }
        check(
            a.sigma >= 0.0,
            &["population", "activity", "sigma"],
            "must be non-negative".into(),
        );
        check(
            a.min <= a.max,
            &["population", "activity", "min"],
            "must not exceed max".into(),
        );
        let su = &p.susceptibility;
        for (k, v) in [("low", su.low), ("high", su.high)] {
            check(
                prob(v),
                &["population", "susceptibility", k],
                format!("must be in [0, 1], got {v}"),
            );
        }
        check(
            su.low <= su.high,
            &["population", "susceptibility", "low"],
            "must not exceed high".into(),
        );
        self.validate_network(&mut check);
        let part = &self.partition;
        if part.method == crate::config::PartitionMethod::Metis {
            check(
                cfg!(feature = "metis"),
                &["partition", "method"],
                "this emergent was built without METIS: install libmetis (apt install \
                 libmetis-dev) and build with `--features metis`, or use `contiguous`"
                    .into(),
            );
            check(
                part.parts
                    .is_some_and(|k| (1..=p.agents.max(1)).contains(&k)),
                &["partition", "parts"],
                "METIS needs `parts`: the number of ranks the partition is made for (between 1 \
                 and the number of agents)"
                    .into(),
            );
            check(
                self.econ.is_none(),
                &["partition", "method"],
                "an `[econ]` scenario has no follow graph to partition".into(),
            );
        } else {
            check(
                part.parts.is_none(),
                &["partition", "parts"],
                "only `method = \"metis\"` takes `parts`".into(),
            );
        }
        let f = &self.feed;
        check(
            prob(f.out_of_network_share),
            &["feed", "out_of_network_share"],
            "must be in [0, 1]".into(),
        );
        check(
            f.window >= 1,
            &["feed", "window"],
            "must be at least 1".into(),
        );
        check(
            f.followee_sample >= 1,
            &["feed", "followee_sample"],
            "must be at least 1".into(),
        );
        check(
            f.hot_decay >= 0.0,
            &["feed", "hot_decay"],
            "must be non-negative".into(),
        );
        let bc = &self.policy.bounded_confidence;
        let bcp = |k| ["policy", "bounded_confidence", k];
        for (k, v) in [
            ("mu", bc.mu),
            ("post_prob", bc.post_prob),
            ("like_prob", bc.like_prob),
            ("reply_prob", bc.reply_prob),
            ("repost_prob", bc.repost_prob),
            ("quote_prob", bc.quote_prob),
            ("unfollow_prob", bc.unfollow_prob),
            ("follow_prob", bc.follow_prob),
        ] {
            check(prob(v), &bcp(k), format!("must be in [0, 1], got {v}"));
        }
        for (k, v) in [
            ("epsilon", bc.epsilon),
            ("post_noise", bc.post_noise),
            ("unfollow_distance", bc.unfollow_distance),
            ("follow_distance", bc.follow_distance),
        ] {
            check(v >= 0.0, &bcp(k), format!("must be non-negative, got {v}"));
        }
        let c = &self.policy.cascade;
        for (k, v) in [
            ("p", c.p),
            ("threshold", c.threshold),
            ("post_prob", c.post_prob),
            ("like_prob", c.like_prob),
        ] {
            check(
                prob(v),
                &["policy", "cascade", k],
                format!("must be in [0, 1], got {v}"),
            );
        }
        let m = &self.policy.panic;
        for (k, v) in [
            ("base_sell", m.base_sell),
            ("sell_fraction", m.sell_fraction),
            ("buy_prob", m.buy_prob),
            ("post_prob", m.post_prob),
        ] {
            check(
                prob(v),
                &["policy", "panic", k],
                format!("must be in [0, 1], got {v}"),
            );
        }
        for (k, v) in [
            ("holdings", m.holdings),
            ("cash", m.cash),
            ("herding", m.herding),
            ("fear", m.fear),
            ("buy_amount", m.buy_amount),
        ] {
            check(
                v >= 0.0,
                &["policy", "panic", k],
                format!("must be non-negative, got {v}"),
            );
        }
        check(
            m.initial_price > 0.0,
            &["policy", "panic", "initial_price"],
            "must be positive".into(),
        );
        check(
            m.impact.is_finite(),
            &["policy", "panic", "impact"],
            "must be finite".into(),
        );
        check(
            m.lookback >= 1,
            &["policy", "panic", "lookback"],
            "must be at least 1".into(),
        );
        check(
            self.record.every >= 1,
            &["record", "every"],
            "must be at least 1".into(),
        );
        for (k, message) in self.llm.problems(self.population.agents) {
            out.push((vec![K("llm"), K(k)], message));
        }
        if let Some(econ) = &self.econ {
            for (k, message) in econ.problems() {
                out.push((vec![K("econ"), K(k)], message));
            }
        }
        for (i, ind) in self.indicators.iter().enumerate() {
            let at = |k| vec![K("indicators"), KeySeg::Index(i), K(k)];
            if !matches!(ind.baseline.as_str(), "zero" | "mean" | "min") {
                out.push((
                    at("baseline"),
                    format!(
                        "baseline must be \"zero\", \"mean\" or \"min\", got \"{}\"",
                        ind.baseline
                    ),
                ));
            }
            if ind.name.trim().is_empty() {
                out.push((at("name"), "must not be empty".into()));
            } else if self.indicators[..i].iter().any(|o| o.name == ind.name) {
                out.push((
                    at("name"),
                    format!("indicator `{}` is defined twice", ind.name),
                ));
            }
            if ind.expr.trim().is_empty() {
                out.push((at("expr"), "must not be empty".into()));
            }
        }
        out
    }

    fn validate_network(&self, check: &mut impl FnMut(bool, &[&'static str], String)) {
        let net = &self.network;
        let g = net.generator;
        let n = self.population.agents;
        let given: [(&'static str, bool); 9] = [
            ("m", net.m.is_some()),
            ("p_in", net.p_in.is_some()),
            ("p_out", net.p_out.is_some()),
            ("k", net.k.is_some()),
            ("beta", net.beta.is_some()),
            ("exponent", net.exponent.is_some()),
            ("min_degree", net.min_degree.is_some()),
            ("max_degree", net.max_degree.is_some()),
            ("path", net.path.is_some()),
        ];
        for (key, present) in given {
            check(
                !present || g.parameters().contains(&key),
                &["network", key],
                format!(
                    "`{key}` is not a parameter of generator `{}` (it takes: {})",
                    generator_name(g),
                    g.parameters().join(", ")
                ),
            );
        }
        let prob = |x: Option<f64>| x.is_none_or(|v| (0.0..=1.0).contains(&v));
        match g {
            GeneratorKind::Ba => check(
                net.m.is_none_or(|m| m >= 1 && m < n),
                &["network", "m"],
                "must be at least 1 and below the number of agents".into(),
            ),
            GeneratorKind::Sbm => {
                check(
                    prob(net.p_in),
                    &["network", "p_in"],
                    "must be in [0, 1]".into(),
                );
                check(
                    prob(net.p_out),
                    &["network", "p_out"],
                    "must be in [0, 1]".into(),
                );
            }
            GeneratorKind::Ws => {
                check(
                    net.k.is_none_or(|k| k >= 2 && k % 2 == 0 && k < n),
                    &["network", "k"],
                    "must be even, at least 2 and below the number of agents".into(),
                );
                check(
                    prob(net.beta),
                    &["network", "beta"],
                    "must be in [0, 1]".into(),
                );
            }
            GeneratorKind::Powerlaw => {
                check(
                    net.exponent.is_none_or(|e| e > 1.0 && e.is_finite()),
                    &["network", "exponent"],
                    "must be greater than 1".into(),
                );
                check(
                    net.min_degree.is_none_or(|k| k >= 1),
                    &["network", "min_degree"],
                    "must be at least 1".into(),
                );
                check(
                    net.max_degree
                        .is_none_or(|k| k >= net.min_degree.unwrap_or(defaults::MIN_DEGREE)),
                    &["network", "max_degree"],
                    "must be at least min_degree".into(),
                );
            }
            GeneratorKind::Edgelist => match self.edge_list_path() {
                None => check(
                    false,
                    &["network", "generator"],
                    "generator `edgelist` needs `path = \"file.csv\"`".into(),
                ),
                Some(p) => check(
                    p.is_file(),
                    &["network", "path"],
                    format!("edge-list file `{}` not found", p.display()),
                ),
            },
        }
    }
}

/// Defaults of optional generator parameters.
pub mod defaults {
    /// BA `m`.
    pub const M: usize = 5;
    /// SBM `p_in`.
    pub const P_IN: f64 = 0.01;
    /// SBM `p_out`.
    pub const P_OUT: f64 = 0.001;
    /// WS `k`.
    pub const K: usize = 10;
    /// WS `beta`.
    pub const BETA: f64 = 0.1;
    /// Power-law `exponent`.
    pub const EXPONENT: f64 = 2.5;
    /// Power-law `min_degree`.
    pub const MIN_DEGREE: usize = 5;
    /// Power-law `max_degree`.
    pub const MAX_DEGREE: usize = 100_000;
}

fn generator_name(g: GeneratorKind) -> &'static str {
    match g {
        GeneratorKind::Ba => "ba",
        GeneratorKind::Sbm => "sbm",
        GeneratorKind::Ws => "ws",
        GeneratorKind::Powerlaw => "powerlaw",
        GeneratorKind::Edgelist => "edgelist",
    }
}

fn path_string(path: &[KeySeg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            KeySeg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            KeySeg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

/// 1-based line and column (in characters) of byte offset `at`.
pub fn line_col(text: &str, at: usize) -> (usize, usize) {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// Line and column of the value at `path`, or of its nearest present
/// ancestor (e.g. the table header when a defaulted key is wrong), or 1:1.
fn locate(text: &str, path: &[KeySeg]) -> (usize, usize) {
    let Ok(doc) = toml::de::DeTable::parse(text) else {
        return (1, 1);
    };
    let mut best = None;
    let mut cur: Option<&toml::Spanned<toml::de::DeValue<'_>>> = None;
    for (depth, seg) in path.iter().enumerate() {
        let next = match (seg, cur, depth) {
            (KeySeg::Key(k), None, 0) => doc.get_ref().get(*k),
            (KeySeg::Key(k), Some(v), _) => v.get_ref().get(*k),
            (KeySeg::Index(i), Some(v), _) => v.get_ref().get(*i),
            _ => None,
        };
        match next {
            Some(v) => {
                best = Some(v.span().start);
                cur = Some(v);
            }
            None => break,
        }
    }
    best.map_or((1, 1), |at| line_col(text, at))
}
