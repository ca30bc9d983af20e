#!/usr/bin/env python3
"""Sends operational-risk loss events to a Firehose delivery stream, one JSON object per line.

Records are synthesized from the JSON Schema next to this file or replayed from a CSV typed by it;
only valid ones are sent. Python 3.9+, standard library only (boto3 to send or read s3://).
Exit status: 0 ok, 1 records not sent, 2 unusable input or usage. Examples: the README.
"""
import argparse
import csv
import datetime
import decimal
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
FLUSH_SECONDS = 1.0  # the longest a record waits to be sent
# Errors no retry can fix: give up on the batch at once. The last three are botocore's classes.
FATAL_ERRORS = {"ResourceNotFoundException", "InvalidArgumentException", "AccessDeniedException",
                "InvalidKMSResourceException", "UnrecognizedClientException",
                "NoCredentialsError", "ParamValidationError", "PartialCredentialsError"}

log = logging.getLogger("generator")


class InputError(Exception):
    """Input the generator cannot use: the run stops (exit status 2)."""


class SchemaError(InputError):
    """A schema the generator cannot check or fill; the message starts with the JSON pointer."""


def shown(value):
    """A value for a message: JSON (ASCII, so no byte of it breaks the log), cut short."""
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:60] + "..."


def step(where, key):
    """A JSON pointer one key further, as one line of ASCII."""
    return "%s/%s" % (where, json.dumps(key.replace("~", "~0").replace("/", "~1"))[1:-1])


def one_line(error):
    return " ".join(str(error).split())


# --- Validation: the JSON Schema keywords the generator supports, as ajv applies them ----------

def is_number(v):
    return isinstance(v, int) and not isinstance(v, bool) or isinstance(v, float) and math.isfinite(v)


def is_count(v):
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def is_scalar(v):
    return isinstance(v, (str, bool, type(None))) or is_number(v)


