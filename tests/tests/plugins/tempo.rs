//! The tempo plugin through the real host.
//!
//! - Its 0x76 transactions match Tempo's own `tempo-primitives` 1.11.0 byte for byte: the bytes
//!   to sign, the signed encoding and the hash; they decode there and recover to the signer.
//! - Its genesis, made from Tempo's own published `dev` chainspec (fetched by `cargo xtask
//!   chains`), funds accounts in TIP-20 tokens at the storage slots Tempo's own dev accounts use,
//!   without running the chain binary; and its node commands wire full nodes to the producer.
//!
//! The `tempo` binary itself cannot be built here (git-pinned reth crates, see CHAINS.md), so no
//! Tempo node runs in this suite.

use devnet_e2e::addresses::evm_address;
use std::num::NonZeroU64;
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use alloy_consensus::SignableTransaction;
use alloy_consensus::transaction::SignerRecoverable;
use alloy_eips::eip2718::{Decodable2718, Encodable2718};
use alloy_primitives::{Address, Bytes, TxKind, U256, keccak256};
use devnet_e2e::chain::binary;
use devnet_e2e::plugin_devnet::{PluginDevnet, spec};
use devnet_keyring::{Algorithm, Keyring};
use devnet_plugin_host::wit::{AccountSpec, Coin, Signer, TxOptions, TxRequest};
use devnet_plugin_host::{DevnetGrant, EngineLimits, PluginEngine, PluginInstance, sign_request};
use k256::elliptic_curve::sec1::ToEncodedPoint as _;
use tempo_primitives::transaction::tempo_transaction::{Call, TEMPO_EXPIRING_NONCE_KEY, TempoTransaction};
use tempo_primitives::transaction::{AASigned, PrimitiveSignature, TempoSignature};

const CHAIN: &str = "1337";
const PATH_USD: &str = "0x20c0000000000000000000000000000000000000";
const ALPHA_USD: &str = "0x20c0000000000000000000000000000000000001";
const RECIPIENT: &str = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

async fn plugin() -> PluginInstance {
    let cache = std::env::temp_dir().join("devnet-e2e-aot");
    PluginEngine::new(cache, EngineLimits::default())
        .unwrap()
        .load(&devnet_e2e::plugins::component("tempo"))
        .await
        .unwrap()
        .instantiate(DevnetGrant::none("tempo-tx"))
        .await
        .unwrap()
}

fn transfer(amount: &str, token: &str) -> TxRequest {
    TxRequest {
        kind: "tempo-transfer".into(),
        json: serde_json::json!({
            "to": RECIPIENT, "amount": amount, "token": token,
            "gas_limit": 90_000, "max_fee_per_gas": "30000000000",
        })
        .to_string(),
    }
}

/// How long the tempo plugin keeps an expiring-nonce transaction valid.
const EXPIRING_TTL_SECS: u64 = 25;

/// Ordered, or unordered with the host's clock set so that it expires at `expires`.
fn options(expires: Option<u64>) -> TxOptions {
    TxOptions {
        ordered: expires.is_none(),
        now_unix_secs: expires.map_or(1_800_000_000, |t| t - EXPIRING_TTL_SECS),
    }
}

/// The transaction Tempo's own types make of the same request.
fn reference(nonce_key: U256, nonce: u64, valid_before: Option<u64>, token: Address, amount: u64) -> TempoTransaction {
    // An expiring-nonce transaction is also valid only after a second the builder picks: the
    // one before the host's clock for its first.
    let valid_after = valid_before.map(|t| t - EXPIRING_TTL_SECS - 1);
    let mut input = vec![0xa9, 0x05, 0x9c, 0xbb];
    input.extend_from_slice(&[0u8; 12]);
    input.extend_from_slice(RECIPIENT.parse::<Address>().unwrap().as_slice());
    input.extend_from_slice(&U256::from(amount).to_be_bytes::<32>());
    TempoTransaction {
        chain_id: 1337,
        fee_token: Some(token),
        max_priority_fee_per_gas: 1_000_000_000,
        max_fee_per_gas: 30_000_000_000,
        gas_limit: 90_000,
        calls: vec![Call {
            to: TxKind::Call(token),
            value: U256::ZERO,
            input: Bytes::from(input),
        }],
        access_list: Default::default(),
        nonce_key,
        nonce,
        fee_payer_signature: None,
        valid_before: valid_before.and_then(NonZeroU64::new),
        valid_after: valid_after.and_then(NonZeroU64::new),
        key_authorization: None,
        tempo_authorization_list: vec![],
    }
}

