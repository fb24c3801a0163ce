//! `verify`: the store's own checks (SQLite's integrity check, the
//! append-only guards), the hash chain from the first entry, the caches
//! against balances derived from the journal, and the limits (via
//! [`Replay`]). Prints the head hash.
//!
//! Everything is read in one read transaction, so `verify` sees a
//! consistent snapshot while other processes keep writing. A cache row that
//! cannot even be read (a value of the wrong type, a state outside its set)
//! is a problem like any other, not an error.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::amount::Micros;
use super::docs::{Problem, VerifyDoc};
use super::error::{LedgerError, Result};
use super::replay::Replay;
use super::state::{Counters, Grant, Hold, PartyRow, Token};
use super::store::StoreTx;

fn cache_problem(problems: &mut Vec<Problem>, what: String) {
    problems.push(Problem {
        entry: None,
        message: format!(
            "cache {what} (the journal is the truth; the cache was changed or missed an update)"
        ),
    });
}

fn show(c: &Counters) -> String {
    format!(
        "spent {} held {} (allowance {}/{}) overruns {}",
        Micros(c.spent),
        Micros(c.held),
        Micros(c.allow_spent),
        Micros(c.allow_held),
        c.overruns
    )
}

/// Runs every check.
pub(crate) fn verify(st: &mut dyn StoreTx) -> Result<VerifyDoc> {
    let mut problems: Vec<Problem> = st
        .check_storage()?
        .into_iter()
        .map(|message| Problem {
            entry: None,
            message,
        })
        .collect();
    let mut replay = Replay::new();
    let walked = st.entries(0, &mut |e| {
        replay.apply(&e);
        Ok(())
    });
    if let Err(e) = walked {
        unreadable(&mut problems, "journal", e)?;
    }
    compare_caches(st, &replay, &mut problems)?;
    let overruns = replay.overruns;
    let mut all = replay.problems;
    all.append(&mut problems);
    Ok(VerifyDoc {
        schema: "genbudget.verify/1",
        ok: all.is_empty(),
        entries: replay.entries,
        head_seq: replay.head_seq,
        head_hash: hex::encode(&replay.head_hash),
        overruns,
        problems: all,
    })
}

/// A table whose rows cannot be read is a problem; any other error stops
/// `verify`.
fn unreadable(problems: &mut Vec<Problem>, table: &str, e: LedgerError) -> Result<()> {
    match e {
        LedgerError::Corrupt(m) => {
            problems.push(Problem {
                entry: None,
                message: format!("{table}: {m}"),
            });
            Ok(())
        }
        other => Err(other),
    }
}

fn read<T>(problems: &mut Vec<Problem>, table: &str, r: Result<T>) -> Result<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) => unreadable(problems, table, e).map(|()| None),
    }
}

fn limits_text(p: &PartyRow) -> String {
    format!("{} (set by entry {})", p.limits, p.limits_seq)
}

