"""Property-based tests (hypothesis) where a list of examples cannot reach: records synthesized
from random seeds and random variants of the schema are always valid, integers as integers; random
CSV rows, valid and mutated, are each either sent exactly as typed or skipped and named by their
line, never changed and never lost. Without hypothesis these tests fail, saying how to install it."""
import copy
import decimal
import io
import json
import logging
import math
import random
import re
import sys
import unittest

from support import FakeFirehose, generator, load_schema

try:
    from hypothesis import HealthCheck, given, settings, strategies as st
except ImportError:  # a failure, never a silent skip
    given = None

SCHEMA = load_schema()
VALIDATOR = generator.Validator(SCHEMA)
AMOUNTS = ("NetLoss", "RecoveryAmount", "EstimatedGrossLoss")
SUB_CATEGORIES = {rule["if"]["properties"]["RiskCategory"]["const"]:
                  VALIDATOR.resolve(rule["then"]["properties"]["RiskSubCategory"]["$ref"])["enum"]
                  for rule in SCHEMA["allOf"]}
FIELDS = list(SCHEMA["properties"])
KINDS = {name: prop.get("type") for name, prop in SCHEMA["properties"].items()}
JSON_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?")


def as_typed(text, kind):
    """What a CSV cell means under the schema's type, by the rule the README states: a number as
    typed, if a 64-bit float holds it as typed (exactly, or as its shortest form), else None."""
    if kind in ("number", "integer") and JSON_NUMBER.fullmatch(text):
        value = float(text)
        exact = math.isfinite(value) and decimal.Decimal(text) in (decimal.Decimal(value), decimal.Decimal(repr(value)))
        return value if exact else None
    return text


def same_value(sent, text, kind):
    """The value that arrived is the one typed: the same text, or the same number."""
    if kind in ("number", "integer") and JSON_NUMBER.fullmatch(text):
        return isinstance(sent, (int, float)) and not isinstance(sent, bool) and (
            decimal.Decimal(text) in (decimal.Decimal(sent), decimal.Decimal(repr(sent))))
    return sent == text


if given is None:
    class HypothesisMissingTest(unittest.TestCase):
        def test_hypothesis_is_installed(self):
            self.fail("the generator's property tests need hypothesis: %s -m pip install hypothesis" % sys.executable)
