//! The pinned chain binaries and how each kind is built from the registries this machine reaches
//! (the Go module proxy, npm, crates.io). Changing a pin here is the only way a version changes.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail};

/// One binary at one pinned version.
pub struct Recipe {
    /// Name in the manifest, e.g. `simd`.
    pub name: &'static str,
    pub version: &'static str,
    /// File name of the executable in the cache.
    pub exe: &'static str,
    pub source: Source,
    /// Arguments that make the binary describe itself, and the check of what it said.
    pub verify_args: &'static [&'static str],
    pub verify: fn(&Recipe, &str) -> anyhow::Result<String>,
}

pub enum Source {
    /// `simd` from the Cosmos SDK's simapp, through a wrapper module (simapp carries `replace`
    /// directives, so `go install pkg@version` refuses it).
    Simapp {
        /// The `cosmossdk.io/simapp` pseudo-version. The proxy serves only some; see README.
        simapp: &'static str,
        /// The `github.com/cosmos/cosmos-sdk` version linked in: this decides the SDK version.
        sdk: &'static str,
    },
    /// A Go main package of this repository (a folder with go.mod and go.sum), built with
    /// `go build`. The folder's contents are stamped into the manifest, so an edit rebuilds it.
    GoMain {
        /// Relative to the repository root.
        dir: &'static str,
        ldflags: &'static str,
    },
    /// `go install <package>@<version>`.
    GoInstall {
        package: &'static str,
        ldflags: &'static str,
    },
    /// An npm package that ships the real binary at `bin_path` inside its tarball.
    Npm {
        package: &'static str,
        bin_path: &'static str,
    },
    /// A Node.js program from npm with its dependencies, every version pinned by the
    /// package.json and package-lock.json in `dir` of this repository (`npm ci`), its
    /// executables in `node_modules/.bin`; the installed package's version is checked. The
    /// folder's contents are stamped into the manifest, so an edit reinstalls it.
    NpmApp {
        /// Relative to the repository root.
        dir: &'static str,
        package: &'static str,
    },
    /// `cargo install <krate> --version =<version> --locked`, keeping binary `bin`.
    Cargo { krate: &'static str, bin: &'static str },
    /// A data file (not an executable) from a published crate's source on crates.io, such as a
    /// chain's own genesis. Verified by reading it, not by running it.
    CrateFile { krate: &'static str, file: &'static str },
}

/// The version flags of a simd built from one of our Go main packages.
macro_rules! simd_ldflags {
    ($version:literal) => {
        concat!(
            "-X github.com/cosmos/cosmos-sdk/version.Name=sim ",
            "-X github.com/cosmos/cosmos-sdk/version.AppName=simd ",
            "-X github.com/cosmos/cosmos-sdk/version.Version=",
            $version
        )
    };
}

