//! What the Tx controller keeps in memory per devnet: the next sequence of each account
//! ([`sequences`]) and the tx builder for the devnet's chain version ([`builders`]).

pub mod builders;
pub mod sequences;

#[cfg(test)]
mod builder_tests;
