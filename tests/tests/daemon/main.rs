//! End-to-end tests of `devnetd` and `dvb` as a user runs them: each test starts its own daemon
//! on a temporary home (`devnet_e2e::daemon::Daemon`) and drives real chain binaries through it.
//!
//! One test binary for all of them: each binary links wasmtime and alloy, and linking 28 of them
//! was most of the suite's build time and disk.

mod api;
mod bad_input;
mod commonware;
mod crash;
mod crash_tx;
mod daemon_logs;
mod deploy_wait;
mod devnet;
mod docker;
mod docker_bridge;
mod docker_hosts;
mod endpoints;
mod evm;
mod foreign_client;
mod four_families;
mod fuzz_grpc;
mod health;
mod ibc_relay;
mod mangled_files;
mod many_validators;
mod metrics;
mod output_formats;
mod plugin_https;
mod plugin_install;
mod plugin_oci;
mod plugin_scaffold;
mod plugin_tutorial;
mod remote;
mod stacks;
mod standalone;
mod supervise_sample;
mod tempo;
mod two_devnets;
mod tx;
mod upgrade;
mod upgrade_faults;
mod upgrade_hardfork;
mod upgrade_no_gov;
