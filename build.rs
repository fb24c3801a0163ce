//! Compiles the built-in price tables (`pricing/<provider>/<date>.toml`) into
//! the binary, so the tool works offline with no set-up.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    // Read when the script runs, not when it was compiled: a script
    // binary reused from another checkout (a worktree sharing the target
    // directory) would otherwise read that checkout's tables, or none.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest).join("pricing");
    println!("cargo:rerun-if-changed=pricing");
    let mut files = Vec::new();
    if let Ok(providers) = std::fs::read_dir(&root) {
        for provider in providers.flatten() {
            let dir = provider.path();
            if !dir.is_dir() {
                continue;
            }
            println!("cargo:rerun-if-changed={}", dir.display());
            for file in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = file.path();
                if path.extension().is_some_and(|e| e == "toml") {
                    println!("cargo:rerun-if-changed={}", path.display());
                    let rel = path
                        .strip_prefix(&root)
                        .unwrap_or(&path)
                        .to_string_lossy()
                        .replace('\\', "/");
                    files.push((rel, path.display().to_string()));
                }
            }
        }
    }
    // A binary without its price book would price nothing: stop here.
    assert!(
        !files.is_empty(),
        "no price tables (*.toml) under {}: the built-in price book would be empty",
        root.display()
    );
    files.sort();
    let mut out = String::from(
        "/// Built-in tables: (path under pricing/, contents).\npub static BUILTIN: &[(&str, &str)] = &[\n",
    );
    for (rel, abs) in &files {
        let _ = writeln!(out, "    ({rel:?}, include_str!({abs:?})),");
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("builtin_tables.rs");
    std::fs::write(dest, out).expect("write builtin_tables.rs");
}
