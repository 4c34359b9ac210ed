//! Plugin components in OCI registries (oci-client), in the CNCF Wasm OCI layout: a config of
//! media type `application/vnd.wasm.config.v0+json` (the component's imports and exports) and
//! one `application/wasm` layer, the component itself; the older
//! `application/vnd.wasm.content.layer.v1+wasm` / `…config.v1+json` pair is read too.
//!
//! A signature is an artifact of its own (`artifactType`
//! [`SIGNATURE_ARTIFACT_TYPE`], one layer holding the hex ed25519 signature of the component's
//! bytes) whose `subject` is the component's manifest. It is found by the Referrers API, or, on
//! registries without one (Distribution 2.8), by the referrers tag schema: an image index at tag
//! `sha256-<hex of the manifest digest>`, which [`publish`] keeps up to date.
//!
//! References: `oci://host[:port]/repo[/…]` plus `:tag`, `@sha256:…`, or a semver range
//! (`:^1.2`, `:~1.2.3`, `:>=1, <2`); none is the newest semver tag. Registries on loopback are
//! spoken to over plain HTTP, others over HTTPS (rustls, ring). Credentials, when the registry
//! wants them, come from `~/.docker/config.json` (`auths.<host>.auth`).

use std::collections::BTreeMap;

use oci_client::client::{ClientConfig, ClientProtocol, Config, ImageLayer};
use oci_client::manifest::{ImageIndexEntry, OciDescriptor, OciImageIndex, OciImageManifest, OciManifest};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};
use sha2::{Digest as _, Sha256};

use crate::DaemonError;

pub const WASM_CONFIG_V0: &str = "application/vnd.wasm.config.v0+json";
pub const WASM_LAYER: &str = "application/wasm";
const WASM_CONFIG_V1_OLD: &str = oci_client::manifest::WASM_CONFIG_MEDIA_TYPE;
const WASM_LAYER_OLD: &str = oci_client::manifest::WASM_LAYER_MEDIA_TYPE;
pub const SIGNATURE_ARTIFACT_TYPE: &str = "application/vnd.devnet-builder.plugin.signature.v1";
const SIGNATURE_LAYER: &str = "application/vnd.devnet-builder.plugin.signature.v1+hex";
const EMPTY_CONFIG: &str = "application/vnd.oci.empty.v1+json";
/// The plugin API a component was built against, as a manifest annotation: lets a range
/// resolve without downloading every candidate.
const API_ANNOTATION: &str = "dev.devnet-builder.plugin.api";

/// What an `oci://` source names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OciSource {
    pub registry: String,
    pub repository: String,
    pub pick: Pick,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pick {
    Tag(String),
    Digest(String),
    /// The newest semver tag matching it whose API this host supports.
    Range(String),
}

fn bad(m: String) -> DaemonError {
    DaemonError::InvalidArgument(m)
}

/// Parses `oci://host[:port]/repo[:tag|@sha256:…|:range]`.
pub fn parse(source: &str) -> Result<OciSource, DaemonError> {
    let rest = source
        .strip_prefix("oci://")
        .ok_or_else(|| bad(format!("{source}: an OCI reference starts with oci://")))?;
    let (registry, path) = rest.split_once('/').ok_or_else(|| {
        bad(format!(
            "{source}: give oci://<registry>/<repository>[:tag], e.g. oci://127.0.0.1:5000/chains/mychain:1.2.0"
        ))
    })?;
    if registry.is_empty() || path.is_empty() {
        return Err(bad(format!("{source}: no registry or no repository")));
    }
    let (repository, pick) = if let Some((repo, digest)) = path.split_once('@') {
        if !digest.starts_with("sha256:") || digest.len() != 71 || hex::decode(&digest[7..]).is_err() {
            return Err(bad(format!("{source}: a digest is sha256: and 64 hex digits")));
        }
        (repo, Pick::Digest(digest.to_string()))
    } else {
        let last_slash = path.rfind('/').map_or(0, |i| i + 1);
        match path[last_slash..].find(':') {
            Some(i) => {
                let (repo, tag) = (&path[..last_slash + i], &path[last_slash + i + 1..]);
                if semver::Version::parse(tag).is_ok() || is_plain_tag(tag) {
                    (repo, Pick::Tag(tag.to_string()))
                } else {
                    semver::VersionReq::parse(tag).map_err(|e| {
                        bad(format!(
                            "{source}: {tag:?} is neither a tag nor a semver range ({e}); e.g. :1.2.0, :^1.2, :~1.2.3"
                        ))
                    })?;
                    (repo, Pick::Range(tag.to_string()))
                }
            }
            None => (path, Pick::Range("*".into())),
        }
    };
    if repository.is_empty() || repository.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(bad(format!(
            "{source}: repository {repository:?}: lowercase letters, digits and separators"
        )));
    }
    Ok(OciSource {
        registry: registry.to_string(),
        repository: repository.to_string(),
        pick,
    })
}

