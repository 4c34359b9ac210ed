//! The `plan` exports (API 0.5.0 and later): what the plugin chooses for a devnet before it is provisioned,
//! and which nodes wait for another before their first start. For a plugin of an older API the
//! host chooses as it always did, so every caller gets one answer whatever the version.

use crate::bindings::wit::{DevnetPlan, DevnetRequest, DevnetSpec, NodeSlot, StartGate};
use crate::bridge::Bridge as _;
use crate::instance::{Bindings, PluginInstance};
use crate::{PluginErrorKind, PluginHostError};

impl PluginInstance {
    /// The plugin's choices for what `request` leaves open. A value the user gave (chain id,
    /// binary, version) is kept as given whatever the plugin answers; the plugin's settings
    /// replace the user's list (they are the user's with its own added).
    pub async fn choose(&mut self, request: &DevnetRequest) -> Result<DevnetPlan, PluginHostError> {
        const CALL: &str = "plan.choose";
        let limit = self.begin().await?;
        let s = &mut self.store;
        let out = match &self.bindings {
            Bindings::V0_6(b) => b
                .devnet_plugin_plan()
                .call_choose(s, &request.clone().bridge())
                .await
                .map(|r| r.map(|p| p.bridge())),
            Bindings::V0_7(b) => b
                .devnet_plugin_plan()
                .call_choose(s, &request.clone().bridge())
                .await
                .map(|r| r.map(|p| p.bridge())),
            Bindings::V0_5(b) => b.devnet_plugin_plan().call_choose(s, request).await,
            Bindings::V0_4(_) | Bindings::V0_3(_) | Bindings::V0_2(_) | Bindings::V0_1(_) => {
                return Ok(self.host_plan(request));
            }
        };
        let r = self.finish(CALL, limit, out)?;
        let chosen = self.plugin_result(CALL, r)?;
        let keep = |given: &str, chosen: String| if given.is_empty() { chosen } else { given.to_string() };
        let plan = DevnetPlan {
            chain_id: keep(&request.chain_id, chosen.chain_id),
            binary: keep(&request.binary, chosen.binary),
            chain_version: keep(&request.chain_version, chosen.chain_version),
            overrides: chosen.overrides,
        };
        if plan.chain_id.is_empty() || plan.binary.is_empty() {
            return Err(self.plugin_bug(CALL, "it chose no chain id or no binary".into()));
        }
        Ok(plan)
    }

    /// What the host chooses for a plugin without `plan`: chain id `<name>-1`, the plugin's
    /// default binary, the newest version of it, the user's settings.
    fn host_plan(&self, request: &DevnetRequest) -> DevnetPlan {
        let or = |given: &str, default: String| if given.is_empty() { default } else { given.to_string() };
        DevnetPlan {
            chain_id: or(&request.chain_id, format!("{}-1", request.name)),
            binary: or(&request.binary, self.loaded.info.default_binary.clone()),
            chain_version: request.chain_version.clone(),
            overrides: request.overrides.clone(),
        }
    }

    /// The node `node` waits for before its first start, if any; always none for a plugin of
    /// an older API. A gate on the node itself or on one placed after it (which could wait for
    /// it in turn) is refused as the plugin's bug.
    pub async fn start_after(
        &mut self,
        spec: &DevnetSpec,
        node: &NodeSlot,
    ) -> Result<Option<StartGate>, PluginHostError> {
        const CALL: &str = "plan.start-after";
        let limit = self.begin().await?;
        let s = &mut self.store;
        let out = match &self.bindings {
            Bindings::V0_6(b) => b
                .devnet_plugin_plan()
                .call_start_after(s, spec, node)
                .await
                .map(|r| r.map(|g| g.map(|g| g.bridge()))),
            Bindings::V0_7(b) => b
                .devnet_plugin_plan()
                .call_start_after(s, spec, node)
                .await
                .map(|r| r.map(|g| g.map(|g| g.bridge()))),
            Bindings::V0_5(b) => b.devnet_plugin_plan().call_start_after(s, spec, node).await,
            Bindings::V0_4(_) | Bindings::V0_3(_) | Bindings::V0_2(_) | Bindings::V0_1(_) => return Ok(None),
        };
        let r = self.finish(CALL, limit, out)?;
        let gate = self.plugin_result(CALL, r)?;
        if let Some(g) = &gate
            && g.after >= node.index
        {
            return Err(self.plugin_bug(
                CALL,
                format!(
                    "{} (node {}) would wait for node {}: a node waits only for one placed before it",
                    node.name, node.index, g.after
                ),
            ));
        }
        Ok(gate)
    }

    fn plugin_bug(&self, call: &str, message: String) -> PluginHostError {
        PluginHostError::Plugin {
            plugin: self.plugin_id().to_string(),
            call: call.into(),
            kind: PluginErrorKind::Internal,
            message,
        }
    }
}
