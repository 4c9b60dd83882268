//! `[network]`: the follow graph's generator and its parameters.

use std::path::Path;

use crate::limits::{MAX_AGENTS, MAX_EDGES};
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
    /// Erdős–Rényi: mean number of accounts each agent follows (the mean degree z of the
    /// undirected graph when `reciprocal`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub z: Option<f64>,
    /// Every follow is mutual (undirected semantics): each generated edge `u → v` comes with
    /// `v → u`. Erdős–Rényi then draws each unordered pair once, so `z` stays the mean degree.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reciprocal: bool,
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
    /// Erdős–Rényi G(n, p) with p = z/(n − 1).
    Er,
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
            Self::Er => &["z"],
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
            z: None,
            reciprocal: false,
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
    /// Erdős–Rényi `z`.
    pub const Z: f64 = 10.0;
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
            Self::Er => "er",
        }
    }
}

impl NetworkConfig {
    /// Semantic problems of `[network]` for `agents` agents; `edge_list` is where the edge
    /// list lives (see `Scenario::edge_list_path`), checked to exist.
    pub fn problems(
        &self,
        agents: usize,
        communities: usize,
        edge_list: Option<&Path>,
    ) -> Vec<Problem> {
        let mut out = Problems::default();
        let net = self;
        let g = net.generator;
        let n = agents;
        let given: [(&'static str, bool); 10] = [
            ("m", net.m.is_some()),
            ("p_in", net.p_in.is_some()),
            ("p_out", net.p_out.is_some()),
            ("k", net.k.is_some()),
            ("beta", net.beta.is_some()),
            ("exponent", net.exponent.is_some()),
            ("min_degree", net.min_degree.is_some()),
            ("max_degree", net.max_degree.is_some()),
            ("path", net.path.is_some()),
            ("z", net.z.is_some()),
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
        let below_n = n.saturating_sub(1) as u64;
        match g {
            GeneratorKind::Ba => {
                if let Some(m) = net.m {
                    out.count(&["network", "m"], m as u64, 1, below_n);
                }
            }
            GeneratorKind::Sbm => {
                for (k, v) in [("p_in", net.p_in), ("p_out", net.p_out)] {
                    if let Some(v) = v {
                        out.probability(&["network", k], v);
                    }
                }
            }
            GeneratorKind::Ws => {
                if let Some(k) = net.k {
                    out.count(&["network", "k"], k as u64, 2, below_n);
                    out.check(
                        k % 2 == 0,
                        &["network", "k"],
                        format!("must be even, got {k}"),
                    );
                }
                if let Some(b) = net.beta {
                    out.probability(&["network", "beta"], b);
                }
            }
            GeneratorKind::Powerlaw => {
                if let Some(e) = net.exponent {
                    out.real_above(&["network", "exponent"], e, 1.0, 100.0);
                }
                let min = net.min_degree.unwrap_or(defaults::MIN_DEGREE);
                if let Some(k) = net.min_degree {
                    out.count(&["network", "min_degree"], k as u64, 1, below_n.max(1));
                }
                if let Some(k) = net.max_degree {
                    out.count(
                        &["network", "max_degree"],
                        k as u64,
                        min as u64,
                        MAX_AGENTS as u64,
                    );
                }
            }
            GeneratorKind::Er => {
                if let Some(z) = net.z {
                    // At most every other agent: a mean degree above n − 1 is no probability.
                    out.real_above(&["network", "z"], z, 0.0, below_n.max(1) as f64);
                }
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
        if out.0.is_empty() {
            self.check_edges(n, communities, &mut out);
        }
        out.0
    }

    /// A generated network must stay below [`MAX_EDGES`] expected edges: a dense SBM or a
    /// BA graph with a huge `m` would exhaust memory while it is built.
    fn check_edges(&self, n: usize, communities: usize, out: &mut Problems) {
        let Some((key, edges)) = self.expected_edges(n, communities) else {
            return;
        };
        out.check(
            edges <= MAX_EDGES,
            &["network", key],
            format!(
                "the `{}` network would have about {edges:.2e} follow edges on {n} agents; at \
                 most {MAX_EDGES:.0e} (about 32 bytes each while it is built): lower `{key}` \
                 or population.agents",
                self.generator.name()
            ),
        );
    }

    /// The expected number of follow edges of a generated network and the key that sets it
    /// (None for an edge list: its size is the file's).
    pub fn expected_edges(&self, n: usize, communities: usize) -> Option<(&'static str, f64)> {
        let nf = n as f64;
        // A reciprocal graph holds each follow both ways (at most twice the edges); a
        // reciprocal Erdős–Rényi graph draws each pair once, so z keeps its edge count.
        let mutual = match self.reciprocal && self.generator != GeneratorKind::Er {
            true => 2.0,
            false => 1.0,
        };
        let (key, edges) = match self.generator {
            GeneratorKind::Ba => ("m", nf * self.m.unwrap_or(defaults::M) as f64),
            GeneratorKind::Ws => ("k", nf * self.k.unwrap_or(defaults::K) as f64),
            GeneratorKind::Sbm => {
                let c = communities.max(1) as f64;
                let inside = nf * nf / c * self.p_in.unwrap_or(defaults::P_IN);
                let across = nf * nf * (1.0 - 1.0 / c) * self.p_out.unwrap_or(defaults::P_OUT);
                (
                    if across > inside { "p_out" } else { "p_in" },
                    inside + across,
                )
            }
            GeneratorKind::Powerlaw => {
                let cap = self
                    .max_degree
                    .unwrap_or(defaults::MAX_DEGREE)
                    .min(n.saturating_sub(1));
                let min = self.min_degree.unwrap_or(defaults::MIN_DEGREE).min(cap);
                let e = self.exponent.unwrap_or(defaults::EXPONENT);
                ("min_degree", nf * pareto_mean(min as f64, cap as f64, e))
            }
            GeneratorKind::Er => ("z", nf * self.z.unwrap_or(defaults::Z)),
            GeneratorKind::Edgelist => return None,
        };
        Some((key, mutual * edges))
    }
}

/// Mean of the continuous power law `x^-e` on `[min − 1/2, cap]` (what the power-law
/// generator draws and rounds), at most `cap`.
fn pareto_mean(min: f64, cap: f64, e: f64) -> f64 {
    let a = (min - 0.5).max(0.5);
    if cap <= a {
        return cap.max(0.0);
    }
    // ∫_a^cap x^p dx
    let integral = |p: f64| {
        if (p + 1.0).abs() < 1e-9 {
            (cap / a).ln()
        } else {
            (cap.powf(p + 1.0) - a.powf(p + 1.0)) / (p + 1.0)
        }
    };
    let mean = integral(1.0 - e) / integral(-e);
    if mean.is_finite() { mean.min(cap) } else { cap }
}
