//! The docs run: every command in the README's and `docs/*.md`'s command
//! blocks is run on the built binary, in order, file by file, and must exit
//! as the block says.
//!
//! What runs: in ```` ```sh ```` blocks every line, in ```` ```console ````
//! blocks every `$ ` line, whose program is `genbudget` (after any
//! `VAR=value` prefixes; `cargo run --release --` counts as `genbudget`),
//! through `bash -c` with the binary first on `PATH`, so redirections and
//! pipes work as they do for a reader. `export VAR=value …` lines set the
//! environment for the rest of the file. Other programs (`cargo test`,
//! `cargo install`, `cargo bench`, `benches/…`, `chromium`) are development
//! steps and are not run; synopses are in ```` ```text ```` blocks.
//!
//! Each file runs in a fresh directory holding `examples/` and `tests/`
//! of the repository, so files a block writes (`chart.svg`, `ledger.db`)
//! land there; a `/tmp/…` path in a block is moved under that directory.
//!
//! Expected exit: 0, or N when the line's comment starts `exit N`, or —
//! in a console block — 1 when the output shown starts `denied:` or is a
//! `genbudget.denial/1` document, 2 when it starts `error:`, N when
//! `$ echo $?` shows N.
//!
//! Every file is run twice: on today's clock and on 2031-01-01, so the
//! examples keep working as time passes (and models retire) unless a block
//! pins `GENBUDGET_NOW` itself.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common;

/// One command from a doc, with what it should exit with.
#[derive(Debug)]
struct Step {
    line: usize,
    text: String,
    exit: i32,
}

/// `export A=1 B=2`: the assignments, or `None` for another line.
fn exports(text: &str) -> Option<Vec<(String, String)>> {
    let rest = text.strip_prefix("export ")?;
    let code = rest.split(" #").next().unwrap_or(rest);
    Some(
        code.split_whitespace()
            .filter_map(|a| a.split_once('='))
            .map(|(k, v)| (k.to_string(), v.trim_matches('"').to_string()))
            .collect(),
    )
}

/// The program a command line runs, after `VAR=value` prefixes.
fn program(text: &str) -> Option<&str> {
    text.split_whitespace()
        .find(|w| !w.contains('=') || w.starts_with('-'))
}

/// The expected exit from a trailing `# exit N` comment.
fn comment_exit(text: &str) -> Option<i32> {
    let comment = text.split(" #").nth(1)?.trim();
    let n = comment.strip_prefix("exit ")?;
    n.chars().next()?.to_digit(10).map(|d| d as i32)
}

/// The runnable steps of a markdown file.
fn steps(markdown: &str) -> Vec<Step> {
    let mut out: Vec<Step> = Vec::new();
    let mut block: Option<&str> = None;
    let lines: Vec<&str> = markdown.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        i += 1;
        if let Some(info) = line.strip_prefix("```") {
            block = match block {
                Some(_) => None,
                None => Some(info.trim()),
            };
            continue;
        }
        let Some(kind) = block else { continue };
        let command = match kind {
            "sh" => line.trim(),
            "console" => match line.strip_prefix("$ ") {
                Some(c) => c.trim(),
                None => continue,
            },
            _ => continue,
        };
        // A continued line (`\` at the end) takes the next ones.
        let mut text = command.to_string();
        while text.ends_with('\\') && i < lines.len() {
            text.pop();
            text.push(' ');
            text.push_str(lines[i].trim());
            i += 1;
        }
        let text = text.replacen("cargo run --release --", "genbudget", 1);
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        if text.starts_with("echo $?") {
            // The exit of the command before, shown on the next line.
            if let (Some(last), Some(code)) = (out.last_mut(), lines.get(i)) {
                if let Ok(n) = code.trim().parse() {
                    last.exit = n;
                }
            }
            continue;
        }
        let is_export = exports(&text).is_some();
        if !is_export && program(&text) != Some("genbudget") {
            continue;
        }
        let mut exit = comment_exit(&text).unwrap_or(0);
        if kind == "console" {
            // The output shown, up to the next command or the block's end.
            let shown: Vec<&str> = lines[i..]
                .iter()
                .take_while(|l| !l.starts_with("$ ") && !l.starts_with("```"))
                .copied()
                .collect();
            if shown.first().is_some_and(|l| l.starts_with("error:")) {
                exit = 2;
            } else if shown.first().is_some_and(|l| l.starts_with("denied:"))
                || shown.iter().any(|l| l.contains("\"genbudget.denial/"))
            {
                exit = 1;
            }
        }
        out.push(Step {
            line: i,
            text,
            exit,
        });
    }
    out
}

