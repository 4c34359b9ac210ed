//! devnet-core resources to protobuf messages and back.
//!
//! Enums travel as the names of devnet-core's variants ("Running", "Validator"): their serde
//! names, so the mapping cannot drift from the core types.

use devnet_core as core;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::ApiError;
use crate::pb;

mod plugin;

pub use plugin::{plugin_installed_to, plugin_summary_to, proposal_to, tx_kinds_to};

/// The serde name of a unit enum variant.
pub fn enum_name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// The variant named `name`, or an error naming the choices' type.
pub fn parse_enum<T: DeserializeOwned>(what: &str, name: &str) -> Result<T, ApiError> {
    serde_json::from_value(serde_json::Value::String(name.to_string()))
        .map_err(|_| ApiError::Decode(format!("{what} {name:?} is not one this client knows")))
}

fn meta_to(m: &core::Meta) -> pb::Meta {
    pb::Meta {
        name: m.name.clone(),
        generation: m.generation,
        resource_version: m.resource_version,
        created_unix_ms: m.created_unix_ms,
        deleting: m.deleting,
    }
}

fn meta_from(m: Option<pb::Meta>) -> core::Meta {
    let m = m.unwrap_or_default();
    core::Meta {
        name: m.name,
        generation: m.generation,
        resource_version: m.resource_version,
        created_unix_ms: m.created_unix_ms,
        deleting: m.deleting,
    }
}

fn coins_to(c: &[core::Coin]) -> Vec<pb::Coin> {
    c.iter()
        .map(|c| pb::Coin {
            denom: c.denom.clone(),
            amount: c.amount.clone(),
        })
        .collect()
}

fn coins_from(c: Vec<pb::Coin>) -> Vec<core::Coin> {
    c.into_iter()
        .map(|c| core::Coin {
            denom: c.denom,
            amount: c.amount,
        })
        .collect()
}

pub fn devnet_spec_to(s: &core::DevnetSpec) -> pb::DevnetSpec {
    pb::DevnetSpec {
        network: s.network.clone(),
        version: s.version.clone(),
        chain_id: s.chain_id.clone(),
        validators: s.validators,
        full_nodes: s.full_nodes,
        accounts: s
            .accounts
            .iter()
            .map(|a| pb::Account {
                name: a.name.clone(),
                balances: coins_to(&a.balances),
            })
            .collect(),
        overrides: s
            .overrides
            .iter()
            .map(|(k, v)| pb::Setting {
                key: k.clone(),
                value: v.clone(),
            })
            .collect(),
        runtime: enum_name(&s.runtime),
        running: s.running,
        binary: s.binary.clone(),
    }
}

pub fn devnet_spec_from(s: pb::DevnetSpec) -> Result<core::DevnetSpec, ApiError> {
    let runtime = if s.runtime.is_empty() {
        core::RuntimeKind::default()
    } else {
        parse_enum("runtime", &s.runtime)
            .map_err(|_| ApiError::InvalidArgument(format!("runtime {:?}: use Local or Docker", s.runtime)))?
    };
    Ok(core::DevnetSpec {
        network: s.network,
        version: s.version,
        binary: s.binary,
        chain_id: s.chain_id,
        validators: s.validators,
        full_nodes: s.full_nodes,
        accounts: s
            .accounts
            .into_iter()
            .map(|a| core::Account {
                name: a.name,
                balances: coins_from(a.balances),
            })
            .collect(),
        overrides: s.overrides.into_iter().map(|o| (o.key, o.value)).collect(),
        runtime,
        running: s.running,
    })
}

pub fn devnet_to(d: &core::Devnet) -> pb::Devnet {
    let s = &d.status;
    pb::Devnet {
        meta: Some(meta_to(&d.meta)),
        spec: Some(devnet_spec_to(&d.spec)),
        status: Some(pb::DevnetStatus {
            phase: enum_name(&s.phase),
            message: s.message.clone(),
            observed_generation: s.observed_generation,
            detected_version: s.detected_version.clone(),
            version_history: s
                .version_history
                .iter()
                .map(|v| pb::VersionChange {
                    version: v.version.clone(),
                    at_height: v.at_height,
                    unix_ms: v.unix_ms,
                    cause: v.cause.clone(),
                })
                .collect(),
            height: s.height,
            addresses: s
                .addresses
                .iter()
                .map(|a| pb::KeyAddress {
                    name: a.name.clone(),
                    address: a.address.clone(),
                })
                .collect(),
        }),
    }
}