/// Everything the project pins. Order is build order: the quick ones first.
pub fn all() -> Vec<Recipe> {
    vec![
        // Not a chain: the IBC relayer for Cosmos devnets, CosmJS's TypeScript relayer
        // (`ibc-setup` makes clients, a connection and a channel; `ibc-relayer` relays). Hermes
        // does not build within the cold budget here, the Go relayer is not served; this one
        // relays between ibc-go v8 chains (simd-ibc) unmodified. Needs Node.js (Debian's nodejs).
        Recipe {
            name: "ibc-relayer",
            version: "0.12.0",
            exe: "node_modules/.bin/ibc-relayer",
            source: Source::NpmApp {
                dir: "xtask/npm/ibc-relayer",
                package: "@confio/relayer",
            },
            verify_args: &["--help"],
            verify: help_mentions_relayer,
        },
        Recipe {
            name: "anvil",
            version: "1.7.1",
            exe: "anvil",
            source: Source::Npm {
                package: "@foundry-rs/anvil-linux-amd64",
                bin_path: "package/bin/anvil",
            },
            verify_args: &["--version"],
            verify: output_mentions_version,
        },
        // Not a chain: Foundry's own client, which the tests send a Tempo (0x76) transfer with
        // to cross-check the tempo plugin's.
        Recipe {
            name: "cast",
            version: "1.7.1",
            exe: "cast",
            source: Source::Npm {
                package: "@foundry-rs/cast-linux-amd64",
                bin_path: "package/bin/cast",
            },
            verify_args: &["--version"],
            verify: output_mentions_version,
        },
        Recipe {
            name: "geth",
            version: "v1.13.15",
            exe: "geth",
            // The last release that seals Clique. Go >= 1.23 refuses its `go:linkname` into the
            // runtime (through fjl/memsize) unless the linker check is off.
            source: Source::GoInstall {
                package: "github.com/ethereum/go-ethereum/cmd/geth",
                ldflags: "-checklinkname=0",
            },
            verify_args: &["version"],
            verify: output_mentions_version,
        },
        Recipe {
            name: "geth",
            version: "v1.17.10",
            exe: "geth",
            source: Source::GoInstall {
                package: "github.com/ethereum/go-ethereum/cmd/geth",
                ldflags: "",
            },
            verify_args: &["version"],
            verify: output_mentions_version,
        },
        Recipe {
            name: "simd",
            version: "v0.50.15",
            exe: "simd",
            // simapp at the v0.50.8 tag commit, the newest v0.50 simapp the proxy serves, linked
            // against SDK v0.50.15: the app wiring did not change between those patch releases.
            source: Source::Simapp {
                simapp: "v0.0.0-20240715094535-c64d1010800d",
                sdk: "v0.50.15",
            },
            verify_args: &["version", "--long", "-o", "json"],
            verify: simd_reports_sdk_version,
        },
        Recipe {
            // The patch release before: a halt-height switch (`dvb upgrade create --no-gov`) to
            // v0.50.15 is the coordinated patch upgrade chains do without governance.
            name: "simd",
            version: "v0.50.14",
            exe: "simd",
            source: Source::Simapp {
                simapp: "v0.0.0-20240715094535-c64d1010800d",
                sdk: "v0.50.14",
            },
            verify_args: &["version", "--long", "-o", "json"],
            verify: simd_reports_sdk_version,
        },
        Recipe {
            // A v0.50 chain with IBC (`dvb deploy --binary simd-ibc --version v0.50`): ibc-go
            // v8.8.0's own test app and command line, on SDK v0.50.15 (v0.50.9, which ibc-go
            // names, reads the chain id from config/genesis.json whatever genesis_file says).
            // ibc-go v8 still emits the packet_data/packet_ack event attributes that
            // @confio/relayer reads; ibc-go v10, behind v0.53.4, emits only their hex forms.
            name: "simd-ibc",
            version: "v0.50.15",
            exe: "simd",
            source: Source::GoMain {
                dir: "xtask/go/simd-ibc-v8",
                ldflags: simd_ldflags!("v0.50.15"),
            },
            verify_args: &["version", "--long", "-o", "json"],
            verify: simd_reports_sdk_version,
        },
        Recipe {
            name: "simd",
            version: "v0.53.4",
            exe: "simd",
            // cosmossdk.io/simapp at v0.53 is not on the proxy this machine reaches; ibc-go's
            // SDK v0.53 test app is, and xtask/go/simd-v053 gives it simd's command line,
            // unordered transactions and the v050-to-v053 upgrade.
            source: Source::GoMain {
                dir: "xtask/go/simd-v053",
                ldflags: simd_ldflags!("v0.53.4"),
            },
            verify_args: &["version", "--long", "-o", "json"],
            verify: simd_reports_sdk_version,
        },
        Recipe {
            // Tempo's own `dev` chainspec, as its 1.11.0 release publishes it: the Tempo plugin's
            // genesis template while the `tempo` binary itself cannot be built here (it needs
            // git-pinned reth crates; see ../shared/CHAINS.md).
            name: "tempo-genesis",
            version: "1.11.0",
            exe: "dev.json",
            source: Source::CrateFile {
                krate: "tempo-chainspec",
                file: "src/genesis/dev.json",
            },
            verify_args: &[],
            verify: genesis_has_tip20_tokens,
        },
        Recipe {
            name: "alto-validator",
            version: "2026.9.1",
            exe: "validator",
            source: Source::Cargo {
                krate: "alto-validator",
                bin: "validator",
            },
            verify_args: &["--help"],
            verify: help_mentions_config,
        },
        Recipe {
            name: "alto-deploy",
            version: "2026.9.1",
            exe: "deploy",
            source: Source::Cargo {
                krate: "alto-deploy",
                bin: "deploy",
            },
            verify_args: &["generate", "--help"],
            verify: help_mentions_config,
        },
    ]
}

