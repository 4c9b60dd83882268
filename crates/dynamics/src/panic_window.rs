//! What an author of the herding market does in one tick, in expectation, and what its items
//! in a feed window say about it.
//!
//! The engine's rule for an active agent (crates/sim `policy/panic.rs`): its cluster sells
//! (probability c_s) or buys (c_b); otherwise it sells with probability q, else buys with
//! probability u, else posts with probability `post_prob`. A sale always posts a bearish item;
//! a purchase posts a bullish one when buyers herd (`buy_herding` > 0). So per tick, with
//! activity α and r = 1 − c_s − c_b:
//!
//! > sold  a = α (c_s + r q),   bought  b = α (c_b + r (1 − q) u),
//! > item  e = α (c_s + κ c_b + r K),  K = q + (1 − q)(κ u + (1 − u) post_prob),
//!
//! κ = 1 when buyers post, else 0. An author's items in a window of ticks τ count as "by a
//! recent seller" when it sold in any tick of the window (`Market::sold_recently`): with the
//! ticks independent and the chance of two sales small, the expected count is
//!
//! > s = A + Σ_τ (e_τ − a_τ)(A − a_τ),  A = Σ_τ a_τ
//!
//! (each sale's own item, plus its other items in ticks in which it did not sell), and
//! likewise for buyers with b.

/// One tick's cluster trade probabilities (the same for every agent).
#[derive(Clone, Copy, Debug, Default)]
pub struct ClusterOdds {
    pub sell: f64,
    pub buy: f64,
}

/// An agent's expected sale, purchase and item in one tick.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TickActs {
    pub sold: f64,
    pub bought: f64,
    pub item: f64,
}

/// The rule's constants.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    pub post_prob: f64,
    /// Buyers post (κ = 1).
    pub buyers_post: bool,
}

impl Rule {
    fn kappa(&self) -> f64 {
        if self.buyers_post { 1.0 } else { 0.0 }
    }

    /// The expected acts of an agent of activity `act` with sell and buy probabilities q, u.
    pub fn acts(&self, act: f64, q: f64, u: f64, c: ClusterOdds) -> TickActs {
        let r = 1.0 - c.sell - c.buy;
        let k = q + (1.0 - q) * (self.kappa() * u + (1.0 - u) * self.post_prob);
        TickActs {
            sold: act * (c.sell + r * q),
            bought: act * (c.buy + r * (1.0 - q) * u),
            item: act * (c.sell + self.kappa() * c.buy + r * k),
        }
    }

    /// The adjoint of [`Rule::acts`]: (q̄, ū, c̄_s, c̄_b) from the acts' adjoints.
    pub fn acts_adjoint(
        &self,
        act: f64,
        q: f64,
        u: f64,
        c: ClusterOdds,
        bar: TickActs,
    ) -> (f64, f64, f64, f64) {
        let r = 1.0 - c.sell - c.buy;
        let kap = self.kappa();
        let k = q + (1.0 - q) * (kap * u + (1.0 - u) * self.post_prob);
        let dk_dq = 1.0 - (kap * u + (1.0 - u) * self.post_prob);
        let dk_du = (1.0 - q) * (kap - self.post_prob);
        let q_bar = act * r * (bar.sold - bar.bought * u + bar.item * dk_dq);
        let u_bar = act * r * (bar.bought * (1.0 - q) + bar.item * dk_du);
        let sell_bar =
            act * (bar.sold * (1.0 - q) - bar.bought * (1.0 - q) * u + bar.item * (1.0 - k));
        let buy_bar =
            act * (-bar.sold * q + bar.bought * (1.0 - (1.0 - q) * u) + bar.item * (kap - k));
        (q_bar, u_bar, sell_bar, buy_bar)
    }
}

/// An author's window: expected items, items by a recent seller, items by a recent buyer.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct WindowCounts {
    pub items: f64,
    pub sellers: f64,
    pub buyers: f64,
}

