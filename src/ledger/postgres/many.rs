//! Many writes (and reads) as one statement: a group commit's queued
//! writes of one kind leave as a single statement over arrays (`unnest`),
//! not one statement each, and so do its announced reads of one kind.
//!
//! The server runs a pipeline's statements one after another, each in its
//! own extended-protocol exchange, so in a group of a hundred holds and
//! settles the fixed cost of a statement, not its work, is what the head
//! lock waits for. Between two statements that are not such writes (a
//! read, a savepoint, a rare write), the queued writes are taken together
//! by kind, in a fixed order: holds opened, holds ended, grants used,
//! counters changed, journal entries. The order only moves writes to
//! different tables (or to different rows of one) past each other, except
//! that a hold ended in the run may have been opened in it, and opening
//! comes first. Changes that add up (counters, grant use) are summed per
//! row by the statement; holds ended are taken together only when no key
//! appears twice (an `UPDATE … FROM` changes each row once). A kind with
//! one write in the run keeps its own statement, so a lone operation sends
//! exactly what it always did.
//!
//! Reads ([`reads`]): reads announced together that differ only in their
//! first parameter (a hold's key, a user) run as one statement: the read's
//! own statement as a lateral subquery over the array of those keys, each
//! row tagged (its last column) with the key it answers, so each key's rows
//! become its answer exactly as if it had been asked alone.

use std::collections::HashMap;

use tokio_postgres::Row;

use super::conn::{Job, Param};
use super::reads::Key;
use super::rows::{ENTRY_COLUMNS, HOLD_COLUMNS};

/// A write that can join others of its kind; the order is the order in
/// which a run's kinds are sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum Shape {
    OpenHold,
    EndHold,
    UseGrant,
    Count,
    Entry,
}

const SHAPES: [Shape; 5] = [
    Shape::OpenHold,
    Shape::EndHold,
    Shape::UseGrant,
    Shape::Count,
    Shape::Entry,
];

/// Rewrites a run of queued writes (in queue order) as the statements to
/// send: each kind with more than one write as one statement over arrays.
pub(super) fn run(writes: Vec<(Shape, Job)>) -> Vec<Job> {
    if writes.len() < 2 {
        return writes.into_iter().map(|(_, j)| j).collect();
    }
    let ends: Vec<&Param> = writes
        .iter()
        .filter(|(s, _)| *s == Shape::EndHold)
        .filter_map(|(_, j)| j.params.first())
        .collect();
    let distinct: std::collections::HashSet<&Param> = ends.iter().copied().collect();
    if distinct.len() != ends.len() {
        // A hold ended twice in one run (it cannot be, but if it were the
        // second must follow the first): sent as queued.
        return writes.into_iter().map(|(_, j)| j).collect();
    }
    let mut out = Vec::new();
    let mut writes = writes;
    for shape in SHAPES {
        let (these, rest): (Vec<_>, Vec<_>) = writes.into_iter().partition(|(s, _)| *s == shape);
        writes = rest;
        let jobs: Vec<Job> = these.into_iter().map(|(_, j)| j).collect();
        if jobs.len() < 2 {
            out.extend(jobs);
            continue;
        }
        match many(shape, &jobs) {
            Some(job) => out.push(job),
            None => out.extend(jobs),
        }
    }
    out
}

/// Column `i` of every job as one array parameter, if every job has a
/// `$one` there (`None` otherwise).
macro_rules! column {
    ($jobs:expr, $i:expr, $one:ident, $many:ident) => {
        $jobs
            .iter()
            .map(|j| match j.params.get($i) {
                Some(Param::$one(v)) => Some(v.clone()),
                _ => None,
            })
            .collect::<Option<_>>()
            .map(Param::$many)
    };
}

