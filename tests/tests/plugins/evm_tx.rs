//! The evm plugin's tx builder, through the real host: what it builds and assembles decodes with
//! alloy and recovers to the signer, for EIP-1559 and legacy transfers, a deploy and an EIP-7702
//! set-code transaction (its authorization recovering to its own authority), and a real anvil
//! mines it.

use std::time::Duration;

use alloy_consensus::transaction::SignerRecoverable;
use alloy_consensus::{Transaction, TxEnvelope};
use alloy_eips::eip2718::Decodable2718;
use alloy_primitives::{Address, keccak256};
use devnet_e2e::chain::binary;
use devnet_e2e::ports::free_ports;
use devnet_e2e::process::GroupProcess;
use devnet_e2e::{rpc, wait_for};
use devnet_plugin_host::wit::{Signer, TxOptions, TxRequest};
use devnet_plugin_host::{DevnetGrant, EngineLimits, PluginEngine, PluginInstance, TxBuilderHandle};
use k256::ecdsa::SigningKey;
use serde_json::json;

/// anvil's first dev account, funded at genesis (a well-known test key, never a real one).
const ANVIL_KEY: &str = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const RECIPIENT: &str = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

fn key() -> SigningKey {
    SigningKey::from_slice(&hex_bytes(ANVIL_KEY)).unwrap()
}

