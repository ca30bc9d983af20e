"""Records synthesized from the schema and replayed from a CSV: synthesized ones all valid, typed
by the schema and driven by it (change the schema and the records follow); replayed rows sent
exactly as typed, or skipped and named by their line."""
import collections
import copy
import datetime
import json
import logging
import os
import random
import unittest

from support import LAB_DATA, NEEDS_LAB_DATA, generator, load_schema

AMOUNTS = ("NetLoss", "RecoveryAmount", "EstimatedGrossLoss")


def synthesize(schema, count, seed=1):
    synthesizer = generator.Synthesizer(schema, generator.Validator(schema), random.Random(seed))
    return [synthesizer.record(n) for n in range(count)]


def changed(schema, change):
    schema = copy.deepcopy(schema)
    change(schema)
    return schema


def with_fields(**fields):
    """The lab's schema with more fields, all required."""
    def change(schema):
        schema["properties"].update(fields)
        schema["required"] += list(fields)
    return change


class SynthesizedRecordsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.schema = load_schema()
        cls.validator = generator.Validator(cls.schema)
        cls.records = synthesize(cls.schema, 1000)

    def assertAllValid(self, schema, records):
        validator = generator.Validator(schema)
        for n, record in enumerate(records):
            self.assertEqual(validator.errors(record), [], "record %d: %r" % (n, record))

    def test_1000_records_all_validate_against_the_schema(self):
        self.assertEqual(len(self.records), 1000)
        self.assertAllValid(self.schema, self.records)
        self.assertTrue(all(list(r) == list(self.schema["properties"]) for r in self.records))

    def test_use_every_value_of_every_enum(self):
        for name, prop in self.schema["properties"].items():
            if "enum" in prop:
                with self.subTest(name):
                    self.assertEqual({r[name] for r in self.records}, set(prop["enum"]))

    def test_dates_and_amounts_look_like_the_labs(self):
        days = [(datetime.date.fromisoformat(r["OccurrenceStartDate"]) - datetime.date.fromisoformat(r["DiscoveryDate"])).days
                for r in self.records]
        self.assertGreater(sum(d >= 0 for d in days), 900)  # occurrence usually after discovery...
        self.assertGreater(sum(d < 0 for d in days), 5)  # ...but not always
        gross = sorted(r["EstimatedGrossLoss"] for r in self.records)
        self.assertTrue(all(g % 100 == 0 for g in gross))  # estimates in hundreds
        self.assertTrue(50_000 < gross[500] < 500_000, gross[500])  # median near the lab's 177,400
        self.assertTrue(any(isinstance(r["NetLoss"], float) for r in self.records))  # some with cents
        self.assertTrue(all(isinstance(r[f], (int, float)) for r in self.records for f in ("NetLoss", "RecoveryAmount")))

    def test_integer_fields_are_made_as_integers_never_floats(self):
        schema = changed(self.schema, lambda s: [s["properties"][f].update(type="integer") for f in AMOUNTS])
        records = synthesize(schema, 3000)
        self.assertAllValid(schema, records)
        for field in AMOUNTS:
            self.assertEqual({type(r[field]) for r in records}, {int}, field)
        self.assertNotIn(b".", b"".join(generator.encode({f: r[f] for f in AMOUNTS}) for r in records))
        # and related like the lab's: net loss near the gross estimate
        self.assertTrue(0.8 < sum(r["NetLoss"] for r in records) / sum(r["EstimatedGrossLoss"] for r in records) < 1.2)

    def test_numbers_stay_within_their_bounds(self):
        def bound(schema):
            schema["properties"]["EstimatedGrossLoss"].update(type="integer", minimum=0, maximum=250000)
            schema["properties"]["NetLoss"].update(minimum=-0.5, maximum=100000.25)
            schema["properties"]["RecoveryAmount"].update(type="integer", minimum=10.5, maximum=11.5)  # only 11 fits
        schema = changed(self.schema, bound)
        records = synthesize(schema, 2000)
        self.assertAllValid(schema, records)
        self.assertEqual({r["RecoveryAmount"] for r in records}, {11})
        self.assertEqual(max(r["EstimatedGrossLoss"] for r in records), 250000)
        self.assertGreater(len({r["NetLoss"] for r in records}), 300)  # clamped, but still related to the gross

    def test_make_every_type_the_schema_allows(self):
        schema = changed(self.schema, with_fields(
            Flag={"type": "boolean"}, Kind={"const": "loss"}, Level={"enum": [1, 2.5, None, True]},
            Count={"type": "integer"}, Ratio={"type": "number", "minimum": 0, "maximum": 1},
            Note={"type": "string"}, Code={"type": "string", "maxLength": 4, "minLength": 2},
            Seen={"type": "string", "format": "date", "pattern": "^20"}))
        records = synthesize(schema, 500)
        self.assertAllValid(schema, records)
        self.assertEqual({r["Flag"] for r in records}, {True, False})
        self.assertEqual({r["Kind"] for r in records}, {"loss"})
        self.assertEqual({repr(r["Level"]) for r in records}, {"1", "2.5", "None", "True"})
        self.assertEqual({type(r["Count"]) for r in records}, {int})
        self.assertTrue(all(0 <= r["Ratio"] <= 1 for r in records))

    def test_a_value_that_misses_a_fields_pattern_is_never_made(self):
        # identifiers LE-00-0000 ... fit until LE-00-0099; the others would not: they are never made
        schema = changed(self.schema, lambda s: s["properties"]["Name"].update(pattern="^LE-00-00[0-9]{2}$"))
        records = synthesize(schema, 300)
        self.assertAllValid(schema, records)
        self.assertEqual(records[99]["Name"], "LE-00-0099")
        self.assertEqual(records[100]["Name"], "LE-00-0000")

    def test_are_repeatable_with_a_seed(self):
        self.assertEqual(synthesize(self.schema, 20, seed=7), synthesize(self.schema, 20, seed=7))
        self.assertNotEqual(synthesize(self.schema, 20, seed=7), synthesize(self.schema, 20, seed=8))

    def test_follow_the_schema_not_a_copy_of_its_domains(self):
        schema = copy.deepcopy(self.schema)
        schema["properties"]["Region"]["enum"] = ["LATAM"]
        schema["$defs"]["SubCategoriesOfExternalFraud"]["enum"] = ["Systems Security"]
        records = synthesize(schema, 300)
        self.assertEqual({r["Region"] for r in records}, {"LATAM"})
        self.assertEqual({r["RiskSubCategory"] for r in records if r["RiskCategory"] == "External Fraud"}, {"Systems Security"})

    def test_refuse_a_schema_they_cannot_fill_naming_the_place(self):
        subs = self.schema["properties"]["RiskSubCategory"]["enum"]
        for change, message in [
            (lambda s: s["properties"]["Name"].update(pattern="^EVT[0-9]+$"),
             '#/properties/Name: the generator makes values like "LE-00-0000", which do not fit its rules ((record): must match pattern'),
            (lambda s: s["properties"]["Name"].update(minLength=12), "#/properties/Name: the generator makes values like"),
            (lambda s: s["properties"]["RiskSubCategory"].update(enum=[v for v in subs if v != "Infrastructure and Systems"]),
             "#/properties/RiskSubCategory: no value fits the rules for {\"RiskCategory\": \"Business Disruption"),
            (lambda s: s["properties"]["Region"].update(maxLength=2), "#/properties/Region: no value of its enum or const fits its other rules"),
            (with_fields(Tags={"type": "object"}), '#/properties/Tags: a record field must have an enum, a const, or type string'),
            (with_fields(Any={}), "#/properties/Any: a record field must have an enum"),
            (lambda s: s["properties"]["NetLoss"].update(minimum=5, maximum=4),
             "#/properties/NetLoss: no number is at least its minimum and at most its maximum"),
            (lambda s: s["properties"]["NetLoss"].update(type="integer", minimum=0.2, maximum=0.8), "#/properties/NetLoss: no integer is"),
            (lambda s: s["required"].append("Nope"), "#: the records the generator makes do not fit the schema: Nope: is required"),
            (lambda s: s.update(type="string"), '#: the record schema must have "type": "object" and "properties"'),
            (lambda s: s.pop("properties"), '#: the record schema must have "type": "object" and "properties"'),
            (lambda s: s["allOf"].append({"required": ["Region"]}), "#/allOf/7/required: the generator makes records only where a rule in allOf uses if, then"),
            (lambda s: s["allOf"][0]["then"]["properties"].update(NetLoss={"maximum": 5}),
             "#/allOf/0/then/properties/NetLoss/maximum: the generator makes records only where a rule narrowing an enum field uses const, enum"),
            (lambda s: s["allOf"][0]["then"]["properties"].update(NetLoss={"enum": [1]}),
             "#/allOf/0/then/properties/NetLoss: a rule may narrow only an enum field, to some of its values"),
            (lambda s: s["allOf"][0]["then"].update(required=["Nope"]), "#/allOf/0/then/required: the generator makes records only where a consequence uses properties"),
            (lambda s: s["allOf"][0]["if"].update(allOf=[{"type": "object"}]), "#/allOf/0/if/allOf: the generator makes records only where a condition uses"),
            (lambda s: s["allOf"].append({"if": {"properties": {"RiskSubCategory": {"const": "Product Flaws"}}},
                                          "then": {"properties": {"Region": {"const": "EMEA"}}}}),
             "#/properties/RiskSubCategory: a rule may test only an enum field that no rule narrows"),
            (lambda s: s["allOf"].append({"if": {"properties": {"NetLoss": {"const": 1}}}, "then": {"properties": {"Region": {"const": "EMEA"}}}}),
             "#/properties/NetLoss: a rule may test only an enum field"),
            (lambda s: s["properties"].update(Region={"$ref": "#/$defs/SubCategoriesOfExternalFraud", "maxLength": 3}),
             "#/properties/Region: a field's $ref must stand alone"),
            (lambda s: s["properties"]["NetLoss"].update(allOf=[{"type": "number"}]),
             "#/properties/NetLoss/allOf: the generator makes records only where a field uses"),
            (lambda s: s.update(minLength=1), "#/minLength: the generator makes records only where the record uses"),
        ]:
            with self.subTest(message):
                with self.assertRaises(generator.SchemaError) as refused:  # when it is built, never mid-run
                    generator.Synthesizer(changed(self.schema, change), generator.Validator(changed(self.schema, change)), random.Random(1))
                self.assertTrue(str(refused.exception).startswith(message), str(refused.exception))


