"""Starts moto on a free loopback port with SigV4 authentication enforced, for the interop test.

Prints one line on stdout:
  READY <port> <allowed_key_id> <allowed_secret> <denied_key_id> <denied_secret>
or
  MISSING <reason>
then serves until its stdin is closed (the test closes it when done).

Bootstrapping: moto starts with authentication off (its default), the IAM users, policy and
access keys are created through boto3, and then /moto-api/reset-auth sets the number of
unauthenticated requests allowed to 0: from then on moto recomputes every request's SigV4
signature with the secret it issued and evaluates the caller's IAM policy.
"""
import json
import os
import sys
import urllib.request

# moto one request at a time (tests/support/moto_server.py says why).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))


def main() -> int:
    try:
        import boto3
        from moto_server import start_serialized
        server, port = start_serialized()
    except Exception as e:  # pragma: no cover - environment dependent
        print(f"MISSING moto/boto3 not importable: {e}", flush=True)
        return 0

    url = f"http://127.0.0.1:{port}"
    iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1",
                       aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
    iam.create_user(UserName="metering")
    iam.put_user_policy(
        UserName="metering", PolicyName="meter",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "aws-marketplace:BatchMeterUsage", "Resource": "*"}]}))
    allowed = iam.create_access_key(UserName="metering")["AccessKey"]
    iam.create_user(UserName="nobody")
    denied = iam.create_access_key(UserName="nobody")["AccessKey"]

    request = urllib.request.Request(f"{url}/moto-api/reset-auth", data=b"0", method="POST",
                                     headers={"Content-Type": "text/plain"})
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()

    print("READY", port, allowed["AccessKeyId"], allowed["SecretAccessKey"],
          denied["AccessKeyId"], denied["SecretAccessKey"], flush=True)
    try:
        sys.stdin.read()
    finally:
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
