//! Plugins of every supported API version run in this host. The fixtures `api-v0-1` to
//! `api-v0-6` are built from the frozen `wit/v0.1.0` to `wit/v0.6.0` folders with wit-bindgen
//! alone; the built-in plugins are on the SDK's current API (0.7.0). Values cross
//! the version boundary whole (0.4.0's named transaction kinds become the frozen variant, account
//! data the account number, the host's clock the expiry, a chain code the rejection's kind), and an
//! export newer than a plugin's API is refused with a message that says so.

#![allow(clippy::unwrap_used)]

use devnet_test_fixtures as components;

use components::component;
use devnet_plugin_host::wit::{
    DevnetSpec, NamedPort, NodeRole, NodeSlot, RejectionKind, Signer, TxOptions, TxOutcome, TxRequest, UpgradePlan,
    VoteChoice,
};

fn send(to: &str) -> TxRequest {
    TxRequest {
        kind: "bank-send".into(),
        json: format!(r#"{{"to":"{to}","amount":[{{"denom":"tok","amount":"5"}}]}}"#),
    }
}

fn kind_names(kinds: &[devnet_plugin_host::wit::TxKind]) -> Vec<&str> {
    kinds.iter().map(|k| k.name.as_str()).collect()
}
use devnet_plugin_host::{ApiVersion, Capability, DevnetGrant, EngineLimits, PluginEngine, PluginHostError};

/// The exports every version has, with the fixture's answers (shared by the three fixtures):
/// genesis in two rounds, node commands and status, version arguments and a live version.
async fn shared_exports_should_answer(p: &mut devnet_plugin_host::PluginInstance) {
    use devnet_plugin_host::wit::{GenesisStep, KeyAlgorithm, PublicKey, Signature};
    let keys = p.genesis_keys(&spec()).await.unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(
        (keys[0].id.as_str(), keys[0].algorithm),
        ("validator-0", KeyAlgorithm::Secp256k1)
    );
    let public = [PublicKey {
        id: "validator-0".into(),
        algorithm: KeyAlgorithm::Secp256k1,
        bytes: vec![2; 33],
    }];
    let GenesisStep::Sign(asks) = p.genesis_build(&spec(), &[node()], &public, &[]).await.unwrap() else {
        panic!("a first round should ask for signatures")
    };
    assert_eq!(
        (asks[0].id.as_str(), asks[0].key_id.as_str(), asks[0].payload.as_slice()),
        ("gentx-validator-0", "validator-0", b"old-7".as_slice())
    );
    assert_eq!(
        (asks[0].digest, asks[0].format),
        (
            devnet_plugin_host::wit::Digest::Sha256,
            devnet_plugin_host::wit::SignatureFormat::Secp256k1Compact
        )
    );
    let signed = [Signature {
        id: "gentx-validator-0".into(),
        bytes: vec![9; 64],
    }];
    let GenesisStep::Done(files) = p.genesis_build(&spec(), &[node()], &public, &signed).await.unwrap() else {
        panic!("a second round should be done")
    };
    assert_eq!(files[0].path, "genesis.txt");
    assert_eq!(
        String::from_utf8(files[0].contents.clone()).unwrap(),
        "validator-0 33 bytes\ngentx-validator-0 64 bytes\nnode validator-0 at nodes/validator-0"
    );
    assert!(p.init_commands(&spec(), &node()).await.unwrap().is_empty());
    assert_eq!(p.version_args().await.unwrap(), ["--version"]);
    let err = p.node_status(&node()).await.unwrap_err();
    assert!(
        err.is_transient() && err.to_string().contains("validator-0 has no endpoint"),
        "{err}"
    );
    let err = p.detect_live(&node()).await.unwrap_err();
    assert!(err.to_string().contains("validator-0 is not live"), "{err}");
    assert!(!p.is_poisoned());
}

fn spec() -> DevnetSpec {
    DevnetSpec {
        name: "old".into(),
        chain_id: "old-7".into(),
        chain_version: "v1.2.3".into(),
        validators: 1,
        full_nodes: 0,
        accounts: vec![],
        overrides: vec![],
    }
}

fn node() -> NodeSlot {
    NodeSlot {
        index: 0,
        role: NodeRole::Validator,
        name: "validator-0".into(),
        home: "nodes/validator-0".into(),
        ports: vec![NamedPort {
            name: "rpc".into(),
            port: 40123,
        }],
    }
}

#[tokio::test]
async fn a_plugin_built_against_api_0_1_0_should_work_in_this_host() {
    assert_eq!(
        ApiVersion::ALL.map(ApiVersion::as_str),
        ["0.1.0", "0.2.0", "0.3.0", "0.4.0", "0.5.0", "0.6.0", "0.7.0"]
    );
    let cache = tempfile::tempdir().unwrap();
    let engine = PluginEngine::new(cache.path(), EngineLimits::default()).unwrap();
    let old = engine.load(&component("api-v0-1")).await.unwrap();
    assert_eq!(old.api_version, "0.1.0");
    assert_eq!(old.id, "api-v0-1@0.1.0");
    let current = engine.load(&component("cosmos")).await.unwrap();
    assert_eq!(current.api_version, "0.7.0");

    let mut p = old
        .instantiate(DevnetGrant::none("old").with(Capability::Log))
        .await
        .unwrap();
    shared_exports_should_answer(&mut p).await;
    let info = p.info().await.unwrap();
    assert_eq!(info.family, "other");
    assert_eq!(info.chain_versions[0].until.as_deref(), Some("v2.0.0"));
    assert_eq!(info.tx_kinds[0].kinds, ["bank-send"]);

    // Arguments in, results out, through the 0.1.0 types (and its `host.log` import).
    assert_eq!(p.node_ports(NodeRole::FullNode).await.unwrap(), vec!["rpc"]);
    let start = p.start_command(&spec(), &node()).await.unwrap();
    assert_eq!(start.args, ["start", "--chain-id", "old-7", "--rpc", "40123"]);
    assert_eq!(start.env, [("NODE_HOME".to_string(), "nodes/validator-0".to_string())]);
    let halt = p.upgrade_halt("HALT 77").await.unwrap().unwrap();
    assert_eq!((halt.name.as_str(), halt.height), ("fixture-upgrade", 77));
    assert_eq!(p.parse_version_output("fixture 1.4.2").await.unwrap(), "v1.4.2");
    let err = p.parse_version_output("nonsense").await.unwrap_err().to_string();
    assert!(err.contains("invalid input: not a fixture version"), "{err}");

    // A tx builder resource made, used and dropped across the boundary.
    let h = p.tx_builder("old-7", "v1.2.3").await.unwrap();
    let kinds = p.tx_kinds(&h).await.unwrap();
    assert_eq!(kind_names(&kinds), ["bank-send"]);
    assert!(kinds[0].example.contains("amount"), "{kinds:?}");
    let signer = Signer {
        address: "alice".into(),
        public_key: vec![2; 33],
        sequence: 9,
        account: r#"{"number":3}"#.into(),
    };
    let options = TxOptions {
        ordered: true,
        now_unix_secs: 1_000,
    };
    let tx = p.tx_build(&h, &send("bob"), &signer, &options).await.unwrap();
    assert_eq!(
        String::from_utf8(tx.body.clone()).unwrap(),
        "v1.2.3 send 5tok to bob from alice seq 9 account 3 memo \"\" unordered false until None"
    );
    // A kind the frozen variant has no case for is refused by the host, naming the kinds, without
    // a call into the plugin.
    let mint = TxRequest {
        kind: "mint".into(),
        json: "{}".into(),
    };
    let err = p.tx_build(&h, &mint, &signer, &options).await.unwrap_err();
    assert!(err.to_string().contains("no transaction kind \"mint\""), "{err}");
    assert!(!p.is_poisoned());
    let signed = p.tx_assemble(&h, &tx, b"SIG").await.unwrap();
    assert!(signed.ends_with(b"SIG"));
    p.drop_tx_builder(h).await.unwrap();
    let refused = p.tx_builder("old-7", "v3.0.0").await.unwrap_err().to_string();
    assert!(refused.contains("unsupported: no builder for v3.0.0"), "{refused}");

    // What 0.2.0 added is refused by name, without a call into the plugin (the instance is not
    // restarted), and the instance keeps serving afterwards.
    let refused = p.account(&node(), "alice").await.unwrap_err();
    assert!(matches!(refused, PluginHostError::NotInApi { .. }), "{refused:?}");
    assert!(!refused.is_transient() && !p.is_poisoned());
    let err = refused.to_string();
    assert!(err.contains("chain.account"), "{err}");
    assert!(err.contains("devnet:plugin@0.1.0"), "{err}");
    let err = p
        .export_command(&spec(), &node(), None, "x.json")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("operate.export-command") && err.contains("devnet:plugin@0.1.0"),
        "{err}"
    );
    assert_eq!(p.node_ports(NodeRole::Validator).await.unwrap(), vec!["rpc", "p2p"]);
}

