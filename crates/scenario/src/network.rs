//! `[network]`: the follow graph's generator and its parameters.

use std::path::Path;

use crate::location::{Problem, Problems};
use serde::{Deserialize, Serialize};

/// `[network]`: which graph generator and its parameters. Parameters are flat
/// (not nested per generator) so `--set network.p_in=0.01` reads naturally;
/// a parameter that the chosen generator does not take is rejected.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkConfig {
    /// Generator name.
    pub generator: GeneratorKind,
    /// BA: accounts each newcomer follows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub m: Option<usize>,
    /// SBM: follow probability within a community.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_in: Option<f64>,
    /// SBM: follow probability across communities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_out: Option<f64>,
    /// WS: accounts each node follows on the ring (even).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub k: Option<usize>,
    /// WS: rewiring probability.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beta: Option<f64>,
    /// Power law: exponent of the follower-count distribution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exponent: Option<f64>,
    /// Power law: smallest follower count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_degree: Option<usize>,
    /// Power law: largest follower count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_degree: Option<usize>,
    /// Edge list: file, relative to the scenario file's folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// Network generators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GeneratorKind {
    /// Barabási–Albert.
    Ba,
    /// Stochastic block model.
    Sbm,
    /// Watts–Strogatz.
    Ws,
    /// Power-law configuration model.
    Powerlaw,
    /// Edge list file.
    Edgelist,
}

impl GeneratorKind {
    /// The `[network]` keys this generator accepts besides `generator`.
    pub fn parameters(self) -> &'static [&'static str] {
        match self {
            Self::Ba => &["m"],
            Self::Sbm => &["p_in", "p_out"],
            Self::Ws => &["k", "beta"],
            Self::Powerlaw => &["exponent", "min_degree", "max_degree"],
            Self::Edgelist => &["path"],
        }
    }
}

/// A scenario without `[network]` (an economy) gets a small BA graph it never uses.
impl Default for NetworkConfig {
    fn default() -> Self {
        Self {
            generator: GeneratorKind::Ba,
            m: None,
            p_in: None,
            p_out: None,
            k: None,
            beta: None,
            exponent: None,
            min_degree: None,
            max_degree: None,
            path: None,
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

impl GeneratorKind {
    /// The name a scenario file gives the generator.
    pub fn name(self) -> &'static str {
        match self {
            Self::Ba => "ba",
            Self::Sbm => "sbm",
            Self::Ws => "ws",
            Self::Powerlaw => "powerlaw",
            Self::Edgelist => "edgelist",
        }
    }
}

impl NetworkConfig {
    /// Semantic problems of `[network]` for `agents` agents; `edge_list` is where the edge
    /// list lives (see `Scenario::edge_list_path`), checked to exist.
    pub fn problems(&self, agents: usize, edge_list: Option<&Path>) -> Vec<Problem> {
        let mut out = Problems::default();
        let net = self;
        let g = net.generator;
        let n = agents;
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
            out.check(
                !present || g.parameters().contains(&key),
                &["network", key],
                format!(
                    "`{key}` is not a parameter of generator `{}` (it takes: {})",
                    g.name(),
                    g.parameters().join(", ")
                ),
            );
        }
        let prob = |x: Option<f64>| x.is_none_or(|v| (0.0..=1.0).contains(&v));
        match g {
            GeneratorKind::Ba => out.check(
                net.m.is_none_or(|m| m >= 1 && m < n),
                &["network", "m"],
                "must be at least 1 and below the number of agents".into(),
            ),
            GeneratorKind::Sbm => {
                out.check(
                    prob(net.p_in),
                    &["network", "p_in"],
                    "must be in [0, 1]".into(),
                );
                out.check(
                    prob(net.p_out),
                    &["network", "p_out"],
                    "must be in [0, 1]".into(),
                );
            }
            GeneratorKind::Ws => {
                out.check(
                    net.k.is_none_or(|k| k >= 2 && k % 2 == 0 && k < n),
                    &["network", "k"],
                    "must be even, at least 2 and below the number of agents".into(),
                );
                out.check(
                    prob(net.beta),
                    &["network", "beta"],
                    "must be in [0, 1]".into(),
                );
            }
            GeneratorKind::Powerlaw => {
                out.check(
                    net.exponent.is_none_or(|e| e > 1.0 && e.is_finite()),
                    &["network", "exponent"],
                    "must be greater than 1".into(),
                );
                out.check(
                    net.min_degree.is_none_or(|k| k >= 1),
                    &["network", "min_degree"],
                    "must be at least 1".into(),
                );
                out.check(
                    net.max_degree
                        .is_none_or(|k| k >= net.min_degree.unwrap_or(defaults::MIN_DEGREE)),
                    &["network", "max_degree"],
                    "must be at least min_degree".into(),
                );
            }
            GeneratorKind::Edgelist => match edge_list {
                None => out.check(
                    false,
                    &["network", "generator"],
                    "generator `edgelist` needs `path = \"file.csv\"`".into(),
                ),
                Some(p) => out.check(
                    p.is_file(),
                    &["network", "path"],
                    format!("edge-list file `{}` not found", p.display()),
                ),
            },
        }
        out.0
    }
}
