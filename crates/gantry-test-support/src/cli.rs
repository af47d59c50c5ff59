//! TODO(rig): cli
