//! Comparing chain-software versions such as `v0.50.15`, `1.13.15-stable` or `0.53.0-rc.2`.

use core::cmp::Ordering;

use crate::VersionRange;

/// The first dotted version number in `text`, as `v<major>.<minor>[.<patch>...]`: `v1.13.15` from
/// `1.13.15-stable`, `Version: 1.7.1` or `tempo/v1.13.1-d656ef55/x86_64`.
///
/// ```
/// use devnet_plugin_sdk::version_range::first_version;
/// assert_eq!(first_version("geth version 1.13.15-stable").as_deref(), Some("v1.13.15"));
/// assert_eq!(first_version("tempo/v1.13.1-d656ef55/x86_64-unknown-linux-gnu").as_deref(), Some("v1.13.1"));
/// assert_eq!(first_version("no digits here"), None);
/// ```
pub fn first_version(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    (0..bytes.len()).find_map(|start| {
        // A version starts at a digit that does not continue a word or number.
        let boundary = start == 0 || !bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'v';
        if !bytes[start].is_ascii_digit() || !boundary {
            return None;
        }
        let run: String = text[start..]
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let run = run.trim_end_matches('.');
        (run.split('.').count() >= 2 && run.split('.').all(|p| !p.is_empty())).then(|| format!("v{run}"))
    })
}

/// The numeric parts of a version: `v0.50.15-rc.1` gives `[0, 50, 15]`. Anything after the first
/// `-` or `+` is a pre-release or build tag and does not count.
pub fn numeric_parts(version: &str) -> Vec<u64> {
    let core = version.trim().trim_start_matches('v');
    let core = core.split(['-', '+']).next().unwrap_or("");
    core.split('.').map(|p| p.parse().unwrap_or(0)).collect()
}

/// Compares two versions part by part; missing parts count as 0 (`v0.50` == `v0.50.0`).
pub fn compare(a: &str, b: &str) -> Ordering {
    let (a, b) = (numeric_parts(a), numeric_parts(b));
    for i in 0..a.len().max(b.len()) {
        let ord = a.get(i).unwrap_or(&0).cmp(b.get(i).unwrap_or(&0));
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

impl VersionRange {
    /// `[since, until)`; `until: None` is open.
    ///
    /// ```
    /// let r = devnet_plugin_sdk::VersionRange::new("v0.50.0", Some("v0.53.0"));
    /// assert!(r.contains("v0.50.15"));
    /// assert!(!r.contains("v0.53.0"));
    /// ```
    pub fn new(since: &str, until: Option<&str>) -> Self {
        VersionRange {
            since: since.to_string(),
            until: until.map(str::to_string),
        }
    }

    /// Whether `version` lies in the range.
    pub fn contains(&self, version: &str) -> bool {
        compare(version, &self.since) != Ordering::Less
            && self
                .until
                .as_deref()
                .is_none_or(|u| compare(version, u) == Ordering::Less)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compare_should_order_numerically_and_ignore_prerelease_tags() {
        assert_eq!(compare("v0.50.9", "v0.50.15"), Ordering::Less);
        assert_eq!(compare("0.53.0-rc.2", "v0.53.0"), Ordering::Equal);
        assert_eq!(compare("v0.50", "v0.50.0"), Ordering::Equal);
        assert_eq!(compare("1.13.15-stable", "1.14.0"), Ordering::Less);
    }

    #[test]
    fn range_should_include_since_and_exclude_until() {
        let r = VersionRange::new("v0.50.0", Some("v0.53.0"));
        assert!(r.contains("v0.50.0"));
        assert!(r.contains("v0.52.99"));
        assert!(!r.contains("v0.53.0"));
        assert!(!r.contains("v0.47.17"));
        assert!(VersionRange::new("v0.53.0", None).contains("v9.0.0"));
    }
}
