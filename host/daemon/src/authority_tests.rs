//! The socket's header rewriting, fed the way a client writes: in pieces of any size.

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use super::*;

const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = payload.len();
    let mut out = vec![(len >> 16) as u8, (len >> 8) as u8, len as u8, kind, flags];
    out.extend_from_slice(&stream.to_be_bytes());
    out.extend_from_slice(payload);
    out
}

struct Frame {
    kind: u8,
    flags: u8,
    stream: u32,
    payload: Vec<u8>,
}

fn frames(mut bytes: &[u8]) -> Vec<Frame> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let len = usize::from(bytes[0]) << 16 | usize::from(bytes[1]) << 8 | usize::from(bytes[2]);
        out.push(Frame {
            kind: bytes[3],
            flags: bytes[4],
            stream: u32::from_be_bytes(bytes[5..9].try_into().unwrap()),
            payload: bytes[9..9 + len].to_vec(),
        });
        bytes = &bytes[9 + len..];
    }
    out
}

/// Sends `input` through the layer in pieces of `piece` bytes and returns what h2 would read.
async fn through(input: &[u8], piece: usize) -> std::io::Result<Vec<u8>> {
    let (mut client, server) = tokio::io::duplex(1 << 16);
    let input = input.to_vec();
    let writer = tokio::spawn(async move {
        for chunk in input.chunks(piece) {
            if client.write_all(chunk).await.is_err() {
                return;
            }
        }
        let _ = client.shutdown().await;
    });
    let mut layer = AnyAuthority::new(server);
    let mut out = Vec::new();
    let read = layer.read_to_end(&mut out).await;
    writer.abort();
    read.map(|_| out)
}

type Headers = Vec<(Vec<u8>, Vec<u8>)>;

fn request(authority: &str, path: &str) -> Headers {
    [
        (":method", "POST"),
        (":scheme", "http"),
        (":path", path),
        (":authority", authority),
        ("content-type", "application/grpc"),
        ("te", "trailers"),
    ]
    .iter()
    .map(|(n, v)| (n.as_bytes().to_vec(), v.as_bytes().to_vec()))
    .collect()
}

fn encode(encoder: &mut loona_hpack::Encoder<'_>, headers: &Headers) -> Vec<u8> {
    encoder.encode(headers.iter().map(|(n, v)| (n.as_slice(), v.as_slice())))
}

#[tokio::test]
async fn a_path_authority_should_become_localhost_and_everything_else_pass_unchanged() {
    // What a client writes: its preface and SETTINGS, then three requests. The first with a
    // padded, prioritised HEADERS; the second indexed against the first (the encoder's dynamic
    // table), split over CONTINUATIONs, and a header too big for one frame; the third with a
    // proper authority. DATA between them.
    let mut encoder = loona_hpack::Encoder::new();
    let first = request("tmp%2Fh%2Fdevnetd.sock", "/devnet.v1.DaemonService/Status");
    let mut second = request("tmp%2Fh%2Fdevnetd.sock", "/grpc.health.v1.Health/Check");
    second.push((b"x-big".to_vec(), vec![b'b'; 20_000]));
    let third = request("localhost:50051", "/devnet.v1.DaemonService/Status");

    let mut input = PREFACE.to_vec();
    let settings = frame(0x4, 0, 0, &[0, 3, 0, 0, 0, 100]);
    input.extend_from_slice(&settings);
    let block = encode(&mut encoder, &first);
    let mut padded = vec![3u8, 0x80, 0, 0, 0, 15]; // pad length, then priority: E + dependency, weight
    padded.extend_from_slice(&block);
    padded.extend_from_slice(&[0, 0, 0]);
    input.extend_from_slice(&frame(HEADERS, PADDED | PRIORITY | END_HEADERS, 1, &padded));
    let data = frame(0x0, END_STREAM, 1, b"\0\0\0\0\0");
    input.extend_from_slice(&data);
    let block = encode(&mut encoder, &second);
    let (a, rest) = block.split_at(10);
    let (b, c) = rest.split_at(15_000);
    input.extend_from_slice(&frame(HEADERS, END_STREAM, 3, a));
    input.extend_from_slice(&frame(CONTINUATION, 0, 3, b));
    input.extend_from_slice(&frame(CONTINUATION, END_HEADERS, 3, c));
    let block = encode(&mut encoder, &third);
    input.extend_from_slice(&frame(HEADERS, END_HEADERS | END_STREAM, 5, &block));

    for piece in [1, 7, 9, 4096, input.len()] {
        let out = through(&input, piece).await.unwrap();
        assert_eq!(&out[..PREFACE.len()], PREFACE, "piece {piece}");
        let got = frames(&out[PREFACE.len()..]);
        assert_eq!(
            frame(got[0].kind, got[0].flags, got[0].stream, &got[0].payload),
            settings
        );

        let mut decoder = loona_hpack::Decoder::new();
        let mut expected_first = first.clone();
        expected_first[3].1 = b"localhost".to_vec();
        assert_eq!((got[1].kind, got[1].flags, got[1].stream), (HEADERS, END_HEADERS, 1));
        assert_eq!(
            decoder.decode(&got[1].payload).unwrap(),
            expected_first,
            "piece {piece}"
        );
        assert_eq!(frame(got[2].kind, got[2].flags, got[2].stream, &got[2].payload), data);

        // The second block, 20 kB: HEADERS (END_STREAM kept) then a CONTINUATION with END_HEADERS.
        assert_eq!((got[3].kind, got[3].flags, got[3].stream), (HEADERS, END_STREAM, 3));
        assert_eq!(
            (got[4].kind, got[4].flags, got[4].stream),
            (CONTINUATION, END_HEADERS, 3)
        );
        assert!(got[3].payload.len() <= MAX_FRAME);
        let mut block = got[3].payload.clone();
        block.extend_from_slice(&got[4].payload);
        let mut expected_second = second.clone();
        expected_second[3].1 = b"localhost".to_vec();
        assert_eq!(decoder.decode(&block).unwrap(), expected_second, "piece {piece}");

        assert_eq!(
            (got[5].kind, got[5].flags, got[5].stream),
            (HEADERS, END_HEADERS | END_STREAM, 5)
        );
        assert_eq!(
            decoder.decode(&got[5].payload).unwrap(),
            third,
            "a proper authority is kept"
        );
        assert_eq!(got.len(), 6);
    }
}

