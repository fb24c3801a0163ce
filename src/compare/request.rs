//! A usage line's work → the [`RequestSpec`] the price book quotes.
//!
//! A profile's usage line takes the same fields as a plan item (plan.md)
//! except the count; prompts and reference images are counted by the same
//! functions as the estimator's (`pricing::tokens`, `pricing::image_input`).

use super::profile::Work;
use crate::pricing::{Kind, RequestSpec, Size, image_input, tokens, work_fields_for};

/// Converts a line's fields into the request one unit of work makes on a
/// model of `kind`, refusing fields that don't apply to that kind.
///
/// `prompt` is counted with the `o200k_base` tokenizer (the tokenizer of
/// OpenAI's current models): as `input_tokens` of a text request, as
/// `prompt_tokens` of an image request. `input_images` reference images of
/// `input_image_size` are counted as image-input tokens by gpt-image-1's
/// rule (low fidelity), see `pricing::image_input`.
pub fn request_spec(work: &Work, kind: Kind) -> Result<RequestSpec, String> {
    let article = if kind == Kind::Image { "an" } else { "a" };
    let refuse = |field: &str, set: bool| -> Result<(), String> {
        if set {
            Err(format!(
                "`{field}` does not apply to {article} {kind} model; remove it or pick a model that takes it"
            ))
        } else {
            Ok(())
        }
    };
    let text = kind == Kind::Text;
    let image = kind == Kind::Image;
    // The same fields-per-kind rule as a plan item's.
    let allowed = work_fields_for(kind);
    let asked = &work.request;
    for (field, set) in [
        ("quality", asked.quality.is_some()),
        ("size", asked.size.is_some()),
        ("prompt_tokens", asked.prompt_tokens.is_some()),
        ("input_images", work.input_images.is_some()),
        ("resolution", asked.resolution.is_some()),
        ("seconds", asked.seconds.is_some()),
        ("prompt", work.prompt.is_some()),
        ("input_tokens", asked.input_tokens.is_some()),
        ("cached_input_tokens", asked.cached_input_tokens.is_some()),
        ("output_tokens", asked.output_tokens.is_some()),
    ] {
        refuse(field, set && !allowed.contains(&field))?;
    }
    if text && work.prompt.is_some() && asked.input_tokens.is_some() {
        return Err("give `prompt` or `input_tokens`, not both".into());
    }
    if image && work.prompt.is_some() && asked.prompt_tokens.is_some() {
        return Err("give `prompt` or `prompt_tokens`, not both".into());
    }
    let counted = work.prompt.as_deref().map(tokens::count);
    let input_image_tokens = match (work.input_images, &work.input_image_size) {
        (None, None) => None,
        (Some(_), None) => {
            return Err("`input_images` needs `input_image_size` (e.g. \"1024x1024\")".into());
        }
        (None, Some(_)) => {
            return Err(
                "`input_image_size` needs `input_images` (reference images per request)".into(),
            );
        }
        (Some(n), Some(size)) => {
            let size = Size::parse(&size.text)?;
            Some(n.saturating_mul(tokens_per_input_image(size)))
        }
    };
    Ok(RequestSpec {
        input_tokens: if text {
            asked.input_tokens.or(counted)
        } else {
            None
        },
        prompt_tokens: if image {
            asked.prompt_tokens.or(counted)
        } else {
            None
        },
        input_image_tokens,
        ..asked.clone()
    })
}

/// Image-input tokens of one reference image of `size` (low fidelity).
fn tokens_per_input_image(size: Size) -> u64 {
    image_input::tokens(size.width, size.height, image_input::Fidelity::Low)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn fields_must_fit_the_kind() {
        let w = Work {
            request: RequestSpec {
                seconds: Some(dec!(5)),
                ..RequestSpec::default()
            },
            ..Work::default()
        };
        let e = request_spec(&w, Kind::Image).unwrap_err();
        assert!(
            e.contains("`seconds` does not apply to an image model"),
            "{e}"
        );
        assert_eq!(
            request_spec(&w, Kind::Video).unwrap().seconds,
            Some(dec!(5))
        );
    }

    #[test]
    fn counts_prompts_and_reference_images() {
        let w = Work {
            prompt: Some("hello world".into()),
            ..Work::default()
        };
        assert_eq!(request_spec(&w, Kind::Text).unwrap().input_tokens, Some(2));
        assert_eq!(
            request_spec(&w, Kind::Image).unwrap().prompt_tokens,
            Some(2)
        );
        // A 1024² input scales to 512² = one tile: 65 + 129 = 194 tokens.
        assert_eq!(
            tokens_per_input_image(Size::parse("1024x1024").unwrap()),
            194
        );
        // 1024x1536 → 512x768: 1 × 2 tiles = 65 + 258 = 323.
        assert_eq!(
            tokens_per_input_image(Size::parse("1024x1536").unwrap()),
            323
        );
    }
}
