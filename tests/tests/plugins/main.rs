//! End-to-end tests of the built-in plugins through the plugin host, against real chains: what
//! each export answers, and the transactions each tx builder makes, checked by independent
//! decoders and by the chains that accept them.

mod cosmos;
mod cosmos_tx;
mod cosmos_upgrade;
mod evm;
mod evm_tx;
mod exports;
mod tempo;
