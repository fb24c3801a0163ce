//! Integration tests: `genbudget estimate`.
