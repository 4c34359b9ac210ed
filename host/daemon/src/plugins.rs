//! Plugins: which component serves a network and its instances per devnet ([`registry`]),
//! and installing, upgrading and removing them ([`install`]) against the keys a home trusts
//! ([`devnet_keyring::TrustedKeys`]).

pub mod install;
mod registry;

#[cfg(test)]
mod grant_tests;

pub use registry::*;
