#!/usr/bin/env python3
"""Starts awsmp-emulator and runs js_interop.cjs against it with the AWS SDK for JavaScript v3.

Usage: js_interop_runner.py <awsmp-emulator> <node_modules dir>. Exit 0: passed, 1: failed,
77: skipped (node or the SDK packages are missing: run scripts/setup.sh).
"""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from emulator_process import EmulatorProcess  # noqa: E402

ACCESS_KEY = "AKIDJSINTEROP"
SECRET_KEY = "js/interop+secret/9876543210"
PRODUCT = "prod-js"


def main():
    binary, node_modules = sys.argv[1], sys.argv[2]
    node = shutil.which("node")
    wanted = [os.path.join(node_modules, "@aws-sdk", p)
              for p in ("client-marketplace-metering", "client-marketplace-entitlement-service")]
    if not node or not all(os.path.isdir(p) for p in wanted):
        print("SKIPPED: node or the AWS SDK for JavaScript v3 is missing under %s (run scripts/setup.sh)" % node_modules)
        return 77
    with EmulatorProcess(binary, "--credentials", "%s:%s" % (ACCESS_KEY, SECRET_KEY), "--customers", "2",
                         "--product", PRODUCT + ":tokens_1m,requests") as emulator:
        env = dict(os.environ, NODE_PATH=node_modules, NODE_EXTRA_CA_CERTS=emulator.ca_file)
        script = os.path.join(os.path.dirname(__file__), "js_interop.cjs")
        try:
            result = subprocess.run([node, script, emulator.endpoint, ACCESS_KEY, SECRET_KEY, PRODUCT],
                                    env=env, timeout=120)
        except subprocess.TimeoutExpired:
            print("FAIL: the JavaScript interop run took longer than 120 s")
            return 1
        return 0 if result.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
