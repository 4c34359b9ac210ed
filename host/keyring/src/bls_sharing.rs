//! A BLS12-381 secret sharing in Commonware's wire format (commonware-codec, as
//! `commonware-cryptography` 2026.9 writes it and alto's validators read it), on the pure-Rust
//! `bls12_381` curve: no C, no second crypto provider in the daemon.
//!
//! - a share: `varint(index) || scalar`, the scalar 32 bytes big-endian, never zero;
//! - a public polynomial (`Sharing<MinSig>`): `mode:u8 (0, non-zero counter) || total:u32 BE ||
//!   varint(count) || count × G2 compressed (96 bytes)`, no point at infinity;
//! - member `i` (from 0) holds the secret polynomial's value at `i + 1`.
//!
//! `threshold_tests` checks both directions against Commonware's own code.

use bls12_381::{G2Affine, G2Projective, Scalar};
use ff::Field as _;
use zeroize::Zeroizing;

/// The only evaluation mode this format version knows: member `i` at `i + 1`.
const MODE_NON_ZERO_COUNTER: u8 = 0;
const G2_BYTES: usize = 96;
const SCALAR_BYTES: usize = 32;

/// How many shares a group of `n` needs to sign: n − ⌊(n−1)/3⌋.
pub(crate) fn quorum(n: u32) -> u32 {
    n - (n - 1) / 3
}

/// A dealt group, encoded: the public polynomial and each member's share.
pub(crate) type Dealt = (Vec<u8>, Vec<Zeroizing<Vec<u8>>>);

/// A fresh secret polynomial of degree `quorum(n) − 1` dealt to `n` members: the encoded public
/// polynomial and each member's encoded share. The secret coefficients are wiped on return.
pub(crate) fn deal(n: u32) -> Result<Dealt, String> {
    // Wrapped before the first secret goes in, and never grown: no reallocation leaves a copy
    // behind (a scalar's brief copies on the stack are not wiped).
    let mut coefficients = Zeroizing::new(Vec::with_capacity(quorum(n) as usize));
    for _ in 0..quorum(n) {
        coefficients.push(random_scalar()?);
    }
    let commitments: Vec<G2Projective> = coefficients.iter().map(|a| G2Projective::generator() * a).collect();
    let polynomial = encode_polynomial(n, &commitments);
    let shares = (0..n)
        .map(|i| {
            let x = Scalar::from(u64::from(i) + 1);
            // Horner's rule from the highest coefficient down.
            let value = Zeroizing::new(coefficients.iter().rev().fold(Scalar::ZERO, |acc, a| acc * x + a));
            encode_share(i, &value)
        })
        .collect();
    Ok((polynomial, shares))
}

fn random_scalar() -> Result<Scalar, String> {
    let mut wide = Zeroizing::new([0u8; 64]);
    getrandom::fill(wide.as_mut()).map_err(|e| format!("the system's random source: {e}"))?;
    let scalar = Scalar::from_bytes_wide(&wide);
    if bool::from(scalar.is_zero()) {
        return Err("the system's random source gave a zero scalar".into());
    }
    Ok(scalar)
}

/// A decoded public polynomial.
#[derive(Debug)]
pub(crate) struct Sharing {
    total: u32,
    commitments: Vec<G2Projective>,
}

impl Sharing {
    /// Reads `bytes` as the public polynomial of a group of `members`: the whole of it, every
    /// point on the curve, in G2 and not at infinity.
    pub(crate) fn decode(bytes: &[u8], members: u32) -> Result<Self, String> {
        let mut rest = bytes;
        let mode = take::<1>(&mut rest)?[0];
        if mode != MODE_NON_ZERO_COUNTER {
            return Err(format!("evaluation mode {mode} is not the non-zero counter (0)"));
        }
        let total = u32::from_be_bytes(take(&mut rest)?);
        if total != members {
            return Err(format!("made for {total} members, not {members}"));
        }
        let count = read_varint(&mut rest)?;
        if count == 0 || count > members {
            return Err(format!("{count} coefficients for {members} members"));
        }
        let commitments = (0..count)
            .map(|j| {
                let point = take::<G2_BYTES>(&mut rest)?;
                let point = Option::<G2Affine>::from(G2Affine::from_compressed(&point))
                    .ok_or_else(|| format!("coefficient {j} is not a point of G2"))?;
                if bool::from(point.is_identity()) {
                    return Err(format!("coefficient {j} is the point at infinity"));
                }
                Ok(G2Projective::from(point))
            })
            .collect::<Result<Vec<_>, String>>()?;
        if !rest.is_empty() {
            return Err(format!("{} bytes after the last coefficient", rest.len()));
        }
        Ok(Self { total, commitments })
    }

    /// How many partial signatures make a group signature.
    pub(crate) fn required(&self) -> u32 {
        self.commitments.len() as u32
    }

    /// The group's public key, compressed.
    pub(crate) fn identity(&self) -> Vec<u8> {
        G2Affine::from(self.commitments[0]).to_compressed().to_vec()
    }

    /// Member `index`'s public key: the public polynomial at `index + 1`.
    fn partial_public(&self, index: u32) -> Option<G2Projective> {
        if index >= self.total {
            return None;
        }
        let x = Scalar::from(u64::from(index) + 1);
        Some(
            self.commitments
                .iter()
                .rev()
                .fold(G2Projective::identity(), |acc, c| acc * x + c),
        )
    }

