//! Who an economic agent is, for prompts: a name, an age, a city and a job matching its
//! skill. Derived from `(seed, agent, skill)` alone, so nothing extra is checkpointed.

use crate::rng::AgentRng;

const FIRST: [&str; 16] = [
    "Adam", "Maria", "James", "Aisha", "Chen", "Sofia", "David", "Priya", "Lucas", "Emma", "Omar",
    "Grace", "Mateo", "Hannah", "Kenji", "Olivia",
];
const LAST: [&str; 16] = [
    "Mills", "Garcia", "Smith", "Khan", "Wang", "Rossi", "Brown", "Patel", "Silva", "Jones",
    "Haddad", "Kim", "Lopez", "Miller", "Sato", "Davis",
];
const CITIES: [&str; 8] = [
    "New York City",
    "Chicago",
    "Houston",
    "Phoenix",
    "Philadelphia",
    "San Antonio",
    "San Diego",
    "Dallas",
];
/// Jobs in ascending typical hourly pay.
const JOBS: [(f64, &str); 10] = [
    (0.0, "Cashier"),
    (14.0, "Cook"),
    (17.0, "Retail Salesperson"),
    (20.0, "Truck Driver"),
    (24.0, "Electrician"),
    (30.0, "Registered Nurse"),
    (38.0, "Accountant"),
    (48.0, "Software Developer"),
    (65.0, "Physician"),
    (90.0, "Chief Executive"),
];

/// An agent's identity in prompts.
#[derive(Clone, Debug, PartialEq)]
pub struct Profile {
    /// Full name.
    pub name: String,
    /// Age in years at month 0 (prompts add the years elapsed, as EconAgent ages its agents
    /// every twelfth month).
    pub age: u32,
    /// City of residence.
    pub city: &'static str,
    /// Job title matching the skill.
    pub job: &'static str,
}

/// The profile of `agent` with hourly `skill`.
pub fn profile(seed: u64, agent: u64, skill: f64) -> Profile {
    let mut r = AgentRng::new(seed, agent, 0, 0x9f0f);
    let first = FIRST[r.below(FIRST.len() as u64) as usize];
    let last = LAST[r.below(LAST.len() as u64) as usize];
    let age = 18 + r.below(47) as u32;
    let city = CITIES[r.below(CITIES.len() as u64) as usize];
    let job = JOBS
        .iter()
        .rev()
        .find(|(pay, _)| skill >= *pay)
        .map_or("Worker", |j| j.1);
    Profile {
        name: format!("{first} {last}"),
        age,
        city,
        job,
    }
}
