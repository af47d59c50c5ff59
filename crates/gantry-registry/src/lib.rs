//! gantry-registry
