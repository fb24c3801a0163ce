//! Pricing.
