//! Rotating a log that a running node keeps appending to.

use std::path::{Path, PathBuf};

fn numbered(log: &Path, n: u32) -> PathBuf {
    let mut name = log.as_os_str().to_os_string();
    name.push(format!(".{n}"));
    PathBuf::from(name)
}

/// When `log` is larger than `max_bytes`: shifts `log.1` … `log.<keep-1>` up by one (dropping the
/// oldest), copies `log` to `log.1` and truncates `log`. The node holds `log` open for append, so
/// it goes on writing at the new end; lines written between the copy and the truncation are lost,
/// the usual price of rotating without the writer's help. Returns whether it rotated.
pub fn rotate_log(log: &Path, max_bytes: u64, keep: u32) -> std::io::Result<bool> {
    let size = match std::fs::metadata(log) {
        Ok(m) => m.len(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
    };
    if size <= max_bytes || keep == 0 {
        return Ok(false);
    }
    let _ = std::fs::remove_file(numbered(log, keep));
    for n in (1..keep).rev() {
        let from = numbered(log, n);
        if from.exists() {
            std::fs::rename(&from, numbered(log, n + 1))?;
        }
    }
    std::fs::copy(log, numbered(log, 1))?;
    std::fs::OpenOptions::new().write(true).open(log)?.set_len(0)?;
    Ok(true)
}
