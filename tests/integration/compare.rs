//! Integration tests: `genbudget compare`.
