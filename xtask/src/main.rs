//! `cargo xtask <task>`: project tasks that are not part of the product.

use xtask::{chains, plugins};

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "xtask", about = "devnet-builder project tasks")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Build or install the pinned chain binaries into the cache (skips those already verified).
    Chains {
        /// Only these binaries, by name (`simd`, `geth`, `anvil`, `cast`, `alto-validator`, `alto-deploy`)
        /// or name@version (`simd@v0.50.15`).
        #[arg(long = "only", value_name = "NAME[@VERSION]")]
        only: Vec<String>,
        /// Print the pinned recipes and the manifest, and build nothing.
        #[arg(long)]
        list: bool,
    },
    /// Build the plugin crates into components under target/plugins/.
    Plugins {
        /// Build without optimisation (faster to build, slower to run).
        #[arg(long)]
        debug: bool,
    },
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().task {
        Task::Chains { only, list } => {
            if list {
                chains::list()
            } else {
                chains::build_all(&only)
            }
        }
        Task::Plugins { debug } => plugins::build(!debug),
    }
}
