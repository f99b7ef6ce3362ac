#!/usr/bin/env python3
"""boto3 (botocore's own serialisers, SigV4 signer and error parsers) against awsmp-emulator:
every operation succeeds, and bad input raises the modeled exception classes.

Usage: boto3_interop.py <path to awsmp-emulator>. Exit 0: passed, 1: failed, 77: skipped.
"""
import json
import ssl
import sys
import time
import urllib.request

sys.path.insert(0, __import__("os").path.dirname(__file__))
from emulator_process import EmulatorProcess  # noqa: E402

try:
    import boto3
    import botocore.config
    from botocore.exceptions import ClientError
except ImportError as e:  # the interop peer is missing on this machine
    print("SKIPPED: boto3 is not installed: %s" % e)
    sys.exit(77)

ACCESS_KEY = "AKIDINTEROP"
SECRET_KEY = "interop/secret+key/0123456789"
PRODUCT = "prod-interop"
failures = []


def check(name, condition, detail=""):
    print(("ok   " if condition else "FAIL ") + name + ((": " + str(detail)) if detail and not condition else ""))
    if not condition:
        failures.append(name)


def expect_error(name, cls_or_code, call):
    try:
        call()
    except ClientError as e:
        code = e.response["Error"]["Code"]
        status = e.response["ResponseMetadata"]["HTTPStatusCode"]
        request_id = e.response["ResponseMetadata"].get("RequestId", "")
        if isinstance(cls_or_code, str):
            check(name, code == cls_or_code, "got %s" % code)
        else:
            check(name, isinstance(e, cls_or_code), "got %s (%s)" % (code, type(e).__name__))
        check(name + " has a request id", bool(request_id))
        return status
    except Exception as e:  # anything else is a failure, with its text
        check(name, False, "raised %r" % e)
        return None
    check(name, False, "no error raised")
    return None


def admin(emulator, method, path, body=None):
    ctx = ssl.create_default_context(cafile=emulator.ca_file)
    req = urllib.request.Request(emulator.endpoint + "/_emulator/" + path, method=method,
                                 data=None if body is None else json.dumps(body).encode())
    with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
        return json.loads(r.read())


