//! Plugins as the host sees them, and what they report of their chain, on the wire.

use devnet_core as core;

use crate::pb;

pub fn plugin_summary_to(p: &core::PluginSummary) -> pb::PluginInfo {
    pb::PluginInfo {
        name: p.name.clone(),
        version: p.version.clone(),
        api_version: p.api_version.clone(),
        family: p.family.clone(),
        default_binary: p.default_binary.clone(),
        chain_versions: p.chain_versions.clone(),
        path: p.path.clone(),
        sha256: p.sha256.clone(),
        source: p.source.clone(),
        builtin: p.builtin,
        signed_by: p.signed_by.clone().unwrap_or_default(),
        origin: p.origin.clone(),
        capabilities: p.capabilities.clone(),
    }
}

pub fn plugin_installed_to(i: &core::PluginInstalled) -> pb::InstallPluginResponse {
    pb::InstallPluginResponse {
        plugin: Some(plugin_summary_to(&i.plugin)),
        supported_api: i.supported_api.clone(),
        previous_version: i.previous_version.clone().unwrap_or_default(),
        compile_ms: i.compile_ms,
        notes: i.notes.clone(),
    }
}

pub fn tx_kinds_to(version: &str, kinds: &[core::TxKindInfo]) -> pb::ListTxKindsResponse {
    pb::ListTxKindsResponse {
        version: version.to_string(),
        kinds: kinds
            .iter()
            .map(|k| pb::TxKind {
                name: k.name.clone(),
                summary: k.summary.clone(),
                schema: k.schema.clone(),
                example: k.example.clone(),
            })
            .collect(),
    }
}

pub fn proposal_to(p: &core::ProposalInfo) -> pb::Proposal {
    pb::Proposal {
        id: p.id,
        phase: p.phase.clone(),
        detail: p.detail.clone(),
    }
}