TYPES = {
    "string": lambda v: isinstance(v, str),
    "number": is_number,
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool) or isinstance(v, float) and v.is_integer(),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
}
ANNOTATIONS = ("$schema", "$id", "$comment", "title", "description", "x-sql-type")
TEXT = (lambda v: isinstance(v, str), "a string")
COUNT = (is_count, "a whole number, 0 or more")
SCHEMAS = (lambda v: isinstance(v, dict), "an object whose values are schemas")
SCHEMA = (lambda v: isinstance(v, dict), "a schema")
# Every keyword the generator knows, and the values it takes: the schema cannot outgrow it unnoticed.
KEYWORDS = dict({key: TEXT for key in ANNOTATIONS}, **{
    "type": (lambda v: isinstance(v, str) and v in TYPES, "one of " + ", ".join(TYPES)),
    "enum": (lambda v: isinstance(v, list) and v and all(map(is_scalar, v)),
             "a non-empty list of strings, numbers, booleans or null"),
    "const": (is_scalar, "a string, number, boolean or null"),
    "minLength": COUNT, "maxLength": COUNT,
    "minimum": (is_number, "a number"), "maximum": (is_number, "a number"),
    "pattern": (TEXT[0], "a regular expression"),
    "format": (lambda v: v == "date", '"date" (the only format the generator checks)'),
    "required": (lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v) and len(set(v)) == len(v),
                 "a list of distinct property names"),
    "properties": SCHEMAS, "$defs": SCHEMAS,
    "additionalProperties": (lambda v: v is False, "false (the only form supported)"),
    "allOf": (lambda v: isinstance(v, list) and v, "a non-empty list of schemas"),
    "if": SCHEMA, "then": SCHEMA,
    "$ref": (lambda v: isinstance(v, str) and v.startswith("#/"), 'a local reference, "#/..."'),
})
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
    """Checks records against the schema, compiled once into functions; refuses, when built, a
    keyword or value it does not know, a `$ref` to nothing or a cycle."""

    def __init__(self, schema):
        self.schema = schema
        self.patterns = {}
        self.checks = {}  # id(schema node) -> its compiled check
        self.checked = set()
        self._check(schema, "#", set())

    def _check(self, node, where, active):
        if not isinstance(node, dict):
            raise SchemaError("%s: %s is not a schema (a JSON object)" % (where, shown(node)))
        if id(node) in self.checked:
            return
        active.add(id(node))
        for key, value in node.items():
            if key not in KEYWORDS:
                raise SchemaError("%s: keyword not supported by the generator (it knows %s)" % (step(where, key), ", ".join(KEYWORDS)))
            fits, allowed = KEYWORDS[key]
            if not fits(value):
                raise SchemaError("%s: %s is not allowed: it must be %s" % (step(where, key), shown(value), allowed))
        if ("if" in node) != ("then" in node):
            raise SchemaError('%s: "if" and "then" go together' % where)
        if "pattern" in node:
            try:
                self.patterns[node["pattern"]] = ecma_pattern(node["pattern"])
            except re.error as error:
                raise SchemaError("%s/pattern: %s is not a regular expression the generator can use: %s"
                                  % (where, shown(node["pattern"]), error)) from None
        children = [(step(step(where, group), name), sub)
                    for group in ("properties", "$defs") for name, sub in node.get(group, {}).items()]
        children += [("%s/allOf/%d" % (where, i), sub) for i, sub in enumerate(node.get("allOf", []))]
        children += [("%s/%s" % (where, key), node[key]) for key in ("if", "then") if key in node]
        if "$ref" in node:
            target = self.resolve(node["$ref"], where)
            if id(target) in active:
                raise SchemaError("%s/$ref: %s leads back to itself (no recursive schema)" % (where, shown(node["$ref"])))
            children.append((json.dumps(node["$ref"])[1:-1], target))
        for place, child in children:
            self._check(child, place, active)
        active.discard(id(node))
        self.checked.add(id(node))

    def resolve(self, ref, where="#"):
        """The schema a local `#/...` reference points to."""
        node = self.schema
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or part not in node:
                raise SchemaError("%s/$ref: %s points to nothing" % (where, shown(ref)))
            node = node[part]
        return node

    def property(self, name):
        """The schema of one top-level property, its $refs resolved."""
        prop, where = self.schema["properties"][name], step("#/properties", name)
        while "$ref" in prop:
            if set(prop) - set(ANNOTATIONS) - {"$ref"}:
                raise SchemaError("%s: a field's $ref must stand alone" % where)
            where, prop = json.dumps(prop["$ref"])[1:-1], self.resolve(prop["$ref"], where)
        return prop

    def errors(self, record, node=None):
        """[(field, message)] for each problem of the record (against the schema, or one of its nodes)."""
        out = []
        self._compiled(self.schema if node is None else node)(record, "", out)
        return out

    def _compiled(self, node):
        key = id(node)
        if key not in self.checks:
            self.checks[key] = self._compile(node)
        return self.checks[key]

    def _compile(self, node):
        """A function appending (field, message) to `out` for each rule of `node` a value breaks; like
        ajv's, string rules apply to strings only, number rules to numbers, object rules to objects."""
        checks = []

        def rule(holds, problem):  # binds `problem` once per rule
            checks.append(lambda v, path, out: holds(v) or out.append((path, problem)))
        if "$ref" in node:
            target = self.resolve(node["$ref"])
            checks.append(lambda v, path, out: self._compiled(target)(v, path, out))
        if "type" in node:
            rule(TYPES[node["type"]], "must be %s" % node["type"])
        if "const" in node:
            const = node["const"]
            rule(lambda v: same(v, const), "must be equal to %s" % json.dumps(const))
        if "enum" in node:
            checks.append(self._enum(node["enum"]))
        if "maxLength" in node:
            most = node["maxLength"]
            rule(lambda v: not isinstance(v, str) or len(v) <= most, "must NOT have more than %d characters" % most)
        if "minLength" in node:
            least = node["minLength"]
            rule(lambda v: not isinstance(v, str) or len(v) >= least, "must NOT have fewer than %d characters" % least)
        if "minimum" in node:
            low = node["minimum"]
            rule(lambda v: not is_number(v) or v >= low, "must be >= %s" % json.dumps(low))
        if "maximum" in node:
            high = node["maximum"]
            rule(lambda v: not is_number(v) or v <= high, "must be <= %s" % json.dumps(high))
        if "pattern" in node:
            regex = self.patterns[node["pattern"]]
            rule(lambda v: not isinstance(v, str) or regex.search(v), "must match pattern %s" % json.dumps(node["pattern"]))
        if node.get("format") == "date":
            rule(lambda v: not isinstance(v, str) or is_date(v), 'must match format "date" (YYYY-MM-DD, a real day)')
        if "required" in node or "properties" in node or "additionalProperties" in node:
            checks.append(self._object(node))
        checks.extend(self._compiled(sub) for sub in node.get("allOf", []))
        if "if" in node:
            checks.append(self._if_then(node["if"], node["then"]))
        if len(checks) == 1:
            return checks[0]

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
        return lambda value, path, out: fails(check_if, value) or check_then(value, path, out)


def fails(check, value):
    """The problems a compiled check finds with a value."""
    out = []
    check(value, "", out)
    return out


def describe(errors):
    return "; ".join("%s: %s" % (json.dumps(field)[1:-1] or "(record)", message) for field, message in errors)


