//! Tables (for `--format table|csv|markdown`) of the ledger's documents.
//!
//! JSON is the documents themselves through `serde`; these functions only
//! lay the same data out as [`Sheet`]s. Absent values show as `-`, and an
//! uncapped party's available credits as `unlimited`.

use crate::money::Credits;
use crate::render::Sheet;

use crate::ledger::docs::*;

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map_or_else(|| "-".into(), ToString::to_string)
}

fn avail(v: &Option<Credits>) -> String {
    v.as_ref()
        .map_or_else(|| "unlimited".into(), ToString::to_string)
}

/// A hold, settle, release or charge result.
pub fn hold(d: &HoldDoc) -> Sheet {
    let mut s = Sheet::new([
        "key",
        "user",
        "state",
        "credits",
        "settled",
        "available",
        "expires_at",
        "overrun",
    ])
    .right_aligned(&[3, 4, 5]);
    s.row([
        d.key.clone(),
        d.user.clone(),
        d.state.to_string(),
        d.credits.to_string(),
        opt(&d.settled),
        avail(&d.available),
        opt(&d.expires_at),
        if d.overrun { "yes" } else { "no" }.to_string(),
    ]);
    if d.replayed {
        s.notes.push(
            "a repeat of an earlier request with this key: this is its original result".into(),
        );
    }
    s
}

/// A denial.
pub fn denial(d: &Denial) -> Sheet {
    let mut s =
        Sheet::new(["key", "user", "limit", "reason", "asked", "available"]).right_aligned(&[4, 5]);
    s.row([
        d.key.clone(),
        d.user.clone(),
        d.limit.to_string(),
        d.reason.clone(),
        d.asked.to_string(),
        avail(&d.available),
    ]);
    s
}

/// `grant`.
pub fn grant(d: &GrantDoc) -> Sheet {
    let mut s = Sheet::new(["key", "user", "credits", "expires", "note"]).right_aligned(&[2]);
    s.row([
        d.key.clone(),
        d.user.clone(),
        d.credits.to_string(),
        opt(&d.expires),
        opt(&d.note),
    ]);
    if d.replayed {
        s.notes
            .push("a repeat of an earlier grant with this key: nothing changed".into());
    }
    s
}

/// `user add|set|list` and `org set`.
pub fn limits(rows: &[(String, &LimitsDoc)]) -> Sheet {
    let mut s = Sheet::new(["user", "cap", "period", "max_holds"]).right_aligned(&[1, 3]);
    for (who, l) in rows {
        s.row([
            who.clone(),
            opt(&l.cap),
            l.period.to_string(),
            opt(&l.max_holds),
        ]);
    }
    s
}

/// `init`.
pub fn init(d: &InitDoc) -> Sheet {
    let mut s = Sheet::new(["setting", "value"]);
    for (k, v) in [
        ("path", d.path.clone()),
        ("schema_version", d.schema_version.to_string()),
        ("credit_value", format!("{} {}", d.credit_value, d.currency)),
        ("timezone", d.timezone.clone()),
        ("hold_ttl", d.hold_ttl.clone()),
    ] {
        s.row([k.to_string(), v]);
    }
    s.notes.push(if d.created {
        "created a new ledger".into()
    } else {
        "the ledger already exists with these settings; nothing changed".into()
    });
    s
}

/// `copy`.
pub fn copy(d: &CopyDoc) -> Sheet {
    let mut s = Sheet::new(["", "value"]);
    for (k, v) in [
        ("from", d.from.clone()),
        ("to", d.to.clone()),
        ("entries", d.entries.to_string()),
        ("head_hash", d.head_hash.clone()),
    ] {
        s.row([k.to_string(), v]);
    }
    s.notes.push(if d.ok {
        format!(
            "copied {} entries; the copy verifies with the same head hash {}",
            d.entries, d.head_hash
        )
    } else {
        "the copy does not verify with the source's head hash: run `genbudget ledger verify` on both".into()
    });
    s
}

