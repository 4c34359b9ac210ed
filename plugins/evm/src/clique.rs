//! geth Clique proof-of-authority networks (geth ≤ 1.13): the genesis with its signers and alloc,
//! each node's keys and static peers, the init commands that load them, and the start command.

use devnet_plugin_sdk::evm::{Address, U256, address_of, node_id};
use devnet_plugin_sdk::genesis::GenesisStep;
use devnet_plugin_sdk::{
    Command, DevnetSpec, File, KeyAlgorithm, KeyRequest, NodeRole, NodeSlot, PluginError, PublicKey,
};
use serde_json::json;

use crate::node::setting;

const GENESIS: &str = "genesis.json";
/// 1,000,000 ether for each signer.
const SIGNER_BALANCE_WEI: &str = "1000000000000000000000000";

/// Clique seals only up to geth v1.13 (later releases dropped it with the merge).
fn check_version(spec: &DevnetSpec) -> Result<(), PluginError> {
    let mut parts = spec.chain_version.trim_start_matches('v').split('.');
    let (major, minor) = (parts.next(), parts.next());
    let sealing = matches!((major, minor.and_then(|m| m.parse::<u32>().ok())), (Some("1"), Some(m)) if m <= 13);
    if sealing {
        Ok(())
    } else {
        Err(PluginError::unsupported(format!(
            "Clique needs geth v1.13, the last release that seals it; this binary is {:?}: deploy with --version v1.13, or without --version",
            spec.chain_version
        )))
    }
}

fn signer_key(i: usize) -> String {
    format!("validator-{i}")
}
fn p2p_key(node: u32) -> String {
    format!("node-{node}.p2p")
}

pub fn chain_id(spec: &DevnetSpec) -> Result<u64, PluginError> {
    spec.chain_id.parse().map_err(|_| {
        PluginError::invalid(format!(
            "chain id {:?}: an EVM chain id is a number, e.g. 1337",
            spec.chain_id
        ))
    })
}

pub fn keys(spec: &DevnetSpec) -> Result<Vec<KeyRequest>, PluginError> {
    if spec.validators == 0 {
        return Err(PluginError::invalid(
            "a Clique network needs at least 1 signer (validator)",
        ));
    }
    check_version(spec)?;
    chain_id(spec)?;
    let secp = |id: String| KeyRequest {
        id,
        algorithm: KeyAlgorithm::Secp256k1,
    };
    let mut out: Vec<KeyRequest> = (0..spec.validators as usize).map(|i| secp(signer_key(i))).collect();
    out.extend((0..spec.validators + spec.full_nodes).map(|n| secp(p2p_key(n))));
    out.extend(spec.accounts.iter().map(|a| secp(a.name.clone())));
    Ok(out)
}

use devnet_plugin_sdk::genesis::public_key as key;

/// A genesis `alloc`: each of `signers` with [`SIGNER_BALANCE_WEI`], each `--account` with what
/// it asked for.
pub(crate) fn funded(
    spec: &DevnetSpec,
    keys: &[PublicKey],
    signers: &[Address],
) -> Result<serde_json::Map<String, serde_json::Value>, PluginError> {
    let mut alloc = serde_json::Map::new();
    for s in signers {
        alloc.insert(format!("{s:x}"), json!({ "balance": SIGNER_BALANCE_WEI }));
    }
    for account in &spec.accounts {
        let mut total = U256::ZERO;
        for c in &account.balances {
            total += crate::units::wei(&c.amount, &c.denom)?;
        }
        let address = address_of(key(keys, &account.name)?)?;
        alloc.insert(format!("{address:x}"), json!({ "balance": total.to_string() }));
    }
    Ok(alloc)
}

fn block_period(spec: &DevnetSpec) -> Result<u64, PluginError> {
    let text = setting(spec, "block-time").unwrap_or("1").trim_end_matches('s');
    text.parse()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| PluginError::invalid(format!("block-time {text:?} must be whole seconds, e.g. `2s`")))
}

fn enode(keys: &[PublicKey], node: &NodeSlot) -> Result<String, PluginError> {
    let id = node_id(key(keys, &p2p_key(node.index))?)?;
    Ok(format!("enode://{id}@{}:{}", node.peer_host(), node.port("p2p")?))
}

