//! Threshold groups: dealt shares sign together, kept across a reopen, never dealt twice.

use std::num::NonZeroU32;

use commonware_codec::{Decode as _, DecodeExt as _};
use commonware_cryptography::bls12381::primitives::group::Share;
use commonware_cryptography::bls12381::primitives::ops;
use commonware_cryptography::bls12381::primitives::sharing::{ModeVersion, Sharing};
use commonware_cryptography::bls12381::primitives::variant::{MinSig, Variant};
use commonware_parallel::Sequential;

use super::*;

const SCHEME: ThresholdScheme = ThresholdScheme::Bls12381MinSig;

fn filled(ring: &Keyring, placeholder: &str) -> Vec<u8> {
    hex::decode(ring.fill_secrets(placeholder.as_bytes()).unwrap()).unwrap()
}

fn share(ring: &Keyring, group: &str, i: usize) -> Share {
    Share::decode(filled(ring, &format!("${{secret:{group}.{i}:hex}}")).as_slice()).unwrap()
}

#[test]
fn dealt_shares_should_sign_together_above_the_quorum_only() {
    let mut ring = Keyring::in_memory();
    let public = ring.ensure_threshold("consensus", SCHEME, 4).unwrap();
    assert_eq!(
        (public.members, public.required),
        (4, 3),
        "4 = 3f+1 members, quorum 2f+1"
    );
    assert_eq!(public.identity.len(), 96, "a compressed G2 point");
    let polynomial = filled(&ring, "${secret:consensus:hex}");
    assert_eq!(polynomial, public.polynomial);
    let sharing =
        Sharing::<MinSig>::decode_cfg(polynomial.as_slice(), &(NonZeroU32::new(4).unwrap(), ModeVersion::v0()))
            .unwrap();
    let identity: <MinSig as Variant>::Public = *sharing.public();
    assert_eq!(commonware_codec::Encode::encode(&identity).to_vec(), public.identity);

    let message = b"block 1";
    let partials: Vec<_> = (0..4)
        .map(|i| {
            let share = share(&ring, "consensus", i);
            assert_eq!(usize::from(share.index), i, "share i has index i");
            ops::threshold::sign_message::<MinSig>(&share, b"ns", message)
        })
        .collect();
    for partial in &partials {
        ops::threshold::verify_message::<MinSig>(&sharing, b"ns", message, partial).unwrap();
    }
    let signature = ops::threshold::recover::<MinSig, _>(&sharing, &partials[1..], &Sequential).unwrap();
    ops::verify_message::<MinSig>(&identity, b"ns", message, &signature).unwrap();
    assert!(
        ops::threshold::recover::<MinSig, _>(&sharing, &partials[..2], &Sequential).is_err(),
        "two of four shares must not make a group signature"
    );

    let other = Keyring::in_memory().ensure_threshold("consensus", SCHEME, 4).unwrap();
    assert_ne!(other.identity, public.identity, "every deal is fresh");
}

#[test]
fn a_group_should_be_kept_across_a_reopen_and_never_dealt_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keyring.json");
    let mut ring = Keyring::open(&path).unwrap();
    ring.ensure("validator-0.p2p", Algorithm::Ed25519).unwrap();
    let public = ring.ensure_threshold("consensus", SCHEME, 3).unwrap();
    let share_1 = filled(&ring, "${secret:consensus.1:hex}");
    ring.save().unwrap();

    let mut again = Keyring::open(&path).unwrap();
    assert_eq!(again.threshold_public("consensus").unwrap(), public);
    assert_eq!(again.ensure_threshold("consensus", SCHEME, 3).unwrap(), public);
    assert_eq!(filled(&again, "${secret:consensus.1:hex}"), share_1);
    assert!(
        !format!("{again:?}").contains(&hex::encode(&share_1)),
        "Debug shows no share"
    );

    let err = again.ensure_threshold("consensus", SCHEME, 4).unwrap_err().to_string();
    assert!(err.contains("dealt as bls12381-min-sig for 3 members"), "{err}");
    let err = again.ensure("consensus.1", Algorithm::Ed25519).unwrap_err().to_string();
    assert!(err.contains("share of a threshold group"), "{err}");
    let err = again
        .ensure_threshold("validator-0.p2p", SCHEME, 3)
        .unwrap_err()
        .to_string();
    assert!(err.contains("`validator-0.p2p` already uses that name"), "{err}");
    again.ensure("signers.2", Algorithm::Ed25519).unwrap();
    let err = again.ensure_threshold("signers", SCHEME, 3).unwrap_err().to_string();
    assert!(err.contains("`signers.2` already uses that name"), "{err}");
    let err = again
        .ensure_threshold("consensus.0", SCHEME, 3)
        .unwrap_err()
        .to_string();
    assert!(err.contains("group `consensus`'s shares"), "{err}");
    again.ensure_threshold("pool.7", SCHEME, 1).unwrap();
    let err = again.ensure_threshold("pool", SCHEME, 1).unwrap_err().to_string();
    assert!(err.contains("group `pool.7`'s shares"), "{err}");
    let err = again
        .fill_secrets(b"${secret:consensus.3:hex}")
        .unwrap_err()
        .to_string();
    assert!(err.contains("3 members, numbered from 0"), "{err}");
    let err = again
        .fill_secrets(b"${secret:consensus.0:base64}")
        .unwrap_err()
        .to_string();
    assert!(err.contains("use hex"), "{err}");
    assert!(again.ensure_threshold("empty", SCHEME, 0).is_err());
}