fn hex_bytes(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn address(key: &SigningKey) -> Address {
    let point = key.verifying_key().to_encoded_point(false);
    Address::from_slice(&keccak256(&point.as_bytes()[1..])[12..])
}

/// What the host will do with a sign request: keccak256, then a 65-byte recoverable signature.
fn sign(key: &SigningKey, payload: &[u8]) -> Vec<u8> {
    let (sig, recovery) = key.sign_prehash_recoverable(keccak256(payload).as_slice()).unwrap();
    let mut out = sig.to_bytes().to_vec();
    out.push(recovery.to_byte());
    out
}

async fn builder(chain_id: &str) -> (PluginInstance, TxBuilderHandle) {
    let path = devnet_e2e::plugins::component("evm");
    let cache = std::env::temp_dir().join("devnet-e2e-aot");
    let plugin = PluginEngine::new(cache, EngineLimits::default())
        .unwrap()
        .load(&path)
        .await
        .unwrap();
    let mut p = plugin.instantiate(DevnetGrant::none("evm-tx")).await.unwrap();
    let b = p.tx_builder(chain_id, "v1.7.1").await.unwrap();
    (p, b)
}

fn options() -> TxOptions {
    TxOptions {
        ordered: true,
        now_unix_secs: 1_900_000_000,
    }
}

/// A request of the evm plugin's kind, with a max fee of 30 gwei.
fn request(kind: &str, mut fields: serde_json::Value) -> TxRequest {
    fields["max_fee_per_gas"] = json!("30000000000");
    TxRequest {
        kind: kind.into(),
        json: fields.to_string(),
    }
}

fn signer(nonce: u64) -> Signer {
    let key = key();
    Signer {
        address: address(&key).to_checksum(None),
        public_key: key.verifying_key().to_encoded_point(true).as_bytes().to_vec(),
        sequence: nonce,
        account: String::new(),
    }
}

async fn signed(p: &mut PluginInstance, b: &TxBuilderHandle, request: TxRequest, nonce: u64) -> Vec<u8> {
    let unsigned = p.tx_build(b, &request, &signer(nonce), &options()).await.unwrap();
    let signature = sign(&key(), &unsigned.sign.payload);
    p.tx_assemble(b, &unsigned, &signature).await.unwrap()
}

#[tokio::test]
async fn signed_evm_txs_should_decode_with_alloy_and_recover_the_sender() {
    let (mut p, b) = builder("31337").await;
    let kinds = p.tx_kinds(&b).await.unwrap();
    assert_eq!(kinds.len(), 4, "{kinds:?}");
    let me = address(&key());
    let to: Address = RECIPIENT.parse().unwrap();

    let transfer = |legacy| {
        request(
            "evm-transfer",
            json!({"to": RECIPIENT, "value": "1000", "legacy": legacy}),
        )
    };
    let raw = signed(&mut p, &b, transfer(false), 7).await;
    let tx = TxEnvelope::decode_2718(&mut raw.as_slice()).unwrap();
    assert!(matches!(tx, TxEnvelope::Eip1559(_)), "{tx:?}");
    assert_eq!(tx.recover_signer().unwrap(), me);
    assert_eq!(
        (tx.chain_id(), tx.nonce(), tx.to(), tx.gas_limit()),
        (Some(31337), 7, Some(to), 21_000)
    );
    assert_eq!(tx.value(), alloy_primitives::U256::from(1000));
    assert_eq!(tx.max_fee_per_gas(), 30_000_000_000);

    let raw = signed(&mut p, &b, transfer(true), 8).await;
    let tx = TxEnvelope::decode_2718(&mut raw.as_slice()).unwrap();
    assert!(matches!(tx, TxEnvelope::Legacy(_)), "{tx:?}");
    assert_eq!(tx.recover_signer().unwrap(), me);
    assert_eq!(
        (tx.chain_id(), tx.nonce()),
        (Some(31337), 8),
        "EIP-155 replay protection"
    );

    let code = vec![0x60, 0x00, 0x60, 0x00, 0xf3]; // PUSH1 0 PUSH1 0 RETURN: an empty contract.
    let raw = signed(
        &mut p,
        &b,
        request("evm-deploy", json!({"code": code.clone(), "value": "0"})),
        9,
    )
    .await;
    let tx = TxEnvelope::decode_2718(&mut raw.as_slice()).unwrap();
    assert_eq!(tx.recover_signer().unwrap(), me);
    assert!(tx.kind().is_create() && tx.input().as_ref() == code.as_slice());

    // EIP-7702: an authorization signed by another key (the authority), the tx by the sender.
    let authority = SigningKey::from_slice(&[9u8; 32]).unwrap();
    let delegate: Address = "0x00000000000000000000000000000000000c0de1".parse().unwrap();
    let mut unsigned_auth = vec![0x05];
    {
        use alloy_rlp::Encodable as _;
        let mut items = Vec::new();
        31337u64.encode(&mut items);
        delegate.encode(&mut items);
        0u64.encode(&mut items);
        alloy_rlp::Header {
            list: true,
            payload_length: items.len(),
        }
        .encode(&mut unsigned_auth);
        unsigned_auth.extend(items);
    }
    let (auth_sig, auth_recovery) = authority
        .sign_prehash_recoverable(keccak256(&unsigned_auth).as_slice())
        .unwrap();
    let rs = auth_sig.to_bytes();
    let set_code = request(
        "evm-set-code",
        json!({"to": RECIPIENT, "authorizations": [{
            "chain_id": 31337, "address": delegate.to_string(), "nonce": 0,
            "y_parity": auth_recovery.to_byte(),
            "r": format!("0x{}", hex::encode(&rs[..32])), "s": format!("0x{}", hex::encode(&rs[32..])),
        }]}),
    );
    let raw = signed(&mut p, &b, set_code, 10).await;
    let tx = TxEnvelope::decode_2718(&mut raw.as_slice()).unwrap();
    let TxEnvelope::Eip7702(signed_7702) = &tx else {
        panic!("not a type-4 transaction: {tx:?}")
    };
    assert_eq!(tx.recover_signer().unwrap(), me);
    assert_eq!((tx.nonce(), tx.to()), (10, Some(to)));
    let auths = &signed_7702.tx().authorization_list;
    assert_eq!(auths.len(), 1);
    assert_eq!(
        (*auths[0].chain_id(), *auths[0].address(), auths[0].nonce()),
        (alloy_primitives::U256::from(31337), delegate, 0)
    );
    assert_eq!(auths[0].recover_authority().unwrap(), address(&authority));

    // Bad input is refused by the builder with a clear error, before anything is signed.
    let bad = request(
        "evm-transfer",
        json!({"to": "0x70997970C51812DC3a010C7d01b50e0d17dc79C8", "value": "1"}),
    );
    let err = p
        .tx_build(&b, &bad, &signer(0), &options())
        .await
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("evm@") && err.contains("EIP-55"), "{err}");
    let mut unordered = options();
    unordered.ordered = false;
    let err = p
        .tx_build(&b, &transfer(false), &signer(0), &unordered)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("ordered by nonce"), "{err}");

    // Dropping the builder releases it; a new one can be made (as after an upgrade).
    p.drop_tx_builder(b).await.unwrap();
    let again = p.tx_builder("31337", "v1.7.1").await.unwrap();
    assert_eq!(p.tx_kinds(&again).await.unwrap().len(), 4);

    // A builder for a live version that names its hardfork refuses what that hardfork lacks.
    let cancun = p.tx_builder("31337", "v1.7.1+anvil.cancun").await.unwrap();
    let err = p
        .tx_build(
            &cancun,
            &request("evm-set-code", json!({"to": RECIPIENT, "authorizations": []})),
            &signer(0),
            &options(),
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("needs the prague hardfork; this devnet runs cancun"),
        "{err}"
    );
    let berlin = p.tx_builder("31337", "v1.7.1+anvil.berlin").await.unwrap();
    let err = p
        .tx_build(&berlin, &transfer(false), &signer(0), &options())
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("needs the london hardfork"), "{err}");
    let deploy = request("evm-deploy", json!({"code": code.clone(), "legacy": true}));
    let raw = signed(&mut p, &berlin, deploy, 0).await;
    assert!(matches!(
        TxEnvelope::decode_2718(&mut raw.as_slice()).unwrap(),
        TxEnvelope::Legacy(_)
    ));
    let err = match p.tx_builder("not-a-number", "v1").await {
        Ok(_) => panic!("a non-numeric chain id was accepted"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("must be a number"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_real_anvil_should_mine_the_transfers_the_plugin_builds() {
    let port = free_ports(1)[0];
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = std::process::Command::new(binary("anvil", ""));
    cmd.args(["--host", "127.0.0.1", "--port", &port.to_string()]);
    let mut anvil = GroupProcess::spawn("anvil", &mut cmd, &dir.path().join("anvil.log")).unwrap();
    wait_for("anvil's RPC", Duration::from_secs(30), || {
        Ok(rpc::eth_block_number(port).ok())
    })
    .unwrap();

    let (mut p, b) = builder("31337").await;
    for (nonce, legacy) in [(0, false), (1, true)] {
        let request = request(
            "evm-transfer",
            json!({"to": RECIPIENT, "value": "12345", "legacy": legacy}),
        );
        let raw = signed(&mut p, &b, request, nonce).await;
        let hex: String = raw.iter().map(|b| format!("{b:02x}")).collect();
        let hash = rpc::eth_call_str(port, "eth_sendRawTransaction", serde_json::json!([format!("0x{hex}")])).unwrap();
        let receipt = wait_for("the receipt", Duration::from_secs(30), || {
            Ok(
                rpc::eth_call(port, "eth_getTransactionReceipt", serde_json::json!([hash]))
                    .ok()
                    .filter(|r| !r.is_null()),
            )
        })
        .unwrap();
        assert_eq!(receipt["status"], "0x1", "legacy={legacy}: {receipt}");
    }
    let balance = rpc::eth_call_str(port, "eth_getBalance", serde_json::json!([RECIPIENT, "latest"])).unwrap();
    // The recipient is another funded dev account: 10000 ETH plus the two transfers.
    let expected = alloy_primitives::U256::from(10_000u64)
        * alloy_primitives::U256::from(10u64).pow(alloy_primitives::U256::from(18))
        + alloy_primitives::U256::from(2 * 12345);
    assert_eq!(
        alloy_primitives::U256::from_str_radix(balance.trim_start_matches("0x"), 16).unwrap(),
        expected
    );
    anvil.stop(Duration::from_secs(5)).unwrap();
}
