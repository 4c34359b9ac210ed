//! Following a node's log as `tail -f` does: where its last lines start, and what came after an
//! offset, across a rotation (the file copied and truncated in place).

use std::io::{Read as _, Seek as _, SeekFrom};
use std::path::Path;

/// Where the last `lines` lines of `path` start (its end for 0).
pub fn tail_start(path: &Path, lines: u32) -> std::io::Result<u64> {
    let text = std::fs::read(path)?;
    if lines == 0 {
        return Ok(text.len() as u64);
    }
    let body = text.strip_suffix(b"\n").unwrap_or(&text);
    let mut seen = 0;
    for (i, b) in body.iter().enumerate().rev() {
        if *b == b'\n' {
            seen += 1;
            if seen == lines {
                return Ok(i as u64 + 1);
            }
        }
    }
    Ok(0)
}

/// What `path` holds after `offset`, and the offset after it. A file shorter than `offset` was
/// rotated (copied and truncated): read it from the start.
pub fn read_from(path: &Path, offset: u64) -> std::io::Result<(Vec<u8>, u64)> {
    let mut f = std::fs::File::open(path)?;
    let len = f.metadata()?.len();
    let start = if len < offset { 0 } else { offset };
    f.seek(SeekFrom::Start(start))?;
    let mut buf = Vec::new();
    f.take(1 << 20).read_to_end(&mut buf)?;
    let next = start + buf.len() as u64;
    Ok((buf, next))
}
