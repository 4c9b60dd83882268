//! One model per `[[llm.groups]]` group that has decisions in the log: its own fit when it has
//! at least [`MIN_GROUP_DECISIONS`] fitting decisions, else a copy of the pooled fit. Social
//! and econ distillation share it; only the sample type and the fit differ.

use std::collections::BTreeSet;

use crate::{DistillError, GroupFit, MIN_GROUP_DECISIONS};

/// A logged decision: whose, and of which group.
pub(crate) trait Grouped {
    fn agent(&self) -> u32;
    fn group(&self) -> u32;
}

impl Grouped for crate::dataset::Sample {
    fn agent(&self) -> u32 {
        self.agent
    }
    fn group(&self) -> u32 {
        self.group
    }
}

impl Grouped for crate::econ::dataset::EconSample {
    fn agent(&self) -> u32 {
        self.agent
    }
    fn group(&self) -> u32 {
        self.group
    }
}

/// The models of the groups that have decisions, what each was fitted on, and for every log
/// group the index of its model (a group without decisions points at the model before it,
/// never read).
pub(crate) struct ByGroup<M> {
    pub models: Vec<M>,
    pub fits: Vec<GroupFit>,
    pub group_of: Vec<usize>,
}

/// Fit `names`' groups: `fit(name, share, decisions)` fits one; `label(model, name, share)`
/// names a model (the pooled one, when copied, takes its group's name and share). `samples`
/// are all the logged decisions (for the agents per group), `fitting` those fitted on.
pub(crate) fn fit_by_group<S: Grouped, M: Clone>(
    names: &[String],
    samples: &[S],
    fitting: &[&S],
    fit: impl Fn(&str, f64, &[&S]) -> Result<M, DistillError>,
    label: impl Fn(&mut M, &str, f64),
) -> Result<ByGroup<M>, DistillError> {
    let pooled = fit("pooled", 1.0, fitting)?;
    let all: BTreeSet<u32> = samples.iter().map(Grouped::agent).collect();
    let mut out = ByGroup {
        models: Vec::new(),
        fits: Vec::new(),
        group_of: Vec::new(),
    };
    for (g, name) in names.iter().enumerate() {
        let agents: BTreeSet<u32> = samples
            .iter()
            .filter(|s| s.group() as usize == g)
            .map(Grouped::agent)
            .collect();
        out.group_of.push(
            out.models
                .len()
                .saturating_sub(usize::from(agents.is_empty())),
        );
        if agents.is_empty() {
            continue;
        }
        let mine: Vec<&S> = fitting
            .iter()
            .copied()
            .filter(|s| s.group() as usize == g)
            .collect();
        let share = agents.len() as f64 / all.len() as f64;
        let own = mine.len() >= MIN_GROUP_DECISIONS;
        let mut model = match own {
            true => fit(name, share, &mine)?,
            false => pooled.clone(),
        };
        label(&mut model, name, share);
        out.fits.push(GroupFit {
            name: name.clone(),
            decisions: mine.len(),
            agents: agents.len(),
            share,
            pooled: !own,
        });
        out.models.push(model);
    }
    Ok(out)
}
