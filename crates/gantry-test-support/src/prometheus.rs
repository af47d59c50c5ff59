//! TODO(rig): prometheus