#[tokio::test]
async fn tempo_transfers_should_match_tempo_primitives_byte_for_byte() {
    let mut p = plugin().await;
    let mut keyring = Keyring::in_memory();
    let public_key = keyring.ensure("alice", Algorithm::Secp256k1).unwrap();
    let sender = evm_address(&public_key);
    let h = p.tx_builder(CHAIN, "v1.11.0").await.unwrap();

    let deadline = 1_900_000_000;
    let mut fee_in_alpha = transfer("2", "pathUSD");
    fee_in_alpha.json = fee_in_alpha
        .json
        .replace("\"token\"", "\"fee_token\":\"AlphaUSD\",\"token\"");
    let mut with_fee = reference(U256::ZERO, 7, None, PATH_USD.parse().unwrap(), 2_000_000);
    with_fee.fee_token = Some(ALPHA_USD.parse().unwrap());
    let cases = [
        // An ordered transfer of 1.5 tokens (6 decimals) in the default token (pathUSD), nonce 7
        // on the protocol nonce key.
        (
            transfer("1.5", ""),
            options(None),
            reference(U256::ZERO, 7, None, PATH_USD.parse().unwrap(), 1_500_000),
        ),
        // In AlphaUSD, which also pays the fee.
        (
            transfer("0.000042", ALPHA_USD),
            options(None),
            reference(U256::ZERO, 7, None, ALPHA_USD.parse().unwrap(), 42),
        ),
        // pathUSD sent, the fee paid in AlphaUSD.
        (fee_in_alpha, options(None), with_fee),
        // Expiring nonce (TIP-1009): nonce key U256::MAX, nonce 0, valid before the deadline.
        (
            transfer("0.000001", ""),
            options(Some(deadline)),
            reference(
                TEMPO_EXPIRING_NONCE_KEY,
                0,
                Some(deadline),
                PATH_USD.parse().unwrap(),
                1,
            ),
        ),
    ];
    for (request, opts, want) in cases {
        let signer = Signer {
            address: sender.to_checksum(None),
            public_key: public_key.clone(),
            sequence: 7,
            account: String::new(),
        };
        let unsigned = p.tx_build(&h, &request, &signer, &opts).await.unwrap();
        // The bytes to sign are Tempo's own signing encoding.
        let mut signing = Vec::new();
        want.encode_for_signing(&mut signing);
        assert_eq!(unsigned.sign.payload, signing, "sign bytes for {request:?}");
        assert_eq!(keccak256(&unsigned.sign.payload), want.signature_hash());

        let mut request_for_keyring = unsigned.sign.clone();
        request_for_keyring.key_id = "alice".into();
        let signature = sign_request(&keyring, &request_for_keyring).unwrap();
        let bytes = p.tx_assemble(&h, &unsigned, &signature).await.unwrap();

        // Decoded by Tempo's own decoder: the same transaction, signed by the sender.
        let decoded = AASigned::decode_2718(&mut bytes.as_slice()).unwrap();
        assert_eq!(decoded.tx(), &want);
        assert_eq!(decoded.recover_signer().unwrap(), sender);
        // And Tempo's own encoding of that signed transaction is exactly what the plugin made.
        let sig = alloy_primitives::Signature::from_raw(
            &signature[..64]
                .iter()
                .chain([&(signature[64] + 27)])
                .copied()
                .collect::<Vec<u8>>(),
        )
        .unwrap();
        let theirs = want
            .clone()
            .into_signed(TempoSignature::Primitive(PrimitiveSignature::Secp256k1(sig)));
        assert_eq!(theirs.encoded_2718(), bytes);
        assert_eq!(*theirs.hash(), keccak256(&bytes));
    }

    // Bad requests are refused with a reason, before anything is signed.
    let signer = Signer {
        address: sender.to_checksum(None),
        public_key,
        sequence: 0,
        account: String::new(),
    };
    let mut misspelt = transfer("1", "");
    misspelt.json = misspelt.json.replace("\"token\"", "\"tokn\"");
    let err = p
        .tx_build(&h, &misspelt, &signer, &options(None))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("tokn") && err.contains("tempo-transfer"), "{err}");
    let err = p
        .tx_build(
            &h,
            &transfer("1", "0x20C0000000000000000000000000000000000001x"),
            &signer,
            &options(None),
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("not an EVM address"), "{err}");
    let err = p
        .tx_build(&h, &transfer("one", ""), &signer, &options(None))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("at most 6 decimals"), "{err}");
}

