//! gantry-tags
