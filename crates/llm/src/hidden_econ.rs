//! A test endpoint's econ behaviour with a known answer (feature `test-server`): monthly
//! `{"work", "consumption"}` answers drawn from a **hidden stochastic policy** of what the
//! built-in EconAgent prompt (`prompts/econagent.md`) shows, so a test can check that
//! `emergent distill` recovers it from an `[econ]` run's decision log.
//!
//! With `b` = savings / expected income (both as the prompt shows them), `u` last month's
//! unemployment, `w` = 1 when the household worked last month, and `π` the price change
//! since last month (fractions), and randomness keyed by a hash of the request (a replay
//! gives the same answer):
//! - work = snap(σ(`work_bias` + `work_buffer`·ln(1 + b) + `work_unemployment`·u +
//!   `work_habit`·w + `work_sd`·N(0, 1)));
//! - consumption = snap(σ(`cons_bias` + `cons_buffer`·ln(1 + b) + `cons_price`·π +
//!   `cons_sd`·N(0, 1))),
//!
//! snapped to the 0.02 grid: a latent Gaussian on the logit scale, the family `emergent
//! distill` fits. Its own probability of each grid value is
//! [`emergent_sim::econ::distilled::grid_probabilities`].

use std::sync::Arc;

use emergent_sim::econ::snap;
use emergent_sim::rng::AgentRng;
use serde_json::{Value, json};

use crate::hidden_policy::request_key;
use crate::testing::{Reply, Script, last_user};

/// What an econ prompt showed, as the hidden policy reads it.
#[derive(Clone, Debug, PartialEq)]
pub struct EconShown {
    pub expected_income: f64,
    pub savings: f64,
    /// Last month's unemployment, a fraction.
    pub unemployment: f64,
    /// Price change since last month, a fraction.
    pub price_change: f64,
    pub worked_last: bool,
}

/// The hidden econ policy's parameters (see the module's documentation).
#[derive(Clone, Debug, PartialEq)]
pub struct HiddenEconPolicy {
    pub work_bias: f64,
    pub work_buffer: f64,
    pub work_unemployment: f64,
    pub work_habit: f64,
    pub work_sd: f64,
    pub cons_bias: f64,
    pub cons_buffer: f64,
    pub cons_price: f64,
    pub cons_sd: f64,
}

impl Default for HiddenEconPolicy {
    fn default() -> Self {
        Self {
            work_bias: 1.5,
            work_buffer: -0.8,
            work_unemployment: 4.0,
            work_habit: 0.5,
            work_sd: 0.5,
            cons_bias: -0.6,
            cons_buffer: -0.3,
            cons_price: -8.0,
            cons_sd: 0.3,
        }
    }
}

/// The number right after `prefix` in `text` (digits, sign and point; a sentence's final
/// point dropped).
fn number_after(text: &str, prefix: &str) -> Option<f64> {
    let rest = &text[text.find(prefix)? + prefix.len()..];
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
        .unwrap_or(rest.len());
    rest[..end].trim_end_matches('.').parse().ok()
}

/// What the built-in econ prompt `text` shows; None for another prompt.
pub fn parse(text: &str) -> Option<EconShown> {
    let expected_income = number_after(text, "your expected income is $")?;
    let savings = number_after(text, "Your savings are $")?;
    let unemployment = number_after(text, "Last month unemployment was ")? / 100.0;
    // The price's trend, not the wage's (which comes first and reads alike).
    let price = &text[text.find("The price of essential goods is")?..];
    let price_change = if let Some(p) = number_after(price, "which has increased by ") {
        p / 100.0
    } else if let Some(p) = number_after(price, "which has decreased by ") {
        -p / 100.0
    } else {
        0.0
    };
    Some(EconShown {
        expected_income,
        savings,
        unemployment,
        price_change,
        worked_last: text.contains("In the previous month you worked"),
    })
}

impl HiddenEconPolicy {
    fn log_buffer(s: &EconShown) -> f64 {
        (s.savings.max(0.0) / s.expected_income.max(1e-9)).ln_1p()
    }

    /// (mean, sd) of the work propensity's latent logit.
    pub fn work_latent(&self, s: &EconShown) -> (f64, f64) {
        let mean = self.work_bias
            + self.work_buffer * Self::log_buffer(s)
            + self.work_unemployment * s.unemployment
            + if s.worked_last { self.work_habit } else { 0.0 };
        (mean, self.work_sd)
    }

    /// (mean, sd) of the consumption propensity's latent logit.
    pub fn consumption_latent(&self, s: &EconShown) -> (f64, f64) {
        let mean = self.cons_bias
            + self.cons_buffer * Self::log_buffer(s)
            + self.cons_price * s.price_change;
        (mean, self.cons_sd)
    }

    /// The answer (econ JSON) to `s`, with draws from the stream `key`.
    pub fn answer(&self, s: &EconShown, key: u64) -> String {
        let mut rng = AgentRng::new(key, 0, 0, 0xec0);
        let mut draw = |(m, sd): (f64, f64)| snap(1.0 / (1.0 + (-(m + sd * rng.normal())).exp()));
        let work = draw(self.work_latent(s));
        let consumption = draw(self.consumption_latent(s));
        json!({"work": (work * 50.0).round() / 50.0, "consumption": (consumption * 50.0).round() / 50.0})
            .to_string()
    }

    /// A [`crate::testing::MockServer`] script answering econ decision prompts with this
    /// policy (anything else, e.g. a reflection, gets [`crate::testing::valid_answer`]).
    pub fn script(self) -> Script {
        Arc::new(move |_, body: &Value| {
            let text = last_user(body);
            match parse(&text) {
                Some(s) => Reply::Content(self.answer(&s, request_key(body))),
                None => Reply::Content(crate::testing::valid_answer(body)),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use emergent_sim::econ::distilled::{grid_probabilities, normal_cdf};

    const PROMPT: &str = "In the previous month you worked as a(n) Cook. If you work this month (168 hours), your expected income is $3360.00 (hourly wage $20.00), which has increased by 0.5% compared to last month because of the labour market.\nYour savings are $6720.00. The price of essential goods is $20.10 per unit, which has decreased by 1.5%. The bank pays 3.00% interest on savings each year. Last month unemployment was 12.5%.";

    #[test]
    fn reads_the_prompt_and_answers_on_the_grid_with_its_own_probabilities() {
        let s = parse(PROMPT).expect("an econ prompt");
        assert_eq!(
            s,
            EconShown {
                expected_income: 3360.0,
                savings: 6720.0,
                unemployment: 0.125,
                price_change: -0.015,
                worked_last: true
            }
        );
        let h = HiddenEconPolicy::default();
        let (m, sd) = h.work_latent(&s);
        assert!((m - (1.5 - 0.8 * 3f64.ln() + 0.5 + 0.5)).abs() < 1e-12);
        let p = grid_probabilities(m, sd);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        let schema = crate::econ::schema();
        let mut hits = vec![0usize; 51];
        for key in 0..4000 {
            let a = h.answer(&s, key);
            let parsed = schema.parse(&a).expect("valid answer");
            hits[(parsed.num("work") * 50.0).round() as usize] += 1;
        }
        // The answers' histogram follows its own grid probabilities.
        let mode = (0..51).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap();
        let expect = 4000.0 * p[mode];
        assert!(
            (hits[mode] as f64 - expect).abs() < 5.0 * expect.sqrt(),
            "{hits:?} {p:?}"
        );
        assert!((normal_cdf(1.0) - 0.841_344_75).abs() < 1e-6);
        assert!(parse("Your stance on the topic is +0.1").is_none());
    }
}
