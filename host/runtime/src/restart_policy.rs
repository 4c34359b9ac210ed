//! What to do when a node exits without being asked to.

use std::path::Path;
use std::time::Duration;

use crate::Exit;

/// Restart with exponential backoff, up to `limit` restarts in a row; a node that has run for
/// `healthy_after` since its last start counts as recovered and starts the count over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestartPolicy {
    pub limit: u32,
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
    pub healthy_after: Duration,
}

impl Default for RestartPolicy {
    fn default() -> Self {
        Self {
            limit: 5,
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
            healthy_after: Duration::from_secs(60),
        }
    }
}

/// The decision for one unexpected exit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Restart {
    /// Start it again after this long; `attempt` counts from 1.
    After { delay: Duration, attempt: u32 },
    /// Give up: the node is Failed, for this reason.
    GiveUp { reason: String },
}

impl RestartPolicy {
    /// Decides for a node that exited with `exit` after running `ran`, having been restarted
    /// `restarts` times in a row before; `log_tail` is the end of its log, for the reason.
    pub fn decide(&self, exit: Exit, ran: Duration, restarts: u32, log_tail: &str) -> Restart {
        let in_a_row = if ran >= self.healthy_after { 0 } else { restarts };
        if in_a_row >= self.limit {
            let how = match exit {
                Exit::Code(code) => format!("exit code {code}"),
                Exit::Signal(signal) => format!("signal {signal}"),
                Exit::Unknown => "an unknown status".to_string(),
            };
            let last = telling_line(log_tail);
            return Restart::GiveUp {
                reason: format!(
                    "exited {} times in a row, the last with {how}, each within {:?} of starting; its log says: {}",
                    in_a_row + 1,
                    self.healthy_after,
                    last.trim()
                ),
            };
        }
        let factor = 2u32.saturating_pow(in_a_row);
        let delay = self.initial_backoff.saturating_mul(factor).min(self.max_backoff);
        Restart::After {
            delay,
            attempt: in_a_row + 1,
        }
    }
}

/// The line of a log tail that best says why a process died: the last one that reads like an
/// error (`panic:`, `fatal`, `error`, `failed`) and is not an indented stack frame; else the last
/// non-empty line. A Go panic's last line is a stack frame; its first is the reason.
fn telling_line(log_tail: &str) -> &str {
    let lines = || log_tail.lines().rev().filter(|l| !l.trim().is_empty());
    let telling = lines().find(|l| {
        let lower = l.to_ascii_lowercase();
        !l.starts_with([' ', '\t']) && ["panic:", "fatal", "error", "failed"].iter().any(|w| lower.contains(w))
    });
    telling
        .or_else(|| lines().next())
        .map(str::trim)
        .unwrap_or("(empty log)")
}

/// The last `max_bytes` of a log (at a line boundary), for error messages.
pub fn log_tail(log: &Path, max_bytes: u64) -> String {
    use std::io::{Read as _, Seek as _, SeekFrom};
    let Ok(mut file) = std::fs::File::open(log) else {
        return String::new();
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let start = len.saturating_sub(max_bytes);
    if file.seek(SeekFrom::Start(start)).is_err() {
        return String::new();
    }
    let mut bytes = Vec::new();
    let _ = file.read_to_end(&mut bytes);
    let text = String::from_utf8_lossy(&bytes).into_owned();
    match (start > 0, text.split_once('\n')) {
        (true, Some((_, rest))) => rest.to_string(),
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RestartPolicy {
        RestartPolicy {
            limit: 3,
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(3),
            healthy_after: Duration::from_secs(30),
        }
    }

    #[test]
    fn quick_exits_should_back_off_then_give_up_with_the_last_log_line() {
        let p = policy();
        let quick = Duration::from_secs(2);
        let delays: Vec<Restart> = (0..3).map(|n| p.decide(Exit::Code(1), quick, n, "")).collect();
        assert_eq!(
            delays,
            [
                Restart::After {
                    delay: Duration::from_secs(1),
                    attempt: 1
                },
                Restart::After {
                    delay: Duration::from_secs(2),
                    attempt: 2
                },
                Restart::After {
                    delay: Duration::from_secs(3),
                    attempt: 3
                },
            ]
        );
        let Restart::GiveUp { reason } = p.decide(Exit::Code(1), quick, 3, "starting\npanic: bad genesis\n\n") else {
            panic!("should give up")
        };
        assert!(reason.contains("4 times") && reason.contains("exit code 1"), "{reason}");
        assert!(reason.ends_with("its log says: panic: bad genesis"), "{reason}");
    }

    #[test]
    fn the_reason_should_be_a_go_panics_message_not_its_last_stack_frame() {
        let tail = "INF starting\npanic: open /d/genesis.json: no such file or directory\n\n\
                    goroutine 1 [running]:\nmain.main()\n\t/root/go/pkg/mod/simd/main.go:15 +0x33\n";
        assert_eq!(
            telling_line(tail),
            "panic: open /d/genesis.json: no such file or directory"
        );
        assert_eq!(telling_line("one\ntwo\n"), "two");
        assert_eq!(telling_line(""), "(empty log)");
    }

    #[test]
    fn a_node_that_ran_long_enough_should_start_the_count_over() {
        let p = policy();
        assert_eq!(
            p.decide(Exit::Signal(9), Duration::from_secs(45), 3, ""),
            Restart::After {
                delay: Duration::from_secs(1),
                attempt: 1
            }
        );
    }

    #[test]
    fn a_log_tail_should_start_at_a_line_boundary() {
        let dir = tempfile::tempdir().expect("dir");
        let log = dir.path().join("node.log");
        std::fs::write(&log, "first line\nsecond line\nthird\n").expect("write");
        assert_eq!(log_tail(&log, 14), "third\n");
        assert_eq!(log_tail(&log, 1000), "first line\nsecond line\nthird\n");
        assert_eq!(log_tail(&dir.path().join("missing"), 10), "");
    }
}
