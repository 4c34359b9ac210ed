//! Threshold keys the host deals as a trusted dealer: one secret polynomial, a share of it for
//! each member, and the public polynomial every member checks signatures against.
//!
//! Dealt on the pure-Rust `bls12_381` curve and encoded in Commonware's wire format
//! ([`crate::bls_sharing`]), the bytes alto's validators decode. The dealer's polynomial is
//! dropped once dealt; the shares are kept like any other secret, never handed to a plugin.

use zeroize::Zeroizing;

use crate::bls_sharing::{self, Sharing};

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

fn members(n: u32) -> Result<u32, String> {
    if n == 0 || n > MAX_MEMBERS {
        return Err(format!("a group has 1 to {MAX_MEMBERS} members, not {n}"));
    }
    Ok(n)
}

impl Group {
    /// Deals a new group of `n` members.
    pub(crate) fn deal(scheme: ThresholdScheme, n: u32) -> Result<Self, String> {
        let n = members(n)?;
        let ThresholdScheme::Bls12381MinSig = scheme;
        let (polynomial, shares) = bls_sharing::deal(n)?;
        Ok(Self {
            scheme,
            members: n,
            polynomial,
            shares,
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
        let n = members(n)?;
        let sharing = Sharing::decode(&polynomial, n).map_err(|e| format!("public polynomial: {e}"))?;
        let quorum = crate::bls_sharing::quorum(n);
        if sharing.required() != quorum {
            return Err(format!(
                "public polynomial: {} of {n} members sign, not the quorum {quorum}",
                sharing.required()
            ));
        }
        if shares.len() != n as usize {
            return Err(format!("{} shares for {n} members", shares.len()));
        }
        for (i, bytes) in shares.iter().enumerate() {
            sharing
                .check_share(bytes, i as u32)
                .map_err(|e| format!("share {i} {e}"))?;
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
        let sharing = Sharing::decode(&self.polynomial, self.members).map_err(|e| format!("public polynomial: {e}"))?;
        Ok(ThresholdPublic {
            scheme: self.scheme,
            members: self.members,
            required: sharing.required(),
            polynomial: self.polynomial.clone(),
            identity: sharing.identity(),
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