/// A tag as the distribution spec allows: `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`.
fn is_plain_tag(tag: &str) -> bool {
    let mut chars = tag.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        && tag.len() <= 128
}

fn is_loopback(registry: &str) -> bool {
    let host = registry.rsplit_once(':').map_or(registry, |(h, p)| {
        if p.chars().all(|c| c.is_ascii_digit()) {
            h
        } else {
            registry
        }
    });
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn client(registry: &str) -> Client {
    crate::tls::install_default_provider();
    let protocol = if is_loopback(registry) {
        ClientProtocol::HttpsExcept(vec![registry.to_string()])
    } else {
        ClientProtocol::Https
    };
    Client::new(ClientConfig {
        protocol,
        ..ClientConfig::default()
    })
}

/// The registry's credentials from `~/.docker/config.json`, else anonymous.
fn auth(registry: &str) -> RegistryAuth {
    use base64::Engine as _;
    let Some(home) = std::env::var_os("DOCKER_CONFIG")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".docker")))
    else {
        return RegistryAuth::Anonymous;
    };
    let Ok(text) = std::fs::read_to_string(home.join("config.json")) else {
        return RegistryAuth::Anonymous;
    };
    let encoded = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v["auths"][registry]["auth"].as_str().map(str::to_string));
    encoded
        .and_then(|e| base64::engine::general_purpose::STANDARD.decode(e).ok())
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|pair| {
            pair.split_once(':')
                .map(|(u, p)| RegistryAuth::Basic(u.into(), p.into()))
        })
        .unwrap_or(RegistryAuth::Anonymous)
}

fn oci_err(what: String) -> impl FnOnce(oci_client::errors::OciDistributionError) -> DaemonError {
    move |e| bad(format!("{what}: {e}"))
}

fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// What [`publish`] pushed.
#[derive(Debug, Clone)]
pub struct Published {
    pub reference: String,
    pub manifest_digest: String,
    pub signature_digest: Option<String>,
}

/// Pushes `component` to `target` (`oci://…:tag`) in the CNCF Wasm layout, and its signature
/// (hex) when there is one, as an artifact referring to it.
pub async fn publish(component: &[u8], target: &str, signature_hex: Option<&str>) -> Result<Published, DaemonError> {
    let source = parse(target)?;
    let Pick::Tag(tag) = &source.pick else {
        return Err(bad(format!(
            "{target}: publish to a tag, e.g. oci://{}/{}:1.2.0",
            source.registry, source.repository
        )));
    };
    // A component for a newer API than this build's may be published all the same.
    let api = match devnet_plugin_host::read_api_version(std::path::Path::new(target), component) {
        Ok(v) => v.as_str().to_string(),
        Err(devnet_plugin_host::PluginHostError::UnsupportedApi { found, .. }) => found,
        Err(e) => return Err(bad(format!("{target}: {e}"))),
    };
    let (imports, exports) =
        devnet_plugin_host::component_interfaces(component).map_err(|e| bad(format!("{target}: {e}")))?;
    let layer = ImageLayer::new(component.to_vec(), WASM_LAYER.to_string(), None);
    let config = serde_json::json!({
        "created": devnet_core::now_ms().to_string(),
        "architecture": "wasm",
        "os": "wasip2",
        "layerDigests": [sha256_digest(component)],
        "component": {
            "exports": exports,
            "imports": imports,
            "target": format!("devnet:plugin/plugin@{api}"),
        },
    });
    let config = Config::new(
        serde_json::to_vec(&config).unwrap_or_default(),
        WASM_CONFIG_V0.to_string(),
        None,
    );
    let annotations = BTreeMap::from([
        ("org.opencontainers.image.version".to_string(), tag.clone()),
        (API_ANNOTATION.to_string(), api),
    ]);
    let manifest = OciImageManifest::build(std::slice::from_ref(&layer), &config, Some(annotations));
    let reference = Reference::with_tag(source.registry.clone(), source.repository.clone(), tag.clone());
    let client = client(&source.registry);
    let auth = auth(&source.registry);
    client
        .push(&reference, &[layer], config, &auth, Some(manifest.clone()))
        .await
        .map_err(oci_err(format!("pushing {target}")))?;
    // The manifest as the registry holds it (oci-client wrote canonical JSON): its digest.
    let (manifest_bytes, manifest_digest) = client
        .pull_manifest_raw(&reference, &auth, &[oci_client::manifest::OCI_IMAGE_MEDIA_TYPE])
        .await
        .map_err(oci_err(format!("reading back {target}")))?;
    let subject = OciDescriptor {
        media_type: oci_client::manifest::OCI_IMAGE_MEDIA_TYPE.to_string(),
        digest: manifest_digest.clone(),
        size: manifest_bytes.len() as i64,
        ..Default::default()
    };
    let signature_digest = match signature_hex {
        Some(sig) => Some(push_signature(&client, &source, &subject, sig).await?),
        None => None,
    };
    Ok(Published {
        reference: format!("oci://{}/{}:{tag}", source.registry, source.repository),
        manifest_digest,
        signature_digest,
    })
}

