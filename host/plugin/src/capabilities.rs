//! What a plugin instance may touch: one devnet's directory, binary and node ports, nothing else.
//! Every grant is explicit; an instance built from `DevnetGrant::none()` can do nothing but run.
//!
//! A grant is what the host allows the devnet intersected with what the plugin declares in its
//! `info.capabilities` ([`DevnetGrant::declared_by`], applied by every instantiation): a plugin
//! that did not ask for a capability never has it, whatever the caller offered.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

/// A capability a plugin may be granted for a devnet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Capability {
    Log,
    RunBinary,
    Files,
    Http,
}

impl Capability {
    /// Every capability there is.
    pub const ALL: [Capability; 4] = [
        Capability::Log,
        Capability::RunBinary,
        Capability::Files,
        Capability::Http,
    ];

    /// As the WIT spells it: `log`, `run-binary`, `files`, `http`.
    pub fn wit_name(self) -> &'static str {
        match self {
            Capability::Log => "log",
            Capability::RunBinary => "run-binary",
            Capability::Files => "files",
            Capability::Http => "http",
        }
    }
}

impl std::fmt::Display for Capability {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.wit_name())
    }
}

impl From<crate::wit::Capability> for Capability {
    fn from(c: crate::wit::Capability) -> Self {
        match c {
            crate::wit::Capability::Log => Capability::Log,
            crate::wit::Capability::RunBinary => Capability::RunBinary,
            crate::wit::Capability::Files => Capability::Files,
            crate::wit::Capability::Http => Capability::Http,
        }
    }
}

