#!/usr/bin/env python3
"""Fleet metering cost in DynamoDB calls: starts moto (DynamoDB) and awsmp-emulator (Metering) on
loopback, runs awsmp-bench-fleet against them and prints its JSON lines (one per push interval,
one for the seal). Every process it starts is stopped; the whole run is bounded by --timeout.

usage: benchmarks/fleet/run.py --build build/release [--push-keys 10000] [--seal-keys 100000]
                               [--instances 3] [--shares-per-key 3] [--concurrency 16]
                               [--shards 16] [--phases push,seal] [--moto plain|cheap-rollback]
                               [--timeout 900]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(here))


def start_moto(kind):
    script = (os.path.join(here, "moto_cheap_rollback.py") if kind == "cheap-rollback"
              else os.path.join(root, "tests", "support", "moto_server.py"))
    moto = subprocess.Popen([sys.executable, script],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = moto.stdout.readline().strip()
    if not line.startswith("READY "):
        moto.kill()
        raise SystemExit(f"moto did not start: {line}")
    return moto, f"http://127.0.0.1:{line.split()[1]}"


def start_emulator(build, customers, ca_file):
    exe = os.path.join(build, "tools", "awsmp-emulator", "awsmp-emulator")
    proc = subprocess.Popen([exe, "--customers", str(customers), "--id-width", "6", "--ca-file", ca_file,
                             "--max-records", str(max(500_000, customers * 2)), "--product", "prod-demo",
                             "--log-level", "error"], stdout=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline:
        line = proc.stdout.readline()
        if "ready" in line:
            fields = dict(f.split("=", 1) for f in line.split() if "=" in f)
            return proc, fields["endpoint"]
        if proc.poll() is not None:
            break
    proc.kill()
    raise SystemExit("awsmp-emulator did not start")


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--build", default=os.path.join(root, "build", "release"))
    p.add_argument("--push-keys", default="10000")
    p.add_argument("--seal-keys", default="100000")
    p.add_argument("--instances", default="3")
    p.add_argument("--shares-per-key", default="3")
    p.add_argument("--concurrency", default="16")
    p.add_argument("--shards", default="16")
    p.add_argument("--phases", default="push,seal")
    p.add_argument("--moto", choices=["plain", "cheap-rollback"], default="plain",
                   help="cheap-rollback: moto whose TransactWriteItems does not copy the whole table "
                        "(moto_cheap_rollback.py); needed beyond about a thousand sealed keys")
    p.add_argument("--timeout", type=float, default=900, help="seconds for the whole benchmark run")
    a = p.parse_args()
    bench = os.path.join(a.build, "benchmarks", "fleet", "awsmp-bench-fleet")
    customers = max(int(a.push_keys), int(a.seal_keys))
    with tempfile.TemporaryDirectory(prefix="awsmp-bench-fleet-") as tmp:
        ca_file = os.path.join(tmp, "ca.pem")
        moto, dynamodb = start_moto(a.moto)
        emulator = None
        try:
            emulator, metering = start_emulator(a.build, customers, ca_file)
            cmd = [bench, "--dynamodb", dynamodb, "--metering", metering, "--ca-file", ca_file,
                   "--phases", a.phases, "--push-keys", a.push_keys, "--seal-keys", a.seal_keys,
                   "--instances", a.instances, "--shares-per-key", a.shares_per_key,
                   "--concurrency", a.concurrency, "--shards", a.shards, "--json"]
            print("# moto:", a.moto, "|", " ".join(cmd[:1] + cmd[7:]), flush=True)
            rc = subprocess.run(cmd, timeout=a.timeout).returncode
        finally:
            if emulator is not None:
                emulator.terminate()
                emulator.wait(timeout=30)
            moto.stdin.close()
            try:
                moto.wait(timeout=30)
            except subprocess.TimeoutExpired:
                moto.kill()
    return rc


if __name__ == "__main__":
    sys.exit(main())
