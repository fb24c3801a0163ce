//! The price book: every table version of every provider, and the rules for
//! which table is in force on a date and which model a name means.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use chrono::NaiveDate;

use super::load::{builtin_tables, dir_tables};
use super::model::{Model, Table};
use crate::location::InputError;

/// All table versions, by provider, oldest first.
#[derive(Debug, Default, Clone)]
pub struct PriceBook {
    providers: BTreeMap<String, Vec<Table>>,
}

/// Every problem found while loading a book (one line each).
#[derive(Debug, Clone)]
pub struct BookError(pub Vec<InputError>);

impl std::error::Error for BookError {}

impl fmt::Display for BookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&lines.join("\n"))
    }
}

/// A model a name resolved to, with the table its prices come from.
#[derive(Debug, Clone, Copy)]
pub struct Resolved<'a> {
    pub provider: &'a str,
    pub table: &'a Table,
    pub model: &'a Model,
    /// Set when the model is retired (or withdrawn) on the date asked about
    /// and the caller allowed that: the day it stopped being offered.
    pub retired: Option<NaiveDate>,
}

impl Resolved<'_> {
    /// `provider/model`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.provider, self.model.name)
    }
}

/// Why a model name did not resolve.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    #[error("unknown model `{name}`{}", suggest(.suggestions))]
    Unknown {
        name: String,
        suggestions: Vec<String>,
    },
    #[error("unknown provider `{provider}` in `{name}`; providers in the price book: {}", .providers.join(", "))]
    UnknownProvider {
        name: String,
        provider: String,
        providers: Vec<String>,
    },
    #[error("model `{name}` is offered by several providers; write one of: {}", .choices.join(", "))]
    Ambiguous { name: String, choices: Vec<String> },
    #[error("{id} is not offered on {date}; it first appears in the table of {first}")]
    NotYetOffered {
        id: String,
        date: NaiveDate,
        first: NaiveDate,
    },
    #[error(
        "{id} was retired on {on} (prices as of {date}); pass --allow-retired to price it from the last table that offered it"
    )]
    Retired {
        id: String,
        on: NaiveDate,
        date: NaiveDate,
    },
}

fn suggest(s: &[String]) -> String {
    if s.is_empty() {
        "; `genbudget rates list` shows the models offered".to_string()
    } else {
        format!("; did you mean {}?", s.join(", "))
    }
}

enum Status<'a> {
    Active(&'a Table, &'a Model),
    /// Retired (or dropped from the table in force) on the date.
    Gone {
        table: &'a Table,
        model: &'a Model,
        on: NaiveDate,
    },
    NotYet(NaiveDate),
}

impl PriceBook {
    /// Loads the built-in tables (unless `builtin` is false) and layers each
    /// directory over them in order. Every problem is reported.
    pub fn load(builtin: bool, dirs: &[PathBuf]) -> Result<PriceBook, BookError> {
        let mut tables = Vec::new();
        let mut problems = Vec::new();
        if builtin {
            let (t, p) = builtin_tables();
            tables.extend(t);
            problems.extend(p);
        }
        for dir in dirs {
            let d = dir_tables(dir);
            tables.extend(d.tables);
            problems.extend(d.unreadable);
            problems.extend(d.problems);
        }
        if problems.is_empty() {
            Ok(PriceBook::from_tables(tables))
        } else {
            Err(BookError(problems))
        }
    }

    /// A book from tables; a later table for the same provider and
    /// effective date replaces an earlier one (layering).
    pub fn from_tables(tables: Vec<Table>) -> PriceBook {
        let mut providers: BTreeMap<String, Vec<Table>> = BTreeMap::new();
        for t in tables {
            let versions = providers.entry(t.provider.clone()).or_default();
            versions.retain(|v| v.effective != t.effective);
            versions.push(t);
        }
        for versions in providers.values_mut() {
            versions.sort_by_key(|t| t.effective);
        }
        PriceBook { providers }
    }

    /// Provider names, sorted.
    pub fn providers(&self) -> impl Iterator<Item = &str> {
        self.providers.keys().map(String::as_str)
    }

    /// A provider's table versions, oldest first.
    pub fn versions(&self, provider: &str) -> &[Table] {
        self.providers.get(provider).map_or(&[], Vec::as_slice)
    }

    /// Every table, by provider then date.
    pub fn tables(&self) -> impl Iterator<Item = &Table> {
        self.providers.values().flatten()
    }

