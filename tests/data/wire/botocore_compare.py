#!/usr/bin/env python3
"""Checks request bodies written by awsmp against what botocore serialises for the same input.

Usage: botocore_compare.py <bodies.tsv>, one line per body: "<Operation>\\t<precision>\\t<body>"
with precision "second" or "millisecond". Each body is parsed, its members are put back into the
service model's order (so awsmp's member order is checked, not copied), its timestamps become
datetimes, and botocore's JSON serializer must then produce exactly the same bytes.
Exit status: 0 all equal, 1 a mismatch, 77 botocore not installed (reported as skipped).
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
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def model(name):
    with open(os.path.join(HERE, "models", name), encoding="utf-8") as f:
        return botocore.model.ServiceModel(json.load(f))


SERVICES = {
    "BatchMeterUsage": model("meteringmarketplace-2016-01-14.service-2.json"),
    "MeterUsage": None,
    "ResolveCustomer": None,
    "GetEntitlements": model("marketplace-entitlement-2017-01-11.service-2.json"),
}
SERVICES["MeterUsage"] = SERVICES["ResolveCustomer"] = SERVICES["BatchMeterUsage"]


def to_params(value, shape):
    if shape.type_name == "structure":
        return {name: to_params(value[name], member)
                for name, member in shape.members.items() if name in value}
    if shape.type_name == "list":
        return [to_params(v, shape.member) for v in value]
    if shape.type_name == "map":
        return {k: to_params(v, shape.value) for k, v in value.items()}
    if shape.type_name == "timestamp":
        return EPOCH + datetime.timedelta(milliseconds=round(value * 1000))
    return value


def main():
    mismatches = 0
    count = 0
    with open(sys.argv[1], encoding="utf-8") as f:
        for line in f:
            operation, precision, body = line.rstrip("\n").split("\t", 2)
            op = SERVICES[operation].operation_model(operation)
            params = to_params(json.loads(body), op.input_shape)
            serializer = botocore.serialize.create_serializer(
                "json", timestamp_precision=(botocore.serialize.TIMESTAMP_PRECISION_MILLISECOND
                                             if precision == "millisecond"
                                             else botocore.serialize.TIMESTAMP_PRECISION_DEFAULT))
            expected = serializer.serialize_to_request(params, op)["body"].decode("utf-8")
            count += 1
            if expected != body:
                mismatches += 1
                if mismatches <= 5:
                    print(f"MISMATCH {operation}\n  awsmp:    {body}\n  botocore: {expected}")
    print(f"{count} bodies compared with botocore, {mismatches} mismatches")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
