//! Hostile plugins, built from source by `cargo xtask plugins`, are stopped with a clear error,
//! and the host keeps serving other plugins (and the hostile one, freshly instantiated).

#![allow(clippy::unwrap_used)]

use devnet_test_fixtures as components;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use components::component;
use devnet_plugin_host::{Capability, DevnetGrant, EngineLimits, LoadedPlugin, PluginEngine, PluginHostError};

struct Fixture {
    _cache: tempfile::TempDir,
    devnet_dir: tempfile::TempDir,
    hostile: LoadedPlugin,
    cosmos: LoadedPlugin,
}

async fn fixture() -> Fixture {
    let cache = tempfile::tempdir().unwrap();
    let limits = EngineLimits {
        call_timeout: Duration::from_millis(500),
        memory_bytes: 64 << 20,
        max_output_bytes: 4 << 20,
        ..EngineLimits::default()
    };
    let engine = PluginEngine::new(cache.path(), limits).unwrap();
    let hostile = engine.load(&component("hostile")).await.unwrap();
    let cosmos = engine.load(&component("cosmos")).await.unwrap();
    Fixture {
        _cache: cache,
        devnet_dir: tempfile::tempdir().unwrap(),
        hostile,
        cosmos,
    }
}

/// Every capability, scoped to a devnet directory with one port and `/bin/true` as its binary.
fn full_grant(dir: &std::path::Path) -> DevnetGrant {
    let mut g = DevnetGrant::none("victim")
        .with(Capability::Log)
        .with(Capability::Files)
        .with(Capability::Http)
        .with(Capability::RunBinary);
    g.dir = Some(dir.to_path_buf());
    g.binary = Some(PathBuf::from("/bin/true"));
    g.http_ports.insert(1);
    g
}

async fn attack(f: &Fixture, grant: DevnetGrant, name: &str) -> Result<String, PluginHostError> {
    let mut instance = f.hostile.instantiate(grant).await.unwrap();
    let result = instance.parse_version_output(name).await;
    // The same instance serves again after the fault (re-instantiated), and so does another plugin.
    assert_eq!(
        instance.parse_version_output("benign").await.unwrap(),
        "v1.0.0",
        "after {name}"
    );
    let mut other = f.cosmos.instantiate(DevnetGrant::none("bystander")).await.unwrap();
    assert_eq!(other.info().await.unwrap().name, "cosmos", "after {name}");
    result
}

fn assert_blocked(name: &str, result: Result<String, PluginHostError>, expect: &str) {
    match result {
        Ok(out) => panic!("{name}: the plugin got through: {}", &out[..out.len().min(200)]),
        Err(e) => {
            let text = e.to_string();
            assert!(
                text.starts_with("hostile@6.6.6: "),
                "{name}: error does not name the plugin: {text}"
            );
            assert!(text.contains(expect), "{name}: expected {expect:?} in {text}");
        }
    }
}

