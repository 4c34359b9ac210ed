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

/// The first port of a run of `n` consecutive ports that were all free on 127.0.0.1 a moment
/// ago, for tools that number their ports from a start port.
pub fn free_port_run(n: u16) -> u16 {
    // Start from an ephemeral port the kernel handed out, and walk up past busy ones.
    let mut base = free_ports(1)[0].clamp(20_000, 60_000 - n);
    'search: loop {
        for i in 0..n {
            if TcpListener::bind(("127.0.0.1", base + i)).is_err() {
                base = base + i + 1;
                assert!(base + n < 65_000, "no run of {n} free ports on loopback");
                continue 'search;
            }
        }
        return base;
    }
}
