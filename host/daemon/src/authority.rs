//! Any `:authority` on the unix socket. gRPC clients other than ours send what they were told
//! to connect to: grpc-core (Python, Ruby, C++) the socket path percent-encoded
//! (`tmp%2Fh%2Fdevnetd.sock`), grpc-java and older grpc-go the bare path. HTTP/2's own rules
//! want `host[:port]`, and the h2 crate under tonic resets such a call (PROTOCOL_ERROR) before
//! any service sees it, with no option to relax (hyperium/h2#487). On a unix socket the
//! authority names nothing, so this layer reads each request header block the client sends and
//! writes it again for h2 with an authority that is not `host[:port]` replaced by `localhost`.
//!
//! It sits on the read side of the socket only: the HTTP/2 preface and every frame other than
//! HEADERS/CONTINUATION pass through byte for byte (DATA is not buffered); a header block is
//! decoded with the client's HPACK state (loona-hpack) and encoded again as literals without
//! indexing, so h2's decoding table stays empty and in step. A block that does not decode ends
//! the connection, as HPACK's COMPRESSION_ERROR would.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

const PREFACE_LEN: usize = 24;
const FRAME_HEADER_LEN: usize = 9;
const HEADERS: u8 = 0x1;
const CONTINUATION: u8 = 0x9;
const END_STREAM: u8 = 0x1;
const END_HEADERS: u8 = 0x4;
const PADDED: u8 = 0x8;
const PRIORITY: u8 = 0x20;
/// The frame size every HTTP/2 peer must accept (SETTINGS_MAX_FRAME_SIZE's least value).
const MAX_FRAME: usize = 16_384;
/// The most one request's header block may take, encoded or decoded (each header counted as
/// HPACK counts it, name + value + 32): a few indexed bytes can stand for kilobytes each, and
/// the decoded list is what this layer writes out. gRPC requests carry a few hundred bytes.
const MAX_BLOCK: usize = 64 << 10;
/// The most CONTINUATION frames one header block may take (empty ones would otherwise hold a
/// block open for ever).
const MAX_CONTINUATIONS: usize = 64;
/// What an authority that names nothing becomes.
const LOCALHOST: &[u8] = b"localhost";

/// A unix-socket connection whose request headers reach h2 with an acceptable `:authority`.
pub(crate) struct AnyAuthority<S> {
    inner: S,
    state: State,
    /// Bytes read from the client and not yet looked at.
    input: Vec<u8>,
    /// Bytes ready for h2, from `output[sent..]`.
    output: Vec<u8>,
    sent: usize,
    decoder: loona_hpack::Decoder<'static>,
    /// The header block being put together from a HEADERS frame and its CONTINUATIONs.
    block: Vec<u8>,
    continuations: usize,
    eof: bool,
    /// Once the client's stream is refused, every read says so again (the state is spent).
    failed: Option<String>,
}

enum State {
    FrameHeader,
    /// Passing `left` more bytes through: of the client's preface, or of a frame's payload.
    Pass {
        left: usize,
    },
    /// A header block without END_HEADERS yet: CONTINUATION frames of `stream` follow.
    Continuation {
        stream: u32,
        end_stream: bool,
    },
}

impl<S> AnyAuthority<S> {
    pub(crate) fn new(inner: S) -> Self {
        Self {
            inner,
            state: State::Pass { left: PREFACE_LEN },
            input: Vec::new(),
            output: Vec::new(),
            sent: 0,
            decoder: {
                let mut decoder = loona_hpack::Decoder::new();
                // What h2 advertises (SETTINGS_HEADER_TABLE_SIZE, left at HTTP/2's default).
                decoder.set_max_allowed_table_size(4096);
                decoder
            },
            block: Vec::new(),
            continuations: 0,
            eof: false,
            failed: None,
        }
    }

    pub(crate) fn get_ref(&self) -> &S {
        &self.inner
    }

    /// Moves what it can from `input` to `output`.
    fn process(&mut self) -> io::Result<()> {
        let mut at = 0;
        loop {
            let available = &self.input[at..];
            match self.state {
                State::Pass { left } => {
                    let n = left.min(available.len());
                    self.output.extend_from_slice(&available[..n]);
                    at += n;
                    if n == left {
                        self.state = State::FrameHeader;
                    } else {
                        self.state = State::Pass { left: left - n };
                        break;
                    }
                }
                State::FrameHeader | State::Continuation { .. } => {
                    let Some((header, rest)) = available.split_first_chunk::<FRAME_HEADER_LEN>() else {
                        break;
                    };
                    let len = usize::from(header[0]) << 16 | usize::from(header[1]) << 8 | usize::from(header[2]);
                    let (kind, flags) = (header[3], header[4]);
                    let stream = u32::from_be_bytes([header[5], header[6], header[7], header[8]]) & 0x7fff_ffff;
                    let in_block = matches!(self.state, State::Continuation { .. });
                    if !in_block && kind != HEADERS {
                        self.output.extend_from_slice(header);
                        at += FRAME_HEADER_LEN;
                        self.state = State::Pass { left: len };
                        continue;
                    }
                    if in_block && kind != CONTINUATION {
                        return Err(invalid(
                            "a frame came between a header block's HEADERS and CONTINUATION",
                        ));
                    }
                    if self.block.len() + len > MAX_BLOCK {
                        return Err(invalid("a request header block over 64 KiB"));
                    }
                    let Some(payload) = rest.get(..len) else {
                        break;
                    };
                    at += FRAME_HEADER_LEN + len;
                    let end_stream = match self.state {
                        State::Continuation {
                            stream: open,
                            end_stream,
                        } => {
                            if open != stream {
                                return Err(invalid("a CONTINUATION for another stream"));
                            }
                            self.continuations += 1;
                            if self.continuations > MAX_CONTINUATIONS {
                                return Err(invalid("a request header block in over 64 CONTINUATION frames"));
                            }
                            self.block.extend_from_slice(payload);
                            end_stream
                        }
                        _ => {
                            self.block.extend_from_slice(fragment(flags, payload)?);
                            flags & END_STREAM != 0
                        }
                    };
                    if flags & END_HEADERS == 0 {
                        self.state = State::Continuation { stream, end_stream };
                    } else {
                        self.rewrite_block(stream, end_stream)?;
                        self.state = State::FrameHeader;
                    }
                }
            }
        }
        self.input.drain(..at);
        Ok(())
    }

