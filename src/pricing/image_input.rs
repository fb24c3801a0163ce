//! Image-input tokens for reference images sent with an image request.
//!
//! The rule is OpenAI's for gpt-image-1 (OpenAI's images-and-vision guide, OAI-VIS in
//! docs/pricing-tables.md):
//! the image is scaled down to fit within 2048×2048, then scaled down so its
//! short side is 512 px, and cut into 512-px tiles. At low input fidelity
//! (the default) it costs `65 + 129 × tiles` tokens — a 1024×1024 input is
//! one tile, 194 tokens. High input fidelity adds 4,160 tokens for a square
//! image or 6,240 for a portrait or landscape one. Images are never scaled
//! up: a 300×900 input stays 300×900, 1 × 2 tiles.
//!
//! Both scalings keep the aspect ratio, so the tile count is computed
//! exactly in integers, with no floating point: once the short side is
//! scaled to 512 it is one tile and the long side `ceil(long / short)`;
//! otherwise each side is `ceil(side / 512)` tiles (after the fit). The same
//! rule is applied to every model whose table has an `image_input` token
//! price, in `estimate` and in `compare`.

use std::fmt;

/// How faithfully the model must follow an input image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fidelity {
    #[default]
    Low,
    High,
}

impl Fidelity {
    /// Parses `low` or `high`.
    pub fn parse(text: &str) -> Result<Fidelity, String> {
        match text {
            "low" => Ok(Fidelity::Low),
            "high" => Ok(Fidelity::High),
            _ => Err(format!(
                "`{text}` is not an input fidelity; valid: low, high"
            )),
        }
    }
}

impl fmt::Display for Fidelity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Fidelity::Low => "low",
            Fidelity::High => "high",
        })
    }
}

/// Base tokens of every input image.
pub const BASE_TOKENS: u64 = 65;
/// Tokens per 512-px tile.
pub const TILE_TOKENS: u64 = 129;
/// Added at high fidelity for a square image.
pub const HIGH_SQUARE: u64 = 4160;
/// Added at high fidelity for a portrait or landscape image.
pub const HIGH_OBLONG: u64 = 6240;

/// 512-px tiles of a `width`×`height` image after the two scalings.
pub fn tiles(width: u32, height: u32) -> u64 {
    let (w, h) = (u64::from(width), u64::from(height));
    let (short, long) = (w.min(h), w.max(h));
    if short == 0 {
        return 0;
    }
    if long > 2048 {
        // Fitted: every side × 2048 / long. Is the short side still over 512?
        if short * 2048 > 512 * long {
            return long.div_ceil(short);
        }
        // ceil(side × 2048 / long / 512) = ceil(side × 4 / long)
        let t = |side: u64| (side * 4).div_ceil(long);
        return t(w) * t(h);
    }
    if short > 512 {
        return long.div_ceil(short);
    }
    w.div_ceil(512) * h.div_ceil(512)
}

/// Image-input tokens of one `width`×`height` input image.
pub fn tokens(width: u32, height: u32, fidelity: Fidelity) -> u64 {
    let low = BASE_TOKENS + TILE_TOKENS * tiles(width, height);
    match fidelity {
        Fidelity::Low => low,
        Fidelity::High if width == height => low + HIGH_SQUARE,
        Fidelity::High => low + HIGH_OBLONG,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sources_worked_example() {
        // 1024x1024: short side 1024 -> 512, so 512x512 = 1 tile; 65 + 129 = 194.
        assert_eq!(tokens(1024, 1024, Fidelity::Low), 194);
        // High fidelity, square: 194 + 4160 = 4354.
        assert_eq!(tokens(1024, 1024, Fidelity::High), 4354);
    }

    #[test]
    fn oblong_and_large_images() {
        // 1024x1536 -> 512x768: 1 x ceil(768/512)=2 tiles; 65 + 258 = 323;
        // high fidelity adds 6240: 6563.
        assert_eq!(tokens(1024, 1536, Fidelity::Low), 323);
        assert_eq!(tokens(1536, 1024, Fidelity::High), 6563);
        // 4096x1024 -> fit 2048x512 -> short side already 512: 4 tiles;
        // 65 + 516 = 581.
        assert_eq!(tokens(4096, 1024, Fidelity::Low), 581);
        // A small 256x256 image is not scaled up: 1 tile.
        assert_eq!(tokens(256, 256, Fidelity::Low), 194);
        // 300x900 stays as it is: 1 x ceil(900/512)=2 tiles; 65 + 258 = 323.
        assert_eq!(tiles(300, 900), 2);
        // 8192x1024 fits to 2048x256 (short side under 512): 4 x 1 tiles.
        assert_eq!(tiles(8192, 1024), 4);
        // 4000x3000 fits to 2048x1536, then 682.7x512: 2 x 1 tiles.
        assert_eq!(tiles(4000, 3000), 2);
    }

    #[test]
    fn fidelity_names() {
        assert_eq!(Fidelity::parse("high"), Ok(Fidelity::High));
        assert!(Fidelity::parse("medium").unwrap_err().contains("low, high"));
    }
}
