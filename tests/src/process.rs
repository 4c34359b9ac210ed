//! Chain processes started in their own process group, stopped for sure, and checked for
//! leftovers.

use std::fs;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

use crate::ports::is_listening;

/// A running chain process. Dropping it kills its whole process group.
pub struct GroupProcess {
    pub name: String,
    child: Child,
    pgid: i32,
}

impl GroupProcess {
    /// Starts `cmd` as the leader of a new process group, with its output in `log`.
    pub fn spawn(name: &str, cmd: &mut Command, log: &Path) -> anyhow::Result<Self> {
        use std::os::unix::process::CommandExt;
        let out = fs::File::create(log)?;
        let child = cmd
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()
            .map_err(|e| anyhow::anyhow!("starting {name} ({:?}): {e}", cmd.get_program()))?;
        let pgid = i32::try_from(child.id())?;
        Ok(Self {
            name: name.to_string(),
            child,
            pgid,
        })
    }

    pub fn pgid(&self) -> i32 {
        self.pgid
    }

    /// Fails if the process has already exited, with its status.
    pub fn assert_running(&mut self) -> anyhow::Result<()> {
        if let Some(status) = self.child.try_wait()? {
            anyhow::bail!("{} exited early with {status}", self.name);
        }
        Ok(())
    }

    /// SIGTERM to the group, SIGKILL after `grace`; reaps the leader.
    pub fn stop(&mut self, grace: Duration) -> anyhow::Result<()> {
        let pg = Pid::from_raw(self.pgid);
        let _ = killpg(pg, Signal::SIGTERM);
        let start = Instant::now();
        while start.elapsed() < grace {
            if self.child.try_wait()?.is_some() && group_members(self.pgid).is_empty() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = killpg(pg, Signal::SIGKILL);
        self.child.wait()?;
        Ok(())
    }
}

impl Drop for GroupProcess {
    fn drop(&mut self) {
        let _ = killpg(Pid::from_raw(self.pgid), Signal::SIGKILL);
        let _ = self.child.wait();
    }
}

/// Stops every process in `nodes` and fails if one of their groups left a process, or one of
/// `ports` is still bound.
pub fn stop_all_and_check(nodes: &mut [GroupProcess], ports: &[u16]) -> anyhow::Result<()> {
    let pgids: Vec<i32> = nodes.iter().map(GroupProcess::pgid).collect();
    for n in nodes.iter_mut() {
        n.stop(Duration::from_secs(10))?;
    }
    for pgid in pgids {
        anyhow::ensure!(
            group_members(pgid).is_empty(),
            "processes of group {pgid} survived the stop"
        );
    }
    for port in ports {
        anyhow::ensure!(!is_listening(*port), "port {port} is still bound after the stop");
    }
    Ok(())
}

/// Pids of live (not zombie) processes whose process group is `pgid` (the runtime's reading of
/// /proc, in the signed pids this helper uses).
pub fn group_members(pgid: i32) -> Vec<i32> {
    let Ok(pgid) = u32::try_from(pgid) else {
        return Vec::new();
    };
    devnet_runtime::group_members(pgid)
        .into_iter()
        .filter_map(|pid| i32::try_from(pid).ok())
        .collect()
}
