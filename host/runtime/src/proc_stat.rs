//! What /proc says about a process.

/// The fields of `/proc/<pid>/stat` this crate reads.
pub(crate) struct Stat {
    pub state: char,
    pub pgrp: i32,
    /// Clock ticks after boot at which the process started.
    pub start_ticks: u64,
}

/// A process as the runtime records it: the pid, and when it started, which a reused pid never
/// matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessId {
    pub pid: u32,
    pub start_ticks: u64,
}

pub(crate) fn stat(pid: u32) -> Option<Stat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command may contain spaces and parentheses; the fields start after the last ')'.
    let (_, rest) = text.rsplit_once(')')?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the command: state(3) ppid(4) pgrp(5) ... starttime(22), numbered from 1 in proc(5).
    Some(Stat {
        state: fields.first()?.chars().next()?,
        pgrp: fields.get(2)?.parse().ok()?,
        start_ticks: fields.get(19)?.parse().ok()?,
    })
}

impl ProcessId {
    /// The id of the live process `pid`, if it exists and is not a zombie.
    pub fn of(pid: u32) -> Option<Self> {
        let s = stat(pid)?;
        (s.state != 'Z').then_some(Self {
            pid,
            start_ticks: s.start_ticks,
        })
    }

    /// The id of `pid` even if it already exited and waits to be reaped (a zombie): a child this
    /// process started is in /proc until it is reaped, however quickly it ended.
    pub(crate) fn of_child(pid: u32) -> Option<Self> {
        stat(pid).map(|s| Self {
            pid,
            start_ticks: s.start_ticks,
        })
    }

    /// Whether this very process (not another with the same pid) is alive.
    pub fn is_alive(&self) -> bool {
        Self::of(self.pid).is_some_and(|now| now.start_ticks == self.start_ticks)
    }
}

/// Pids of live (not zombie) processes in process group `pgid`.
pub fn group_members(pgid: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| stat(*pid).is_some_and(|s| s.state != 'Z' && i64::from(s.pgrp) == i64::from(pgid)))
        .collect()
}

/// Live process-group leaders whose environment holds `var=value`: the nodes a daemon started
/// with that marker, found even when it died before recording their pids.
pub fn marked_leaders(var: &str, value: &str) -> Vec<ProcessId> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let needle = format!("{var}={value}");
    entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| stat(*pid).is_some_and(|s| s.state != 'Z' && i64::from(s.pgrp) == i64::from(*pid)))
        .filter(|pid| {
            // Another user's process is unreadable, and never ours.
            std::fs::read(format!("/proc/{pid}/environ"))
                .is_ok_and(|env| env.split(|b| *b == 0).any(|kv| kv == needle.as_bytes()))
        })
        .filter_map(ProcessId::of)
        .collect()
}
