"""A gRPC client this project did not write (Python's grpcio) against a running devnetd.

Usage: grpcio_check.py <unix socket path>
   or: grpcio_check.py --tls <host:port> <CA certificate (PEM)> <token file>

Prints one line per check and exits 0 when every check passed: health says SERVING, reflection
v1 and v1alpha list the devnet services, and DaemonService and DevnetService calls answer. On the unix socket
the channel keeps grpc-core's default `:authority` for a `unix:` target, the socket path
percent-encoded, and one more call goes with the bare path as its authority (what grpc-java
sends): neither is `host[:port]`, and devnetd must answer both. On the TLS port every
call carries the token (`authorization: Bearer …`), and a call without it must be refused
UNAUTHENTICATED.
"""

import sys

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2 as v1alpha_pb2
from grpc_reflection.v1alpha import reflection_pb2_grpc as v1alpha_grpc

failed = False


def check(name, ok, detail):
    global failed
    print(f"{'ok' if ok else 'FAILED'} {name}: {detail}")
    failed = failed or not ok


if sys.argv[1] == "--tls":
    target, ca_file, token_file = sys.argv[2:5]
    with open(ca_file, "rb") as f:
        tls = grpc.ssl_channel_credentials(root_certificates=f.read())
    with open(token_file) as f:
        token = f.read().strip()
    channel = grpc.secure_channel(
        target, grpc.composite_channel_credentials(tls, grpc.access_token_call_credentials(token))
    )
    # The same port without the token: refused before any service sees the call.
    bare = grpc.secure_channel(target, tls)
    try:
        health_pb2_grpc.HealthStub(bare).Check(health_pb2.HealthCheckRequest(service=""), timeout=10)
        check("no token refused", False, "answered")
    except grpc.RpcError as e:
        check("no token refused", e.code() == grpc.StatusCode.UNAUTHENTICATED, f"{e.code()} {e.details()}")
else:
    sock = sys.argv[1]
    channel = grpc.insecure_channel(f"unix:{sock}")
    bare_path = grpc.insecure_channel(f"unix:{sock}", options=[("grpc.default_authority", sock)])
    health = health_pb2_grpc.HealthStub(bare_path).Check(health_pb2.HealthCheckRequest(service=""), timeout=10)
    check("health, the socket path as authority", health.status == health_pb2.HealthCheckResponse.SERVING, health.status)


health = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=""), timeout=10)
check("health", health.status == health_pb2.HealthCheckResponse.SERVING, health.status)

listing = v1alpha_pb2.ServerReflectionRequest(list_services="")
answer = list(v1alpha_grpc.ServerReflectionStub(channel).ServerReflectionInfo(iter([listing]), timeout=10))
services = sorted(s.name for s in answer[0].list_services_response.service)
check("reflection v1alpha", "devnet.v1.DevnetService" in services, services)

# v1, asked the raw way (grpcio-reflection ships v1alpha stubs only): the same request message
# on the v1 method, answered by the same message shape.
ask_v1 = channel.stream_stream(
    "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
    request_serializer=v1alpha_pb2.ServerReflectionRequest.SerializeToString,
    response_deserializer=v1alpha_pb2.ServerReflectionResponse.FromString,
)
answer = list(ask_v1(iter([listing]), timeout=10))
services = sorted(s.name for s in answer[0].list_services_response.service)
check("reflection v1", "devnet.v1.DaemonService" in services, services)

# DaemonService.Status with an empty request; its reply holds the daemon's socket path as a
# string (field 4): found in the raw bytes.
status = channel.unary_unary(
    "/devnet.v1.DaemonService/Status",
    request_serializer=lambda _: b"",
    response_deserializer=lambda raw: raw,
)(None, timeout=10)
check("DaemonService.Status", b"devnetd.sock" in status and len(status) > 20, f"{len(status)} bytes")

# DevnetService: List with an empty request answers (an empty list on a fresh home: no bytes);
# Get of a devnet that does not exist answers NOT_FOUND naming it.
raw = lambda _: b""
listed = channel.unary_unary("/devnet.v1.DevnetService/List", request_serializer=raw, response_deserializer=lambda b: b)(
    None, timeout=10
)
check("DevnetService.List", isinstance(listed, bytes), f"{len(listed)} bytes")
get = channel.unary_unary(
    "/devnet.v1.DevnetService/Get",
    # GetDevnetRequest { name = 1: "nosuch" }
    request_serializer=lambda _: b"\x0a\x06nosuch",
    response_deserializer=lambda b: b,
)
try:
    get(None, timeout=10)
    check("DevnetService.Get of a missing devnet", False, "answered with a devnet")
except grpc.RpcError as e:
    check("DevnetService.Get of a missing devnet", e.code() == grpc.StatusCode.NOT_FOUND and "nosuch" in e.details(), f"{e.code()} {e.details()}")

sys.exit(1 if failed else 0)
