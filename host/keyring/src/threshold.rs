//! Threshold keys the host deals as a trusted dealer: one secret polynomial, a share of it for
//! each member, and the public polynomial every member checks signatures against.
//!
//! Dealt and encoded by Commonware's own BLS12-381 code (`commonware-cryptography`), so the
//! bytes are the ones Commonware nodes decode: a share is `index || scalar`, the public
//! polynomial `mode || total || coefficients` (commonware-codec). The dealer's polynomial is
//! dropped once dealt; the shares are kept like any other secret, never handed to a plugin.

use std::num::NonZeroU32;

use commonware_codec::{Decode as _, DecodeExt as _, Encode as _};
use commonware_cryptography::bls12381::dkg::feldman_desmedt::deal_anonymous;
use commonware_cryptography::bls12381::primitives::group::Share;
use commonware_cryptography::bls12381::primitives::sharing::{Mode, ModeVersion, Sharing};
use commonware_cryptography::bls12381::primitives::variant::MinSig;
use commonware_utils::{N3f1, sys_rng};
use zeroize::Zeroizing;

/// The most members one group may have.
pub const MAX_MEMBERS: u32 = 256;

/// A threshold signature scheme the keyring deals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ThresholdScheme {
    /// BLS12-381 with signatures in G1 and public keys in G2 (Commonware's `MinSig`), shares
    /// evaluated at 1..=n (`Mode::NonZeroCounter`), a quorum of n − ⌊(n−1)/3⌋ (Byzantine
    /// fault tolerance: 3f + 1 members tolerate f faults).
    Bls12381MinSig,
}

impl std::fmt::Display for ThresholdScheme {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ThresholdScheme::Bls12381MinSig => "bls12381-min-sig",
        })
    }
}

/// What anyone may know of a group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThresholdPublic {
    pub scheme: ThresholdScheme,
    /// How many shares were dealt.
    pub members: u32,
    /// How many partial signatures make a group signature.
    pub required: u32,
    /// The public polynomial, encoded (what the `hex` placeholder of the group's id gives).
    pub polynomial: Vec<u8>,
    /// The group's public key: the polynomial's constant term, compressed (96 bytes).
    pub identity: Vec<u8>,
}

/// A dealt group: its public polynomial and every member's share, encoded.
pub(crate) struct Group {
    scheme: ThresholdScheme,
    members: u32,
    polynomial: Vec<u8>,
    shares: Vec<Zeroizing<Vec<u8>>>,
}

fn members(n: u32) -> Result<NonZeroU32, String> {
    NonZeroU32::new(n)
        .filter(|n| n.get() <= MAX_MEMBERS)
        .ok_or_else(|| format!("a group has 1 to {MAX_MEMBERS} members, not {n}"))
}

fn sharing(members: NonZeroU32, polynomial: &[u8]) -> Result<Sharing<MinSig>, String> {
    Sharing::<MinSig>::decode_cfg(polynomial, &(members, ModeVersion::v0()))
        .map_err(|e| format!("public polynomial: {e}"))
}

impl Group {
    /// Deals a new group of `n` members.
    pub(crate) fn deal(scheme: ThresholdScheme, n: u32) -> Result<Self, String> {
        let total = members(n)?;
        let ThresholdScheme::Bls12381MinSig = scheme;
        let (public, shares) = deal_anonymous::<MinSig, N3f1>(sys_rng(), Mode::NonZeroCounter, total);
        Ok(Self {
            scheme,
            members: n,
            polynomial: public.encode().to_vec(),
            shares: shares.iter().map(|s| Zeroizing::new(s.encode().to_vec())).collect(),
        })
    }

    /// A group read back from the keyring file, checked: the polynomial decodes, and share `i`
    /// has index `i` and lies on it.
    pub(crate) fn from_parts(
        scheme: ThresholdScheme,
        n: u32,
        polynomial: Vec<u8>,
        shares: Vec<Zeroizing<Vec<u8>>>,
    ) -> Result<Self, String> {
        let total = members(n)?;
        let public = sharing(total, &polynomial)?;
        if shares.len() != n as usize {
            return Err(format!("{} shares for {n} members", shares.len()));
        }
        for (i, bytes) in shares.iter().enumerate() {
            let share = Share::decode(bytes.as_slice()).map_err(|e| format!("share {i}: {e}"))?;
            if usize::from(share.index) != i {
                return Err(format!("share {i} has index {}", share.index));
            }
            let expected = public
                .partial_public(share.index)
                .map_err(|e| format!("share {i}: {e}"))?;
            if share.public::<MinSig>() != expected {
                return Err(format!("share {i} is not on the public polynomial"));
            }
        }
        Ok(Self {
            scheme,
            members: n,
            polynomial,
            shares,
        })
    }

    pub(crate) fn scheme(&self) -> ThresholdScheme {
        self.scheme
    }

    pub(crate) fn members(&self) -> u32 {
        self.members
    }

    pub(crate) fn polynomial(&self) -> &[u8] {
        &self.polynomial
    }

    pub(crate) fn share(&self, i: usize) -> Option<&[u8]> {
        self.shares.get(i).map(|s| s.as_slice())
    }

    pub(crate) fn shares(&self) -> &[Zeroizing<Vec<u8>>] {
        &self.shares
    }

    pub(crate) fn public(&self) -> Result<ThresholdPublic, String> {
        let sharing = sharing(members(self.members)?, &self.polynomial)?;
        Ok(ThresholdPublic {
            scheme: self.scheme,
            members: self.members,
            required: sharing.required(),
            polynomial: self.polynomial.clone(),
            identity: sharing.public().encode().to_vec(),
        })
    }
}

/// `<group>.<i>` split into the group's id and a member index.
pub(crate) fn share_id(id: &str) -> Option<(&str, usize)> {
    let (group, index) = id.rsplit_once('.')?;
    if index.is_empty() || !index.bytes().all(|b| b.is_ascii_digit()) || (index.len() > 1 && index.starts_with('0')) {
        return None;
    }
    Some((group, index.parse().ok()?))
}
