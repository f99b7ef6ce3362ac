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
