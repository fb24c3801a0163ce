//! `rates import litellm`: LiteLLM's `model_prices_and_context_window.json`
//! → genbudget tables, one per provider.
//!
//! LiteLLM keeps prices per token (and per image, pixel or second) as JSON
//! floats. Each number is read from its literal text (`serde_json`'s
//! `RawValue`) straight into a `Decimal`, never through `f64`, and scaled
//! exactly: per token × 1,000,000 = per 1M tokens; per pixel × W × H = per
//! image. What is imported and what is skipped (and why) is returned as an
//! [`ImportReport`]; the tables are rendered by `table_text.rs` and checked by
//! the same validator as every other table before anything is written.
//!
//! The mapping, entry by entry:
//!
//! - `mode` `chat`, `responses`, `completion` → text; `image_generation`,
//!   `image_edit` → image; `video_generation` → video; any other mode is
//!   skipped.
//! - The provider is `litellm_provider` as LiteLLM spells it; the model id is
//!   the key without its provider prefix, with `/` written as `-`.
//! - `quality/W-x-H/model` keys (OpenAI's per-size entries) become one model
//!   with a quality → size → price table; a key with a size and no quality is
//!   quality `standard`.
//! - `deprecation_date` → `retired`.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::value::RawValue;

use super::model::Size;
use super::validate::valid_name;
use crate::location::InputError;

mod entry;

use entry::{image_model, sized_price, text_model, video_model};

/// Options for one import.
#[derive(Clone, Debug)]
pub struct ImportOptions {
    /// Only these LiteLLM providers (empty = all).
    pub providers: Vec<String>,
    /// The tables' `effective` date (the day of the import).
    pub effective: NaiveDate,
}

/// One provider's converted models, ready to render.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedTable {
    pub provider: String,
    pub models: BTreeMap<String, ImportedModel>,
    /// LiteLLM's `source` links of the models, in order of first use.
    pub sources: Vec<String>,
}