/// The signature artifact, pushed by digest, and listed in the `sha256-<hex>` referrers index.
async fn push_signature(
    client: &Client,
    source: &OciSource,
    subject: &OciDescriptor,
    signature_hex: &str,
) -> Result<String, DaemonError> {
    let layer = ImageLayer::new(
        format!("{}\n", signature_hex.trim()).into_bytes(),
        SIGNATURE_LAYER.to_string(),
        None,
    );
    let config = Config::new(b"{}".to_vec(), EMPTY_CONFIG.to_string(), None);
    let mut manifest = OciImageManifest::build(std::slice::from_ref(&layer), &config, None);
    manifest.subject = Some(subject.clone());
    manifest.artifact_type = Some(SIGNATURE_ARTIFACT_TYPE.to_string());
    // Pushed by digest: these bytes, so the digest is theirs.
    let bytes =
        serde_json::to_vec(&OciManifest::Image(manifest.clone())).map_err(|e| DaemonError::Internal(e.to_string()))?;
    let digest = sha256_digest(&bytes);
    let by_digest = Reference::with_digest(source.registry.clone(), source.repository.clone(), digest.clone());
    let auth = auth(&source.registry);
    let failed = || format!("pushing the signature of {}", subject.digest);
    client.store_auth_if_needed(&source.registry, &auth).await;
    client
        .push_blob(&by_digest, layer.data.clone(), &manifest.layers[0].digest)
        .await
        .map_err(oci_err(failed()))?;
    client
        .push_blob(&by_digest, config.data.clone(), &manifest.config.digest)
        .await
        .map_err(oci_err(failed()))?;
    let content_type = oci_client::manifest::OCI_IMAGE_MEDIA_TYPE
        .parse()
        .map_err(|_| DaemonError::Internal("the manifest media type as a header".into()))?;
    client
        .push_manifest_raw(&by_digest, bytes.clone(), content_type)
        .await
        .map_err(oci_err(failed()))?;
    // The referrers tag schema, for registries without the Referrers API.
    let tag = subject.digest.replace(':', "-");
    let index_ref = Reference::with_tag(source.registry.clone(), source.repository.clone(), tag);
    let mut index = match client.pull_manifest(&index_ref, &auth).await {
        Ok((OciManifest::ImageIndex(i), _)) => i,
        _ => OciImageIndex {
            schema_version: 2,
            media_type: Some(oci_client::manifest::OCI_IMAGE_INDEX_MEDIA_TYPE.to_string()),
            manifests: Vec::new(),
            artifact_type: None,
            annotations: None,
        },
    };
    index.manifests.retain(|m| m.digest != digest);
    index.manifests.push(ImageIndexEntry {
        media_type: oci_client::manifest::OCI_IMAGE_MEDIA_TYPE.to_string(),
        digest: digest.clone(),
        size: bytes.len() as i64,
        platform: None,
        annotations: None,
        artifact_type: Some(SIGNATURE_ARTIFACT_TYPE.to_string()),
    });
    client
        .push_manifest(&index_ref, &OciManifest::ImageIndex(index))
        .await
        .map_err(oci_err(format!("pushing the referrers index of {}", subject.digest)))?;
    Ok(digest)
}

/// A component resolved from a registry.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub bytes: Vec<u8>,
    /// The layer's digest, hex: the component's sha256.
    pub sha256: String,
    /// `oci://registry/repo:tag@sha256:<manifest digest>`: what the install records.
    pub source: String,
    /// The signature (hex bytes), when one refers to the manifest.
    pub signature: Option<Vec<u8>>,
    /// Tags passed over, and why.
    pub notes: Vec<String>,
}