/// The columns of `jobs` (every job the same kind) as arrays, with the
/// `unnest(…)` that reads them back as rows; `None` if a column mixes
/// parameter types (then the jobs go one by one).
fn columns(jobs: &[Job]) -> Option<(Vec<Param>, String)> {
    let width = jobs[0].params.len();
    let mut arrays = Vec::with_capacity(width);
    let mut casts = Vec::with_capacity(width);
    for i in 0..width {
        let (array, ty) = match jobs[0].params[i] {
            Param::Int8(_) => (column!(jobs, i, Int8, Int8s), "int8"),
            Param::Int4(_) => (column!(jobs, i, Int4, Int4s), "int4"),
            Param::Text(_) => (column!(jobs, i, Text, Texts), "text"),
            Param::Bytea(_) => (column!(jobs, i, Bytea, Byteas), "bytea"),
            Param::Bool(_) => (column!(jobs, i, Bool, Bools), "bool"),
            _ => return None,
        };
        arrays.push(array?);
        casts.push(format!("${}::{ty}[]", i + 1));
    }
    Some((arrays, format!("unnest({})", casts.join(", "))))
}

/// One statement doing what `jobs` (two or more writes of `shape`) do.
fn many(shape: Shape, jobs: &[Job]) -> Option<Job> {
    let (mut params, rows) = columns(jobs)?;
    let sql = match shape {
        Shape::OpenHold => {
            format!("INSERT INTO genbudget.holds ({HOLD_COLUMNS}) SELECT * FROM {rows}")
        }
        Shape::EndHold => format!(
            "UPDATE genbudget.holds h SET state = v.state, settled = v.settled, overrun = v.overrun,
                 end_seq = v.end_seq
             FROM {rows} AS v(key, state, settled, overrun, end_seq) WHERE h.key = v.key"
        ),
        Shape::UseGrant => format!(
            "UPDATE genbudget.grants g SET spent = g.spent + v.spent, held = g.held + v.held
             FROM (SELECT key, sum(spent)::bigint AS spent, sum(held)::bigint AS held
                   FROM {rows} AS x(key, spent, held) GROUP BY key) v
             WHERE g.key = v.key"
        ),
        Shape::Count => format!(
            r#"WITH v AS (SELECT * FROM {rows} AS x(u, day, spent, held, allow_spent, allow_held, overruns, holds)),
             us AS (
                 UPDATE genbudget.users t SET open_holds = t.open_holds + s.holds, spent = t.spent + s.spent,
                     held = t.held + s.held, allow_spent = t.allow_spent + s.allow_spent,
                     allow_held = t.allow_held + s.allow_held, overruns = t.overruns + s.overruns
                 FROM (SELECT u, sum(holds)::bigint AS holds, sum(spent)::bigint AS spent,
                           sum(held)::bigint AS held, sum(allow_spent)::bigint AS allow_spent,
                           sum(allow_held)::bigint AS allow_held, sum(overruns)::bigint AS overruns
                       FROM v GROUP BY u) s
                 WHERE t.id = s.u RETURNING 1
             ), ud AS (
                 INSERT INTO genbudget.user_days AS d ("user", day, spent, held, allow_spent, allow_held, overruns)
                 SELECT u, day, sum(spent)::bigint, sum(held)::bigint, sum(allow_spent)::bigint,
                     sum(allow_held)::bigint, sum(overruns)::bigint
                 FROM v GROUP BY u, day
                 ON CONFLICT ("user", day) DO UPDATE SET spent = d.spent + excluded.spent,
                     held = d.held + excluded.held, allow_spent = d.allow_spent + excluded.allow_spent,
                     allow_held = d.allow_held + excluded.allow_held, overruns = d.overruns + excluded.overruns
                 RETURNING 1
             ), o AS (
                 UPDATE genbudget.org t SET open_holds = t.open_holds + s.holds, spent = t.spent + s.spent,
                     held = t.held + s.held, overruns = t.overruns + s.overruns
                 FROM (SELECT sum(holds)::bigint AS holds, sum(spent)::bigint AS spent,
                           sum(held)::bigint AS held, sum(overruns)::bigint AS overruns FROM v) s
                 WHERE t.id = 1 RETURNING 1
             )
             INSERT INTO genbudget.org_days AS d (day, spent, held, overruns)
             SELECT day, sum(spent)::bigint, sum(held)::bigint, sum(overruns)::bigint FROM v GROUP BY day
             ON CONFLICT (day) DO UPDATE SET spent = d.spent + excluded.spent,
                 held = d.held + excluded.held, overruns = d.overruns + excluded.overruns"#
        ),
        Shape::Entry => {
            // The head row takes the last entry's seq and hash.
            let last = jobs.last()?;
            let n = params.len();
            params.push(last.params.first()?.clone());
            params.push(last.params.get(11)?.clone());
            format!(
                "WITH e AS (INSERT INTO genbudget.journal ({ENTRY_COLUMNS}) SELECT * FROM {rows})
                 UPDATE genbudget.head SET seq = ${}, hash = ${} WHERE id = 1",
                n + 1,
                n + 2
            )
        }
    };
    Some(Job::new(sql, params))
}

