//! A plugin built against `devnet:plugin@0.6.0`, the last API before 0.7.0 added `placement`:
//! every export of 0.6.0 (0.5.0's answers, and a `threshold` that needs no groups), with answers
//! made from the input so a test sees each value cross the host's bridge whole. Built with
//! wit-bindgen alone on the frozen folder, as a plugin a chain team shipped on 0.6.0 is; it must
//! keep working unchanged, and its nodes stay on loopback.

// The generated glue and the custom section are the unsafe code here.
#![allow(unsafe_code)]

wit_bindgen::generate!({
    path: "../../../wit/v0.6.0",
    world: "plugin",
});

use devnet::plugin::host::{LogLevel, log};
use devnet::plugin::types::{
    Capability, Command, DevnetSpec, Digest, File, KeyAlgorithm, KeyRequest, NodeRole, NodeSlot, PluginError,
    PluginInfo, PublicKey, SignRequest, Signature, SignatureFormat, TxKind, TxKindsFor, VersionRange,
};
use exports::devnet::plugin::chain::{AccountState, BroadcastResult, Rejection, RejectionKind, TxOutcome};
use exports::devnet::plugin::genesis::GenesisStep;
use exports::devnet::plugin::governance::{ProposalPhase, ProposalState, UpgradePlan, VoteChoice};
use exports::devnet::plugin::node::{HaltInfo, NodeStatus};
use exports::devnet::plugin::tx::{GuestTxBuilder, Signer, TxBuilder, TxOptions, TxRequest, UnsignedTx};

struct Fixture;

impl exports::devnet::plugin::info::Guest for Fixture {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "api-v0-6".into(),
            version: "0.6.0".into(),
            family: "fixture".into(),
            chain_versions: vec![VersionRange {
                since: "v1.0.0".into(),
                until: Some("v2.0.0".into()),
            }],
            tx_kinds: vec![TxKindsFor {
                versions: VersionRange {
                    since: "v1.0.0".into(),
                    until: None,
                },
                kinds: vec!["echo".into()],
            }],
            capabilities: vec![Capability::Log],
            default_binary: "fixture".into(),
        }
    }
}