/// The component `source` names: its bytes (checked against the layer digest), its manifest
/// digest and its signature.
pub async fn resolve(source: &str) -> Result<Resolved, DaemonError> {
    let oci = parse(source)?;
    let client = client(&oci.registry);
    let auth = auth(&oci.registry);
    let mut notes = Vec::new();
    let (reference, tag) = match &oci.pick {
        Pick::Tag(t) => (
            Reference::with_tag(oci.registry.clone(), oci.repository.clone(), t.clone()),
            Some(t.clone()),
        ),
        Pick::Digest(d) => (
            Reference::with_digest(oci.registry.clone(), oci.repository.clone(), d.clone()),
            None,
        ),
        Pick::Range(range) => {
            let t = newest_supported(&client, &auth, &oci, range, &mut notes).await?;
            (
                Reference::with_tag(oci.registry.clone(), oci.repository.clone(), t.clone()),
                Some(t),
            )
        }
    };
    let (manifest, digest) = pull_wasm_manifest(&client, &auth, &reference, source).await?;
    let layer = &manifest.layers[0];
    let mut bytes = Vec::new();
    client
        .pull_blob(&reference, layer, &mut bytes)
        .await
        .map_err(oci_err(format!("{source}: downloading the component {}", layer.digest)))?;
    let actual = sha256_digest(&bytes);
    if actual != layer.digest {
        return Err(bad(format!(
            "{source}: the component's bytes have {actual}, not the {} its manifest names: the registry's copy is damaged or was changed",
            layer.digest
        )));
    }
    let by_digest = Reference::with_digest(oci.registry.clone(), oci.repository.clone(), digest.clone());
    let signature = find_signature(&client, &auth, &by_digest).await?;
    Ok(Resolved {
        bytes,
        sha256: actual.trim_start_matches("sha256:").to_string(),
        source: format!(
            "oci://{}/{}{}@{digest}",
            oci.registry,
            oci.repository,
            tag.map(|t| format!(":{t}")).unwrap_or_default()
        ),
        signature,
        notes,
    })
}

/// The manifest at `reference`, if it is a Wasm component's (one Wasm layer), and its digest.
async fn pull_wasm_manifest(
    client: &Client,
    auth: &RegistryAuth,
    reference: &Reference,
    source: &str,
) -> Result<(OciImageManifest, String), DaemonError> {
    let (manifest, digest) = client
        .pull_image_manifest(reference, auth)
        .await
        .map_err(oci_err(format!("{source}: reading {}", reference.whole())))?;
    let config_ok = [WASM_CONFIG_V0, WASM_CONFIG_V1_OLD].contains(&manifest.config.media_type.as_str());
    let layer_ok =
        manifest.layers.len() == 1 && [WASM_LAYER, WASM_LAYER_OLD].contains(&manifest.layers[0].media_type.as_str());
    if !config_ok || !layer_ok {
        return Err(bad(format!(
            "{source}: {} is not a Wasm component artifact (config {}, layers {:?}); publish one with `dvb plugin publish`",
            reference.whole(),
            manifest.config.media_type,
            manifest
                .layers
                .iter()
                .map(|l| l.media_type.as_str())
                .collect::<Vec<_>>()
        )));
    }
    Ok((manifest, digest))
}

