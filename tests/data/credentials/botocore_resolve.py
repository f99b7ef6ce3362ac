"""Prints what botocore resolves from the current environment and shared files.

Line 1: the access key id, "NONE" when no provider has credentials, or "ERROR:<exception>".
Line 2: the region, "NONE" when unset, or "ERROR:<exception>".
Used by integration_credentials to check that awsmp resolves the same identity as the SDK.
"""
import sys

try:
    import botocore.session
except ImportError as e:  # the test prints SKIPPED with this reason
    print("SKIP:" + str(e))
    sys.exit(0)

session = botocore.session.Session()
try:
    creds = session.get_credentials()
    print(creds.access_key if creds else "NONE")
except Exception as e:  # noqa: BLE001 - the class name is what the test compares
    print("ERROR:" + type(e).__name__)
try:
    print(session.get_config_variable("region") or "NONE")
except Exception as e:  # noqa: BLE001
    print("ERROR:" + type(e).__name__)
