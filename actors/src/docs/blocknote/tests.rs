//! Unit tests of validation and of diff-apply; `corpus_tests.rs` holds the cross-check against
//! BlockNote.
