//! Buying credit packs: as few of one pack as cover a shortfall, or the
//! cheapest mix of a unit's packs that covers it.
//!
//! The cheapest mix is an unbounded min-cost cover. Credits are scaled to
//! whole multiples of g, the greatest common divisor of the pack sizes, so
//! any purchase is a whole number of g-units. Let b be the pack with the
//! lowest price per credit. Some cheapest cover uses fewer than `c_b` (b's
//! size in g-units) packs other than b: among that many, a non-empty subset
//! sums to a multiple of `c_b` (pigeonhole on prefix sums), and swapping it
//! for b packs of the same credits costs no more. So all but a bounded
//! remainder is bought as b packs, and the remainder is solved exactly by
//! dynamic programming over g-units. Ties go to the mix with more credits
//! (the leftover may serve a later month).

use rust_decimal::Decimal;

use crate::pricing::Pack;

/// What to buy: a count per pack (in the unit's pack order).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Mix {
    pub counts: Vec<u64>,
    pub price: Decimal,
    pub credits: Decimal,
}

/// A credit unit's packs, prepared for covering shortfalls.
#[derive(Debug, Clone)]
pub struct PackMenu {
    packs: Vec<Pack>,
    /// Pack sizes in g-units, when they scale to small whole numbers.
    sizes: Option<Vec<u64>>,
    /// g as a decimal number of credits.
    g: Decimal,
    /// The pack with the lowest price per credit (ties: the larger).
    best: usize,
}

/// Largest remainder (in g-units) solved by dynamic programming.
const DP_LIMIT: u64 = 200_000;

impl PackMenu {
    /// Prepares `packs` (each with more than zero credits, as validated).
    pub fn new(packs: &[Pack]) -> PackMenu {
        let best = (0..packs.len())
            .min_by(|&a, &b| {
                let ra = packs[a].price / packs[a].credits;
                let rb = packs[b].price / packs[b].credits;
                ra.cmp(&rb).then(packs[b].credits.cmp(&packs[a].credits))
            })
            .unwrap_or(0);
        let (sizes, g) = g_units(packs).map_or((None, Decimal::ONE), |(s, g)| (Some(s), g));
        PackMenu {
            packs: packs.to_vec(),
            sizes,
            g,
            best,
        }
    }

    /// True when the unit sells no packs.
    pub fn is_empty(&self) -> bool {
        self.packs.is_empty()
    }

    /// The packs, in table order.
    pub fn packs(&self) -> &[Pack] {
        &self.packs
    }

    /// As few of pack `i` as cover `need` credits.
    pub fn single(&self, i: usize, need: Decimal) -> Mix {
        let p = &self.packs[i];
        let n = (need / p.credits).ceil();
        let mut counts = vec![0; self.packs.len()];
        counts[i] = u64::try_from(n).unwrap_or(u64::MAX);
        Mix {
            counts,
            price: n * p.price,
            credits: n * p.credits,
        }
    }

    /// The cheapest mix of packs that covers `need` credits.
    pub fn cover(&self, need: Decimal) -> Mix {
        let (Some(sizes), true) = (&self.sizes, self.packs.len() > 1) else {
            return self.single(self.best, need);
        };
        let target = u64::try_from((need / self.g).ceil()).unwrap_or(u64::MAX);
        let c_b = sizes[self.best];
        let c_max = sizes.iter().copied().max().unwrap_or(1);
        let bound = (c_b - 1).saturating_mul(c_max).saturating_add(c_b);
        if bound > DP_LIMIT {
            return self.single(self.best, need);
        }
        // Some cheapest cover holds at least `upfront` b packs.
        let upfront = target.saturating_sub((c_b - 1) * c_max) / c_b;
        let rest = target - upfront * c_b;
        let mut mix = self.dp(sizes, rest);
        mix.counts[self.best] += upfront;
        let n = Decimal::from(upfront);
        mix.price += n * self.packs[self.best].price;
        mix.credits += n * self.packs[self.best].credits;
        mix
    }

