//! TODO(rig): git_daemon
