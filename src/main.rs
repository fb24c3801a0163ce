//! The `genbudget` binary: parse arguments, run the library, map the outcome
//! to an exit code (0 ok, 1 negative verdict, 2 error). Everything else lives
//! in the library so that tests and other Rust programs can use it.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    genbudget::cli::main()
}
