#!/usr/bin/env python3
"""Differential SigV4 test, botocore side.

Runs the C++ generator (which signs N random requests with awsmp), signs the same requests
with botocore's SigV4Auth, and compares the Authorization headers byte for byte. Exits 1 on
the first mismatch, printing both canonical requests; exits 77 (SKIPPED) if botocore is
missing.

Usage: compare_botocore.py <generator> [count] [seed]
"""
import datetime
import json
import subprocess
import sys
from unittest import mock

try:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
except ImportError as e:  # pragma: no cover - CI has botocore
    print(f"SKIPPED: botocore is not importable ({e})")
    sys.exit(77)


class CapturingSigV4Auth(SigV4Auth):
    """botocore's signer, keeping the canonical request it signed for error reports."""

    last_canonical_request = None

    def canonical_request(self, request):
        cr = super().canonical_request(request)
        self.last_canonical_request = cr
        return cr


def botocore_sign(rec):
    host = next(v for n, v in rec["headers"] if n.lower() == "host")
    # The path goes in raw, as on the request line; the query goes in as the decoded pairs the
    # generator started from, so botocore's own encoding is what awsmp's decode+re-encode of
    # the target's query string is checked against.
    request = AWSRequest(method=rec["method"], url=f"https://{host}{rec['path']}",
                         params=[(k, v) for k, v in rec["query"]],
                         data=bytes.fromhex(rec["body_hex"]))
    for name, value in rec["headers"]:
        request.headers[name] = value  # HTTPHeaders appends: repeated headers are kept in order
    creds = Credentials(rec["access_key_id"], rec["secret_access_key"], rec["session_token"] or None)
    auth = CapturingSigV4Auth(creds, rec["service"], rec["region"])
    when = datetime.datetime.fromtimestamp(rec["epoch_seconds"], tz=datetime.timezone.utc)
    with mock.patch("botocore.auth.get_current_datetime", return_value=when):
        auth.add_auth(request)
    return request, auth.last_canonical_request


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    generator = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    seed = sys.argv[3] if len(sys.argv) > 3 else "20260115"
    out = subprocess.run([generator, str(count), seed], check=True, capture_output=True).stdout
    records = [json.loads(line) for line in out.decode("utf-8").splitlines() if line]
    if len(records) != count:
        print(f"FAIL: generator wrote {len(records)} records, expected {count}")
        return 1
    features = {"session_token": 0, "query": 0, "repeated_header": 0, "dot_segment": 0, "non_ascii_path": 0,
                "empty_query_value": 0, "body": 0}
    for rec in records:
        request, botocore_creq = botocore_sign(rec)
        theirs = request.headers["Authorization"]
        mismatches = []
        if theirs != rec["authorization"]:
            mismatches.append(f"Authorization\n  awsmp:    {rec['authorization']}\n  botocore: {theirs}")
        if request.headers["X-Amz-Date"] != rec["amz_date"]:
            mismatches.append(f"X-Amz-Date awsmp {rec['amz_date']} botocore {request.headers['X-Amz-Date']}")
        if (request.headers.get("X-Amz-Security-Token") or "") != rec["signed_token"]:
            mismatches.append("X-Amz-Security-Token differs")
        if mismatches:
            print(f"FAIL: request {rec['index']} (seed {seed}): {rec['method']} {rec['target']!r}")
            print("headers:", json.dumps(rec["headers"]))
            print("\n".join(mismatches))
            print("---- awsmp canonical request ----")
            print(rec["canonical_request"])
            print("---- botocore canonical request ----")
            print(botocore_creq)
            return 1
        features["session_token"] += bool(rec["session_token"])
        features["query"] += bool(rec["query"])
        names = [n.lower() for n, _ in rec["headers"]]
        features["repeated_header"] += len(names) != len(set(names))
        features["dot_segment"] += any(s in (".", "..", "") for s in rec["path"].split("/")[1:-1])
        features["non_ascii_path"] += any(ord(c) > 127 for c in rec["path"])
        features["empty_query_value"] += any(v == "" for _, v in rec["query"])
        features["body"] += bool(rec["body_hex"])
    print(f"OK: {len(records)} requests signed identically by awsmp and botocore; coverage: {features}")
    # The generator must actually exercise every feature, or the comparison proves little.
    missing = [k for k, v in features.items() if v == 0]
    if missing:
        print(f"FAIL: no generated request covered {missing}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
