//! Plugins: which component serves a network and its instances per devnet ([`registry`]),
//! installing, upgrading and removing them ([`install`]), and the keys whose signatures a home
//! trusts ([`trust`]).

pub mod install;
mod registry;
pub mod trust;

pub use registry::*;
