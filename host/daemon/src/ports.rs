//! Loopback ports for nodes. The store is the reservation book: a port any node of any devnet
//! of this daemon holds is never handed out again, so devnets never clash; a port something
//! else on the machine listens on is skipped too. The search starts at an offset derived from
//! the home, so daemons with different homes rarely even try the same ports.

use std::collections::HashSet;
use std::net::{Ipv4Addr, TcpListener};

use crate::DaemonError;

/// `count` ports from `range` that are neither in `taken` nor bound by anyone, in order.
pub fn pick_ports(range: [u16; 2], count: usize, taken: &HashSet<u16>, seed: u64) -> Result<Vec<u16>, DaemonError> {
    let [lo, hi] = range;
    let span = u64::from(hi - lo) + 1;
    let mut out = Vec::with_capacity(count);
    for i in 0..span {
        if out.len() == count {
            break;
        }
        let port = lo + ((seed.wrapping_add(i)) % span) as u16;
        if taken.contains(&port) || !is_free(port) {
            continue;
        }
        out.push(port);
    }
    if out.len() < count {
        return Err(DaemonError::FailedPrecondition(format!(
            "needed {count} free loopback ports in {lo}-{hi} but found {}; widen `port_range` in devnetd.toml or destroy a devnet",
            out.len()
        )));
    }
    Ok(out)
}

/// Whether nothing listens on `port` on loopback or on every address.
fn is_free(port: u16) -> bool {
    TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok() && TcpListener::bind((Ipv4Addr::UNSPECIFIED, port)).is_ok()
}

/// A stable number from the home's path, to spread daemons over the range.
pub fn seed_of(home: &std::path::Path) -> u64 {
    // FNV-1a: stable across runs and builds, unlike std's RandomState.
    home.as_os_str()
        .as_encoded_bytes()
        .iter()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
        })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn taken_and_bound_ports_should_be_skipped() {
        let held = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let bound = held.local_addr().unwrap().port();
        let range = [bound - 2, bound + 100];
        let taken: HashSet<u16> = [bound - 2].into();
        // The port below the bound one is the first pick, unless something else on the machine
        // (a test beside this one) holds it just then.
        let below_free = TcpListener::bind((Ipv4Addr::LOCALHOST, bound - 1)).is_ok();
        let got = pick_ports(range, 4, &taken, 0).unwrap();
        assert_eq!(got.len(), 4);
        assert!(!got.contains(&bound), "{got:?} has the bound port");
        assert!(!got.contains(&(bound - 2)), "{got:?} has the taken port");
        if below_free {
            assert_eq!(got[0], bound - 1);
        }
    }

    #[test]
    fn too_few_ports_should_say_how_to_fix_it() {
        let e = pick_ports([40000, 40003], 10, &HashSet::new(), 0)
            .unwrap_err()
            .to_string();
        assert!(e.contains("port_range"), "{e}");
    }
}