pub fn devnet_from(d: pb::Devnet) -> Result<core::Devnet, ApiError> {
    let s = d.status.unwrap_or_default();
    Ok(core::Devnet {
        meta: meta_from(d.meta),
        spec: devnet_spec_from(d.spec.unwrap_or_default())?,
        status: core::DevnetStatus {
            phase: parse_enum("devnet phase", &s.phase)?,
            message: s.message,
            observed_generation: s.observed_generation,
            detected_version: s.detected_version,
            version_history: s
                .version_history
                .into_iter()
                .map(|v| core::VersionChange {
                    version: v.version,
                    at_height: v.at_height,
                    unix_ms: v.unix_ms,
                    cause: v.cause,
                })
                .collect(),
            height: s.height,
            // The daemon's own bookkeeping; a client has no use for it.
            live_version_checked: false,
            addresses: s
                .addresses
                .into_iter()
                .map(|a| core::KeyAddress {
                    name: a.name,
                    address: a.address,
                })
                .collect(),
        },
    })
}

pub fn node_to(n: &core::Node) -> pb::Node {
    let (sp, st) = (&n.spec, &n.status);
    pb::Node {
        meta: Some(meta_to(&n.meta)),
        spec: Some(pb::NodeSpec {
            devnet: sp.devnet.clone(),
            index: sp.index,
            role: enum_name(&sp.role),
            home: sp.home.clone(),
            ports: sp
                .ports
                .iter()
                .map(|p| pb::Port {
                    name: p.name.clone(),
                    port: u32::from(p.port),
                })
                .collect(),
            running: sp.running,
            command: Some(pb::NodeCommand {
                program: sp.command.program.clone(),
                args: sp.command.args.clone(),
                env: sp
                    .command
                    .env
                    .iter()
                    .map(|(k, v)| pb::EnvVar {
                        name: k.clone(),
                        value: v.clone(),
                    })
                    .collect(),
                cwd: sp.command.cwd.clone(),
                log: sp.command.log.clone(),
            }),
            restart: sp.restart,
            hold: sp.hold.clone(),
            start_after: sp.start_after.as_ref().map(|g| pb::StartGate {
                node: g.node.clone(),
                height: g.height,
            }),
            runtime: enum_name(&sp.runtime),
            limits: Some(pb::NodeLimits {
                nano_cpus: sp.limits.nano_cpus,
                memory_bytes: sp.limits.memory_bytes,
            }),
            network: sp.network.as_ref().map(|n| pb::NodeNetwork {
                name: n.name.clone(),
                address: n.address.clone(),
                subnet: n.subnet.clone(),
            }),
            docker_host: sp.docker_host.as_ref().map(|h| pb::NodeHost {
                name: h.name.clone(),
                address: h.address.clone(),
            }),
        }),
        status: Some(pb::NodeStatus {
            phase: enum_name(&st.phase),
            message: st.message.clone(),
            observed_generation: st.observed_generation,
            pid: st.pid,
            start_ticks: st.start_ticks,
            restarts: st.restarts,
            height: st.height,
            peers: st.peers,
            catching_up: st.catching_up,
            height_changed_unix_ms: st.height_changed_unix_ms,
            restart_seen: st.restart_seen,
            started: st.started,
            container: st.container.clone(),
            restart_after_unix_ms: st.restart_after_unix_ms,
        }),
    }
}