/// The statements that answer `keys` (each asked once), in order of first
/// appearance: a key alone, or several as one statement ([`split`] gives
/// each its rows back).
pub(super) fn reads(keys: Vec<Key>) -> Vec<(Job, Vec<Key>)> {
    // Each kind's statement, its keys and their first parameters.
    let mut out: Vec<(Job, Vec<Key>, Vec<Option<String>>)> = Vec::new();
    // (statement, parameters after the first) → its place in `out`.
    let mut kinds: HashMap<(String, Vec<Param>), usize> = HashMap::new();
    for k in keys {
        let job = k.job();
        let Some(Param::Text(Some(first))) = job.params.first().cloned() else {
            out.push((job, vec![k], Vec::new()));
            continue;
        };
        let kind = (job.sql.clone(), job.params[1..].to_vec());
        match kinds.get(&kind) {
            Some(&at) => {
                out[at].1.push(k);
                out[at].2.push(Some(first));
            }
            None => {
                kinds.insert(kind, out.len());
                out.push((job, vec![k], vec![Some(first)]));
            }
        }
    }
    out.into_iter()
        .map(|(job, keys, firsts)| {
            if keys.len() < 2 {
                return (job, keys);
            }
            let sql = format!(
                "SELECT q.*, x.i FROM unnest($1::text[]) WITH ORDINALITY AS x(k, i)
                 CROSS JOIN LATERAL ({}) q",
                first_param_as(&job.sql, "x.k")
            );
            let params = [vec![Param::Texts(firsts)], job.params[1..].to_vec()].concat();
            (Job::new(sql, params), keys)
        })
        .collect()
}

