//! Costing one group's assignments: the types the exhaustive search
//! (`search.rs`) and the branch and bound (`bound.rs`) share, below both.
//!
//! A [`Group`] is lines that share credit units; an [`Assignment`] is one
//! costed assignment of its lines; [`Costing`] prices assignments,
//! remembering each credit account it has run.

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::account::{self, Method};
use super::calendar::Calendar;
use super::options::{Options, Pay};
use super::strategy::{Choice, Priced, StrategyKind, add_into};

/// Ranking key: (infeasible, total). Feasible strategies come first.
pub type Key = (u32, Decimal);

/// Lines that share credit units (or a lone line), and those units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub lines: Vec<usize>,
    pub units: Vec<usize>,
}

/// A costed assignment of a group's lines (choices in `Group::lines` order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub key: Key,
    pub choices: Vec<Choice>,
    pub kind: StrategyKind,
}

/// A credit account's identity: unit, method, (line, candidate) members.
type Pool = (usize, Method, Vec<(usize, usize)>);

/// Costs assignments, remembering each account run by its pool.
pub(super) struct Costing<'a> {
    pub(super) opts: &'a Options,
    pub(super) cal: &'a Calendar,
    pub(super) priced: &'a Priced,
    memo: HashMap<Pool, (Decimal, bool)>,
}

impl<'a> Costing<'a> {
    /// Costs assignments of `opts`' lines over `cal`, from `priced`.
    pub(super) fn new(opts: &'a Options, cal: &'a Calendar, priced: &'a Priced) -> Costing<'a> {
        Costing {
            opts,
            cal,
            priced,
            memo: HashMap::new(),
        }
    }

    /// Total and infeasibility of unit `u` bought by `m` for `members`
    /// ((line, candidate) pairs).
    fn unit(&mut self, u: usize, m: Method, members: &[(usize, usize)]) -> (Decimal, bool) {
        let key = (u, m, members.to_vec());
        if let Some(v) = self.memo.get(&key) {
            return *v;
        }
        let mut pool = vec![Decimal::ZERO; self.cal.len()];
        for &(l, c) in members {
            add_into(&mut pool, &self.priced.amounts[l][c]);
        }
        let run = account::run(&self.opts.units[u].terms, m, &pool, self.cal, false);
        let v = (run.spend.iter().sum(), !run.infeasible.is_empty());
        self.memo.insert(key, v);
        v
    }

    /// Key of a group assignment; `None` if a used unit has no line.
    pub(super) fn assignment(
        &mut self,
        group: &Group,
        funding: &[Option<Method>],
        choices: &[Choice],
    ) -> Option<Key> {
        let mut total = Decimal::ZERO;
        let mut infeasible = false;
        let mut members: Vec<Vec<(usize, usize)>> = vec![Vec::new(); group.units.len()];
        for (&l, ch) in group.lines.iter().zip(choices) {
            match self.opts.lines[l].candidates[ch.candidate].pay {
                Pay::Credits(u) => {
                    let i = group.units.iter().position(|x| *x == u)?;
                    members[i].push((l, ch.candidate));
                }
                Pay::Money => total += self.priced.totals[l][ch.candidate],
            }
        }
        for (i, m) in funding.iter().enumerate() {
            match (m, members[i].is_empty()) {
                (Some(_), true) => return None,
                (Some(m), false) => {
                    let (t, bad) = self.unit(group.units[i], *m, &members[i]);
                    total += t;
                    infeasible |= bad;
                }
                (None, _) => {}
            }
        }
        Some((u32::from(infeasible), total))
    }
}
