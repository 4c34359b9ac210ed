//! Plugins through an OCI registry: Debian's `docker-registry` (CNCF Distribution 2.8, which has
//! no Referrers API) on 127.0.0.1, started by the test. `dvb plugin publish` pushes a component
//! in the CNCF Wasm layout with its signature as an artifact referring to it; `dvb plugin
//! install oci://…` by tag, by digest and by range (a newer tag built for an API this host does
//! not support skipped, saying so), recording the manifest digest; a tampered blob, a missing
//! signature and a signature by a key nobody trusts are refused with the reason and change
//! nothing.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use devnet_e2e::daemon::{Daemon, Run};
use devnet_e2e::plugins::{component, with_api_version};

/// A private registry on 127.0.0.1, stopped (by pid) when dropped.
struct Registry {
    child: Child,
    port: u16,
    root: PathBuf,
    _dir: tempfile::TempDir,
}

impl Registry {
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("storage");
        let port = devnet_e2e::ports::free_ports(1)[0];
        let config = dir.path().join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n",
                root.display()
            ),
        )
        .unwrap();
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("docker-registry ({e}): install Debian's docker-registry (apt-get install docker-registry)")
            });
        devnet_e2e::wait_for("the registry to answer", Duration::from_secs(30), || {
            Ok(ureq::get(&format!("http://127.0.0.1:{port}/v2/")).call().ok().map(drop))
        })
        .expect("docker-registry serving");
        Self {
            child,
            port,
            root,
            _dir: dir,
        }
    }

    fn at(&self, repo_and_tag: &str) -> String {
        format!("oci://127.0.0.1:{}/{repo_and_tag}", self.port)
    }

    /// The registry's own file of blob `digest` (`sha256:<hex>`).
    fn blob_file(&self, digest: &str) -> PathBuf {
        let hex = digest.trim_start_matches("sha256:");
        self.root
            .join("docker/registry/v2/blobs/sha256")
            .join(&hex[..2])
            .join(hex)
            .join("data")
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn publish(d: &Daemon, file: &Path, target: &str, key: Option<&Path>) -> serde_json::Value {
    let mut args = vec!["plugin", "publish", file.to_str().unwrap(), target, "-o", "json"];
    if let Some(k) = key {
        args.extend(["--key", k.to_str().unwrap()]);
    }
    d.dvb_ok(&args).json()
}

fn plugins(d: &Daemon) -> serde_json::Value {
    d.dvb_ok(&["plugin", "list", "-o", "json"]).json()
}

#[track_caller]
fn refused(d: &Daemon, before: &serde_json::Value, run: Run, says: &str) {
    assert!(!run.ok, "accepted:\n{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains(says), "no {says:?} in:\n{}", run.stderr);
    assert_eq!(&plugins(d), before, "a refused install changed the plugins");
}

#[test]
fn plugins_should_publish_to_and_install_from_an_oci_registry() {
    let registry = Registry::start();
    let d = Daemon::start();
    let work = tempfile::tempdir().unwrap();
    let v2 = std::fs::read(component("api-v0-2")).unwrap();
    let good = work.path().join("good.wasm");
    std::fs::write(&good, &v2).unwrap();
    let future = work.path().join("future.wasm");
    std::fs::write(&future, with_api_version(&v2, "0.2.0", "9.9.0")).unwrap();
    let keygen = |name: &str| {
        let secret = work.path().join(format!("{name}.secret"));
        let public = d
            .dvb_ok(&["plugin", "keygen", "--out", secret.to_str().unwrap()])
            .stdout;
        (secret, public.trim().to_string())
    };
    let (team, team_public) = keygen("team");
    let (stranger, _) = keygen("stranger");
    d.dvb_ok(&["plugin", "trust", "team", &team_public]);

    // A signature by a key nobody trusts, pushed ahead of the team's, does not block it.
    let junk = publish(&d, &good, &registry.at("chains/fixture:1.0.0"), Some(&stranger));
    let first = publish(&d, &good, &registry.at("chains/fixture:1.0.0"), Some(&team));
    assert_eq!(
        junk["manifest_digest"], first["manifest_digest"],
        "one component, two signatures"
    );
    let digest = first["manifest_digest"].as_str().unwrap().to_string();
    assert!(
        digest.starts_with("sha256:") && first["signature_digest"].is_string(),
        "{first}"
    );
    publish(&d, &future, &registry.at("chains/fixture:2.0.0"), Some(&team));
    publish(&d, &good, &registry.at("chains/unsigned:1.0.0"), None);
    publish(&d, &good, &registry.at("chains/foreign:1.0.0"), Some(&stranger));
    // Blobs are shared by digest across a registry's repositories: the one to tamper with gets
    // bytes of its own (the component plus a custom section).
    let other = work.path().join("other.wasm");
    std::fs::write(
        &other,
        [v2.as_slice(), &[0x00, 0x05, 0x04, b't', b'e', b's', b't']].concat(),
    )
    .unwrap();
    let tampered = publish(&d, &other, &registry.at("chains/tampered:1.0.0"), Some(&team));
    // The registry's copy of the component changed under it (its layer is the one wasm blob).
    let manifest: serde_json::Value = ureq::get(&format!(
        "http://127.0.0.1:{}/v2/chains/tampered/manifests/{}",
        registry.port,
        tampered["manifest_digest"].as_str().unwrap()
    ))
    .set("Accept", "application/vnd.oci.image.manifest.v1+json")
    .call()
    .unwrap()
    .into_json()
    .unwrap();
    assert_eq!(manifest["config"]["mediaType"], "application/vnd.wasm.config.v0+json");
    assert_eq!(manifest["layers"][0]["mediaType"], "application/wasm");
    let blob = registry.blob_file(manifest["layers"][0]["digest"].as_str().unwrap());
    let mut bytes = std::fs::read(&blob).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&blob, bytes).unwrap();

    let before = plugins(&d);
    let install = |source: &str| d.dvb(&["plugin", "install", source]);
    refused(
        &d,
        &before,
        install(&registry.at("chains/unsigned:1.0.0")),
        "no signature",
    );
    refused(
        &d,
        &before,
        install(&registry.at("chains/foreign:1.0.0")),
        "no trusted key",
    );
    refused(
        &d,
        &before,
        install(&registry.at("chains/tampered:1.0.0")),
        "Invalid digest",
    );
    refused(&d, &before, install(&registry.at("chains/fixture:2.0.0")), "9.9.0");
    // `:1` is a tag (there is none); the refusal lists the tags and says how a range is written.
    let missing = install(&registry.at("chains/fixture:1"));
    refused(&d, &before, missing, "the tags there: 1.0.0, 2.0.0");

    // No tag: the newest whose API this host supports, 2.0.0 skipped with the reason.
    let by_range = d.dvb(&["plugin", "install", &registry.at("chains/fixture"), "-o", "json"]);
    assert!(by_range.ok, "{}", by_range.stderr);
    assert!(
        by_range.stderr.contains("skipped 2.0.0") && by_range.stderr.contains("9.9.0"),
        "{}",
        by_range.stderr
    );
    let plugin = &by_range.json()["plugin"];
    assert_eq!(plugin["signed_by"], "team", "{plugin}");
    let recorded = plugin["source"].as_str().unwrap();
    assert!(
        recorded.ends_with(&format!("chains/fixture:1.0.0@{digest}")),
        "the install records the manifest digest: {recorded}"
    );
    // By its exact tag, and by digest.
    let by_tag = d.dvb(&["plugin", "upgrade", &registry.at("chains/fixture:1.0.0"), "-o", "json"]);
    assert!(by_tag.ok, "{}", by_tag.stderr);
    let plugin = &by_tag.json()["plugin"];
    assert_eq!(plugin["signed_by"], "team", "{plugin}");
    assert!(
        plugin["source"]
            .as_str()
            .unwrap()
            .ends_with(&format!("chains/fixture:1.0.0@{digest}")),
        "{plugin}"
    );
    let by_digest = d.dvb(&[
        "plugin",
        "upgrade",
        &registry.at(&format!("chains/fixture@{digest}")),
        "-o",
        "json",
    ]);
    assert!(by_digest.ok, "{}", by_digest.stderr);
    let plugin = &by_digest.json()["plugin"];
    assert_eq!(plugin["signed_by"], "team", "{plugin}");
    assert!(
        plugin["source"]
            .as_str()
            .unwrap()
            .ends_with(&format!("chains/fixture@{digest}")),
        "{plugin}"
    );
    // A caret range.
    let by_caret = d.dvb(&["plugin", "upgrade", &registry.at("chains/fixture:^1"), "-o", "json"]);
    assert!(by_caret.ok, "{}", by_caret.stderr);
    assert!(
        by_caret.json()["plugin"]["source"]
            .as_str()
            .unwrap()
            .contains(":1.0.0@"),
        "{}",
        by_caret.stdout
    );
    // With --allow-unsigned, the unsigned one goes in, unsigned.
    let unsigned = d.dvb(&[
        "plugin",
        "upgrade",
        &registry.at("chains/unsigned:1.0.0"),
        "--allow-unsigned",
        "-o",
        "json",
    ]);
    assert!(unsigned.ok, "{}", unsigned.stderr);
    assert_eq!(unsigned.json()["plugin"]["signed_by"], "");
}
