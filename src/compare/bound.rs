//! Branch and bound over one funding of a large group (see `search.rs` for
//! where it is used and why the bound is valid).
//!
//! Each line either pays its cheapest pay-as-you-go candidate or joins one
//! of the funding's credit units. Lines are decided largest first; at each
//! node, a lower bound of every completion is
//!
//! ```text
//! money so far + Σ units L(W) + max(0, Σ undecided lines' floor + E − Σ units slack(W))
//! ```
//!
//! where W is the credits a unit's lines need so far, r the lowest price per
//! credit the unit's method can buy at, F a subscription's fees and I its
//! included credits over the horizon: L(W) = F + r·max(0, W − I) (a unit with
//! no packs: F while W ≤ I, impossible beyond), slack(W) = r·max(0, I − W),
//! and a line's floor is the least of its pay-as-you-go total and r × its
//! credits on each unit it could join (0 on a unit with no packs). L only
//! grows with W, and a unit's extra cost from further lines is at least
//! r·(their credits) − slack, so the bound never overestimates. E is what a
//! funding's unit that has no line yet forces: some undecided line must join
//! it, paying at least its weight there instead of its floor; the largest
//! such least extra over those units is added (one line at least is moved,
//! whichever unit it serves), and a unit no undecided line can join ends
//! the branch.
//!
//! Before the tree, a greedy assignment improved by moving one line at a
//! time (exact costs) gives a good incumbent, so the tree prunes from the
//! first node. A `cutoff` from other fundings prunes too: a funding whose best
//! can't beat it is not reported at all.

use rust_decimal::Decimal;

use super::account::{Method, Seated};
use super::costing::{Assignment, Costing, Group};
use super::options::Pay;
use super::strategy::{Choice, StrategyKind};

/// Most branch-and-bound nodes per funding.
pub const FUNDING_NODE_LIMIT: usize = 50_000;

struct Unit {
    used: bool,
    rate: Option<Decimal>,
    fees: Decimal,
    included: Decimal,
}

impl Unit {
    /// Least cost of `w` credits through this unit; `None` if impossible.
    fn floor(&self, w: Decimal) -> Option<Decimal> {
        match self.rate {
            Some(r) => Some(self.fees + r * (w - self.included).max(Decimal::ZERO)),
            None if w > self.included => None,
            None => Some(self.fees),
        }
    }

    fn slack(&self, w: Decimal) -> Decimal {
        self.rate.map_or(Decimal::ZERO, |r| {
            r * (self.included - w).max(Decimal::ZERO)
        })
    }

    /// A line's weight when it puts `amount` credits on this unit.
    fn weight(&self, amount: Decimal) -> Decimal {
        self.rate.map_or(Decimal::ZERO, |r| r * amount)
    }
}

/// One way a line can go: the choice, the unit's position (`None`: money),
/// and the credits or money over the horizon.
type LineOption = (Choice, Option<usize>, Decimal);

struct Line {
    /// Position in the group's lines.
    pos: usize,
    /// The line's options, lightest first.
    options: Vec<LineOption>,
    floor: Decimal,
}

/// A funding made ready for searching: its units, its lines in search order
/// and the tables the bound reads.
pub(super) struct Prepared {
    units: Vec<Unit>,
    lines: Vec<Line>,
    /// Σ floors of lines i.. (by search order).
    suffix: Vec<Decimal>,
    /// `need[i][u]`: the least extra weight (over its floor) of a line
    /// i.. joining unit u; `None` when none of them can.
    need: Vec<Vec<Option<Decimal>>>,
}