def record_fields(schema, validator):
    """{name: schema} of the record's fields, each one value (a CSV cell)."""
    if schema.get("type") != "object" or not schema.get("properties"):
        raise SchemaError('#: the record schema must have "type": "object" and "properties" naming its fields')
    fields = {name: validator.property(name) for name in schema["properties"]}
    for name, prop in fields.items():
        if "enum" not in prop and "const" not in prop and prop.get("type") not in ("string", "number", "integer", "boolean"):
            raise SchemaError("%s: a record field must have an enum, a const, or type string, number, integer or "
                              "boolean (one CSV cell); it has %s" % (step("#/properties", name), shown(prop.get("type", "no type"))))
    return fields


# --- Records synthesized from the schema ---------------------------------------------------------

FIRST_DAY = datetime.date(2007, 1, 1)  # the lab's file spans 2007-2014
DAYS = 8 * 365
VALUE_KEYWORDS = {"type", "enum", "const", "minLength", "maxLength", "minimum", "maximum", "pattern", "format"}
RECORD_KEYWORDS = {"type", "properties", "required", "additionalProperties", "allOf", "if", "then", "$defs"}
# The lab's shares of the gross loss.
SHARES = {"RecoveryAmount": lambda rng: min(0.75, max(-0.14, rng.gauss(0.28, 0.1))),
          "NetLoss": lambda rng: rng.gauss(1.0, 0.12)}


def only(node, allowed, where, what):
    for key in node:
        if key not in allowed and key not in ANNOTATIONS:
            raise SchemaError("%s: the generator makes records only where %s uses %s"
                              % (step(where, key), what, ", ".join(sorted(allowed))))


