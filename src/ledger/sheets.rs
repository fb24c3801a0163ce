//! Tables for the ledger's documents (placeholder, filled below).
