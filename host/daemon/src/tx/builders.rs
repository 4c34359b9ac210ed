//! One tx builder per devnet, made by its plugin for the chain version last detected. When an
//! upgrade changes the detected version, the old builder is dropped and a new one made, so later
//! transactions use the new version's format.

use std::collections::HashMap;

use devnet_plugin_host::{PluginHostError, PluginInstance, TxBuilderHandle};

struct Held {
    version: String,
    handle: TxBuilderHandle,
}

/// What [`TxBuilders::for_version`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuilderChange {
    /// The builder for this version was there already.
    Kept,
    /// The devnet had none; one was made.
    Made,
    /// The devnet's builder was for another version (`from`); it was dropped and one made.
    Replaced { from: String },
}

#[derive(Default)]
pub struct TxBuilders {
    held: HashMap<String, Held>,
}

impl TxBuilders {
    /// The devnet's builder for `version`, made (or replaced) with `plugin` when needed.
    pub async fn for_version(
        &mut self,
        plugin: &mut PluginInstance,
        devnet: &str,
        chain_id: &str,
        version: &str,
    ) -> Result<(TxBuilderHandle, BuilderChange), PluginHostError> {
        let change = match self.held.get(devnet) {
            Some(h) if h.version == version && plugin.owns(&h.handle) => return Ok((h.handle, BuilderChange::Kept)),
            // Made by an instance that is gone (restarted after a fault, or its devnet made
            // again): it cannot be used, and there is nothing to drop.
            Some(h) if !plugin.owns(&h.handle) => BuilderChange::Made,
            Some(h) => BuilderChange::Replaced {
                from: h.version.clone(),
            },
            None => BuilderChange::Made,
        };
        if let Some(old) = self.held.remove(devnet) {
            plugin.drop_tx_builder(old.handle).await?;
        }
        let handle = plugin.tx_builder(chain_id, version).await?;
        self.held.insert(
            devnet.to_string(),
            Held {
                version: version.to_string(),
                handle,
            },
        );
        Ok((handle, change))
    }

    /// The version the devnet's builder was made for, if it has one.
    #[cfg(test)]
    pub fn version(&self, devnet: &str) -> Option<&str> {
        self.held.get(devnet).map(|h| h.version.as_str())
    }

    /// Forgets a builder that no longer works (its plugin instance was restarted after a fault,
    /// or the devnet is gone); the next [`Self::for_version`] makes a new one.
    pub fn forget(&mut self, devnet: &str) {
        self.held.remove(devnet);
    }
}
