#!/usr/bin/env python3
"""Sends operational-risk loss events to a Firehose delivery stream, one JSON object per line.

The record format is the JSON Schema shipped next to this file (loss-event.schema.json). Records
are synthesized from it (its enums, its category -> sub-category rules) or replayed from a CSV
like the lab's, typed by it; each is validated against it and only valid records are sent, with
PutRecordBatch, re-sending exactly the records that failed. Python 3.9+, standard library only;
boto3 is imported only to send or to read a replay file from S3.

  python3 generator.py --dry-run --count 5 --rate 0            # print records instead of sending
  python3 generator.py --dry-run --replay banking_loss.csv     # the lab's CSV, typed by the schema
  python3 generator.py --stream Source --region us-east-1 --rate 1 [--replay s3://bucket/key]
"""
import argparse
import csv
import datetime
import io
import itertools
import json
import logging
import math
import os
import random
import re
import signal
import sys
import time

SCHEMA_FILE = "loss-event.schema.json"
MAX_BATCH_RECORDS = 500  # PutRecordBatch limits
MAX_BATCH_BYTES = 4 * 1024 * 1024
MAX_RECORD_BYTES = 1000 * 1024
MAX_ATTEMPTS = 8
# Errors that no retry can fix: give up on the batch at once (and say so).
FATAL_ERRORS = {"ResourceNotFoundException", "InvalidArgumentException", "AccessDeniedException",
                "InvalidKMSResourceException", "UnrecognizedClientException"}

log = logging.getLogger("generator")


class SchemaError(Exception):
    """The schema uses something this generator cannot check or synthesize."""


# --- Validation: the JSON Schema keywords the loss-event schema uses, as ajv applies them --------

ANNOTATIONS = {"$schema", "$id", "$comment", "title", "description", "x-sql-type"}
KEYWORDS = {"type", "enum", "const", "minLength", "maxLength", "pattern", "format", "required",
            "properties", "additionalProperties", "allOf", "if", "then", "$ref", "$defs"}
TYPES = {
    "string": lambda v: isinstance(v, str),
    "number": lambda v: isinstance(v, int) and not isinstance(v, bool) or isinstance(v, float) and math.isfinite(v),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool) or isinstance(v, float) and v.is_integer(),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
}
DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


def is_date(text):
    """RFC 3339 full-date, as ajv-formats checks it (year 0000 included)."""
    m = DATE.fullmatch(text)
    if not m:
        return False
    year, month, day = (int(g) for g in m.groups())
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return 1 <= month <= 12 and 1 <= day <= days[month - 1]


