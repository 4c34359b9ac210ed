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
    /// A digest, and the tag it was given with (`repo:1.2.0@sha256:…`, as an install records
    /// its source), kept for the record only: the digest decides.
    Digest(String, Option<String>),
    /// The newest semver tag matching it whose API this host supports.
    Range(String),
}

fn bad(m: String) -> DaemonError {
    DaemonError::InvalidArgument(m)
}

/// The largest manifest, tag list or signature read from a registry.
const MAX_SIGNATURE_BYTES: i64 = 4096;

/// Parses `oci://host[:port]/repo[:tag|@sha256:…|:tag@sha256:…|:range]`.
pub fn parse(source: &str) -> Result<OciSource, DaemonError> {
    let rest = source
        .strip_prefix("oci://")
        .ok_or_else(|| bad(format!("{source}: an OCI reference starts with oci://")))?;
    let (registry, path) = rest.split_once('/').ok_or_else(|| {
        bad(format!(
            "{source}: give oci://<registry>/<repository>[:tag], e.g. oci://127.0.0.1:5000/chains/mychain:1.2.0"
        ))
    })?;
    if !is_registry(registry) {
        return Err(bad(format!(
            "{source}: registry {registry:?}: give host[:port], e.g. 127.0.0.1:5000 or registry.example"
        )));
    }
    let (path, digest) = match path.split_once('@') {
        Some((p, d)) => {
            let hex_part = d.strip_prefix("sha256:").unwrap_or_default();
            if hex_part.len() != 64 || !hex_part.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')) {
                return Err(bad(format!(
                    "{source}: a digest is sha256: and 64 lowercase hex digits"
                )));
            }
            (p, Some(d.to_string()))
        }
        None => (path, None),
    };
    let last_slash = path.rfind('/').map_or(0, |i| i + 1);
    let (repository, tag) = match path[last_slash..].find(':') {
        Some(i) => (&path[..last_slash + i], Some(&path[last_slash + i + 1..])),
        None => (path, None),
    };
    if !is_repository(repository) {
        return Err(bad(format!(
            "{source}: repository {repository:?}: lowercase letters and digits, separated by `.`, `_`, `-` or `/` (e.g. chains/mychain)"
        )));
    }
    let pick = match (digest, tag) {
        (Some(d), tag) => {
            if let Some(t) = tag
                && !is_plain_tag(t)
            {
                return Err(bad(format!("{source}: {t:?} is not a tag")));
            }
            Pick::Digest(d, tag.map(str::to_string))
        }
        (None, Some(t)) if is_plain_tag(t) => Pick::Tag(t.to_string()),
        (None, Some(t)) => {
            semver::VersionReq::parse(t).map_err(|e| {
                bad(format!(
                    "{source}: {t:?} is neither a tag nor a semver range ({e}); e.g. :1.2.0, :^1.2, :~1.2.3"
                ))
            })?;
            Pick::Range(t.to_string())
        }
        (None, None) => Pick::Range("*".into()),
    };
    Ok(OciSource {
        registry: registry.to_string(),
        repository: repository.to_string(),
        pick,
    })
}

/// `host[:port]`: a DNS name or an IP (IPv6 in brackets), and a port.
fn is_registry(registry: &str) -> bool {
    let (host, port) = devnet_api::remote::split_authority(registry);
    if port.is_some_and(|p| p.parse::<u16>().map_or(true, |p| p == 0)) {
        return false;
    }
    if registry.starts_with('[') {
        return host.parse::<std::net::Ipv6Addr>().is_ok();
    }
    !host.is_empty()
        && host
            .split('.')
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
}

/// The distribution spec's repository name: path components of `[a-z0-9]+` joined by `.`,
/// `_`, `__` or `-`s, separated by `/`.
fn is_repository(repository: &str) -> bool {
    !repository.is_empty()
        && repository.len() <= 255
        && repository.split('/').all(|component| {
            let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
            component.starts_with(alnum)
                && component.ends_with(alnum)
                && component.chars().all(|c| alnum(c) || matches!(c, '.' | '_' | '-'))
                && !component.contains("..")
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
    let (host, _) = devnet_api::remote::split_authority(registry);
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
        // A registry that stops answering fails the install instead of holding it.
        connect_timeout: Some(std::time::Duration::from_secs(10)),
        read_timeout: Some(std::time::Duration::from_secs(60)),
        ..ClientConfig::default()
    })
}

/// A download into memory that fails past `max` bytes, whatever the registry declared.
struct Capped {
    bytes: Vec<u8>,
    max: usize,
}

