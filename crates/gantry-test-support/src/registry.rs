//! TODO(rig): registry