def main():
    binary = sys.argv[1]
    args = ["--credentials", "%s:%s" % (ACCESS_KEY, SECRET_KEY), "--customers", "3",
            "--product", PRODUCT + ":tokens_1m,requests"]
    with EmulatorProcess(binary, *args) as emulator:
        session = boto3.session.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                                        region_name="us-east-1")
        config = botocore.config.Config(retries={"mode": "standard", "total_max_attempts": 1})
        metering = session.client("meteringmarketplace", endpoint_url=emulator.endpoint,
                                  verify=emulator.ca_file, config=config)
        entitlement = session.client("marketplace-entitlement", endpoint_url=emulator.endpoint,
                                     verify=emulator.ca_file, config=config)
        now = int(time.time())

        # ResolveCustomer
        r = metering.resolve_customer(RegistrationToken="token-0002")
        check("ResolveCustomer ids", r["CustomerIdentifier"] == "customer-0002" and r["ProductCode"] == PRODUCT
              and r["CustomerAWSAccountId"] == "100000000002" and r["LicenseArn"].endswith("l-0002"), r)
        expect_error("ResolveCustomer unknown token", metering.exceptions.InvalidTokenException,
                     lambda: metering.resolve_customer(RegistrationToken="token-9999"))

        # BatchMeterUsage: success, idempotent resend, duplicate, not subscribed
        records = [{"CustomerIdentifier": "customer-0001", "Dimension": "tokens_1m", "Quantity": 5, "Timestamp": now},
                   {"CustomerAWSAccountId": "100000000003", "LicenseArn": "arn:aws:license-manager::123456789012:license/l-0003",
                    "Dimension": "requests", "Quantity": 2, "Timestamp": now,
                    "UsageAllocations": [{"AllocatedUsageQuantity": 2, "Tags": [{"Key": "team", "Value": "a"}]}]}]
        # One identity form per request, and LicenseArn records without ProductCode (AWS refuses
        # a request with both): each record goes in its own request here.
        def send(recs):
            results = []
            for r in recs:
                kwargs = dict(UsageRecords=[r]) if "LicenseArn" in r else dict(ProductCode=PRODUCT, UsageRecords=[r])
                results += metering.batch_meter_usage(**kwargs)["Results"]
            return {"Results": results}
        b1 = send(records)
        check("BatchMeterUsage success", [x["Status"] for x in b1["Results"]] == ["Success", "Success"], b1)
        check("BatchMeterUsage echoes the record", b1["Results"][1]["UsageRecord"]["UsageAllocations"][0]["Tags"][0]["Value"] == "a")
        b2 = send(records)
        check("BatchMeterUsage resend keeps ids",
              [x["MeteringRecordId"] for x in b2["Results"]] == [x["MeteringRecordId"] for x in b1["Results"]])
        dup = dict(records[0], Quantity=6)
        stranger = dict(records[0], CustomerIdentifier="customer-nobody")
        b3 = metering.batch_meter_usage(ProductCode=PRODUCT, UsageRecords=[dup, stranger])
        check("BatchMeterUsage duplicate and not subscribed",
              [x["Status"] for x in b3["Results"]] == ["DuplicateRecord", "CustomerNotSubscribed"], b3)

        bad = [
            ("InvalidProductCodeException", dict(ProductCode="prod-unknown", UsageRecords=records[:1])),
            ("InvalidUsageDimensionException", dict(ProductCode=PRODUCT, UsageRecords=[dict(records[0], Dimension="gpu")])),
            ("InvalidUsageAllocationsException", dict(ProductCode=PRODUCT, UsageRecords=[dict(records[0], UsageAllocations=[{"AllocatedUsageQuantity": 1}])])),
            ("InvalidTagException", dict(ProductCode=PRODUCT, UsageRecords=[dict(records[0], UsageAllocations=[{"AllocatedUsageQuantity": 5, "Tags": [{"Key": "k|", "Value": "v"}]}])])),
            ("TimestampOutOfBoundsException", dict(ProductCode=PRODUCT, UsageRecords=[dict(records[0], Timestamp=now - 7 * 3600)])),
            ("InvalidCustomerIdentifierException", dict(ProductCode=PRODUCT, UsageRecords=[dict(records[0], CustomerAWSAccountId="100000000001")])),
        ]
        for name, kwargs in bad:
            status = expect_error("BatchMeterUsage " + name, getattr(metering.exceptions, name),
                                  lambda kwargs=kwargs: metering.batch_meter_usage(**kwargs))
            check("BatchMeterUsage %s is HTTP 400" % name, status == 400, status)
        expect_error("BatchMeterUsage ProductCode with LicenseArn", "ValidationException",
                     lambda: metering.batch_meter_usage(ProductCode=PRODUCT, UsageRecords=records[1:]))
        expect_error("BatchMeterUsage 26 records", "ValidationException",
                     lambda: metering.batch_meter_usage(ProductCode=PRODUCT, UsageRecords=records[:1] * 26))

        # MeterUsage: boto3 fills ClientToken itself
        m1 = metering.meter_usage(ProductCode=PRODUCT, UsageDimension="requests", UsageQuantity=3, Timestamp=now)
        check("MeterUsage id", bool(m1.get("MeteringRecordId")), m1)
        m2 = metering.meter_usage(ProductCode=PRODUCT, UsageDimension="requests", UsageQuantity=3, Timestamp=now,
                                  ClientToken="interop-token-1")
        check("MeterUsage same hour and quantity is the same record", m2["MeteringRecordId"] == m1["MeteringRecordId"])
        expect_error("MeterUsage IdempotencyConflictException", metering.exceptions.IdempotencyConflictException,
                     lambda: metering.meter_usage(ProductCode=PRODUCT, UsageDimension="requests", UsageQuantity=4,
                                                  Timestamp=now, ClientToken="interop-token-1"))
        expect_error("MeterUsage DuplicateRequestException", metering.exceptions.DuplicateRequestException,
                     lambda: metering.meter_usage(ProductCode=PRODUCT, UsageDimension="requests", UsageQuantity=4, Timestamp=now))
        status = expect_error("MeterUsage DryRun", "DryRunOperation",
                              lambda: metering.meter_usage(ProductCode=PRODUCT, UsageDimension="tokens_1m", UsageQuantity=1,
                                                           Timestamp=now, DryRun=True))
        check("MeterUsage DryRun is HTTP 412", status == 412, status)

        # GetEntitlements: boto3's own paginator follows the opaque NextToken
        pages = list(entitlement.get_paginator("get_entitlements").paginate(ProductCode=PRODUCT, PaginationConfig={"PageSize": 2}))
        items = [e for p in pages for e in p["Entitlements"]]
        check("GetEntitlements pages", len(pages) == 3 and len(items) == 6, (len(pages), len(items)))
        check("GetEntitlements values", all(e["Value"] == {"IntegerValue": 1} for e in items), items[:1])
        filtered = entitlement.get_entitlements(ProductCode=PRODUCT, Filter={"CUSTOMER_IDENTIFIER": ["customer-0003"], "DIMENSION": ["requests"]})
        check("GetEntitlements filter", [(e["CustomerIdentifier"], e["Dimension"]) for e in filtered["Entitlements"]] == [("customer-0003", "requests")], filtered)
        expect_error("GetEntitlements InvalidParameterException", entitlement.exceptions.InvalidParameterException,
                     lambda: entitlement.get_entitlements(ProductCode=PRODUCT, MaxResults=26))

        # SigV4 refusals
        wrong = boto3.session.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key="wrong",
                                      region_name="us-east-1").client("meteringmarketplace", endpoint_url=emulator.endpoint,
                                                                      verify=emulator.ca_file, config=config)
        status = expect_error("wrong secret", "InvalidSignatureException", lambda: wrong.resolve_customer(RegistrationToken="token-0001"))
        check("wrong secret is HTTP 403", status == 403, status)
        stranger_key = boto3.session.Session(aws_access_key_id="AKIDSTRANGER", aws_secret_access_key=SECRET_KEY,
                                             region_name="us-east-1").client("meteringmarketplace", endpoint_url=emulator.endpoint,
                                                                             verify=emulator.ca_file, config=config)
        expect_error("unknown key", "UnrecognizedClientException", lambda: stranger_key.resolve_customer(RegistrationToken="token-0001"))

        # Faults configured through the admin endpoint, seen as botocore's exception classes
        admin(emulator, "POST", "faults", {"throttle_percent": 100})
        expect_error("ThrottlingException", metering.exceptions.ThrottlingException,
                     lambda: metering.resolve_customer(RegistrationToken="token-0001"))
        admin(emulator, "POST", "faults", {"throttle_percent": 0, "server_error_percent": 100})
        status = expect_error("InternalServiceErrorException", metering.exceptions.InternalServiceErrorException,
                              lambda: metering.resolve_customer(RegistrationToken="token-0001"))
        check("InternalServiceErrorException is HTTP 500", status == 500, status)
        admin(emulator, "POST", "faults", {"server_error_percent": 0})
        # botocore's standard retry gets through injected throttles
        retrying = session.client("meteringmarketplace", endpoint_url=emulator.endpoint, verify=emulator.ca_file,
                                  config=botocore.config.Config(retries={"mode": "standard", "total_max_attempts": 3}))
        admin(emulator, "POST", "inject", {"kind": "throttle", "count": 2})
        check("standard retry through two throttles",
              retrying.resolve_customer(RegistrationToken="token-0001")["CustomerIdentifier"] == "customer-0001")

        ledger = admin(emulator, "GET", "ledger")
        totals = {(t["Customer"], t["Dimension"]): t["Quantity"] for t in ledger["totals"]}
        check("ledger totals", totals == {("customer-0001", "tokens_1m"): 5, ("100000000003", "requests"): 2, ("", "requests"): 3}, totals)
        stats = admin(emulator, "GET", "stats")
        check("stats count faults", stats["throttled"] == 3 and stats["server_errors"] == 1, stats)
        code = emulator.stop()
        check("emulator exits cleanly on SIGTERM", code == 0, code)

    print("boto3 interop: %d failure(s)" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