/// `sql` with its parameter `$1` (not `$10`…) written as `with`.
fn first_param_as(sql: &str, with: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(at) = rest.find("$1") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        if after.starts_with(|c: char| c.is_ascii_digit()) {
            out.push_str("$1");
        } else {
            out.push_str(with);
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// The rows of a statement from [`reads`] for `n` keys, split by the key
/// each answers (the tag in the last column, counted from 1).
pub(super) fn split(rows: Vec<Row>, n: usize) -> Vec<Vec<Row>> {
    let mut out: Vec<Vec<Row>> = (0..n).map(|_| Vec::new()).collect();
    for r in rows {
        let tag: Option<i64> = r.len().checked_sub(1).and_then(|i| r.try_get(i).ok());
        if let Some(slot) = tag
            .and_then(|t| usize::try_from(t).ok())
            .and_then(|t| t.checked_sub(1))
            .and_then(|t| out.get_mut(t))
        {
            slot.push(r);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::postgres::conn::params;

    fn entry(seq: i64, hash: u8) -> (Shape, Job) {
        let h = vec![hash; 32];
        let params = params![
            seq,
            "2026-04-20T09:00:00Z",
            "hold",
            "alice",
            format!("k{seq}"),
            None::<String>,
            "2026-04-20",
            Some(5_i64),
            None::<i64>,
            "{}",
            &vec![0_u8; 32],
            &h,
        ];
        (Shape::Entry, Job::new("entry", params))
    }

    fn count(user: &str, spent: i64) -> (Shape, Job) {
        let p = params![user, "2026-04-20", spent, 0_i64, 0_i64, 0_i64, 0_i64, 1_i64];
        (Shape::Count, Job::new("count", p))
    }

    fn end(key: &str) -> (Shape, Job) {
        let p = params![key, "settled", Some(3_i64), false, 9_i64];
        (Shape::EndHold, Job::new("end", p))
    }

    #[test]
    fn a_lone_write_of_each_kind_leaves_as_it_was_queued() {
        let out = run(vec![entry(3, 7), count("alice", 5), end("a")]);
        let sqls: Vec<&str> = out.iter().map(|j| j.sql.as_str()).collect();
        // One of each kind: nothing to take together; sent in kind order.
        assert_eq!(sqls, ["end", "count", "entry"]);
        let out = run(vec![entry(3, 7)]);
        assert_eq!(out[0].sql, "entry");
    }

    #[test]
    fn writes_of_one_kind_become_one_statement_over_arrays() {
        let out = run(vec![
            count("alice", 5),
            entry(3, 7),
            count("bob", 2),
            entry(4, 8),
        ]);
        assert_eq!(out.len(), 2, "{out:?}");
        assert!(out[0].sql.contains("user_days"), "counters first");
        // Eight columns, each an array of the two rows in queue order.
        assert_eq!(out[0].params.len(), 8);
        assert_eq!(
            out[0].params[0],
            Param::Texts(vec![Some("alice".into()), Some("bob".into())])
        );
        assert_eq!(out[0].params[2], Param::Int8s(vec![Some(5), Some(2)]));
        // The entries: twelve columns, then the head takes the last seq
        // (4) and hash (eight 8s).
        assert!(out[1].sql.contains("genbudget.journal"));
        assert_eq!(out[1].params.len(), 14);
        assert_eq!(out[1].params[0], Param::Int8s(vec![Some(3), Some(4)]));
        assert_eq!(out[1].params[12], Param::Int8(Some(4)));
        assert_eq!(out[1].params[13], Param::Bytea(vec![8; 32]));
        assert!(out[1].sql.contains("seq = $13, hash = $14"));
    }

    #[test]
    fn the_first_parameter_is_replaced_and_no_other() {
        assert_eq!(
            first_param_as("a = $1 AND b = $10 AND c = $1", "x.k"),
            "a = x.k AND b = $10 AND c = x.k"
        );
    }

    #[test]
    fn reads_of_one_kind_and_the_same_other_parameters_go_together() {
        let day = "2026-04-20".parse().unwrap();
        let other = "2026-04-21".parse().unwrap();
        let out = reads(vec![
            Key::Hold("a".into()),
            Key::Usable("alice".into(), day),
            Key::Hold("b".into()),
            Key::Org,
            Key::Usable("bob".into(), day),
            // Another day: the same statement with other parameters.
            Key::Usable("carol".into(), other),
        ]);
        let keys: Vec<usize> = out.iter().map(|(_, k)| k.len()).collect();
        assert_eq!(keys, [2, 2, 1, 1]);
        let (holds, _) = &out[0];
        assert!(holds.sql.contains("WITH ORDINALITY") && holds.sql.contains("key = x.k"));
        assert_eq!(
            holds.params,
            [Param::Texts(vec![Some("a".into()), Some("b".into())])]
        );
        // The users as the array, the day as it was.
        let (usable, _) = &out[1];
        assert_eq!(usable.params.len(), 2);
        assert_eq!(usable.params[1], Param::Text(Some("2026-04-20".into())));
        // Alone: as `Key::job` gives it.
        assert_eq!(out[3].0.sql, Key::Usable("carol".into(), other).job().sql);
    }

    #[test]
    fn a_hold_ended_twice_in_one_run_keeps_the_queue_order() {
        let out = run(vec![end("a"), count("alice", 1), end("a")]);
        let sqls: Vec<&str> = out.iter().map(|j| j.sql.as_str()).collect();
        assert_eq!(sqls, ["end", "count", "end"]);
    }
}