impl tokio::io::AsyncWrite for Capped {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        if self.bytes.len() + buf.len() > self.max {
            let max = self.max;
            return std::task::Poll::Ready(Err(std::io::Error::other(format!("larger than the {max}-byte limit"))));
        }
        self.bytes.extend_from_slice(buf);
        std::task::Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

/// Blob `layer` of `reference`, refused before the download when its declared size is over
/// `max`, and during it when the registry sends more.
async fn pull_capped(
    client: &Client,
    reference: &Reference,
    layer: &OciDescriptor,
    max: u64,
    what: &str,
) -> Result<Vec<u8>, DaemonError> {
    if layer.size < 0 || layer.size as u64 > max {
        return Err(bad(format!(
            "{what} is {} bytes by its manifest; the limit is {max}",
            layer.size
        )));
    }
    if layer.urls.as_ref().is_some_and(|u| !u.is_empty()) {
        return Err(bad(format!(
            "{what} names other URLs to fetch it from; only the registry's own copy is taken"
        )));
    }
    let mut out = Capped {
        bytes: Vec::new(),
        max: max as usize,
    };
    client
        .pull_blob(reference, layer, &mut out)
        .await
        .map_err(oci_err(format!("downloading {what} ({})", layer.digest)))?;
    Ok(out.bytes)
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

/// Seconds since the epoch as an RFC 3339 UTC time (`2026-12-07T16:30:00Z`), as the CNCF Wasm
/// config's `created` is written.
fn rfc3339(secs: u64) -> String {
    let (days, rest) = ((secs / 86_400) as i64, secs % 86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// The config's `created`: `SOURCE_DATE_EPOCH` when set (the reproducible-builds convention),
/// else the epoch, as `ko` does. Never the clock: the same component published again under
/// the same tag must be the same manifest, so that a second signer signs what the first did.
fn created_secs(source_date_epoch: Option<&str>) -> u64 {
    source_date_epoch.and_then(|v| v.trim().parse().ok()).unwrap_or(0)
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
    if tag.starts_with("sha256-") {
        return Err(bad(format!(
            "{target}: tags sha256-… hold the referrers of a manifest (the OCI tag schema); choose a version tag"
        )));
    }
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
        "created": rfc3339(created_secs(std::env::var("SOURCE_DATE_EPOCH").ok().as_deref())),
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
    /// The signatures (hex bytes) that refer to the manifest, the first 16; the install takes
    /// the first a trusted key made.
    pub signatures: Vec<Vec<u8>>,
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
    let with_digest = |d: &str| Reference::with_digest(oci.registry.clone(), oci.repository.clone(), d.to_string());
    // A range is settled to a digest once: the tag may move, the download may not.
    let (reference, tag) = match &oci.pick {
        Pick::Tag(t) => (
            Reference::with_tag(oci.registry.clone(), oci.repository.clone(), t.clone()),
            Some(t.clone()),
        ),
        Pick::Digest(d, tag) => (with_digest(d), tag.clone()),
        Pick::Range(range) => {
            let (t, d) = newest_supported(&client, &auth, &oci, range, &mut notes).await?;
            (with_digest(&d), Some(t))
        }
    };
    let (manifest, digest) = match pull_wasm_manifest(&client, &auth, &reference, source).await {
        Err(e) if matches!(oci.pick, Pick::Tag(_)) => {
            // A missing tag: say which there are (`:1.2` is a tag, not a range).
            let mut tags = list_all_tags(&client, &auth, &oci).await.unwrap_or_default();
            tags.sort();
            return Err(bad(format!(
                "{e}; the tags there: {} (a range is written :^1.2 or :~1.2)",
                if tags.is_empty() {
                    "none".to_string()
                } else {
                    tags.join(", ")
                }
            )));
        }
        other => other?,
    };
    let layer = &manifest.layers[0];
    // oci-client checks the bytes against the layer digest as it downloads them.
    let bytes = pull_capped(
        &client,
        &reference,
        layer,
        super::install::MAX_COMPONENT_BYTES,
        "the component",
    )
    .await?;
    let actual = sha256_digest(&bytes);
    let signatures = find_signatures(&client, &auth, &with_digest(&digest)).await?;
    Ok(Resolved {
        bytes,
        sha256: actual.trim_start_matches("sha256:").to_string(),
        source: format!(
            "oci://{}/{}{}@{digest}",
            oci.registry,
            oci.repository,
            tag.map(|t| format!(":{t}")).unwrap_or_default()
        ),
        signatures,
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

/// Every tag of the repository, page by page.
async fn list_all_tags(client: &Client, auth: &RegistryAuth, oci: &OciSource) -> Result<Vec<String>, DaemonError> {
    const PAGE: usize = 500;
    let any = Reference::with_tag(oci.registry.clone(), oci.repository.clone(), "latest".into());
    let mut tags: Vec<String> = Vec::new();
    loop {
        let page = client
            .list_tags(&any, auth, Some(PAGE), tags.last().map(String::as_str))
            .await
            .map_err(oci_err(format!(
                "listing the tags of {}/{}",
                oci.registry, oci.repository
            )))?;
        let n = page.tags.len();
        let before = tags.len();
        for t in page.tags {
            if !tags.contains(&t) {
                tags.push(t);
            }
        }
        // A registry that ignores `n`/`last` sends everything at once (or the same again).
        if n < PAGE || tags.len() == before || tags.len() > 100_000 {
            break;
        }
    }
    // Not the referrers tag schema's indexes: they are not versions.
    tags.retain(|t| !t.starts_with("sha256-"));
    Ok(tags)
}

/// The newest semver tag in `range` whose component's plugin API this host supports, and its
/// manifest digest; each tag passed over is noted with the reason.
async fn newest_supported(
    client: &Client,
    auth: &RegistryAuth,
    oci: &OciSource,
    range: &str,
    notes: &mut Vec<String>,
) -> Result<(String, String), DaemonError> {
    let req = semver::VersionReq::parse(range).map_err(|e| bad(format!("range {range:?}: {e}")))?;
    let listed = list_all_tags(client, auth, oci).await?;
    let mut versions: Vec<(semver::Version, String)> = listed
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
        let (manifest, digest) = match pull_wasm_manifest(client, auth, &reference, &where_).await {
            Ok(found) => found,
            Err(e) => {
                notes.push(format!("skipped {tag}: {e}"));
                continue;
            }
        };
        let api = match manifest.annotations.as_ref().and_then(|a| a.get(API_ANNOTATION)) {
            Some(a) => a.clone(),
            None => {
                // No annotation (published by another tool): the component's own section.
                let by_digest = reference.clone_with_digest(digest.clone());
                let bytes = match pull_capped(
                    client,
                    &by_digest,
                    &manifest.layers[0],
                    super::install::MAX_COMPONENT_BYTES,
                    "the component",
                )
                .await
                {
                    Ok(b) => b,
                    Err(e) => {
                        notes.push(format!("skipped {tag}: {e}"));
                        continue;
                    }
                };
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
        return Ok((tag.clone(), digest));
    }
    Err(bad(format!(
        "{where_}: no tag matches {range} with a plugin API this host supports ({}); tags: {}{}",
        devnet_plugin_host::supported_range(),
        if listed.is_empty() {
            "none".to_string()
        } else {
            listed.join(", ")
        },
        if notes.is_empty() {
            String::new()
        } else {
            format!("; {}", notes.join("; "))
        }
    )))
}

/// The signatures that refer to the manifest at `by_digest` (the first 16): by the Referrers
/// API, else the `sha256-<hex>` tag (oci-client falls back to it itself; a repository with
/// neither has none). A registry that fails to answer fails the install: "unsigned" is not
/// assumed.
async fn find_signatures(
    client: &Client,
    auth: &RegistryAuth,
    by_digest: &Reference,
) -> Result<Vec<Vec<u8>>, DaemonError> {
    let index = client
        .pull_referrers(by_digest, Some(SIGNATURE_ARTIFACT_TYPE))
        .await
        .map_err(oci_err(format!("looking up the signatures of {}", by_digest.whole())))?;
    let mut found = Vec::new();
    for entry in index
        .manifests
        .iter()
        .filter(|m| m.artifact_type.as_deref() == Some(SIGNATURE_ARTIFACT_TYPE))
        .take(16)
    {
        let sig_ref = by_digest.clone_with_digest(entry.digest.clone());
        let (manifest, _) = client
            .pull_image_manifest(&sig_ref, auth)
            .await
            .map_err(oci_err(format!("reading the signature {}", entry.digest)))?;
        let Some(layer) = manifest.layers.first() else {
            continue;
        };
        let what = format!("the signature {}", entry.digest);
        found.push(pull_capped(client, &sig_ref, layer, MAX_SIGNATURE_BYTES as u64, &what).await?);
    }
    Ok(found)
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
        assert_eq!(
            parse(&format!("oci://r.example/c@{d}")).unwrap().pick,
            Pick::Digest(d.clone(), None)
        );
        // As an install records its source: the digest decides, the tag is kept.
        assert_eq!(
            parse(&format!("oci://r.example/c:1.2.0@{d}")).unwrap().pick,
            Pick::Digest(d.clone(), Some("1.2.0".into()))
        );
        assert!(
            parse(&format!(
                "oci://r.example/c@{}",
                d.to_uppercase().replace("SHA256", "sha256")
            ))
            .is_err()
        );
        // `:1` and `:1.2` are tags as written; ranges say so (^, ~, >=).
        assert_eq!(parse("oci://r.example/c:1.2").unwrap().pick, Pick::Tag("1.2".into()));
        assert_eq!(
            parse("oci://r.example/c:>=1, <2").unwrap().pick,
            Pick::Range(">=1, <2".into())
        );
        assert!(parse("oci://r.example/a/../b:1").is_err());
        assert!(parse("oci://r.example/-a:1").is_err());
        assert!(parse("oci://bad host/c:1").is_err());
        assert!(parse("oci://r.example:0/c:1").is_err());
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
    fn created_should_come_from_source_date_epoch_never_the_clock() {
        assert_eq!(rfc3339(created_secs(None)), "1970-01-01T00:00:00Z");
        assert_eq!(created_secs(Some("1765000000")), 1_765_000_000);
        assert_eq!(created_secs(Some("soon")), 0);
    }

    #[test]
    fn created_should_be_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_796_660_000), "2026-12-07T16:13:20Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn loopback_registries_should_be_spoken_to_over_http() {
        assert!(is_loopback("127.0.0.1:5000") && is_loopback("localhost") && is_loopback("[::1]:5000"));
        assert!(!is_loopback("registry.example:5000") && !is_loopback("10.0.0.1"));
    }
}