class Synthesizer:
    """Makes records valid by construction: enum values (narrowed by the if/then rules), dates,
    identifiers, booleans, amounts within bounds (integers as integers), related like the lab's.
    A schema it cannot fill is refused when it is built."""

    def __init__(self, schema, validator, rng):
        self.validator, self.rng = validator, rng
        self.properties = record_fields(schema, validator)
        only(schema, RECORD_KEYWORDS, "#", "the record")
        self.rules = self._rules(schema)
        tested = {name for _, names, _ in self.rules for name in names}
        self.narrowed = {name for _, _, narrowing in self.rules for name in narrowing}
        self.allowed = {}  # (field, values of the tested fields) -> its values
        self.values = {}  # enum field -> the values that fit its own rules
        self.bounds = {}  # numeric field -> (lowest, highest, whether an integer)
        self.dates = set()  # date fields with no pattern
        makers = {name: self._maker(name, prop) for name, prop in self.properties.items()}
        for name in tested:
            if name not in self.values or name in self.narrowed:
                raise SchemaError("%s: a rule may test only an enum field that no rule narrows" % step("#/properties", name))
        # Fields that conditions test are made first, so the rules can narrow the others.
        self.tested = [name for name in self.properties if name in tested]
        for values in itertools.product(*(self.values[name] for name in self.tested)):
            for name in self.narrowed:
                self.choices(name, dict(zip(self.tested, values)))
        self.occurrence = {"DiscoveryDate", "OccurrenceStartDate"} <= self.dates
        self.shared = [name for name in SHARES if name in self.bounds and "EstimatedGrossLoss" in self.bounds]
        derived = set(self.shared) | ({"OccurrenceStartDate"} if self.occurrence else set())
        order = self.tested + [name for name in self.properties if name not in tested]
        self.steps = [(name, makers[name]) for name in order if name not in derived]
        problems = validator.errors(self.record(0))
        if problems:
            raise SchemaError("#: the records the generator makes do not fit the schema: %s" % describe(problems))

    def _rules(self, schema):
        """[(condition, the fields it tests, {field: the values allowed then})] of the if/then rules."""
        out = []
        for i, rule in [("", schema)] + list(enumerate(schema.get("allOf", []))):
            where = "#/allOf/%d" % i if i != "" else "#"
            if i != "":
                only(rule, {"if", "then"}, where, "a rule in allOf")
            if "if" not in rule:
                continue
            only(rule["if"], {"properties", "required"}, where + "/if", "a condition")
            only(rule["then"], {"properties"}, where + "/then", "a consequence")
            narrowing = {}
            for name, node in rule["then"].get("properties", {}).items():
                place = step(where + "/then/properties", name)
                while "$ref" in node:
                    place, node = json.dumps(node["$ref"])[1:-1], self.validator.resolve(node["$ref"], place)
                only(node, {"enum", "const"}, place, "a rule narrowing an enum field")
                if "enum" not in self.properties.get(name, {}) or not {"enum", "const"} & set(node):
                    raise SchemaError("%s: a rule may narrow only an enum field, to some of its values" % place)
                narrowing[name] = [v for v in self.properties[name]["enum"] if not self.validator.errors(v, node)]
            out.append((rule["if"], set(rule["if"].get("properties", {})) | set(rule["if"].get("required", [])), narrowing))
        return out

    def choices(self, name, chosen):
        """The enum values a field may take, given the tested fields."""
        key = (name, repr([chosen.get(f) for f in self.tested]))
        if key not in self.allowed:
            values = self.values[name]
            for condition, _, narrowing in self.rules:
                if name in narrowing and not self.validator.errors(chosen, condition):
                    values = [v for v in values if any(same(v, a) for a in narrowing[name])]
            if not values:
                raise SchemaError("%s: no value fits the rules for %s"
                                  % (step("#/properties", name), json.dumps({f: chosen.get(f) for f in self.tested})))
            self.allowed[key] = values
        return self.allowed[key]

    def _maker(self, name, prop):
        """A function (fields chosen so far, sequence number) -> a value that fits the field."""
        rng, where = self.rng, step("#/properties", name)
        only(prop, VALUE_KEYWORDS, where, "a field")
        if "enum" in prop or "const" in prop:
            values = [v for v in prop.get("enum", [prop.get("const")]) if not self.validator.errors(v, prop)]
            if not values:
                raise SchemaError("%s: no value of its enum or const fits its other rules" % where)
            self.values[name] = values
            if name in self.narrowed:
                return lambda chosen, sequence: rng.choice(self.choices(name, chosen))
            return lambda chosen, sequence: rng.choice(values)
        kind = prop["type"]
        if kind == "boolean":
            return lambda chosen, sequence: rng.random() < 0.5
        if kind in ("number", "integer"):
            low, high = prop.get("minimum", -math.inf), prop.get("maximum", math.inf)
            if kind == "integer":  # the whole numbers within the bounds
                low = low if low == -math.inf else math.ceil(low)
                high = high if high == math.inf else math.floor(high)
            if low > high:
                raise SchemaError("%s: no %s is at least its minimum and at most its maximum" % (where, kind))
            self.bounds[name] = (low, high, kind == "integer")
            if low == -math.inf and high == math.inf:
                return lambda chosen, sequence: self.amount()
            return lambda chosen, sequence: min(max(self.amount(), low), high)
        if prop.get("format") == "date":
            fallback = FIRST_DAY.isoformat()
            if "pattern" not in prop:
                self.dates.add(name)

            def make(chosen, sequence):
                return (FIRST_DAY + datetime.timedelta(days=rng.randrange(DAYS))).isoformat()
        else:  # a free-text string: an event identifier like the lab's LE-06-012
            most = prop.get("maxLength", 16)
            fallback = "LE-00-0000"[:most]

            def make(chosen, sequence):
                return ("LE-%02d-%04d" % (sequence // 10000 % 100, sequence % 10000))[:most]
        if "pattern" not in prop:
            return make  # every value has the same form and length: one that fits proves them all
        if self.validator.errors(fallback, prop):
            raise SchemaError("%s: the generator makes values like %s, which do not fit its rules (%s)"
                              % (where, shown(fallback), describe(self.validator.errors(fallback, prop))))

        def checked(chosen, sequence):
            value = make(chosen, sequence)
            return fallback if self.validator.errors(value, prop) else value
        return checked

    def amount(self):
        """A gross loss like the lab's: log-normal around 180,000, in hundreds, rarely negative."""
        if self.rng.random() < 0.006:
            return -100 * self.rng.randrange(1, 80)
        return int(round(self.rng.lognormvariate(math.log(177400), 1.0), -2))

    def record(self, sequence):
        chosen = {}
        for name, make in self.steps:
            chosen[name] = make(chosen, sequence)
        self.relate(chosen)
        return {name: chosen[name] for name in self.properties}

    def relate(self, r):
        """Occurrence a few days after discovery (sometimes before); recovery about 28% and net loss
        about 100% of the gross estimate, half with cents (integers never), within bounds."""
        rng = self.rng
        if self.occurrence:
            discovered = datetime.date.fromisoformat(r["DiscoveryDate"])
            days = int(rng.expovariate(0.25)) if rng.random() < 0.97 else -rng.randrange(1, 400)
            r["OccurrenceStartDate"] = (discovered + datetime.timedelta(days=days)).isoformat()
        cents = 2 if rng.random() < 0.5 else None
        for name in self.shared:
            low, high, integer = self.bounds[name]
            r[name] = min(max(round(r["EstimatedGrossLoss"] * SHARES[name](rng), None if integer else cents), low), high)


# --- Records replayed from a CSV ------------------------------------------------------------------

INTEGER_TEXT = re.compile(r"-?[0-9]+")
NUMBER_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?")  # JSON's numbers, as text
NOT_UTF8 = re.compile("[\udc80-\udcff]")  # a byte that is not UTF-8, as surrogateescape decodes it


def typed(text, kind):
    """A CSV field as the schema's type, its value as typed: other text is kept for the validator to
    refuse; a number a 64-bit float (every reader downstream's) cannot hold raises ValueError."""
    if kind in ("number", "integer") and NUMBER_TEXT.fullmatch(text):
        as_float = float(text)
        if not math.isfinite(as_float):
            raise ValueError("%s is out of range for a 64-bit float" % text)
        number = decimal.Decimal(text)
        if number != decimal.Decimal(as_float) and number != decimal.Decimal(repr(as_float)):
            raise ValueError("%s has more digits than a 64-bit float keeps (it would arrive as %r)" % (text, as_float))
        if not INTEGER_TEXT.fullmatch(text) or text.startswith("-") and number == 0:
            return as_float  # -0 keeps its sign
        return int(text)
    if kind == "boolean" and text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text


def spans(pairs, most=12):
    """(first, last) pairs as text: `3, 5-9, 12`."""
    merged = []
    for first, last in sorted(pairs):
        if merged and first <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], last)
        else:
            merged.append([first, last])
    text = ", ".join(str(a) if a == b else "%d-%d" % (a, b) for a, b in merged[:most])
    return text + (" and %d more" % (len(merged) - most) if len(merged) > most else "")