    /// Decodes the assembled block and writes it to `output` as HEADERS (+ CONTINUATION) frames.
    fn rewrite_block(&mut self, stream: u32, end_stream: bool) -> io::Result<()> {
        let block = std::mem::take(&mut self.block);
        self.continuations = 0;
        let mut encoded = Vec::with_capacity(block.len() * 2);
        let mut failed = None;
        let mut size = 0;
        self.decoder
            .decode_with_cb(&block, |name, value| {
                size += name.len() + value.len() + 32;
                if failed.is_some() {
                    return;
                }
                if size > MAX_BLOCK {
                    failed = Some(invalid("a request header list over 64 KiB"));
                    return;
                }
                let value: &[u8] = if name.as_ref() == b":authority" && !acceptable(&value) {
                    LOCALHOST
                } else {
                    &value
                };
                if let Err(e) = literal(&mut encoded, &name, value) {
                    failed = Some(e);
                }
            })
            .map_err(|e| invalid(&format!("a request header block that does not decode: {e:?}")))?;
        if let Some(e) = failed {
            return Err(e);
        }
        let mut chunks = encoded.chunks(MAX_FRAME).peekable();
        let mut kind = HEADERS;
        let first_flags = if end_stream { END_STREAM } else { 0 };
        // An empty block still makes one HEADERS frame.
        let empty: &[u8] = &[];
        let mut next = chunks.next().unwrap_or(empty);
        loop {
            let last = chunks.peek().is_none();
            let mut flags = if kind == HEADERS { first_flags } else { 0 };
            if last {
                flags |= END_HEADERS;
            }
            let len = next.len();
            self.output
                .extend_from_slice(&[(len >> 16) as u8, (len >> 8) as u8, len as u8, kind, flags]);
            self.output.extend_from_slice(&stream.to_be_bytes());
            self.output.extend_from_slice(next);
            match chunks.next() {
                Some(chunk) => {
                    next = chunk;
                    kind = CONTINUATION;
                }
                None => break,
            }
        }
        Ok(())
    }
}

/// A HEADERS frame's header block fragment: its padding and priority fields taken off (h2 gets
/// the block without them; stream priority is deprecated in RFC 9113 and h2 ignores it).
fn fragment(flags: u8, payload: &[u8]) -> io::Result<&[u8]> {
    let mut payload = payload;
    let mut pad = 0;
    if flags & PADDED != 0 {
        let (&n, rest) = payload
            .split_first()
            .ok_or_else(|| invalid("a PADDED HEADERS frame with no pad length"))?;
        pad = usize::from(n);
        payload = rest;
    }
    if flags & PRIORITY != 0 {
        payload = payload
            .get(5..)
            .ok_or_else(|| invalid("a HEADERS frame too short for its priority"))?;
    }
    payload
        .len()
        .checked_sub(pad)
        .map(|end| &payload[..end])
        .ok_or_else(|| invalid("a HEADERS frame's padding longer than the frame"))
}

/// `host[:port]` as HTTP/2 and the `http` crate read it.
fn acceptable(authority: &[u8]) -> bool {
    http::uri::Authority::try_from(authority).is_ok()
}

/// A header as an HPACK literal without indexing, new name, no Huffman (RFC 7541 §6.2.2).
fn literal(out: &mut Vec<u8>, name: &[u8], value: &[u8]) -> io::Result<()> {
    out.push(0x00);
    for s in [name, value] {
        loona_hpack::encoder::encode_integer_into(s.len(), 7, 0, out)?;
        out.extend_from_slice(s);
    }
    Ok(())
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("HTTP/2 from a socket client: {what}"),
    )
}

impl<S: AsyncRead + Unpin> AsyncRead for AnyAuthority<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if let Some(why) = &this.failed {
            return Poll::Ready(Err(io::Error::new(io::ErrorKind::InvalidData, why.clone())));
        }
        loop {
            if this.sent < this.output.len() {
                let n = (this.output.len() - this.sent).min(buf.remaining());
                buf.put_slice(&this.output[this.sent..this.sent + n]);
                this.sent += n;
                if this.sent == this.output.len() {
                    this.output.clear();
                    this.sent = 0;
                }
                return Poll::Ready(Ok(()));
            }
            if this.eof {
                return Poll::Ready(Ok(()));
            }
            let mut chunk = [0u8; 8192];
            let mut read = ReadBuf::new(&mut chunk);
            ready!(Pin::new(&mut this.inner).poll_read(cx, &mut read))?;
            if read.filled().is_empty() {
                this.eof = true;
                continue;
            }
            this.input.extend_from_slice(read.filled());
            if let Err(e) = this.process() {
                this.failed = Some(e.to_string());
                return Poll::Ready(Err(e));
            }
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for AnyAuthority<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

impl tonic::transport::server::Connected for AnyAuthority<tokio::net::UnixStream> {
    type ConnectInfo = <tokio::net::UnixStream as tonic::transport::server::Connected>::ConnectInfo;

    fn connect_info(&self) -> Self::ConnectInfo {
        self.get_ref().connect_info()
    }
}

#[cfg(test)]
#[path = "authority_tests.rs"]
mod tests;
