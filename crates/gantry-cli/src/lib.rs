//! Shared binary glue.