impl Recipe {
    pub fn id(&self) -> String {
        format!("{}@{}", self.name, self.version)
    }

    /// What the build's inputs inside this repository were, for a source kept here: the
    /// manifest records it, and a cached binary whose stamp differs is rebuilt.
    pub fn source_stamp(&self) -> anyhow::Result<Option<String>> {
        let (Source::GoMain { dir, .. } | Source::NpmApp { dir, .. }) = &self.source else {
            return Ok(None);
        };
        Ok(Some(format!("source sha256 {}", dir_digest(&repo_root().join(dir))?)))
    }

    /// Builds into `staging`, leaving the executable at `staging/<exe>`, with the build's output
    /// appended to `log`. Returns how it was built, for the manifest.
    pub fn build(&self, staging: &Path, work: &Path, log: &Path, cache: &Path) -> anyhow::Result<String> {
        let out = staging.join(self.exe);
        match &self.source {
            Source::Simapp { simapp, sdk } => build_simapp(self, simapp, sdk, &out, work, log),
            Source::GoMain { dir, ldflags } => {
                let src = repo_root().join(dir);
                for entry in std::fs::read_dir(&src).with_context(|| format!("reading {}", src.display()))? {
                    let path = entry?.path();
                    if path.is_file() {
                        std::fs::copy(&path, work.join(path.file_name().context("file has no name")?))?;
                    }
                }
                let ldflags = ldflags.split_whitespace().collect::<Vec<_>>().join(" ");
                run_logged(
                    go_command(work)
                        .args(["build", "-o"])
                        .arg(&out)
                        .arg(format!("-ldflags={ldflags}"))
                        .arg("."),
                    log,
                )?;
                let stamp = self.source_stamp()?.unwrap_or_default();
                Ok(format!(
                    "go build ./{dir} ({stamp}); ldflags '{ldflags}' ({})",
                    go_version()
                ))
            }
            Source::GoInstall { package, ldflags } => {
                let mut cmd = go_command(work);
                cmd.arg("install");
                if !ldflags.is_empty() {
                    cmd.arg(format!("-ldflags={ldflags}"));
                }
                cmd.arg(format!("{package}@{}", self.version)).env("GOBIN", staging);
                run_logged(&mut cmd, log)?;
                let built = staging.join(Path::new(package).file_name().context("package has no name")?);
                if built != out {
                    std::fs::rename(&built, &out)?;
                }
                Ok(format!(
                    "go install -ldflags='{ldflags}' {package}@{} ({})",
                    self.version,
                    go_version()
                ))
            }
            Source::Npm { package, bin_path } => {
                let spec = format!("{package}@{}", self.version);
                run_logged(
                    Command::new("npm")
                        .args(["pack", &spec, "--pack-destination"])
                        .arg(work),
                    log,
                )?;
                let tgz = std::fs::read_dir(work)?
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .find(|p| p.extension().is_some_and(|x| x == "tgz"))
                    .with_context(|| format!("npm pack {spec} left no tarball"))?;
                run_logged(
                    Command::new("tar")
                        .arg("xzf")
                        .arg(&tgz)
                        .arg("-C")
                        .arg(work)
                        .arg(bin_path),
                    log,
                )?;
                std::fs::rename(work.join(bin_path), &out)?;
                Ok(format!("npm pack {spec} (the package's own {bin_path})"))
            }
            Source::NpmApp { dir, package } => {
                let src = repo_root().join(dir);
                for file in ["package.json", "package-lock.json"] {
                    std::fs::copy(src.join(file), staging.join(file))
                        .with_context(|| format!("copying {dir}/{file}"))?;
                }
                // Exactly the versions the lock file names; no audit or funding calls.
                run_logged(
                    Command::new("npm")
                        .args(["ci", "--no-audit", "--no-fund", "--omit=dev"])
                        .current_dir(staging),
                    log,
                )?;
                let manifest = staging.join("node_modules").join(package).join("package.json");
                let text =
                    std::fs::read_to_string(&manifest).with_context(|| format!("reading {}", manifest.display()))?;
                let installed: serde_json::Value = serde_json::from_str(&text)?;
                if installed["version"] != self.version {
                    bail!("npm installed {package} {}, not {}", installed["version"], self.version);
                }
                Ok(format!(
                    "npm ci in ./{dir} ({}); {package} {} installed",
                    self.source_stamp()?.unwrap_or_default(),
                    self.version
                ))
            }
            Source::Cargo { krate, bin } => {
                // One target dir for every cargo-built chain binary, so alto-deploy reuses what
                // alto-validator compiled.
                let target = cache.join(".cargo-target");
                let mut cmd = Command::new("cargo");
                // A chain is not ours to lint: the test suite's clippy wrapper (scripts/test)
                // must not reach it.
                cmd.env_remove("RUSTC_WORKSPACE_WRAPPER").env_remove("CLIPPY_ARGS");
                cmd.args(["install", krate, "--version", &format!("={}", self.version), "--locked"])
                    .args(["--bin", bin, "--root"])
                    .arg(work)
                    .arg("--target-dir")
                    .arg(&target);
                for (key, value) in DEVNET_RELEASE_PROFILE {
                    cmd.env(key, value);
                }
                run_logged(&mut cmd, log)?;
                std::fs::rename(work.join("bin").join(bin), &out)?;
                let profile: Vec<String> = DEVNET_RELEASE_PROFILE.iter().map(|(k, v)| format!("{k}={v}")).collect();
                Ok(format!(
                    "cargo install {krate} --version ={} --locked --bin {bin} ({})",
                    self.version,
                    profile.join(" ")
                ))
            }
            Source::CrateFile { krate, file } => {
                let url = format!("https://static.crates.io/crates/{krate}/{krate}-{}.crate", self.version);
                let archive = work.join("crate.tar.gz");
                run_logged(Command::new("curl").args(["-sSfL", "-o"]).arg(&archive).arg(&url), log)?;
                let inner = format!("{krate}-{}/{file}", self.version);
                run_logged(
                    Command::new("tar")
                        .arg("xzf")
                        .arg(&archive)
                        .arg("-C")
                        .arg(work)
                        .arg(&inner),
                    log,
                )?;
                std::fs::rename(work.join(&inner), &out)?;
                Ok(format!("{file} from {url}"))
            }
        }
    }
}

