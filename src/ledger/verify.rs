//! `verify`: SQLite's integrity check, the append-only triggers, the hash
//! chain from the first entry, the caches against balances derived from the
//! journal, and the limits (via [`Replay`]). Prints the head hash.
//!
//! Everything is read in one read transaction, so `verify` sees a
//! consistent snapshot while other processes keep writing.

use std::collections::BTreeMap;

use rusqlite::Connection;

use super::amount::Micros;
use super::config::Settings;
use super::docs::{Problem, VerifyDoc};
use super::error::Result;
use super::hold::{self, HoldRow};
use super::journal;
use super::replay::{Party, Replay};
use super::schema::TRIGGERS;
use super::state::{self, Counters};

/// A grant's user, credits, expiry, spent, held and seq, for comparison.
type GrantFields = (String, i64, Option<String>, i64, i64, i64);

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
pub(crate) fn verify(conn: &Connection) -> Result<VerifyDoc> {
    let mut problems = Vec::new();
    let mut stmt = conn.prepare("PRAGMA integrity_check")?;
    let lines: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if lines != ["ok"] {
        for l in lines {
            problems.push(Problem {
                entry: None,
                message: format!("SQLite integrity check: {l}"),
            });
        }
    }
    for t in TRIGGERS {
        let n: i64 = conn.query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = ?1 AND tbl_name = 'journal'",
            [t],
            |r| r.get(0),
        )?;
        if n == 0 {
            problems.push(Problem {
                entry: None,
                message: format!("the journal's append-only trigger `{t}` is missing: the journal could have been edited"),
            });
        }
    }
    let mut replay = Replay::new();
    journal::for_each_after(conn, 0, |e| {
        replay.apply(&e);
        Ok(())
    })?;
    compare_caches(conn, &replay, &mut problems)?;
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

fn compare_caches(conn: &Connection, r: &Replay, problems: &mut Vec<Problem>) -> Result<()> {
    match (Settings::load(conn), &r.settings) {
        (Ok(s), Some(j)) if s == *j => {}
        _ => cache_problem(problems, "settings do not match the `init` entry".into()),
    }
    // Users and their per-day counters.
    let rows = state::users(conn)?;
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
        if row.limits != p.limits || row.open_holds != p.open_holds || row.totals != p.totals {
            cache_problem(
                problems,
                format!(
                    "users.{}: {} open holds, {} but the journal gives {} open holds, {}",
                    row.id,
                    row.open_holds,
                    show(&row.totals),
                    p.open_holds,
                    show(&p.totals)
                ),
            );
        }
    }
    if seen != r.users.len() {
        cache_problem(problems, "users: a user in the journal has no row".into());
    }
    let org = state::org(conn)?;
    let org_totals = Counters {
        allow_spent: 0,
        allow_held: 0,
        ..r.org.totals
    };
    if org.limits != r.org.limits || org.open_holds != r.org.open_holds || org.totals != org_totals
    {
        cache_problem(
            problems,
            format!(
                "org: {} but the journal gives {}",
                show(&org.totals),
                show(&org_totals)
            ),
        );
    }
    compare_days(conn, r, problems)?;
    // Grants.
    let mut stmt =
        conn.prepare("SELECT key, user, credits, expires, spent, held, seq FROM grants")?;
    let grants: BTreeMap<String, GrantFields> = stmt
        .query_map([], |x| {
            Ok((
                x.get(0)?,
                (
                    x.get(1)?,
                    x.get(2)?,
                    x.get(3)?,
                    x.get(4)?,
                    x.get(5)?,
                    x.get(6)?,
                ),
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let derived: BTreeMap<String, GrantFields> = r
        .grants
        .iter()
        .map(|(k, g)| {
            (
                k.clone(),
                (
                    g.user.clone(),
                    g.credits,
                    g.expires.clone(),
                    g.spent,
                    g.held,
                    g.seq,
                ),
            )
        })
        .collect();
    if grants != derived {
        let bad = grants
            .keys()
            .chain(derived.keys())
            .find(|k| grants.get(*k) != derived.get(*k))
            .cloned()
            .unwrap_or_default();
        cache_problem(problems, format!("grants.{bad} differs from the journal"));
    }
    // Holds.
    let holds = hold::list_all(conn)?;
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
        if !same_hold(&h, r) {
            cache_problem(
                problems,
                format!("holds.{} differs from the journal", h.key),
            );
        }
    }
    Ok(())
}

fn same_hold(h: &HoldRow, r: &Replay) -> bool {
    let Some(j) = r.holds.get(&h.key) else {
        return false;
    };
    h.kind == j.kind
        && h.user == j.user
        && h.model == j.model
        && h.day == j.day
        && h.credits == j.credits
        && h.alloc == j.alloc
        && h.created_at == j.created_at
        && h.expires_at.map(hold::micros_text) == j.expires_at
        && h.state == j.state
        && h.settled == j.settled
        && h.overrun == j.overrun
        && h.seq == j.seq
        && h.end_seq == j.end_seq
}

fn compare_days(conn: &Connection, r: &Replay, problems: &mut Vec<Problem>) -> Result<()> {
    let mut stmt = conn.prepare(
        "SELECT user, day, spent, held, allow_spent, allow_held, overruns FROM user_days ORDER BY user, day",
    )?;
    let mut rows = stmt.query([])?;
    let mut cached: BTreeMap<(String, String), Counters> = BTreeMap::new();
    while let Some(x) = rows.next()? {
        let c = Counters {
            spent: x.get(2)?,
            held: x.get(3)?,
            allow_spent: x.get(4)?,
            allow_held: x.get(5)?,
            overruns: x.get(6)?,
        };
        cached.insert((x.get(0)?, x.get(1)?), c);
    }
    let mut derived = BTreeMap::new();
    for (u, p) in &r.users {
        for (d, c) in &p.days {
            derived.insert((u.clone(), d.clone()), *c);
        }
    }
    if let Some((u, d)) = first_diff(&cached, &derived) {
        cache_problem(
            problems,
            format!("user_days.{u}.{d} differs from the journal"),
        );
    }
    let mut stmt = conn.prepare("SELECT day, spent, held, overruns FROM org_days ORDER BY day")?;
    let mut rows = stmt.query([])?;
    let mut cached: BTreeMap<String, Counters> = BTreeMap::new();
    while let Some(x) = rows.next()? {
        let c = Counters {
            spent: x.get(1)?,
            held: x.get(2)?,
            overruns: x.get(3)?,
            ..Counters::default()
        };
        cached.insert(x.get(0)?, c);
    }
    let derived = org_days(&r.org);
    if let Some(d) = first_diff(&cached, &derived) {
        cache_problem(problems, format!("org_days.{d} differs from the journal"));
    }
    Ok(())
}

fn org_days(p: &Party) -> BTreeMap<String, Counters> {
    p.days
        .iter()
        .map(|(d, c)| {
            (
                d.clone(),
                Counters {
                    allow_spent: 0,
                    allow_held: 0,
                    ..*c
                },
            )
        })
        .collect()
}

/// The first key whose counters differ (a missing row counts as zero).
fn first_diff<K: Ord + Clone>(a: &BTreeMap<K, Counters>, b: &BTreeMap<K, Counters>) -> Option<K> {
    let zero = Counters::default();
    a.keys()
        .chain(b.keys())
        .find(|k| a.get(*k).unwrap_or(&zero) != b.get(*k).unwrap_or(&zero))
        .cloned()
}
