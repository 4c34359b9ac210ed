// The fixture's exports of `devnet:plugin@0.1.0`, shared by the 0.1.0 and 0.2.0 fixtures: each
// crate runs wit-bindgen on its own frozen WIT folder and includes this file, whose paths name
// the generated modules (the same in both versions).

use devnet::plugin::host::{LogLevel, log};
use devnet::plugin::types::{
    Command, DevnetSpec, Digest, File, KeyAlgorithm, KeyRequest, NodeRole, NodeSlot, Platform, PluginError, PluginInfo, PublicKey,
    SignRequest, Signature, SignatureFormat, TxKind, TxKindsFor, VersionRange,
};
use exports::devnet::plugin::genesis::GenesisStep;
use exports::devnet::plugin::node::{HaltInfo, NodeStatus};
use exports::devnet::plugin::tx::{GuestTxBuilder, Signer, TxBuilder, TxOptions, TxRequest, UnsignedTx};

struct Fixture;

impl exports::devnet::plugin::info::Guest for Fixture {
    fn info() -> PluginInfo {
        PluginInfo {
            name: NAME.into(),
            version: VERSION.into(),
            platform: Platform::Other,
            chain_versions: vec![VersionRange {
                since: "v1.0.0".into(),
                until: Some("v2.0.0".into()),
            }],
            tx_kinds: vec![TxKindsFor {
                versions: VersionRange {
                    since: "v1.0.0".into(),
                    until: None,
                },
                kinds: vec![TxKind::BankSend],
            }],
            capabilities: vec![],
            default_binary: "fixture".into(),
        }
    }
}

impl exports::devnet::plugin::genesis::Guest for Fixture {
    // One key per validator; a first round asks for a signature over the chain id, the second
    // writes a file naming every key and signature: every genesis type crosses the host's bridge.
    fn keys(spec: DevnetSpec) -> Result<Vec<KeyRequest>, PluginError> {
        Ok((0..spec.validators)
            .map(|i| KeyRequest {
                id: format!("validator-{i}"),
                algorithm: KeyAlgorithm::Secp256k1,
            })
            .collect())
    }
    fn build(
        spec: DevnetSpec,
        nodes: Vec<NodeSlot>,
        keys: Vec<PublicKey>,
        signatures: Vec<Signature>,
    ) -> Result<GenesisStep, PluginError> {
        if signatures.is_empty() {
            return Ok(GenesisStep::Sign(
                keys.iter()
                    .map(|k| SignRequest {
                        id: format!("gentx-{}", k.id),
                        key_id: k.id.clone(),
                        payload: spec.chain_id.clone().into_bytes(),
                        digest: Digest::Sha256,
                        format: SignatureFormat::Secp256k1Compact,
                    })
                    .collect(),
            ));
        }
        let lines: Vec<String> = keys
            .iter()
            .map(|k| format!("{} {} bytes", k.id, k.bytes.len()))
            .chain(signatures.iter().map(|s| format!("{} {} bytes", s.id, s.bytes.len())))
            .chain(nodes.iter().map(|n| format!("node {} at {}", n.name, n.home)))
            .collect();
        Ok(GenesisStep::Done(vec![File {
            path: "genesis.txt".into(),
            contents: lines.join("\n").into_bytes(),
            with_secrets: false,
        }]))
    }
}

impl exports::devnet::plugin::node::Guest for Fixture {
    fn ports(role: NodeRole) -> Vec<String> {
        match role {
            NodeRole::Validator => vec!["rpc".into(), "p2p".into()],
            NodeRole::FullNode => vec!["rpc".into()],
        }
    }
    fn init_commands(_: DevnetSpec, _: NodeSlot) -> Result<Vec<Command>, PluginError> {
        Ok(vec![])
    }
    fn start_command(spec: DevnetSpec, node: NodeSlot) -> Result<Command, PluginError> {
        // Goes through the 0.1.0 `host` interface; the host's grant decides if it is kept.
        log(LogLevel::Info, &format!("starting {}", node.name));
        let rpc = node.ports.iter().find(|p| p.name == "rpc").map(|p| p.port).unwrap_or(0);
        Ok(Command {
            args: vec![
                "start".into(),
                "--chain-id".into(),
                spec.chain_id,
                "--rpc".into(),
                rpc.to_string(),
            ],
            env: vec![("NODE_HOME".into(), node.home)],
        })
    }
    fn status(node: NodeSlot) -> Result<NodeStatus, PluginError> {
        Err(PluginError::Chain(format!("{} has no endpoint", node.name)))
    }
    fn upgrade_halt(log_line: String) -> Option<HaltInfo> {
        let height = log_line.strip_prefix("HALT ")?.parse().ok()?;
        Some(HaltInfo {
            name: "fixture-upgrade".into(),
            height,
        })
    }
}

impl exports::devnet::plugin::version::Guest for Fixture {
    fn version_args() -> Vec<String> {
        vec!["--version".into()]
    }
    fn parse_version_output(output: String) -> Result<String, PluginError> {
        output
            .strip_prefix("fixture ")
            .map(|v| format!("v{}", v.trim()))
            .ok_or_else(|| PluginError::InvalidInput(format!("not a fixture version: {output:?}")))
    }
    fn detect_live(node: NodeSlot) -> Result<String, PluginError> {
        Err(PluginError::Chain(format!("{} is not live", node.name)))
    }
}

/// A builder whose "transaction" is the request written out: enough to see it arrive whole.
struct Builder {
    version: String,
}

impl GuestTxBuilder for Builder {
    fn create(_chain_id: String, chain_version: String) -> Result<TxBuilder, PluginError> {
        if !chain_version.starts_with("v1.") {
            return Err(PluginError::Unsupported(format!("no builder for {chain_version}")));
        }
        Ok(TxBuilder::new(Builder { version: chain_version }))
    }
    fn kinds(&self) -> Vec<TxKind> {
        vec![TxKind::BankSend]
    }
    fn build(&self, request: TxRequest, signer: Signer, options: TxOptions) -> Result<UnsignedTx, PluginError> {
        let TxRequest::BankSend(send) = request else {
            return Err(PluginError::Unsupported("only bank-send".into()));
        };
        let amount: Vec<String> = send.amount.iter().map(|c| format!("{}{}", c.amount, c.denom)).collect();
        let body = format!(
            "{} send {} to {} from {} seq {} account {} memo {:?} unordered {} until {:?}",
            self.version,
            amount.join(","),
            send.to,
            signer.address,
            signer.sequence,
            signer.account_number,
            options.memo,
            options.unordered,
            options.timeout_unix_secs
        );
        Ok(UnsignedTx {
            sign: SignRequest {
                id: "only".into(),
                key_id: String::new(),
                payload: body.clone().into_bytes(),
                digest: Digest::Sha256,
                format: SignatureFormat::Secp256k1Compact,
            },
            body: body.into_bytes(),
        })
    }
    fn assemble(&self, tx: UnsignedTx, signature: Vec<u8>) -> Result<Vec<u8>, PluginError> {
        let mut out = tx.body;
        out.extend_from_slice(&signature);
        Ok(out)
    }
}

impl exports::devnet::plugin::tx::Guest for Fixture {
    type TxBuilder = Builder;
}

