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
use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::value::RawValue;

use super::model::Size;
use crate::location::InputError;

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

type Entry<'a> = BTreeMap<String, &'a RawValue>;

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
    let mut parsed: Vec<(String, String, Entry<'_>)> = Vec::new();
    let mut all_providers = BTreeSet::new();
    // `{"alias_of": "<key>"}` entries: another name for an entry.
    let mut aliases: Vec<(String, String)> = Vec::new();
    for (key, raw) in &entries {
        let Ok(entry) = serde_json::from_str::<Entry<'_>>(raw.get()) else {
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

fn string_field(entry: &Entry<'_>, name: &str) -> Option<String> {
    entry
        .get(name)
        .and_then(|v| serde_json::from_str::<String>(v.get()).ok())
}

fn date_field(entry: &Entry<'_>, name: &str) -> Option<NaiveDate> {
    string_field(entry, name).and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok())
}

fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
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

const MILLION: Decimal = Decimal::from_parts(1_000_000, 0, 0, false, 0);

/// Reads a JSON number from its literal text, exactly. `None` when absent
/// or `null`.
fn number(entry: &Entry<'_>, field: &str) -> Result<Option<Decimal>, Problem> {
    let Some(raw) = entry.get(field) else {
        return Ok(None);
    };
    let text = raw.get().trim();
    if text == "null" {
        return Ok(None);
    }
    let bad = || {
        Problem::Bad(format!(
            "field `{field}` is `{text}`; a price is a non-negative JSON number"
        ))
    };
    let starts_ok = text
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_digit() || b == b'-');
    if !starts_ok {
        return Err(bad());
    }
    let d = if text.contains(['e', 'E']) {
        Decimal::from_scientific(text).map_err(|_| bad())?
    } else {
        Decimal::from_str(text).map_err(|_| bad())?
    };
    if d.is_sign_negative() && !d.is_zero() {
        return Err(bad());
    }
    Ok(Some(d.normalize()))
}

fn per_million(entry: &Entry<'_>, field: &str) -> Result<Option<Decimal>, Problem> {
    number(entry, field)?
        .map(|d| {
            d.checked_mul(MILLION)
                .map(|d| d.normalize())
                .ok_or_else(|| Problem::Bad(format!("field `{field}` is too large")))
        })
        .transpose()
}

