//! A node image made from a chain binary of the chain cache, with no registry: the binary and
//! the shared libraries it links (as `ldd` lists them), each at its own absolute path, imported
//! as a root file system (`docker import`). Tagged by the binary's sha256, so it is made once
//! per binary and reused, and an upgrade to another binary makes (or reuses) that one's.

use std::path::{Path, PathBuf};

use bollard::Docker;
use bollard::query_parameters::CreateImageOptionsBuilder;
use futures_util::StreamExt as _;
use sha2::{Digest as _, Sha256};

use crate::RuntimeError;

/// The label an image carries with the path of the binary it was made from.
pub const IMAGE_BINARY_LABEL: &str = "dev.devnet-builder.binary";

/// The image's name for `program` with sha256 `digest`:
/// `devnet-builder/<binary>-<digest of its path>:<sha256>`. The binary sits at its own path in
/// the image, so the same binary at another path (another chain cache) is another image.
pub fn image_tag(program: &Path, digest: &str) -> String {
    let base: String = program
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let base = base.trim_matches(['-', '.']);
    let base = if base.is_empty() { "node" } else { base };
    let at = short_digest(&program.display().to_string());
    format!("devnet-builder/{base}-{at}:{digest}")
}

/// The sha256 of a file, hex (as the chain cache's manifest records it).
pub fn file_sha256(path: &Path) -> std::io::Result<String> {
    devnet_binaries::sha256_file(path)
}

/// The shared libraries (and the loader) `program` needs, from `ldd`; none for a static binary.
pub fn linked_libraries(program: &Path) -> Result<Vec<PathBuf>, String> {
    let out = std::process::Command::new("ldd").arg(program).output().map_err(|e| {
        format!(
            "running ldd {}: {e} (Debian: apt-get install libc-bin)",
            program.display()
        )
    })?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        // "not a dynamic executable": nothing to add.
        let err = String::from_utf8_lossy(&out.stderr);
        if text.contains("not a dynamic executable") || err.contains("not a dynamic executable") {
            return Ok(Vec::new());
        }
        return Err(format!("ldd {}: {}", program.display(), err.trim()));
    }
    let mut libs = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.contains("=> not found") {
            return Err(format!("{}: {line}", program.display()));
        }
        // `libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)` or `/lib64/ld-linux-x86-64.so.2 (0x…)`.
        let path = match line.split_once("=>") {
            Some((_, right)) => right.trim(),
            None => line,
        };
        let path = path.split(" (").next().unwrap_or_default().trim();
        if path.starts_with('/') {
            libs.push(PathBuf::from(path));
        }
    }
    Ok(libs)
}

/// The root file system of the image, as a tar: `program` and `libs` at their own paths (the
/// files a symlink names, stored under the link's name), and a `/tmp`.
pub fn rootfs_tar(program: &Path, libs: &[PathBuf]) -> std::io::Result<Vec<u8>> {
    let mut tar = tar::Builder::new(Vec::new());
    tar.mode(tar::HeaderMode::Deterministic);
    tar.follow_symlinks(true);
    // A file with holes (a linker's output can have them) as plain data: the engine's tar
    // reader refuses GNU sparse entries ("unhandled tar header type 83").
    tar.sparse(false);
    let mut dir = tar::Header::new_gnu();
    dir.set_entry_type(tar::EntryType::Directory);
    dir.set_mode(0o1777);
    dir.set_size(0);
    tar.append_data(&mut dir, "tmp", std::io::empty())?;
    for path in std::iter::once(program).chain(libs.iter().map(PathBuf::as_path)) {
        let inside = path.strip_prefix("/").unwrap_or(path);
        tar.append_path_with_name(path, inside)?;
    }
    tar.into_inner()
}

/// Makes sure the image for `program` exists in `docker`; its tag.
pub async fn ensure_image(docker: &Docker, program: &Path) -> Result<String, RuntimeError> {
    let path = program.to_path_buf();
    let digest = tokio::task::spawn_blocking(move || file_sha256(&path))
        .await
        .map_err(|e| image_error(program, e.to_string()))?
        .map_err(|e| image_error(program, format!("reading it: {e}")))?;
    ensure_image_of(docker, program, &digest).await
}

fn image_error(program: &Path, message: String) -> RuntimeError {
    RuntimeError::Image {
        program: program.display().to_string(),
        message,
    }
}

/// [`ensure_image`] for a `program` whose sha256 is `digest`.
pub async fn ensure_image_of(docker: &Docker, program: &Path, digest: &str) -> Result<String, RuntimeError> {
    let fail = |message: String| image_error(program, message);
    let tag = image_tag(program, digest);
    match docker.inspect_image(&tag).await {
        Ok(_) => return Ok(tag),
        Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => {}
        Err(e) => return Err(fail(format!("looking for {tag}: {e}"))),
    }
    let path = program.to_path_buf();
    let tar = tokio::task::spawn_blocking(move || {
        let libs = linked_libraries(&path)?;
        rootfs_tar(&path, &libs).map_err(|e| format!("packing its root file system: {e}"))
    })
    .await
    .map_err(|e| fail(e.to_string()))?
    .map_err(fail)?;
    let (repo, version) = tag.split_once(':').unwrap_or((tag.as_str(), "latest"));
    let label = quoted(&program.display().to_string());
    let options = CreateImageOptionsBuilder::new()
        .from_src("-")
        .repo(repo)
        .tag(version)
        .changes(vec![format!("LABEL {IMAGE_BINARY_LABEL}={label}")])
        .build();
    let mut progress = docker.create_image(Some(options), Some(bollard::body_full(tar.into())), None);
    while let Some(step) = progress.next().await {
        let step = step.map_err(|e| fail(format!("docker import: {e}")))?;
        if let Some(detail) = step.error_detail.and_then(|d| d.message) {
            return Err(fail(format!("docker import: {detail}")));
        }
    }
    docker
        .inspect_image(&tag)
        .await
        .map_err(|e| fail(format!("imported, but the engine has no {tag}: {e}")))?;
    Ok(tag)
}

/// A Dockerfile instruction's quoted string: `"…"` with `"` and `\` escaped.
fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The first 8 hex digits of the sha256 of `text`: a short name that tells daemon homes apart.
pub fn short_digest(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))[..8].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_with_holes_should_go_into_the_rootfs_as_plain_data() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let program = dir.path().join("sparse-node");
        let file = std::fs::File::create(&program).unwrap_or_else(|e| panic!("{e}"));
        // 4 MiB of which only the last byte was written: a hole before it.
        file.set_len(4 << 20).unwrap_or_else(|e| panic!("{e}"));
        drop(file);
        let tar = rootfs_tar(&program, &[]).unwrap_or_else(|e| panic!("{e}"));
        let mut archive = tar::Archive::new(tar.as_slice());
        let kinds: Vec<tar::EntryType> = archive
            .entries()
            .unwrap_or_else(|e| panic!("{e}"))
            .map(|e| e.unwrap_or_else(|e| panic!("{e}")).header().entry_type())
            .collect();
        assert_eq!(kinds, [tar::EntryType::Directory, tar::EntryType::Regular]);
    }
}
