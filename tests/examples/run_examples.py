#!/usr/bin/env python3
"""Runs the numbered tutorials against a real awsmp-emulator process and checks what they do:
example 1 resolves and meters, example 2 registers a buyer through the marketplace form POST,
example 3 serves metered requests and bills them on shutdown, example 4 (the awsmp CLI) when
built. Every process is bounded in time; everything listens on 127.0.0.1 only."""
import argparse
import json
import math
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request

failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def start(cmd, env, ready, timeout=60):
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + timeout
    while time.time() < deadline:
        line = proc.stdout.readline()
        if ready in line:
            return proc, line
        if proc.poll() is not None:
            break
    proc.kill()
    raise SystemExit(f"{cmd[0]} did not print {ready!r}: {proc.stderr.read()[-2000:]}")


def admin(endpoint, ca, path):
    ctx = ssl.create_default_context(cafile=ca)
    with urllib.request.urlopen(endpoint + "/_emulator/" + path, context=ctx, timeout=10) as r:
        return json.loads(r.read())


def http(method, url, body=None, headers=None):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


METRIC_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL_VALUE = r'"((?:[^"\\\n]|\\[\\"n])*)"'
LABEL = r"([a-zA-Z_][a-zA-Z0-9_]*)=" + LABEL_VALUE
LABEL_NC = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE = re.compile(r"(" + METRIC_NAME + r")(?:\{((?:" + LABEL_NC + r"(?:," + LABEL_NC + r")*,?)?)\})? (\S+)(?: (-?[0-9]+))?")
FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|NaN|[+-]?Inf")


def parse_prometheus(text):
    """The text format 0.0.4 read strictly (the rules of docs/metrics.md, as the C++ test's
    parser): returns {(name, ((label, value), ...)): float}; raises ValueError at the first
    rule broken."""
    if not text.endswith("\n"):
        raise ValueError("the last line does not end in a line feed")
    types, helps, seen, closed, current, samples = {}, set(), set(), set(), None, {}

    def enter(name):
        nonlocal current
        if name != current:
            if name in closed:
                raise ValueError(f"{name}: lines not in one group")
            if current:
                closed.add(current)
            current = name

    for n, line in enumerate(text[:-1].split("\n"), 1):
        if not line:
            continue
        m = re.fullmatch(r"# (HELP|TYPE) (" + METRIC_NAME + r")(?: (.*))?", line)
        if m:
            kind, name, rest = m.groups()
            enter(name)
            if name in seen:
                raise ValueError(f"line {n}: {kind} after samples of {name}")
            if kind == "HELP":
                if name in helps or "\\" in re.sub(r"\\[\\n]", "", rest or ""):
                    raise ValueError(f"line {n}: second HELP or bad escape")
                helps.add(name)
            else:
                if name in types or rest not in ("counter", "gauge", "histogram", "summary", "untyped"):
                    raise ValueError(f"line {n}: second or bad TYPE")
                types[name] = rest
            continue
        if line.startswith("#"):
            continue
        m = SAMPLE.fullmatch(line)
        if not m or not FLOAT.fullmatch(m.group(3)):
            raise ValueError(f"line {n}: malformed sample {line!r}")
        name = m.group(1)
        unescape = {"\\\\": "\\", '\\"': '"', "\\n": "\n"}
        labels = tuple(sorted((k, re.sub(r'\\[\\"n]', lambda e: unescape[e.group(0)], v))
                              for k, v in re.findall(LABEL, m.group(2) or "")))
        if len({k for k, _ in labels}) != len(labels):
            raise ValueError(f"line {n}: a label twice")
        enter(name)
        if types.get(name) == "counter" and not name.endswith("_total"):
            raise ValueError(f"line {n}: counter {name} without _total")
        if (name, labels) in samples:
            raise ValueError(f"line {n}: duplicate series")
        seen.add(name)
        value = m.group(3)
        samples[(name, labels)] = math.inf if value in ("+Inf", "Inf") else float(value)
    return samples


def ledger_total(endpoint, ca, customer):
    data = admin(endpoint, ca, "ledger")
    return sum(t["Quantity"] for t in data["totals"] if t["Customer"] == customer)