pub fn node_from(n: pb::Node) -> Result<core::Node, ApiError> {
    let sp = n.spec.unwrap_or_default();
    let st = n.status.unwrap_or_default();
    let c = sp.command.unwrap_or_default();
    Ok(core::Node {
        meta: meta_from(n.meta),
        spec: core::NodeSpec {
            devnet: sp.devnet,
            index: sp.index,
            role: parse_enum("node role", &sp.role)?,
            home: sp.home,
            ports: sp
                .ports
                .into_iter()
                .map(|p| {
                    Ok(core::Port {
                        name: p.name,
                        port: u16::try_from(p.port).map_err(|_| ApiError::Decode(format!("port {}", p.port)))?,
                    })
                })
                .collect::<Result<_, ApiError>>()?,
            running: sp.running,
            command: core::NodeCommand {
                program: c.program,
                args: c.args,
                env: c.env.into_iter().map(|e| (e.name, e.value)).collect(),
                cwd: c.cwd,
                log: c.log,
            },
            restart: sp.restart,
            hold: sp.hold,
            start_after: sp.start_after.map(|g| core::StartGate {
                node: g.node,
                height: g.height,
            }),
            runtime: if sp.runtime.is_empty() {
                core::RuntimeKind::default()
            } else {
                parse_enum("runtime", &sp.runtime)?
            },
            limits: sp
                .limits
                .map(|l| core::NodeLimits {
                    nano_cpus: l.nano_cpus,
                    memory_bytes: l.memory_bytes,
                })
                .unwrap_or_default(),
            network: sp.network.map(|n| core::NodeNetwork {
                name: n.name,
                subnet: n.subnet,
                address: n.address,
            }),
            docker_host: sp.docker_host.map(|h| core::NodeHost {
                name: h.name,
                address: h.address,
            }),
        },
        status: core::NodeStatus {
            phase: parse_enum("node phase", &st.phase)?,
            message: st.message,
            observed_generation: st.observed_generation,
            pid: st.pid,
            start_ticks: st.start_ticks,
            restarts: st.restarts,
            height: st.height,
            peers: st.peers,
            catching_up: st.catching_up,
            height_changed_unix_ms: st.height_changed_unix_ms,
            restart_seen: st.restart_seen,
            started: st.started,
            container: st.container,
            restart_after_unix_ms: st.restart_after_unix_ms,
        },
    })
}

pub fn event_to(e: &core::Event) -> pb::Event {
    pb::Event {
        seq: e.seq,
        unix_ms: e.unix_ms,
        kind: enum_name(&e.kind),
        object_kind: enum_name(&e.object_kind),
        object: e.object.clone(),
        reason: e.reason.clone(),
        message: e.message.clone(),
    }
}

pub fn event_from(e: pb::Event) -> Result<core::Event, ApiError> {
    Ok(core::Event {
        seq: e.seq,
        unix_ms: e.unix_ms,
        kind: parse_enum("event kind", &e.kind)?,
        object_kind: parse_enum("object kind", &e.object_kind)?,
        object: e.object,
        reason: e.reason,
        message: e.message,
    })
}

pub fn tx_spec_to(s: &core::TxSpec) -> pb::TxSpec {
    pb::TxSpec {
        devnet: s.devnet.clone(),
        from: s.from.clone(),
        // The wire carries devnet-builder's own request form, `{"kind": ..., "fields": ...}`.
        request_json: s
            .request
            .as_ref()
            .and_then(|r| serde_json::to_string(r).ok())
            .unwrap_or_default(),
        raw: s.raw.clone().unwrap_or_default(),
        unordered: s.unordered,
    }
}

pub fn tx_to(t: &core::Transaction) -> pb::Transaction {
    pb::Transaction {
        meta: Some(meta_to(&t.meta)),
        spec: Some(tx_spec_to(&t.spec)),
        status: Some(pb::TxStatus {
            phase: enum_name(&t.status.phase),
            message: t.status.message.clone(),
            hash: t.status.hash.clone(),
            height: t.status.height.unwrap_or(0),
            chain_log: t.status.chain_log.clone(),
            attempts: t.status.attempts,
            sequence: t.status.sequence,
            builder_version: t.status.builder_version.clone(),
            attributes: t
                .status
                .attributes
                .iter()
                .map(|(key, value)| pb::Attribute {
                    key: key.clone(),
                    value: value.clone(),
                })
                .collect(),
            signed: t.status.signed.clone(),
            signer: t.status.signer.clone(),
            sent_unix_ms: t.status.sent_unix_ms,
        }),
    }
}

/// A transaction spec off the wire; a request that is not one is refused by what is wrong.
pub fn tx_spec_from(s: pb::TxSpec) -> Result<core::TxSpec, ApiError> {
    let request = if s.request_json.is_empty() {
        None
    } else {
        Some(core::TxRequest::parse(&s.request_json).map_err(ApiError::InvalidArgument)?)
    };
    Ok(core::TxSpec {
        devnet: s.devnet,
        from: s.from,
        request,
        raw: (!s.raw.is_empty()).then_some(s.raw),
        unordered: s.unordered,
    })
}

pub fn tx_from(t: pb::Transaction) -> Result<core::Transaction, ApiError> {
    let status = t.status.unwrap_or_default();
    Ok(core::Transaction {
        meta: meta_from(t.meta),
        spec: tx_spec_from(t.spec.unwrap_or_default())?,
        status: core::TxStatus {
            phase: parse_enum("tx phase", &status.phase)?,
            message: status.message,
            hash: status.hash,
            height: (status.height > 0).then_some(status.height),
            chain_log: status.chain_log,
            attempts: status.attempts,
            sequence: status.sequence,
            builder_version: status.builder_version,
            attributes: status.attributes.into_iter().map(|a| (a.key, a.value)).collect(),
            signed: status.signed,
            signer: status.signer,
            sent_unix_ms: status.sent_unix_ms,
        },
    })
}

