use std::os::unix::fs::PermissionsExt as _;

use k256::ecdsa::signature::hazmat::PrehashVerifier as _;
use sha2::Digest as _;

use super::*;

#[test]
fn ensure_should_generate_once_and_refuse_another_algorithm() {
    let mut ring = Keyring::in_memory();
    let a = ring.ensure("validator-0", Algorithm::Secp256k1).unwrap();
    assert_eq!(a.len(), 33, "compressed secp256k1 point");
    assert_eq!(ring.ensure("validator-0", Algorithm::Secp256k1).unwrap(), a);
    let err = ring.ensure("validator-0", Algorithm::Ed25519).unwrap_err();
    assert!(err.to_string().contains("is secp256k1"), "{err}");
    let b = ring.ensure("validator-1", Algorithm::Secp256k1).unwrap();
    assert_ne!(a, b, "two keys must differ");
    assert_eq!(ring.ensure("node-0.p2p", Algorithm::Ed25519).unwrap().len(), 32);
    assert!(ring.ensure("a/b", Algorithm::Ed25519).is_err());
}

#[test]
fn secp256k1_signatures_should_verify_and_be_low_s() {
    let mut ring = Keyring::in_memory();
    let public = ring.ensure("k", Algorithm::Secp256k1).unwrap();
    let vk = k256::ecdsa::VerifyingKey::from_sec1_bytes(&public).unwrap();
    for i in 0..20u8 {
        let msg = [i; 50];
        let sig = ring
            .sign("k", &msg, Digest::Sha256, SignatureFormat::Secp256k1Compact)
            .unwrap();
        let sig = k256::ecdsa::Signature::from_slice(&sig).unwrap();
        assert!(sig.normalize_s().is_none(), "signature must already be low-s");
        vk.verify_prehash(&sha2::Sha256::digest(msg), &sig).unwrap();

        let rec = ring
            .sign("k", &msg, Digest::Keccak256, SignatureFormat::Secp256k1Recoverable)
            .unwrap();
        assert_eq!(rec.len(), 65);
        let hash = sha3::Keccak256::digest(msg);
        let recovered = k256::ecdsa::VerifyingKey::recover_from_prehash(
            &hash,
            &k256::ecdsa::Signature::from_slice(&rec[..64]).unwrap(),
            k256::ecdsa::RecoveryId::from_byte(rec[64]).unwrap(),
        )
        .unwrap();
        assert_eq!(recovered, vk);
    }
    let err = ring
        .sign("k", b"short", Digest::None, SignatureFormat::Secp256k1Compact)
        .unwrap_err();
    assert!(err.to_string().contains("32-byte payload"), "{err}");
    assert!(ring.sign("k", b"x", Digest::None, SignatureFormat::Ed25519).is_err());
}

#[test]
fn ed25519_signatures_should_verify() {
    let mut ring = Keyring::in_memory();
    let public: [u8; 32] = ring.ensure("e", Algorithm::Ed25519).unwrap().try_into().unwrap();
    let sig = ring
        .sign("e", b"hello", Digest::None, SignatureFormat::Ed25519)
        .unwrap();
    let vk = ed25519_dalek::VerifyingKey::from_bytes(&public).unwrap();
    vk.verify_strict(b"hello", &ed25519_dalek::Signature::from_slice(&sig).unwrap())
        .unwrap();
    assert!(
        ring.sign("e", b"hello", Digest::Sha256, SignatureFormat::Ed25519)
            .is_err()
    );
}

#[test]
fn fill_secrets_should_replace_placeholders_and_name_bad_ones() {
    let mut ring = Keyring::in_memory();
    ring.import("e", Algorithm::Ed25519, &[7; 32]).unwrap();
    let public = ring.public_key("e").unwrap();
    let filled = ring
        .fill_secrets(b"a ${secret:e:hex} b ${secret:e:base64-keypair} c")
        .unwrap();
    let text = String::from_utf8(filled).unwrap();
    let mut pair = vec![7u8; 32];
    pair.extend_from_slice(&public);
    use base64::Engine as _;
    let expected = format!(
        "a {} b {} c",
        hex::encode([7u8; 32]),
        base64::engine::general_purpose::STANDARD.encode(&pair)
    );
    assert_eq!(text, expected);

    for (bad, says) in [
        (&b"${secret:nope:hex}"[..], "no key `nope`"),
        (b"${secret:e:rot13}", "unknown encoding"),
        (b"${secret:e:hex", "no closing"),
        (b"${secret:e}", "write it as"),
    ] {
        let err = ring.fill_secrets(bad).unwrap_err().to_string();
        assert!(err.contains(says), "{err}");
    }
    assert_eq!(
        ring.fill_secrets(b"no placeholders $ {}").unwrap(),
        b"no placeholders $ {}"
    );
}

#[test]
fn save_should_write_0600_and_open_should_read_it_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys/keyring.json");
    let mut ring = Keyring::open(&path).unwrap();
    let a = ring.ensure("a", Algorithm::Secp256k1).unwrap();
    let b = ring.ensure("b", Algorithm::Ed25519).unwrap();
    ring.save().unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let again = Keyring::open(&path).unwrap();
    assert_eq!(again.public_key("a").unwrap(), a);
    assert_eq!(again.public_key("b").unwrap(), b);
    assert_eq!(again.ids().count(), 2);
    assert!(!format!("{again:?}").contains(&hex::encode(&a[1..])));
    let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temporary file may be left");
}

#[test]
fn open_should_refuse_a_damaged_file_and_leave_it_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keyring.json");
    std::fs::write(
        &path,
        b"{\"format\":1,\"keys\":[{\"id\":\"a\",\"algorithm\":\"secp256k1\",\"secret\":\"00\"}]}",
    )
    .unwrap();
    let err = Keyring::open(&path).unwrap_err().to_string();
    assert!(err.contains("left untouched") && err.contains("32 expected"), "{err}");
    assert!(std::fs::read(&path).unwrap().starts_with(b"{\"format\""));
}