/// `log, http`, or `none`.
pub fn capability_list<'a>(caps: impl IntoIterator<Item = &'a Capability>) -> String {
    let names: Vec<&str> = caps.into_iter().map(|c| c.wit_name()).collect();
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

/// The grants of one plugin instance, derived from the devnet it serves.
#[derive(Debug, Clone)]
pub struct DevnetGrant {
    /// Who is asking, for logs and errors: `devnet-name`.
    pub devnet: String,
    pub capabilities: BTreeSet<Capability>,
    /// The devnet's directory: files and the binary's working directory live here.
    pub dir: Option<PathBuf>,
    /// The devnet's registered chain binary.
    pub binary: Option<PathBuf>,
    /// Loopback ports of the devnet's nodes that HTTP may reach.
    pub http_ports: BTreeSet<u16>,
    /// Where each of the devnet's nodes is, by its short name (`validator-0`), as `placement`
    /// answers it (API 0.7.0). Information, not authority: no capability guards it.
    pub addresses: BTreeMap<String, crate::wit::NodeAddress>,
    /// What the plugin declared, once [`Self::declared_by`] cut the grant to it; a refusal says
    /// whether the plugin never asked or the devnet does not allow it.
    pub declared: Option<BTreeSet<Capability>>,
}

impl DevnetGrant {
    /// Nothing granted.
    pub fn none(devnet: &str) -> Self {
        Self {
            devnet: devnet.to_string(),
            capabilities: BTreeSet::new(),
            dir: None,
            binary: None,
            http_ports: BTreeSet::new(),
            addresses: BTreeMap::new(),
            declared: None,
        }
    }

    /// This grant cut to what a plugin declared: the capabilities both allow, nothing else.
    pub fn declared_by(mut self, declared: impl IntoIterator<Item = Capability>) -> Self {
        let declared: BTreeSet<Capability> = declared.into_iter().collect();
        self.capabilities = self.capabilities.intersection(&declared).copied().collect();
        self.declared = Some(declared);
        self
    }

    /// Why `capability` is not granted, or `None` when it is. `what` is the host call, `plugin`
    /// its `name@version`.
    pub fn refusal(&self, capability: Capability, what: &str, plugin: &str) -> Option<String> {
        if self.allows(capability) {
            return None;
        }
        Some(match &self.declared {
            Some(declared) if !declared.contains(&capability) => format!(
                "{what}: {plugin} did not declare the `{capability}` capability, so devnet {} does not grant it \
                 (it declared: {}); a plugin lists what it uses in `info.capabilities`",
                self.devnet,
                capability_list(declared)
            ),
            _ => format!(
                "{what}: the `{capability}` capability is not granted to {plugin} for devnet {}",
                self.devnet
            ),
        })
    }

    pub fn with(mut self, capability: Capability) -> Self {
        self.capabilities.insert(capability);
        self
    }

    pub fn allows(&self, capability: Capability) -> bool {
        self.capabilities.contains(&capability)
    }

    /// Resolves a plugin-supplied relative path inside the devnet directory. Absolute paths,
    /// `..`, and symlinks that lead out of the directory are refused.
    pub fn resolve(&self, path: &str) -> Result<PathBuf, String> {
        let dir = self.dir.as_ref().ok_or("this devnet has no directory granted")?;
        let rel = Path::new(path);
        if path.is_empty() || rel.is_absolute() {
            return Err(format!("{path:?} is not a relative path inside the devnet directory"));
        }
        if rel
            .components()
            .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
        {
            return Err(format!("{path:?} leaves the devnet directory"));
        }
        let full = dir.join(rel);
        // A symlink inside the directory could still point out of it: check the real parent.
        let root = dir.canonicalize().map_err(|e| format!("devnet directory: {e}"))?;
        let mut existing = full.parent().map(Path::to_path_buf).unwrap_or_else(|| dir.clone());
        while !existing.exists() {
            existing = match existing.parent() {
                Some(p) => p.to_path_buf(),
                None => break,
            };
        }
        let real = existing.canonicalize().map_err(|e| format!("{path:?}: {e}"))?;
        if !real.starts_with(&root) {
            return Err(format!("{path:?} leads out of the devnet directory"));
        }
        if full.is_symlink() {
            let target = full.canonicalize().map_err(|e| format!("{path:?}: {e}"))?;
            if !target.starts_with(&root) {
                return Err(format!("{path:?} is a link out of the devnet directory"));
            }
        }
        Ok(full)
    }

    /// Checks that `url` is `http://127.0.0.1:<port>/...` for a port of this devnet.
    pub fn check_url(&self, url: &str) -> Result<(), String> {
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| format!("{url:?}: only http:// to this devnet's nodes is allowed"))?;
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        let (host, port) = authority
            .rsplit_once(':')
            .ok_or_else(|| format!("{url:?}: name the node's port explicitly"))?;
        if host != "127.0.0.1" && host != "localhost" {
            return Err(format!("{url:?}: host {host} is not this devnet's loopback"));
        }
        let port: u16 = port.parse().map_err(|_| format!("{url:?}: bad port"))?;
        if !self.http_ports.contains(&port) {
            return Err(format!("{url:?}: port {port} is not a port of devnet {}", self.devnet));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(dir: &Path) -> DevnetGrant {
        let mut g = DevnetGrant::none("hub").with(Capability::Files).with(Capability::Http);
        g.dir = Some(dir.to_path_buf());
        g.http_ports.insert(26657);
        g
    }

    #[test]
    fn resolve_should_accept_paths_inside_and_refuse_escapes() {
        let d = tempfile::tempdir().unwrap();
        let g = grant(d.path());
        assert_eq!(
            g.resolve("node0/config/genesis.json").unwrap(),
            d.path().join("node0/config/genesis.json")
        );
        assert!(g.resolve("/etc/passwd").unwrap_err().contains("not a relative path"));
        assert!(g.resolve("../x").unwrap_err().contains("leaves the devnet directory"));
        assert!(g.resolve("a/../../x").unwrap_err().contains("leaves"));
        assert!(g.resolve("").is_err());
    }

    #[test]
    fn resolve_should_refuse_a_symlink_that_leads_out() {
        let d = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("/etc", d.path().join("etc")).unwrap();
        std::os::unix::fs::symlink("/etc/passwd", d.path().join("pw")).unwrap();
        let g = grant(d.path());
        assert!(
            g.resolve("etc/passwd")
                .unwrap_err()
                .contains("out of the devnet directory")
        );
        assert!(g.resolve("pw").unwrap_err().contains("out of the devnet directory"));
    }

    #[test]
    fn a_grant_cut_to_what_was_declared_should_refuse_the_rest_by_name() {
        let offered = Capability::ALL
            .into_iter()
            .fold(DevnetGrant::none("hub"), DevnetGrant::with);
        let g = offered.declared_by([Capability::Http, Capability::Log]);
        assert!(g.allows(Capability::Http) && g.allows(Capability::Log));
        assert!(!g.allows(Capability::RunBinary) && !g.allows(Capability::Files));
        assert_eq!(g.refusal(Capability::Http, "http", "p@1"), None);
        let why = g.refusal(Capability::RunBinary, "run-binary", "p@1").unwrap();
        assert!(why.contains("p@1 did not declare the `run-binary` capability"), "{why}");
        assert!(why.contains("it declared: log, http"), "{why}");
        // Declared, but the devnet does not allow it.
        let narrow = DevnetGrant::none("hub")
            .with(Capability::Log)
            .declared_by([Capability::Files]);
        let why = narrow.refusal(Capability::Files, "write-file", "p@1").unwrap();
        assert!(
            why.contains("`files` capability is not granted to p@1 for devnet hub"),
            "{why}"
        );
    }

    #[test]
    fn check_url_should_allow_only_this_devnets_loopback_ports() {
        let d = tempfile::tempdir().unwrap();
        let g = grant(d.path());
        assert!(g.check_url("http://127.0.0.1:26657/status").is_ok());
        assert!(
            g.check_url("http://127.0.0.1:26658/status")
                .unwrap_err()
                .contains("not a port of devnet hub")
        );
        assert!(
            g.check_url("http://10.0.0.1:26657/")
                .unwrap_err()
                .contains("not this devnet's loopback")
        );
        assert!(g.check_url("https://127.0.0.1:26657/").is_err());
        assert!(g.check_url("http://127.0.0.1/").is_err());
    }
}