/// One model as it will be written.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ImportedModel {
    pub kind: &'static str,
    /// Other names (LiteLLM's `alias_of` entries).
    pub aliases: Vec<String>,
    pub retired: Option<NaiveDate>,
    /// `(key, per-1M price)` in the table's key order.
    pub tokens: Vec<(&'static str, Decimal)>,
    /// `(above, [(key, per-1M price)])`.
    pub long_context: Option<(u64, Vec<(&'static str, Decimal)>)>,
    pub image: Option<ImportedImage>,
    /// Resolution → per-second price, or one price (`None` key).
    pub video: Option<Vec<(Option<Size>, Decimal)>>,
    pub notes: Vec<String>,
}

/// Per-image prices as imported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImportedImage {
    Single(Decimal),
    /// quality → size → price.
    BySize(BTreeMap<String, BTreeMap<Size, Decimal>>),
}

/// What an import did.
#[derive(Clone, Debug, Serialize)]
pub struct ImportReport {
    pub schema: &'static str,
    pub file: String,
    pub effective: NaiveDate,
    /// LiteLLM entries read (every key of the file).
    pub entries: usize,
    /// Models written, over all providers.
    pub imported: usize,
    pub providers: Vec<ProviderSummary>,
    /// Entries not imported, with why.
    pub skipped: Vec<Skipped>,
    /// How many entries were skipped for each reason kind.
    pub skipped_by_reason: BTreeMap<&'static str, usize>,
}

/// One provider's output.
#[derive(Clone, Debug, Serialize)]
pub struct ProviderSummary {
    pub provider: String,
    /// Where its table is written, relative to the output directory.
    pub file: String,
    pub models: usize,
    pub image: usize,
    pub video: usize,
    pub text: usize,
}

/// An entry that was not imported.
#[derive(Clone, Debug, Serialize)]
pub struct Skipped {
    pub key: String,
    pub provider: Option<String>,
    /// A short reason kind: `mode`, `no provider`, `no price`, `shape`,
    /// `duplicate`, `bad value`.
    pub reason: &'static str,
    pub detail: String,
}

type LitellmEntry<'a> = BTreeMap<String, &'a RawValue>;

/// Converts LiteLLM's price file. Errors (not JSON, not an object of
/// entries, an unknown `--provider`) name the file and what is valid.
pub fn convert(
    text: &str,
    file: &str,
    opts: &ImportOptions,
) -> Result<(Vec<ImportedTable>, ImportReport), InputError> {
    let entries: BTreeMap<String, &RawValue> = serde_json::from_str(text).map_err(|e| {
        let what = if e.is_syntax() || e.is_eof() {
            format!("is not valid JSON: {e}")
        } else {
            format!(
                "is not LiteLLM's price file (an object of model entries, as in model_prices_and_context_window.json): {e}"
            )
        };
        InputError {
            file: file.to_string(),
            line: (e.line() > 0).then_some(e.line()),
            column: (e.line() > 0).then_some(e.column()),
            field: None,
            message: what,
        }
    })?;
    let mut skipped = Vec::new();
    let mut parsed: Vec<(String, String, LitellmEntry<'_>)> = Vec::new();
    let mut all_providers = BTreeSet::new();
    // `{"alias_of": "<key>"}` entries: another name for an entry.
    let mut aliases: Vec<(String, String)> = Vec::new();
    for (key, raw) in &entries {
        let Ok(entry) = serde_json::from_str::<LitellmEntry<'_>>(raw.get()) else {
            skipped.push(skip(key, None, "shape", "the entry is not an object"));
            continue;
        };
        if let (Some(target), None) = (
            string_field(&entry, "alias_of"),
            entry.get("litellm_provider"),
        ) {
            aliases.push((key.clone(), target));
            continue;
        }
        let Some(provider) = string_field(&entry, "litellm_provider") else {
            skipped.push(skip(key, None, "no provider", "no `litellm_provider`"));
            continue;
        };
        all_providers.insert(provider.clone());
        parsed.push((key.clone(), provider, entry));
    }
    for p in &opts.providers {
        if !all_providers.contains(p) {
            return Err(InputError {
                file: file.to_string(),
                line: None,
                column: None,
                field: Some("--provider".into()),
                message: format!(
                    "no entry has litellm_provider `{p}`; providers in this file: {}",
                    all_providers.iter().cloned().collect::<Vec<_>>().join(", ")
                ),
            });
        }
    }
    let wanted = |p: &str| opts.providers.is_empty() || opts.providers.iter().any(|w| w == p);

    let mut tables: BTreeMap<String, ImportedTable> = BTreeMap::new();
    // (provider, model) → key that made it, to report duplicates.
    let mut made_by: BTreeMap<(String, String), String> = BTreeMap::new();
    // Per-size image prices, gathered first and merged with plain entries.
    let mut sized: BTreeMap<(String, String), SizedImage> = BTreeMap::new();
    for (key, provider, entry) in &parsed {
        if !wanted(provider) {
            continue;
        }
        let mode = string_field(entry, "mode").unwrap_or_default();
        let kind = match mode.as_str() {
            "chat" | "responses" | "completion" => "text",
            "image_generation" | "image_edit" => "image",
            "video_generation" => "video",
            "" => {
                skipped.push(skip(key, Some(provider), "mode", "no `mode`"));
                continue;
            }
            other => {
                skipped.push(skip(
                    key,
                    Some(provider),
                    "mode",
                    format!(
                        "mode `{other}` is not priced by genbudget (chat, responses, completion, image_generation, image_edit and video_generation are)"
                    ),
                ));
                continue;
            }
        };
        if !valid_name(provider) {
            skipped.push(skip(
                key,
                Some(provider),
                "shape",
                "the provider name can't be a folder name (letters, digits, `.`, `_`, `-`)",
            ));
            continue;
        }
        let name = model_name(key, provider);
        let (quality, size, id) = split_sized(&name);
        let id = id.replace('/', "-");
        if !valid_name(&id) {
            skipped.push(skip(
                key,
                Some(provider),
                "shape",
                format!("model id `{id}` has characters a table can't hold"),
            ));
            continue;
        }
        let result = match (kind, size) {
            ("image", Some(size)) => sized_price(entry, size).map(|p| {
                let s = sized.entry((provider.clone(), id.clone())).or_default();
                s.keys.push(key.clone());
                if s.retired.is_none() {
                    s.retired = date_field(entry, "deprecation_date");
                }
                s.source = s.source.take().or_else(|| string_field(entry, "source"));
                let q = quality.unwrap_or("standard").to_string();
                match s.prices.entry(q.clone()).or_default().entry(size) {
                    std::collections::btree_map::Entry::Vacant(v) => {
                        v.insert(p);
                    }
                    std::collections::btree_map::Entry::Occupied(o) if *o.get() == p => {}
                    std::collections::btree_map::Entry::Occupied(o) => {
                        s.conflicts.push(format!(
                            "`{key}` says {p} for {q} {size}, another entry {}",
                            o.get()
                        ));
                    }
                }
                None
            }),
            (_, Some(_)) => Err(Problem::Shape(
                "a per-size key for a model that is not an image model".into(),
            )),
            ("text", None) => text_model(entry).map(Some),
            ("image", None) => image_model(entry).map(Some),
            _ => video_model(entry).map(Some),
        };
        match result {
            Ok(None) => {}
            Ok(Some(mut m)) => {
                m.kind = kind;
                m.retired = date_field(entry, "deprecation_date");
                if let Some(d) = string_field(entry, "deprecation_date") {
                    if m.retired.is_none() {
                        m.notes.push(format!(
                            "LiteLLM's deprecation_date `{d}` is not a date; not imported"
                        ));
                    }
                }
                m.notes.insert(0, format!("LiteLLM key `{key}`."));
                let slot = (provider.clone(), id.clone());
                if let Some(first) = made_by.get(&slot) {
                    skipped.push(skip(
                        key,
                        Some(provider),
                        "duplicate",
                        format!("`{first}` already gives {provider}/{id}"),
                    ));
                    continue;
                }
                made_by.insert(slot, key.clone());
                let t = table_for(&mut tables, provider);
                if let Some(src) = string_field(entry, "source") {
                    if !t.sources.contains(&src) {
                        t.sources.push(src);
                    }
                }
                t.models.insert(id, m);
            }
            Err(Problem::NoPrice(why)) => {
                skipped.push(skip(key, Some(provider), "no price", why));
            }
            Err(Problem::Shape(why)) => skipped.push(skip(key, Some(provider), "shape", why)),
            Err(Problem::Bad(why)) => skipped.push(skip(key, Some(provider), "bad value", why)),
        }
    }
    merge_sized(&mut tables, sized, &mut made_by, &mut skipped);
    tables.retain(|_, t| !t.models.is_empty());
    add_aliases(&mut tables, &made_by, aliases, &wanted, &mut skipped);

    let mut by_reason = BTreeMap::new();
    for s in &skipped {
        *by_reason.entry(s.reason).or_insert(0) += 1;
    }
    let providers = tables
        .values()
        .map(|t| {
            let count = |k: &str| t.models.values().filter(|m| m.kind == k).count();
            ProviderSummary {
                provider: t.provider.clone(),
                file: format!("{}/{}.toml", t.provider, opts.effective),
                models: t.models.len(),
                image: count("image"),
                video: count("video"),
                text: count("text"),
            }
        })
        .collect::<Vec<_>>();
    let report = ImportReport {
        schema: "genbudget.rates.import/1",
        file: file.to_string(),
        effective: opts.effective,
        entries: entries.len(),
        imported: providers.iter().map(|p| p.models).sum(),
        providers,
        skipped_by_reason: by_reason,
        skipped,
    };
    Ok((tables.into_values().collect(), report))
}

enum Problem {
    NoPrice(String),
    Shape(String),
    Bad(String),
}

#[derive(Default)]
struct SizedImage {
    keys: Vec<String>,
    retired: Option<NaiveDate>,
    source: Option<String>,
    prices: BTreeMap<String, BTreeMap<Size, Decimal>>,
    conflicts: Vec<String>,
}

fn table_for<'t>(
    tables: &'t mut BTreeMap<String, ImportedTable>,
    provider: &str,
) -> &'t mut ImportedTable {
    tables
        .entry(provider.to_string())
        .or_insert_with(|| ImportedTable {
            provider: provider.to_string(),
            models: BTreeMap::new(),
            sources: Vec::new(),
        })
}

