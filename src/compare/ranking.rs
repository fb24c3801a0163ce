//! Putting the groups' results together: the cheapest strategies overall
//! and the cheapest of each kind.
//!
//! Because a strategy's cost is the sum of its groups' costs, the k
//! cheapest strategies are the k smallest sums taking one entry from each
//! group's sorted list (a heap walk that never looks past the k-th), and the
//! cheapest strategy of a kind follows from each group's cheapest entry of
//! each kind: pay-as-you-go everywhere; no subscription anywhere with at
//! least one pack; at least one subscription.

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap};

use rust_decimal::Decimal;

use super::calendar::Calendar;
use super::costing::{Assignment, Key};
use super::options::Options;
use super::search::{GroupResult, groups, search_group};
use super::strategy::{Choice, Priced, Strategy, StrategyKind};

/// The comparison's answer before evaluation in detail.
#[derive(Debug, Clone)]
pub struct Ranking {
    /// The cheapest strategies, cheapest first.
    pub top: Vec<(Key, Strategy)>,
    /// The cheapest strategy of each kind that exists.
    pub by_kind: Vec<(StrategyKind, Key, Strategy)>,
    /// Distinct strategies the profile allows (saturating).
    pub count: u128,
    /// Independent groups searched.
    pub groups: usize,
    /// False when some search stopped at its node limit.
    pub proven: bool,
}

/// Ranks the strategies for `priced` demand, keeping the `keep` cheapest.
pub fn rank(opts: &Options, cal: &Calendar, priced: &Priced, keep: usize) -> Ranking {
    let groups = groups(opts);
    let results: Vec<GroupResult> = groups
        .iter()
        .map(|g| search_group(opts, cal, priced, g, keep, true))
        .collect();
    let assemble = |picks: &[&Assignment]| -> Strategy {
        let mut s = vec![
            Choice {
                candidate: 0,
                method: None,
            };
            opts.lines.len()
        ];
        for (g, e) in groups.iter().zip(picks) {
            for (&l, c) in g.lines.iter().zip(&e.choices) {
                s[l] = *c;
            }
        }
        s
    };
    let lists: Vec<Vec<Key>> = results
        .iter()
        .map(|r| r.entries.iter().map(|e| e.key).collect())
        .collect();
    let mut top: Vec<(Key, Strategy)> = k_smallest_sums(&lists, keep)
        .into_iter()
        .map(|idx| {
            let picks: Vec<&Assignment> = idx
                .iter()
                .zip(&results)
                .map(|(&i, r)| &r.entries[i])
                .collect();
            (sum(picks.iter().map(|e| e.key)), assemble(&picks))
        })
        .collect();
    // Equal cost: the smaller commitment first (pay-as-you-go, then packs,
    // then a subscription); otherwise the search's order stands.
    top.sort_by_key(|(key, s)| (*key, StrategyKind::of(s)));
    let by_kind = StrategyKind::ALL
        .iter()
        .filter_map(|&kind| {
            let picks = best_of_kind(&results, kind)?;
            Some((kind, sum(picks.iter().map(|e| e.key)), assemble(&picks)))
        })
        .collect();
    Ranking {
        top,
        by_kind,
        count: results.iter().fold(1u128, |a, r| a.saturating_mul(r.count)),
        groups: groups.len(),
        proven: results.iter().all(|r| r.proven),
    }
}

impl Ranking {
    /// The cheapest strategy; among equal costs, the smallest commitment
    /// (the best of each kind is always known exactly, so a tie with it is
    /// seen even when only one strategy was kept).
    pub fn winner(&self) -> Option<&Strategy> {
        let (key, first) = self.top.first()?;
        let tied = self
            .by_kind
            .iter()
            .filter(|(_, k, _)| k == key)
            .map(|(kind, _, s)| (*kind, s));
        std::iter::once((StrategyKind::of(first), first))
            .chain(tied)
            .min_by_key(|(kind, _)| *kind)
            .map(|(_, s)| s)
    }
}

fn sum(keys: impl Iterator<Item = Key>) -> Key {
    keys.fold((0, Decimal::ZERO), |a, k| (a.0 + k.0, a.1 + k.1))
}

/// One entry per group making the cheapest strategy of `kind`.
fn best_of_kind(results: &[GroupResult], kind: StrategyKind) -> Option<Vec<&Assignment>> {
    use StrategyKind::*;
    // The cheapest entry each group may take, and the kind one group must
    // take at least once.
    let (allowed, needed): (&[StrategyKind], Option<StrategyKind>) = match kind {
        PayAsYouGo => (&[PayAsYouGo], None),
        Packs => (&[PayAsYouGo, Packs], Some(Packs)),
        Subscription => (&[PayAsYouGo, Packs, Subscription], Some(Subscription)),
    };
    let mut picks: Vec<&Assignment> = Vec::with_capacity(results.len());
    for r in results {
        picks.push(
            allowed
                .iter()
                .filter_map(|k| r.best_of(*k))
                .min_by_key(|e| e.key)?,
        );
    }
    let Some(needed) = needed else {
        return Some(picks);
    };
    if picks.iter().any(|e| e.kind == needed) {
        return Some(picks);
    }
    // Switch the one group where taking the needed kind costs least extra.
    let (g, e) = results
        .iter()
        .enumerate()
        .filter_map(|(g, r)| r.best_of(needed).map(|e| (g, e)))
        .min_by_key(|(g, e)| {
            let cur = picks[*g].key;
            (i64::from(e.key.0) - i64::from(cur.0), e.key.1 - cur.1)
        })?;
    picks[g] = e;
    Some(picks)
}

/// The `k` smallest sums of one key from each sorted list, as index
/// vectors, smallest first. Each vector is reached once, from the vector
/// with its last non-zero index one lower.
pub fn k_smallest_sums(lists: &[Vec<Key>], k: usize) -> Vec<Vec<usize>> {
    if lists.iter().any(Vec::is_empty) || k == 0 {
        return Vec::new();
    }
    let key_of = |idx: &[usize]| sum(idx.iter().zip(lists).map(|(&i, l)| l[i]));
    let start = vec![0; lists.len()];
    let mut heap = BinaryHeap::new();
    heap.push(Reverse((key_of(&start), start, 0usize)));
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    while let Some(Reverse((_, idx, last))) = heap.pop() {
        if !seen.insert(idx.clone()) {
            continue;
        }
        for p in last..lists.len() {
            if idx[p] + 1 < lists[p].len() {
                let mut next = idx.clone();
                next[p] += 1;
                heap.push(Reverse((key_of(&next), next, p)));
            }
        }
        out.push(idx);
        if out.len() == k {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn k_smallest_sums_in_order() {
        let lists = vec![
            vec![(0, dec!(1)), (0, dec!(4)), (1, dec!(0))],
            vec![(0, dec!(10)), (0, dec!(12))],
        ];
        let got: Vec<Vec<usize>> = k_smallest_sums(&lists, 10);
        // Sums: 11, 13, 14, 16, then the infeasible ones (1, 10), (1, 12).
        assert_eq!(
            got,
            vec![
                vec![0, 0],
                vec![0, 1],
                vec![1, 0],
                vec![1, 1],
                vec![2, 0],
                vec![2, 1]
            ]
        );
    }
}
