//! The `threshold` export (API 0.6.0 and later): the key groups a devnet needs, which the host
//! deals (see `devnet_keyring::Keyring::ensure_threshold`). A plugin of an older API needs none.

use crate::PluginHostError;
use crate::bindings::wit::{DevnetSpec, GroupRequest};
use crate::bridge::Bridge;
use crate::instance::{Bindings, PluginInstance};

impl PluginInstance {
    /// The threshold groups `spec` needs; none for a plugin of an API before 0.6.0.
    pub async fn threshold_groups(&mut self, spec: &DevnetSpec) -> Result<Vec<GroupRequest>, PluginHostError> {
        const CALL: &str = "threshold.groups";
        let limit = self.begin().await?;
        let s = &mut self.store;
        let out = match &self.bindings {
            Bindings::V0_7(b) => b
                .devnet_plugin_threshold()
                .call_groups(s, spec)
                .await
                .map(Bridge::bridge),
            Bindings::V0_6(b) => b.devnet_plugin_threshold().call_groups(s, spec).await,
            Bindings::V0_5(_) | Bindings::V0_4(_) | Bindings::V0_3(_) | Bindings::V0_2(_) | Bindings::V0_1(_) => {
                return Ok(Vec::new());
            }
        };
        let r = self.finish(CALL, limit, out)?;
        self.plugin_result(CALL, r)
    }
}
