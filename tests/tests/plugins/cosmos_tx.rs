//! The cosmos plugin's tx builders, in the real host: what they build decodes with an independent
//! decoder (cosmos-sdk-proto), v0.47, v0.50 and v0.53 differ exactly where the SDK does, the host's
//! signature verifies over the sign doc, a real v0.50 chain accepts the transactions, and a real
//! v0.53 chain accepts an unordered one.

use devnet_e2e::addresses::cosmos_address;
use std::time::Duration;

use cosmos_sdk_proto::cosmos::bank::v1beta1::MsgSend;
use cosmos_sdk_proto::cosmos::gov::v1::{MsgSubmitProposal, MsgVote};
use cosmos_sdk_proto::cosmos::staking::v1beta1::MsgDelegate;
use cosmos_sdk_proto::cosmos::tx::v1beta1::{AuthInfo, SignDoc, TxBody, TxRaw};
use cosmos_sdk_proto::cosmos::upgrade::v1beta1::MsgSoftwareUpgrade;
use devnet_e2e::chain::binary;
use devnet_e2e::cosmos::{
    CHAIN, TxBuilders, account_of, broadcast, committed, options, request, rest, signer as signer_of,
};
use devnet_e2e::plugin_devnet::{PluginDevnet, spec};
use devnet_e2e::wait_for;
use devnet_keyring::{Algorithm, Keyring};
use devnet_plugin_host::wit::BroadcastResult;
use devnet_plugin_host::wit::{Signer, UnsignedTx};
use prost::Message as _;
use serde_json::json;

fn coins(text: &[(&str, &str)]) -> serde_json::Value {
    text.iter()
        .map(|(amount, denom)| json!({"denom": denom, "amount": amount}))
        .collect()
}

/// What a builder's output is made of: the body and the bytes to sign.
fn bytes_of(tx: &UnsignedTx) -> (&[u8], &[u8]) {
    (&tx.body, &tx.sign.payload)
}

fn decoded(tx: &UnsignedTx) -> (TxRaw, TxBody, AuthInfo) {
    let raw = TxRaw::decode(tx.body.as_slice()).unwrap();
    let body = TxBody::decode(raw.body_bytes.as_slice()).unwrap();
    let auth = AuthInfo::decode(raw.auth_info_bytes.as_slice()).unwrap();
    (raw, body, auth)
}

