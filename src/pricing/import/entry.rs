//! Reading one LiteLLM entry into a model: its numbers (from their
//! literal text, exactly), and the token, image and video prices each kind
//! takes.

use std::collections::BTreeMap;
use std::str::FromStr;

use rust_decimal::Decimal;

use super::{ImportedImage, ImportedModel, LitellmEntry, Problem};
use crate::pricing::model::Size;

const MILLION: Decimal = Decimal::from_parts(1_000_000, 0, 0, false, 0);

/// Reads a JSON number from its literal text, exactly. `None` when absent
/// or `null`.
fn number(entry: &LitellmEntry<'_>, field: &str) -> Result<Option<Decimal>, Problem> {
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

fn per_million(entry: &LitellmEntry<'_>, field: &str) -> Result<Option<Decimal>, Problem> {
    number(entry, field)?
        .map(|d| {
            d.checked_mul(MILLION)
                .map(|d| d.normalize())
                .ok_or_else(|| Problem::Bad(format!("field `{field}` is too large")))
        })
        .transpose()
}

pub(super) fn text_model(entry: &LitellmEntry<'_>) -> Result<ImportedModel, Problem> {
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

pub(super) fn image_model(entry: &LitellmEntry<'_>) -> Result<ImportedModel, Problem> {
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
pub(super) fn sized_price(entry: &LitellmEntry<'_>, size: Size) -> Result<Decimal, Problem> {
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

pub(super) fn video_model(entry: &LitellmEntry<'_>) -> Result<ImportedModel, Problem> {
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