pub fn upgrade_spec_to(s: &core::UpgradeSpec) -> pb::UpgradeSpec {
    pb::UpgradeSpec {
        devnet: s.devnet.clone(),
        plan: s.plan.clone(),
        to_version: s.to_version.clone(),
        height: s.height.unwrap_or(0),
        no_gov: s.no_gov,
        backup: s.backup,
        cancelled: s.cancelled,
        deposit: s.deposit.clone(),
        voters: s.voters,
        verify_secs: s.verify_secs,
        export_before: s.export_before,
        export_after: s.export_after,
        settings: s
            .settings
            .iter()
            .map(|(k, v)| pb::Setting {
                key: k.clone(),
                value: v.clone(),
            })
            .collect(),
    }
}

pub fn upgrade_spec_from(s: pb::UpgradeSpec) -> core::UpgradeSpec {
    core::UpgradeSpec {
        devnet: s.devnet,
        plan: s.plan,
        to_version: s.to_version,
        height: (s.height > 0).then_some(s.height),
        no_gov: s.no_gov,
        backup: s.backup,
        export_before: s.export_before,
        export_after: s.export_after,
        cancelled: s.cancelled,
        deposit: s.deposit,
        voters: s.voters,
        verify_secs: s.verify_secs,
        settings: s.settings.into_iter().map(|o| (o.key, o.value)).collect(),
    }
}

pub fn upgrade_to(u: &core::Upgrade) -> pb::Upgrade {
    let s = &u.status;
    pb::Upgrade {
        meta: Some(meta_to(&u.meta)),
        spec: Some(upgrade_spec_to(&u.spec)),
        status: Some(pb::UpgradeStatus {
            phase: enum_name(&s.phase),
            message: s.message.clone(),
            proposal_id: s.proposal_id.unwrap_or(0),
            halt_height: s.halt_height.unwrap_or(0),
            from_version: s.from_version.clone(),
            detected_version: s.detected_version.clone(),
            proposal_tx: s.proposal_tx.clone(),
            vote_txs: s.vote_txs.clone(),
            old_binary: s.old_binary.clone(),
            new_binary: s.new_binary.clone(),
            backup_dir: s.backup_dir.clone(),
            switched_unix_ms: s.switched_unix_ms,
            exports: s.exports.clone(),
            rollback_reason: s.rollback_reason.clone(),
            rollback_started_unix_ms: s.rollback_started_unix_ms,
        }),
    }
}

pub fn upgrade_from(u: pb::Upgrade) -> Result<core::Upgrade, ApiError> {
    let s = u.status.unwrap_or_default();
    Ok(core::Upgrade {
        meta: meta_from(u.meta),
        spec: upgrade_spec_from(u.spec.unwrap_or_default()),
        status: core::UpgradeStatus {
            phase: parse_enum("upgrade phase", &s.phase)?,
            message: s.message,
            observed_generation: 0,
            proposal_id: (s.proposal_id > 0).then_some(s.proposal_id),
            halt_height: (s.halt_height > 0).then_some(s.halt_height),
            from_version: s.from_version,
            detected_version: s.detected_version,
            proposal_tx: s.proposal_tx,
            vote_txs: s.vote_txs,
            old_binary: s.old_binary,
            new_binary: s.new_binary,
            backup_dir: s.backup_dir,
            switched_unix_ms: s.switched_unix_ms,
            exports: s.exports,
            rollback_reason: s.rollback_reason,
            rollback_started_unix_ms: s.rollback_started_unix_ms,
        },
    })
}

pub fn export_spec_to(s: &core::ExportSpec) -> pb::ExportSpec {
    pb::ExportSpec {
        devnet: s.devnet.clone(),
        height: s.height.unwrap_or(0),
        node: s.node.clone().unwrap_or_default(),
    }
}

pub fn export_spec_from(s: pb::ExportSpec) -> core::ExportSpec {
    core::ExportSpec {
        devnet: s.devnet,
        height: (s.height > 0).then_some(s.height),
        node: (!s.node.is_empty()).then_some(s.node),
    }
}

