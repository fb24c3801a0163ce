//! The command line itself: help, completions, the man page, flags given
//! twice, and tables fitted to a terminal's width.

use crate::common::{cmd, run};

/// Every argument of every command but the ledger's (whose help lives
/// with the ledger) says what it is.
#[test]
fn every_argument_is_described() {
    fn walk(c: &clap::Command, path: &str, missing: &mut Vec<String>) {
        for a in c.get_arguments() {
            let id = a.get_id().as_str();
            if ["help", "version"].contains(&id) {
                continue;
            }
            if a.get_help().is_none() && a.get_long_help().is_none() {
                missing.push(format!("{path} {id}"));
            }
        }
        for sub in c.get_subcommands() {
            if sub.get_name() == "ledger" || sub.get_name() == "help" {
                continue;
            }
            if sub.get_about().is_none() {
                missing.push(format!("{path} {} (no about)", sub.get_name()));
            }
            walk(sub, &format!("{path} {}", sub.get_name()), missing);
        }
    }
    let mut cmd = genbudget::cli::command();
    cmd.build();
    let mut missing = Vec::new();
    walk(&cmd, "genbudget", &mut missing);
    assert!(missing.is_empty(), "undescribed: {missing:?}");
}

#[test]
fn the_top_level_help_names_exit_codes_the_clock_and_the_docs() {
    let r = run(&["--help"]);
    assert_eq!(r.code, 0);
    for want in [
        "Exit codes:",
        "0  success",
        "1  a negative verdict",
        "2  an error",
        "GENBUDGET_NOW",
        "docs/reference.md",
        "genbudget completions SHELL",
        "`-` to read them from standard input",
    ] {
        assert!(r.stdout.contains(want), "{want}\n{}", r.stdout);
    }
}

