"""Records synthesized from the schema and replayed from a CSV: all valid, typed by the schema,
and driven by it (change the schema and the records follow)."""
import collections
import copy
import datetime
import logging
import os
import random
import unittest

from support import LAB_DATA, NEEDS_LAB_DATA, generator, load_schema


def synthesize(schema, count, seed=1):
    synthesizer = generator.Synthesizer(schema, generator.Validator(schema), random.Random(seed))
    return [synthesizer.record(n) for n in range(count)]


class SynthesizedRecordsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.schema = load_schema()
        cls.validator = generator.Validator(cls.schema)
        cls.records = synthesize(cls.schema, 1000)

    def test_1000_records_all_validate_against_the_schema(self):
        self.assertEqual(len(self.records), 1000)
        for n, record in enumerate(self.records):
            self.assertEqual(self.validator.errors(record), [], "record %d: %r" % (n, record))
            self.assertEqual(list(record), list(self.schema["properties"]))

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

    def test_refuse_a_schema_they_cannot_fill(self):
        schema = copy.deepcopy(self.schema)
        schema["properties"]["Name"]["pattern"] = "^EVT[0-9]+$"  # the identifiers made would not match
        with self.assertRaisesRegex(generator.SchemaError, "Name: must match pattern"):
            synthesize(schema, 1)
        schema = copy.deepcopy(self.schema)
        schema["properties"]["RiskSubCategory"]["enum"].remove("Infrastructure and Systems")
        with self.assertRaisesRegex(generator.SchemaError, "no value of 'RiskSubCategory' fits the rules for .*Business Disruption"):
            synthesize(schema, 1000)
        schema["properties"]["Tags"] = {"type": "object"}
        with self.assertRaisesRegex(generator.SchemaError, "cannot synthesize property 'Tags'"):
            synthesize(schema, 1)


CSV_HEADER = "Region,Business,Name,Status,RiskCategory,RiskSubCategory,DiscoveryDate,OccurrenceStartDate,NetLoss,RecoveryAmount,EstimatedGrossLoss\r\n"


class ReplayTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.schema = load_schema()
        cls.validator = generator.Validator(cls.schema)

    def replay(self, text):
        return generator.replay_records(text, self.schema, self.validator)

    @unittest.skipUnless(os.path.exists(LAB_DATA), NEEDS_LAB_DATA)
    def test_the_whole_lab_file_replays_and_every_record_validates(self):
        with self.assertNoLogs("generator", logging.WARNING):
            records = self.replay(generator.read_text(LAB_DATA))
        self.assertEqual(len(records), 1402)
        for n, record in enumerate(records):
            self.assertEqual(self.validator.errors(record), [], "row %d: %r" % (n + 1, record))
        self.assertEqual(records[0]["NetLoss"], 296555)
        self.assertIn(3028.96, [r["NetLoss"] for r in records])
        self.assertEqual(collections.Counter(type(r["RecoveryAmount"]).__name__ for r in records).keys(), {"int", "float"})

    def test_converts_each_field_to_the_schemas_type_crlf_and_quoted_commas_included(self):
        text = CSV_HEADER + 'Asia Pac,Retail Banking,z-LE-7,Approved,"Clients, Products and Business Practices",Product Flaws,2009-05-01,2009-04-30,-1030.5,-268,1900\r\n'
        self.assertEqual(self.replay(text), [{
            "Region": "Asia Pac", "Business": "Retail Banking", "Name": "z-LE-7", "Status": "Approved",
            "RiskCategory": "Clients, Products and Business Practices", "RiskSubCategory": "Product Flaws",
            "DiscoveryDate": "2009-05-01", "OccurrenceStartDate": "2009-04-30",
            "NetLoss": -1030.5, "RecoveryAmount": -268, "EstimatedGrossLoss": 1900,
        }])

    def test_keeps_text_that_is_not_a_json_number_as_text_for_the_validator_to_refuse(self):
        number = {"type": "number"}
        for text, value in [("12", 12), ("-0.5", -0.5), ("1e3", 1000.0), ("1_000", "1_000"), ("nan", "nan"),
                            (" 12", " 12"), ("", ""), ("0x10", "0x10"), ("1e999", float("inf"))]:
            with self.subTest(text):
                self.assertEqual(generator.typed(text, number), value)
        # and an overflow is no number for the schema either
        self.assertEqual(self.validator.errors(float("inf"), self.schema["properties"]["NetLoss"]), [("", "must be number")])

    def test_drops_rows_that_do_not_validate_saying_which_line_and_field(self):
        good = "EMEA,Retail Banking,LE_1,Approved,External Fraud,Theft and Fraud,2007-01-01,2007-01-02,1,2,3\r\n"
        text = CSV_HEADER + good + "EMEA,Retail Banking,LE_2,Approved,External Fraud,Willful Damage,2007-02-30,2007-01-02,lots,2,3\r\n"
        with self.assertLogs("generator", logging.WARNING) as logs:
            records = self.replay(text)
        self.assertEqual([r["Name"] for r in records], ["LE_1"])
        self.assertEqual(len(logs.output), 1)
        for part in ["line 3 not replayed", "RiskSubCategory:", "DiscoveryDate:", "NetLoss: must be number"]:
            self.assertIn(part, logs.output[0])

    def test_refuses_a_header_that_does_not_name_the_schemas_fields(self):
        text = CSV_HEADER.replace("NetLoss", "Net Loss") + "x\r\n"
        with self.assertRaisesRegex(generator.SchemaError, r"missing \['NetLoss'\], unknown \['Net Loss'\]"):
            self.replay(text)


if __name__ == "__main__":
    unittest.main()