def lines_of(pairs):
    """(first, last) line pairs as text: `line 3`, `lines 3-5, 9`."""
    return ("line %s" if len(pairs) == 1 and pairs[0][0] == pairs[0][1] else "lines %s") % spans(pairs)


def explain(error):
    text = str(error)
    return "a quoted field is not closed before the end of the file" if text == "unexpected end of data" else text


class Replay:
    """A CSV typed by the schema: its header names each field once (else InputError), and each row
    is kept as typed, or skipped and named by its line."""

    def __init__(self, name, data, schema, validator):
        self.name = name
        self.rows = []  # (line, the record as sent)
        self.skipped = []  # (first line, last line) of each row not replayed
        fields = record_fields(schema, validator)
        text = data.decode("utf-8-sig", "surrogateescape")  # a byte that is not UTF-8 stays visible
        # An oversized row is refused by the schema or Firehose's limit, by its line, not the file.
        csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        self.columns = self._header(reader, text, fields, schema.get("required", []))
        kinds = [fields[column].get("type") for column in self.columns]
        while True:
            first = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                self.skip(first, reader.line_num, explain(error))
                continue
            if row:  # a blank line holds nothing
                self._row(first, reader.line_num, row, kinds, validator)

    def _header(self, reader, text, fields, required):
        allowed = "the header must name each of the schema's fields once: %s" % ",".join(fields)
        if not text:
            raise InputError("%s is empty; %s" % (self.name, allowed))
        try:
            header = next(reader)
        except csv.Error as error:
            raise InputError("%s line 1 (the header): %s; %s" % (self.name, explain(error), allowed)) from None
        problems, seen = [], {}
        for number, column in enumerate(header, 1):
            if column in seen:
                problems.append("column %d %s repeats column %d" % (number, shown(column), seen[column]))
            elif column not in fields:
                problems.append("column %d %s is not a field of the schema" % (number, shown(column)))
            seen.setdefault(column, number)
        missing = [name for name in required if name not in seen]
        if missing:
            problems.append("no column for %s" % ", ".join(missing))
        if problems:
            raise InputError("%s line 1 (the header): %s; %s" % (self.name, "; ".join(problems), allowed))
        return header

    def _row(self, first, last, row, kinds, validator):
        if len(row) != len(self.columns):
            return self.skip(first, last, "it has %d fields, the header %d" % (len(row), len(self.columns)))
        record, problems = {}, []
        for name, kind, text in zip(self.columns, kinds, row):
            byte = NOT_UTF8.search(text)
            if byte:
                problems.append((name, "byte 0x%02X is not UTF-8" % (ord(byte.group()) - 0xDC00)))
            elif "\0" in text:  # what Python 3.9's csv refuses as "line contains NUL"
                problems.append((name, "holds a NUL character"))
            else:
                try:
                    record[name] = typed(text, kind)
                except ValueError as error:
                    problems.append((name, str(error)))
        if not problems:
            problems = validator.errors(record)
        if problems:
            return self.skip(first, last, describe(problems))
        data = encode(record)
        if len(data) > MAX_RECORD_BYTES:
            return self.skip(first, last, "it is %d bytes as JSON; Firehose takes at most %d" % (len(data), MAX_RECORD_BYTES))
        self.rows.append((first, data))

    def skip(self, first, last, why):
        self.skipped.append((first, last))
        log.warning("%s %s not replayed: %s", self.name, lines_of([(first, last)]), why)


