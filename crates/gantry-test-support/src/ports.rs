//! TODO(rig): ports
