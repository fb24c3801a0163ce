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

/// SplitMix64, seeded: small, fast, and the same sequence on every machine
/// (the model test's operations, the crash tests' kill moments).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % ((hi - lo + 1) as u64)) as i64
    }
    /// True with probability `pct`%.
    pub fn pct(&mut self, pct: u64) -> bool {
        self.next() % 100 < pct
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
}