def read_bytes(location, region=None):
    """A local file, or an S3 object named s3://bucket/key."""
    if location.startswith("s3://"):
        bucket, _, key = location[len("s3://"):].partition("/")
        s3 = aws_client("s3", region)
        try:
            return s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        except Exception as error:  # no object (AccessDenied without s3:ListBucket), no network
            raise InputError("cannot read %s (upload the CSV there first): %s" % (location, one_line(error))) from None
    try:
        with open(location, "rb") as f:
            return f.read()
    except OSError as error:
        raise InputError("cannot read %s: %s" % (location, error.strerror or error)) from None


def aws_client(service, region):
    try:
        import boto3  # only to send, or to read a replay file from S3
    except ImportError as error:
        raise InputError("cannot reach AWS without boto3 (dnf install python3-boto3): %s" % error) from None
    try:
        return boto3.client(service, region_name=region)
    except Exception as error:  # no region configured, an invalid one
        raise InputError("cannot make an AWS %s client (give --region): %s" % (service, one_line(error))) from None


# --- Sending ----------------------------------------------------------------------------------------

def encode(record):
    """A record as Firehose receives it: JSON and a newline, so S3 objects split by line."""
    return (json.dumps(record, separators=(",", ":"), allow_nan=False) + "\n").encode("utf-8")


class FirehoseSender:
    """Packs records into Firehose records of up to `pack_bytes` (0: one each; a longer one goes alone:
    micro-batch/pack-records.ts's rule, in Python), batches those for PutRecordBatch (500 records /
    4 MiB) and re-sends exactly those that failed, whole, with backoff and jitter, MAX_ATTEMPTS times.
    What still fails is counted in `given_up` and logged, named by `named` from the numbers added."""

    def __init__(self, client, stream, pack_bytes=0, sleep=time.sleep, rng=random, clock=time.monotonic,
                 named=lambda pairs: "records " + spans(pairs)):
        self.client, self.stream, self.pack_bytes, self.sleep, self.rng, self.clock, self.named = (
            client, stream, pack_bytes, sleep, rng, clock, named)
        self.pending, self.numbers, self.pending_bytes, self.since = [], [], 0, None
        self.sent = self.given_up = 0

    def add(self, data, number=None):
        if len(data) > MAX_RECORD_BYTES:
            self.give_up([number], "of %d bytes (Firehose takes at most %d)" % (len(data), MAX_RECORD_BYTES))
            return
        if self.pending_bytes + len(data) > MAX_BATCH_BYTES:
            self.flush()
        if self.pending and len(self.pending[-1]) + len(data) <= self.pack_bytes:
            self.pending[-1] += data
            self.numbers[-1].append(number)
        else:
            if len(self.pending) == MAX_BATCH_RECORDS:
                self.flush()
            self.pending.append(bytearray(data))
            self.numbers.append([number])
        self.pending_bytes += len(data)
        if self.since is None:
            self.since = self.clock()

    def wait(self):  # seconds until what is pending must be sent
        return math.inf if self.since is None else self.since + FLUSH_SECONDS - self.clock()

    def give_up(self, numbers, why):
        self.given_up += len(numbers)
        named = " (%s)" % self.named([(n, n) for n in numbers]) if None not in numbers else ""
        log.error("gave up on %d records%s %s", len(numbers), named, why)

    def flush(self):
        batch, numbers = self.pending, self.numbers
        self.pending, self.numbers, self.pending_bytes, self.since = [], [], 0, None
        attempt = 0
        while batch:
            attempt += 1
            count = sum(map(len, numbers))
            try:
                response = self.client.put_record_batch(
                    DeliveryStreamName=self.stream, Records=[{"Data": bytes(d)} for d in batch])
            except Exception as error:  # throttled, unreachable, refused: the whole batch failed
                code = ((getattr(error, "response", None) or {}).get("Error") or {}).get("Code")
                if code in FATAL_ERRORS or type(error).__name__ in FATAL_ERRORS:
                    attempt = MAX_ATTEMPTS
                log.warning("PutRecordBatch of %d records failed (attempt %d of %d): %s",
                            count, attempt, MAX_ATTEMPTS, one_line(error))
            else:
                results = response.get("RequestResponses", [])
                if response.get("FailedPutCount") == 0 and len(results) == len(batch):
                    failed = []
                else:  # a record without a result counts as failed: re-sent rather than lost
                    failed = [i for i in range(len(batch)) if i >= len(results) or "ErrorCode" in results[i]]
                batch, numbers = [batch[i] for i in failed], [numbers[i] for i in failed]
                self.sent += count - sum(map(len, numbers))
                if failed:
                    first = next((r for r in results if "ErrorCode" in r), {})
                    log.warning("%d of %d records failed (attempt %d of %d, %s)", sum(map(len, numbers)), count,
                                attempt, MAX_ATTEMPTS, first.get("ErrorCode", "no result"))
            if batch and attempt >= MAX_ATTEMPTS:
                self.give_up([n for ns in numbers for n in ns], "after %d attempts" % attempt)
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


