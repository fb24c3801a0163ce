//! Integration tests: `genbudget ledger`.
