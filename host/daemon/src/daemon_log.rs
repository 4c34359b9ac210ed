//! devnetd's own log file (`<home>/devnetd.log`), written beside stderr: the file first (it is
//! what `dvb daemon logs` reads), then stderr, whose errors are ignored (a closed or broken pipe
//! must not stop the daemon, nor its logging). The file is rotated by the writer itself, by
//! rename and reopen, so no line is lost to a rotation.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

struct Open {
    file: File,
    size: u64,
}

/// The log file, rotated past `max` bytes with `keep` old files (`devnetd.log.1` …).
pub struct DaemonLog {
    path: PathBuf,
    max: u64,
    keep: u32,
    open: Mutex<Open>,
}

fn numbered(path: &Path, n: u32) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(format!(".{n}"));
    PathBuf::from(name)
}

fn open_append(path: &Path) -> io::Result<Open> {
    let file = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
    let size = file.metadata()?.len();
    Ok(Open { file, size })
}

impl DaemonLog {
    pub fn open(path: &Path, max: u64, keep: u32) -> io::Result<Self> {
        Ok(Self {
            path: path.to_path_buf(),
            max,
            keep,
            open: Mutex::new(open_append(path)?),
        })
    }

    /// Writes one formatted line (or a few) to the file, rotating first when it is full.
    fn append(&self, buf: &[u8]) -> io::Result<()> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if open.size + buf.len() as u64 > self.max && open.size > 0 && self.keep > 0 {
            let _ = std::fs::remove_file(numbered(&self.path, self.keep));
            for n in (1..self.keep).rev() {
                let from = numbered(&self.path, n);
                if from.exists() {
                    let _ = std::fs::rename(&from, numbered(&self.path, n + 1));
                }
            }
            std::fs::rename(&self.path, numbered(&self.path, 1))?;
            *open = open_append(&self.path)?;
        }
        open.file.write_all(buf)?;
        open.size += buf.len() as u64;
        Ok(())
    }
}

/// One log line on its way: to the file, then to stderr.
pub struct LineWriter<'a> {
    log: &'a DaemonLog,
}

impl Write for LineWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // A full disk loses the line, not the daemon.
        let _ = self.log.append(buf);
        let _ = io::stderr().write_all(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for DaemonLog {
    type Writer = LineWriter<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        LineWriter { log: self }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use tracing_subscriber::fmt::MakeWriter as _;

    use super::*;

    #[test]
    fn the_log_should_rotate_by_rename_and_keep_every_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("devnetd.log");
        let log = DaemonLog::open(&path, 100, 2).unwrap();
        for i in 0..30 {
            log.make_writer()
                .write_all(format!("line {i:02}\n").as_bytes())
                .unwrap();
        }
        let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
        let (now, one, two) = (read(&path), read(&numbered(&path, 1)), read(&numbered(&path, 2)));
        assert!(now.len() <= 100 && one.len() <= 100, "{now:?} {one:?}");
        assert!(!numbered(&path, 3).exists(), "keeps 2 old files");
        // The newest files hold the last lines in order, none missing.
        let all = format!("{two}{one}{now}");
        let last: Vec<&str> = all.lines().collect();
        let n = last.len();
        assert!(n >= 20, "{all}");
        for (k, line) in last.iter().enumerate() {
            assert_eq!(*line, format!("line {:02}", 30 - n + k));
        }
    }
}