class Parser(argparse.ArgumentParser):
    def error(self, message):
        """A usage error: one line, exit status 2."""
        self.exit(2, "%s: %s (see --help)\n" % (self.prog, message))


def option(convert, allowed):
    """An option's type: `convert` gives its value, or None when it is not allowed."""
    def parse(text):
        try:
            value = convert(text)
        except (ValueError, OverflowError):
            value = None
        if value is None:
            raise argparse.ArgumentTypeError("%s is not allowed: it must be %s" % (shown(text), allowed))
        return value
    return parse


def parse_args(argv):
    parser = Parser(prog=os.path.basename(__file__), description=__doc__.splitlines()[0])
    parser.add_argument("--stream", help="delivery stream name (required unless --dry-run)")
    parser.add_argument("--region", help="AWS region of the stream (and of an s3:// replay file)")
    parser.add_argument("--rate", default=1.0, help="records per second; 0 = as fast as possible",
                        type=option(lambda t: float(t) if 0 <= float(t) < math.inf else None,
                                    "records per second, a number 0 or more (0: as fast as possible)"))
    parser.add_argument("--count", help="stop after this many records (default: run until stopped)",
                        type=option(lambda t: int(t) if int(t) >= 0 else None, "a whole number, 0 or more"))
    parser.add_argument("--replay", metavar="FILE", help="replay this CSV (a path or s3://bucket/key) in a loop",
                        type=option(lambda t: t if re.fullmatch(r"s3://[^/]+/.+", t) or t and not t.startswith("s3://") else None,
                                    "a CSV file or s3://BUCKET/KEY"))
    parser.add_argument("--pack-bytes", default=0, metavar="BYTES", help="bytes of records per Firehose record (default 0: one each)",
                        type=option(lambda t: int(t) if 0 <= int(t) <= MAX_RECORD_BYTES else None, "a whole number from 0 to %d" % MAX_RECORD_BYTES))
    parser.add_argument("--seed", type=option(int, "a whole number"), help="random seed, for repeatable output")
    parser.add_argument("--schema", default=default_schema(), help="the record's JSON Schema (default: %(default)s)")
    parser.add_argument("--dry-run", action="store_true", help="print records to stdout instead of sending")
    parser.add_argument("--progress-every", default=60.0, metavar="SECONDS", help="log progress this often (default: %(default)s)",
                        type=option(lambda t: float(t) if 0 < float(t) < math.inf else None, "a number of seconds above 0"))
    args = parser.parse_args(argv)
    if not args.dry_run and not args.stream:
        parser.error("--stream is required unless --dry-run")
    return args


def unique_keys(pairs):
    """A JSON object: a key given twice is an error, not the last one silently winning."""
    keys = [key for key, _ in pairs]
    for key in keys:
        if keys.count(key) > 1:
            raise ValueError("key %s appears twice in one object" % shown(key))
    return dict(pairs)


def load_schema(path):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as error:
        raise InputError("cannot read the schema %s: %s" % (path, error.strerror or error)) from None
    try:
        return json.loads(data.decode("utf-8"), object_pairs_hook=unique_keys)
    except UnicodeDecodeError as error:
        raise InputError("the schema %s is not UTF-8: %s" % (path, error)) from None
    except ValueError as error:
        raise InputError("the schema %s is not JSON: %s" % (path, error)) from None
    except RecursionError:
        raise InputError("the schema %s is nested too deeply" % path) from None


def load_records(args):
    """The schema's validator, and a synthesizer or the replay file's rows."""
    schema = load_schema(args.schema)
    try:
        validator = Validator(schema)
        if not args.replay:
            return validator, Synthesizer(schema, validator, random.Random(args.seed)), None
        replay = Replay(args.replay, read_bytes(args.replay, args.region), schema, validator)
    except SchemaError as error:
        raise SchemaError("%s%s" % (args.schema, error)) from None
    except RecursionError:
        raise SchemaError("%s: nested too deeply for the generator" % args.schema) from None
    if not replay.rows:
        raise InputError("%s: none of its %d rows can be replayed (each is named above)" % (args.replay, len(replay.skipped))
                         if replay.skipped else "%s has no row after its header" % args.replay)
    log.info("%s: %d rows to replay, %s", args.replay, len(replay.rows), skipped(replay))
    return validator, None, replay