/// Runs every step of `doc` in a fresh directory; returns the failures.
fn run_doc(doc: &Path, now: Option<&str>) -> Vec<String> {
    let text = std::fs::read_to_string(doc).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let root = common::root();
    for sub in ["examples", "tests"] {
        std::os::unix::fs::symlink(root.join(sub), dir.path().join(sub)).unwrap();
    }
    let bin_dir = dir.path().join(".bin");
    std::fs::create_dir(&bin_dir).unwrap();
    std::os::unix::fs::symlink(common::bin(), bin_dir.join("genbudget")).unwrap();
    let tmp = dir.path().join("tmp");
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut env: Vec<(String, String)> = Vec::new();
    let mut failures = Vec::new();
    let local = |s: &str| s.replace("/tmp/", &format!("{}/", tmp.display()));
    for step in steps(&text) {
        let line = local(&step.text);
        if let Some(vars) = exports(&line) {
            for (k, v) in vars {
                if let Some(parent) = Path::new(&v).parent().filter(|p| p.starts_with(&tmp)) {
                    std::fs::create_dir_all(parent).unwrap();
                }
                env.push((k, v));
            }
            continue;
        }
        std::fs::create_dir_all(&tmp).unwrap();
        let mut cmd = Command::new("bash");
        cmd.arg("-c")
            .arg(&line)
            .current_dir(dir.path())
            .env("PATH", &path)
            .env_remove("GENBUDGET_PRICING")
            .env_remove("GENBUDGET_DB")
            .env_remove("GENBUDGET_NOW")
            .env_remove("COLUMNS")
            .env("NO_COLOR", "1");
        if let Some(now) = now {
            cmd.env("GENBUDGET_NOW", now);
        }
        cmd.envs(env.iter().map(|(k, v)| (k, v)));
        let r: common::Run = cmd.output().unwrap().into();
        if r.code != step.exit {
            failures.push(format!(
                "{}:{}: `{}` exited {} (expected {}): {}",
                doc.display(),
                step.line,
                step.text,
                r.code,
                step.exit,
                r.stderr.trim()
            ));
        }
    }
    failures
}

/// README.md and every docs/*.md.
fn docs() -> Vec<PathBuf> {
    let root = common::root();
    let mut files = vec![root.join("README.md")];
    let mut more: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    more.sort();
    files.extend(more);
    files
}

#[test]
fn every_documented_command_runs_as_documented() {
    let mut failures = Vec::new();
    let mut ran = 0;
    for doc in docs() {
        ran += steps(&std::fs::read_to_string(&doc).unwrap()).len();
        for now in [None, Some("2031-01-01T00:00:00Z")] {
            failures.extend(
                run_doc(&doc, now)
                    .into_iter()
                    .map(|f| format!("{f} [clock: {}]", now.unwrap_or("today"))),
            );
        }
    }
    // The README alone has more than a dozen; a parser that found none
    // would pass vacuously.
    assert!(ran > 30, "only {ran} documented commands found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_steps_are_read_as_documented() {
    let md = "text\n```sh\nexport A=1 B=/tmp/x  # set\ngenbudget rates check d   # exit 1 if any\ncargo test --release\nX=1 genbudget a \\\n  b\n```\n```console\n$ genbudget q\nerror: bad\n$ genbudget r\ndenied: no\n$ genbudget s\n$ echo $?\n1\n```\n```text\ngenbudget synopsis\n```\n";
    let s = steps(md);
    let got: Vec<(&str, i32)> = s.iter().map(|s| (s.text.as_str(), s.exit)).collect();
    assert_eq!(
        got,
        [
            ("export A=1 B=/tmp/x  # set", 0),
            ("genbudget rates check d   # exit 1 if any", 1),
            ("X=1 genbudget a  b", 0),
            ("genbudget q", 2),
            ("genbudget r", 1),
            ("genbudget s", 1),
        ]
    );
    assert_eq!(
        exports("export A=1 B=/tmp/x  # set").unwrap(),
        [("A".into(), "1".into()), ("B".into(), "/tmp/x".into())]
    );
}
