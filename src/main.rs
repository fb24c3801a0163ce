//! The `genbudget` binary: parse arguments, run the library, map the outcome
//! to an exit code (0 ok, 1 negative verdict, 2 error). Everything else lives
//! in the library so that tests and other Rust programs can use it.
//!
//! The binary uses mimalloc: estimating a large plan makes millions of small
//! allocations (TOML values, report strings), and mimalloc does them in
//! roughly half the time of glibc's allocator (see `docs/estimate.md`).
#![forbid(unsafe_code)]

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    genbudget::cli::main()
}
