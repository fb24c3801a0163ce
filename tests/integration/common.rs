//! Helpers shared by the integration tests: run the real binary with a fixed
//! clock and no inherited genbudget environment.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The compiled `genbudget` binary.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_genbudget"))
}

/// The repository root (for `examples/`, `pricing/`, fixtures).
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture path under `tests/fixtures/`.
pub fn fixture(rel: &str) -> PathBuf {
    root().join("tests/fixtures").join(rel)
}

/// A `genbudget` command with a clean environment and `GENBUDGET_NOW` fixed.
pub fn cmd(args: &[&str]) -> Command {
    let mut c = Command::new(bin());
    c.args(args)
        .env_remove("GENBUDGET_PRICING")
        .env_remove("GENBUDGET_DB")
        .env("GENBUDGET_NOW", "2026-04-20T09:00:00Z")
        .env("NO_COLOR", "1")
        .current_dir(root());
    c
}

/// What a finished run printed and how it exited.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

/// Runs `genbudget ARGS` to completion.
pub fn run(args: &[&str]) -> Run {
    cmd(args).output().expect("genbudget runs").into()
}

/// Runs and parses stdout as JSON.
pub fn run_json(args: &[&str]) -> (Run, serde_json::Value) {
    let r = run(args);
    let v = serde_json::from_str(&r.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            r.stdout, r.stderr
        )
    });
    (r, v)
}