    /// The provider's table in force on `date`: the latest `effective` ≤ date.
    pub fn in_force(&self, provider: &str, date: NaiveDate) -> Option<&Table> {
        self.versions(provider)
            .iter()
            .rev()
            .find(|t| t.effective <= date)
    }

    /// Resolves `model`, `alias` or `provider/model` as of `date`.
    ///
    /// A retired model, or one dropped from the table in force, is an error
    /// unless `allow_retired`; then it resolves to the last table that
    /// offered it, with `retired` set.
    pub fn resolve(
        &self,
        name: &str,
        date: NaiveDate,
        allow_retired: bool,
    ) -> Result<Resolved<'_>, LookupError> {
        let (provider_filter, model_name) = match name.split_once('/') {
            Some((p, m)) => (Some(p), m),
            None => (None, name),
        };
        if let Some(p) = provider_filter {
            if !self.providers.contains_key(p) {
                return Err(LookupError::UnknownProvider {
                    name: name.to_string(),
                    provider: p.to_string(),
                    providers: self.providers.keys().cloned().collect(),
                });
            }
        }
        let mut known = Vec::new();
        let mut future = Vec::new();
        for (provider, versions) in &self.providers {
            if provider_filter.is_some_and(|p| p != provider) {
                continue;
            }
            match status(versions, model_name, date) {
                Some(Status::NotYet(first)) => future.push((provider.as_str(), first)),
                Some(s) => known.push((provider.as_str(), s)),
                None => {}
            }
        }
        if known.len() > 1 {
            return Err(LookupError::Ambiguous {
                name: name.to_string(),
                choices: known
                    .iter()
                    .map(|(p, _)| format!("{p}/{model_name}"))
                    .collect(),
            });
        }
        if let Some((provider, s)) = known.pop() {
            return match s {
                Status::Active(table, model) => Ok(Resolved {
                    provider,
                    table,
                    model,
                    retired: None,
                }),
                Status::Gone { table, model, on } if allow_retired => Ok(Resolved {
                    provider,
                    table,
                    model,
                    retired: Some(on),
                }),
                Status::Gone { model, on, .. } => Err(LookupError::Retired {
                    id: format!("{provider}/{}", model.name),
                    on,
                    date,
                }),
                Status::NotYet(_) => unreachable!("future models are kept apart"),
            };
        }
        if let Some((provider, first)) = future.into_iter().min_by_key(|(_, f)| *f) {
            return Err(LookupError::NotYetOffered {
                id: format!("{provider}/{model_name}"),
                date,
                first,
            });
        }
        Err(LookupError::Unknown {
            name: name.to_string(),
            suggestions: self.nearest_names(name, 3),
        })
    }

    /// Up to `n` model names (as `provider/model`) closest to `name`: names
    /// that start with it first (`veo-3.1-fast` → `veo-3.1-fast-generate-001`),
    /// then names that contain it, shortest first, then names within a few
    /// edits of it (Levenshtein distance).
    pub fn nearest_names(&self, name: &str, n: usize) -> Vec<String> {
        let bare = name.rsplit('/').next().unwrap_or(name);
        let (lower, bare_lower) = (name.to_lowercase(), bare.to_lowercase());
        let limit = (bare.chars().count() / 2).max(2);
        let mut all: Vec<(u8, usize, String)> = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for t in self.tables() {
            for m in t.models.values() {
                for candidate in std::iter::once(&m.name).chain(&m.aliases) {
                    let id = format!("{}/{}", t.provider, candidate);
                    if !seen.insert(id.clone()) {
                        continue;
                    }
                    let (c, i) = (candidate.to_lowercase(), id.to_lowercase());
                    let rank = if bare.len() >= 2
                        && (c.starts_with(&bare_lower) || i.starts_with(&lower))
                    {
                        (0, candidate.len())
                    } else if bare.len() >= 3 && (c.contains(&bare_lower) || i.contains(&lower)) {
                        (1, candidate.len())
                    } else {
                        let d = strsim::levenshtein(bare, candidate)
                            .min(strsim::levenshtein(name, &id));
                        if d > limit {
                            continue;
                        }
                        (2, d)
                    };
                    all.push((rank.0, rank.1, id));
                }
            }
        }
        all.sort();
        all.into_iter().take(n).map(|(_, _, id)| id).collect()
    }

    /// Every version of a provider's table that lists `model` (by id or
    /// alias), oldest first.
    pub fn history(&self, provider: &str, model: &str) -> Vec<(&Table, &Model)> {
        self.versions(provider)
            .iter()
            .filter_map(|t| t.model(model).map(|m| (t, m)))
            .collect()
    }
}