/// Prepares `funding` (`choices`: each group line's choices under it);
/// `None` when some line has no choice.
pub(super) fn prepare(
    costing: &Costing<'_>,
    group: &Group,
    funding: &[Option<Method>],
    choices: &[Vec<Choice>],
) -> Option<Prepared> {
    if choices.iter().any(Vec::is_empty) {
        return None;
    }
    let months = Decimal::from(costing.cal.len());
    let units: Vec<Unit> = group
        .units
        .iter()
        .zip(funding)
        .map(|(&u, m)| unit(costing, u, *m, months))
        .collect();
    let mut lines: Vec<Line> = Vec::new();
    for (pos, (&l, ch)) in group.lines.iter().zip(choices).enumerate() {
        let mut options: Vec<LineOption> = Vec::new();
        let mut money: Option<(Choice, Decimal)> = None;
        for c in ch {
            let total = costing.priced.totals[l][c.candidate];
            match costing.opts.lines[l].candidates[c.candidate].pay {
                Pay::Money => {
                    if money.is_none_or(|(_, t)| total < t) {
                        money = Some((*c, total));
                    }
                }
                Pay::Credits(u) => {
                    let i = group.units.iter().position(|x| *x == u)?;
                    options.push((*c, Some(i), total));
                }
            }
        }
        options.extend(money.map(|(c, t)| (c, None, t)));
        let weight = |o: &LineOption| match o.1 {
            Some(i) => units[i].weight(o.2),
            None => o.2,
        };
        options.sort_by_key(|o| weight(o));
        let floor = options.first().map_or(Decimal::ZERO, weight);
        lines.push(Line {
            pos,
            options,
            floor,
        });
    }
    lines.sort_by(|a, b| {
        let size = |x: &Line| x.options.iter().map(|o| o.2).max().unwrap_or_default();
        size(b).cmp(&size(a)).then(a.pos.cmp(&b.pos))
    });
    let mut suffix = vec![Decimal::ZERO; lines.len() + 1];
    for i in (0..lines.len()).rev() {
        suffix[i] = suffix[i + 1] + lines[i].floor;
    }
    let mut need = vec![vec![None; units.len()]; lines.len() + 1];
    for i in (0..lines.len()).rev() {
        need[i] = need[i + 1].clone();
        for o in &lines[i].options {
            if let Some(u) = o.1 {
                let extra = units[u].weight(o.2) - lines[i].floor;
                if need[i][u].is_none_or(|n| extra < n) {
                    need[i][u] = Some(extra);
                }
            }
        }
    }
    Some(Prepared {
        units,
        lines,
        suffix,
        need,
    })
}

impl Prepared {
    /// A lower bound of every assignment under the funding; `None` when it
    /// has none (a unit no line can join).
    pub(super) fn root_bound(&self) -> Option<Decimal> {
        let zero = vec![Decimal::ZERO; self.units.len()];
        let members = vec![0; self.units.len()];
        self.bound(0, Decimal::ZERO, &zero, &members)
    }

    fn bound(&self, i: usize, money: Decimal, w: &[Decimal], members: &[usize]) -> Option<Decimal> {
        let mut bound = money;
        let mut slack = Decimal::ZERO;
        let mut extra = Decimal::ZERO;
        for (u, unit) in self.units.iter().enumerate() {
            if !unit.used {
                continue;
            }
            bound += unit.floor(w[u])?;
            slack += unit.slack(w[u]);
            if members[u] == 0 {
                extra = extra.max(self.need[i][u]?);
            }
        }
        Some(bound + (self.suffix[i] + extra - slack).max(Decimal::ZERO))
    }
}

struct State<'s, 'c> {
    costing: &'s mut Costing<'c>,
    group: &'s Group,
    funding: &'s [Option<Method>],
    prep: &'s Prepared,
    w: Vec<Decimal>,
    members: Vec<usize>,
    money: Decimal,
    picks: Vec<Choice>,
    /// Assignments must cost less than this to matter.
    bar: Option<Decimal>,
    best: Option<(Decimal, Vec<Choice>)>,
    nodes: usize,
    limit: usize,
}

/// The cheapest feasible assignment under the prepared funding that costs
/// less than `cutoff` — or, with no cutoff and nothing feasible, the one
/// putting every line it can on the funding's units — and whether the search
/// finished. Spends at most `budget` nodes (and at most
/// [`FUNDING_NODE_LIMIT`]), taking them off `budget`. With `warm_start` the
/// tree starts from a greedy, locally improved assignment; without, from
/// nothing.
pub(super) fn search(
    costing: &mut Costing<'_>,
    group: &Group,
    funding: &[Option<Method>],
    prep: &Prepared,
    cutoff: Option<Decimal>,
    budget: &mut usize,
    warm_start: bool,
) -> (Option<Assignment>, bool) {
    let incumbent = if warm_start {
        improve(costing, group, funding, prep)
    } else {
        None
    };
    let bar = match (&incumbent, cutoff) {
        (Some((t, _)), Some(c)) => Some((*t).min(c)),
        (Some((t, _)), None) => Some(*t),
        (None, c) => c,
    };
    let n_units = prep.units.len();
    let mut s = State {
        costing,
        group,
        funding,
        prep,
        w: vec![Decimal::ZERO; n_units],
        members: vec![0; n_units],
        money: Decimal::ZERO,
        picks: vec![prep.lines[0].options[0].0; prep.lines.len()],
        bar,
        best: incumbent.filter(|(t, _)| cutoff.is_none_or(|c| *t < c)),
        nodes: 0,
        limit: (*budget).min(FUNDING_NODE_LIMIT),
    };
    dfs(&mut s, 0);
    let done = s.nodes <= s.limit;
    *budget = budget.saturating_sub(s.nodes);
    if let Some((total, picks)) = s.best.take() {
        return (Some(entry((0, total), picks)), done);
    }
    if cutoff.is_some() {
        return (None, done);
    }
    // Nothing feasible: report the funding with every line it can take.
    let mut ordered = vec![prep.lines[0].options[0].0; prep.lines.len()];
    for l in &prep.lines {
        ordered[l.pos] = l
            .options
            .iter()
            .find(|o| o.1.is_some())
            .unwrap_or(&l.options[0])
            .0;
    }
    let found = s
        .costing
        .assignment(group, funding, &ordered)
        .map(|key| entry(key, ordered));
    (found, done)
}

