//! `--set key=value` overrides: a value is read as TOML (falling back to a bare string), the
//! key must name a scenario setting, and the result is validated as a whole.

use crate::error::ScenarioError;
use crate::location::path_string;
use crate::scenario::Scenario;

/// Split `KEY=VALUE` (both trimmed), as `--set` takes it.
pub fn split_override(pair: &str) -> Result<(&str, &str), ScenarioError> {
    pair.split_once('=')
        .map(|(k, v)| (k.trim(), v.trim()))
        .ok_or_else(|| ScenarioError::OverrideSyntax(pair.to_string()))
}

impl Scenario {
    /// Parse scenario text, apply `KEY=VALUE` overrides in order, then validate the result
    /// once: the file need not be valid on its own where an override makes it so (an
    /// intervention naming agent 15 000 with `--set population.agents=20000`). A problem at an
    /// overridden key is reported against the override, any other at its place in the file.
    pub fn with_overrides(
        text: &str,
        file_name: &str,
        overrides: &[String],
    ) -> Result<Self, ScenarioError> {
        if overrides.is_empty() {
            return Self::from_str(text, file_name);
        }
        let pairs = overrides
            .iter()
            .map(|o| split_override(o))
            .collect::<Result<Vec<_>, _>>()?;
        let mut s = Self::parse_unchecked(text, file_name)?;
        for &(key, value) in &pairs {
            s = s.with_value(key, value)?;
        }
        if let Some((path, message)) = s.validate().into_iter().next() {
            let at = path_string(&path);
            if let Some((key, _)) = pairs.iter().find(|(k, _)| *k == at) {
                return Err(ScenarioError::Override {
                    file: s.file.clone(),
                    key: key.to_string(),
                    message: format!("{at}: {message}"),
                });
            }
            s.first_problem()?;
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
        let parsed = toml::from_str::<toml::Table>(&format!("v = {value}"))
            .ok()
            .and_then(|mut t| t.remove("v"))
            .unwrap_or_else(|| toml::Value::String(value.to_string()));
        self.with_toml_value(key, parsed)
    }

    /// This scenario with `key` set to the TOML value `parsed`, not yet validated (what an
    /// override and a `set` intervention do).
    pub(crate) fn with_toml_value(
        &self,
        key: &str,
        parsed: toml::Value,
    ) -> Result<Scenario, ScenarioError> {
        let err = |message: String| ScenarioError::Override {
            file: self.file.clone(),
            key: key.into(),
            message,
        };
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
        // Indicators cannot be overridden (`indicators` is an array, not a table), so the
        // positions of their keys in the original text still hold.
        next.source = self.source.clone();
        Ok(next)
    }
}
