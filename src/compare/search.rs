//! Finding the cheapest strategies without enumerating them all.
//!
//! **Decomposition.** Lines interact only through credit units they could
//! share: two lines are in one *group* when some credit unit is among both
//! lines' candidates (transitively). A strategy's cost is the sum of its
//! groups' costs, and a group's cost depends only on its own lines' choices,
//! so each group is searched on its own and the best strategy is the best of
//! each group put together. Twenty lines on unrelated models are twenty
//! small searches, not a product of twenty option lists.
//!
//! **Inside a group**, a *funding* (how the group pays; not a campaign
//! plan) says how each of its credit units is bought
//! (one of its methods) or that it is not used. Every assignment under a
//! funding has the same kind (a subscription in the funding makes it a
//! subscription strategy, and so on). A small group (at most
//! [`EXHAUSTIVE_LIMIT`] assignments over all fundings) is enumerated outright:
//! every coherent assignment is costed and ranked. A larger group is
//! searched funding by funding with branch and bound (`bound.rs`): each line goes
//! to its cheapest pay-as-you-go candidate or to one of the funding's units,
//! and a partial assignment is abandoned once a lower bound on its
//! completions reaches the best cost found. Fundings are taken in order of
//! their root bound, and a funding is searched only for what can still matter:
//! an entry cheaper than the `keep`-th cheapest found so far or than the
//! cheapest of its kind (so the cheapest strategy and the cheapest of each
//! kind are exact; a funding whose root bound can't get under that is skipped
//! whole). The bound never overestimates, so the search is exact unless it
//! needs more than `bound::FUNDING_NODE_LIMIT` nodes for a funding or [`NODE_LIMIT`]
//! for the group; then it keeps the best found (each funding still gets a
//! greedy, locally improved assignment) and the report says so.

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::account::Method;
use super::bound;
use super::calendar::Calendar;
use super::costing::{Assignment, Costing, Group};
use super::options::{Options, Pay};
use super::strategy::{Choice, Priced, StrategyKind};

/// Largest number of assignments a group may have to be enumerated outright.
pub const EXHAUSTIVE_LIMIT: u128 = 256;

/// Most branch-and-bound nodes per group, over all its fundings.
pub const NODE_LIMIT: usize = 250_000;

/// What a group's search found.
#[derive(Debug, Clone)]
pub struct GroupResult {
    /// The cheapest entries, by key (at most the `keep` asked for).
    pub entries: Vec<Assignment>,
    /// The cheapest entry of each kind, where the group has one.
    pub by_kind: Vec<Assignment>,
    /// How many distinct assignments the group has.
    pub count: u128,
    /// False when a search stopped at the node limit.
    pub proven: bool,
}

impl GroupResult {
    /// The cheapest entry of `kind`.
    pub fn best_of(&self, kind: StrategyKind) -> Option<&Assignment> {
        self.by_kind.iter().find(|e| e.kind == kind)
    }
}

/// Splits the lines into groups joined by shared credit units.
pub fn groups(opts: &Options) -> Vec<Group> {
    let n = opts.lines.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    let mut owner: HashMap<usize, usize> = HashMap::new();
    for (l, line) in opts.lines.iter().enumerate() {
        for c in &line.candidates {
            if let Pay::Credits(u) = c.pay {
                let other = *owner.entry(u).or_insert(l);
                let (a, b) = (root(&mut parent, l), root(&mut parent, other));
                parent[a] = b;
            }
        }
    }
    let mut out: Vec<Group> = Vec::new();
    let mut index: HashMap<usize, usize> = HashMap::new();
    for l in 0..n {
        let r = root(&mut parent, l);
        let g = *index.entry(r).or_insert_with(|| {
            out.push(Group {
                lines: Vec::new(),
                units: Vec::new(),
            });
            out.len() - 1
        });
        out[g].lines.push(l);
        for c in &opts.lines[l].candidates {
            if let Pay::Credits(u) = c.pay {
                if !out[g].units.contains(&u) {
                    out[g].units.push(u);
                }
            }
        }
    }
    out
}

/// Every funding of a group: for each unit, a method or `None` (not used).
fn fundings(opts: &Options, group: &Group) -> Vec<Vec<Option<Method>>> {
    let mut out = vec![Vec::new()];
    for &u in &group.units {
        let ways: Vec<Option<Method>> = std::iter::once(None)
            .chain(opts.units[u].methods.iter().copied().map(Some))
            .collect();
        out = out
            .into_iter()
            .flat_map(|p| {
                ways.iter().map(move |w| {
                    let mut p = p.clone();
                    p.push(*w);
                    p
                })
            })
            .collect();
    }
    out
}