#[test]
fn completions_for_each_shell_and_a_man_page() {
    for (shell, marker) in [
        ("bash", "_genbudget()"),
        ("zsh", "#compdef genbudget"),
        ("fish", "complete -c genbudget"),
    ] {
        let r = run(&["completions", shell]);
        assert_eq!(r.code, 0, "{shell}: {}", r.stderr);
        assert!(r.stdout.contains(marker), "{shell}: {}", &r.stdout[..200]);
        // The subcommands and their flags are completed.
        for word in ["estimate", "compare", "as-of", "format", "swap"] {
            assert!(r.stdout.contains(word), "{shell} lacks {word}");
        }
    }
    let r = run(&["completions", "tcsh"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("invalid value 'tcsh'"), "{}", r.stderr);

    // They have formats of their own: another is refused, not ignored.
    for args in [
        &["completions", "bash", "--format", "json"][..],
        &["man", "--format", "csv"],
    ] {
        let r = run(args);
        assert_eq!(r.code, 2, "{args:?}");
        assert!(r.stdout.is_empty());
        assert!(r.stderr.contains("leave --format out"), "{}", r.stderr);
    }

    let r = run(&["man"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains(".TH genbudget 1"), "{}", &r.stdout[..300]);
    for word in ["estimate", "compare", "GENBUDGET_NOW", "Exit codes"] {
        assert!(r.stdout.contains(word), "man page lacks {word}");
    }
}

#[test]
fn a_single_value_flag_given_twice_is_refused() {
    // clap would keep the last one of a global flag given at two levels.
    let r = run(&["--format", "json", "rates", "list", "--format", "csv"]);
    assert_eq!(r.code, 2);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert!(
        r.stderr.contains("--format is given 2 times; give it once"),
        "{}",
        r.stderr
    );
    let r = run(&["--db", "a.db", "ledger", "--db", "b.db", "status"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("--db is given 2 times; give it once"),
        "{}",
        r.stderr
    );
}

/// The terminal table of `args` fitted to `columns` (the `COLUMNS` variable
/// stands for the terminal's width).
fn at_width(columns: &str, args: &[&str]) -> String {
    let out = cmd(args).env("COLUMNS", columns).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    String::from_utf8(out.stdout).unwrap()
}

fn table_lines(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| l.starts_with(['┌', '│', '╞', '├', '└']))
        .collect()
}

fn width(line: &str) -> usize {
    line.chars().count()
}

#[test]
fn tables_fit_the_terminal_by_leaving_columns_out_before_splitting_words() {
    let plan = ["estimate", "examples/spring-launch.toml"];
    for columns in [60usize, 80, 100] {
        let out = at_width(&columns.to_string(), &plan);
        for l in table_lines(&out) {
            assert!(width(l) <= columns, "{columns}: {l}\n{out}");
        }
        // Names and models are never split inside a word.
        for word in [
            "Hero",
            "Lifestyle",
            "Thumbnails",
            "kie/gpt-image-2",
            "total",
        ] {
            assert!(out.contains(word), "{columns}: {word} split\n{out}");
        }
        // The total column is always there; what was left out is named.
        assert!(
            out.contains("10.53 USD") && out.contains("│ Hero shots"),
            "{out}"
        );
        assert!(
            out.contains(&format!(
                "(left out to fit {columns} columns: retries, base"
            )),
            "{out}"
        );
    }
    // 100 columns keep the spec whole ("medium 1536x1024"); the figures
    // the others imply go first.
    let out = at_width("100", &plan);
    assert!(out.contains("medium 1536x1024"), "{out}");
    // Wide enough: every column, no note.
    let out = at_width("200", &plan);
    assert!(
        out.contains("unit price") && !out.contains("left out"),
        "{out}"
    );
    // 0 (a terminal that reports no width) or no terminal: never wrapped,
    // one line per row, every column.
    for columns in ["0", ""] {
        let out = at_width(columns, &plan);
        let lines = table_lines(&out);
        assert_eq!(lines.len(), 4 + 4, "{out}");
        assert!(
            out.contains("unit price") && !out.contains("left out"),
            "{out}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.contains("Lifestyle scenes") && l.contains("3.96")),
            "{out}"
        );
    }

    // compare at 80: its wide columns are left out before any is squeezed.
    let out = cmd(&["compare", "examples/compare-daily-content-engine.toml"])
        .env("COLUMNS", "80")
        .env("GENBUDGET_NOW", "2026-05-01T00:00:00Z")
        .output()
        .unwrap();
    let out = String::from_utf8(out.stdout).unwrap();
    for l in table_lines(&out) {
        assert!(width(l) <= 80, "{l}\n{out}");
    }
    assert!(out.contains("2972.93"), "{out}");
    assert!(
        out.contains("(left out to fit 80 columns: unused sub. months, per unit"),
        "{out}"
    );
}

/// The repository, the help and the man page stand on their own: no path
/// or link to files outside the repository (the project's working notes,
/// source documents) that a user of a clone or a crate cannot open.
#[test]
fn nothing_points_outside_the_repository() {
    // Built from parts so this file does not match itself.
    let needles: Vec<String> = [
        ["..", "/shared"],
        ["shared", "/spec"],
        ["shared", "/pricing-sources"],
        ["pricing-", "sources.md"],
        ["spec", "/plan.md"],
        ["spec", "/compare.md"],
        ["spec", "/pricing.md"],
        ["spec", "/ledger.md"],
        ["spec", "/serve.md"],
        ["seeds", "/"],
        ["seed ", "00"],
    ]
    .iter()
    .map(|p| p.concat())
    .collect();
    let root = crate::common::root();
    let mut found = Vec::new();
    let mut check = |name: &str, text: &str| {
        for n in &needles {
            if text.contains(n.as_str()) {
                found.push(format!("{name}: {n}"));
            }
        }
    };
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || name == "target" {
                continue;
            }
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(root, &mut files);
    for f in &files {
        let rel = f.strip_prefix(root).unwrap().display().to_string();
        // Tests that look for these strings must spell them.
        if rel.starts_with("tests/integration/") {
            continue;
        }
        if let Ok(text) = std::fs::read_to_string(f) {
            check(&rel, &text);
        }
    }
    assert!(files.len() > 100, "only {} files found", files.len());
    let mut cmd = genbudget::cli::command();
    cmd.build();
    fn helps(c: &mut clap::Command, out: &mut String) {
        out.push_str(&c.render_long_help().to_string());
        for sub in c.get_subcommands_mut() {
            helps(sub, out);
        }
    }
    let mut help = String::new();
    helps(&mut cmd, &mut help);
    check("--help", &help);
    check("man", &run(&["man"]).stdout);
    assert!(found.is_empty(), "{found:#?}");
}