fn compare_caches(st: &mut dyn StoreTx, r: &Replay, problems: &mut Vec<Problem>) -> Result<()> {
    match (read(problems, "settings", st.settings())?, &r.settings) {
        (Some(s), Some(j)) if s == *j => {}
        _ => cache_problem(problems, "settings do not match the `init` entry".into()),
    }
    if let Some(rows) = read(problems, "users", st.users())? {
        let mut seen = 0;
        for row in &rows {
            let Some(p) = r.users.get(&row.id) else {
                cache_problem(
                    problems,
                    format!("users: `{}` is not in the journal", row.id),
                );
                continue;
            };
            seen += 1;
            let journal = PartyRow {
                id: row.id.clone(),
                limits: p.limits,
                limits_seq: p.limits_seq,
                open_holds: p.open_holds,
                totals: p.totals,
            };
            party_problem(problems, &format!("users.{}", row.id), row, &journal);
        }
        if seen != r.users.len() {
            cache_problem(problems, "users: a user in the journal has no row".into());
        }
    }
    if let Some(org) = read(problems, "org", st.org())? {
        let journal = PartyRow {
            id: String::new(),
            limits: r.org.limits,
            limits_seq: r.org.limits_seq,
            open_holds: r.org.open_holds,
            totals: r.org.totals.for_org(),
        };
        party_problem(problems, "org", &org, &journal);
    }
    if let Some(days) = read(problems, "day counters", st.day_rows())? {
        let mut derived = BTreeMap::new();
        for (u, p) in &r.users {
            for (d, c) in &p.days {
                derived.insert((u.clone(), *d), *c);
            }
        }
        if let Some((u, d)) = first_diff(&days.users, &derived) {
            cache_problem(
                problems,
                format!("user_days.{u}.{d} differs from the journal"),
            );
        }
        let derived: BTreeMap<NaiveDate, Counters> =
            r.org.days.iter().map(|(d, c)| (*d, c.for_org())).collect();
        if let Some(d) = first_diff(&days.org, &derived) {
            cache_problem(problems, format!("org_days.{d} differs from the journal"));
        }
    }
    if let Some(grants) = read(problems, "grants", st.grants())? {
        let cached: BTreeMap<&str, &Grant> = grants.iter().map(|g| (g.key.as_str(), g)).collect();
        let derived: BTreeMap<&str, &Grant> =
            r.grants.iter().map(|(k, g)| (k.as_str(), g)).collect();
        if let Some(bad) = first_mismatch(&cached, &derived) {
            cache_problem(problems, format!("grants.{bad} differs from the journal"));
        }
    }
    if let Some(tokens) = read(problems, "tokens", st.tokens())? {
        let cached: BTreeMap<&str, &Token> = tokens.iter().map(|t| (t.name.as_str(), t)).collect();
        let derived: BTreeMap<&str, &Token> =
            r.tokens.iter().map(|(k, t)| (k.as_str(), t)).collect();
        if let Some(bad) = first_mismatch(&cached, &derived) {
            cache_problem(problems, format!("tokens.{bad} differs from the journal"));
        }
    }
    if let Some(holds) = read(problems, "holds", st.holds(None, true))? {
        if holds.len() != r.holds.len() {
            cache_problem(
                problems,
                format!(
                    "holds: {} rows but the journal has {}",
                    holds.len(),
                    r.holds.len()
                ),
            );
        }
        for h in holds {
            if r.holds.get(&h.key) != Some(&h) {
                cache_problem(
                    problems,
                    format!(
                        "holds.{} {}",
                        h.key,
                        hold_difference(&h, r.holds.get(&h.key))
                    ),
                );
            }
        }
    }
    Ok(())
}

/// Says which of a party's figures differ, with both values.
fn party_problem(problems: &mut Vec<Problem>, name: &str, cached: &PartyRow, journal: &PartyRow) {
    if cached.limits != journal.limits || cached.limits_seq != journal.limits_seq {
        cache_problem(
            problems,
            format!(
                "{name}: limits are {} but the journal gives {}",
                limits_text(cached),
                limits_text(journal)
            ),
        );
    }
    if cached.open_holds != journal.open_holds || cached.totals != journal.totals {
        cache_problem(
            problems,
            format!(
                "{name}: {} open holds, {} but the journal gives {} open holds, {}",
                cached.open_holds,
                show(&cached.totals),
                journal.open_holds,
                show(&journal.totals)
            ),
        );
    }
}

fn hold_difference(cached: &Hold, journal: Option<&Hold>) -> String {
    let Some(j) = journal else {
        return "is not in the journal".into();
    };
    let fields: [(&str, String, String); 6] = [
        (
            "state",
            cached.state.as_str().into(),
            j.state.as_str().into(),
        ),
        (
            "credits",
            Micros(cached.credits).to_string(),
            Micros(j.credits).to_string(),
        ),
        ("user", cached.user.clone(), j.user.clone()),
        (
            "settled",
            format!("{:?}", cached.settled.map(Micros)),
            format!("{:?}", j.settled.map(Micros)),
        ),
        ("day", cached.day.to_string(), j.day.to_string()),
        (
            "expires_at",
            format!("{:?}", cached.expires_at),
            format!("{:?}", j.expires_at),
        ),
    ];
    match fields.iter().find(|(_, a, b)| a != b) {
        Some((f, a, b)) => format!("differs from the journal: {f} is {a}, the journal gives {b}"),
        None => "differs from the journal".into(),
    }
}

/// The first key present on one side only, or with different values.
fn first_mismatch<'a, V: PartialEq>(
    a: &BTreeMap<&'a str, V>,
    b: &BTreeMap<&'a str, V>,
) -> Option<&'a str> {
    a.keys()
        .chain(b.keys())
        .find(|k| a.get(*k) != b.get(*k))
        .copied()
}

/// The first key whose counters differ (a missing row counts as zero).
fn first_diff<K: Ord + Clone>(a: &BTreeMap<K, Counters>, b: &BTreeMap<K, Counters>) -> Option<K> {
    let zero = Counters::default();
    a.keys()
        .chain(b.keys())
        .find(|k| a.get(*k).unwrap_or(&zero) != b.get(*k).unwrap_or(&zero))
        .cloned()
}