pub fn export_to(e: &core::Export) -> pb::Export {
    let s = &e.status;
    pb::Export {
        meta: Some(meta_to(&e.meta)),
        spec: Some(export_spec_to(&e.spec)),
        status: Some(pb::ExportStatus {
            phase: enum_name(&s.phase),
            message: s.message.clone(),
            path: s.path.clone(),
            node: s.node.clone(),
            bytes: s.bytes,
        }),
    }
}

pub fn export_from(e: pb::Export) -> Result<core::Export, ApiError> {
    let s = e.status.unwrap_or_default();
    Ok(core::Export {
        meta: meta_from(e.meta),
        spec: export_spec_from(e.spec.unwrap_or_default()),
        status: core::ExportStatus {
            phase: parse_enum("export phase", &s.phase)?,
            message: s.message,
            path: s.path,
            node: s.node,
            bytes: s.bytes,
        },
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_devnet_and_a_node_should_survive_the_round_trip() {
        let mut d = core::Devnet::new(
            "hub",
            core::DevnetSpec {
                network: "cosmos".into(),
                version: "v0.50".into(),
                binary: "simd".into(),
                chain_id: "hub-1".into(),
                validators: 4,
                full_nodes: 1,
                accounts: vec![core::Account {
                    name: "alice".into(),
                    balances: vec![core::Coin {
                        denom: "stake".into(),
                        amount: "100".into(),
                    }],
                }],
                overrides: vec![("block-time".into(), "1s".into())],
                runtime: core::RuntimeKind::Local,
                running: true,
            },
        );
        d.status.phase = core::DevnetPhase::Degraded;
        d.status.height = 7;
        d.status.addresses = vec![core::KeyAddress {
            name: "alice".into(),
            address: "cosmos1alice".into(),
        }];
        assert_eq!(devnet_from(devnet_to(&d)).unwrap(), d);

        let mut n = core::Node::new(
            core::NodeSpec {
                devnet: "hub".into(),
                index: 4,
                role: core::NodeRole::FullNode,
                home: "nodes/full-0".into(),
                ports: vec![core::Port {
                    name: "rpc".into(),
                    port: 26657,
                }],
                running: true,
                command: core::NodeCommand {
                    program: "/bin/simd".into(),
                    args: vec!["start".into()],
                    env: vec![("A".into(), "b".into())],
                    cwd: "/x".into(),
                    log: "/x/log".into(),
                },
                restart: 3,
                hold: Some("export hub/export-1".into()),
                start_after: Some(core::StartGate {
                    node: "hub/validator-0".into(),
                    height: 1,
                }),
                runtime: core::RuntimeKind::Docker,
                limits: core::NodeLimits {
                    nano_cpus: Some(1_500_000_000),
                    memory_bytes: None,
                },
                network: Some(core::NodeNetwork {
                    name: "dvb-hub-0123".into(),
                    subnet: "172.30.4.0/24".into(),
                    address: "172.30.4.2".into(),
                }),
                docker_host: Some(core::NodeHost {
                    name: "b".into(),
                    address: "10.213.0.3".into(),
                }),
            },
            "full-0",
        );
        n.status.phase = core::NodePhase::CatchingUp;
        n.status.container = Some("0123abcd".into());
        assert_eq!(node_from(node_to(&n)).unwrap(), n);
    }

    #[test]
    fn an_unknown_phase_should_be_named_in_the_error() {
        let mut p = devnet_to(&core::Devnet::new(
            "x",
            devnet_spec_from(pb::DevnetSpec::default()).unwrap(),
        ));
        p.status.as_mut().unwrap().phase = "Exploded".into();
        let e = devnet_from(p).unwrap_err().to_string();
        assert!(e.contains("\"Exploded\""), "{e}");
    }

    #[test]
    fn a_transaction_should_survive_the_round_trip() {
        let t = core::Transaction {
            meta: core::Meta::named("hub/tx-3"),
            spec: core::TxSpec {
                devnet: "hub".into(),
                from: "validator-0".into(),
                request: Some(core::TxRequest::new("bank-send", serde_json::json!({"to": "x"}))),
                raw: None,
                unordered: true,
            },
            status: core::TxStatus {
                phase: core::TxPhase::Failed,
                message: "m".into(),
                hash: "AB".into(),
                height: Some(9),
                chain_log: "log".into(),
                attempts: 2,
                sequence: None,
                builder_version: "v0.53.4".into(),
                attributes: vec![("proposal_id".into(), "1".into())],
                signed: "0a0b".into(),
                signer: "cosmos1x".into(),
                sent_unix_ms: 7,
            },
        };
        assert_eq!(tx_from(tx_to(&t)).unwrap(), t);
    }
}