fn template() -> std::path::PathBuf {
    binary("tempo-genesis", "1.11.0")
}

fn storage_word(genesis: &serde_json::Value, token: &str, slot: U256) -> U256 {
    let key = format!("0x{slot:064x}");
    genesis["alloc"][token]["storage"][&key]
        .as_str()
        .map(|s| U256::from_str_radix(s.trim_start_matches("0x"), 16).unwrap())
        .unwrap_or(U256::ZERO)
}

fn balance_slot(holder: Address) -> U256 {
    let mut preimage = [0u8; 64];
    preimage[12..32].copy_from_slice(holder.as_slice());
    preimage[63] = 9;
    U256::from_be_bytes(keccak256(preimage).0)
}

fn place_template(dir: &Path) -> anyhow::Result<()> {
    std::fs::copy(template(), dir.join("tempo-genesis-template.json"))?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn tempo_genesis_should_fund_accounts_in_tip20_tokens_from_tempos_own_dev_chainspec() {
    let original: serde_json::Value = serde_json::from_slice(&std::fs::read(template()).unwrap()).unwrap();
    // The layout the plugin writes balances in is the one Tempo's own dev genesis uses: the
    // well-known dev account holds pathUSD at keccak(pad(holder) ++ pad(9)).
    let dev_account: Address = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266".parse().unwrap();
    assert!(storage_word(&original, PATH_USD, balance_slot(dev_account)) > U256::ZERO);

    let mut s = spec("v1.11.0", 1, 1, &[("block-time", "500ms"), ("epoch-length", "600")]);
    s.chain_id = "4242".into();
    s.accounts = vec![AccountSpec {
        name: "alice".into(),
        balances: vec![
            Coin {
                denom: "pathUSD".into(),
                amount: "5".into(),
            },
            Coin {
                denom: ALPHA_USD.into(),
                amount: "0.000007".into(),
            },
        ],
    }];
    // `false` stands in for the tempo binary: if the plugin ran it, genesis would fail.
    let which_false = Path::new("/bin/false");
    let mut net = PluginDevnet::genesis_with("tempo", which_false, s.clone(), place_template)
        .await
        .unwrap();
    assert_eq!(net.binary_runs(), 0, "the template was there: the binary must not run");

    let genesis: serde_json::Value =
        serde_json::from_slice(&std::fs::read(net.dir().join("genesis.json")).unwrap()).unwrap();
    assert_eq!(genesis["config"]["chainId"], 4242);
    assert_eq!(genesis["config"]["epochLength"], 600);
    let alice = evm_address(&net.keyring.public_key("alice").unwrap());
    assert_eq!(
        storage_word(&genesis, PATH_USD, balance_slot(alice)),
        U256::from(5_000_000u64)
    );
    assert_eq!(storage_word(&genesis, ALPHA_USD, balance_slot(alice)), U256::from(7u64));
    let supply = |g: &serde_json::Value, t: &str| storage_word(g, t, U256::from(8u64));
    assert_eq!(
        supply(&genesis, PATH_USD),
        supply(&original, PATH_USD) + U256::from(5_000_000u64)
    );
    // Nothing else of Tempo's state changed.
    assert_eq!(
        genesis["alloc"].as_object().unwrap().len(),
        original["alloc"].as_object().unwrap().len()
    );
    assert_eq!(
        genesis["alloc"]["0x20c0000000000000000000000000000000000002"],
        original["alloc"]["0x20c0000000000000000000000000000000000002"]
    );

    // Each node's devp2p key is the keyring's, written 0600; the full node follows the producer.
    for (i, node) in net.nodes.clone().iter().enumerate() {
        let key_file = net.home(i).join("p2p.key");
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", key_file.display());
        let secret = std::fs::read_to_string(&key_file).unwrap();
        let secret: Vec<u8> = (0..64)
            .step_by(2)
            .map(|k| u8::from_str_radix(&secret[k..k + 2], 16).unwrap())
            .collect();
        let public = k256::SecretKey::from_slice(&secret)
            .unwrap()
            .public_key()
            .to_encoded_point(true);
        assert_eq!(
            public.as_bytes(),
            net.keyring
                .public_key(&format!("node-{}.p2p", node.index))
                .unwrap()
                .as_slice()
        );
    }
    let producer = net.plugin.start_command(&s, &net.nodes[0]).await.unwrap().args;
    let follower = net.plugin.start_command(&s, &net.nodes[1]).await.unwrap().args;
    let after = |args: &[String], flag: &str| args.iter().position(|a| a == flag).map(|i| args[i + 1].clone());
    assert_eq!(after(&producer, "--dev.block-time").as_deref(), Some("500ms"));
    assert_eq!(after(&producer, "--chain").as_deref(), Some("genesis.json"));
    assert_eq!(after(&producer, "--http.port"), Some(net.port(0, "http").to_string()));
    assert!(!follower.contains(&"--dev".to_string()));
    assert_eq!(
        after(&follower, "--follow"),
        Some(format!("ws://127.0.0.1:{}", net.port(0, "ws")))
    );
    assert_eq!(after(&follower, "--datadir"), Some(net.nodes[1].home.clone()));
    let init = net.plugin.init_commands(&s, &net.nodes[1]).await.unwrap();
    assert_eq!(
        init[0].args[..3],
        ["init".to_string(), "--chain".into(), "genesis.json".into()]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn tempo_genesis_should_refuse_what_it_cannot_make_and_say_why() {
    let false_bin = Path::new("/bin/false");
    let mut two = spec("v1.11.0", 2, 0, &[]);
    two.chain_id = CHAIN.into();
    let err = PluginDevnet::genesis_with("tempo", false_bin, two, place_template)
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("DKG") && err.contains("--validators 1"), "{err}");

    let mut unknown = spec("v1.11.0", 1, 0, &[("gov.voting-period", "10s")]);
    unknown.chain_id = CHAIN.into();
    let err = PluginDevnet::genesis_with("tempo", false_bin, unknown, place_template)
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("gov.voting-period") && err.contains("epoch-length"),
        "{err}"
    );

    let mut stake = spec("v1.11.0", 1, 0, &[]);
    stake.chain_id = CHAIN.into();
    stake.accounts = vec![AccountSpec {
        name: "bob".into(),
        balances: vec![Coin {
            denom: "stake".into(),
            amount: "1".into(),
        }],
    }];
    let err = PluginDevnet::genesis_with("tempo", false_bin, stake, place_template)
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("\"stake\"") && err.contains("pathUSD"), "{err}");

    // No template and a binary that cannot dump one: the error names both ways.
    let mut bare = spec("v1.11.0", 1, 0, &[]);
    bare.chain_id = CHAIN.into();
    let err = PluginDevnet::genesis("tempo", false_bin, bare)
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("tempo-genesis-template.json") && err.contains("dump-genesis"),
        "{err}"
    );
}