pub fn build(spec: &DevnetSpec, nodes: &[NodeSlot], keys: &[PublicKey]) -> Result<GenesisStep, PluginError> {
    let chain_id = chain_id(spec)?;
    let period = block_period(spec)?;
    let validators: Vec<&NodeSlot> = nodes.iter().filter(|n| n.role == NodeRole::Validator).collect();
    if validators.len() != spec.validators as usize {
        return Err(PluginError::invalid(format!(
            "the spec asks for {} signers but {} validator slots were placed",
            spec.validators,
            validators.len()
        )));
    }
    let signers: Vec<Address> = (0..validators.len())
        .map(|i| address_of(key(keys, &signer_key(i))?))
        .collect::<Result<_, _>>()?;

    // extraData: 32 zero bytes, the signers' addresses, 65 zero bytes for the seal.
    let mut extra = vec![0u8; 32];
    for s in &signers {
        extra.extend_from_slice(s.as_slice());
    }
    extra.extend_from_slice(&[0u8; 65]);

    let alloc = funded(spec, keys, &signers)?;
    let genesis = json!({
        "config": {
            "chainId": chain_id,
            "homesteadBlock": 0, "eip150Block": 0, "eip155Block": 0, "eip158Block": 0,
            "byzantiumBlock": 0, "constantinopleBlock": 0, "petersburgBlock": 0, "istanbulBlock": 0,
            "muirGlacierBlock": 0, "berlinBlock": 0, "londonBlock": 0, "arrowGlacierBlock": 0,
            "grayGlacierBlock": 0,
            "clique": { "period": period, "epoch": 30000 }
        },
        "difficulty": "0x1",
        "gasLimit": "0x1c9c380",
        "extraData": format!("0x{}", extra.iter().map(|b| format!("{b:02x}")).collect::<String>()),
        "alloc": alloc,
    });

    let enodes: Vec<(u32, String)> = nodes
        .iter()
        .map(|n| Ok((n.index, enode(keys, n)?)))
        .collect::<Result<_, PluginError>>()?;
    let mut files = vec![File {
        path: GENESIS.into(),
        contents: serde_json::to_vec_pretty(&genesis).map_err(|e| PluginError::Internal(e.to_string()))?,
        with_secrets: false,
    }];
    let mut signer_index = 0;
    for node in nodes {
        let home = node.home.trim_end_matches('/');
        let peers: Vec<String> = enodes
            .iter()
            .filter(|(i, _)| *i != node.index)
            .map(|(_, e)| format!("\"{e}\""))
            .collect();
        files.push(File {
            path: format!("{home}/config.toml"),
            contents: format!("[Node.P2P]\nStaticNodes = [{}]\n", peers.join(", ")).into_bytes(),
            with_secrets: false,
        });
        files.push(File {
            path: format!("{home}/geth/nodekey"),
            contents: format!("${{secret:{}:hex}}", p2p_key(node.index)).into_bytes(),
            with_secrets: true,
        });
        if node.role == NodeRole::Validator {
            files.push(File {
                path: format!("{home}/signer.key"),
                contents: format!("${{secret:{}:hex}}", signer_key(signer_index)).into_bytes(),
                with_secrets: true,
            });
            files.push(File {
                path: format!("{home}/signer.address"),
                contents: format!("{:?}", signers[signer_index]).into_bytes(),
                with_secrets: false,
            });
            signer_index += 1;
        }
        files.push(File {
            path: format!("{home}/password.txt"),
            contents: b"\n".to_vec(),
            with_secrets: false,
        });
    }
    Ok(GenesisStep::Done(files))
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// `geth init` with the genesis, and for a signer `geth account import` of its key, encrypted
/// with the light scrypt parameters (a devnet key guards nothing; the standard ones cost about a
/// second of CPU at the import and again at every start's unlock).
pub fn init_commands(node: &NodeSlot) -> Vec<Command> {
    let home = node.home.trim_end_matches('/');
    let mut out = vec![Command {
        args: args(&["init", "--datadir", home, GENESIS]),
        env: vec![],
    }];
    if node.role == NodeRole::Validator {
        let password = format!("{home}/password.txt");
        let key = format!("{home}/signer.key");
        out.push(Command {
            args: args(&[
                "account",
                "import",
                "--lightkdf",
                "--datadir",
                home,
                "--password",
                &password,
                &key,
            ]),
            env: vec![],
        });
    }
    out
}

pub fn start_command(spec: &DevnetSpec, node: &NodeSlot, signer: Option<Address>) -> Result<Command, PluginError> {
    // Loopback for a process; 0.0.0.0 in a container with a network of its own.
    let bind = node.bind_host();
    let home = node.home.trim_end_matches('/');
    let (http, authrpc, p2p) = (
        node.port("http")?.to_string(),
        node.port("authrpc")?.to_string(),
        node.port("p2p")?.to_string(),
    );
    let network = chain_id(spec)?.to_string();
    let config = format!("{home}/config.toml");
    let mut a = args(&[
        "--datadir",
        home,
        "--config",
        &config,
        "--networkid",
        &network,
        "--port",
        &p2p,
        "--nodiscover",
        "--http",
        "--http.addr",
        &bind,
        "--http.port",
        &http,
        "--http.api",
        "eth,net,web3,clique",
        "--authrpc.addr",
        &bind,
        "--authrpc.port",
        &authrpc,
        "--ipcdisable",
        "--syncmode",
        "full",
    ]);
    if let Some(signer) = signer {
        let address = format!("{signer:?}");
        let password = format!("{home}/password.txt");
        a.extend(args(&[
            "--mine",
            "--miner.etherbase",
            &address,
            "--unlock",
            &address,
            "--password",
            &password,
            "--allow-insecure-unlock",
        ]));
    }
    Ok(Command { args: a, env: vec![] })
}
