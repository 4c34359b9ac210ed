//! Random requests for every method of the devnet API (issue 18 item 2), made from the API's own
//! descriptor (`devnet_api::FILE_DESCRIPTOR_SET`), so a method added later is fuzzed too. Field
//! values are random and hostile: paths that leave a home, very long and odd strings, numbers at
//! their limits, repeated and map fields of a few entries. Every call must end in an answer or a
//! refusal that says what is wrong (a client-side code with a message), never in `INTERNAL`,
//! `UNKNOWN` or a dropped connection.

use std::time::Duration;

use prost_reflect::{DescriptorPool, DynamicMessage, FieldDescriptor, Kind, MapKey, MessageDescriptor, Value};
use tonic::Code;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::codegen::http::uri::PathAndQuery;
use tonic::transport::Channel;

/// A seeded xorshift64*: the same seed, the same requests.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    fn one_in(&mut self, n: u64) -> bool {
        self.below(n) == 0
    }
}

/// Strings that have broken daemons before: paths out of a home, URLs of this machine, names of
/// real things, control characters, very long ones.
const HOSTILE: &[&str] = &[
    "",
    " ",
    "..",
    "../../../../etc/passwd",
    "/etc/passwd",
    "/",
    "hub",
    "hub/validator-0",
    "validator-0",
    "a/b/c",
    "\0",
    "\u{202e}evil",
    "💥🚀",
    "-1",
    "0x",
    "%2F%2E%2E",
    "file:///etc/passwd",
    "http://127.0.0.1:1/x.wasm",
    "https://127.0.0.1:1/x.wasm",
    "oci://127.0.0.1:1/x:1",
    "${secret:validator-0:hex}",
    "1000000000000000000000000000000stake",
    "NaN",
];

fn string(rng: &mut Rng) -> String {
    match rng.below(4) {
        0 | 1 => HOSTILE[rng.below(HOSTILE.len() as u64) as usize].to_string(),
        2 => "a".repeat(rng.below(70_000) as usize),
        _ => {
            let len = rng.below(40) as usize;
            (0..len)
                .map(|_| {
                    let c = rng.below(0x3000) as u32;
                    char::from_u32(c).unwrap_or('?')
                })
                .collect()
        }
    }
}

fn int(rng: &mut Rng) -> u64 {
    match rng.below(5) {
        0 => 0,
        1 => u64::MAX,
        2 => rng.below(10),
        3 => 1 << rng.below(64),
        _ => rng.next_u64(),
    }
}

fn scalar(rng: &mut Rng, kind: &Kind, depth: u32) -> Value {
    match kind {
        Kind::Double => Value::F64(f64::from_bits(rng.next_u64())),
        Kind::Float => Value::F32(f32::from_bits(rng.next_u64() as u32)),
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => Value::I32(int(rng) as i32),
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => Value::I64(int(rng) as i64),
        Kind::Uint32 | Kind::Fixed32 => Value::U32(int(rng) as u32),
        Kind::Uint64 | Kind::Fixed64 => Value::U64(int(rng)),
        Kind::Bool => Value::Bool(rng.one_in(2)),
        Kind::String => Value::String(string(rng)),
        Kind::Bytes => {
            let len = if rng.one_in(8) { 1 << 20 } else { rng.below(64) as usize };
            Value::Bytes((0..len).map(|_| rng.next_u64() as u8).collect::<Vec<u8>>().into())
        }
        Kind::Enum(e) => {
            let values: Vec<i32> = e.values().map(|v| v.number()).collect();
            if values.is_empty() || rng.one_in(4) {
                Value::EnumNumber(int(rng) as i32)
            } else {
                Value::EnumNumber(values[rng.below(values.len() as u64) as usize])
            }
        }
        Kind::Message(m) => Value::Message(message(rng, m, depth + 1)),
    }
}

fn map_key(rng: &mut Rng, kind: &Kind) -> MapKey {
    match scalar(rng, kind, 99) {
        Value::Bool(b) => MapKey::Bool(b),
        Value::I32(v) => MapKey::I32(v),
        Value::I64(v) => MapKey::I64(v),
        Value::U32(v) => MapKey::U32(v),
        Value::U64(v) => MapKey::U64(v),
        Value::String(s) => MapKey::String(s),
        _ => MapKey::String(string(rng)),
    }
}

fn field(rng: &mut Rng, f: &FieldDescriptor, depth: u32) -> Value {
    if f.is_map() {
        let Kind::Message(entry) = f.kind() else {
            return Value::Map(Default::default());
        };
        let (key, value) = (entry.map_entry_key_field(), entry.map_entry_value_field());
        let n = rng.below(3);
        return Value::Map(
            (0..n)
                .map(|_| (map_key(rng, &key.kind()), scalar(rng, &value.kind(), depth)))
                .collect(),
        );
    }
    if f.is_list() {
        let n = rng.below(4);
        return Value::List((0..n).map(|_| scalar(rng, &f.kind(), depth)).collect());
    }
    scalar(rng, &f.kind(), depth)
}

/// A message of type `desc` with about half its fields set to random values (none below a
/// depth of 4).
pub fn message(rng: &mut Rng, desc: &MessageDescriptor, depth: u32) -> DynamicMessage {
    let mut m = DynamicMessage::new(desc.clone());
    if depth > 4 {
        return m;
    }
    for f in desc.fields() {
        if rng.one_in(2) {
            let v = field(rng, &f, depth);
            m.set_field(&f, v);
        }
    }
    m
}

