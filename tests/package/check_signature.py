#!/usr/bin/env python3
"""Reads the consumer's JSON line on stdin, signs the same request with botocore, and exits 0
only if both Authorization headers are identical (77: botocore missing, test skipped)."""
import datetime
import json
import sys
from unittest import mock

try:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
except ImportError as e:
    print(f"SKIPPED: botocore is not importable ({e})")
    sys.exit(77)

rec = json.loads(sys.stdin.read())
host = next(v for n, v in rec["headers"] if n.lower() == "host")
request = AWSRequest(method=rec["method"], url=f"https://{host}{rec['target']}", data=rec["body"].encode())
for name, value in rec["headers"]:
    request.headers[name] = value
creds = Credentials(rec["access_key_id"], rec["secret_access_key"], rec["session_token"] or None)
when = datetime.datetime.fromtimestamp(rec["epoch_seconds"], tz=datetime.timezone.utc)
with mock.patch("botocore.auth.get_current_datetime", return_value=when):
    SigV4Auth(creds, rec["service"], rec["region"]).add_auth(request)
theirs = request.headers["Authorization"]
print(f"awsmp:    {rec['authorization']}")
print(f"botocore: {theirs}")
if theirs != rec["authorization"]:
    print("FAIL: the installed awsmp signs differently from botocore")
    sys.exit(1)
print("OK: identical")