def same(a, b):
    """JSON equality: true is not 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return a == b


def ecma_pattern(pattern):
    """A schema pattern (ECMA-262) as a Python regex: `$` ends the text only, \\d and \\w are ASCII."""
    out, in_class, escaped = [], False, False
    for ch in pattern:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "[":
            in_class = True
        elif ch == "]":
            in_class = False
        elif ch == "$" and not in_class:
            ch = r"\Z"
        out.append(ch)
    return re.compile("".join(out), re.ASCII)


def field_of(path, name):
    return "%s/%s" % (path, name) if path else name


class Validator:
    """Checks records against the schema, compiled once into functions; refuses, when built, a schema
    with keywords it does not know."""

    def __init__(self, schema):
        self.schema = schema
        self.patterns = {}
        self.checks = {}  # id(schema node) -> its compiled check
        self._check(schema, "#")

    def _check(self, node, where):
        if not isinstance(node, dict):
            raise SchemaError("%s: expected a schema object" % where)
        for key in node:
            if key not in KEYWORDS and key not in ANNOTATIONS:
                raise SchemaError("%s: keyword %r is not supported by the generator's validator" % (where, key))
        if "type" in node and node["type"] not in TYPES:
            raise SchemaError("%s: type %r is not supported" % (where, node["type"]))
        if "format" in node and node["format"] != "date":
            raise SchemaError("%s: format %r is not supported (only date)" % (where, node["format"]))
        if "additionalProperties" in node and node["additionalProperties"] is not False:
            raise SchemaError("%s: only additionalProperties: false is supported" % where)
        if "pattern" in node:
            self.patterns[node["pattern"]] = ecma_pattern(node["pattern"])
        if "$ref" in node:
            self.resolve(node["$ref"], where)
        for group in ("properties", "$defs"):
            for name, sub in node.get(group, {}).items():
                self._check(sub, "%s/%s/%s" % (where, group, name))
        for i, sub in enumerate(node.get("allOf", [])):
            self._check(sub, "%s/allOf/%d" % (where, i))
        for key in ("if", "then"):
            if key in node:
                self._check(node[key], "%s/%s" % (where, key))

    def resolve(self, ref, where="#"):
        """The schema a local `#/...` reference points to."""
        node = self.schema
        if not ref.startswith("#/"):
            raise SchemaError("%s: $ref %r is not a local reference" % (where, ref))
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or part not in node:
                raise SchemaError("%s: $ref %r points to nothing" % (where, ref))
            node = node[part]
        return node

    def property(self, name):
        """The schema of one top-level property, its $ref resolved."""
        prop = self.schema["properties"][name]
        return self.resolve(prop["$ref"]) if "$ref" in prop else prop

    def errors(self, record, node=None):
        """[(field, message)] for every problem with the record (against the schema, or one of its nodes)."""
        out = []
        self._compiled(self.schema if node is None else node)(record, "", out)
        return out

    def _compiled(self, node):
        key = id(node)
        if key not in self.checks:
            self.checks[key] = self._compile(node)
        return self.checks[key]

    def _compile(self, node):
        """One function that appends (field, message) to `out` for each rule of `node` the value breaks;
        like ajv, string rules apply to strings only and object rules to objects only."""
        checks = []
        if "$ref" in node:
            target = self.resolve(node["$ref"])
            checks.append(lambda v, path, out: self._compiled(target)(v, path, out))
        if "type" in node:
            is_type, problem = TYPES[node["type"]], "must be %s" % node["type"]
            checks.append(lambda v, path, out: is_type(v) or out.append((path, problem)))
        if "const" in node:
            const, problem = node["const"], "must be equal to %s" % json.dumps(node["const"])
            checks.append(lambda v, path, out: same(v, const) or out.append((path, problem)))
        if "enum" in node:
            checks.append(self._enum(node["enum"]))
        if "maxLength" in node:
            most, problem = node["maxLength"], "must NOT have more than %d characters" % node["maxLength"]
            checks.append(lambda v, path, out: not isinstance(v, str) or len(v) <= most or out.append((path, problem)))
        if "minLength" in node:
            least, problem = node["minLength"], "must NOT have fewer than %d characters" % node["minLength"]
            checks.append(lambda v, path, out: not isinstance(v, str) or len(v) >= least or out.append((path, problem)))
        if "pattern" in node:
            regex, problem = self.patterns[node["pattern"]], "must match pattern %s" % json.dumps(node["pattern"])
            checks.append(lambda v, path, out: not isinstance(v, str) or regex.search(v) or out.append((path, problem)))
        if node.get("format") == "date":
            problem = 'must match format "date" (YYYY-MM-DD, a real day)'
            checks.append(lambda v, path, out: not isinstance(v, str) or is_date(v) or out.append((path, problem)))
        if "required" in node or "properties" in node or "additionalProperties" in node:
            checks.append(self._object(node))
        checks.extend(self._compiled(sub) for sub in node.get("allOf", []))
        if "if" in node and "then" in node:
            checks.append(self._if_then(node["if"], node["then"]))

        def check(value, path, out):
            for one in checks:
                one(value, path, out)
        return check

    def _enum(self, values):
        strings = {v for v in values if isinstance(v, str)}  # the usual case, by hash
        others = [v for v in values if not isinstance(v, str)]
        problem = "must be one of %s" % ", ".join(json.dumps(v) for v in values)

        def check(value, path, out):
            if not (value in strings if isinstance(value, str) else any(same(value, v) for v in others)):
                out.append((path, problem))
        return check

    def _object(self, node):
        required = node.get("required", [])
        properties = [(name, self._compiled(sub)) for name, sub in node.get("properties", {}).items()]
        known = set(node.get("properties", {}))
        closed = node.get("additionalProperties") is False

        def check(value, path, out):
            if not isinstance(value, dict):
                return
            for name in required:
                if name not in value:
                    out.append((field_of(path, name), "is required"))
            for name, check_property in properties:
                if name in value:
                    check_property(value[name], field_of(path, name), out)
            if closed:
                for name in value:
                    if name not in known:
                        out.append((field_of(path, name), "is not allowed (unknown field)"))
        return check

    def _if_then(self, condition, consequence):
        check_if, check_then = self._compiled(condition), self._compiled(consequence)

        def check(value, path, out):
            probe = []
            check_if(value, path, probe)
            if not probe:
                check_then(value, path, out)
        return check


def describe(errors):
    return "; ".join("%s: %s" % (field or "(record)", message) for field, message in errors)


# --- Records synthesized from the schema ---------------------------------------------------------

FIRST_DAY = datetime.date(2007, 1, 1)  # the lab's file spans 2007-2014
DAYS = 8 * 365


class Synthesizer:
    """Makes records from the schema: enum values (narrowed by the if/then rules), dates and
    amounts; where the schema has the lab's fields, their values relate the way the lab's do."""

    def __init__(self, schema, validator, rng):
        self.validator = validator
        self.rng = rng
        self.properties = {name: validator.property(name) for name in schema["properties"]}
        self.rules = [r for r in schema.get("allOf", []) if "if" in r and "then" in r]
        # Fields that conditions test are chosen first, so the rules can narrow the others.
        self.tested = sorted({name for r in self.rules for name in r["if"].get("properties", {})})
        self.order = sorted(self.properties, key=lambda name: name not in self.tested)
        self.allowed = {}  # (field, values of the tested fields) -> enum values
        for name, prop in self.properties.items():
            if "enum" not in prop and prop.get("type") not in ("string", "number", "integer", "boolean"):
                raise SchemaError("cannot synthesize property %r: give it an enum or a simple type" % name)
        problems = validator.errors(self.record(0))
        if problems:
            raise SchemaError("synthesized records do not fit the schema: %s" % describe(problems))

    def choices(self, name, chosen):
        """The enum values a field may take, given the fields chosen so far."""
        key = (name, repr([chosen.get(f) for f in self.tested]))
        if key not in self.allowed:
            self.allowed[key] = self._choices(name, chosen)
        return self.allowed[key]

    def _choices(self, name, chosen):
        values = self.properties[name]["enum"]
        for rule in self.rules:
            narrowed = rule["then"].get("properties", {}).get(name)
            if narrowed is not None and not self.validator.errors(chosen, rule["if"]):
                if "$ref" in narrowed:
                    narrowed = self.validator.resolve(narrowed["$ref"])
                allowed = narrowed.get("enum", values)
                values = [v for v in values if any(same(v, a) for a in allowed)]
        if not values:
            raise SchemaError("no value of %r fits the rules for %s" % (name, json.dumps({f: chosen.get(f) for f in self.tested})))
        return values

    def value(self, name, chosen, sequence):
        rng = self.rng
        prop = self.properties[name]
        if "enum" in prop:
            return rng.choice(self.choices(name, chosen))
        if prop.get("format") == "date":
            return (FIRST_DAY + datetime.timedelta(days=rng.randrange(DAYS))).isoformat()
        kind = prop.get("type")
        if kind == "number":
            return self.amount()
        if kind == "integer":
            return rng.randint(prop.get("minimum", 0), prop.get("maximum", 1000))
        if kind == "boolean":
            return rng.random() < 0.5
        # A free-text string: an event identifier like the lab's LE-06-012.
        return ("LE-%02d-%04d" % (sequence // 10000 % 100, sequence % 10000))[: prop.get("maxLength", 16)]

    def amount(self):
        """A gross loss like the lab's: log-normal around 180,000, in hundreds, rarely negative."""
        if self.rng.random() < 0.006:
            return -100 * self.rng.randrange(1, 80)
        return int(round(self.rng.lognormvariate(math.log(177400), 1.0), -2))

    def record(self, sequence):
        chosen = {}
        for name in self.order:
            chosen[name] = self.value(name, chosen, sequence)
        self.relate(chosen)
        return {name: chosen[name] for name in self.properties}

    def relate(self, r):
        """The lab's relations: occurrence a few days after discovery (sometimes before); recovery
        about 28% and net loss about 100% of the gross estimate, half of them with cents."""
        rng = self.rng
        if "DiscoveryDate" in r and "OccurrenceStartDate" in r:
            discovered = datetime.date.fromisoformat(r["DiscoveryDate"])
            days = int(rng.expovariate(0.25)) if rng.random() < 0.97 else -rng.randrange(1, 400)
            r["OccurrenceStartDate"] = (discovered + datetime.timedelta(days=days)).isoformat()
        gross = r.get("EstimatedGrossLoss")
        if isinstance(gross, (int, float)):
            cents = 2 if rng.random() < 0.5 else None
            if "RecoveryAmount" in r:
                r["RecoveryAmount"] = round(gross * min(0.75, max(-0.14, rng.gauss(0.28, 0.1))), cents)
            if "NetLoss" in r:
                r["NetLoss"] = round(gross * rng.gauss(1.0, 0.12), cents)