/// One method of the API: its path and request type.
#[derive(Clone)]
pub struct Method {
    pub path: String,
    pub input: MessageDescriptor,
    pub server_streaming: bool,
}

/// Every method of the `devnet.v1` services.
pub fn methods() -> anyhow::Result<Vec<Method>> {
    let pool = DescriptorPool::decode(devnet_api::FILE_DESCRIPTOR_SET)?;
    Ok(pool
        .services()
        .filter(|s| s.full_name().starts_with("devnet.v1."))
        .flat_map(|s| {
            s.methods()
                .map(|m| Method {
                    path: format!("/{}/{}", s.full_name(), m.name()),
                    input: m.input(),
                    server_streaming: m.is_server_streaming(),
                })
                .collect::<Vec<_>>()
        })
        .collect())
}

/// Bytes in, bytes out: the request is encoded by hand, the answer only counted.
#[derive(Clone, Copy, Default)]
pub struct Raw;

impl Codec for Raw {
    type Encode = Vec<u8>;
    type Decode = Vec<u8>;
    type Encoder = Raw;
    type Decoder = Raw;

    fn encoder(&mut self) -> Raw {
        Raw
    }

    fn decoder(&mut self) -> Raw {
        Raw
    }
}

impl Encoder for Raw {
    type Item = Vec<u8>;
    type Error = tonic::Status;

    fn encode(&mut self, item: Vec<u8>, dst: &mut EncodeBuf<'_>) -> Result<(), tonic::Status> {
        use bytes::BufMut as _;
        dst.put_slice(&item);
        Ok(())
    }
}

impl Decoder for Raw {
    type Item = Vec<u8>;
    type Error = tonic::Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Vec<u8>>, tonic::Status> {
        use bytes::Buf as _;
        let n = src.remaining();
        Ok(Some(src.copy_to_bytes(n).to_vec()))
    }
}

/// What one call came to.
#[derive(Debug)]
pub enum Outcome {
    Answered,
    /// Refused with a code that names the caller's mistake, and a message.
    Refused(Code),
    /// Something the daemon must not say: INTERNAL, UNKNOWN, no message, or no answer.
    Bad(String),
}

/// Codes that tell the caller what is wrong with its request.
fn a_clear_refusal(code: Code) -> bool {
    matches!(
        code,
        Code::InvalidArgument
            | Code::NotFound
            | Code::AlreadyExists
            | Code::FailedPrecondition
            | Code::PermissionDenied
            | Code::OutOfRange
            | Code::ResourceExhausted
            | Code::Unimplemented
            | Code::Aborted
    )
}

/// Calls `method` with the encoded `request` on `channel`; a stream is read for its first item.
pub async fn call(channel: &Channel, method: &Method, request: Vec<u8>) -> Outcome {
    let mut grpc = tonic::client::Grpc::new(channel.clone()).max_decoding_message_size(64 << 20);
    if let Err(e) = grpc.ready().await {
        return Outcome::Bad(format!("the connection is gone: {e}"));
    }
    let Ok(path) = method.path.parse::<PathAndQuery>() else {
        return Outcome::Bad(format!("bad path {}", method.path));
    };
    let answer = if method.server_streaming {
        match tokio::time::timeout(
            Duration::from_secs(10),
            grpc.server_streaming(tonic::Request::new(request), path, Raw),
        )
        .await
        {
            Err(_) => return Outcome::Bad("no answer in 10 s".into()),
            Ok(Err(s)) => Err(s),
            Ok(Ok(stream)) => {
                let mut stream = stream.into_inner();
                // A stream that opens may stay open (it follows changes): its first item, or
                // a short wait, is an answer.
                match tokio::time::timeout(Duration::from_millis(300), stream.message()).await {
                    Ok(Err(s)) => Err(s),
                    _ => Ok(()),
                }
            }
        }
    } else {
        match tokio::time::timeout(
            Duration::from_secs(30),
            grpc.unary(tonic::Request::new(request), path, Raw),
        )
        .await
        {
            Err(_) => return Outcome::Bad("no answer in 30 s".into()),
            Ok(r) => r.map(|_| ()),
        }
    };
    match answer {
        Ok(()) => Outcome::Answered,
        Err(s) if a_clear_refusal(s.code()) && !s.message().trim().is_empty() => Outcome::Refused(s.code()),
        Err(s) => Outcome::Bad(format!("{:?}: {}", s.code(), s.message())),
    }
}

/// What a fuzzing run came to.
#[derive(Debug, Default)]
pub struct Report {
    pub calls: usize,
    pub answered: usize,
    /// Refusals by code.
    pub refused: std::collections::BTreeMap<String, usize>,
    /// Each call that ended badly: the method, the case, what came back.
    pub bad: Vec<String>,
}

/// `cases` random requests to every method, from `seed`.
pub async fn fuzz(channel: &Channel, seed: u64, cases: usize) -> anyhow::Result<Report> {
    use prost14::Message as _;
    let mut rng = Rng::new(seed);
    let mut report = Report::default();
    for method in methods()? {
        for case in 0..cases {
            let request = message(&mut rng, &method.input, 0).encode_to_vec();
            report.calls += 1;
            match call(channel, &method, request).await {
                Outcome::Answered => report.answered += 1,
                Outcome::Refused(code) => *report.refused.entry(format!("{code:?}")).or_default() += 1,
                Outcome::Bad(why) => report.bad.push(format!("{} case {case}: {why}", method.path)),
            }
        }
    }
    Ok(report)
}