/// Joins per-size entries to their model: a plain entry of the same id
/// brings its token prices; otherwise the sizes make the model alone.
fn merge_sized(
    tables: &mut BTreeMap<String, ImportedTable>,
    sized: BTreeMap<(String, String), SizedImage>,
    made_by: &mut BTreeMap<(String, String), String>,
    skipped: &mut Vec<Skipped>,
) {
    for ((provider, id), s) in sized {
        if !s.conflicts.is_empty() {
            for k in &s.keys {
                skipped.push(skip(
                    k,
                    Some(&provider),
                    "shape",
                    format!(
                        "the per-size entries of {provider}/{id} disagree: {}",
                        s.conflicts.join("; ")
                    ),
                ));
            }
            continue;
        }
        let t = table_for(tables, &provider);
        if let Some(src) = &s.source {
            if !t.sources.contains(src) {
                t.sources.push(src.clone());
            }
        }
        let note = format!(
            "Per-image prices from LiteLLM's per-size keys ({} entries, e.g. `{}`).",
            s.keys.len(),
            s.keys.first().map(String::as_str).unwrap_or("")
        );
        match t.models.get_mut(&id) {
            Some(m) if m.kind == "image" => {
                // The plain entry had only token prices (or a single price):
                // the per-size table is the fuller statement.
                m.image = Some(ImportedImage::BySize(s.prices));
                m.retired = m.retired.or(s.retired);
                m.notes.push(note);
            }
            Some(_) => {
                for k in &s.keys {
                    skipped.push(skip(
                        k,
                        Some(&provider),
                        "shape",
                        format!(
                            "{provider}/{id} is not an image model, so per-size prices don't fit"
                        ),
                    ));
                }
            }
            None => {
                made_by.insert((provider.clone(), id.clone()), s.keys[0].clone());
                t.models.insert(
                    id,
                    ImportedModel {
                        kind: "image",
                        retired: s.retired,
                        image: Some(ImportedImage::BySize(s.prices)),
                        notes: vec![note],
                        ..ImportedModel::default()
                    },
                );
            }
        }
    }
    // Plain image entries that stayed without any per-image price.
    for t in tables.values_mut() {
        let provider = t.provider.clone();
        t.models.retain(|id, m| {
            if m.kind == "image" && m.image.is_none() {
                let key = made_by
                    .get(&(provider.clone(), id.clone()))
                    .cloned()
                    .unwrap_or_else(|| id.clone());
                skipped.push(skip(
                    &key,
                    Some(&provider),
                    "shape",
                    "priced per image token only; a genbudget image model needs a per-image price (no per-image or per-size price in the entry)",
                ));
                false
            } else {
                true
            }
        });
    }
}

