"""The generator's stdlib validator: the schema's rules, the table of bad records, and refusing,
with one line naming the place, every schema shape it does not check (so the schema cannot outgrow
it unnoticed)."""
import copy
import unittest

from support import generator, load_cases, load_schema


def changed(schema, change):
    schema = copy.deepcopy(schema)
    change(schema)
    return schema


# (case, a change to the lab's schema, the pointer and the words of the one-line refusal)
UNSUPPORTED_SCHEMAS = [
    ("a keyword it does not check", lambda s: s["properties"]["NetLoss"].update(multipleOf=0.01),
     "#/properties/NetLoss/multipleOf: keyword not supported by the generator (it knows $schema"),
    ("oneOf", lambda s: s["properties"]["NetLoss"].update(oneOf=[]), "#/properties/NetLoss/oneOf: keyword not supported"),
    ("exclusiveMinimum", lambda s: s["properties"]["NetLoss"].update(exclusiveMinimum=0), "#/properties/NetLoss/exclusiveMinimum: keyword"),
    ("a list of types", lambda s: s["properties"]["NetLoss"].update(type=["number", "null"]),
     '#/properties/NetLoss/type: ["number", "null"] is not allowed: it must be one of string, number, integer, boolean, object'),
    ("type array", lambda s: s["properties"]["NetLoss"].update(type="array"), '#/properties/NetLoss/type: "array" is not allowed'),
    ("an enum that is not a list", lambda s: s["properties"]["Region"].update(enum="EMEA"),
     '#/properties/Region/enum: "EMEA" is not allowed: it must be a non-empty list of strings, numbers, booleans or null'),
    ("an empty enum", lambda s: s["properties"]["Region"].update(enum=[]), "#/properties/Region/enum: [] is not allowed"),
    ("an enum of objects", lambda s: s["properties"]["Region"].update(enum=[{"a": 1}]), '#/properties/Region/enum: [{"a": 1}] is not allowed'),
    ("a const object", lambda s: s["properties"]["Region"].update(const={}), "#/properties/Region/const: {} is not allowed"),
    ("maxLength 1.5", lambda s: s["properties"]["Name"].update(maxLength=1.5),
     "#/properties/Name/maxLength: 1.5 is not allowed: it must be a whole number, 0 or more"),
    ("maxLength -1", lambda s: s["properties"]["Name"].update(maxLength=-1), "#/properties/Name/maxLength: -1 is not allowed"),
    ("maxLength as text", lambda s: s["properties"]["Name"].update(maxLength="16"), '#/properties/Name/maxLength: "16" is not allowed'),
    ("minLength true", lambda s: s["properties"]["Name"].update(minLength=True), "#/properties/Name/minLength: true is not allowed"),
    ("minimum as text", lambda s: s["properties"]["NetLoss"].update(minimum="0"),
     '#/properties/NetLoss/minimum: "0" is not allowed: it must be a number'),
    ("a pattern that is not a regex", lambda s: s["properties"]["Name"].update(pattern="("),
     '#/properties/Name/pattern: "(" is not a regular expression the generator can use: missing )'),
    ("an ECMA-only pattern", lambda s: s["properties"]["Name"].update(pattern="^\\p{L}+$"),
     "#/properties/Name/pattern: \"^\\\\p{L}+$\" is not a regular expression the generator can use: bad escape"),
    ("a pattern that is a number", lambda s: s["properties"]["Name"].update(pattern=5), "#/properties/Name/pattern: 5 is not allowed"),
    ("another format", lambda s: s["properties"]["DiscoveryDate"].update(format="date-time"),
     '#/properties/DiscoveryDate/format: "date-time" is not allowed: it must be "date" (the only format the generator checks)'),
    ("properties as a list", lambda s: s.update(properties=[]), "#/properties: [] is not allowed: it must be an object whose values are schemas"),
    ("a property that is not a schema", lambda s: s["properties"].update(Region=5), "#/properties/Region: 5 is not a schema (a JSON object)"),
    ("required as text", lambda s: s.update(required="Region"), '#/required: "Region" is not allowed: it must be a list of distinct property names'),
    ("a field required twice", lambda s: s["required"].append("Region"), "#/required: [\"Region\""),
    ("additionalProperties true", lambda s: s.update(additionalProperties=True),
     "#/additionalProperties: true is not allowed: it must be false (the only form supported)"),
    ("allOf as an object", lambda s: s.update(allOf={}), "#/allOf: {} is not allowed: it must be a non-empty list of schemas"),
    ("if without then", lambda s: s["allOf"][0].pop("then"), '#/allOf/0: "if" and "then" go together'),
    ("then without if", lambda s: s["allOf"][0].pop("if"), '#/allOf/0: "if" and "then" go together'),
    ("a $ref that is a number", lambda s: s["allOf"][0]["then"]["properties"]["RiskSubCategory"].update({"$ref": 5}),
     '#/allOf/0/then/properties/RiskSubCategory/$ref: 5 is not allowed: it must be a local reference, "#/..."'),
    ("a remote $ref", lambda s: s["allOf"][0]["then"]["properties"]["RiskSubCategory"].update({"$ref": "https://x/y"}),
     '#/allOf/0/then/properties/RiskSubCategory/$ref: "https://x/y" is not allowed'),
    ("a $ref to nothing", lambda s: s["allOf"][0]["then"]["properties"]["RiskSubCategory"].update({"$ref": "#/$defs/Nothing"}),
     '#/allOf/0/then/properties/RiskSubCategory/$ref: "#/$defs/Nothing" points to nothing'),
    ("a cycle of $refs", lambda s: s["$defs"].update(A={"$ref": "#/$defs/B"}, B={"$ref": "#/$defs/A"}),
     '#/$defs/B/$ref: "#/$defs/A" leads back to itself (no recursive schema)'),
    ("a property that refers to itself", lambda s: s["properties"].update(Loop={"$ref": "#/properties/Loop"}),
     '#/properties/Loop/$ref: "#/properties/Loop" leads back to itself'),
    ("a description that is not text", lambda s: s.update(description=5), "#/description: 5 is not allowed: it must be a string"),
]


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

    def test_each_rule_says_its_own_problem(self):
        schema = changed(self.schema, lambda s: s["properties"]["Name"].update(minLength=3))
        name = schema["properties"]["Name"]
        validator = generator.Validator(schema)
        for value, problem in [("LE", "must NOT have fewer than 3 characters"), ("x" * 17, "must NOT have more than 16 characters"),
                               ("LE 1", 'must match pattern "^[A-Za-z0-9_-]+$"'), (1, "must be string")]:
            with self.subTest(value):
                self.assertEqual(validator.errors(value, name), [("", problem)])

    def test_accepts_every_sub_category_under_its_own_category_only(self):
        rules = {r["if"]["properties"]["RiskCategory"]["const"]: self.validator.resolve(
            r["then"]["properties"]["RiskSubCategory"]["$ref"])["enum"] for r in self.schema["allOf"]}
        self.assertEqual(len(rules), 7)
        for category, subs in rules.items():
            for sub in self.schema["properties"]["RiskSubCategory"]["enum"]:
                record = dict(self.valid, RiskCategory=category, RiskSubCategory=sub)
                self.assertEqual(not self.validator.errors(record), sub in subs, (category, sub))

    def test_a_rule_applies_where_its_condition_holds(self):
        validator = generator.Validator({"if": self.schema["allOf"][5]["if"], "then": {"required": ["X"]}})  # Internal Fraud
        for value, problems in [({"RiskCategory": "Internal Fraud"}, [("X", "is required")]), ({"RiskCategory": "External Fraud"}, []),
                                ({}, []), (5, [])]:  # a record without the field fails the condition; a non-object passes both
            with self.subTest(value):
                self.assertEqual(validator.errors(value), problems)

    def test_dates_follow_the_calendar(self):
        for text, ok in [("2008-02-29", True), ("2000-02-29", True), ("1900-02-29", False), ("2007-04-31", False),
                         ("2007-12-31", True), ("2007-00-10", False), ("2007-1-01", False), ("２００７-01-01", False)]:
            with self.subTest(text):
                self.assertEqual(generator.is_date(text), ok)

    def test_a_boolean_is_not_a_number_and_negative_amounts_are_numbers(self):
        self.assertEqual([f for f, _ in self.validator.errors(dict(self.valid, NetLoss=False))], ["NetLoss"])
        self.assertEqual(self.validator.errors(dict(self.valid, NetLoss=-1.5e3)), [])

    def test_checks_minimum_and_maximum_on_numbers_only(self):
        node = {"type": "integer", "minimum": 0, "maximum": 10}
        validator = generator.Validator(node)
        for value, problems in [(0, []), (10, []), (10.0, []), (-1, ["must be >= 0"]), (11, ["must be <= 10"]),
                                (5.5, ["must be integer"]), (True, ["must be integer"]), ("50", ["must be integer"])]:
            with self.subTest(value):
                self.assertEqual([p for _, p in validator.errors(value)], problems)

    def test_refuses_every_schema_shape_it_does_not_support_naming_the_place(self):
        for case, change, message in UNSUPPORTED_SCHEMAS:
            with self.subTest(case):
                with self.assertRaises(generator.SchemaError) as refused:
                    generator.Validator(changed(self.schema, change))
                self.assertTrue(str(refused.exception).startswith(message), str(refused.exception))
                self.assertNotIn("\n", str(refused.exception))


if __name__ == "__main__":
    unittest.main()