else:
    def subset(values):
        return st.lists(st.sampled_from(values), min_size=1, max_size=len(values), unique=True)

    @st.composite
    def bounds(draw, kind):
        """minimum and maximum (either, both or none) that some value of the kind fits."""
        low = draw(st.none() | st.integers(-10 ** 7, 10 ** 7) | st.floats(-1e7, 1e7))
        high = draw(st.none() | st.integers(-10 ** 7, 10 ** 7) | st.floats(-1e7, 1e7))
        if low is not None and high is not None:
            high = low + draw(st.integers(1 if kind == "integer" else 0, 10 ** 7))
        return {key: value for key, value in (("minimum", low), ("maximum", high)) if value is not None}

    @st.composite
    def schema_variants(draw):
        """The lab's schema with its enums narrowed, its amounts typed number or integer and bounded,
        Name's lengths changed, and fields of every other supported kind added."""
        schema = copy.deepcopy(SCHEMA)
        props = schema["properties"]
        for name in ("Region", "Business", "Status"):
            props[name]["enum"] = draw(subset(props[name]["enum"]))
        for name in AMOUNTS:
            kind = draw(st.sampled_from(["number", "integer"]))
            props[name].update(type=kind, **draw(bounds(kind)))
        props["Name"]["maxLength"] = most = draw(st.integers(1, 16))
        props["Name"]["minLength"] = draw(st.integers(0, min(most, 10)))
        extras = {
            "Flag": {"type": "boolean"},
            "Kind": {"const": draw(st.sampled_from(["loss", 1, 2.5, None, False]))},
            "Level": {"enum": draw(st.lists(st.integers(-5, 5) | st.sampled_from([0.5, None, True, "x"]), min_size=1, max_size=4))},
            "Count": dict({"type": "integer"}, **draw(bounds("integer"))),
            "Seen": {"type": "string", "format": "date", "pattern": "^20[01]"},
            "Note": {"type": "string", "maxLength": draw(st.integers(0, 20))},
        }
        for name in draw(st.lists(st.sampled_from(sorted(extras)), unique=True)):
            props[name] = extras[name]
            schema["required"].append(name)
        return schema

    class SynthesizedRecordsProperties(unittest.TestCase):
        @settings(max_examples=20, deadline=None, database=None)
        @given(st.integers(0, 2 ** 64))
        def test_records_from_any_seed_fit_the_schema(self, seed):
            synthesizer = generator.Synthesizer(SCHEMA, VALIDATOR, random.Random(seed))
            for n in range(200):
                record = synthesizer.record(n)
                self.assertEqual(VALIDATOR.errors(record), [], record)

        @settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
        @given(schema_variants(), st.integers(0, 2 ** 64))
        def test_records_fit_any_schema_the_generator_accepts_integers_as_integers(self, schema, seed):
            validator = generator.Validator(schema)
            synthesizer = generator.Synthesizer(schema, validator, random.Random(seed))
            integers = [name for name, prop in schema["properties"].items() if prop.get("type") == "integer"]
            for n in range(40):
                record = synthesizer.record(n)
                self.assertEqual(validator.errors(record), [], record)
                self.assertEqual(list(record), list(schema["properties"]))
                for name in integers:
                    self.assertIs(type(record[name]), int, (name, record[name]))
                json.loads(generator.encode(record))  # and it is JSON (no NaN, no infinity)

    NUMBER = (st.integers(-10 ** 22, 10 ** 22).map(str) | st.floats(allow_nan=False, allow_infinity=False).map(repr)
              | st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str)
              | st.from_regex(r"\A-?[0-9]{1,6}(\.[0-9]{1,4})?([eE][+-]?[0-9]{1,2})?\Z"))
    CATEGORY = st.sampled_from(sorted(SUB_CATEGORIES))
    SUB_CATEGORY = {category: st.sampled_from(subs) for category, subs in SUB_CATEGORIES.items()}
    CELLS = {name: st.sampled_from(SCHEMA["properties"][name]["enum"]) for name in ("Region", "Business", "Status")}
    CELLS.update({"Name": st.from_regex(r"\A[A-Za-z0-9_-]{1,16}\Z"), "DiscoveryDate": st.dates().map(str),
                  "OccurrenceStartDate": st.dates().map(str), **{name: NUMBER for name in AMOUNTS}})

    KEYWORD = st.sampled_from(sorted(generator.KEYWORDS) + ["oneOf", "items", "Region", "NetLoss", "RiskCategory", "a b", "a/b\n"])
    JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
                        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYWORD | st.text(max_size=3), inner, max_size=4),
                        max_leaves=12)

    @st.composite
    def mangled_schemas(draw):
        """The lab's schema with one of its nodes replaced by, or given, random JSON."""
        schema = copy.deepcopy(SCHEMA)
        nodes = [schema] + list(schema["properties"].values()) + list(schema["$defs"].values()) + \
            [part for rule in schema["allOf"] for part in (rule, rule["if"], rule["then"])]
        node = draw(st.sampled_from(nodes))
        node[draw(KEYWORD)] = draw(JSON)
        return schema

    class BadInputProperties(unittest.TestCase):
        """Whatever the schema or the CSV, the generator answers with its own error, never a crash."""

        @settings(max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
        @given(mangled_schemas(), st.binary(max_size=200))
        def test_a_schema_is_used_or_refused_with_one_line_naming_the_place(self, schema, data):
            header = ",".join(FIELDS).encode() + b"\n"
            for make in (lambda v: generator.Synthesizer(schema, v, random.Random(1)),
                         lambda v: generator.Replay("data.csv", header + data, schema, v)):
                try:
                    with self.assertLogs("generator", logging.INFO):
                        logging.getLogger("generator").info("replaying")
                        make(generator.Validator(schema))
                except generator.SchemaError as error:
                    self.assertRegex(str(error), r"^#(/[ -~]*)?: [ -~]*$")  # a JSON pointer, and all of it one line of ASCII
                    self.assertNotIn("\n", str(error))
                except generator.InputError as error:  # the CSV's header, for this schema
                    self.assertRegex(str(error), r"^data\.csv line 1 \(the header\): ")

        @settings(max_examples=100, deadline=None, database=None)
        @given(st.binary(max_size=300), st.booleans())
        def test_any_bytes_are_replayed_or_refused_with_one_line(self, data, with_header):
            header = ",".join(FIELDS).encode() + b"\r\n" if with_header else b""
            try:
                with self.assertLogs("generator", logging.INFO) as logs:
                    logging.getLogger("generator").info("replaying")
                    replay = generator.Replay("data.csv", header + data, SCHEMA, VALIDATOR)
            except generator.InputError as error:
                self.assertRegex(str(error), r"^data\.csv (is empty; |line 1 \(the header\): )")
                self.assertNotIn("\n", str(error))
            else:
                self.assertEqual(len(logs.output) - 1, len(replay.skipped))
                self.assertTrue(all("\n" not in line for line in logs.output))

    @st.composite
    def valid_texts(draw):
        """The cells of a row that fits the schema, as a CSV would type them."""
        category = draw(CATEGORY)
        texts = {"RiskCategory": category, "RiskSubCategory": draw(SUB_CATEGORY[category])}
        return [texts[name] if name in texts else draw(CELLS[name]) for name in FIELDS]

    BROKEN = ("a quote left open", "text after a closing quote")
    HOW = st.sampled_from([None, None, None, "a field dropped", "a field added", "any text", "a byte not UTF-8",
                           "more digits than a float keeps", "a NUL", "a line break", *BROKEN])
    TEXT = st.text(max_size=20)
    BYTE = st.integers(0x80, 0xFF)
    LINE_BREAK = st.sampled_from(["\n", "\r\n", "\r"])
    ROW_END = st.sampled_from(["\r\n", "\n"])
    QUOTE_MASK = st.integers(0, 2 ** 12 - 1)

    @st.composite
    def rows(draw):
        """(cells as typed, how the row was broken or None, the row as CSV text)."""
        cells = draw(valid_texts())
        how = draw(HOW)
        at = draw(st.integers(0, len(cells) - 1))
        if how == "a field dropped":
            del cells[at]
        elif how == "a field added":
            cells.insert(at, draw(TEXT))
        elif how == "any text":
            cells[at] = draw(TEXT)
        elif how == "a byte not UTF-8":  # as surrogateescape decodes it: written back as that very byte
            cells[at] = cells[at][:1] + chr(0xDC00 + draw(BYTE)) + cells[at][1:]
        elif how == "more digits than a float keeps":
            cells[FIELDS.index(AMOUNTS[at % 3])] = "1." + "0" * 16 + "1"
        elif how == "a NUL":
            cells[at] += "\0"
        elif how == "a line break":
            cells[at] += draw(LINE_BREAK)
        mask = draw(QUOTE_MASK)  # which cells are quoted though they need not be
        quote = [mask >> i & 1 or any(c in text for c in ',"\r\n') for i, text in enumerate(cells)]
        out = ['"%s"' % text.replace('"', '""') if q else text for text, q in zip(cells, quote)]
        if how in BROKEN:
            out[at] = '"' + cells[at].replace('"', '""') + ('"x' if how == BROKEN[1] else "")
        return cells, how, ",".join(out) + draw(ROW_END)

    def expected_record(cells):
        """The record a clean row must arrive as, or None when it must be skipped."""
        if len(cells) != len(FIELDS) or any("\0" in c or re.search("[\udc80-\udcff]", c) for c in cells):
            return None
        record = {name: as_typed(text, KINDS[name]) for name, text in zip(FIELDS, cells)}
        if None in record.values() or VALIDATOR.errors(record):
            return None
        return record

    class ReplayedRowsProperties(unittest.TestCase):
        @settings(max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
        @given(st.lists(rows(), min_size=1, max_size=8))
        def test_each_row_is_sent_exactly_as_typed_or_skipped_and_named_by_its_line(self, table):
            text = ",".join(FIELDS) + "\r\n"
            starts = []
            for _, _, row in table:
                starts.append(len(io.StringIO(text, newline="").readlines()) + 1)  # lines as csv counts them
                text += row
            data = text.encode("utf-8", "surrogateescape")
            logger = logging.getLogger("generator")
            with self.assertLogs(logger, logging.INFO) as logs:
                logger.info("replaying")
                replay = generator.Replay("data.csv", data, SCHEMA, VALIDATOR)
            sent = {line: json.loads(record) for line, record in replay.rows}
            reported = [(first, last) for first, last in replay.skipped]
            said = "\n".join(logs.output)
            for first, last in reported:  # each skipped row is said, by its lines
                self.assertIn("data.csv %s not replayed: " % generator.lines_of([(first, last)]), said)
            broken_before = False
            for (cells, how, row), line in zip(table, starts):
                covered = [span for span in reported if span[0] <= line <= span[1]]
                self.assertNotEqual(line in sent, bool(covered), "line %d is sent or skipped, never both or neither: %r" % (line, row))
                if line in sent:
                    record = sent[line]
                    self.assertEqual(list(record), FIELDS)
                    for name, cell in zip(FIELDS, cells):
                        self.assertTrue(same_value(record[name], cell, KINDS[name]), (name, cell, record[name]))
                elif how not in BROKEN and not broken_before:
                    self.assertIsNone(expected_record(cells), "a clean, valid row was skipped: %r" % row)
                if how == BROKEN[0]:
                    broken_before = True  # what follows an open quote is part of its row
                elif how not in BROKEN and not broken_before and expected_record(cells) is not None:
                    self.assertIn(line, sent, "a clean, valid row was not sent: %r" % row)

    class PackingProperties(unittest.TestCase):
        @settings(max_examples=300, deadline=None, database=None)
        @given(st.lists(st.binary(max_size=3000).map(lambda b: b.replace(b"\n", b"") + b"\n"), max_size=80),
               st.integers(0, 6000) | st.just(generator.MAX_RECORD_BYTES),
               st.lists(st.sampled_from([None, 1, 2, "throttle"]), max_size=6))
        def test_firehose_records_hold_the_records_whole_in_order_within_the_limit(self, data, pack_bytes, failures):
            data = [b"%d:" % n + d for n, d in enumerate(data)]  # distinct records, so re-sends are known by their bytes
            client = FakeFirehose(script=failures)
            sender = generator.FirehoseSender(client, "Source", pack_bytes, sleep=lambda _: None)
            with self.assertLogs("generator", logging.DEBUG):
                logging.getLogger("generator").debug("sending")
                for number, d in enumerate(data):
                    sender.add(d, number)
                sender.flush()
            self.assertEqual((sender.sent, sender.given_up), (len(data), 0))
            sent = [bytes(d) for _, batch in client.calls for d in batch]
            packs = list(dict.fromkeys(sent))  # each Firehose record as first sent (re-sends are the same bytes)
            self.assertEqual(b"".join(packs), b"".join(data), "the records, in order, nothing lost or added")
            self.assertEqual(sorted(client.delivered), sorted(packs), "each Firehose record delivered once, whole")
            ends, offset = set(), 0
            for d in data:
                offset += len(d)
                ends.add(offset)
            offset = 0
            for pack in packs:
                offset += len(pack)
                self.assertIn(offset, ends, "a Firehose record ends where a record ends")
                self.assertTrue(len(pack) <= max(pack_bytes, max(map(len, data))) and len(pack) <= generator.MAX_RECORD_BYTES)
                self.assertTrue(len(pack) <= pack_bytes or pack.count(b"\n") == 1, "only a record longer than the pack size goes alone")


if __name__ == "__main__":
    unittest.main()