def main():
    p = argparse.ArgumentParser()
    for name in ("emulator", "example1", "example2", "example3", "work"):
        p.add_argument("--" + name, required=True)
    p.add_argument("--cli", default="")
    a = p.parse_args()
    skipped = False
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    ca = os.path.join(a.work, "ca.pem")
    emulator, line = start([a.emulator, "--customers", "3", "--product", "prod-demo:tokens_1m", "--ca-file", ca],
                           None, "ready")
    endpoint = line.split("endpoint=")[1].split()[0]
    env = dict(os.environ, AWS_ACCESS_KEY_ID="AKIDEXAMPLE",
               AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", AWS_REGION="us-east-1",
               AWSMP_ENDPOINT=endpoint, AWSMP_CA_FILE=ca, AWS_EC2_METADATA_DISABLED="true",
               AWS_CONFIG_FILE=os.path.join(a.work, "none"), AWS_SHARED_CREDENTIALS_FILE=os.path.join(a.work, "none"))
    try:
        # 1. resolve and meter
        out = subprocess.run([a.example1, "token-0001", "42"], env=env, capture_output=True, text=True, timeout=60)
        check(out.returncode == 0, "example 1 exits 0")
        check("customer customer-0001" in out.stdout, "example 1 resolves token-0001 to customer-0001")
        check("metered 42 x tokens_1m: Success" in out.stdout, "example 1 meters 42 units with Success")
        check(ledger_total(endpoint, ca, "customer-0001") == 42, "emulator ledger holds the 42 units")
        bad = subprocess.run([a.example1, "no-such-token", "1"], env=env, capture_output=True, text=True, timeout=60)
        check(bad.returncode == 1 and "InvalidTokenException" in bad.stderr, "example 1 reports AWS's InvalidTokenException")

        # 2. registration landing endpoint
        topic = "arn:aws:sns:us-east-1:287250355862:aws-mp-subscription-notification-prod-demo"
        server, line = start([a.example2, "--port", "0", "--db", os.path.join(a.work, "subs.db"),
                              "--product-code", "prod-demo", "--max-requests", "6", "--sns-topic", topic],
                             env, "listening")
        url = line.split("listening on ")[1].strip()
        status, page = http("POST", url, b"x-amzn-marketplace-token=token-0002",
                            {"Content-Type": "application/x-www-form-urlencoded"})
        check(status == 200 and "customer-0002" in page, "example 2 registers token-0002 and shows the customer")
        status, page = http("POST", url, b"x-amzn-marketplace-token=bogus-token",
                            {"Content-Type": "application/x-www-form-urlencoded"})
        check(status == 400 and "invalid or has expired" in page, "example 2 refuses an unknown token with 400")
        status, page = http("POST", url, b"other=1", {"Content-Type": "application/x-www-form-urlencoded"})
        check(status == 400 and "no x-amzn-marketplace-token" in page, "example 2 refuses a form without token")
        # The SNS route refuses, before fetching anything: a GET, an unsigned and a foreign-topic message.
        sns_url = url.replace("/register", "/sns")
        status, page = http("GET", sns_url)
        check(status == 405, "example 2 refuses GET /sns with 405")
        status, page = http("POST", sns_url, json.dumps({"Type": "Notification", "TopicArn": topic,
                                                         "Message": "{}"}).encode())
        check(status == 403 and "unsigned_message" in page, "example 2 refuses an unsigned SNS message with 403")
        status, page = http("POST", sns_url, json.dumps({
            "Type": "Notification", "MessageId": "m-1", "TopicArn": topic.replace("prod-demo", "other"),
            "Message": "{}", "Timestamp": "2026-01-01T00:00:00.000Z", "SignatureVersion": "2",
            "Signature": "AAAA", "SigningCertURL": "https://sns.us-east-1.amazonaws.com/x.pem"}).encode())
        check(status == 403 and "wrong_topic" in page, "example 2 refuses a message of another topic with 403")
        check(server.wait(timeout=30) == 0, "example 2 exits after --max-requests")

        # 3. inference server: entitled customers are served and billed, others refused
        server, line = start([a.example3, "--port", "0", "--product-code", "prod-demo", "--threads", "2",
                              "--journal", os.path.join(a.work, "usage.journal"), "--flush-seconds", "3600"],
                             env, "listening", timeout=90)
        url = line.split("listening on ")[1].strip()
        recorded = 0
        for i in range(20):
            body = json.dumps({"prompt": "x" * 400, "max_tokens": 250_000}).encode()
            status, text = http("POST", url + "/v1/completions", body, {"x-customer-id": "customer-0003"})
            if status != 200:
                check(False, f"example 3 serves entitled request {i} (got {status}: {text[:200]})")
            else:
                u = json.loads(text)["usage"]
                recorded += u["input_tokens"] + u["output_tokens"]
        check(recorded == 20 * (101 + 250_000), "example 3 served and metered 20 requests")
        status, _ = http("POST", url + "/v1/completions", json.dumps({"prompt": "hi", "max_tokens": 5}).encode(),
                         {"x-customer-id": "customer-9999"})
        check(status == 402, "example 3 refuses a customer without entitlement (402)")
        status, text = http("GET", url + "/stats")
        check(status == 200 and json.loads(text)["record_usage_calls"] == 20, "example 3 /stats counts 20 calls")
        with urllib.request.urlopen(url + "/metrics", timeout=20) as r:
            content_type, text = r.headers.get("Content-Type"), r.read().decode()
        check(content_type == "text/plain; version=0.0.4; charset=utf-8", f"example 3 /metrics content type ({content_type})")
        try:
            metrics = parse_prometheus(text)
        except ValueError as e:
            metrics = {}
            check(False, f"example 3 /metrics parses strictly ({e})")
        check(metrics.get(("awsmp_tracker_record_usage_calls_total", ())) == 20,
              "example 3 /metrics counts 20 record_usage calls")
        check(metrics.get(("awsmp_tracker_tokens_recorded_total", ())) == recorded,
              f"example 3 /metrics counts the {recorded} tokens recorded")
        check(metrics.get(("awsmp_client_requests_total", (("client", "entitlement"),)), 0) >= 1,
              "example 3 /metrics counts the entitlement client's GetEntitlements")
        check(("awsmp_client_requests_total", (("client", "metering"),)) in metrics,
              "example 3 /metrics has the metering client")
        check(metrics.get(("awsmp_entitlement_checker_hits_total", ()), 0) +
              metrics.get(("awsmp_entitlement_checker_misses_total", ()), 0) >= 21,
              "example 3 /metrics counts the checker's 21 is_entitled calls")
        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=60)
        check(server.returncode == 0, "example 3 exits 0 after SIGTERM")
        billed = ledger_total(endpoint, ca, "customer-0003")
        check(billed == recorded // 1_000_000, f"example 3's final flush billed {billed} units for {recorded} tokens")

        # 4. the awsmp CLI, when built
        if a.cli:
            out = subprocess.run([a.cli, "resolve", "token-0001"], env=env, capture_output=True, text=True, timeout=60)
            check(out.returncode == 0 and "customer-0001" in out.stdout, "awsmp resolve prints the customer")
            journal = os.path.join(a.work, "usage.journal")
            out = subprocess.run([a.cli, "inspect-journal", journal], env=env, capture_output=True, text=True,
                                 timeout=60)
            check(out.returncode == 0 and "customer-0003" in out.stdout, "awsmp inspect-journal lists the carry")
            out = subprocess.run([a.cli, "stats", "--journal", journal, "--product-code", "prod-demo"], env=env,
                                 capture_output=True, text=True, timeout=60)
            check(out.returncode == 0 and "records_pending" in out.stdout, "awsmp stats prints the counters")
        else:
            print("SKIPPED awsmp CLI checks: the awsmp-cli target is not built")
            skipped = True
    finally:
        emulator.terminate()
        emulator.wait(timeout=30)
    print(f"examples: {len(failures)} failed")
    # 77: ctest reports a skip (SKIP_RETURN_CODE), never a pass that checked less.
    return 1 if failures else (77 if skipped else 0)


if __name__ == "__main__":
    sys.exit(main())