#[tokio::test]
async fn a_broken_header_block_should_end_the_connection() {
    let mut input = PREFACE.to_vec();
    // An indexed field naming dynamic table entry 70, which does not exist.
    input.extend_from_slice(&frame(HEADERS, END_HEADERS, 1, &[0x80 | 70]));
    let err = through(&input, 5).await.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
    assert!(err.to_string().contains("does not decode"), "{err}");

    let mut input = PREFACE.to_vec();
    input.extend_from_slice(&frame(HEADERS, 0, 1, &[0x82]));
    input.extend_from_slice(&frame(0x0, 0, 1, b"data"));
    let err = through(&input, 64).await.unwrap_err();
    assert!(err.to_string().contains("between a header block's"), "{err}");

    let mut input = PREFACE.to_vec();
    input.extend_from_slice(&frame(HEADERS, PADDED | END_HEADERS, 1, &[9, 0x82]));
    let err = through(&input, 64).await.unwrap_err();
    assert!(err.to_string().contains("padding longer"), "{err}");
}

#[tokio::test]
async fn a_block_that_expands_or_never_ends_should_end_the_connection_for_good() {
    // One 4 kB header into the client's table, then a small block naming it again and again:
    // 200 bytes that decode to 800 kB.
    let mut encoder = loona_hpack::Encoder::new();
    let big = vec![(b"x-big".to_vec(), vec![b'b'; 4000])];
    let mut input = PREFACE.to_vec();
    input.extend_from_slice(&frame(HEADERS, END_HEADERS, 1, &encode(&mut encoder, &big)));
    input.extend_from_slice(&frame(HEADERS, END_HEADERS, 3, &[0x80 | 62; 200]));
    let err = through(&input, 4096).await.unwrap_err();
    assert!(err.to_string().contains("header list over 64 KiB"), "{err}");

    // A HEADERS without END_HEADERS and then empty CONTINUATIONs, one after another.
    let mut input = PREFACE.to_vec();
    input.extend_from_slice(&frame(HEADERS, 0, 1, &[0x82]));
    for _ in 0..65 {
        input.extend_from_slice(&frame(CONTINUATION, 0, 1, &[]));
    }
    let err = through(&input, 4096).await.unwrap_err();
    assert!(err.to_string().contains("over 64 CONTINUATION frames"), "{err}");

    // Refused once, refused on every read after.
    let (mut client, server) = tokio::io::duplex(1 << 16);
    let mut bad = PREFACE.to_vec();
    bad.extend_from_slice(&frame(HEADERS, END_HEADERS, 1, &[0x80 | 70]));
    client.write_all(&bad).await.unwrap();
    let mut layer = AnyAuthority::new(server);
    let mut buf = vec![0u8; 1024];
    let mut refusals = 0;
    for _ in 0..4 {
        let read = tokio::time::timeout(std::time::Duration::from_millis(200), layer.read(&mut buf)).await;
        if matches!(read, Ok(Err(_))) {
            refusals += 1;
        }
    }
    assert_eq!(refusals, 4, "every read after the refusal refuses");
}
