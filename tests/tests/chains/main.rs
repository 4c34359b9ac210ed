//! End-to-end tests of the chain binaries themselves and of node supervision: the chain cache,
//! genesis and networks made by hand, and the Node controller over real processes.

mod chain_cache;
mod cosmos_genesis;
mod evm_clique;
mod node_supervision;
mod smoke_alto;
mod smoke_evm;
mod smoke_simd;