# --- Records replayed from a CSV ------------------------------------------------------------------

INTEGER_TEXT = re.compile(r"-?[0-9]+")
NUMBER_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?")  # JSON's numbers, as text


def typed(text, prop):
    """A CSV field as the schema's type; text that does not convert is kept, for the validator to name."""
    kind = prop.get("type")
    if kind in ("number", "integer") and INTEGER_TEXT.fullmatch(text):
        return int(text)
    if kind == "number" and NUMBER_TEXT.fullmatch(text):
        return float(text)
    if kind == "boolean" and text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text


def read_text(location, region=None):
    """A local file, or an S3 object named s3://bucket/key."""
    if location.startswith("s3://"):
        bucket, _, key = location[len("s3://"):].partition("/")
        try:
            import boto3  # only for S3
            body = boto3.client("s3", region_name=region).get_object(Bucket=bucket, Key=key)["Body"].read()
        except Exception as error:  # no object (AccessDenied without s3:ListBucket), no network, no boto3
            raise OSError("cannot read %s (upload the CSV there first): %s" % (location, error)) from error
        return body.decode("utf-8-sig")
    with open(location, encoding="utf-8-sig", newline="") as f:
        return f.read()


def replay_records(text, schema, validator):
    """The CSV's rows as typed records, in order. The header must name exactly the schema's fields;
    rows that do not validate are logged with their line number and dropped."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = reader.fieldnames or []
    properties = schema["properties"]
    missing = [name for name in properties if name not in columns]
    unknown = [name for name in columns if name not in properties]
    if missing or unknown:
        raise SchemaError("the CSV header must name the schema's fields: missing %s, unknown %s"
                          % (missing or "none", unknown or "none"))
    records = []
    for row in reader:
        record = {name: typed(row[name], validator.property(name)) for name in properties}
        problems = validator.errors(record)
        if problems:
            log.warning("line %d not replayed: %s", reader.line_num, describe(problems))
        else:
            records.append(record)
    return records


# --- Sending ----------------------------------------------------------------------------------------

def encode(record):
    """One record as Firehose receives it: a JSON object and a newline, so S3 objects split by line."""
    return (json.dumps(record, separators=(",", ":"), allow_nan=False) + "\n").encode("utf-8")


class FirehoseSender:
    """Batches records for PutRecordBatch (up to 500 records / 4 MiB) and re-sends exactly the
    records that failed, with exponential backoff and jitter, up to MAX_ATTEMPTS times. What still
    fails is counted in `given_up` and logged: a record is sent once or reported, never dropped."""

    def __init__(self, client, stream, sleep=time.sleep, rng=random):
        self.client, self.stream, self.sleep, self.rng = client, stream, sleep, rng
        self.pending, self.pending_bytes = [], 0
        self.sent = self.given_up = 0

    def add(self, data):
        if len(data) > MAX_RECORD_BYTES:
            self.given_up += 1
            log.error("a record of %d bytes is not sent: Firehose takes at most %d", len(data), MAX_RECORD_BYTES)
            return
        if len(self.pending) == MAX_BATCH_RECORDS or self.pending_bytes + len(data) > MAX_BATCH_BYTES:
            self.flush()
        self.pending.append(data)
        self.pending_bytes += len(data)

    def flush(self):
        batch, self.pending, self.pending_bytes = self.pending, [], 0
        attempt = 0
        while batch:
            attempt += 1
            try:
                response = self.client.put_record_batch(
                    DeliveryStreamName=self.stream, Records=[{"Data": d} for d in batch])
            except Exception as error:  # throttled, unreachable, refused: the whole batch failed
                code = ((getattr(error, "response", None) or {}).get("Error") or {}).get("Code")
                if code in FATAL_ERRORS:
                    attempt = MAX_ATTEMPTS
                log.warning("PutRecordBatch of %d records failed (attempt %d of %d): %s",
                            len(batch), attempt, MAX_ATTEMPTS, error)
                failed = batch
            else:
                results = response.get("RequestResponses", [])
                if response.get("FailedPutCount") == 0 and len(results) == len(batch):
                    failed = []
                else:  # a record without a result counts as failed: re-sent rather than lost
                    failed = [d for i, d in enumerate(batch) if i >= len(results) or "ErrorCode" in results[i]]
                self.sent += len(batch) - len(failed)
                if failed:
                    first = next((r for r in results if "ErrorCode" in r), {})
                    log.warning("%d of %d records failed (attempt %d of %d, %s)", len(failed), len(batch),
                                attempt, MAX_ATTEMPTS, first.get("ErrorCode", "no result"))
            batch = failed
            if batch and attempt >= MAX_ATTEMPTS:
                self.given_up += len(batch)
                log.error("gave up on %d records after %d attempts", len(batch), attempt)
                return
            if batch:
                self.sleep(min(20.0, 0.1 * 2 ** attempt) * self.rng.uniform(0.5, 1.0))


# --- Command line ---------------------------------------------------------------------------------

def default_schema():
    """Next to this file on the instance; in the repository, schemas/."""
    here = os.path.dirname(os.path.abspath(__file__))
    for path in (os.path.join(here, SCHEMA_FILE), os.path.join(here, "..", "schemas", SCHEMA_FILE)):
        if os.path.exists(path):
            return path
    return os.path.join(here, SCHEMA_FILE)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stream", help="delivery stream name (required unless --dry-run)")
    parser.add_argument("--region", help="AWS region of the stream (and of an s3:// replay file)")
    parser.add_argument("--rate", type=float, default=1.0, help="records per second; 0 = as fast as possible")
    parser.add_argument("--count", type=int, help="stop after this many records (default: run until stopped)")
    parser.add_argument("--replay", metavar="FILE", help="replay this CSV (a path or s3://bucket/key) in a loop")
    parser.add_argument("--seed", type=int, help="random seed, for repeatable output")
    parser.add_argument("--schema", default=default_schema(), help="the record's JSON Schema (default: %(default)s)")
    parser.add_argument("--dry-run", action="store_true", help="print records to stdout instead of sending")
    parser.add_argument("--progress-every", type=float, default=60.0, metavar="SECONDS",
                        help="log how many records were sent every this many seconds (default: %(default)s)")
    args = parser.parse_args(argv)
    if not (0 <= args.rate < math.inf):
        parser.error("--rate must be a number, 0 or more")
    if args.count is not None and args.count < 0:
        parser.error("--count must be 0 or more")
    if not (0 < args.progress_every < math.inf):
        parser.error("--progress-every must be a number of seconds above 0")
    if not args.dry_run and not args.stream:
        parser.error("--stream is required unless --dry-run")
    return args


def load_records(args):
    """The schema's validator and an endless iterator of records (synthesized or replayed)."""
    with open(args.schema, encoding="utf-8") as f:
        schema = json.load(f)
    validator = Validator(schema)
    if not args.replay:
        synthesizer = Synthesizer(schema, validator, random.Random(args.seed))
        return validator, (synthesizer.record(n) for n in itertools.count())
    records = replay_records(read_text(args.replay, args.region), schema, validator)
    if not records:
        raise SchemaError("%s holds no valid record to replay" % args.replay)
    log.info("replaying %d records from %s", len(records), args.replay)
    return validator, itertools.cycle(records)