/// Each line's choices under `funding`: every money candidate, and every
/// credit candidate whose unit the funding uses (with the funding's method).
fn line_choices(opts: &Options, group: &Group, funding: &[Option<Method>]) -> Vec<Vec<Choice>> {
    group
        .lines
        .iter()
        .map(|&l| {
            opts.lines[l]
                .candidates
                .iter()
                .enumerate()
                .filter_map(|(c, cand)| match cand.pay {
                    Pay::Money => Some(Choice {
                        candidate: c,
                        method: None,
                    }),
                    Pay::Credits(u) => {
                        let i = group.units.iter().position(|x| *x == u)?;
                        funding[i].map(|m| Choice {
                            candidate: c,
                            method: Some(m),
                        })
                    }
                })
                .collect()
        })
        .collect()
}

/// Assignments under a funding in which every used unit has a line
/// (inclusion–exclusion over the used units).
fn funding_count(
    opts: &Options,
    group: &Group,
    funding: &[Option<Method>],
    choices: &[Vec<Choice>],
) -> u128 {
    let used: Vec<usize> = (0..funding.len())
        .filter(|&i| funding[i].is_some())
        .collect();
    let mut total: i128 = 0;
    for mask in 0u32..(1 << used.len().min(16)) {
        let empty: Vec<usize> = used
            .iter()
            .enumerate()
            .filter(|(b, _)| mask & (1 << b) != 0)
            .map(|(_, &i)| group.units[i])
            .collect();
        let mut product: i128 = 1;
        for (&l, ch) in group.lines.iter().zip(choices) {
            let n = ch
                .iter()
                .filter(|c| match opts.lines[l].candidates[c.candidate].pay {
                    Pay::Credits(u) => !empty.contains(&u),
                    Pay::Money => true,
                })
                .count();
            product = product.saturating_mul(n as i128);
        }
        total += if mask.count_ones() % 2 == 0 {
            product
        } else {
            -product
        };
    }
    u128::try_from(total).unwrap_or(0)
}

/// Searches one group, keeping its `keep` cheapest entries. With
/// `warm_start` (what `compare` uses), each branch and bound starts from a
/// greedy, locally improved assignment; without, the tree alone must find
/// the best (tests hold it to enumeration both ways).
pub fn search_group(
    opts: &Options,
    cal: &Calendar,
    priced: &Priced,
    group: &Group,
    keep: usize,
    warm_start: bool,
) -> GroupResult {
    let mut costing = Costing::new(opts, cal, priced);
    let fundings = fundings(opts, group);
    let per_funding: Vec<Vec<Vec<Choice>>> = fundings
        .iter()
        .map(|p| line_choices(opts, group, p))
        .collect();
    let count: u128 = fundings
        .iter()
        .zip(&per_funding)
        .map(|(p, ch)| funding_count(opts, group, p, ch))
        .fold(0, u128::saturating_add);
    let mut entries = Vec::new();
    let mut proven = true;
    if count <= EXHAUSTIVE_LIMIT {
        for (funding, choices) in fundings.iter().zip(&per_funding) {
            enumerate(&mut costing, group, funding, choices, &mut entries);
        }
    } else {
        // Fundings by their lower bound, cheapest first, so that good entries
        // come early and the rest are cut against them.
        let mut ready: Vec<(Decimal, usize, bound::Prepared)> = fundings
            .iter()
            .zip(&per_funding)
            .enumerate()
            .filter_map(|(i, (funding, choices))| {
                let p = bound::prepare(&costing, group, funding, choices)?;
                Some((p.root_bound()?, i, p))
            })
            .collect();
        ready.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut budget = NODE_LIMIT;
        for (root, i, prepared) in &ready {
            let cutoff = cutoff(&entries, funding_kind(&fundings[*i]), keep);
            if cutoff.is_some_and(|c| *root >= c) {
                continue;
            }
            let (entry, done) = bound::search(
                &mut costing,
                group,
                &fundings[*i],
                prepared,
                cutoff,
                &mut budget,
                warm_start,
            );
            proven &= done;
            entries.extend(entry);
        }
    }
    entries.sort_by(|a, b| a.key.cmp(&b.key).then_with(|| a.choices.cmp(&b.choices)));
    let by_kind = StrategyKind::ALL
        .iter()
        .filter_map(|k| entries.iter().find(|e| e.kind == *k).cloned())
        .collect();
    entries.truncate(keep.max(1));
    GroupResult {
        entries,
        by_kind,
        count,
        proven,
    }
}

/// The kind every assignment under `funding` has (each unit it uses has a
/// line).
fn funding_kind(funding: &[Option<Method>]) -> StrategyKind {
    if funding.iter().flatten().any(Method::is_subscription) {
        StrategyKind::Subscription
    } else if funding.iter().any(Option::is_some) {
        StrategyKind::Packs
    } else {
        StrategyKind::PayAsYouGo
    }
}

/// What a funding of `kind` must cost less than to matter: to enter the
/// `keep` cheapest feasible entries found so far, or to be the cheapest of
/// its kind. `None` (no cutoff) until both exist.
fn cutoff(entries: &[Assignment], kind: StrategyKind, keep: usize) -> Option<Decimal> {
    let mut feasible: Vec<Decimal> = entries
        .iter()
        .filter(|e| e.key.0 == 0)
        .map(|e| e.key.1)
        .collect();
    let of_kind = entries
        .iter()
        .filter(|e| e.key.0 == 0 && e.kind == kind)
        .map(|e| e.key.1)
        .min()?;
    if feasible.len() < keep.max(1) {
        return None;
    }
    feasible.sort_unstable();
    Some(feasible[keep.max(1) - 1].max(of_kind))
}

