//! Project tasks behind `cargo xtask`: building the chain-binary cache and the plugin components.

pub mod chains;
pub mod plugins;
pub mod recipes;