CSV_HEADER = "Region,Business,Name,Status,RiskCategory,RiskSubCategory,DiscoveryDate,OccurrenceStartDate,NetLoss,RecoveryAmount,EstimatedGrossLoss\r\n"
GOOD = "EMEA,Retail Banking,LE_%d,Approved,External Fraud,Theft and Fraud,2007-01-01,2007-01-02,1,2.5,3\r\n"


class ReplayTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.schema = load_schema()
        cls.validator = generator.Validator(cls.schema)

    def replay(self, data, schema=None):
        """(the records sent with their lines, the log)."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        schema = schema or self.schema
        logger = logging.getLogger("generator")
        with self.assertLogs(logger, logging.INFO) as logs:
            logger.info("replaying")  # so that a replay with nothing to say logs something
            replay = generator.Replay("data.csv", data, schema, generator.Validator(schema))
        return [(line, json.loads(d)) for line, d in replay.rows], replay, logs.output[1:]

    @unittest.skipUnless(os.path.exists(LAB_DATA), NEEDS_LAB_DATA)
    def test_the_whole_lab_file_replays_and_every_record_validates(self):
        rows, replay, logs = self.replay(generator.read_bytes(LAB_DATA))
        self.assertEqual((len(rows), replay.skipped, logs), (1402, [], []))
        records = [r for _, r in rows]
        for n, record in enumerate(records):
            self.assertEqual(self.validator.errors(record), [], "row %d: %r" % (n + 1, record))
        self.assertEqual(rows[0][0], 2)  # line 1 is the header
        self.assertEqual(records[0]["NetLoss"], 296555)
        self.assertIn(3028.96, [r["NetLoss"] for r in records])
        self.assertEqual(collections.Counter(type(r["RecoveryAmount"]).__name__ for r in records).keys(), {"int", "float"})

    def test_converts_each_field_to_the_schemas_type_crlf_bom_and_quoted_commas_included(self):
        text = "\ufeff" + CSV_HEADER + 'Asia Pac,Retail Banking,z-LE-7,Approved,"Clients, Products and Business Practices",Product Flaws,2009-05-01,2009-04-30,-1030.5,-268,1900\r\n'
        self.assertEqual(self.replay(text)[0], [(2, {
            "Region": "Asia Pac", "Business": "Retail Banking", "Name": "z-LE-7", "Status": "Approved",
            "RiskCategory": "Clients, Products and Business Practices", "RiskSubCategory": "Product Flaws",
            "DiscoveryDate": "2009-05-01", "OccurrenceStartDate": "2009-04-30",
            "NetLoss": -1030.5, "RecoveryAmount": -268, "EstimatedGrossLoss": 1900,
        })])

    def test_keeps_text_that_is_not_a_json_number_as_text_for_the_validator_to_refuse(self):
        for text, value in [("12", 12), ("-0.5", -0.5), ("1e3", 1000.0), ("1_000", "1_000"), ("nan", "nan"), ("+1", "+1"),
                            (".5", ".5"), ("5.", "5."), (" 12", " 12"), ("", ""), ("0x10", "0x10"), ("１２", "１２")]:
            with self.subTest(text):
                self.assertEqual(generator.typed(text, "number"), value)
        self.assertEqual(generator.typed("TRUE", "boolean"), True)
        self.assertEqual(generator.typed("yes", "boolean"), "yes")
        self.assertEqual(generator.typed("12", "string"), "12")

    def test_sends_a_number_only_when_a_float_holds_it_as_typed(self):
        exact = [("0.1", 0.1), ("3028.96", 3028.96), ("9007199254740992", 2 ** 53), ("1e300", 1e300), ("2.5E-3", 0.0025),
                 ("1152921504606846976", 2 ** 60), ("0.1000000000000000055511151231257827021181583404541015625", 0.1)]
        for text, value in exact:
            with self.subTest(text):
                self.assertEqual(generator.typed(text, "number"), value)
        negative_zero = generator.typed("-0", "integer")
        self.assertEqual((negative_zero, str(negative_zero)), (0, "-0.0"))  # its sign kept
        for text, problem in [("1.00000000000000001", "has more digits than a 64-bit float keeps (it would arrive as 1.0)"),
                              ("9007199254740993", "has more digits"), ("1e999", "is out of range"), ("-1e999", "is out of range"),
                              ("1e-400", "has more digits")]:
            with self.subTest(text), self.assertRaisesRegex(ValueError, "^%s %s" % (text, problem.replace("(", r"\(").replace(")", r"\)"))):
                generator.typed(text, "number")

    def test_a_bad_row_is_skipped_and_named_by_its_line_the_others_sent_as_typed(self):
        big = "x" * 200_000
        rows = [
            GOOD % 2,                                                               # line 2: sent
            "EMEA,Retail Banking\r\n",                                              # 3: too few fields
            (GOOD % 4).replace("\r\n", ",surplus\r\n"),                             # 4: one field too many
            (GOOD % 5).replace("Approved", "Appr\udcffoved"),                       # 5: not UTF-8 (written as the byte 0xFF)
            (GOOD % 6).replace("Theft and Fraud", "Willful Damage"),                # 6: a sub-category of another category
            (GOOD % 7).replace("LE_7", '"LE\r\n8"'),                                # 7-8: a quoted line break in a name
            "\r\n",                                                                 # 9: blank: nothing to send
            (GOOD % 10).replace("LE_10", "LE\x0010"),                               # 10: a NUL character
            (GOOD % 11).replace(",1,", ",1.00000000000000001,"),                    # 11: more digits than a float keeps
            (GOOD % 12).replace("LE_12", big),                                      # 12: a 200 kB field
            (GOOD % 13).replace("LE_13", '"LE_13"x'),                               # 13: text after a closing quote
            GOOD % 14,                                                              # 14: sent
        ]
        data = (CSV_HEADER + "".join(rows)).encode("utf-8", "surrogateescape")
        self.assertIn(b"Appr\xffoved", data)
        sent, replay, logs = self.replay(data)
        self.assertEqual([(line, r["Name"]) for line, r in sent], [(2, "LE_2"), (14, "LE_14")])
        self.assertEqual(sent[0][1]["RecoveryAmount"], 2.5)
        self.assertEqual(replay.skipped, [(3, 3), (4, 4), (5, 5), (6, 6), (7, 8), (10, 10), (11, 11), (12, 12), (13, 13)])
        expected = [
            "data.csv line 3 not replayed: it has 2 fields, the header 11",
            "data.csv line 4 not replayed: it has 12 fields, the header 11",
            "data.csv line 5 not replayed: Status: byte 0xFF is not UTF-8",
            "data.csv line 6 not replayed: RiskSubCategory: must be one of",
            'data.csv lines 7-8 not replayed: Name: must match pattern "^[A-Za-z0-9_-]+$"',
            "data.csv line 10 not replayed: ",  # Python 3.9's csv: "line contains NUL"; later ones: the generator's own check
            "data.csv line 11 not replayed: NetLoss: 1.00000000000000001 has more digits than a 64-bit float keeps",
            "data.csv line 12 not replayed: Name: must NOT have more than 16 characters",
            "data.csv line 13 not replayed: ',' expected after '\"'",
        ]
        self.assertEqual(len(logs), len(expected))
        for line, start in zip(logs, expected):
            self.assertIn("WARNING:generator:" + start, line)
        self.assertRegex(logs[5], "NUL")
        self.assertTrue(all(len(line) < 300 for line in logs), "a value is never logged whole")

    def test_a_quote_left_open_skips_the_rest_of_the_file_naming_its_lines(self):
        text = CSV_HEADER + GOOD % 2 + (GOOD % 3).replace("LE_3", '"LE_3') + GOOD % 4 + GOOD % 5
        sent, replay, logs = self.replay(text)
        self.assertEqual([line for line, _ in sent], [2])
        self.assertEqual(replay.skipped, [(3, 5)])
        self.assertEqual(logs, ["WARNING:generator:data.csv lines 3-5 not replayed: a quoted field is not closed before the end of the file"])

    def test_a_record_over_firehoses_limit_is_skipped_with_its_line(self):
        schema = changed(self.schema, lambda s: s["properties"]["Name"].update(maxLength=2_000_000, pattern="^x*$"))
        text = CSV_HEADER + (GOOD % 2).replace("LE_2", "x" * (generator.MAX_RECORD_BYTES + 1)) + (GOOD % 3).replace("LE_3", "x" * 1000)
        sent, replay, logs = self.replay(text, schema)
        self.assertEqual([line for line, _ in sent], [3])
        self.assertRegex(logs[0], r"data.csv line 2 not replayed: it is 1024\d{3} bytes as JSON; Firehose takes at most 1024000$")

    def test_bytes_that_are_not_utf8_are_never_replaced_and_text_that_is_arrives_unchanged(self):
        schema = changed(self.schema, lambda s: s["properties"]["Name"].pop("pattern"))
        row = (GOOD % 0).encode()
        for bad in [b"\xff", b"\xc3(", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe2\x82"]:
            with self.subTest(bad):
                sent, replay, logs = self.replay(CSV_HEADER.encode() + row.replace(b"LE_0", b"LE" + bad), schema)
                self.assertEqual((sent, replay.skipped), ([], [(2, 2)]))
                self.assertIn("data.csv line 2 not replayed: Name: byte 0x%02X is not UTF-8" % bad[0], logs[0])
        for good in ["é", "日本", "\U0001F600", "\u2028"]:
            with self.subTest(good):
                sent, _, _ = self.replay((CSV_HEADER + (GOOD % 0).replace("LE_0", good)).encode("utf-8"), schema)
                self.assertEqual(sent[0][1]["Name"], good)

    def test_a_header_that_does_not_name_each_field_once_stops_the_run(self):
        fields = CSV_HEADER.strip()
        for header, problem in [
            (fields + ",Region", 'data.csv line 1 (the header): column 12 "Region" repeats column 1; '
                                 "the header must name each of the schema's fields once: Region,Business,Name,"),
            (fields.replace("NetLoss", "Net Loss"), 'data.csv line 1 (the header): column 9 "Net Loss" is not a field of the schema; no column for NetLoss;'),
            (fields.replace(",NetLoss", ""), "data.csv line 1 (the header): no column for NetLoss; the header must"),
            (fields + ",", 'data.csv line 1 (the header): column 12 "" is not a field of the schema'),
            (fields.replace("Region", '"Region'), "data.csv line 1 (the header): a quoted field is not closed before the end of the file"),
            (fields.replace("Region", "Reg\udcffion"), 'column 1 "Reg\\udcffion" is not a field of the schema'),
        ]:
            with self.subTest(header), self.assertRaises(generator.InputError) as stopped:
                generator.Replay("data.csv", (header + "\r\n" + GOOD % 2).encode("utf-8", "surrogateescape"), self.schema, self.validator)
            self.assertIn(problem, str(stopped.exception))
            self.assertIsInstance(stopped.exception, generator.InputError)
        with self.assertRaisesRegex(generator.InputError, "^data.csv is empty; the header must name each of the schema's fields once"):
            generator.Replay("data.csv", b"", self.schema, self.validator)

    def test_a_field_that_is_not_required_may_be_left_out(self):
        schema = changed(self.schema, lambda s: s["required"].remove("RecoveryAmount"))
        text = CSV_HEADER.replace(",RecoveryAmount", "") + (GOOD % 2).replace(",2.5,", ",")
        sent, _, _ = self.replay(text, schema)
        self.assertNotIn("RecoveryAmount", sent[0][1])


if __name__ == "__main__":
    unittest.main()