fn enumerate(
    costing: &mut Costing<'_>,
    group: &Group,
    funding: &[Option<Method>],
    choices: &[Vec<Choice>],
    out: &mut Vec<Assignment>,
) {
    if choices.iter().any(Vec::is_empty) {
        return;
    }
    let mut idx = vec![0usize; choices.len()];
    loop {
        let pick: Vec<Choice> = idx.iter().zip(choices).map(|(&i, c)| c[i]).collect();
        if let Some(key) = costing.assignment(group, funding, &pick) {
            out.push(Assignment {
                key,
                kind: StrategyKind::of(&pick),
                choices: pick,
            });
        }
        // Odometer over the lines' choices.
        let mut pos = 0;
        loop {
            if pos == idx.len() {
                return;
            }
            idx[pos] += 1;
            if idx[pos] < choices[pos].len() {
                break;
            }
            idx[pos] = 0;
            pos += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    //! The branch and bound against plain enumeration of every assignment,
    //! on groups just past [`EXHAUSTIVE_LIMIT`] built from the fixture
    //! tables (`tests/fixtures/compare-book/`): the cheapest entry and the cheapest
    //! of each kind must be the same.

    use std::path::PathBuf;

    use rust_decimal_macros::dec;

    use super::*;
    use crate::compare::options;
    use crate::compare::profile::{Source, parse_profile};
    use crate::compare::strategy::Demand;
    use crate::pricing::PriceBook;

    /// A profile of `lines` lines on acme/still (Acme credits: two packs,
    /// two subscriptions) or acme/still-api, with varied series.
    fn profile(lines: usize) -> String {
        let mut text = String::from("as_of = 2026-01-01\nstart = \"2026-01\"\n");
        let series = [
            "[120, 0, 0, 150, 0, 0]",
            "[40, 45, 50, 40, 45, 50]",
            "[10, 30, 90, 10, 30, 90]",
            "[0, 260, 0, 0, 0, 310]",
            "[75, 75, 75, 75, 75, 75]",
            "[5, 0, 5, 0, 5, 0]",
            "[200, 10, 10, 10, 10, 200]",
        ];
        for i in 0..lines {
            text.push_str(&format!(
                "[[usage]]\nmodel = \"acme/still\"\nalternatives = [\"acme/still-api\"]\nquality = \"standard\"\nper_month = {}\n",
                series[i % series.len()]
            ));
        }
        text
    }

    fn check(lines: usize, factor: Decimal, warm: bool) {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/compare-book");
        let book = PriceBook::load(false, &[dir]).expect("fixture book");
        let source = Source {
            file: "bench.toml".into(),
            text: profile(lines),
        };
        let profile = parse_profile(&source).expect("profile");
        let cal = Calendar::new("2026-01-01".parse().unwrap(), 6);
        let opts = options::build(&profile, &source, &book, cal.first_day(0), &cal).unwrap();
        let priced = Priced::new(&opts, &Demand::profile(&opts, factor));
        let gs = groups(&opts);
        assert_eq!(gs.len(), 1);
        let group = &gs[0];

        let found = search_group(&opts, &cal, &priced, group, 1, warm);
        assert!(found.count > EXHAUSTIVE_LIMIT, "{}", found.count);
        assert!(found.proven);

        let mut costing = Costing::new(&opts, &cal, &priced);
        let mut all = Vec::new();
        for funding in fundings(&opts, group) {
            let choices = line_choices(&opts, group, &funding);
            enumerate(&mut costing, group, &funding, &choices, &mut all);
        }
        assert_eq!(all.len() as u128, found.count);
        let best = |kind: Option<StrategyKind>| {
            all.iter()
                .filter(|e| kind.is_none_or(|k| e.kind == k))
                .map(|e| e.key)
                .min()
        };
        assert_eq!(
            Some(found.entries[0].key),
            best(None),
            "{lines} lines × {factor}"
        );
        for kind in StrategyKind::ALL {
            assert_eq!(
                found.best_of(kind).map(|e| e.key),
                best(Some(kind)),
                "{kind:?}, {lines} lines × {factor}"
            );
        }
    }

    #[test]
    fn branch_and_bound_agrees_with_enumeration() {
        // 6 lines: 1 + 5 methods × (2⁶ − 1) = 316 assignments (> 256);
        // 7 lines: 636.
        for warm in [true, false] {
            // Cold: without the greedy start, the tree alone must find it.
            for lines in [6, 7] {
                for factor in [dec!(0.3), dec!(1), dec!(4)] {
                    check(lines, factor, warm);
                }
            }
        }
    }
}
