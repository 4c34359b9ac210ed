//! A devnet's own bridge network (`--set docker.network=bridge`): one per devnet, labelled like
//! its containers, with a subnet the engine chose from its address pool and then fixed, so each
//! node has the same IPv4 address on every start (its peers' files name it).

use std::collections::HashMap;
use std::net::Ipv4Addr;

use bollard::models::{Ipam, IpamConfig, NetworkCreateRequest};
use bollard::query_parameters::ListNetworksOptionsBuilder;

use super::{ASK_LIMIT, DockerRuntime, LABEL_DEVNET, LABEL_HOME, is_gone};
use crate::RuntimeError;
use crate::docker_image::short_digest;

/// A devnet's network: its name and its IPv4 subnet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevnetNetwork {
    pub name: String,
    /// The subnet's first address (the network's own) and prefix length.
    pub base: Ipv4Addr,
    pub prefix: u8,
}

impl DevnetNetwork {
    /// The address of the devnet's node at `index`: the subnet's third address on (the first
    /// is the network's, the second its gateway's). None past the subnet's end.
    pub fn node_address(&self, index: u32) -> Option<Ipv4Addr> {
        let size = 1u64 << (32 - u32::from(self.prefix.min(32)));
        let offset = u64::from(index) + 2;
        // The last address is the broadcast address.
        if offset >= size.saturating_sub(1) {
            return None;
        }
        u32::from(self.base)
            .checked_add(u32::try_from(offset).ok()?)
            .map(Ipv4Addr::from)
    }
}

/// `a.b.c.d/n` as its first address and prefix.
fn parse_subnet(text: &str) -> Option<(Ipv4Addr, u8)> {
    let (addr, prefix) = text.split_once('/')?;
    let addr: Ipv4Addr = addr.parse().ok()?;
    let prefix: u8 = prefix.parse().ok().filter(|p| *p <= 30)?;
    let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
    Some((Ipv4Addr::from(u32::from(addr) & mask), prefix))
}

impl DockerRuntime {
    /// The name of `devnet`'s network: readable, and unique per daemon home.
    pub fn network_name(&self, devnet: &str) -> String {
        format!("dvb-{devnet}-{}", short_digest(&format!("{}#{devnet}#net", self.home)))
    }

    /// `devnet`'s network, made if it is not there. Made in two steps: the engine picks a
    /// free subnet from its pool, then the network is made again with that subnet fixed (the
    /// engine gives fixed addresses only on a subnet the user named). A network of that name
    /// with no fixed subnet (a crash between the steps) is made again the same way.
    pub async fn ensure_network(&self, devnet: &str) -> Result<DevnetNetwork, RuntimeError> {
        let name = self.network_name(devnet);
        let fail = |what: &str, e: &dyn std::fmt::Display| self.fail(devnet, what, e);
        match self.docker.inspect_network(&name, None).await {
            Ok(found) => {
                let subnet = found
                    .ipam
                    .and_then(|i| i.config)
                    .and_then(|c| c.into_iter().find_map(|c| c.subnet))
                    .and_then(|s| parse_subnet(&s));
                let ours = found
                    .labels
                    .as_ref()
                    .and_then(|l| l.get(LABEL_HOME))
                    .is_some_and(|h| *h == self.home);
                if !ours {
                    return Err(fail(
                        "making its network",
                        &format!(
                            "a network named {name} exists and is not this daemon's; remove it (docker network rm {name})"
                        ),
                    ));
                }
                if let (Some((base, prefix)), Some(true)) =
                    (subnet, found.labels.as_ref().map(|l| l.contains_key(LABEL_FIXED)))
                {
                    return Ok(DevnetNetwork { name, base, prefix });
                }
                self.remove_network(&name)
                    .await
                    .map_err(|e| fail("removing a half-made network", &e))?;
            }
            Err(e) if is_gone(&e) => {}
            Err(e) => return Err(self.classified(fail("looking for its network", &e)).await),
        }
        // Step one: the engine's choice of subnet.
        self.docker
            .create_network(self.network_request(&name, devnet, None))
            .await
            .map_err(|e| fail("making its network", &e))?;
        let chosen = self
            .docker
            .inspect_network(&name, None)
            .await
            .map_err(|e| fail("reading its network", &e))?
            .ipam
            .and_then(|i| i.config)
            .and_then(|c| c.into_iter().find_map(|c| c.subnet));
        self.remove_network(&name)
            .await
            .map_err(|e| fail("making its network", &e))?;
        let Some((base, prefix)) = chosen.as_deref().and_then(parse_subnet) else {
            return Err(fail(
                "making its network",
                &format!(
                    "the engine gave no IPv4 subnet ({chosen:?}); give it an address pool (dockerd --default-address-pool)"
                ),
            ));
        };
        // Step two: the same subnet, fixed.
        let subnet = format!("{base}/{prefix}");
        self.docker
            .create_network(self.network_request(&name, devnet, Some(&subnet)))
            .await
            .map_err(|e| fail("making its network", &e))?;
        Ok(DevnetNetwork { name, base, prefix })
    }