def pause_until(deadline, stopping):
    """Sleeps until the deadline, waking twice a second to notice a stop."""
    while not stopping:
        left = deadline - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(left, 0.5))


def main(argv=None, firehose=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr)
    try:
        validator, records = load_records(args)
    except (OSError, ValueError, csv.Error, SchemaError) as error:
        log.error("cannot start: %s", error)
        return 2

    sender = None
    if not args.dry_run:
        if firehose is None:
            try:
                import boto3  # only when sending
            except ImportError as error:
                log.error("cannot send without boto3 (dnf install python3-boto3): %s", error)
                return 2
            firehose = boto3.client("firehose", region_name=args.region)
        sender = FirehoseSender(firehose, args.stream)
    stopping = []
    previous = signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    interval = 1.0 / args.rate if args.rate > 0 else 0.0
    # Batch about a second of records, so a slow rate still sends promptly.
    batch_size = max(1, min(MAX_BATCH_RECORDS, int(args.rate))) if args.rate > 0 else MAX_BATCH_RECORDS
    started = reported = time.monotonic()
    made = invalid = 0
    try:
        while not stopping and (args.count is None or made < args.count):
            record = next(records)
            made += 1
            problems = validator.errors(record)
            if problems:
                invalid += 1
                log.error("record %d is not sent, it does not fit the schema: %s", made, describe(problems))
            elif sender is None:
                sys.stdout.buffer.write(encode(record))
            else:
                sender.add(encode(record))
                if len(sender.pending) >= batch_size:
                    sender.flush()
                if time.monotonic() - reported >= args.progress_every:
                    reported = time.monotonic()
                    log.info("sent %d records so far, gave up on %d", sender.sent, sender.given_up)
            if interval:
                if sender is None:
                    sys.stdout.buffer.flush()  # paced output shows up as it is made
                pause_until(started + made * interval, stopping)
    except KeyboardInterrupt:
        pass
    except BrokenPipeError:  # stdout closed early (| head): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    finally:
        if sender is not None:
            sender.flush()  # what is buffered is sent before stopping
        signal.signal(signal.SIGTERM, previous)
    elapsed = max(time.monotonic() - started, 1e-9)
    log.info("made %d records in %.2f s (%.0f/s); %d did not fit the schema and were not sent",
             made, elapsed, made / elapsed, invalid)
    if sender is not None:
        log.info("sent %d records, gave up on %d", sender.sent, sender.given_up)
        return 1 if sender.given_up else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
