//! A released plugin API is frozen: plugins built on it keep loading only while its WIT stays
//! byte for byte what they were built against. A change goes into a new `wit/vX.Y.Z` folder.

#![allow(clippy::unwrap_used)]

use std::path::Path;

use devnet_plugin_host::ApiVersion;
use sha2::{Digest as _, Sha256};

/// Each released version's `plugin.wit` and its sha256 at release.
const RELEASED: &[(ApiVersion, &str)] = &[
    (
        ApiVersion::V0_1_0,
        "214d01963dfce2bf1d2fec885e1010c3bd017e3d17f7b0da01b39af349319bd1",
    ),
    (
        ApiVersion::V0_2_0,
        "ffffec4ef164eb299b7e3b09027b89f1d0eec05520d1617b3b5fd622bcd42627",
    ),
    (
        ApiVersion::V0_3_0,
        "4aad49d7c87775b4c2814ec50f1e9b389040ee5a8bf07d0e688dc535b2ef9da2",
    ),
    (
        ApiVersion::V0_4_0,
        "7debea022e112c4ad235140a92aabde8431e41996de77fdf11dcfcbea53a49ff",
    ),
    (
        ApiVersion::V0_5_0,
        "b858f5d1060d4473ac8d81b0e65077f57bdfb26d1d342fdfd86f9e3487b04dba",
    ),
    (
        ApiVersion::V0_6_0,
        "b9e77ca0edd7a2e4ad6914f473ebb48157dd0af3690975e01067904df8b2fd6e",
    ),
    (
        ApiVersion::V0_7_0,
        "654fdbcb5bf6dba1bc770a3705ee611f56dd392af2117622df7c1a532cd3396c",
    ),
];

fn wit_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../wit")
}

#[test]
fn every_released_wit_should_be_byte_for_byte_what_was_released() {
    for (version, sha) in RELEASED {
        let file = wit_dir().join(format!("v{version}")).join("plugin.wit");
        let bytes = std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert_eq!(
            hex::encode(Sha256::digest(&bytes)),
            *sha,
            "{} changed: devnet:plugin@{version} is released and frozen; put the change in a new wit/vX.Y.Z",
            file.display()
        );
    }
}

#[test]
fn every_version_the_host_loads_should_be_pinned_and_every_folder_loaded() {
    let pinned: Vec<ApiVersion> = RELEASED.iter().map(|(v, _)| *v).collect();
    assert_eq!(
        pinned,
        ApiVersion::ALL,
        "pin the sha256 of every version the host loads"
    );
    let mut folders: Vec<String> = std::fs::read_dir(wit_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    folders.sort();
    let loaded: Vec<String> = ApiVersion::ALL.iter().map(|v| format!("v{v}")).collect();
    assert_eq!(folders, loaded, "a wit/ folder the host does not load, or one missing");
}
