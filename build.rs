//! Compiles the built-in price tables (`pricing/<provider>/<date>.toml`) into
//! the binary, so the tool works offline with no set-up.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("pricing");
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
