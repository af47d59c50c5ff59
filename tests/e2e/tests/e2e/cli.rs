//! CLI contract of every binary.
