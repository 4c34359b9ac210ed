//! Free TCP ports on loopback.

use std::net::TcpListener;

/// `n` distinct ports that were free on 127.0.0.1 a moment ago. They are held until all are
/// chosen, so the same port is never handed out twice in one call.
pub fn free_ports(n: usize) -> Vec<u16> {
    let listeners: Vec<TcpListener> = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0").expect("binding an ephemeral port on loopback"))
        .collect();
    listeners
        .iter()
        .map(|l| l.local_addr().expect("listener address").port())
        .collect()
}

/// Whether something listens on 127.0.0.1:`port` right now.
pub fn is_listening(port: u16) -> bool {
    std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
}
