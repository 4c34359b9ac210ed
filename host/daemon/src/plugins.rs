//! Plugins: which component serves a network and its instances per devnet ([`registry`]),
//! and installing, upgrading and removing them ([`install`], from registries: [`oci`]) against the keys a home trusts
//! ([`devnet_keyring::TrustedKeys`]).

pub mod install;
pub mod oci;
mod registry;

#[cfg(test)]
mod grant_tests;

pub use registry::*;
