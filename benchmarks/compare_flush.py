#!/usr/bin/env python3
"""Runs awsmp, the AWS SDK for JavaScript v3 and boto3 against the same awsmp-emulator process,
sending the same 25-record BatchMeterUsage requests at the same concurrency, alternately, and
prints a table with awsmp's ratios. Also runs awsmp's tracker flush of many customers.

Usage: benchmarks/compare_flush.py --build build/release [--requests 2000] [--rounds 2]
       [--concurrency 1,8,32] [--flush-customers 100000]
Everything listens on 127.0.0.1 only; every run is bounded by --timeout seconds.
"""
import argparse
import json
import os
import platform
import ssl
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def start_emulator(build, customers, ca_file):
    exe = os.path.join(build, "tools", "awsmp-emulator", "awsmp-emulator")
    proc = subprocess.Popen([exe, "--customers", str(customers), "--id-width", "6", "--ca-file", ca_file,
                             "--max-records", str(max(2_000_000, customers * 4)), "--product", "prod-demo",
                             "--log-level", "error"],
                            stdout=subprocess.PIPE, text=True)
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


def admin(endpoint, ca_file, path, method="GET"):
    ctx = ssl.create_default_context(cafile=ca_file)
    req = urllib.request.Request(endpoint + "/_emulator/" + path, method=method, data=b"" if method == "POST" else None)
    with urllib.request.urlopen(req, context=ctx, timeout=30) as r:
        return json.loads(r.read() or b"{}")


def run_json(cmd, env=None, timeout=600):
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    lines = [l for l in out.stdout.splitlines() if l.startswith("{")]
    if out.returncode != 0 or not lines:
        sys.stderr.write(out.stderr[-2000:])
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return [json.loads(l) for l in lines]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", default=os.path.join(ROOT, "build", "release"))
    p.add_argument("--requests", type=int, default=2000)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--concurrency", default="1,8,32")
    p.add_argument("--flush-customers", type=int, default=100_000)
    p.add_argument("--timeout", type=int, default=600)
    p.add_argument("--skip-peers", action="store_true")
    args = p.parse_args()
    conc = [int(c) for c in args.concurrency.split(",")]
    customers = max(args.flush_customers, 10_000)
    ca_file = os.path.join(args.build, "bench-emulator-ca.pem")
    emulator, endpoint = start_emulator(args.build, customers, ca_file)
    bench = os.path.join(args.build, "benchmarks", "flush", "awsmp-bench-flush")
    node_modules = os.path.join(ROOT, "build", "node", "node_modules")
    js_env = dict(os.environ, NODE_PATH=node_modules, NODE_EXTRA_CA_CERTS=ca_file)
    common = ["--endpoint", endpoint, "--ca-file", ca_file]
    results = {}  # (client, concurrency) -> list of runs
    try:
        for c in conc:
            for rnd in range(args.rounds):
                clients = ["awsmp"] + ([] if args.skip_peers else ["aws-sdk-js-v3", "boto3"])
                # Alternate the order each round so no client always runs on a warmer machine.
                if rnd % 2:
                    clients.reverse()
                for client in clients:
                    admin(endpoint, ca_file, "reset", "POST")
                    if client == "awsmp":
                        cmd = [bench, *common, "--mode", "batches", "--requests", str(args.requests),
                               "--customers", "10000", "--concurrency", str(c), "--json"]
                        env = None
                    elif client == "aws-sdk-js-v3":
                        cmd = ["node", os.path.join(ROOT, "benchmarks", "peers", "bench_js.mjs"), *common,
                               "--requests", str(args.requests), "--concurrency", str(c), "--customers", "10000"]
                        env = js_env
                    else:
                        cmd = [sys.executable, os.path.join(ROOT, "benchmarks", "peers", "bench_boto3.py"), *common,
                               "--requests", str(args.requests), "--concurrency", str(c), "--customers", "10000"]
                        env = None
                    r = run_json(cmd, env, args.timeout)[0]
                    if r.get("failures"):
                        raise SystemExit(f"{client} had {r['failures']} failed requests")
                    results.setdefault((client, c), []).append(r)
                    print(f"  {client:14s} c={c:<3d} {r['requests_per_s']:9.0f} req/s "
                          f"{r['cpu_us_per_request']:9.1f} us CPU/req", file=sys.stderr)
        admin(endpoint, ca_file, "reset", "POST")
        stats0 = admin(endpoint, ca_file, "stats")
        flush = run_json([bench, *common, "--mode", "tracker", "--customers", str(args.flush_customers),
                          "--concurrency", args.concurrency, "--json"], None, args.timeout)
        stats1 = admin(endpoint, ca_file, "stats")
    finally:
        emulator.terminate()
        emulator.wait(timeout=30)

    def best(client, c):
        runs = results.get((client, c), [])
        # Median of the rounds: robust to one noisy run on a shared 2-core machine.
        runs = sorted(runs, key=lambda r: r["requests_per_s"])
        return runs[len(runs) // 2] if runs else None

    print(f"\n## BatchMeterUsage, 25 records per request, {args.requests} requests, TLS keep-alive")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}; "
          f"date: {time.strftime('%Y-%m-%d')}; client and emulator share the machine\n")
    print("| concurrency | client | requests/s | records/s | p50 ms | p99 ms | client CPU µs/request | "
          "awsmp throughput × | awsmp CPU advantage × |")
    print("|---|---|---|---|---|---|---|---|---|")
    for c in conc:
        a = best("awsmp", c)
        for client in ["awsmp", "aws-sdk-js-v3", "boto3"]:
            r = best(client, c)
            if not r:
                continue
            ratio_t = a["requests_per_s"] / r["requests_per_s"]
            ratio_c = r["cpu_us_per_request"] / a["cpu_us_per_request"]
            print(f"| {c} | {r['client']} | {r['requests_per_s']:.0f} | {r['records_per_s']:.0f} | "
                  f"{r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['cpu_us_per_request']:.0f} | "
                  f"{'' if client == 'awsmp' else f'{ratio_t:.1f}'} | {'' if client == 'awsmp' else f'{ratio_c:.1f}'} |")
    print(f"\n## token_billing_tracker flush of {args.flush_customers} customers "
          f"({(args.flush_customers + 24) // 25} requests)\n")
    print("| batch_concurrency | seconds | requests/s | records/s | p50 ms | p99 ms | client CPU µs/request | "
          "peak RSS MiB | new connections after warm-up |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in flush:
        print(f"| {r['concurrency']} | {r['seconds']:.2f} | {r['requests_per_s']:.0f} | {r['records_per_s']:.0f} | "
              f"{r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['cpu_us_per_request']:.0f} | "
              f"{r['peak_rss_kb'] / 1024:.0f} | {r['new_connections']} |")
    print(f"\nemulator TLS handshakes during the flush runs: "
          f"{stats1.get('tls_handshakes', 0) - stats0.get('tls_handshakes', 0)} "
          f"(one per pooled connection, made during each run's warm-up)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
