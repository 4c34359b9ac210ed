//! API 0.6.0's `threshold`: the commonware plugin asks for a BLS12-381 group, the host deals it
//! into the devnet's keyring and writes each validator's share into its config through a
//! placeholder. The plugin declares no file access, so it cannot read a config back.

#![allow(clippy::unwrap_used)]

use std::os::unix::fs::PermissionsExt as _;

use devnet_keyring::{Keyring, ThresholdScheme};
use devnet_plugin_host::wit::NodeSlot;
use devnet_plugin_host::{ApiVersion, Capability, DevnetGrant, EngineLimits, PluginEngine};
use devnet_test_fixtures::component;

#[path = "common/alto.rs"]
mod alto;

use alto::{slot, spec};

/// `key: "value"` of a config line.
fn field<'a>(config: &'a str, key: &str) -> &'a str {
    let line = config.lines().find(|l| l.starts_with(&format!("{key}: "))).unwrap();
    line[key.len() + 2..].trim_matches('"')
}

#[tokio::test]
async fn the_host_should_deal_a_group_and_write_each_share_where_the_plugin_cannot_read() {
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let engine = PluginEngine::new(cache.path(), EngineLimits::default()).unwrap();
    let loaded = engine.load(&component("commonware")).await.unwrap();
    assert_eq!(loaded.api_version, ApiVersion::NEWEST);
    let mut grant = DevnetGrant::none("alto")
        .with(Capability::Log)
        .with(Capability::Http)
        .with(Capability::Files);
    grant.dir = Some(dir.path().to_path_buf());
    let mut p = loaded.instantiate(grant).await.unwrap();
    // Offered `files`, the plugin is granted only what it declared: no files.
    assert!(!p.grant().allows(Capability::Files));

    let groups = p.threshold_groups(&spec(4)).await.unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!((groups[0].id.as_str(), groups[0].members), ("consensus", 4));

    let mut keyring = Keyring::in_memory();
    let nodes: Vec<NodeSlot> = (0..4).map(slot).collect();
    p.run_genesis(&mut keyring, &spec(4), &nodes).await.unwrap();
    let public = keyring.threshold_public("consensus").unwrap();
    assert_eq!(
        (public.scheme, public.members, public.required),
        (ThresholdScheme::Bls12381MinSig, 4, 3)
    );

    // Shares follow the order of the validators' network keys, as alto orders participants.
    let mut by_key: Vec<(String, u32)> = (0..4)
        .map(|i| {
            (
                hex::encode(keyring.public_key(&format!("validator-{i}.p2p")).unwrap()),
                i,
            )
        })
        .collect();
    by_key.sort();
    for (position, (_, i)) in by_key.iter().enumerate() {
        let path = dir.path().join(format!("chain/validator-{i}/alto.yaml"));
        let config = std::fs::read_to_string(&path).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert!(!config.contains("${secret"), "every placeholder filled:\n{config}");
        let secret = keyring
            .fill_secrets(format!("${{secret:validator-{i}.p2p:hex}}").as_bytes())
            .unwrap();
        assert_eq!(field(&config, "private_key").as_bytes(), secret.as_slice());
        let share = keyring
            .fill_secrets(format!("${{secret:consensus.{position}:hex}}").as_bytes())
            .unwrap();
        assert_eq!(
            field(&config, "share").as_bytes(),
            share.as_slice(),
            "validator {i} holds share {position}"
        );
        assert_eq!(field(&config, "polynomial"), hex::encode(&public.polynomial));
        assert!(
            config.contains(&format!("allowed_peers:\n- \"{}\"", by_key[0].0)),
            "{config}"
        );
        assert_eq!(field(&config, "port"), (41000 + 2 * i).to_string());
    }
    let peers = std::fs::read_to_string(dir.path().join("peers.yaml")).unwrap();
    assert_eq!(peers.lines().count(), 5, "{peers}");

    // A second genesis over the same keyring keeps the group: the shares stay valid.
    p.run_genesis(&mut keyring, &spec(4), &nodes).await.unwrap();
    assert_eq!(keyring.threshold_public("consensus").unwrap(), public);
    // The same devnet asked with another size is refused, not dealt again.
    let err = p
        .run_genesis(&mut keyring, &spec(3), &nodes[..3])
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("dealt as bls12381-min-sig for 4 members"), "{err}");
}