fn build_simapp(r: &Recipe, simapp: &str, sdk: &str, out: &Path, work: &Path, log: &Path) -> anyhow::Result<String> {
    // Nothing imports simapp in the wrapper, so `go mod tidy` would drop it: the requirements are
    // written out whole and resolved with -mod=mod instead.
    let go_mod = format!(
        "module devnet-builder/simd-{version}\n\ngo 1.23\n\nrequire (\n\
         \tcosmossdk.io/simapp {simapp}\n\
         \tgithub.com/cosmos/cosmos-sdk {sdk}\n\
         \t// Go >= 1.24 breaks sonic before v1.15.\n\
         \tgithub.com/bytedance/sonic v1.15.1\n)\n\n\
         // simapp's own replace directives, which a dependency's go.mod cannot pass on.\n\
         replace (\n\
         \tgithub.com/99designs/keyring => github.com/cosmos/keyring v1.2.0\n\
         \tgithub.com/gin-gonic/gin => github.com/gin-gonic/gin v1.9.1\n\
         \tgithub.com/syndtr/goleveldb => github.com/syndtr/goleveldb v1.0.1-0.20210819022825-2ae1ddf74ef7\n\
         \tgithub.com/dgrijalva/jwt-go => github.com/golang-jwt/jwt/v4 v4.4.2\n)\n",
        version = r.version,
    );
    std::fs::write(work.join("go.mod"), go_mod)?;
    std::fs::write(
        work.join("tools.go"),
        "//go:build tools\n\npackage tools\n\nimport _ \"cosmossdk.io/simapp/simd\"\n",
    )?;
    let v = "github.com/cosmos/cosmos-sdk/version";
    let ldflags = format!("-X {v}.Name=sim -X {v}.AppName=simd -X {v}.Version={}", r.version);
    run_logged(
        go_command(work)
            .args(["build", "-o"])
            .arg(out)
            .arg(format!("-ldflags={ldflags}"))
            .arg("cosmossdk.io/simapp/simd"),
        log,
    )?;
    Ok(format!(
        "go build cosmossdk.io/simapp/simd with cosmossdk.io/simapp@{simapp}, github.com/cosmos/cosmos-sdk@{sdk}, \
         sonic@v1.15.1 and simapp's replaces; ldflags '{ldflags}' ({})",
        go_version()
    ))
}

