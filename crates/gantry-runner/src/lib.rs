//! Runner I/O.