    /// Checks that `share` decodes, is member `expected`'s, and lies on this polynomial.
    pub(crate) fn check_share(&self, share: &[u8], expected: u32) -> Result<(), String> {
        let mut rest = share;
        let index = read_varint(&mut rest)?;
        if index != expected {
            return Err(format!("has index {index}"));
        }
        let bytes = take::<SCALAR_BYTES>(&mut rest)?;
        if !rest.is_empty() {
            return Err(format!("{} bytes after the scalar", rest.len()));
        }
        let mut le = Zeroizing::new(bytes);
        le.reverse();
        let scalar = Zeroizing::new(
            Option::<Scalar>::from(Scalar::from_bytes(&le)).ok_or("the scalar is not below the group order")?,
        );
        if bool::from(scalar.is_zero()) {
            return Err("the scalar is zero".into());
        }
        let expected = self.partial_public(index).ok_or_else(|| format!("has index {index}"))?;
        if G2Projective::generator() * *scalar != expected {
            return Err("is not on the public polynomial".into());
        }
        Ok(())
    }
}

fn encode_polynomial(total: u32, commitments: &[G2Projective]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + 4 + 5 + commitments.len() * G2_BYTES);
    out.push(MODE_NON_ZERO_COUNTER);
    out.extend_from_slice(&total.to_be_bytes());
    write_varint(&mut out, commitments.len() as u32);
    for c in commitments {
        out.extend_from_slice(&G2Affine::from(c).to_compressed());
    }
    out
}

fn encode_share(index: u32, value: &Scalar) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(5 + SCALAR_BYTES));
    write_varint(&mut out, index);
    let mut be = Zeroizing::new(value.to_bytes());
    be.reverse();
    out.extend_from_slice(be.as_ref());
    out
}

fn take<const N: usize>(rest: &mut &[u8]) -> Result<[u8; N], String> {
    let (head, tail) = rest
        .split_first_chunk::<N>()
        .ok_or_else(|| format!("ends early: {N} bytes wanted, {} left", rest.len()))?;
    *rest = tail;
    Ok(*head)
}

/// LEB128, as commonware-codec writes a `u32`/`usize` length or index: 7 bits a byte, low first.
fn write_varint(out: &mut Vec<u8>, mut value: u32) {
    while value >= 0x80 {
        out.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Reads a varint written by [`write_varint`]: at most 5 bytes, no overflow, no padding.
fn read_varint(rest: &mut &[u8]) -> Result<u32, String> {
    let mut value: u64 = 0;
    for i in 0..5 {
        let byte = take::<1>(rest)?[0];
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            if i > 0 && byte == 0 {
                return Err("a varint with a padding byte".into());
            }
            return u32::try_from(value).map_err(|_| "a varint above u32".to_string());
        }
    }
    Err("a varint longer than 5 bytes".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_should_read_back_and_refuse_padding_and_overflow() {
        for v in [0, 1, 127, 128, 300, 16_383, 16_384, u32::MAX] {
            let mut out = Vec::new();
            write_varint(&mut out, v);
            let mut rest = out.as_slice();
            assert_eq!(read_varint(&mut rest).unwrap(), v);
            assert!(rest.is_empty());
        }
        assert!(
            read_varint(&mut [0x80, 0x00].as_slice())
                .unwrap_err()
                .contains("padding")
        );
        assert!(
            read_varint(&mut [0xff, 0xff, 0xff, 0xff, 0x7f].as_slice())
                .unwrap_err()
                .contains("above u32")
        );
        assert!(read_varint(&mut [0x80; 6].as_slice()).unwrap_err().contains("longer"));
        assert!(read_varint(&mut [0x80].as_slice()).unwrap_err().contains("ends early"));
    }

    #[test]
    fn quorum_should_be_two_f_plus_one_of_three_f_plus_one() {
        let got: Vec<u32> = [1, 2, 3, 4, 5, 7, 10, 100].into_iter().map(quorum).collect();
        assert_eq!(got, [1, 2, 3, 3, 4, 5, 7, 67]);
    }

    #[test]
    fn a_polynomial_should_refuse_a_wrong_total_mode_count_or_tail() {
        let (poly, shares) = deal(4).unwrap();
        let sharing = Sharing::decode(&poly, 4).unwrap();
        assert_eq!(sharing.required(), 3);
        for (i, share) in shares.iter().enumerate() {
            sharing.check_share(share, i as u32).unwrap();
        }
        assert!(sharing.check_share(&shares[1], 2).unwrap_err().contains("index 1"));
        assert!(Sharing::decode(&poly, 5).unwrap_err().contains("made for 4 members"));
        let mut bad = poly.clone();
        bad[0] = 1;
        assert!(Sharing::decode(&bad, 4).unwrap_err().contains("mode 1"));
        let mut bad = poly.clone();
        bad.push(0);
        assert!(Sharing::decode(&bad, 4).unwrap_err().contains("1 bytes after"));
        assert!(
            Sharing::decode(&poly[..poly.len() - 1], 4)
                .unwrap_err()
                .contains("ends early")
        );
        let mut bad = poly.clone();
        bad[5] = 9;
        assert!(Sharing::decode(&bad, 4).unwrap_err().contains("9 coefficients"));
        let mut bad = poly.clone();
        bad[6..6 + G2_BYTES].fill(0);
        bad[6] = 0xc0; // the compressed point at infinity
        assert!(Sharing::decode(&bad, 4).unwrap_err().contains("infinity"));
    }
}