/// The repository this xtask belongs to.
fn repo_root() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// sha256 over the names and contents of the files directly in `dir`, in name order.
fn dir_digest(dir: &Path) -> anyhow::Result<String> {
    use sha2::{Digest as _, Sha256};
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    let mut hasher = Sha256::new();
    for f in files {
        hasher.update(f.file_name().unwrap_or_default().as_encoded_bytes());
        hasher.update([0]);
        let body = std::fs::read(&f)?;
        hasher.update((body.len() as u64).to_le_bytes());
        hasher.update(&body);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// The release profile for chain binaries built with cargo: a devnet validator needs a node
/// that keeps up with one-second blocks, not the last few percent of speed. `opt-level = 3`
/// made alto-validator the longest step of a cold machine (about 20 minutes of 2 cores);
/// `opt-level = 1` with no debug info roughly halves it. Dependencies' C code (blst) keeps its
/// own assembly.
const DEVNET_RELEASE_PROFILE: [(&str, &str); 3] = [
    ("CARGO_PROFILE_RELEASE_OPT_LEVEL", "1"),
    ("CARGO_PROFILE_RELEASE_DEBUG", "false"),
    ("CARGO_PROFILE_RELEASE_INCREMENTAL", "false"),
];

fn go_command(work: &Path) -> Command {
    let mut cmd = Command::new("go");
    cmd.current_dir(work)
        .env("GOFLAGS", "-mod=mod")
        // Use this machine's Go; never download a toolchain.
        .env("GOTOOLCHAIN", "local")
        // The checksum database has no record of simapp's pseudo-versions; every other module is
        // still checked against it.
        .env("GONOSUMDB", "cosmossdk.io/simapp");
    cmd
}

fn go_version() -> String {
    Command::new("go")
        .arg("version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "go version unknown".into())
}

/// Runs `cmd` with its output appended to `log`; on failure the error carries the log's tail.
pub fn run_logged(cmd: &mut Command, log: &Path) -> anyhow::Result<()> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(log)?;
    writeln!(file, "$ {cmd:?}")?;
    let status = cmd
        .stdout(file.try_clone()?)
        .stderr(file)
        .status()
        .with_context(|| format!("starting {:?}", cmd.get_program()))?;
    if !status.success() {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(25).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        bail!(
            "{cmd:?} failed with {status}; the end of {}:\n{}",
            log.display(),
            tail.join("\n")
        );
    }
    Ok(())
}

fn first_line(s: &str) -> String {
    s.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
        .to_string()
}

fn output_mentions_version(r: &Recipe, out: &str) -> anyhow::Result<String> {
    let bare = r.version.trim_start_matches('v');
    match out.lines().find(|l| l.contains(bare)) {
        Some(line) => Ok(line.trim().to_string()),
        None => bail!("{} did not report version {bare}; it said: {}", r.id(), first_line(out)),
    }
}

fn simd_reports_sdk_version(r: &Recipe, out: &str) -> anyhow::Result<String> {
    let json: serde_json::Value =
        serde_json::from_str(out).with_context(|| format!("`simd version --long -o json` printed no JSON: {out}"))?;
    let sdk = json["cosmos_sdk_version"].as_str().unwrap_or_default();
    let line = r.version.rsplit_once('.').map(|(line, _)| line).unwrap_or(r.version);
    if !sdk.starts_with(&format!("{line}.")) {
        bail!("{} reports cosmos_sdk_version {sdk:?}, not {line}.x", r.id());
    }
    Ok(format!(
        "cosmos_sdk_version {sdk}, version {}",
        json["version"].as_str().unwrap_or("?")
    ))
}

fn genesis_has_tip20_tokens(r: &Recipe, text: &str) -> anyhow::Result<String> {
    let json: serde_json::Value = serde_json::from_str(text).with_context(|| format!("{} is not JSON", r.id()))?;
    let chain_id = json["config"]["chainId"]
        .as_u64()
        .context("the genesis has no config.chainId")?;
    let tokens = json["alloc"]
        .as_object()
        .map(|alloc| {
            alloc
                .keys()
                .filter(|a| a.to_ascii_lowercase().starts_with("0x20c0"))
                .count()
        })
        .unwrap_or(0);
    if tokens == 0 {
        bail!("{} has no TIP-20 token (0x20c0…) in its alloc", r.id());
    }
    Ok(format!("chainId {chain_id}, {tokens} TIP-20 tokens"))
}

fn help_mentions_relayer(r: &Recipe, out: &str) -> anyhow::Result<String> {
    if !out.contains("IBC relayer") || !out.contains("start") {
        bail!(
            "{} --help does not describe a relayer; it said: {}",
            r.id(),
            first_line(out)
        );
    }
    Ok(out
        .lines()
        .find(|l| l.contains("IBC relayer"))
        .unwrap_or_default()
        .trim()
        .to_string())
}

fn help_mentions_config(r: &Recipe, out: &str) -> anyhow::Result<String> {
    if !out.contains("--config") && !out.contains("--output") {
        bail!(
            "{} --help does not describe its options; it said: {}",
            r.id(),
            first_line(out)
        );
    }
    Ok(first_line(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn simd() -> Recipe {
        all().into_iter().find(|r| r.name == "simd").unwrap()
    }

    #[test]
    fn simd_verification_should_accept_its_release_line_only() {
        let r = simd();
        let ok = r#"{"name":"sim","version":"v0.50.15","cosmos_sdk_version":"v0.50.15"}"#;
        assert!(simd_reports_sdk_version(&r, ok).unwrap().contains("v0.50.15"));
        let wrong = r#"{"name":"sim","version":"v0.50.15","cosmos_sdk_version":"v0.53.8"}"#;
        assert!(simd_reports_sdk_version(&r, wrong).is_err());
        let empty = r#"{"name":"sim","version":"v0.50.15","cosmos_sdk_version":""}"#;
        assert!(simd_reports_sdk_version(&r, empty).is_err());
        assert!(simd_reports_sdk_version(&r, "not json").is_err());
    }

    #[test]
    fn version_check_should_find_the_pinned_version_in_the_output() {
        let geth = all().into_iter().find(|r| r.id() == "geth@v1.13.15").unwrap();
        let out = "Geth\nVersion: 1.13.15-stable\nArchitecture: amd64\n";
        assert_eq!(output_mentions_version(&geth, out).unwrap(), "Version: 1.13.15-stable");
        assert!(output_mentions_version(&geth, "Geth\nVersion: 1.17.10-stable\n").is_err());
    }

    #[test]
    fn a_go_main_stamp_should_change_with_its_sources() {
        let dir = std::env::temp_dir().join(format!("xtask-stamp-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("main.go"), "package main\n").unwrap();
        let first = dir_digest(&dir).unwrap();
        assert_eq!(dir_digest(&dir).unwrap(), first);
        std::fs::write(dir.join("main.go"), "package main // edited\n").unwrap();
        assert_ne!(dir_digest(&dir).unwrap(), first);
        std::fs::remove_dir_all(&dir).unwrap();
        let simd53 = all().into_iter().find(|r| r.id() == "simd@v0.53.4").unwrap();
        assert!(simd53.source_stamp().unwrap().unwrap().starts_with("source sha256 "));
    }

    #[test]
    fn every_pin_should_be_unique() {
        let mut ids: Vec<String> = all().iter().map(Recipe::id).collect();
        let n = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), n);
    }
}
