#!/usr/bin/env python3
"""Writes (or with --check, verifies) the request.json files of test/data/wire/<Operation>/.

Each file holds the exact body botocore's JSON 1.1 serializer produces for an input that
test/unit/wire/wire_bytes_test.cpp builds the same way in C++. Parameters are given in the
service model's member order, because botocore emits members in the order it receives them.
Run from anywhere: python3 botocore_requests.py [--check]. Needs botocore (pip install botocore).
"""
import datetime
import json
import os
import sys

try:
    import botocore.model
    import botocore.serialize
except ImportError:
    print("SKIPPED: botocore is not installed (pip install botocore)")
    sys.exit(77)

HERE = os.path.dirname(os.path.abspath(__file__))
UTC = datetime.timezone.utc


def ts(seconds, millis=0):
    return datetime.datetime.fromtimestamp(seconds, UTC) + datetime.timedelta(milliseconds=millis)


def model(name):
    with open(os.path.join(HERE, "models", name), encoding="utf-8") as f:
        return botocore.model.ServiceModel(json.load(f))


METERING = model("meteringmarketplace-2016-01-14.service-2.json")
ENTITLEMENT = model("marketplace-entitlement-2017-01-11.service-2.json")

BATCH = {
    "UsageRecords": [
        {
            "Timestamp": ts(1700000000),
            "CustomerIdentifier": "cust-0001",
            "Dimension": "tokens_1m",
            "Quantity": 42,
            "UsageAllocations": [
                {"AllocatedUsageQuantity": 40,
                 "Tags": [{"Key": "team", "Value": "search"}, {"Key": "env", "Value": "prod west"}]},
                {"AllocatedUsageQuantity": 2},
            ],
        },
        {
            "Timestamp": ts(1700003600),
            "Dimension": "tokens_1m",
            "Quantity": 0,
            "CustomerAWSAccountId": "123456789012",
            "LicenseArn": "arn:aws:license-manager::123456789012:license:l-0123456789abcdef0",
        },
        {
            "Timestamp": ts(1700007200),
            "CustomerIdentifier": 'cust "quoted" \\ back',
            "Dimension": "t\u00f6kens\n\U0001F600\x7f\x01",
            "Quantity": 2147483647,
        },
    ],
    "ProductCode": "prod-abc123example",
}

# Sub-second timestamps only: botocore's millisecond mode writes whole seconds as "N.0", while
# awsmp writes them as integers exactly as botocore's default mode does (request.json above).
BATCH_MILLIS = {
    "UsageRecords": [
        {"Timestamp": ts(1700000000, 125), "CustomerIdentifier": "c1", "Dimension": "d", "Quantity": 1},
        {"Timestamp": ts(1700000000, 500), "CustomerIdentifier": "c2", "Dimension": "d", "Quantity": 2},
        {"Timestamp": ts(1700000001, 10), "CustomerIdentifier": "c3", "Dimension": "d", "Quantity": 3},
        {"Timestamp": ts(1700000001, 999), "CustomerIdentifier": "c4", "Dimension": "d", "Quantity": 4},
    ],
    "ProductCode": "prod-abc123example",
}

CASES = [
    # (operation, file, params, service model, millisecond timestamps)
    ("BatchMeterUsage", "request.json", BATCH, METERING, False),
    ("BatchMeterUsage", "request_millisecond.json", BATCH_MILLIS, METERING, True),
    ("BatchMeterUsage", "request_empty.json", {"UsageRecords": [], "ProductCode": "p"}, METERING, False),
    ("MeterUsage", "request.json", {
        "ProductCode": "prod-abc123example",
        "Timestamp": ts(1700000000),
        "UsageDimension": "tokens_1m",
        "UsageQuantity": 7,
        "DryRun": True,
        "UsageAllocations": [{"AllocatedUsageQuantity": 7, "Tags": [{"Key": "k:1", "Value": "v=1 /@"}]}],
        "ClientToken": "7f0c1b1e-2d3c-4b5a-8f9e-0a1b2c3d4e5f",
    }, METERING, False),
    ("MeterUsage", "request_minimal.json", {
        "ProductCode": "prod-abc123example",
        "Timestamp": ts(1700000000),
        "UsageDimension": "tokens_1m",
        "UsageQuantity": 0,
    }, METERING, False),
    ("ResolveCustomer", "request.json", {"RegistrationToken": "AbC+dEf/0123456789=="}, METERING, False),
    ("GetEntitlements", "request.json", {
        "ProductCode": "prod-abc123example",
        "Filter": {"CUSTOMER_IDENTIFIER": ["cust-0001", "cust-0002"], "DIMENSION": ["tokens_1m"]},
        "NextToken": "page-2-token",
        "MaxResults": 25,
    }, ENTITLEMENT, False),
    ("GetEntitlements", "request_minimal.json", {"ProductCode": "prod-abc123example"}, ENTITLEMENT, False),
]


def serialize(params, service, operation, millis):
    precision = (botocore.serialize.TIMESTAMP_PRECISION_MILLISECOND if millis
                 else botocore.serialize.TIMESTAMP_PRECISION_DEFAULT)
    serializer = botocore.serialize.create_serializer("json", timestamp_precision=precision)
    request = serializer.serialize_to_request(params, service.operation_model(operation))
    return request["body"]


def main():
    check = "--check" in sys.argv[1:]
    failures = 0
    for operation, name, params, service, millis in CASES:
        body = serialize(params, service, operation, millis)
        path = os.path.join(HERE, operation, name)
        if check:
            with open(path, "rb") as f:
                if f.read() != body:
                    print(f"MISMATCH {operation}/{name}")
                    failures += 1
        else:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(body)
            print(f"wrote {operation}/{name}: {len(body)} bytes")
    if check:
        print("botocore bytes: " + ("OK" if failures == 0 else f"{failures} mismatches"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
