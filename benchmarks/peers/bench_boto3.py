#!/usr/bin/env python3
"""boto3 peer for awsmp-bench-flush: sends the same 25-record BatchMeterUsage requests at the
same concurrency against the same emulator, and prints one JSON line of results.

Client CPU is this process's user+system time (getrusage) divided by requests, so it includes
botocore's serialisation, signing, TLS and parsing, just like awsmp's number.
"""
import argparse
import json
import resource
import sys
import threading
import time

import boto3
import botocore.config


def batches(args):
    now = int(time.time()) // 60 * 60
    for b in range(args.requests):
        records = []
        for r in range(25):
            i = b * 25 + r
            records.append({
                "CustomerIdentifier": args.customer_format.format(i % args.customers + 1),
                "Dimension": "tokens_1m",
                "Quantity": 1 + i % 1000,
                "Timestamp": now,
            })
        yield records


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--endpoint", required=True)
    p.add_argument("--ca-file", required=True)
    p.add_argument("--requests", type=int, default=400)
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--customers", type=int, default=10000)
    p.add_argument("--customer-format", default="customer-{:06d}")
    p.add_argument("--product-code", default="prod-demo")
    p.add_argument("--access-key", default="AKIDEXAMPLE")
    p.add_argument("--secret-key", default="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    args = p.parse_args()

    session = boto3.session.Session(aws_access_key_id=args.access_key,
                                    aws_secret_access_key=args.secret_key, region_name="us-east-1")
    client = session.client(
        "meteringmarketplace", endpoint_url=args.endpoint, verify=args.ca_file,
        config=botocore.config.Config(max_pool_connections=args.concurrency,
                                      retries={"mode": "standard", "total_max_attempts": 3}))
    work = list(batches(args))
    lock = threading.Lock()
    latencies = []
    failures = [0]
    next_index = [0]

    def worker():
        while True:
            with lock:
                if next_index[0] >= len(work):
                    return
                records = work[next_index[0]]
                next_index[0] += 1
            t0 = time.perf_counter()
            try:
                out = client.batch_meter_usage(UsageRecords=records, ProductCode=args.product_code)
                ok = len(out.get("Results", [])) == len(records)
            except Exception as e:  # a failed request is counted, never hidden
                print(f"boto3 request failed: {e}", file=sys.stderr)
                ok = False
            dt = time.perf_counter() - t0
            with lock:
                latencies.append(dt)
                if not ok:
                    failures[0] += 1

    # Warm up one connection per worker before measuring (TLS handshakes are not the point).
    client.batch_meter_usage(UsageRecords=work[0], ProductCode=args.product_code)
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(args.concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    latencies.sort()
    n = len(latencies)
    print(json.dumps({
        "client": "boto3 " + boto3.__version__, "requests": n, "failures": failures[0],
        "concurrency": args.concurrency, "seconds": wall, "requests_per_s": n / wall,
        "records_per_s": 25 * n / wall, "cpu_us_per_request": cpu / n * 1e6,
        "p50_ms": latencies[n // 2] * 1e3, "p99_ms": latencies[min(n - 1, n * 99 // 100)] * 1e3,
        "peak_rss_kb": r1.ru_maxrss}))
    return 1 if failures[0] else 0


if __name__ == "__main__":
    sys.exit(main())