/// Adds LiteLLM's `alias_of` entries as aliases of the models they name,
/// where that model was imported and the name is free in its table.
fn add_aliases(
    tables: &mut BTreeMap<String, ImportedTable>,
    made_by: &BTreeMap<(String, String), String>,
    aliases: Vec<(String, String)>,
    wanted: &dyn Fn(&str) -> bool,
    skipped: &mut Vec<Skipped>,
) {
    let by_key: BTreeMap<&str, &(String, String)> =
        made_by.iter().map(|(slot, k)| (k.as_str(), slot)).collect();
    for (key, target) in aliases {
        let Some((provider, id)) = by_key.get(target.as_str()).map(|s| (*s).clone()) else {
            // Only report aliases whose target is in a provider asked for.
            let prefix = target.split('/').next().unwrap_or("");
            if wanted(prefix) || !target.contains('/') {
                skipped.push(skip(
                    &key,
                    None,
                    "alias",
                    format!("an alias of `{target}`, which was not imported"),
                ));
            }
            continue;
        };
        let name = model_name(&key, &provider).replace('/', "-");
        let Some(t) = tables.get_mut(&provider) else {
            continue;
        };
        let taken =
            t.models.contains_key(&name) || t.models.values().any(|m| m.aliases.contains(&name));
        if taken || !valid_name(&name) {
            skipped.push(skip(
                &key,
                Some(&provider),
                "alias",
                format!("an alias of `{target}`, but `{name}` is already a name in {provider} or not a valid one"),
            ));
            continue;
        }
        if let Some(m) = t.models.get_mut(&id) {
            m.aliases.push(name);
        }
    }
}

fn skip(
    key: &str,
    provider: Option<&str>,
    reason: &'static str,
    detail: impl Into<String>,
) -> Skipped {
    Skipped {
        key: key.to_string(),
        provider: provider.map(str::to_string),
        reason,
        detail: detail.into(),
    }
}

fn string_field(entry: &LitellmEntry<'_>, name: &str) -> Option<String> {
    entry
        .get(name)
        .and_then(|v| serde_json::from_str::<String>(v.get()).ok())
}

fn date_field(entry: &LitellmEntry<'_>, name: &str) -> Option<NaiveDate> {
    string_field(entry, name).and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok())
}

/// The key without its provider prefix (`gemini/veo-3` → `veo-3`; for
/// `vertex_ai-language-models`, `vertex_ai/` is its prefix too).
fn model_name(key: &str, provider: &str) -> String {
    if let Some((head, rest)) = key.split_once('/') {
        if head == provider || provider.starts_with(&format!("{head}-")) {
            return rest.to_string();
        }
    }
    key.to_string()
}

/// `low/1024-x-1536/gpt-image-1` → (Some("low"), Some(1024x1536), "gpt-image-1");
/// `256-x-256/dall-e-2` → (None, Some(256x256), "dall-e-2").
fn split_sized(name: &str) -> (Option<&str>, Option<Size>, &str) {
    let parse = |s: &str| -> Option<Size> {
        let (w, h) = s.split_once("-x-")?;
        Size::parse(&format!("{w}x{h}")).ok()
    };
    let mut parts = name.splitn(3, '/');
    let (a, b, c) = (parts.next(), parts.next(), parts.next());
    match (a, b, c) {
        (Some(q), Some(s), Some(rest)) if parse(s).is_some() && !q.contains("-x-") => {
            (Some(q), parse(s), rest)
        }
        (Some(s), Some(_), _) if parse(s).is_some() => {
            let rest = &name[s.len() + 1..];
            (None, parse(s), rest)
        }
        _ => (None, None, name),
    }
}

#[cfg(test)]
mod tests;
