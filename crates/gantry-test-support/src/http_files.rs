//! TODO(rig): http_files