fn status<'a>(versions: &'a [Table], name: &str, date: NaiveDate) -> Option<Status<'a>> {
    let upto = versions.partition_point(|t| t.effective <= date);
    let (past, later) = versions.split_at(upto);
    if let Some(t) = past.last() {
        if let Some(m) = t.model(name) {
            return Some(match m.retired {
                Some(on) if on <= date => Status::Gone {
                    table: t,
                    model: m,
                    on,
                },
                _ => Status::Active(t, m),
            });
        }
        // Dropped from the table in force: gone since the first later table
        // that no longer lists it (or its own retirement, if earlier).
        if let Some(i) = past.iter().rposition(|t| t.model(name).is_some()) {
            let (table, model) = (&past[i], past[i].model(name)?);
            let dropped = past[i + 1].effective;
            let on = model.retired.map_or(dropped, |r| r.min(dropped));
            return Some(Status::Gone { table, model, on });
        }
    }
    later
        .iter()
        .find(|t| t.model(name).is_some())
        .map(|t| Status::NotYet(t.effective))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn book() -> PriceBook {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/book");
        PriceBook::load(false, &[dir]).unwrap_or_else(|e| panic!("{e}"))
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn table_in_force_by_date() {
        let b = book();
        assert_eq!(
            b.in_force("openai", d("2025-10-05")).map(|t| t.effective),
            None
        );
        assert_eq!(
            b.in_force("openai", d("2025-10-06")).unwrap().effective,
            d("2025-10-06")
        );
        assert_eq!(
            b.in_force("openai", d("2025-12-31")).unwrap().effective,
            d("2025-10-06")
        );
        assert_eq!(
            b.in_force("openai", d("2026-01-01")).unwrap().effective,
            d("2026-01-01")
        );
    }

    #[test]
    fn number_price_is_exact() {
        let b = book();
        let r = b
            .resolve("openai/gpt-image-1", d("2025-10-06"), false)
            .unwrap();
        let points = r.model.price_points();
        // Written as the bare TOML number 0.011 in the fixture.
        assert!(
            points.contains(&("image low 1024x1024".to_string(), dec!(0.011))),
            "{points:?}"
        );
    }

    #[test]
    fn resolves_aliases_ambiguity_and_retirement() {
        let b = book();
        let day = d("2026-04-20");
        assert_eq!(
            b.resolve("gpt-image-1-2025-04-23", d("2025-11-01"), false)
                .unwrap()
                .id(),
            "openai/gpt-image-1"
        );
        match b.resolve("gpt-image-1", day, false) {
            Err(LookupError::Ambiguous { choices, .. }) => {
                assert_eq!(choices, vec!["kie/gpt-image-1", "openai/gpt-image-1"])
            }
            other => panic!("{other:?}"),
        }
        // Retired on 2026-09-24: usable the day before, not on the day.
        assert!(b.resolve("openai/sora-2", d("2026-09-23"), false).is_ok());
        assert!(matches!(
            b.resolve("sora-2", d("2026-09-24"), false),
            Err(LookupError::Retired { .. })
        ));
        let r = b.resolve("sora-2", d("2026-09-24"), true).unwrap();
        assert_eq!(r.retired, Some(d("2026-09-24")));
        // dall-e-3 is missing from the 2026-01-01 table: gone from that day,
        // priced from the last table that offered it when allowed.
        assert!(b.resolve("dall-e-3", d("2025-12-31"), false).is_ok());
        match b.resolve("dall-e-3", d("2026-01-01"), false) {
            Err(LookupError::Retired { on, .. }) => assert_eq!(on, d("2026-01-01")),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            b.resolve("dall-e-3", d("2026-02-01"), true)
                .unwrap()
                .table
                .effective,
            d("2025-10-06")
        );
        // gpt-5-mini first appears in 2026-01-01.
        assert!(matches!(
            b.resolve("gpt-5-mini", d("2025-12-31"), false),
            Err(LookupError::NotYetOffered { .. })
        ));
        match b.resolve("gpt-imag-1", day, false) {
            Err(LookupError::Unknown { suggestions, .. }) => {
                assert!(suggestions.contains(&"openai/gpt-image-1".to_string()))
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            b.resolve("nope/x", day, false),
            Err(LookupError::UnknownProvider { .. })
        ));
    }
}
