"""The generator's stdlib validator: the schema's rules, the table of bad records, and refusing a
schema that uses keywords it does not check (so the schema cannot outgrow it unnoticed)."""
import copy
import unittest

from support import generator, load_cases, load_schema


class ValidatorTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.schema = load_schema()
        cls.validator = generator.Validator(cls.schema)
        cls.valid, cls.bad = load_cases()

    def test_accepts_the_labs_first_row(self):
        self.assertEqual(self.validator.errors(self.valid), [])

    def test_rejects_each_bad_record_naming_its_field(self):
        for case, field, record in self.bad:
            with self.subTest(case):
                errors = self.validator.errors(record)
                self.assertTrue(errors, "accepted %r" % record)
                self.assertEqual({f for f, _ in errors}, {field}, generator.describe(errors))

    def test_accepts_every_sub_category_under_its_own_category_only(self):
        rules = {r["if"]["properties"]["RiskCategory"]["const"]: self.validator.resolve(
            r["then"]["properties"]["RiskSubCategory"]["$ref"])["enum"] for r in self.schema["allOf"]}
        self.assertEqual(len(rules), 7)
        for category, subs in rules.items():
            for sub in self.schema["properties"]["RiskSubCategory"]["enum"]:
                record = dict(self.valid, RiskCategory=category, RiskSubCategory=sub)
                self.assertEqual(not self.validator.errors(record), sub in subs, (category, sub))

    def test_dates_follow_the_calendar(self):
        for text, ok in [("2008-02-29", True), ("2000-02-29", True), ("1900-02-29", False), ("2007-04-31", False),
                         ("2007-12-31", True), ("2007-00-10", False), ("2007-1-01", False), ("２００７-01-01", False)]:
            with self.subTest(text):
                self.assertEqual(generator.is_date(text), ok)

    def test_a_boolean_is_not_a_number_and_negative_amounts_are_numbers(self):
        self.assertEqual([f for f, _ in self.validator.errors(dict(self.valid, NetLoss=False))], ["NetLoss"])
        self.assertEqual(self.validator.errors(dict(self.valid, NetLoss=-1.5e3)), [])

    def test_refuses_a_schema_keyword_it_does_not_check(self):
        for keyword, value in [("minimum", 0), ("oneOf", []), ("multipleOf", 0.01)]:
            schema = copy.deepcopy(self.schema)
            schema["properties"]["NetLoss"][keyword] = value
            with self.subTest(keyword), self.assertRaisesRegex(generator.SchemaError, "#/properties/NetLoss: keyword '%s'" % keyword):
                generator.Validator(schema)

    def test_refuses_formats_other_than_date_and_references_to_nothing(self):
        schema = copy.deepcopy(self.schema)
        schema["properties"]["DiscoveryDate"]["format"] = "date-time"
        with self.assertRaisesRegex(generator.SchemaError, "format 'date-time' is not supported"):
            generator.Validator(schema)
        schema = copy.deepcopy(self.schema)
        schema["allOf"][0]["then"]["properties"]["RiskSubCategory"]["$ref"] = "#/$defs/Nothing"
        with self.assertRaisesRegex(generator.SchemaError, "points to nothing"):
            generator.Validator(schema)


if __name__ == "__main__":
    unittest.main()
