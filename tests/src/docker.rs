//! The tests' Docker engine, driven through the `docker` CLI (as a user would check on it).

use std::process::{Command, Output};

/// The private engine the tests use (see `devnet_test_fixtures::docker_host`): fails, saying how
/// to start one, when none answers.
pub fn host() -> String {
    devnet_test_fixtures::docker_host()
}

/// `docker -H <host> <args>`.
pub fn cli(host: &str, args: &[&str]) -> Output {
    Command::new("docker")
        .arg("-H")
        .arg(host)
        .args(args)
        .output()
        .expect("the docker CLI runs (Debian: apt-get install docker.io)")
}

/// `docker … <args>`'s stdout; fails with its stderr unless it succeeded.
pub fn cli_ok(host: &str, args: &[&str]) -> String {
    let out = cli(host, args);
    assert!(
        out.status.success(),
        "docker {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Ids of the containers, running or not, labelled with the daemon home `home`.
pub fn containers(host: &str, home: &str) -> Vec<String> {
    let filter = format!("label=dev.devnet-builder.home={home}");
    cli_ok(host, &["ps", "-a", "-q", "--no-trunc", "--filter", &filter])
        .lines()
        .map(str::to_string)
        .filter(|l| !l.is_empty())
        .collect()
}

/// The image a container runs.
pub fn image_of(host: &str, container: &str) -> String {
    cli_ok(host, &["inspect", "--format", "{{.Config.Image}}", container])
        .trim()
        .to_string()
}
