//! Integration tests: `genbudget rates`.
