//! Branch and bound over one plan of a large group (see `search.rs` for
//! where it is used and why the bound is valid).
//!
//! Each line either pays its cheapest pay-as-you-go candidate or joins one
//! of the plan's credit units. Lines are decided largest first; at each
//! node, a lower bound of every completion is
//!
//! ```text
//! money so far + Σ units L(W) + max(0, Σ undecided lines' floor − Σ units slack(W))
//! ```
//!
//! where W is the credits a unit's lines need so far, r the lowest price per
//! credit the unit's method can buy at, F a subscription's fees and I its
//! included credits over the horizon: L(W) = F + r·max(0, W − I) (a unit with
//! no packs: F while W ≤ I, impossible beyond), slack(W) = r·max(0, I − W),
//! and a line's floor is the least of its pay-as-you-go total and r × its
//! credits on each unit it could join (0 on a unit with no packs). L only
//! grows with W, and a unit's extra cost from further lines is at least
//! r·(their credits) − slack, so the bound never overestimates.

use rust_decimal::Decimal;

use super::account::{Method, Seated};
use super::options::Pay;
use super::search::{Costing, Entry, Group, NODE_LIMIT};
use super::strategy::{Choice, StrategyKind};

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
}

struct Line {
    /// Position in the group's lines.
    pos: usize,
    /// (choice, unit position or None for money, credits or money total).
    options: Vec<(Choice, Option<usize>, Decimal)>,
    floor: Decimal,
}

struct State<'s, 'c> {
    costing: &'s mut Costing<'c>,
    group: &'s Group,
    plan: &'s [Option<Method>],
    units: Vec<Unit>,
    lines: Vec<Line>,
    suffix: Vec<Decimal>,
    w: Vec<Decimal>,
    members: Vec<usize>,
    money: Decimal,
    picks: Vec<Choice>,
    best: Option<(Decimal, Vec<Choice>)>,
    nodes: usize,
}

/// The cheapest feasible assignment under `plan` (or, when none is
/// feasible, the one putting every line it can on the plan's units), and
/// whether the search finished.
pub(super) fn best_in_plan(
    costing: &mut Costing<'_>,
    group: &Group,
    plan: &[Option<Method>],
    choices: &[Vec<Choice>],
) -> Option<(Entry, bool)> {
    if choices.iter().any(Vec::is_empty) {
        return None;
    }
    let months = Decimal::from(costing.cal.len());
    let units: Vec<Unit> = group
        .units
        .iter()
        .zip(plan)
        .map(|(&u, m)| unit(costing, u, *m, months))
        .collect();
    let mut lines: Vec<Line> = Vec::new();
    for (pos, (&l, ch)) in group.lines.iter().zip(choices).enumerate() {
        let mut options = Vec::new();
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
        let weight = |o: &(Choice, Option<usize>, Decimal)| match o.1 {
            Some(i) => units[i].rate.map_or(Decimal::ZERO, |r| r * o.2),
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
    let n_units = units.len();
    let mut s = State {
        costing,
        group,
        plan,
        units,
        picks: choices.iter().map(|c| c[0]).collect(),
        lines,
        suffix,
        w: vec![Decimal::ZERO; n_units],
        members: vec![0; n_units],
        money: Decimal::ZERO,
        best: None,
        nodes: 0,
    };
    dfs(&mut s, 0);
    let done = s.nodes <= NODE_LIMIT;
    let (choices, key) = match s.best.take() {
        Some((total, picks)) => (picks, (0, total)),
        None => {
            // Nothing feasible: report the plan with every line it can take.
            let picks: Vec<Choice> = s
                .lines
                .iter()
                .map(|l| {
                    l.options
                        .iter()
                        .find(|o| o.1.is_some())
                        .unwrap_or(&l.options[0])
                        .0
                })
                .collect();
            let mut ordered = vec![picks[0]; picks.len()];
            for (l, p) in s.lines.iter().zip(picks) {
                ordered[l.pos] = p;
            }
            let key = s.costing.assignment(group, plan, &ordered)?;
            (ordered, key)
        }
    };
    Some((
        Entry {
            key,
            kind: StrategyKind::of(&choices),
            choices,
        },
        done,
    ))
}

fn unit(costing: &Costing<'_>, u: usize, m: Option<Method>, months: Decimal) -> Unit {
    let terms = &costing.opts.units[u].terms;
    let rate_of = |p: &crate::pricing::Pack| p.price / p.credits;
    let best_rate = terms.unit.packs.iter().map(rate_of).min();
    match m {
        None => Unit {
            used: false,
            rate: None,
            fees: Decimal::ZERO,
            included: Decimal::ZERO,
        },
        Some(Method::Pack(i)) => Unit {
            used: true,
            rate: Some(rate_of(&terms.unit.packs[i])),
            fees: Decimal::ZERO,
            included: Decimal::ZERO,
        },
        Some(Method::BestPacks) => Unit {
            used: true,
            rate: best_rate,
            fees: Decimal::ZERO,
            included: Decimal::ZERO,
        },
        Some(Method::Subscription(i)) => {
            let s = Seated::new(&terms.unit.subscriptions[i], terms.seats);
            Unit {
                used: true,
                rate: best_rate,
                fees: s.fee * months,
                included: s.credits * months,
            }
        }
    }
}

fn dfs(s: &mut State<'_, '_>, i: usize) {
    s.nodes += 1;
    if s.nodes > NODE_LIMIT {
        return;
    }
    let mut bound = s.money;
    let mut slack = Decimal::ZERO;
    for (u, w) in s.units.iter().zip(&s.w) {
        if u.used {
            match u.floor(*w) {
                Some(f) => bound += f,
                None => return,
            }
            slack += u.slack(*w);
        }
    }
    bound += (s.suffix[i] - slack).max(Decimal::ZERO);
    if s.best.as_ref().is_some_and(|(b, _)| bound >= *b) {
        return;
    }
    if i == s.lines.len() {
        if s.units
            .iter()
            .zip(&s.members)
            .any(|(u, n)| u.used && *n == 0)
        {
            return;
        }
        if let Some((0, total)) = s.costing.assignment(s.group, s.plan, &s.picks) {
            if s.best.as_ref().is_none_or(|(b, _)| total < *b) {
                s.best = Some((total, s.picks.clone()));
            }
        }
        return;
    }
    for k in 0..s.lines[i].options.len() {
        let (choice, unit, amount) = s.lines[i].options[k];
        let pos = s.lines[i].pos;
        s.picks[pos] = choice;
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
