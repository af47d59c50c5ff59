//! TODO(rig): act