def skipped(replay):
    return "%d skipped%s" % (len(replay.skipped), " (%s)" % lines_of(replay.skipped) if replay.skipped else "")


class Printer:
    """--dry-run: records to stdout, at once when paced."""
    given_up = 0

    def __init__(self, paced):
        self.paced, self.sent = paced, 0

    def add(self, data, number):
        sys.stdout.buffer.write(data)
        self.sent += 1
        if self.paced:
            sys.stdout.buffer.flush()

    def flush(self):
        pass

    def wait(self):
        return math.inf


class Run:
    """Counts records, paces them (--rate), stops them (--count, SIGTERM) and hands them on."""

    def __init__(self, args, sender):
        self.count, self.sender, self.progress_every = args.count, sender, args.progress_every
        self.interval = 1.0 / args.rate if args.rate > 0 else 0.0
        self.made = self.invalid = 0
        self.stopping = []
        self.started = self.reported = time.monotonic()

    def more(self):
        return not self.stopping and (self.count is None or self.made < self.count)

    def send(self, data, number):
        """One record (None: one made but not sent), paced."""
        self.made += 1
        if data is None:
            self.invalid += 1
        else:
            self.sender.add(data, number)
        if time.monotonic() - self.reported >= self.progress_every:
            self.reported = time.monotonic()
            log.info("sent %d records so far, gave up on %d", self.sender.sent, self.sender.given_up)
        deadline = self.started + self.made * self.interval
        while True:  # sends what waited FLUSH_SECONDS; sleeps, waking twice a second to notice a stop
            if self.sender.wait() <= 0:
                self.sender.flush()
            left = deadline - time.monotonic()
            if not self.interval or self.stopping or left <= 0:
                break
            time.sleep(min(left, 0.5, self.sender.wait()))


def synthesize(run, synthesizer, validator):
    for number in itertools.count(1):
        if not run.more():
            return
        record = synthesizer.record(number - 1)
        problems = validator.errors(record)
        if problems:  # never expected; said, never sent
            log.error("record %d is not sent, it does not fit the schema: %s", number, describe(problems))
            run.send(None, number)
        else:
            run.send(encode(record), number)


def replay_passes(run, replay):
    """The rows in a loop; after a pass (the first, the last, others once a minute), the counts."""
    said = 0.0
    for number in itertools.count(1):
        sender = run.sender
        sent, given_up = sender.sent, sender.given_up
        for line, data in replay.rows:
            if not run.more():
                break
            run.send(data, line)
        if number == 1 or not run.more() or time.monotonic() - said >= 60:
            said = time.monotonic()
            sender.flush()  # so that the counts are final
            log.info("%s pass %d%s: %d of %d rows sent, %s%s", replay.name, number, "" if run.more() else " (the last)",
                     sender.sent - sent, len(replay.rows) + len(replay.skipped), skipped(replay),
                     ", %d given up" % (sender.given_up - given_up) if sender.given_up > given_up else "")
        if not run.more():
            return


def main(argv=None, firehose=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr)
    try:
        validator, synthesizer, replay = load_records(args)
        if args.dry_run:
            sender = Printer(args.rate > 0)
        else:
            sender = FirehoseSender(firehose if firehose is not None else aws_client("firehose", args.region), args.stream, args.pack_bytes)
            if replay:
                sender.named = lambda pairs: "%s of %s" % (lines_of(pairs), replay.name)
    except InputError as error:
        log.error("cannot start: %s", error)
        return 2
    run = Run(args, sender)
    previous = signal.signal(signal.SIGTERM, lambda *_: run.stopping.append(True))
    try:
        if replay:
            replay_passes(run, replay)
        else:
            synthesize(run, synthesizer, validator)
    except KeyboardInterrupt:
        pass
    except BrokenPipeError:  # stdout closed early (| head): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    finally:
        sender.flush()  # what is buffered is sent before stopping
        signal.signal(signal.SIGTERM, previous)
    elapsed = max(time.monotonic() - run.started, 1e-9)
    log.info("made %d records in %.2f s (%.0f/s); %s %d records, gave up on %d; %d did not fit the schema%s",
             run.made, elapsed, run.made / elapsed, "printed" if args.dry_run else "sent", sender.sent,
             sender.given_up, run.invalid, "; rows of %s: %s" % (replay.name, skipped(replay)) if replay else "")
    return 1 if sender.given_up or run.invalid or replay and replay.skipped else 0


if __name__ == "__main__":
    sys.exit(main())
