//! `${secret:<key-id>:<encoding>}` placeholders in node files.

use zeroize::Zeroizing;

use crate::KeyringError;

const OPEN: &[u8] = b"${secret:";

/// Replaces each placeholder with what `lookup(key_id, encoding)` answers.
pub(crate) fn fill(
    contents: &[u8],
    lookup: impl Fn(&str, &str) -> Result<String, KeyringError>,
) -> Result<Vec<u8>, KeyringError> {
    let mut out = Vec::with_capacity(contents.len());
    let mut rest = contents;
    while let Some(start) = find(rest, OPEN) {
        out.extend_from_slice(&rest[..start]);
        let after = &rest[start + OPEN.len()..];
        let end = after
            .iter()
            .position(|b| *b == b'}')
            .ok_or_else(|| KeyringError::Placeholder {
                placeholder: String::from_utf8_lossy(&rest[start..(start + 40).min(rest.len())]).into_owned(),
                reason: "no closing `}`".into(),
            })?;
        let inner = std::str::from_utf8(&after[..end]).map_err(|_| KeyringError::Placeholder {
            placeholder: String::from_utf8_lossy(&rest[start..start + OPEN.len() + end + 1]).into_owned(),
            reason: "not UTF-8".into(),
        })?;
        let (id, encoding) = inner.rsplit_once(':').ok_or_else(|| KeyringError::Placeholder {
            placeholder: format!("${{secret:{inner}}}"),
            reason: "write it as ${secret:<key-id>:<hex|base64|base64-keypair>}".into(),
        })?;
        let value = Zeroizing::new(lookup(id, encoding)?);
        out.extend_from_slice(value.as_bytes());
        rest = &after[end + 1..];
    }
    out.extend_from_slice(rest);
    Ok(out)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