    /// Exact cheapest cover of `target` g-units.
    fn dp(&self, sizes: &[u64], target: u64) -> Mix {
        let n = usize::try_from(target).unwrap_or(0) + 1;
        // cost[x], credits[x], last pack[x] for covering at least x g-units.
        let mut cost = vec![Decimal::ZERO; n];
        let mut got = vec![0u64; n];
        let mut pick = vec![usize::MAX; n];
        for x in 1..n {
            let mut best: Option<(Decimal, u64, usize)> = None;
            for (j, &c) in sizes.iter().enumerate() {
                let prev = x.saturating_sub(usize::try_from(c).unwrap_or(usize::MAX));
                let cand = (cost[prev] + self.packs[j].price, got[prev] + c, j);
                let better = match best {
                    None => true,
                    Some((bc, bg, _)) => cand.0 < bc || (cand.0 == bc && cand.1 > bg),
                };
                if better {
                    best = Some(cand);
                }
            }
            let (c, g, j) = best.unwrap_or((Decimal::ZERO, 0, 0));
            cost[x] = c;
            got[x] = g;
            pick[x] = j;
        }
        let mut counts = vec![0u64; self.packs.len()];
        let mut x = n - 1;
        while x > 0 {
            let j = pick[x];
            counts[j] += 1;
            x = x.saturating_sub(usize::try_from(sizes[j]).unwrap_or(usize::MAX));
        }
        let price = counts
            .iter()
            .zip(&self.packs)
            .map(|(&k, p)| Decimal::from(k) * p.price)
            .sum();
        let credits = counts
            .iter()
            .zip(&self.packs)
            .map(|(&k, p)| Decimal::from(k) * p.credits)
            .sum();
        Mix {
            counts,
            price,
            credits,
        }
    }
}

/// Pack sizes as whole multiples of their greatest common divisor g, and g.
fn g_units(packs: &[Pack]) -> Option<(Vec<u64>, Decimal)> {
    let scale = packs.iter().map(|p| p.credits.normalize().scale()).max()?;
    let factor = Decimal::from_i128_with_scale(10i128.checked_pow(scale)?, 0);
    let ints: Vec<u128> = packs
        .iter()
        .map(|p| u128::try_from(p.credits.checked_mul(factor)?.trunc()).ok())
        .collect::<Option<_>>()?;
    let g = ints.iter().copied().fold(0u128, gcd);
    if g == 0 {
        return None;
    }
    let sizes = ints
        .iter()
        .map(|i| u64::try_from(i / g).ok())
        .collect::<Option<_>>()?;
    Some((
        sizes,
        Decimal::from_i128_with_scale(i128::try_from(g).ok()?, scale),
    ))
}

fn gcd(a: u128, b: u128) -> u128 {
    if b == 0 { a } else { gcd(b, a % b) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn pack(id: &str, credits: Decimal, price: Decimal) -> Pack {
        Pack {
            id: id.into(),
            credits,
            price,
            expires_days: None,
        }
    }

    fn menu() -> PackMenu {
        // small: 1,000 for 5.00 (0.005 a credit); big: 3,000 for 12.00 (0.004).
        PackMenu::new(&[
            pack("small", dec!(1000), dec!(5.00)),
            pack("big", dec!(3000), dec!(12.00)),
        ])
    }

    #[test]
    fn a_mix_beats_any_single_pack() {
        // 4,000 credits: 4 small = 20.00; 2 big = 24.00; 1 big + 1 small = 17.00.
        let m = menu().cover(dec!(4000));
        assert_eq!((m.counts.clone(), m.price), (vec![1, 1], dec!(17.00)));
        // 2,500: 3 small = 15.00 > 1 big = 12.00.
        assert_eq!(menu().cover(dec!(2500)).counts, vec![0, 1]);
        // 1,000: 1 small = 5.00.
        assert_eq!(menu().cover(dec!(1000)).counts, vec![1, 0]);
        // 31,000 = 10 big + 1 small = 125.00 (most bought upfront as big packs).
        let m = menu().cover(dec!(31000));
        assert_eq!((m.counts.clone(), m.price), (vec![1, 10], dec!(125.00)));
    }

    #[test]
    fn ties_prefer_more_credits_and_fractions_round_up() {
        // 2,000: 2 small = 10.00 vs 1 big = 12.00 → small; 2,001 needs 3 small
        // (15.00) or 1 big (12.00) → big.
        assert_eq!(menu().cover(dec!(2000)).counts, vec![2, 0]);
        assert_eq!(menu().cover(dec!(2000.5)).counts, vec![0, 1]);
        // Equal price per credit: a 2,000 pack for 10.00 ties with 2 small.
        let m = PackMenu::new(&[
            pack("small", dec!(1000), dec!(5.00)),
            pack("double", dec!(2000), dec!(10.00)),
        ]);
        assert_eq!(m.cover(dec!(1500)).credits, dec!(2000));
        assert_eq!(m.single(0, dec!(1500)).counts, vec![2, 0]);
    }

    #[test]
    fn decimal_pack_sizes() {
        let m = PackMenu::new(&[pack("a", dec!(2.5), dec!(1)), pack("b", dec!(10), dec!(3))]);
        // 12 credits: b + a = 12.5 credits for 4; 5 a = 5; 2 b = 6.
        assert_eq!(m.cover(dec!(12)).price, dec!(4));
    }
}
