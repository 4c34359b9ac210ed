//! `manifest.json`: what the cache holds, with a checksum for each binary.

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The file name of the manifest at the cache root.
pub const MANIFEST_FILE: &str = "manifest.json";

#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("reading the chain-binary manifest {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("the chain-binary manifest {path} is not valid JSON; delete it and run `cargo xtask chains` again")]
    Parse {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("writing the chain-binary manifest {path}")]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(
        "no chain binary {name} {version} in the cache at {cache} (it holds: {available}); run `cargo xtask chains` to build it"
    )]
    NotFound {
        name: String,
        version: String,
        cache: PathBuf,
        available: String,
    },
}

/// One binary in the cache.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// What the binary is, e.g. `simd`, `geth`, `anvil`, `alto-validator`.
    pub name: String,
    /// The pinned version, e.g. `v0.50.15`.
    pub version: String,
    /// Absolute path of the executable.
    pub path: PathBuf,
    /// Lower-case hex sha256 of the executable.
    pub sha256: String,
    /// How it was built, precisely enough to do it again by hand.
    pub built_by: String,
    /// What the binary said when it was verified after the build (first line).
    pub verified: String,
}

/// The whole manifest.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub binaries: Vec<Entry>,
}

impl Manifest {
    /// Loads the manifest in `cache`; a cache without one is empty.
    pub fn load(cache: &Path) -> Result<Self, ManifestError> {
        let path = cache.join(MANIFEST_FILE);
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(source) => return Err(ManifestError::Read { path, source }),
        };
        serde_json::from_str(&text).map_err(|source| ManifestError::Parse { path, source })
    }

    /// Writes the manifest to a temporary file and renames it into place, so a reader never sees
    /// half of it.
    pub fn save(&self, cache: &Path) -> Result<(), ManifestError> {
        let path = cache.join(MANIFEST_FILE);
        let write = || -> io::Result<()> {
            fs::create_dir_all(cache)?;
            let tmp = cache.join(format!(".{MANIFEST_FILE}.{}", std::process::id()));
            let mut file = fs::File::create(&tmp)?;
            let mut text = serde_json::to_string_pretty(self).map_err(io::Error::other)?;
            text.push('\n');
            file.write_all(text.as_bytes())?;
            file.sync_all()?;
            fs::rename(&tmp, &path)
        };
        write().map_err(|source| ManifestError::Write {
            path: path.clone(),
            source,
        })
    }

    /// Replaces the entry with the same name and version, or adds it; entries stay sorted.
    pub fn upsert(&mut self, entry: Entry) {
        self.binaries
            .retain(|e| !(e.name == entry.name && e.version == entry.version));
        self.binaries.push(entry);
        self.binaries
            .sort_by(|a, b| (&a.name, &a.version).cmp(&(&b.name, &b.version)));
    }

    /// The entry for `name` whose version is `version` or starts with it as a release line:
    /// `v0.50` finds `v0.50.15`, `1.13` finds `v1.13.15`. The newest match wins.
    pub fn find(&self, name: &str, version: &str, cache: &Path) -> Result<&Entry, ManifestError> {
        let want = version.trim_start_matches('v');
        self.binaries
            .iter()
            .filter(|e| e.name == name)
            .filter(|e| {
                let have = e.version.trim_start_matches('v');
                want.is_empty() || have == want || have.starts_with(&format!("{want}."))
            })
            .max_by(|a, b| compare_versions(&a.version, &b.version))
            .ok_or_else(|| ManifestError::NotFound {
                name: name.to_string(),
                version: version.to_string(),
                cache: cache.to_path_buf(),
                available: self.describe(),
            })
    }

    fn describe(&self) -> String {
        if self.binaries.is_empty() {
            return "nothing".to_string();
        }
        self.binaries
            .iter()
            .map(|e| format!("{} {}", e.name, e.version))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Orders dotted versions numerically part by part (`v0.50.9` < `v0.50.15`).
fn compare_versions(a: &str, b: &str) -> std::cmp::Ordering {
    let parts = |v: &str| -> Vec<u64> {
        v.trim_start_matches('v')
            .split(['.', '-'])
            .map(|p| p.parse().unwrap_or(0))
            .collect()
    };
    parts(a).cmp(&parts(b))
}

/// Lower-case hex sha256 of a file's contents.
pub fn sha256_file(path: &Path) -> io::Result<String> {
    let mut file = fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, version: &str) -> Entry {
        Entry {
            name: name.into(),
            version: version.into(),
            path: PathBuf::from(format!("/cache/{name}/{version}/{name}")),
            sha256: "00".into(),
            built_by: "test".into(),
            verified: "ok".into(),
        }
    }

    #[test]
    fn find_should_match_a_release_line_and_prefer_the_newest_patch() {
        let mut m = Manifest::default();
        m.upsert(entry("simd", "v0.50.9"));
        m.upsert(entry("simd", "v0.50.15"));
        m.upsert(entry("simd", "v0.53.8"));
        m.upsert(entry("geth", "v1.13.15"));
        let cache = Path::new("/cache");
        assert_eq!(m.find("simd", "v0.50", cache).unwrap().version, "v0.50.15");
        assert_eq!(m.find("simd", "0.53", cache).unwrap().version, "v0.53.8");
        assert_eq!(m.find("simd", "v0.50.9", cache).unwrap().version, "v0.50.9");
        // `v0.5` is not the release line of v0.50.x.
        assert!(m.find("simd", "v0.5", cache).is_err());
        assert_eq!(m.find("geth", "", cache).unwrap().version, "v1.13.15");
    }

    #[test]
    fn find_should_name_what_the_cache_holds_when_nothing_matches() {
        let mut m = Manifest::default();
        m.upsert(entry("simd", "v0.50.15"));
        let err = m.find("simd", "v0.47", Path::new("/c")).unwrap_err().to_string();
        assert!(err.contains("simd v0.47"), "{err}");
        assert!(err.contains("it holds: simd v0.50.15"), "{err}");
        assert!(err.contains("cargo xtask chains"), "{err}");
    }

    #[test]
    fn upsert_should_replace_an_entry_with_the_same_name_and_version() {
        let mut m = Manifest::default();
        m.upsert(entry("anvil", "1.7.1"));
        let mut newer = entry("anvil", "1.7.1");
        newer.sha256 = "ff".into();
        m.upsert(newer);
        assert_eq!(m.binaries.len(), 1);
        assert_eq!(m.binaries[0].sha256, "ff");
    }

    #[test]
    fn save_then_load_should_round_trip_and_leave_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut m = Manifest::default();
        m.upsert(entry("geth", "v1.17.10"));
        m.save(dir.path()).unwrap();
        assert_eq!(Manifest::load(dir.path()).unwrap(), m);
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from(MANIFEST_FILE)]);
    }

    #[test]
    fn load_should_reject_a_corrupt_manifest_with_a_fix() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(MANIFEST_FILE), "{not json").unwrap();
        let err = Manifest::load(dir.path()).unwrap_err().to_string();
        assert!(err.contains("not valid JSON"), "{err}");
    }

    #[test]
    fn sha256_file_should_hash_the_contents() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        fs::write(&p, b"abc").unwrap();
        assert_eq!(
            sha256_file(&p).unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