fn text_model(entry: &Entry<'_>) -> Result<ImportedModel, Problem> {
    let mut m = ImportedModel::default();
    for (key, field) in [
        ("input", "input_cost_per_token"),
        ("cached_input", "cache_read_input_token_cost"),
        ("output", "output_cost_per_token"),
    ] {
        if let Some(p) = per_million(entry, field)? {
            m.tokens.push((key, p));
        }
    }
    if !m
        .tokens
        .iter()
        .any(|(k, _)| *k == "input" || *k == "output")
    {
        return Err(Problem::NoPrice(
            "no `input_cost_per_token` or `output_cost_per_token`".into(),
        ));
    }
    // Long-context tiers: `input_cost_per_token_above_200k_tokens` and kin.
    let mut tiers: BTreeMap<u64, Vec<(&'static str, Decimal)>> = BTreeMap::new();
    for (key, base) in [
        ("input", "input_cost_per_token_above_"),
        ("cached_input", "cache_read_input_token_cost_above_"),
        ("output", "output_cost_per_token_above_"),
    ] {
        for field in entry.keys() {
            let Some(rest) = field.strip_prefix(base) else {
                continue;
            };
            let Some(k) = rest
                .strip_suffix("k_tokens")
                .and_then(|n| n.parse::<u64>().ok())
            else {
                continue;
            };
            if let Some(p) = per_million(entry, field)? {
                tiers.entry(k * 1000).or_default().push((key, p));
            }
        }
    }
    let mut tiers = tiers.into_iter();
    match (tiers.next(), tiers.next()) {
        (Some((above, mut prices)), None) => {
            prices.sort_by_key(|(k, _)| match *k {
                "input" => 0,
                "cached_input" => 1,
                _ => 2,
            });
            m.long_context = Some((above, prices));
        }
        (Some(_), Some(_)) => m.notes.push(
            "LiteLLM gives several long-context thresholds; only one tier fits a table, so none is imported".into(),
        ),
        _ => {}
    }
    Ok(m)
}

/// Image size tiers LiteLLM names in `output_cost_per_image_<tier>`.
const IMAGE_TIERS: &[(&str, u32)] = &[
    ("0.5K", 512),
    ("512", 512),
    ("1K", 1024),
    ("1024", 1024),
    ("1536", 1536),
    ("2K", 2048),
    ("4K", 4096),
];

fn image_model(entry: &Entry<'_>) -> Result<ImportedModel, Problem> {
    let mut m = ImportedModel::default();
    for (key, field) in [
        ("text_input", "input_cost_per_token"),
        ("cached_text_input", "cache_read_input_token_cost"),
        ("output", "output_cost_per_token"),
        ("image_input", "input_cost_per_image_token"),
        ("cached_image_input", "cache_read_input_image_token_cost"),
        ("image_output", "output_cost_per_image_token"),
    ] {
        if let Some(p) = per_million(entry, field)? {
            m.tokens.push((key, p));
        }
    }
    let mut by_size: BTreeMap<Size, Decimal> = BTreeMap::new();
    for (tier, side) in IMAGE_TIERS {
        if let Some(p) = number(entry, &format!("output_cost_per_image_{tier}"))? {
            let size = Size {
                width: *side,
                height: *side,
            };
            if by_size.get(&size).is_some_and(|q| *q != p) {
                return Err(Problem::Shape(format!(
                    "two size tiers of {side}x{side} disagree"
                )));
            }
            by_size.insert(size, p);
        }
    }
    if !by_size.is_empty() {
        m.image = Some(ImportedImage::BySize(BTreeMap::from([(
            "standard".to_string(),
            by_size,
        )])));
        m.notes.push(
            "Size tiers 0.5K/1K/2K/4K are written as square sizes 512x512/1024x1024/2048x2048/4096x4096 under quality `standard`.".into(),
        );
    } else if let Some(p) = number(entry, "output_cost_per_image")? {
        m.image = Some(ImportedImage::Single(p));
    } else if let Some(p) = number(entry, "input_cost_per_image")? {
        // LiteLLM files some generation prices (OpenAI, xAI) under
        // `input_cost_per_image`; with no output price it is the image's price.
        m.image = Some(ImportedImage::Single(p));
        m.notes
            .push("Per-image price from LiteLLM's `input_cost_per_image` (its field for a generated image's price where no output price is given).".into());
    } else if m.tokens.is_empty() {
        return Err(Problem::NoPrice(
            "no per-image, per-size or token price".into(),
        ));
    }
    Ok(m)
}

/// The price of one image of `size` from a per-size entry: its per-image
/// price, else per pixel × width × height (exact).
fn sized_price(entry: &Entry<'_>, size: Size) -> Result<Decimal, Problem> {
    for field in ["output_cost_per_image", "input_cost_per_image"] {
        if let Some(p) = number(entry, field)? {
            return Ok(p);
        }
    }
    for field in ["output_cost_per_pixel", "input_cost_per_pixel"] {
        if let Some(p) = number(entry, field)? {
            if p.is_zero() {
                continue;
            }
            let pixels = Decimal::from(u64::from(size.width) * u64::from(size.height));
            return p
                .checked_mul(pixels)
                .map(|d| d.normalize())
                .ok_or_else(|| Problem::Bad(format!("field `{field}` × {size} is too large")));
        }
    }
    Err(Problem::NoPrice(
        "a per-size entry with no per-image or per-pixel price".into(),
    ))
}

/// Resolution names in `output_cost_per_second_<res>` and the sizes written
/// for them (both orientations).
const RESOLUTIONS: &[(&str, [(u32, u32); 2])] = &[
    ("480p", [(854, 480), (480, 854)]),
    ("720p", [(1280, 720), (720, 1280)]),
    ("768p", [(1366, 768), (768, 1366)]),
    ("1080p", [(1920, 1080), (1080, 1920)]),
    ("2k", [(2560, 1440), (1440, 2560)]),
    ("4k", [(3840, 2160), (2160, 3840)]),
];

fn video_model(entry: &Entry<'_>) -> Result<ImportedModel, Problem> {
    let mut m = ImportedModel::default();
    let base = match number(entry, "output_cost_per_second")? {
        Some(p) => Some(p),
        None => number(entry, "output_cost_per_video_per_second")?,
    };
    let mut listed: Vec<(&str, Decimal)> = Vec::new();
    for (name, _) in RESOLUTIONS {
        if let Some(p) = number(entry, &format!("output_cost_per_second_{name}"))? {
            listed.push((name, p));
        }
    }
    if listed.is_empty() {
        let Some(p) = base else {
            return Err(Problem::NoPrice("no per-second price".into()));
        };
        m.video = Some(vec![(None, p)]);
        return Ok(m);
    }
    // LiteLLM's plain per-second price applies to every resolution it does
    // not list. When it equals a listed price it is that resolution's; when
    // it equals none, it is written for 720p and 1080p where those are not
    // listed (the default resolutions of the video APIs in the file).
    if let Some(b) = base {
        if !listed.iter().any(|(_, p)| *p == b) {
            let mut added = Vec::new();
            for res in ["720p", "1080p"] {
                if !listed.iter().any(|(n, _)| *n == res) {
                    listed.push((res, b));
                    added.push(res);
                }
            }
            if !added.is_empty() {
                m.notes.push(format!(
                    "LiteLLM's default per-second price {b} (for resolutions it does not list) is written for {}.",
                    added.join(" and ")
                ));
            }
        }
    }
    let order = |n: &str| RESOLUTIONS.iter().position(|(r, _)| *r == n).unwrap_or(0);
    listed.sort_by_key(|(n, _)| order(n));
    let mut rows = Vec::new();
    for (name, p) in listed {
        if let Some((_, sizes)) = RESOLUTIONS.iter().find(|(r, _)| *r == name) {
            for (w, h) in sizes {
                rows.push((
                    Some(Size {
                        width: *w,
                        height: *h,
                    }),
                    p,
                ));
            }
        }
    }
    m.video = Some(rows);
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn opts() -> ImportOptions {
        ImportOptions {
            providers: vec![],
            effective: NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(),
        }
    }

    #[test]
    fn numbers_are_read_from_their_text_exactly() {
        // Read as text, 1.58945719e-07 is exact (as f64 it is not), and
        // 158945719 × 1,572,864 (= 1024 × 1536) = 249,999,999,369,216,
        // shifted 15 places: 0.249999999369216 (LiteLLM's 0.25, to 9 places).
        let json = r#"{"high/1024-x-1536/m": {"litellm_provider": "openai", "mode": "image_generation", "input_cost_per_pixel": 1.58945719e-07, "output_cost_per_pixel": 0.0}}"#;
        let (tables, _) = convert(json, "f.json", &opts()).unwrap();
        let m = &tables[0].models["m"];
        let Some(ImportedImage::BySize(q)) = &m.image else {
            panic!("{m:?}")
        };
        let size = Size::parse("1024x1536").unwrap();
        assert_eq!(q["high"][&size].to_string(), "0.249999999369216");
    }

    #[test]
    fn every_json_number_form_is_exact() {
        // 1E-7 × 1e6 = 0.1; 2.5e+01 = 25 per token (a silly price, exactly
        // 25,000,000 per 1M); 3 = 3,000,000 per 1M; -0.0 is zero.
        let json = r#"{"a": {"litellm_provider": "p", "mode": "chat",
            "input_cost_per_token": 1E-7, "output_cost_per_token": 2.5e+01,
            "cache_read_input_token_cost": -0.0},
            "b": {"litellm_provider": "p", "mode": "chat", "input_cost_per_token": 3}}"#;
        let (tables, _) = convert(json, "f.json", &opts()).unwrap();
        let a = &tables[0].models["a"];
        assert_eq!(
            a.tokens,
            vec![
                ("input", dec!(0.1)),
                ("cached_input", dec!(0)),
                ("output", dec!(25000000))
            ]
        );
        assert_eq!(tables[0].models["b"].tokens, vec![("input", dec!(3000000))]);
    }

    #[test]
    fn text_tokens_scale_to_per_million_with_a_long_context_tier() {
        // 1.25e-06 × 1e6 = 1.25; 2.5e-06 × 1e6 = 2.5; 1e-05 × 1e6 = 10.
        let json = r#"{"gemini/p": {"litellm_provider": "gemini", "mode": "chat",
            "input_cost_per_token": 1.25e-06, "output_cost_per_token": 1e-05,
            "cache_read_input_token_cost": 1.25e-07,
            "input_cost_per_token_above_200k_tokens": 2.5e-06,
            "output_cost_per_token_above_200k_tokens": 1.5e-05}}"#;
        let (tables, report) = convert(json, "f.json", &opts()).unwrap();
        let m = &tables[0].models["p"];
        assert_eq!(
            m.tokens,
            vec![
                ("input", dec!(1.25)),
                ("cached_input", dec!(0.125)),
                ("output", dec!(10))
            ]
        );
        assert_eq!(
            m.long_context,
            Some((200_000, vec![("input", dec!(2.5)), ("output", dec!(15))]))
        );
        assert_eq!(report.imported, 1);
    }

    #[test]
    fn video_default_price_fills_unlisted_720p_and_1080p() {
        // veo-3.1 in LiteLLM: 0.4 by default, 0.6 at 4k → 720p and 1080p at 0.4.
        let json = r#"{"gemini/v": {"litellm_provider": "gemini", "mode": "video_generation",
            "output_cost_per_second": 0.4, "output_cost_per_second_4k": 0.6}}"#;
        let (tables, _) = convert(json, "f.json", &opts()).unwrap();
        let rows = tables[0].models["v"].video.clone().unwrap();
        let find = |s: &str| {
            rows.iter()
                .find(|(k, _)| *k == Some(Size::parse(s).unwrap()))
                .map(|(_, p)| *p)
        };
        assert_eq!(find("1280x720"), Some(dec!(0.4)));
        assert_eq!(find("1080x1920"), Some(dec!(0.4)));
        assert_eq!(find("3840x2160"), Some(dec!(0.6)));
        assert_eq!(find("854x480"), None);
    }

    #[test]
    fn skips_say_why() {
        let json = r#"{"e": {"litellm_provider": "openai", "mode": "embedding", "input_cost_per_token": 1e-07},
            "x/t": {"litellm_provider": "x", "mode": "image_generation", "output_cost_per_image_token": 3e-05},
            "bad": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": "cheap"},
            "neg": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": -1}}"#;
        let (tables, report) = convert(json, "f.json", &opts()).unwrap();
        assert!(tables.is_empty());
        let why: BTreeMap<&str, &str> = report
            .skipped
            .iter()
            .map(|s| (s.key.as_str(), s.reason))
            .collect();
        assert_eq!(why["e"], "mode");
        assert_eq!(why["x/t"], "shape");
        assert_eq!(why["bad"], "bad value");
        assert_eq!(why["neg"], "bad value");
    }

    #[test]
    fn unknown_provider_and_bad_json_are_errors() {
        let e = convert("{", "f.json", &opts()).unwrap_err();
        assert!(e.to_string().starts_with("f.json:1:"), "{e}");
        let e = convert(
            r#"{"a": {"litellm_provider": "openai", "mode": "chat"}}"#,
            "f.json",
            &ImportOptions {
                providers: vec!["opnai".into()],
                ..opts()
            },
        )
        .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("--provider"));
        assert!(e.message.contains("providers in this file: openai"), "{e}");
    }
}