impl exports::devnet::plugin::genesis::Guest for Fixture {
    // The same two rounds as the older fixtures: a signature over the chain id, then a file
    // naming every key, signature and node.
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
        if node.index == 9 {
            // A node that answers: the status crosses the bridge whole.
            return Ok(NodeStatus {
                height: 41,
                catching_up: true,
                peers: 3,
            });
        }
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

/// A builder whose "transaction" is everything it was given, written out.
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
        vec![TxKind {
            name: "echo".into(),
            summary: "writes the request out".into(),
            schema: String::new(),
            example: r#"{"say":"hi"}"#.into(),
        }]
    }
    fn build(&self, request: TxRequest, signer: Signer, options: TxOptions) -> Result<UnsignedTx, PluginError> {
        if request.kind != "echo" {
            return Err(PluginError::InvalidInput(format!(
                "no kind {:?}; the kind is echo",
                request.kind
            )));
        }
        let body = format!(
            "{} {} {} from {} seq {} account {} ordered {} at {}",
            self.version,
            request.kind,
            request.json,
            signer.address,
            signer.sequence,
            signer.account,
            options.ordered,
            options.now_unix_secs
        );
        Ok(UnsignedTx {
            sign: SignRequest {
                id: "only".into(),
                key_id: String::new(),
                payload: body.clone().into_bytes(),
                digest: Digest::Keccak256,
                format: SignatureFormat::Secp256k1Recoverable,
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

impl exports::devnet::plugin::chain::Guest for Fixture {
    fn account(node: NodeSlot, address: String) -> Result<Option<AccountState>, PluginError> {
        if address.is_empty() {
            return Ok(None);
        }
        Ok(Some(AccountState {
            sequence: u64::from(node.index) + 7,
            data: format!("data-of-{address}"),
        }))
    }
    fn address(spec: DevnetSpec, public_key: Vec<u8>) -> Result<String, PluginError> {
        Ok(format!("{}:{}", spec.chain_id, public_key.len()))
    }
    fn broadcast(_node: NodeSlot, tx: Vec<u8>) -> Result<BroadcastResult, PluginError> {
        if tx.is_empty() {
            return Ok(BroadcastResult::Rejected(Rejection {
                kind: RejectionKind::WrongSequence,
                code: 32,
                log: "empty tx".into(),
            }));
        }
        Ok(BroadcastResult::Accepted(format!("HASH{}", tx.len())))
    }
    fn tx_result(_node: NodeSlot, hash: String) -> Result<Option<TxOutcome>, PluginError> {
        Ok(Some(TxOutcome {
            height: 5,
            code: 0,
            log: String::new(),
            attributes: vec![("hash".into(), hash)],
        }))
    }
}

impl exports::devnet::plugin::governance::Guest for Fixture {
    fn upgrade_proposal(spec: DevnetSpec, plan: UpgradePlan, height: u64) -> Result<TxRequest, PluginError> {
        let deposit: Vec<String> = plan
            .deposit
            .iter()
            .map(|c| format!("{}{}", c.amount, c.denom))
            .collect();
        Ok(TxRequest {
            kind: "echo".into(),
            json: format!(
                "propose {} to {} at {height} on {} deposit {}",
                plan.name,
                plan.to_version,
                spec.chain_id,
                deposit.join(",")
            ),
        })
    }
    fn vote(_spec: DevnetSpec, id: u64, choice: VoteChoice) -> Result<TxRequest, PluginError> {
        let choice = match choice {
            VoteChoice::Yes => "yes",
            VoteChoice::No => "no",
            VoteChoice::Abstain => "abstain",
            VoteChoice::Veto => "veto",
        };
        Ok(TxRequest {
            kind: "echo".into(),
            json: format!("vote {choice} on {id}"),
        })
    }
    fn proposal_id(outcome: TxOutcome) -> Result<u64, PluginError> {
        outcome
            .attributes
            .iter()
            .find(|(k, _)| k == "id")
            .and_then(|(_, v)| v.parse().ok())
            .ok_or_else(|| PluginError::InvalidInput("no id attribute".into()))
    }
    fn proposal(_node: NodeSlot, id: u64) -> Result<Option<ProposalState>, PluginError> {
        Ok((id != 0).then(|| ProposalState {
            id,
            phase: ProposalPhase::Voting,
            detail: format!("proposal {id}"),
        }))
    }
}

impl exports::devnet::plugin::operate::Guest for Fixture {
    fn halting_start_command(spec: DevnetSpec, node: NodeSlot, height: u64) -> Result<Command, PluginError> {
        let mut command = <Fixture as exports::devnet::plugin::node::Guest>::start_command(spec, node)?;
        command.args.extend(["--halt-height".to_string(), height.to_string()]);
        Ok(command)
    }
    fn export_command(
        _spec: DevnetSpec,
        node: NodeSlot,
        height: Option<u64>,
        output: String,
    ) -> Result<Command, PluginError> {
        let mut args = vec!["export".to_string(), node.home, output];
        if let Some(h) = height {
            args.push(h.to_string());
        }
        Ok(Command { args, env: vec![] })
    }
}

// `plan`, new in 0.5.0: the chain id from the name, its own version line, a setting of its own;
// every node after the first waits for node 0's height 2.
impl exports::devnet::plugin::plan::Guest for Fixture {
    fn choose(
        request: exports::devnet::plugin::plan::DevnetRequest,
    ) -> Result<exports::devnet::plugin::plan::DevnetPlan, PluginError> {
        if request.validators == 0 {
            return Err(PluginError::InvalidInput("at least one validator".into()));
        }
        let mut overrides = request.overrides;
        overrides.push(devnet::plugin::types::Override {
            key: "client".into(),
            value: "five".into(),
        });
        Ok(exports::devnet::plugin::plan::DevnetPlan {
            chain_id: format!("{}-five", request.name),
            binary: "fixture".into(),
            chain_version: "v1.5".into(),
            overrides,
        })
    }

    fn start_after(
        _spec: DevnetSpec,
        node: NodeSlot,
    ) -> Result<Option<exports::devnet::plugin::plan::StartGate>, PluginError> {
        Ok((node.index > 0).then_some(exports::devnet::plugin::plan::StartGate { after: 0, height: 2 }))
    }
}

impl exports::devnet::plugin::threshold::Guest for Fixture {
    fn groups(_spec: DevnetSpec) -> Result<Vec<exports::devnet::plugin::threshold::GroupRequest>, PluginError> {
        Ok(Vec::new())
    }
}

export!(Fixture);

// What the SDK's export macro writes, by hand: the host reads it before instantiating.
#[unsafe(link_section = "devnet-plugin-api")]
#[used]
static API_VERSION: [u8; 5] = *b"0.6.0";