#[test]
fn a_damaged_share_should_refuse_to_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keyring.json");
    let mut ring = Keyring::open(&path).unwrap();
    ring.ensure_threshold("consensus", SCHEME, 4).unwrap();
    ring.save().unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let share = hex::encode(filled(&ring, "${secret:consensus.2:hex}"));
    // The last hex digit of share 2's scalar, changed: still a scalar, no longer on the polynomial.
    let last = share.chars().last().unwrap();
    let flipped = format!("{}{}", &share[..share.len() - 1], if last == '0' { '1' } else { '0' });
    std::fs::write(&path, text.replace(&share, &flipped)).unwrap();
    let err = Keyring::open(&path).unwrap_err().to_string();
    assert!(
        err.contains("share 2 is not on the public polynomial") && err.contains("left untouched"),
        "{err}"
    );
}

#[test]
fn a_group_dealt_by_commonware_should_read_back_and_give_its_identity() {
    use commonware_codec::Encode as _;
    use commonware_cryptography::bls12381::dkg::feldman_desmedt::deal_anonymous;
    use commonware_cryptography::bls12381::primitives::sharing::Mode;
    use commonware_utils::{N3f1, sys_rng};

    for n in [1u32, 4, 7, 130] {
        let (public, shares) =
            deal_anonymous::<MinSig, N3f1>(sys_rng(), Mode::NonZeroCounter, NonZeroU32::new(n).unwrap());
        let polynomial = public.encode().to_vec();
        let encoded: Vec<_> = shares
            .iter()
            .map(|s| zeroize::Zeroizing::new(s.encode().to_vec()))
            .collect();
        let group = threshold::Group::from_parts(SCHEME, n, polynomial.clone(), encoded.clone()).unwrap();
        let ours = group.public().unwrap();
        assert_eq!(ours.required, public.required(), "n = {n}");
        assert_eq!(ours.identity, public.public().encode().to_vec(), "n = {n}");

        let mut swapped = encoded.clone();
        if n > 1 {
            swapped.swap(0, 1);
            let err = threshold::Group::from_parts(SCHEME, n, polynomial.clone(), swapped)
                .err()
                .unwrap();
            assert!(err.contains("share 0 has index 1"), "{err}");
        }
        let other = deal_anonymous::<MinSig, N3f1>(sys_rng(), Mode::NonZeroCounter, NonZeroU32::new(n).unwrap()).0;
        let err = threshold::Group::from_parts(SCHEME, n, other.encode().to_vec(), encoded)
            .err()
            .unwrap();
        assert!(err.contains("share 0 is not on the public polynomial"), "{err}");

        // And the other way: what the keyring deals, Commonware decodes and finds consistent.
        let mut ring = Keyring::in_memory();
        let dealt = ring.ensure_threshold("g", SCHEME, n).unwrap();
        let sharing = Sharing::<MinSig>::decode_cfg(
            dealt.polynomial.as_slice(),
            &(NonZeroU32::new(n).unwrap(), ModeVersion::v0()),
        )
        .unwrap();
        assert_eq!(sharing.required(), dealt.required, "n = {n}");
        for i in [0, n as usize / 2, n as usize - 1] {
            let share = share(&ring, "g", i);
            assert_eq!(
                share.public::<MinSig>(),
                sharing.partial_public(share.index).unwrap(),
                "n = {n}, share {i}"
            );
        }
    }
}

#[test]
fn a_polynomial_below_the_quorum_should_refuse_to_open() {
    let mut ring = Keyring::in_memory();
    let public = ring.ensure_threshold("g", SCHEME, 4).unwrap();
    let shares: Vec<_> = (0..4)
        .map(|i| zeroize::Zeroizing::new(filled(&ring, &format!("${{secret:g.{i}:hex}}"))))
        .collect();
    // mode, total, then the count of coefficients (3 for 4 members): cut to 2.
    let mut short = public.polynomial.clone();
    assert_eq!(short[5], 3);
    short[5] = 2;
    short.truncate(6 + 2 * 96);
    let err = threshold::Group::from_parts(SCHEME, 4, short, shares).err().unwrap();
    assert!(err.contains("2 of 4 members sign, not the quorum 3"), "{err}");
}