/// `status`.
pub fn status(d: &StatusDoc) -> Sheet {
    let mut s = Sheet::new([
        "user",
        "cap",
        "period",
        "period_start",
        "spent",
        "held",
        "grants",
        "available",
        "open_holds",
        "max_holds",
        "overruns",
    ])
    .right_aligned(&[1, 4, 5, 6, 7, 8, 9, 10]);
    for p in std::iter::once(&d.org).chain(&d.users) {
        s.row([
            p.user.clone().unwrap_or_else(|| "(org)".into()),
            opt(&p.cap),
            p.period.to_string(),
            opt(&p.period_start),
            p.spent.to_string(),
            p.held.to_string(),
            p.grants.to_string(),
            avail(&p.available),
            p.open_holds.to_string(),
            opt(&p.max_holds),
            p.overruns.to_string(),
        ]);
    }
    s.notes.push(format!(
        "as of {} ({}); 1 credit = {} {}",
        d.as_of, d.timezone, d.credit_value, d.currency
    ));
    s
}

/// `holds`.
pub fn holds(d: &HoldsDoc) -> Sheet {
    let mut s = Sheet::new([
        "key",
        "user",
        "model",
        "state",
        "credits",
        "settled",
        "created_at",
        "expires_at",
        "overrun",
    ])
    .right_aligned(&[4, 5]);
    for h in &d.holds {
        s.row([
            h.key.clone(),
            h.user.clone(),
            opt(&h.model),
            h.state.to_string(),
            h.credits.to_string(),
            opt(&h.settled),
            h.created_at.clone(),
            opt(&h.expires_at),
            if h.overrun { "yes" } else { "no" }.to_string(),
        ]);
    }
    s
}

/// `report`: one row per group, then the total.
pub fn report(d: &ReportDoc) -> Sheet {
    let amount = format!("amount ({})", d.currency);
    let mut s = Sheet::new([
        d.by,
        "jobs",
        "credits",
        amount.as_str(),
        "overruns",
        "overrun_credits",
    ])
    .right_aligned(&[1, 2, 3, 4, 5]);
    for r in d.rows.iter().chain(std::iter::once(&d.total)) {
        s.row([
            r.group.clone(),
            r.jobs.to_string(),
            r.credits.to_string(),
            r.amount.to_string(),
            r.overruns.to_string(),
            r.overrun_credits.to_string(),
        ]);
    }
    s
}

/// `verify`: the problems, if any, then the verdict and head hash.
pub fn verify(d: &VerifyDoc) -> Sheet {
    let mut s = Sheet::new(["entry", "problem"]);
    for p in &d.problems {
        s.row([opt(&p.entry), p.message.clone()]);
    }
    s.notes.push(if d.ok {
        format!("ok: {} entries verified", d.entries)
    } else {
        format!(
            "{} problem(s) found in {} entries",
            d.problems.len(),
            d.entries
        )
    });
    if d.overruns > 0 {
        s.notes.push(format!(
            "{} settle(s) flagged overrun (recorded spending beyond a hold or limit)",
            d.overruns
        ));
    }
    s.notes
        .push(format!("head: entry {} hash {}", d.head_seq, d.head_hash));
    s
}

/// `token add` and `token revoke`.
pub fn token(d: &TokenDoc) -> Sheet {
    let mut s = tokens(std::slice::from_ref(d));
    if let Some(secret) = &d.secret {
        s.notes.push(format!("secret: {secret}"));
        s.notes.push(
            "shown this once: the ledger keeps only its SHA-256; send it as `Authorization: Bearer <secret>`"
                .into(),
        );
    }
    s
}

/// `token list`.
pub fn tokens(list: &[TokenDoc]) -> Sheet {
    let mut s = Sheet::new(["name", "role", "user", "created_at", "revoked_at"]);
    for t in list {
        s.row([
            t.name.clone(),
            t.role.to_string(),
            opt(&t.user),
            t.created_at.clone(),
            opt(&t.revoked_at),
        ]);
    }
    s
}
