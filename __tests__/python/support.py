"""What the generator's tests share: paths, the generator module, the case table, a fake Firehose."""
import copy
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECT = os.path.dirname(os.path.dirname(HERE))
GENERATOR_DIR = os.path.join(PROJECT, "generator")
GENERATOR = os.path.join(GENERATOR_DIR, "generator.py")
SCHEMA = os.path.join(PROJECT, "schemas", "loss-event.schema.json")
CASES = os.path.join(PROJECT, "__tests__", "fixtures", "loss-event-cases.json")
# The lab's replay file, read where the project's neighbours keep it (never copied into the repository).
LAB_DATA = os.path.normpath(os.path.join(PROJECT, "..", "shared", "data", "banking_loss.csv"))
NEEDS_LAB_DATA = "needs ../shared/data/banking_loss.csv"

sys.path.insert(0, GENERATOR_DIR)
import generator  # noqa: E402  (the module under test, from generator/)

# What the tests import from here; `generator` is re-exported.
__all__ = ["CASES", "FakeFirehose", "GENERATOR", "LAB_DATA", "NEEDS_LAB_DATA", "SCHEMA", "generator", "load_cases", "load_schema"]


def load_schema():
    with open(SCHEMA, encoding="utf-8") as f:
        return json.load(f)


def load_cases():
    """(valid record, [(case, field, record)]) from the shared table."""
    with open(CASES, encoding="utf-8") as f:
        table = json.load(f)
    bad = []
    for case in table["invalid"]:
        record = copy.deepcopy(table["valid"])
        for name in case.get("remove", []):
            del record[name]
        record.update(case.get("set", {}))
        bad.append((case["case"], case["field"], record))
    return table["valid"], bad


class ClientError(Exception):
    """Shaped like botocore's ClientError: the error code is in .response."""

    def __init__(self, code):
        super().__init__("An error occurred (%s) when calling the PutRecordBatch operation" % code)
        self.response = {"Error": {"Code": code}}


class FakeFirehose:
    """A stand-in for boto3's Firehose client (no AWS here): `script` says what each call does,
    one entry per call, then the default: "throttle" raises ThrottlingException, an int fails
    that many records at the start of the batch, "fatal" raises
    ResourceNotFoundException, "no-results" answers without per-record results, None succeeds.
    Delivered record bytes are kept in order in `delivered`."""

    def __init__(self, script=(), default=None, on_call=None):
        self.script = list(script)
        self.default = default
        self.on_call = on_call
        self.calls = []
        self.delivered = []

    def put_record_batch(self, DeliveryStreamName, Records):
        data = [r["Data"] for r in Records]
        self.calls.append((DeliveryStreamName, data))
        if self.on_call:
            self.on_call(self)
        action = self.script.pop(0) if self.script else self.default
        if action == "throttle":
            raise ClientError("ThrottlingException")
        if action == "fatal":
            raise ClientError("ResourceNotFoundException")
        if action == "no-results":
            return {"FailedPutCount": len(data), "RequestResponses": []}
        failing = min(int(action or 0), len(data))
        results = []
        for i, d in enumerate(data):
            if i < failing:
                results.append({"ErrorCode": "ServiceUnavailableException", "ErrorMessage": "Slow down."})
            else:
                self.delivered.append(d)
                results.append({"RecordId": "id-%d" % len(self.delivered)})
        return {"FailedPutCount": failing, "Encrypted": True, "RequestResponses": results}
