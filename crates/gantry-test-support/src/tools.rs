//! TODO(rig): tools