#[tokio::test]
async fn an_infinite_loop_should_be_stopped_at_the_deadline() {
    let f = fixture().await;
    let started = Instant::now();
    let r = attack(&f, DevnetGrant::none("victim"), "infinite-loop").await;
    assert!(matches!(r, Err(PluginHostError::Deadline { .. })), "{r:?}");
    assert_blocked("infinite-loop", r, "did not finish within 500 ms");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn a_memory_bomb_should_trap_at_the_memory_cap() {
    let f = fixture().await;
    let r = attack(&f, DevnetGrant::none("victim"), "memory-bomb").await;
    assert!(matches!(r, Err(PluginHostError::Trap { .. })), "{r:?}");
    assert_blocked("memory-bomb", r, "trapped");
}

#[tokio::test]
async fn reading_etc_passwd_should_be_refused_both_through_wasi_and_the_host() {
    let f = fixture().await;
    let dir = f.devnet_dir.path();
    assert_blocked(
        "read-passwd-wasi",
        attack(&f, full_grant(dir), "read-passwd-wasi").await,
        "",
    );
    assert_blocked(
        "read-passwd-host",
        attack(&f, full_grant(dir), "read-passwd-host").await,
        "not a relative path",
    );
    assert_blocked(
        "read-parent-host",
        attack(&f, full_grant(dir), "read-parent-host").await,
        "leaves the devnet directory",
    );
}

#[tokio::test]
async fn writing_outside_the_devnet_directory_should_be_refused() {
    let f = fixture().await;
    let dir = f.devnet_dir.path().join("inner");
    std::fs::create_dir_all(&dir).unwrap();
    assert_blocked(
        "write-outside-wasi",
        attack(&f, full_grant(&dir), "write-outside-wasi").await,
        "",
    );
    assert_blocked(
        "write-outside-host",
        attack(&f, full_grant(&dir), "write-outside-host").await,
        "leaves the devnet directory",
    );
    assert!(!std::path::Path::new("/tmp/hostile-plugin-was-here").exists());
    assert!(!f.devnet_dir.path().join("hostile-plugin-was-here").exists());
}

#[tokio::test]
async fn running_a_binary_that_is_not_the_devnets_should_be_refused() {
    let f = fixture().await;
    // WASI has no processes at all.
    assert_blocked(
        "spawn-process",
        attack(&f, full_grant(f.devnet_dir.path()), "spawn-process").await,
        "",
    );
    // Without the grant the host runs nothing; with it, only the devnet's binary (/bin/true here).
    let mut no_run = full_grant(f.devnet_dir.path());
    no_run.capabilities.remove(&Capability::RunBinary);
    assert_blocked(
        "run-binary-host",
        attack(&f, no_run, "run-binary-host").await,
        "the `run-binary` capability is not granted to hostile@6.6.6 for devnet victim",
    );
    let ran = attack(&f, full_grant(f.devnet_dir.path()), "run-binary-host")
        .await
        .unwrap();
    assert_eq!(
        ran, "ESCAPED: ",
        "the devnet's own /bin/true ran, and printed nothing, not `id`"
    );
}

#[tokio::test]
async fn reaching_an_address_that_is_not_the_devnets_should_be_refused() {
    let f = fixture().await;
    let grant = || full_grant(f.devnet_dir.path());
    assert_blocked("socket", attack(&f, grant(), "socket").await, "");
    assert_blocked(
        "http",
        attack(&f, grant(), "http-host http://127.0.0.1:22/").await,
        "not a port of devnet victim",
    );
    assert_blocked(
        "http",
        attack(&f, grant(), "http-host http://10.1.2.3:1/").await,
        "not this devnet's loopback",
    );
}

#[tokio::test]
async fn the_environment_should_be_empty() {
    let f = fixture().await;
    assert_blocked(
        "env",
        attack(&f, full_grant(f.devnet_dir.path()), "env").await,
        "no environment",
    );
}

#[tokio::test]
async fn a_huge_output_should_be_cut_off_at_the_output_limit() {
    let f = fixture().await;
    let r = attack(&f, full_grant(f.devnet_dir.path()), "huge-output").await;
    assert!(matches!(r, Err(PluginHostError::Trap { .. })), "{r:?}");
    assert_blocked("huge-output", r, "output limit exceeded");
}

#[tokio::test]
async fn a_capability_the_plugin_did_not_declare_should_be_refused_by_name_whatever_is_offered() {
    let f = fixture().await;
    let cache = tempfile::tempdir().unwrap();
    let engine = PluginEngine::new(cache.path(), EngineLimits::default()).unwrap();
    let http_only = engine.load(&component("hostile-http")).await.unwrap();
    assert_eq!(http_only.declared_capabilities(), [Capability::Http]);
    let dir = f.devnet_dir.path();
    let mut p = http_only.instantiate(full_grant(dir)).await.unwrap();
    assert!(p.grant().allows(Capability::Http));
    assert!(!p.grant().allows(Capability::Files) && !p.grant().allows(Capability::RunBinary));
    for (attack, call, capability) in [
        ("run-binary-host", "run-binary", "run-binary"),
        ("write-inside-host", "write-file", "files"),
        ("read-passwd-host", "read-file", "files"),
    ] {
        let err = p.parse_version_output(attack).await.unwrap_err().to_string();
        assert!(
            err.contains(&format!(
                "{call}: hostile-http@6.6.6 did not declare the `{capability}` capability, so devnet victim \
                 does not grant it (it declared: http)"
            )),
            "{attack}: {err}"
        );
    }
    assert!(!dir.join("hostile-was-here").exists());
    // What it declared is granted, and still held to the devnet's own ports.
    let err = p
        .parse_version_output("http-host http://127.0.0.1:22/")
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("not a port of devnet victim"), "{err}");
    // The same offer to a plugin that declares files: the write goes through.
    let mut all = f.hostile.instantiate(full_grant(dir)).await.unwrap();
    assert_eq!(
        all.parse_version_output("write-inside-host").await.unwrap(),
        "WROTE hostile-was-here"
    );
    assert!(dir.join("hostile-was-here").exists());
}

#[tokio::test]
async fn a_plugin_should_see_neither_the_host_clocks_nor_host_entropy() {
    let f = fixture().await;
    let mut a = f.hostile.instantiate(DevnetGrant::none("a")).await.unwrap();
    let first = a.parse_version_output("time-and-random").await.unwrap();
    assert!(first.starts_with("wall=0 monotonic-moved=0 hash="), "{first}");
    // Another instance, made later, reads the same time and draws the same hash seed.
    tokio::time::sleep(Duration::from_millis(20)).await;
    let mut b = f.hostile.instantiate(DevnetGrant::none("b")).await.unwrap();
    assert_eq!(b.parse_version_output("time-and-random").await.unwrap(), first);
}