/// The window counts of one author from its acts in the window's ticks.
pub fn window_counts(acts: &[TickActs]) -> WindowCounts {
    let total_sold: f64 = acts.iter().map(|x| x.sold).sum();
    let total_bought: f64 = acts.iter().map(|x| x.bought).sum();
    let mut c = WindowCounts {
        items: 0.0,
        sellers: total_sold,
        buyers: total_bought,
    };
    for x in acts {
        c.items += x.item;
        c.sellers += (x.item - x.sold) * (total_sold - x.sold);
        c.buyers += (x.item - x.bought) * (total_bought - x.bought);
    }
    c
}

/// The adjoint of [`window_counts`]: each tick's acts' adjoints, in order.
pub fn window_counts_adjoint(acts: &[TickActs], bar: WindowCounts) -> Vec<TickActs> {
    let total_sold: f64 = acts.iter().map(|x| x.sold).sum();
    let total_bought: f64 = acts.iter().map(|x| x.bought).sum();
    // Σ_τ' (e_τ' − a_τ'), the derivative of the cross terms in each a_τ (and likewise b).
    let spare_sold: f64 = acts.iter().map(|x| x.item - x.sold).sum();
    let spare_bought: f64 = acts.iter().map(|x| x.item - x.bought).sum();
    acts.iter()
        .map(|x| {
            let others_sold = total_sold - x.sold;
            let others_bought = total_bought - x.bought;
            TickActs {
                item: bar.items + bar.sellers * others_sold + bar.buyers * others_bought,
                sold: bar.sellers * (1.0 - others_sold + spare_sold - (x.item - x.sold)),
                bought: bar.buyers * (1.0 - others_bought + spare_bought - (x.item - x.bought)),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Central finite differences of a scalar function of a few inputs.
    fn fd(f: impl Fn(&[f64]) -> f64, x: &[f64]) -> Vec<f64> {
        let h = 1e-6;
        (0..x.len())
            .map(|k| {
                let (mut a, mut b) = (x.to_vec(), x.to_vec());
                a[k] += h;
                b[k] -= h;
                (f(&a) - f(&b)) / (2.0 * h)
            })
            .collect()
    }

    #[test]
    fn acts_adjoint_equals_finite_differences() {
        for buyers_post in [false, true] {
            let rule = Rule {
                post_prob: 0.6,
                buyers_post,
            };
            let bar = TickActs {
                sold: 0.7,
                bought: -1.3,
                item: 2.1,
            };
            let f = |x: &[f64]| {
                let a = rule.acts(
                    0.4,
                    x[0],
                    x[1],
                    ClusterOdds {
                        sell: x[2],
                        buy: x[3],
                    },
                );
                bar.sold * a.sold + bar.bought * a.bought + bar.item * a.item
            };
            let x = [0.2, 0.3, 0.05, 0.04];
            let (q, u, s, b) = rule.acts_adjoint(
                0.4,
                x[0],
                x[1],
                ClusterOdds {
                    sell: x[2],
                    buy: x[3],
                },
                bar,
            );
            for (got, want) in [q, u, s, b].iter().zip(fd(f, &x)) {
                assert!((got - want).abs() < 1e-8, "{got} vs {want}");
            }
        }
    }

    #[test]
    fn window_counts_adjoint_equals_finite_differences() {
        let x = [0.3, 0.05, 0.02, 0.5, 0.1, 0.07];
        let acts = |x: &[f64]| -> Vec<TickActs> {
            x.chunks(3)
                .map(|c| TickActs {
                    item: c[0],
                    sold: c[1],
                    bought: c[2],
                })
                .collect()
        };
        let bar = WindowCounts {
            items: 0.4,
            sellers: 1.7,
            buyers: -0.9,
        };
        let f = |x: &[f64]| {
            let c = window_counts(&acts(x));
            bar.items * c.items + bar.sellers * c.sellers + bar.buyers * c.buyers
        };
        let got: Vec<f64> = window_counts_adjoint(&acts(&x), bar)
            .iter()
            .flat_map(|a| [a.item, a.sold, a.bought])
            .collect();
        for (g, w) in got.iter().zip(fd(f, &x)) {
            assert!((g - w).abs() < 1e-8, "{g} vs {w}");
        }
        // A sale is an item by a seller; a lone tick's other items are not.
        let one = window_counts(&acts(&x[..3]));
        assert!((one.sellers - 0.05).abs() < 1e-15 && (one.items - 0.3).abs() < 1e-15);
    }
}