    fn network_request(&self, name: &str, devnet: &str, subnet: Option<&str>) -> NetworkCreateRequest {
        let mut labels = HashMap::from([
            (LABEL_HOME.to_string(), self.home.clone()),
            (LABEL_DEVNET.to_string(), devnet.to_string()),
        ]);
        if subnet.is_some() {
            labels.insert(LABEL_FIXED.to_string(), "true".to_string());
        }
        NetworkCreateRequest {
            name: name.to_string(),
            driver: Some("bridge".into()),
            ipam: subnet.map(|s| Ipam {
                config: Some(vec![IpamConfig {
                    subnet: Some(s.to_string()),
                    ..IpamConfig::default()
                }]),
                ..Ipam::default()
            }),
            labels: Some(labels),
            ..NetworkCreateRequest::default()
        }
    }

    async fn remove_network(&self, name: &str) -> Result<(), bollard::errors::Error> {
        match self.docker.remove_network(name).await {
            Err(e) if !is_gone(&e) => Err(e),
            _ => Ok(()),
        }
    }

    /// Removes every network of this daemon labelled with `devnet` (after its containers).
    pub(super) async fn remove_networks_of(&self, devnet: &str) -> Result<(), RuntimeError> {
        let filters = HashMap::from([(
            "label".to_string(),
            vec![
                format!("{LABEL_HOME}={}", self.home),
                format!("{LABEL_DEVNET}={devnet}"),
            ],
        )]);
        let options = ListNetworksOptionsBuilder::new().filters(&filters).build();
        let found = tokio::time::timeout(ASK_LIMIT, self.docker.list_networks(Some(options)))
            .await
            .map_err(|_| bollard::errors::Error::RequestTimeoutError)
            .and_then(|r| r)
            .map_err(|e| self.fail(devnet, "listing its networks", e))?;
        for network in found {
            if let Some(id) = network.id {
                self.remove_network(&id)
                    .await
                    .map_err(|e| self.fail(devnet, "removing its network", e))?;
            }
        }
        Ok(())
    }
}

/// Set on a network whose subnet is fixed (step two of [`DockerRuntime::ensure_network`]).
const LABEL_FIXED: &str = "dev.devnet-builder.subnet-fixed";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_addresses_should_start_past_the_gateway_and_end_before_broadcast() {
        let (base, prefix) = parse_subnet("172.30.4.0/24").unwrap_or((Ipv4Addr::UNSPECIFIED, 0));
        let net = DevnetNetwork {
            name: "n".into(),
            base,
            prefix,
        };
        assert_eq!(net.node_address(0), Some(Ipv4Addr::new(172, 30, 4, 2)));
        assert_eq!(net.node_address(252), Some(Ipv4Addr::new(172, 30, 4, 254)));
        assert_eq!(net.node_address(253), None);
        assert_eq!(parse_subnet("10.1.2.3/16"), Some((Ipv4Addr::new(10, 1, 0, 0), 16)));
        assert_eq!(parse_subnet("fd00::/64"), None);
        assert_eq!(parse_subnet("10.0.0.0/31"), None);
    }
}