/// The newest semver tag in `range` whose component's plugin API this host supports; each tag
/// passed over is noted with the reason.
async fn newest_supported(
    client: &Client,
    auth: &RegistryAuth,
    oci: &OciSource,
    range: &str,
    notes: &mut Vec<String>,
) -> Result<String, DaemonError> {
    let req = semver::VersionReq::parse(range).map_err(|e| bad(format!("range {range:?}: {e}")))?;
    let any = Reference::with_tag(oci.registry.clone(), oci.repository.clone(), "latest".into());
    let listed = client.list_tags(&any, auth, None, None).await.map_err(oci_err(format!(
        "listing the tags of {}/{}",
        oci.registry, oci.repository
    )))?;
    let mut versions: Vec<(semver::Version, String)> = listed
        .tags
        .iter()
        .filter_map(|t| {
            semver::Version::parse(t.trim_start_matches('v'))
                .ok()
                .map(|v| (v, t.clone()))
        })
        .filter(|(v, _)| req.matches(v))
        .collect();
    versions.sort();
    let where_ = format!("oci://{}/{}", oci.registry, oci.repository);
    for (_, tag) in versions.iter().rev() {
        let reference = Reference::with_tag(oci.registry.clone(), oci.repository.clone(), tag.clone());
        let manifest = match pull_wasm_manifest(client, auth, &reference, &where_).await {
            Ok((m, _)) => m,
            Err(e) => {
                notes.push(format!("skipped {tag}: {e}"));
                continue;
            }
        };
        let api = match manifest.annotations.as_ref().and_then(|a| a.get(API_ANNOTATION)) {
            Some(a) => a.clone(),
            None => {
                // No annotation (published by another tool): the component's own section.
                let mut bytes = Vec::new();
                if let Err(e) = client.pull_blob(&reference, &manifest.layers[0], &mut bytes).await {
                    notes.push(format!("skipped {tag}: downloading it: {e}"));
                    continue;
                }
                match devnet_plugin_host::read_api_version(std::path::Path::new(tag), &bytes) {
                    Ok(v) => v.as_str().to_string(),
                    Err(e) => {
                        notes.push(format!("skipped {tag}: {e}"));
                        continue;
                    }
                }
            }
        };
        if devnet_plugin_host::ApiVersion::parse(&api).is_none() {
            notes.push(format!(
                "skipped {tag}: built against devnet:plugin@{api}, and this host supports {}",
                devnet_plugin_host::supported_range()
            ));
            continue;
        }
        return Ok(tag.clone());
    }
    Err(bad(format!(
        "{where_}: no tag matches {range} with a plugin API this host supports ({}); tags: {}{}",
        devnet_plugin_host::supported_range(),
        if listed.tags.is_empty() {
            "none".to_string()
        } else {
            listed.tags.join(", ")
        },
        if notes.is_empty() {
            String::new()
        } else {
            format!("; {}", notes.join("; "))
        }
    )))
}

/// The signature that refers to the manifest at `by_digest`: by the Referrers API, else the
/// `sha256-<hex>` tag (oci-client falls back to it itself).
async fn find_signature(
    client: &Client,
    auth: &RegistryAuth,
    by_digest: &Reference,
) -> Result<Option<Vec<u8>>, DaemonError> {
    let index = match client.pull_referrers(by_digest, Some(SIGNATURE_ARTIFACT_TYPE)).await {
        Ok(i) => i,
        Err(e) => {
            tracing::debug!("no referrers for {}: {e}", by_digest.whole());
            return Ok(None);
        }
    };
    let Some(entry) = index
        .manifests
        .iter()
        .find(|m| m.artifact_type.as_deref() == Some(SIGNATURE_ARTIFACT_TYPE))
    else {
        return Ok(None);
    };
    let sig_ref = by_digest.clone_with_digest(entry.digest.clone());
    let (manifest, _) = client
        .pull_image_manifest(&sig_ref, auth)
        .await
        .map_err(oci_err(format!("reading the signature {}", entry.digest)))?;
    let Some(layer) = manifest.layers.first() else {
        return Err(bad(format!("the signature artifact {} has no layer", entry.digest)));
    };
    if layer.size > 4096 {
        return Err(bad(format!(
            "the signature artifact {} is {} bytes: not a signature",
            entry.digest, layer.size
        )));
    }
    let mut bytes = Vec::new();
    client
        .pull_blob(&sig_ref, layer, &mut bytes)
        .await
        .map_err(oci_err(format!("downloading the signature {}", entry.digest)))?;
    Ok(Some(bytes))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn references_should_parse_into_tag_digest_or_range() {
        let p = parse("oci://127.0.0.1:5000/chains/mychain:1.2.0").unwrap();
        assert_eq!(
            (p.registry.as_str(), p.repository.as_str(), p.pick),
            ("127.0.0.1:5000", "chains/mychain", Pick::Tag("1.2.0".into()))
        );
        let d = format!("sha256:{}", "ab".repeat(32));
        assert_eq!(parse(&format!("oci://r.example/c@{d}")).unwrap().pick, Pick::Digest(d));
        assert_eq!(parse("oci://r.example/c").unwrap().pick, Pick::Range("*".into()));
        assert_eq!(
            parse("oci://r.example/c:^1.2").unwrap().pick,
            Pick::Range("^1.2".into())
        );
        assert_eq!(
            parse("oci://r.example/c:latest").unwrap().pick,
            Pick::Tag("latest".into())
        );
        assert!(parse("oci://r.example/c@sha256:12").is_err());
        assert!(parse("oci://r.example").is_err());
        assert!(parse("https://r.example/c").is_err());
        assert!(parse("oci://r.example/C:1").is_err());
    }

    #[test]
    fn loopback_registries_should_be_spoken_to_over_http() {
        assert!(is_loopback("127.0.0.1:5000") && is_loopback("localhost") && is_loopback("[::1]:5000"));
        assert!(!is_loopback("registry.example:5000") && !is_loopback("10.0.0.1"));
    }
}