#[tokio::test]
async fn a_plugin_built_against_api_0_2_0_should_answer_chain_calls_in_this_host() {
    let cache = tempfile::tempdir().unwrap();
    let engine = PluginEngine::new(cache.path(), EngineLimits::default()).unwrap();
    let loaded = engine.load(&component("api-v0-2")).await.unwrap();
    assert_eq!(
        (loaded.api_version.as_str(), loaded.id.as_str()),
        ("0.2.0", "api-v0-2@0.2.0")
    );
    let mut p = loaded.instantiate(DevnetGrant::none("v2")).await.unwrap();
    shared_exports_should_answer(&mut p).await;
    // The exports 0.1.0 had, through the 0.2.0 types.
    let start = p.start_command(&spec(), &node()).await.unwrap();
    assert_eq!(start.args, ["start", "--chain-id", "old-7", "--rpc", "40123"]);
    let h = p.tx_builder("old-7", "v1.9.0").await.unwrap();
    assert_eq!(kind_names(&p.tx_kinds(&h).await.unwrap()), ["bank-send"]);

    // What 0.2.0 added: arguments in and results out, converted on the way.
    let account = p.account(&node(), "alice").await.unwrap().unwrap();
    assert_eq!((account.data.as_str(), account.sequence), (r#"{"number":5}"#, 7));
    assert!(p.account(&node(), "").await.unwrap().is_none());
    assert_eq!(p.address(&spec(), &[1, 2, 3]).await.unwrap(), "old-7:3");
    match p.broadcast(&node(), b"").await.unwrap() {
        devnet_plugin_host::wit::BroadcastResult::Rejected(r) => {
            assert_eq!((r.kind, r.code, r.log.as_str()), (RejectionKind::Other, 2, "empty tx"))
        }
        other => panic!("{other:?}"),
    }
    let outcome = p.tx_result(&node(), "ABC").await.unwrap().unwrap();
    assert_eq!(outcome.attributes, [("hash".to_string(), "ABC".to_string())]);
    let proposal = p.proposal(&node(), 4).await.unwrap().unwrap();
    assert_eq!(proposal.phase, devnet_plugin_host::wit::ProposalPhase::Passed);

    // What 0.3.0 added is refused by name.
    let err = p
        .halting_start_command(&spec(), &node(), 9)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("operate.halting-start-command"), "{err}");
    assert!(err.contains("devnet:plugin@0.2.0"), "{err}");
    assert_eq!(p.node_ports(NodeRole::FullNode).await.unwrap(), vec!["rpc"]);
}

#[tokio::test]
async fn a_plugin_built_against_api_0_3_0_should_keep_working_unchanged() {
    let cache = tempfile::tempdir().unwrap();
    let engine = PluginEngine::new(cache.path(), EngineLimits::default()).unwrap();
    let loaded = engine.load(&component("api-v0-3")).await.unwrap();
    assert_eq!(
        (loaded.api_version, loaded.id.as_str(), loaded.family()),
        (ApiVersion::V0_3_0, "api-v0-3@0.3.0", "other")
    );
    let mut p = loaded.instantiate(DevnetGrant::none("v3")).await.unwrap();
    shared_exports_should_answer(&mut p).await;

    // Transactions: 0.4.0's request, signer and options, in 0.3.0's terms.
    let h = p.tx_builder("old-7", "v1.9.0").await.unwrap();
    assert_eq!(kind_names(&p.tx_kinds(&h).await.unwrap()), ["bank-send"]);
    let account = p.account(&node(), "alice").await.unwrap().unwrap();
    let signer = Signer {
        address: "alice".into(),
        public_key: vec![2; 33],
        sequence: account.sequence,
        account: account.data,
    };
    let unordered = TxOptions {
        ordered: false,
        now_unix_secs: 1_000,
    };
    let tx = p.tx_build(&h, &send("bob"), &signer, &unordered).await.unwrap();
    assert_eq!(
        String::from_utf8(tx.body.clone()).unwrap(),
        "v1.9.0 send 5tok to bob from alice seq 7 account 5 memo \"\" unordered true until Some(1060)"
    );
    assert!(p.tx_assemble(&h, &tx, b"SIG").await.unwrap().ends_with(b"SIG"));

    // Governance, which 0.3.0 left to the host: written in its kinds, read from its results.
    let plan = UpgradePlan {
        name: "v2".into(),
        to_version: "v2.0.0".into(),
        deposit: vec![],
    };
    let proposal = p.upgrade_proposal(&spec(), &plan, 40).await.unwrap();
    assert_eq!(proposal.kind, "gov-submit-proposal");
    assert!(proposal.json.contains(r#""height":40"#), "{}", proposal.json);
    // This fixture builds only bank-send: its own refusal comes back as it said it.
    let err = p
        .tx_build(&h, &proposal, &signer, &unordered)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("unsupported: only bank-send"), "{err}");
    let vote = p.vote(&spec(), 3, VoteChoice::Yes).await.unwrap();
    assert_eq!(
        (vote.kind.as_str(), vote.json.as_str()),
        ("gov-vote", r#"{"proposal_id":3,"choice":"Yes"}"#)
    );
    let outcome = TxOutcome {
        height: 5,
        code: 0,
        log: String::new(),
        attributes: vec![("proposal_id".into(), "3".into())],
    };
    assert_eq!(p.proposal_id(&outcome).await.unwrap(), 3);
    let state = p.proposal(&node(), 3).await.unwrap().unwrap();
    assert_eq!(
        (state.id, state.phase),
        (3, devnet_plugin_host::wit::ProposalPhase::Passed)
    );

    // What 0.3.0 added itself.
    let halting = p.halting_start_command(&spec(), &node(), 9).await.unwrap();
    assert_eq!(halting.args[halting.args.len() - 2..], ["--halt-height", "9"]);
    let export = p.export_command(&spec(), &node(), Some(4), "x.json").await.unwrap();
    assert_eq!(
        export.args,
        [
            "export",
            "--home",
            "nodes/validator-0",
            "--out",
            "x.json",
            "--height",
            "4"
        ]
    );
    assert!(!p.is_poisoned());
}

#[tokio::test]
async fn a_plugin_built_against_api_0_4_0_should_keep_working_unchanged() {
    let cache = tempfile::tempdir().unwrap();
    let engine = PluginEngine::new(cache.path(), EngineLimits::default()).unwrap();
    let loaded = engine.load(&component("api-v0-4")).await.unwrap();
    assert_eq!(
        (loaded.api_version, loaded.id.as_str(), loaded.family()),
        (ApiVersion::V0_4_0, "api-v0-4@0.4.0", "fixture")
    );
    let mut p = loaded
        .instantiate(DevnetGrant::none("v4").with(Capability::Log))
        .await
        .unwrap();
    shared_exports_should_answer(&mut p).await;
    let mut answering = node();
    answering.index = 9;
    let status = p.node_status(&answering).await.unwrap();
    assert_eq!((status.height, status.catching_up, status.peers), (41, true, 3));
    let halt = p.upgrade_halt("HALT 12").await.unwrap().unwrap();
    assert_eq!((halt.name.as_str(), halt.height), ("fixture-upgrade", 12));
    assert!(p.upgrade_halt("running").await.unwrap().is_none());

    // Transactions: request, signer, options and the unsigned tx cross both ways whole.
    let h = p.tx_builder("old-7", "v1.9.0").await.unwrap();
    assert_eq!(kind_names(&p.tx_kinds(&h).await.unwrap()), ["echo"]);
    let account = p.account(&node(), "alice").await.unwrap().unwrap();
    assert_eq!((account.sequence, account.data.as_str()), (7, "data-of-alice"));
    assert!(p.account(&node(), "").await.unwrap().is_none());
    let signer = Signer {
        address: p.address(&spec(), &[2; 33]).await.unwrap(),
        public_key: vec![2; 33],
        sequence: account.sequence,
        account: account.data,
    };
    let options = TxOptions {
        ordered: false,
        now_unix_secs: 1_000,
    };
    let echo = TxRequest {
        kind: "echo".into(),
        json: r#"{"say":"hi"}"#.into(),
    };
    let tx = p.tx_build(&h, &echo, &signer, &options).await.unwrap();
    assert_eq!(
        String::from_utf8(tx.body.clone()).unwrap(),
        r#"v1.9.0 echo {"say":"hi"} from old-7:33 seq 7 account data-of-alice ordered false at 1000"#
    );
    assert_eq!(
        (tx.sign.digest, tx.sign.format),
        (
            devnet_plugin_host::wit::Digest::Keccak256,
            devnet_plugin_host::wit::SignatureFormat::Secp256k1Recoverable
        )
    );
    assert_eq!(
        p.tx_assemble(&h, &tx, b"SIG").await.unwrap(),
        [tx.body.as_slice(), b"SIG"].concat()
    );
    let err = p
        .tx_build(&h, &send("bob"), &signer, &options)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("invalid input: no kind \"bank-send\""), "{err}");
    match p.broadcast(&node(), b"").await.unwrap() {
        devnet_plugin_host::wit::BroadcastResult::Rejected(r) => {
            assert_eq!(
                (r.kind, r.code, r.log.as_str()),
                (RejectionKind::WrongSequence, 32, "empty tx")
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        p.broadcast(&node(), b"abc").await.unwrap(),
        devnet_plugin_host::wit::BroadcastResult::Accepted(h) if h == "HASH3"
    ));
    let outcome = p.tx_result(&node(), "ABC").await.unwrap().unwrap();
    assert_eq!((outcome.height, outcome.attributes[0].1.as_str()), (5, "ABC"));

    // Governance, the plugin's own since 0.4.0.
    let plan = UpgradePlan {
        name: "v2".into(),
        to_version: "v2.0.0".into(),
        deposit: vec![devnet_plugin_host::wit::Coin {
            denom: "tok".into(),
            amount: "10".into(),
        }],
    };
    let proposal = p.upgrade_proposal(&spec(), &plan, 40).await.unwrap();
    assert_eq!(proposal.json, "propose v2 to v2.0.0 at 40 on old-7 deposit 10tok");
    assert_eq!(
        p.vote(&spec(), 3, VoteChoice::Veto).await.unwrap().json,
        "vote veto on 3"
    );
    let outcome = TxOutcome {
        height: 5,
        code: 0,
        log: String::new(),
        attributes: vec![("id".into(), "3".into())],
    };
    assert_eq!(p.proposal_id(&outcome).await.unwrap(), 3);
    let state = p.proposal(&node(), 3).await.unwrap().unwrap();
    assert_eq!(
        (state.id, state.phase, state.detail.as_str()),
        (3, devnet_plugin_host::wit::ProposalPhase::Voting, "proposal 3")
    );
    assert!(p.proposal(&node(), 0).await.unwrap().is_none());
    let export = p.export_command(&spec(), &node(), Some(4), "x.json").await.unwrap();
    assert_eq!(export.args, ["export", "nodes/validator-0", "x.json", "4"]);
    let halting = p.halting_start_command(&spec(), &node(), 9).await.unwrap();
    assert_eq!(halting.args[halting.args.len() - 2..], ["--halt-height", "9"]);

    // `plan`, new in 0.5.0: the host chooses as it always did, and nothing waits.
    let chosen = p.choose(&request("old")).await.unwrap();
    assert_eq!(
        (
            chosen.chain_id.as_str(),
            chosen.binary.as_str(),
            chosen.chain_version.as_str()
        ),
        ("old-1", "fixture", "")
    );
    assert_eq!(chosen.overrides.len(), 1);
    assert!(p.start_after(&spec(), &node()).await.unwrap().is_none());
    assert!(!p.is_poisoned());
}

#[tokio::test]
async fn a_plugin_built_against_api_0_5_0_should_keep_working_unchanged() {
    let cache = tempfile::tempdir().unwrap();
    let engine = PluginEngine::new(cache.path(), EngineLimits::default()).unwrap();
    let loaded = engine.load(&component("api-v0-5")).await.unwrap();
    assert_eq!(
        (loaded.api_version, loaded.id.as_str(), loaded.family()),
        (ApiVersion::V0_5_0, "api-v0-5@0.5.0", "fixture")
    );
    let mut p = loaded
        .instantiate(DevnetGrant::none("v5").with(Capability::Log))
        .await
        .unwrap();
    shared_exports_should_answer(&mut p).await;

    // `plan` crosses from the host's types to 0.5.0's and back whole.
    let chosen = p.choose(&request("five")).await.unwrap();
    assert_eq!(
        (
            chosen.chain_id.as_str(),
            chosen.binary.as_str(),
            chosen.chain_version.as_str()
        ),
        ("five-five", "fixture", "v1.5")
    );
    let settings: Vec<(&str, &str)> = chosen
        .overrides
        .iter()
        .map(|o| (o.key.as_str(), o.value.as_str()))
        .collect();
    assert_eq!(settings, [("block-time", "1s"), ("client", "five")]);
    let mut none = request("five");
    none.validators = 0;
    let err = p.choose(&none).await.unwrap_err().to_string();
    assert!(err.contains("at least one validator"), "{err}");
    let mut second = node();
    second.index = 1;
    let gate = p.start_after(&spec(), &second).await.unwrap().unwrap();
    assert_eq!((gate.after, gate.height), (0, 2));
    assert!(p.start_after(&spec(), &node()).await.unwrap().is_none());

    // `threshold`, new in 0.6.0: a 0.5.0 plugin needs no groups.
    assert!(p.threshold_groups(&spec()).await.unwrap().is_empty());
    assert!(!p.is_poisoned());
}

#[tokio::test]
async fn a_plugin_built_against_api_0_6_0_should_keep_working_unchanged() {
    let cache = tempfile::tempdir().unwrap();
    let engine = PluginEngine::new(cache.path(), EngineLimits::default()).unwrap();
    let loaded = engine.load(&component("api-v0-6")).await.unwrap();
    assert_eq!(
        (loaded.api_version, loaded.id.as_str(), loaded.family()),
        (ApiVersion::V0_6_0, "api-v0-6@0.6.0", "fixture")
    );
    // It cannot ask where its nodes are: the daemon keeps its nodes on loopback (a network of
    // their own is refused for it: `--test daemon docker_bridge`).
    assert!(!loaded.api_version.has_placement() && ApiVersion::V0_7_0.has_placement());
    let mut p = loaded
        .instantiate(DevnetGrant::none("v6").with(Capability::Log))
        .await
        .unwrap();
    shared_exports_should_answer(&mut p).await;

    // `plan` and `threshold` cross from the host's types to 0.6.0's and back whole.
    let chosen = p.choose(&request("six")).await.unwrap();
    assert_eq!(
        (chosen.chain_id.as_str(), chosen.chain_version.as_str()),
        ("six-five", "v1.5")
    );
    let mut second = node();
    second.index = 1;
    let gate = p.start_after(&spec(), &second).await.unwrap().unwrap();
    assert_eq!((gate.after, gate.height), (0, 2));
    assert!(p.threshold_groups(&spec()).await.unwrap().is_empty());
    assert!(!p.is_poisoned());
}

fn request(name: &str) -> devnet_plugin_host::wit::DevnetRequest {
    devnet_plugin_host::wit::DevnetRequest {
        name: name.into(),
        chain_id: String::new(),
        binary: String::new(),
        chain_version: String::new(),
        validators: 3,
        full_nodes: 1,
        accounts: vec![],
        overrides: vec![devnet_plugin_host::wit::Override {
            key: "block-time".into(),
            value: "1s".into(),
        }],
        now_unix_secs: 1_800_000_000,
    }
}

#[tokio::test]
async fn a_plugin_of_the_current_api_should_choose_its_own_defaults_and_start_order() {
    let cache = tempfile::tempdir().unwrap();
    let engine = PluginEngine::new(cache.path(), EngineLimits::default()).unwrap();
    let mut evm = engine
        .load(&component("evm"))
        .await
        .unwrap()
        .instantiate(DevnetGrant::none("eth"))
        .await
        .unwrap();
    // Three signers and a full node: Clique on geth v1.13, a numeric chain id.
    let chosen = evm.choose(&request("eth")).await.unwrap();
    assert_eq!(
        (
            chosen.chain_id.as_str(),
            chosen.binary.as_str(),
            chosen.chain_version.as_str()
        ),
        ("1337", "geth", "v1.13")
    );
    let settings: Vec<(&str, &str)> = chosen
        .overrides
        .iter()
        .map(|o| (o.key.as_str(), o.value.as_str()))
        .collect();
    assert_eq!(settings, [("block-time", "1s"), ("client", "clique")]);
    // What the user gave stays, whatever the plugin would pick.
    let mut given = request("eth");
    given.chain_id = "99".into();
    given.chain_version = "v1.13.15".into();
    let chosen = evm.choose(&given).await.unwrap();
    assert_eq!(
        (chosen.chain_id.as_str(), chosen.chain_version.as_str()),
        ("99", "v1.13.15")
    );
    // A request that cannot work is refused by the plugin, saying what to change.
    let mut anvil = request("eth");
    anvil.overrides.push(devnet_plugin_host::wit::Override {
        key: "client".into(),
        value: "anvil".into(),
    });
    let err = evm.choose(&anvil).await.unwrap_err().to_string();
    assert!(
        err.contains("plan.choose") && err.contains("single node, not 4"),
        "{err}"
    );

    // Signers after the first wait for its block 1; the full node does not.
    let mut spec = spec();
    spec.validators = 3;
    spec.full_nodes = 1;
    spec.chain_id = "1337".into();
    spec.overrides = vec![devnet_plugin_host::wit::Override {
        key: "client".into(),
        value: "clique".into(),
    }];
    let slot = |index: u32, role: NodeRole| NodeSlot {
        index,
        role,
        name: format!("n{index}"),
        home: format!("nodes/n{index}"),
        ports: vec![],
    };
    assert!(
        evm.start_after(&spec, &slot(0, NodeRole::Validator))
            .await
            .unwrap()
            .is_none()
    );
    let gate = evm
        .start_after(&spec, &slot(2, NodeRole::Validator))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((gate.after, gate.height), (0, 1));
    assert!(
        evm.start_after(&spec, &slot(3, NodeRole::FullNode))
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn the_current_api_should_derive_addresses_through_the_plugin() {
    let cache = tempfile::tempdir().unwrap();
    let engine = PluginEngine::new(cache.path(), EngineLimits::default()).unwrap();
    let mut cosmos = engine
        .load(&component("cosmos"))
        .await
        .unwrap()
        .instantiate(DevnetGrant::none("a"))
        .await
        .unwrap();
    let key = [2u8; 33];
    let default = cosmos.address(&spec(), &key).await.unwrap();
    assert!(default.starts_with("cosmos1"), "{default}");
    let mut custom = spec();
    custom.overrides.push(devnet_plugin_host::wit::Override {
        key: "bech32-prefix".into(),
        value: "osmo".into(),
    });
    let osmo = cosmos.address(&custom, &key).await.unwrap();
    assert!(osmo.starts_with("osmo1"), "{osmo}");
    // The same 20 bytes under both prefixes: only the human-readable part differs.
    assert_eq!(default.len() - "cosmos".len(), osmo.len() - "osmo".len());
}
