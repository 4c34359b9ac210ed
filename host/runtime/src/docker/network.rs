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

/// Set on a network whose subnet is fixed (step two of [`DockerRuntime::ensure_network`]).
const LABEL_FIXED: &str = "dev.devnet-builder.subnet-fixed";

/// How many times a subnet the engine offered may be taken by someone else before the fixed
/// one is made (another daemon on the engine making a network between the two steps).
const TRIES: usize = 3;

/// A devnet's network: its name and its IPv4 subnet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevnetNetwork {
    pub name: String,
    /// The subnet's first address (the network's own) and prefix length.
    pub base: Ipv4Addr,
    pub prefix: u8,
}

impl DevnetNetwork {
    /// `a.b.c.d/n`.
    pub fn subnet(&self) -> String {
        format!("{}/{}", self.base, self.prefix)
    }

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

/// The first IPv4 subnet of a network's address management (an engine may list IPv6 first).
fn ipv4_subnet(ipam: Option<bollard::models::Ipam>) -> Option<(Ipv4Addr, u8)> {
    ipam?
        .config?
        .into_iter()
        .find_map(|c| c.subnet.as_deref().and_then(parse_subnet))
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
    /// with no fixed subnet (a crash between the steps) is made again the same way. One at a
    /// time in this daemon; a subnet another daemon takes between the steps is given up and
    /// another asked for.
    pub async fn ensure_network(&self, devnet: &str) -> Result<DevnetNetwork, RuntimeError> {
        let _one_at_a_time = self.networks.lock().await;
        let name = self.network_name(devnet);
        let fail = |what: &str, e: &dyn std::fmt::Display| self.fail(devnet, what, e);
        match self.docker.inspect_network(&name, None).await {
            Ok(found) => {
                let labels = found.labels.unwrap_or_default();
                if labels.get(LABEL_HOME) != Some(&self.home) {
                    return Err(fail(
                        "making its network",
                        &format!(
                            "a network named {name} exists and is not this daemon's; remove it (docker network rm {name})"
                        ),
                    ));
                }
                if labels.contains_key(LABEL_FIXED)
                    && let Some((base, prefix)) = ipv4_subnet(found.ipam)
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
        let mut last = String::new();
        for _ in 0..TRIES {
            // Step one: the engine's choice of subnet.
            self.docker
                .create_network(self.network_request(&name, devnet, None))
                .await
                .map_err(|e| fail("making its network", &e))?;
            let chosen = self
                .docker
                .inspect_network(&name, None)
                .await
                .map(|n| ipv4_subnet(n.ipam));
            self.remove_network(&name)
                .await
                .map_err(|e| fail("making its network", &e))?;
            let Some((base, prefix)) = chosen.map_err(|e| fail("reading its network", &e))? else {
                return Err(fail(
                    "making its network",
                    &"the engine gave it no IPv4 subnet; give the engine an IPv4 address pool \
                      (dockerd --default-address-pool base=10.213.0.0/16,size=24)",
                ));
            };
            // Step two: the same subnet, fixed.
            let net = DevnetNetwork {
                name: name.clone(),
                base,
                prefix,
            };
            match self
                .docker
                .create_network(self.network_request(&name, devnet, Some(&net.subnet())))
                .await
            {
                Ok(_) => return Ok(net),
                Err(e) => last = e.to_string(),
            }
        }
        Err(fail(
            "making its network",
            &format!("the subnets the engine offered were taken before they could be fixed ({last})"),
        ))
    }

    /// Makes `name` again with `subnet` when it is gone (removed by `docker network prune`
    /// while the devnet was stopped, say), so its nodes keep their addresses.
    pub(super) async fn restore_network(&self, devnet: &str, name: &str, subnet: &str) -> Result<(), RuntimeError> {
        let _one_at_a_time = self.networks.lock().await;
        match self.docker.inspect_network(name, None).await {
            Ok(_) => Ok(()),
            Err(e) if is_gone(&e) => self
                .docker
                .create_network(self.network_request(name, devnet, Some(subnet)))
                .await
                .map(|_| ())
                .map_err(|e| self.fail(devnet, &format!("making its network {name} ({subnet}) again"), e)),
            Err(e) => Err(self.fail(devnet, "looking for its network", e)),
        }
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
                let name = network.name.unwrap_or_else(|| id.clone());
                if let Err(e) = self.remove_network(&id).await {
                    let what = format!(
                        "removing its network {name} (a container that is not the devnet's may still be on it: \
                         docker network disconnect {name} <container>)"
                    );
                    return Err(self.classified(self.fail(devnet, &what, e)).await);
                }
            }
        }
        Ok(())
    }
}

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
