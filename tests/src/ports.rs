//! Free TCP ports on loopback, for the chain processes the tests start themselves.
//!
//! A port is chosen some time before the node binds it (a `geth init` or a genesis runs in
//! between), so it must not be one the kernel may hand out meanwhile: ports come from a range
//! below the kernel's ephemeral range (where outgoing connections, such as one node dialling
//! another, take their source port) and below devnetd's default `port_range` (20000-32000), and
//! none is handed out twice by one test process (tests run alongside each other in one binary).

use std::collections::BTreeSet;
use std::net::TcpListener;
use std::sync::Mutex;

/// Where test ports come from: under Linux's default ephemeral range (32768-60999) and under
/// devnetd's default `port_range` (20000-32000).
const TEST_PORTS: std::ops::Range<u16> = 10_000..20_000;

/// Every port this process has handed out.
static HANDED_OUT: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());

/// `n` distinct ports, free on 127.0.0.1 a moment ago, never handed out before by this process.
pub fn free_ports(n: usize) -> Vec<u16> {
    pick(n, false)
}

/// The first port of a run of `n` consecutive ports, free on 127.0.0.1 a moment ago and never
/// handed out before by this process, for tools that number their ports from a start port.
pub fn free_port_run(n: u16) -> u16 {
    pick(n as usize, true)[0]
}

fn pick(n: usize, consecutive: bool) -> Vec<u16> {
    if n == 0 {
        return Vec::new();
    }
    let ephemeral = ephemeral_range();
    let usable = |port: u16| !ephemeral.contains(&port);
    let mut handed_out = HANDED_OUT.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let span = TEST_PORTS.end - TEST_PORTS.start;
    // Test binaries of other runs may be choosing at the same time: start each process elsewhere.
    let offset = (std::process::id() as u64 * 7919 % span as u64) as u16;
    let mut held: Vec<TcpListener> = Vec::new();
    let mut chosen: Vec<u16> = Vec::new();
    for step in 0..span {
        let port = TEST_PORTS.start + (offset + step) % span;
        let free = usable(port) && !handed_out.contains(&port);
        let listener = free.then(|| TcpListener::bind(("127.0.0.1", port)).ok()).flatten();
        match listener {
            Some(l) if !consecutive || chosen.last().is_none_or(|last| *last + 1 == port) => {
                held.push(l);
                chosen.push(port);
            }
            // A run broken by a busy port, or by the wrap-around, starts again here.
            Some(l) => {
                held = vec![l];
                chosen = vec![port];
            }
            None if consecutive => {
                held.clear();
                chosen.clear();
            }
            None => {}
        }
        if chosen.len() == n {
            handed_out.extend(&chosen);
            return chosen;
        }
    }
    panic!(
        "no {n} free loopback ports left in {TEST_PORTS:?} outside the ephemeral range {ephemeral:?}{}",
        if consecutive { " in a row" } else { "" }
    );
}

/// The kernel's ephemeral port range, or Linux's default when it cannot be read.
fn ephemeral_range() -> std::ops::RangeInclusive<u16> {
    let text = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").unwrap_or_default();
    let mut bounds = text.split_whitespace().filter_map(|s| s.parse::<u16>().ok());
    match (bounds.next(), bounds.next()) {
        (Some(lo), Some(hi)) => lo..=hi,
        _ => 32_768..=60_999,
    }
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

    #[test]
    fn ports_should_never_be_handed_out_twice_nor_from_the_ephemeral_range() {
        let ephemeral = ephemeral_range();
        let mut seen = BTreeSet::new();
        for _ in 0..20 {
            for port in free_ports(5) {
                assert!(TEST_PORTS.contains(&port) && !ephemeral.contains(&port), "{port}");
                assert!(seen.insert(port), "port {port} handed out twice");
            }
        }
    }

    #[test]
    fn a_run_should_be_consecutive_and_skip_a_busy_port() {
        let first = free_port_run(4);
        // Each port of the run binds, unless another process on the machine took it since the
        // pick (it then listens there: not this picker's fault, and it once happened in CI). A
        // port the picker has just let go of is now and then refused for a moment (AddrInUse,
        // with no socket on it in the kernel's tables a moment later: about one run in four
        // here), so each gets a few tries.
        for p in first..first + 4 {
            let bound = (0..50).any(|_| {
                TcpListener::bind(("127.0.0.1", p)).is_ok() || {
                    std::thread::sleep(std::time::Duration::from_millis(10));
                    false
                }
            });
            assert!(
                bound || is_listening(p),
                "port {p} of the run is neither free nor another's"
            );
        }
        // A port held busy right after the run: the next run must not include it.
        let busy = TcpListener::bind(("127.0.0.1", first + 4));
        let next = free_port_run(3);
        assert!(
            next >= first + 4 || next + 3 <= first,
            "{next} overlaps the first run at {first}"
        );
        if busy.is_ok() {
            assert_ne!(next, first + 4, "the run began on a busy port");
        }
    }
}