/// The v0.53 fields of TxBody, which cosmos-sdk-proto (built from SDK v0.50) does not have.
#[derive(Clone, PartialEq, prost::Message)]
struct TxBodyV053 {
    #[prost(bool, tag = "4")]
    unordered: bool,
    #[prost(message, optional, tag = "5")]
    timeout_timestamp: Option<Timestamp>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct Timestamp {
    #[prost(int64, tag = "1")]
    seconds: i64,
    #[prost(int32, tag = "2")]
    nanos: i32,
}

fn signer(keyring: &mut Keyring, id: &str, sequence: u64) -> Signer {
    let public_key = keyring.ensure(id, Algorithm::Secp256k1).unwrap();
    signer_of(&cosmos_address("cosmos", &public_key), &public_key, 7, sequence)
}

#[tokio::test]
async fn cosmos_txs_should_decode_independently_and_differ_only_where_versions_differ() {
    let mut b = TxBuilders::new().await;
    let mut keyring = Keyring::in_memory();
    let from = signer(&mut keyring, "alice", 3);
    let to = signer(&mut keyring, "bob", 0).address;
    let send = request(
        "bank-send",
        json!({"to": to.clone(), "amount": coins(&[("5", "stake"), ("2", "atom")]), "memo": "m"}),
    );

    // An ordered send is the same on every line.
    let v047 = b.build("v0.47.17", &send, &from, &options(false, None)).await.unwrap();
    let v050 = b.build("v0.50.15", &send, &from, &options(false, None)).await.unwrap();
    let v053 = b.build("v0.53.4", &send, &from, &options(false, None)).await.unwrap();
    assert_eq!(bytes_of(&v047), bytes_of(&v050));
    assert_eq!(bytes_of(&v050), bytes_of(&v053));
    let (_, body, auth) = decoded(&v050);
    assert_eq!(body.messages.len(), 1);
    assert_eq!(body.messages[0].type_url, "/cosmos.bank.v1beta1.MsgSend");
    let msg = MsgSend::decode(body.messages[0].value.as_slice()).unwrap();
    assert_eq!(
        (msg.from_address.as_str(), msg.to_address.as_str()),
        (from.address.as_str(), to.as_str())
    );
    let amounts: Vec<(String, String)> = msg.amount.iter().map(|c| (c.denom.clone(), c.amount.clone())).collect();
    assert_eq!(
        amounts,
        [("atom".into(), "2".into()), ("stake".into(), "5".into())],
        "sorted by denom"
    );
    assert_eq!(body.memo, "m");
    assert_eq!(auth.signer_infos[0].sequence, 3);
    assert_eq!(auth.fee.as_ref().unwrap().gas_limit, 200_000);

    // Unordered: only v0.53 builds it, with sequence 0 and the timeout; the rest of the body is unchanged.
    let timeout = 1_900_000_000;
    let unordered = b
        .build("v0.53.4", &send, &from, &options(true, Some(timeout)))
        .await
        .unwrap();
    let (raw_u, body_u, auth_u) = decoded(&unordered);
    let ext = TxBodyV053::decode(raw_u.body_bytes.as_slice()).unwrap();
    assert!(ext.unordered);
    assert_eq!(ext.timeout_timestamp.unwrap().seconds, timeout as i64);
    assert_eq!(body_u, body, "the fields v0.50 knows are the same");
    let (raw_o, _, _) = decoded(&v050);
    assert!(
        raw_u.body_bytes.starts_with(&raw_o.body_bytes),
        "v0.53 appends fields 4 and 5"
    );
    assert_eq!(auth_u.signer_infos[0].sequence, 0, "an unordered tx has sequence 0");
    for version in ["v0.50.15", "v0.47.17"] {
        let err = b
            .build(version, &send, &from, &options(true, Some(timeout)))
            .await
            .unwrap_err();
        assert!(
            err.contains("unordered transaction needs Cosmos SDK v0.53"),
            "{version}: {err}"
        );
    }
    // The expiry comes from the host's clock in the options: the guest has none.
    let now = options(true, None).now_unix_secs;
    let (raw_n, _, _) = decoded(&b.build("v0.53.4", &send, &from, &options(true, None)).await.unwrap());
    let ext = TxBodyV053::decode(raw_n.body_bytes.as_slice()).unwrap();
    assert_eq!(ext.timeout_timestamp.unwrap().seconds, (now + 60) as i64);

    // Proposals: `expedited` exists from v0.50; a software upgrade carries the gov authority.
    let proposal = |expedited| {
        request(
            "gov-submit-proposal",
            json!({
                "title": "Upgrade",
                "summary": "to v0.53",
                "deposit": coins(&[("10000000", "stake")]),
                "content": {"SoftwareUpgrade": {"name": "v050-to-v053", "height": 120, "info": ""}},
                "expedited": expedited,
            }),
        )
    };
    let p047 = b
        .build("v0.47.17", &proposal(false), &from, &options(false, None))
        .await
        .unwrap();
    let p050 = b
        .build("v0.50.15", &proposal(false), &from, &options(false, None))
        .await
        .unwrap();
    assert_eq!(bytes_of(&p047), bytes_of(&p050), "a normal proposal is the same");
    let e050 = b
        .build("v0.50.15", &proposal(true), &from, &options(false, None))
        .await
        .unwrap();
    let (_, body, _) = decoded(&e050);
    let submit = MsgSubmitProposal::decode(body.messages[0].value.as_slice()).unwrap();
    assert!(submit.expedited);
    assert_eq!(
        (submit.title.as_str(), submit.summary.as_str()),
        ("Upgrade", "to v0.53")
    );
    assert_eq!(submit.proposer, from.address);
    assert_eq!(
        submit.messages[0].type_url,
        "/cosmos.upgrade.v1beta1.MsgSoftwareUpgrade"
    );
    let upgrade = MsgSoftwareUpgrade::decode(submit.messages[0].value.as_slice()).unwrap();
    assert_eq!(upgrade.authority, "cosmos10d07y265gmmuvt4z0w9aw880jnsr700j6zn9kn");
    let plan = upgrade.plan.unwrap();
    assert_eq!((plan.name.as_str(), plan.height), ("v050-to-v053", 120));
    let err = b
        .build("v0.47.17", &proposal(true), &from, &options(false, None))
        .await
        .unwrap_err();
    assert!(err.contains("expedited proposal needs Cosmos SDK v0.50"), "{err}");

    // Vote and delegate.
    let vote = b
        .build(
            "v0.50.15",
            &request("gov-vote", json!({"proposal_id": 4, "choice": "NoWithVeto"})),
            &from,
            &options(false, None),
        )
        .await
        .unwrap();
    let v = MsgVote::decode(decoded(&vote).1.messages[0].value.as_slice()).unwrap();
    assert_eq!(
        (v.proposal_id, v.option, v.voter.as_str()),
        (4, 4, from.address.as_str())
    );
    let valoper = cosmos_address("cosmosvaloper", &keyring.public_key("bob").unwrap());
    let delegate = b
        .build(
            "v0.53.4",
            &request(
                "staking-delegate",
                json!({"validator": valoper.clone(), "amount": {"denom": "stake", "amount": "9"}}),
            ),
            &from,
            &options(false, None),
        )
        .await
        .unwrap();
    let d = MsgDelegate::decode(decoded(&delegate).1.messages[0].value.as_slice()).unwrap();
    assert_eq!(d.validator_address, valoper);
    assert_eq!(d.amount.unwrap().amount, "9");

    // Bad input is named.
    let bad = request(
        "bank-send",
        json!({"to": "cosmos1notanaddress", "amount": coins(&[("1", "stake")])}),
    );
    let err = b
        .build("v0.50.15", &bad, &from, &options(false, None))
        .await
        .unwrap_err();
    assert!(err.contains("not a bech32 address"), "{err}");
    let err = b
        .build("v0.46.0", &send, &from, &options(false, None))
        .await
        .unwrap_err();
    assert!(err.contains("v0.47 up to v0.53"), "{err}");
    // A kind the plugin does not declare, and a field it does not know, are named.
    let err = b
        .build("v0.50.15", &request("mint", json!({})), &from, &options(false, None))
        .await
        .unwrap_err();
    assert!(
        err.contains("\"mint\"") && err.contains("bank-send, staking-delegate"),
        "{err}"
    );
    let err = b
        .build(
            "v0.50.15",
            &request("bank-send", json!({"to": to.clone(), "amount": [], "gas_limt": 5})),
            &from,
            &options(false, None),
        )
        .await
        .unwrap_err();
    assert!(err.contains("invalid input") && err.contains("gas_limt"), "{err}");

    // The host's signature verifies over the sign doc the plugin asked it to sign.
    let bytes = b.signed("v0.50.15", &keyring, "alice", &v050).await;
    let raw = TxRaw::decode(bytes.as_slice()).unwrap();
    let doc = SignDoc {
        body_bytes: raw.body_bytes.clone(),
        auth_info_bytes: raw.auth_info_bytes.clone(),
        chain_id: CHAIN.into(),
        account_number: 7,
    };
    assert_eq!(doc.encode_to_vec(), v050.sign.payload, "the payload is the SignDoc");
    let vk = k256::ecdsa::VerifyingKey::from_sec1_bytes(&from.public_key).unwrap();
    let sig = k256::ecdsa::Signature::from_slice(&raw.signatures[0]).unwrap();
    use k256::ecdsa::signature::Verifier as _;
    vk.verify(&doc.encode_to_vec(), &sig).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_real_v050_chain_should_accept_what_the_builder_makes() {
    let (mut net, api, public_key, address) = one_validator("v0.50", "v0.50.15", &[("gov.voting-period", "4s")]).await;
    let (number, first) = account_of(api, &address);
    assert_eq!(first, 1, "the gentx used sequence 0");
    let bob = cosmos_address("cosmos", &net.keyring.ensure("bob", Algorithm::Secp256k1).unwrap());
    let valoper = cosmos_address("cosmosvaloper", &public_key);

    let mut b = TxBuilders::new().await;
    let requests = [
        request(
            "bank-send",
            json!({"to": bob.clone(), "amount": coins(&[("12345", "stake")])}),
        ),
        request(
            "staking-delegate",
            json!({"validator": valoper.clone(), "amount": {"denom": "stake", "amount": "1000000"}}),
        ),
        request(
            "gov-submit-proposal",
            json!({"title": "Text", "summary": "a text proposal", "deposit": coins(&[("10000000", "stake")]), "content": "Text"}),
        ),
        request("gov-vote", json!({"proposal_id": 1, "choice": "Yes"})),
    ];
    for (sequence, request) in requests.iter().enumerate() {
        let signer = signer_of(&address, &public_key, number, first + sequence as u64);
        let tx = b
            .build("v0.50.15", request, &signer, &options(false, None))
            .await
            .unwrap();
        let bytes = b.signed("v0.50.15", &net.keyring, "validator-0", &tx).await;
        let response = broadcast(api, &bytes);
        assert_eq!(response["code"], 0, "tx {sequence} refused: {response}");
        let committed = committed(api, &response);
        let result = &committed["tx_response"];
        assert_eq!(
            result["code"], 0,
            "tx {sequence} failed in its block: {}",
            result["raw_log"]
        );
    }
    let balance = devnet_e2e::wait_for("bob's balance", Duration::from_secs(20), || {
        let b = rest(
            api,
            &format!("/cosmos/bank/v1beta1/balances/{bob}/by_denom?denom=stake"),
        );
        Ok((b["balance"]["amount"] == "12345").then_some(b))
    });
    balance.unwrap();
    let proposal = devnet_e2e::wait_for("the proposal to pass", Duration::from_secs(30), || {
        let p = rest(api, "/cosmos/gov/v1/proposals/1");
        Ok((p["proposal"]["status"] == "PROPOSAL_STATUS_PASSED").then_some(p))
    });
    proposal.unwrap_or_else(|e| panic!("{e}\n{}", net.log_tail("validator-0")));
    let delegation = rest(
        api,
        &format!("/cosmos/staking/v1beta1/validators/{valoper}/delegations/{address}"),
    );
    let shares: f64 = delegation["delegation_response"]["balance"]["amount"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(shares > 100_000_000_000.0, "self-delegation grew: {delegation}");

    // An unordered tx is refused by the v0.50 builder, before anything is broadcast.
    let signer = signer_of(&address, &public_key, number, first + 4);
    let err = b
        .build("v0.50.15", &requests[0], &signer, &options(true, Some(2_000_000_000)))
        .await
        .unwrap_err();
    assert!(err.contains("Nothing was sent"), "{err}");
    net.stop_and_check().unwrap();
}

/// A one-validator devnet of `line` making blocks every 300 ms: the devnet, its REST port, and
/// the validator's public key and address.
async fn one_validator(line: &str, version: &str, settings: &[(&str, &str)]) -> (PluginDevnet, u16, Vec<u8>, String) {
    let simd = binary("simd", line);
    let mut settings = settings.to_vec();
    settings.push(("block-time", "300ms"));
    let mut net = PluginDevnet::genesis("cosmos", &simd, spec(version, 1, 0, &settings))
        .await
        .unwrap();
    net.start().await.unwrap();
    net.wait_status(0, "height 2", Duration::from_secs(60), |s| s.height >= 2)
        .unwrap();
    let api = net.port(0, "api");
    let public_key = net.keyring.public_key("validator-0").unwrap();
    let address = cosmos_address("cosmos", &public_key);
    assert_eq!(net.plugin.address(&net.spec, &public_key).await.unwrap(), address);
    (net, api, public_key, address)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_real_v053_chain_should_accept_an_unordered_transaction() {
    let (mut net, api, public_key, address) = one_validator("v0.53", "v0.53.4", &[]).await;
    let (number, sequence) = account_of(api, &address);
    let bob = cosmos_address("cosmos", &net.keyring.ensure("bob", Algorithm::Secp256k1).unwrap());

    let mut b = TxBuilders::new().await;
    let send = request(
        "bank-send",
        json!({"to": bob.clone(), "amount": coins(&[("777", "stake")])}),
    );
    let signer = signer_of(&address, &public_key, number, sequence);
    let timeout = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 60;
    let tx = b
        .build("v0.53.4", &send, &signer, &options(true, Some(timeout)))
        .await
        .unwrap();
    let bytes = b.signed("v0.53.4", &net.keyring, "validator-0", &tx).await;
    // Through the plugin's `chain` interface, as the daemon sends transactions.
    let node = net.nodes[0].clone();
    let hash = match net.plugin.broadcast(&node, &bytes).await.unwrap() {
        BroadcastResult::Accepted(hash) => hash,
        BroadcastResult::Rejected(r) => panic!("unordered tx refused: {r:?}"),
    };
    let outcome = wait_for("the tx in a block", Duration::from_secs(20), || {
        Ok(tokio::task::block_in_place(|| {
            tokio::runtime::Handle::current().block_on(net.plugin.tx_result(&node, &hash))
        })?)
    })
    .unwrap();
    assert_eq!(outcome.code, 0, "{}", outcome.log);
    assert!(outcome.height >= 2);
    let committed = committed(api, &serde_json::json!({ "txhash": hash }));
    assert_eq!(committed["tx"]["body"]["unordered"], true, "{committed}");
    let balance = rest(
        api,
        &format!("/cosmos/bank/v1beta1/balances/{bob}/by_denom?denom=stake"),
    );
    assert_eq!(balance["balance"]["amount"], "777");
    // Unordered: the account's sequence did not move (the plugin reads what REST says).
    let state = net.plugin.account(&node, &address).await.unwrap().unwrap();
    assert_eq!(state.sequence, sequence);
    assert_eq!(state.data, json!({ "number": number }).to_string());
    assert_eq!(account_of(api, &address), (number, sequence));
    // The same bytes again, as the host sends them after a restart: the node refuses the replay
    // (its mempool cache has it), and the plugin answers with the hash of the tx it already has.
    let raw = devnet_e2e::cosmos::broadcast(api, &bytes);
    assert_ne!(raw["code"], 0, "the node itself refuses a replay: {raw}");
    match net.plugin.broadcast(&node, &bytes).await.unwrap() {
        BroadcastResult::Accepted(h) => assert_eq!(h, hash, "the hash of the tx in the block"),
        BroadcastResult::Rejected(r) => panic!("bytes already in a block were refused: {r:?}"),
    }
    // And it landed once: a block later the balance is what it was.
    let height = committed["tx_response"]["height"]
        .as_str()
        .unwrap()
        .parse::<u64>()
        .unwrap();
    devnet_e2e::wait_for("two more blocks", std::time::Duration::from_secs(30), || {
        let latest = rest(api, "/cosmos/base/tendermint/v1beta1/blocks/latest");
        let now: u64 = latest["block"]["header"]["height"].as_str().unwrap_or("0").parse()?;
        Ok((now > height + 1).then_some(()))
    })
    .unwrap();
    let balance = rest(
        api,
        &format!("/cosmos/bank/v1beta1/balances/{bob}/by_denom?denom=stake"),
    );
    assert_eq!(balance["balance"]["amount"], "777", "the replay moved nothing");
    let nobody = net.plugin.address(&net.spec, &[3u8; 33]).await.unwrap();
    assert!(net.plugin.account(&node, &nobody).await.unwrap().is_none());
    net.stop_and_check().unwrap();
}
