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

/// Whether another process listens on TCP `port` right now (any address).
///
/// Read from the kernel's socket tables rather than by connecting, and blind to this process's
/// own sockets: a connect from an ephemeral port to a free port can connect to itself (TCP
/// simultaneous open), and a test running alongside in this binary may be holding the port for
/// a moment while it picks free ports. Either made a stopped node look alive now and then.
pub fn is_listening(port: u16) -> bool {
    // A listener of this process can open and close while the tables are read (a test alongside
    // picking free ports). Reading own sockets, the tables, own sockets again and the tables
    // again leaves no window: a listener of ours that is in both table reads was open at the
    // second read of our own sockets, or already at the first.
    let own_before = own_socket_inodes();
    let first = listeners(port);
    let own_after = own_socket_inodes();
    let second = listeners(port);
    first
        .iter()
        .any(|inode| second.contains(inode) && !own_before.contains(inode) && !own_after.contains(inode))
}

/// The inodes of every socket listening on TCP `port`, over IPv4 and IPv6.
fn listeners(port: u16) -> Vec<u64> {
    ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|table| std::fs::read_to_string(table).ok())
        .flat_map(|text| listeners_in(&text, port))
        .collect()
}

/// The socket inodes of sockets in state LISTEN (0A) on `port` in a `/proc/net/tcp`-format table.
fn listeners_in(table: &str, port: u16) -> Vec<u64> {
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let local_port = fields
                .get(1)?
                .rsplit(':')
                .next()
                .and_then(|hex| u16::from_str_radix(hex, 16).ok());
            (fields.get(3) == Some(&"0A") && local_port == Some(port)).then(|| fields.get(9)?.parse().ok())?
        })
        .collect()
}

/// The inodes of the sockets this process has open.
fn own_socket_inodes() -> Vec<u64> {
    let Ok(fds) = std::fs::read_dir("/proc/self/fd") else {
        return Vec::new();
    };
    fds.filter_map(|fd| {
        let target = std::fs::read_link(fd.ok()?.path()).ok()?;
        let target = target.to_str()?;
        target.strip_prefix("socket:[")?.strip_suffix(']')?.parse().ok()
    })
    .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn another_process_listener_should_be_seen_and_a_closed_one_not() {
        let port = free_ports(1)[0];
        let mut child = std::process::Command::new("python3")
            .args(["-c", &format!("import socket,time;s=socket.socket();s.bind(('127.0.0.1',{port}));s.listen();print(1,flush=True);time.sleep(30)")])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3 runs");
        let mut ready = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.stdout.take().expect("stdout")),
            &mut ready,
        )
        .expect("child reports it listens");
        assert!(is_listening(port));
        child.kill().expect("kill");
        child.wait().expect("wait");
        assert!(!is_listening(port));
    }

    #[test]
    fn this_process_own_listeners_should_not_count() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("address").port();
        assert!(!is_listening(port));
    }

    #[test]
    fn only_listen_state_rows_should_count() {
        let table = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
            0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 4242 1\n\
            1: 0100007F:1F91 0100007F:1F90 01 00000000:00000000 00:00000000 00000000 0 0 4343 1\n";
        assert_eq!(listeners_in(table, 0x1F90), vec![4242]);
        assert!(listeners_in(table, 0x1F91).is_empty());
    }
}