fn entry(key: (u32, Decimal), choices: Vec<Choice>) -> Assignment {
    Assignment {
        key,
        kind: StrategyKind::of(&choices),
        choices,
    }
}

/// A feasible assignment to start from: each line on its lightest option,
/// a unit left empty given its cheapest line, then single-line moves while
/// any lowers the exact cost.
fn improve(
    costing: &mut Costing<'_>,
    group: &Group,
    funding: &[Option<Method>],
    prep: &Prepared,
) -> Option<(Decimal, Vec<Choice>)> {
    let n = prep.lines.len();
    // Option index per search-order line.
    let mut at = vec![0usize; n];
    for (u, unit) in prep.units.iter().enumerate() {
        if !unit.used
            || at
                .iter()
                .enumerate()
                .any(|(i, &k)| prep.lines[i].options[k].1 == Some(u))
        {
            continue;
        }
        let pick = (0..n)
            .flat_map(|i| {
                prep.lines[i]
                    .options
                    .iter()
                    .enumerate()
                    .filter(|(_, o)| o.1 == Some(u))
                    .map(move |(k, o)| (prep.units[u].weight(o.2) - prep.lines[i].floor, i, k))
            })
            .min()?;
        at[pick.1] = pick.2;
    }
    let choices = |at: &[usize]| {
        let mut c = vec![prep.lines[0].options[0].0; n];
        for (i, &k) in at.iter().enumerate() {
            c[prep.lines[i].pos] = prep.lines[i].options[k].0;
        }
        c
    };
    let cost = |costing: &mut Costing<'_>, at: &[usize]| match costing.assignment(
        group,
        funding,
        &choices(at),
    ) {
        Some((0, t)) => Some(t),
        _ => None,
    };
    let mut best = cost(costing, &at);
    for _ in 0..8 {
        let mut moved = false;
        for i in 0..n {
            for k in 0..prep.lines[i].options.len() {
                if k == at[i] {
                    continue;
                }
                let old = at[i];
                at[i] = k;
                match cost(costing, &at) {
                    Some(t) if best.is_none_or(|b| t < b) => {
                        best = Some(t);
                        moved = true;
                    }
                    _ => at[i] = old,
                }
            }
        }
        if !moved {
            break;
        }
    }
    best.map(|t| (t, choices(&at)))
}

fn unit(costing: &Costing<'_>, u: usize, m: Option<Method>, months: Decimal) -> Unit {
    let terms = &costing.opts.units[u].terms;
    let rate_of = |p: &crate::pricing::Pack| p.price / p.credits;
    let best_rate = terms.unit.packs.iter().map(rate_of).min();
    let (used, rate, sub) = match m {
        None => (false, None, None),
        Some(Method::Pack(i)) => (true, Some(rate_of(&terms.unit.packs[i])), None),
        Some(Method::BestPacks) => (true, best_rate, None),
        Some(Method::Subscription(i)) => (
            true,
            best_rate,
            Some(Seated::new(&terms.unit.subscriptions[i], terms.seats)),
        ),
    };
    Unit {
        used,
        rate,
        fees: sub.map_or(Decimal::ZERO, |s| s.fee * months),
        included: sub.map_or(Decimal::ZERO, |s| s.credits * months),
    }
}

fn dfs(s: &mut State<'_, '_>, i: usize) {
    s.nodes += 1;
    if s.nodes > s.limit {
        return;
    }
    let Some(bound) = s.prep.bound(i, s.money, &s.w, &s.members) else {
        return;
    };
    if s.bar.is_some_and(|b| bound >= b) {
        return;
    }
    let prep = s.prep;
    if i == prep.lines.len() {
        if let Some((0, total)) = s.costing.assignment(s.group, s.funding, &s.picks) {
            if s.bar.is_none_or(|b| total < b) {
                s.bar = Some(total);
                s.best = Some((total, s.picks.clone()));
            }
        }
        return;
    }
    let line = &prep.lines[i];
    for &(choice, unit, amount) in &line.options {
        s.picks[line.pos] = choice;
        match unit {
            Some(u) => {
                s.w[u] += amount;
                s.members[u] += 1;
                dfs(s, i + 1);
                s.w[u] -= amount;
                s.members[u] -= 1;
            }
            None => {
                s.money += amount;
                dfs(s, i + 1);
                s.money -= amount;
            }
        }
    }
}
