#!/usr/bin/env python3
"""Writes the hand-made seed inputs of the fuzz targets into test/fuzz/corpus/<target>/.

Each seed is a realistic case in the byte layout its target reads (see the target's source),
so that fuzzing starts from the shapes AWS really sends. Re-run after changing a layout;
files are named after their content's purpose, so reruns are stable. Crash reproducers found
later are added to the same folders by hand (named crash-<what>), never by this script.
"""
import json
import os
import struct
import sys

here = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    d = os.path.join(here, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def short(s):
    b = s.encode() if isinstance(s, str) else s
    assert len(b) < 256
    return bytes([len(b)]) + b


# ---- fuzz_wire_decode: one byte selecting the type (index below), then the JSON body.
record = {"CustomerIdentifier": "cust-1", "Dimension": "tokens_1m", "Quantity": 12,
          "Timestamp": 1767225600,
          "UsageAllocations": [{"AllocatedUsageQuantity": 12, "Tags": [{"Key": "team", "Value": "a"}]}]}
record_acct = {"CustomerAWSAccountId": "123456789012", "LicenseArn": "arn:aws:license-manager::123456789012:license:l-1",
               "Dimension": "d", "Quantity": 0, "Timestamp": 1767225600.5}
wire = {
    0: ("batch_input", {"ProductCode": "prod-1", "UsageRecords": [record, record_acct]}),
    1: ("batch_output", {"Results": [{"UsageRecord": record, "MeteringRecordId": "mr-1", "Status": "Success"},
                                     {"UsageRecord": record_acct, "Status": "DuplicateRecord"}],
                         "UnprocessedRecords": [record]}),
    2: ("meter_input", {"ProductCode": "p", "Timestamp": 1767225600, "UsageDimension": "d", "UsageQuantity": 3,
                        "DryRun": True, "ClientToken": "tok", "UsageAllocations": [{"AllocatedUsageQuantity": 3}]}),
    3: ("meter_output", {"MeteringRecordId": "mr-2"}),
    4: ("resolve_input", {"RegistrationToken": "reg-token"}),
    5: ("resolve_output", {"CustomerIdentifier": "c", "ProductCode": "p", "CustomerAWSAccountId": "123456789012",
                           "LicenseArn": "arn:aws:license-manager::123456789012:license:l-1"}),
    6: ("entitlements_input", {"ProductCode": "p", "Filter": {"CUSTOMER_IDENTIFIER": ["c"], "DIMENSION": ["d"]},
                               "NextToken": "n", "MaxResults": 25}),
    7: ("entitlements_output", {"Entitlements": [
        {"ProductCode": "p", "Dimension": "d", "CustomerIdentifier": "c", "Value": {"IntegerValue": 5},
         "ExpirationDate": 1767225600},
        {"ProductCode": "p", "Dimension": "e", "CustomerAWSAccountId": "123456789012", "Value": {"DoubleValue": 1.5}},
        {"ProductCode": "p", "Dimension": "f", "Value": {"BooleanValue": True}},
        {"ProductCode": "p", "Dimension": "g", "Value": {"StringValue": "gold"}}], "NextToken": "next"}),
}
for index, (name, body) in wire.items():
    write("fuzz_wire_decode", name, bytes([index]) + json.dumps(body).encode())
write("fuzz_wire_decode", "empty_object", bytes([1]) + b"{}")
write("fuzz_wire_decode", "not_json", bytes([5]) + b"<html>")

# ---- fuzz_aws_error: u16 (bit 15 set: raw status), header type, request id, body.
def err(status, type_header, request_id, body):
    return struct.pack(">H", 0x8000 | status) + short(type_header) + short(request_id) + body

write("fuzz_aws_error", "throttling", err(400, "", "rid-1", b'{"__type":"com.amazonaws.marketplace#ThrottlingException","message":"Rate exceeded"}'))
write("fuzz_aws_error", "header_type", err(400, "InvalidTokenException:http://internal.amazon.com/", "rid-2", b'{"message":"bad"}'))
write("fuzz_aws_error", "html_503", err(503, "", "", b"<html><body>Service Unavailable</body></html>"))
write("fuzz_aws_error", "code_member", err(403, "", "rid-3", b'{"code":"AccessDeniedException","Message":"no"}'))
write("fuzz_aws_error", "empty", err(500, "", "", b""))

# ---- fuzz_sigv4: session flag [+token], scope flag [+region, service], option bits, u32
# seconds, method byte, target, header count, (name, value)*, body.
def sig(method, target, headers, body, token=None, scope=None, bits=0, seconds=1440938160):
    out = bytes([1]) + short(token) if token is not None else bytes([0])
    out += bytes([1]) + short(scope[0]) + short(scope[1]) if scope else bytes([0])
    out += bytes([bits]) + struct.pack(">I", seconds) + bytes([method]) + short(target)
    out += bytes([len(headers)]) + b"".join(short(n) + short(v) for n, v in headers) + body
    return out

amz = [("Host", "metering.marketplace.us-east-1.amazonaws.com"), ("Content-Type", "application/x-amz-json-1.1"),
       ("X-Amz-Target", "AWSMPMeteringService.BatchMeterUsage")]
write("fuzz_sigv4", "batch_meter_usage", sig(0, "/", amz, b'{"ProductCode":"p","UsageRecords":[]}'))
write("fuzz_sigv4", "session_token", sig(0, "/", amz, b"{}", token="FwoGZXIvYXdzEXAMPLE"))
write("fuzz_sigv4", "get_query", sig(1, "/a/./b/../c//d?b=2&a=1&a=0&%41=x y", [("Host", "example.amazonaws.com"), ("My-Header1", "  a   b  ")], b""))
write("fuzz_sigv4", "utf8_path", sig(1, "/\xe1\x88\xb4".encode("latin-1").decode("latin-1"), [("Host", "example.amazonaws.com")], b"", bits=1))
write("fuzz_sigv4", "scope", sig(2, "/", [("host", "h"), ("x-amz-meta", "v")], b"body", scope=("eu-west-1", "s3"), bits=4))

# ---- fuzz_emulator: mode 0 (handle): op index, i16 minutes from 2026-01-01T00:00Z, repeats, body.
#                     mode 1 (verify_sigv4): region flag, method flag, target, headers, body.
def handle(op, minutes, repeats, body):
    return bytes([0, op]) + struct.pack(">h", minutes) + bytes([repeats - 1]) + json.dumps(body).encode()

now = 1767225600
batch = {"ProductCode": "prod-1", "UsageRecords": [
    {"CustomerIdentifier": "cust-a", "Dimension": "tokens_1m", "Quantity": 7, "Timestamp": now - 60},
    {"CustomerIdentifier": "cust-b", "Dimension": "tokens_1m", "Quantity": 1, "Timestamp": now - 60},
    {"CustomerAWSAccountId": "123456789012", "LicenseArn": "arn:aws:license-manager::123456789012:license:l-1",
     "Dimension": "seats", "Quantity": 2, "Timestamp": now - 7 * 3600}]}
write("fuzz_emulator", "batch_twice", handle(0, 0, 2, batch))
write("fuzz_emulator", "batch_allocations", handle(0, 1, 1, {"ProductCode": "prod-1", "UsageRecords": [
    {"CustomerIdentifier": "cust-a", "Dimension": "seats", "Quantity": 3, "Timestamp": now,
     "UsageAllocations": [{"AllocatedUsageQuantity": 1, "Tags": [{"Key": "k", "Value": "v"}]},
                          {"AllocatedUsageQuantity": 2}]}]}))
write("fuzz_emulator", "meter_usage", handle(1, 0, 2, {"ProductCode": "prod-any", "Timestamp": now, "UsageDimension": "x",
                                                        "UsageQuantity": 4, "ClientToken": "t-1"}))
write("fuzz_emulator", "resolve", handle(2, 0, 1, {"RegistrationToken": "reg-a"}))
write("fuzz_emulator", "resolve_expired", handle(2, 0, 1, {"RegistrationToken": "reg-b"}))
write("fuzz_emulator", "entitlements_page", handle(3, 0, 1, {"ProductCode": "prod-1", "MaxResults": 1,
                                                              "Filter": {"CUSTOMER_IDENTIFIER": ["cust-a"]}}))
write("fuzz_emulator", "unknown", handle(4, 0, 1, {}))

def verify(region, method, target, headers, body):
    out = bytes([1, region, method]) + short(target) + bytes([len(headers)])
    return out + b"".join(short(n) + short(v) for n, v in headers) + body

signed = [("Host", "127.0.0.1:8443"), ("X-Amz-Date", "20260101T000000Z"),
          ("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/aws-marketplace/aws4_request, "
                            "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64)]
write("fuzz_emulator", "verify_bad_signature", verify(1, 0, "/", signed, b"{}"))
write("fuzz_emulator", "verify_no_auth", verify(0, 1, "/?a=b", [("Host", "h")], b""))

# ---- fuzz_journal: mode 0 raw file, mode 1 one frame's payload, mode 2 structured damage.
def usage_entry(ident, inp, out):
    return bytes([1]) + short(ident) + struct.pack("<qq", inp, out)

write("fuzz_journal", "raw_magic_only", bytes([0]) + b"AWSMPBJ\x01")
write("fuzz_journal", "payload_usage", bytes([1]) + usage_entry("cust-a", 1000, 250) + usage_entry("cust-b", 0, 7))
write("fuzz_journal", "payload_ack", bytes([1]) + bytes([3]) + struct.pack("<Q", 42))

def damaged(frames, cut=None, flip=None):
    # frames: list of lists of (customer index, input u16, output u16)
    out = bytes([2, len(frames) - 1])
    for entries in frames:
        out += bytes([len(entries) - 1])
        for c, i, o in entries:
            out += bytes([c]) + struct.pack(">HH", i, o)
    out += bytes([1 if cut is not None else 0, 1 if flip is not None else 0])
    if cut is not None:
        out += struct.pack(">H", cut)
    if flip is not None:
        out += struct.pack(">H", flip[0]) + bytes([flip[1]])
    return out

three = [[(0, 100, 5)], [(1, 7, 7), (0, 1, 1)], [(2, 65535, 65535)]]
write("fuzz_journal", "intact", damaged(three))
write("fuzz_journal", "cut_in_last", damaged(three, cut=100))
write("fuzz_journal", "flip_middle", damaged(three, flip=(50, 0x10)))
write("fuzz_journal", "flip_last", damaged(three, flip=(110, 0x01)))
write("fuzz_journal", "flip_header", damaged(three, flip=(3, 0x80)))

# ---- fuzz_http_response: the whole HTTP response the peer sends.
def resp(status, body, headers=()):
    h = "".join(f"{k}: {v}\r\n" for k, v in headers)
    return f"HTTP/1.1 {status} X\r\n{h}".encode() + b"\r\n" + body

ok = b'{"Results":[],"UnprocessedRecords":[]}'
write("fuzz_http_response", "ok", resp(200, ok, [("Content-Type", "application/x-amz-json-1.1"),
                                                ("x-amzn-RequestId", "r-1"), ("Content-Length", len(ok))]))
write("fuzz_http_response", "chunked", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"a\":\r\n3\r\n 1}\r\n0\r\n\r\n")
write("fuzz_http_response", "error_400", resp(400, b'{"__type":"ThrottlingException","message":"slow down"}',
                                             [("x-amzn-ErrorType", "ThrottlingException"), ("Content-Length", 55)]))
write("fuzz_http_response", "short_body", resp(200, b"{}", [("Content-Length", 100)]))
write("fuzz_http_response", "too_large", resp(200, b"x" * 5000, [("Content-Length", 5000)]))
write("fuzz_http_response", "until_eof", b"HTTP/1.0 200 OK\r\nConnection: close\r\n\r\n{\"MeteringRecordId\":\"m\"}")
write("fuzz_http_response", "continue_then_ok", b"HTTP/1.1 100 Continue\r\n\r\n" + resp(200, b"{}", [("Content-Length", 2)]))
write("fuzz_http_response", "two_responses", resp(200, b"{}", [("Content-Length", 2)]) * 2)
