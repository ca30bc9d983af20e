import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import fc from "fast-check";
import { exitCodeOf } from "../input/unusable-input";
import { DESTINATION_SCHEMA, DESTINATION_SCHEMA_FILE, SOURCE_SCHEMA, SOURCE_SCHEMA_FILE } from "../schemas/loss-event";
import type { LossEventSchema } from "../schemas/loss-event-schema";
import { RecordSchemaError, recordSchemaProblems } from "../schemas/meta-schema";
import { derivedSqlType, recordColumnsFromSchema, SQL_TYPE_KEYWORD, sqlTypeOf, sqlTypeOverrideProblem } from "../schemas/sql-columns";
import { describeErrors, fieldErrors, validateDestinationRecord, validateSourceRecord } from "../schemas/validate";
import { asDestinationRecord } from "../fixtures/loss-events";
import { python } from "../local/python";
import { badRecords, CASES, fieldsNamed } from "./helpers/records";

const RECORD = CASES.valid;

describe("loss-event schemas", () => {
  it("accept a lab record, and the same row as the analytics output names it", () => {
    expect(validateSourceRecord(RECORD)).toBe(true);
    expect(validateDestinationRecord(asDestinationRecord(RECORD))).toBe(true);
  });

  it("name the field of each problem", () => {
    expect(validateSourceRecord({ ...RECORD, RiskSubCategory: "Willful Damage", DiscoveryDate: "2007-02-30" })).toBe(false);
    expect(describeErrors(validateSourceRecord.errors).map((e) => e.split(":")[0])).toEqual(["RiskSubCategory", "DiscoveryDate"]);
    expect(fieldErrors(validateSourceRecord.errors)).toEqual([
      { field: "RiskSubCategory", message: "must be equal to one of the allowed values" },
      { field: "DiscoveryDate", message: 'must match format "date"' },
    ]);
    expect(validateDestinationRecord(RECORD)).toBe(false);
  });

  it.each(badRecords())("source schema rejects a record with %s, naming %s", (_, field, record) => {
    expect(validateSourceRecord(record)).toBe(false);
    expect(fieldsNamed(validateSourceRecord.errors)).toEqual([field]);
  });

  it.each(badRecords())("destination schema rejects the output row with %s, naming %s upper-cased", (_, field, record) => {
    expect(validateDestinationRecord(asDestinationRecord(record))).toBe(false);
    expect(fieldsNamed(validateDestinationRecord.errors)).toEqual([field.toUpperCase()]);
  });

  it("describe every field and every sub-category list", () => {
    for (const schema of [SOURCE_SCHEMA, DESTINATION_SCHEMA] as unknown as Record<string, Record<string, { description?: string }>>[]) {
      for (const [name, node] of Object.entries({ ...schema.properties, ...schema.$defs })) {
        expect({ name, description: node.description }).toEqual({ name, description: expect.stringMatching(/\w/) });
      }
    }
  });

  it("give the destination exactly the source's fields, upper-cased, required and closed alike", () => {
    expect(Object.keys(DESTINATION_SCHEMA.properties)).toEqual(Object.keys(SOURCE_SCHEMA.properties).map((k) => k.toUpperCase()));
    expect(DESTINATION_SCHEMA.required).toEqual(SOURCE_SCHEMA.required.map((k) => k.toUpperCase()));
    expect(SOURCE_SCHEMA.required).toEqual(Object.keys(SOURCE_SCHEMA.properties));
    const closed = (s: LossEventSchema) => (s as unknown as { additionalProperties: unknown }).additionalProperties;
    expect([closed(SOURCE_SCHEMA), closed(DESTINATION_SCHEMA)]).toEqual([false, false]);
  });
});

describe("analytics input columns derived from the schema", () => {
  it("are the lab's eleven columns with the lab's types, mapped from $.<field>", () => {
    expect(recordColumnsFromSchema(SOURCE_SCHEMA).map((c) => `${c.name} ${c.sqlType} ${c.mapping}`)).toEqual([
      "Region VARCHAR(16) $.Region",
      "Business VARCHAR(32) $.Business",
      "Name VARCHAR(16) $.Name",
      "Status VARCHAR(16) $.Status",
      "RiskCategory VARCHAR(64) $.RiskCategory",
      "RiskSubCategory VARCHAR(64) $.RiskSubCategory",
      "DiscoveryDate DATE $.DiscoveryDate",
      "OccurrenceStartDate DATE $.OccurrenceStartDate",
      "NetLoss DOUBLE $.NetLoss",
      "RecoveryAmount DOUBLE $.RecoveryAmount",
      "EstimatedGrossLoss DOUBLE $.EstimatedGrossLoss",
    ]);
  });

  it.each([
    [{ type: "string", maxLength: 40 }, "VARCHAR(40)"],
    [{ type: "string", format: "date", maxLength: 10 }, "DATE"],
    [{ type: "number" }, "DOUBLE"],
    [{ type: "integer" }, "BIGINT"],
    [{ type: "boolean" }, "BOOLEAN"],
    [{ type: "string", maxLength: 40, "x-sql-type": "VARCHAR(64)" }, "VARCHAR(64)"],
  ])("map %j to %s", (property, sqlType) => {
    expect(sqlTypeOf("Field", property)).toBe(sqlType);
  });

  it.each([
    [{ type: "string", maxLength: 40 }, ["VARCHAR(40)", "VARCHAR(41)", "VARCHAR(65535)"], ["VARCHAR(39)", "CHAR(40)", "VARCHAR(040)", "TEXT", "varchar(40)"]],
    [{ type: "string" }, [], ["VARCHAR(10)"]],
    [{ type: "string", format: "date" }, ["DATE"], ["TIMESTAMP", "VARCHAR(10)", "TIME"]],
    [{ type: "number" }, ["DOUBLE"], ["REAL", "DECIMAL(12,2)", "INTEGER", "MONEY"]],
    [{ type: "integer" }, ["BIGINT"], ["INTEGER", "SMALLINT", "TINYINT", "DOUBLE"]],
    [{ type: "boolean" }, ["BOOLEAN"], ["TINYINT", "VARCHAR(5)"]],
  ])("let x-sql-type on %j say only a type that holds every value exactly: %j, not %j", (property, allowed, refused) => {
    for (const sqlType of allowed) expect({ sqlType, problem: sqlTypeOverrideProblem(property, sqlType) }).toEqual({ sqlType, problem: undefined });
    for (const sqlType of refused)
      expect({ sqlType, problem: sqlTypeOverrideProblem(property, sqlType) }).toEqual({ sqlType, problem: expect.stringMatching(/\w/) });
  });

  it.each([[{ type: "string" }], [{ type: "string", format: "date-time" }], [{ type: "array", items: { type: "string" } }], [{ enum: ["a", "b"] }]])(
    "refuse %j, naming the property and the override keyword",
    (property) => {
      const schema = { ...SOURCE_SCHEMA, properties: { ...SOURCE_SCHEMA.properties, Comment: property } };
      expect(() => recordColumnsFromSchema(schema)).toThrow(/^schema property "Comment" .* has no SQL column type: .*"x-sql-type"/);
    },
  );
});

describe("the synth path", () => {
  const project = join(__dirname, "..");
  const dir = mkdtempSync(join(tmpdir(), "lab-synth-path-"));
  const loaded = join(dir, "ajv-modules.json");
  const probe = join(dir, "probe.js");
  // Records, when the process exits, which files of ajv it loaded.
  writeFileSync(
    probe,
    `process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(loaded)},
    JSON.stringify(Object.keys(require.cache).filter((f) => /[\\\\/]node_modules[\\\\/]ajv/.test(f)))));`,
  );
  const ajvLoadedBy = (args: string[]) => {
    const result = spawnSync(process.execPath, ["-r", probe, ...args], {
      cwd: project,
      encoding: "utf8",
      env: { ...process.env, CDKTF_OUTDIR: join(dir, "out") },
    });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: expect.not.stringMatching(/synth failed|Error/) });
    return JSON.parse(readFileSync(loaded, "utf8")) as string[];
  };

  it("never loads ajv (synth reads the schema as data; validators cost ~150 ms)", () => {
    expect(ajvLoadedBy(["-e", 'require("ajv/dist/2020")'])).not.toEqual([]); // the probe does see ajv when it is loaded
    expect(ajvLoadedBy(["-r", "./loader/register-ts.js", "app.ts"])).toEqual([]);
  });
});

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
type Schema = Record<string, any>;
const problemsOf = (source: unknown, destination: unknown = DESTINATION_SCHEMA) =>
  recordSchemaProblems({ file: SOURCE_SCHEMA_FILE, schema: source }, { file: DESTINATION_SCHEMA_FILE, schema: destination });
/** The lab's source schema with one edit. */
const edited = (edit: (schema: Schema) => void) => {
  const schema = clone(SOURCE_SCHEMA) as unknown as Schema;
  edit(schema);
  return schema;
};

describe("the meta-schema (what the project supports of JSON Schema)", () => {
  it("accepts the lab's two schemas", () => {
    expect(problemsOf(SOURCE_SCHEMA)).toEqual([]);
  });

  const S = SOURCE_SCHEMA_FILE;
  it.each<[string, (s: Schema) => void, string]>([
    [
      "an empty enum",
      (s) => (s.properties.Region.enum = []),
      `${S}#/properties/Region/enum: [] is not allowed: enum must be a non-empty array of distinct values`,
    ],
    ["an enum value twice", (s) => s.properties.Status.enum.push("Approved"), `${S}#/properties/Status/enum: `],
    [
      "maxLength 0",
      (s) => (s.properties.Name.maxLength = 0),
      `${S}#/properties/Name/maxLength: 0 is not allowed: maxLength must be a positive integer (the column's VARCHAR length), on a string`,
    ],
    ["maxLength 1.5", (s) => (s.properties.Name.maxLength = 1.5), `${S}#/properties/Name/maxLength: 1.5 is not allowed: maxLength must be a positive integer`],
    ["maxLength as text", (s) => (s.properties.Name.maxLength = "16"), `${S}#/properties/Name/maxLength: "16" is not allowed`],
    [
      "maxLength on a number",
      (s) => (s.properties.NetLoss.maxLength = 5),
      `${S}#/properties/NetLoss/maxLength: 5 is not allowed: maxLength must be a positive integer (the column's VARCHAR length), on a string`,
    ],
    [
      "a date shorter than a date",
      (s) => (s.properties.DiscoveryDate.maxLength = 8),
      `${S}#/properties/DiscoveryDate/maxLength: 8 is not allowed: maxLength must be an integer of at least 10 with format date`,
    ],
    [
      "a pattern on a date",
      (s) => (s.properties.DiscoveryDate.pattern = "^2"),
      `${S}#/properties/DiscoveryDate/pattern: "^2" is not allowed: pattern must be absent with format date`,
    ],
    [
      "minLength above maxLength",
      (s) => (s.properties.Name.minLength = 17),
      `${S}#/properties/Name/minLength: 17 is not allowed: minLength must be an integer from 0 to maxLength, on a string`,
    ],
    [
      "enum values longer than maxLength",
      (s) => (s.properties.Region.maxLength = 8),
      `${S}#/properties/Region/enum/1: "North America" is not allowed: a value of this enum must be a string of at most maxLength (8) characters (the property's own rules)`,
    ],
    [
      "an enum value of another type",
      (s) => s.properties.Region.enum.push(7),
      `${S}#/properties/Region/enum/3: 7 is not allowed: a value of this enum must be a value of type string`,
    ],
    [
      "an enum value the pattern refuses",
      (s) => (s.properties.Name.enum = ["LE-1", "LE 2"]),
      `${S}#/properties/Name/enum/1: "LE 2" is not allowed: a value of this enum must be a string matching the pattern ^[A-Za-z0-9_-]+$`,
    ],
    [
      "an unknown x-sql-type",
      (s) => (s.properties.NetLoss[SQL_TYPE_KEYWORD] = "MONEY"),
      `${S}#/properties/NetLoss/x-sql-type: "MONEY" is not allowed: x-sql-type must be DOUBLE, for type number`,
    ],
    [
      "a VARCHAR narrower than maxLength",
      (s) => (s.properties.Region[SQL_TYPE_KEYWORD] = "VARCHAR(8)"),
      `${S}#/properties/Region/x-sql-type: "VARCHAR(8)" is not allowed: x-sql-type must be VARCHAR(n) with n at least the property's maxLength (16)`,
    ],
    [
      "a TIMESTAMP for a date",
      (s) => (s.properties.DiscoveryDate[SQL_TYPE_KEYWORD] = "TIMESTAMP"),
      `${S}#/properties/DiscoveryDate/x-sql-type: "TIMESTAMP" is not allowed: x-sql-type must be DATE, for a string of format date`,
    ],
    [
      "required naming no property",
      (s) => s.required.push("Comment"),
      `${S}#/required/11: "Comment" is not allowed: required must name properties of the record (Region, Business,`,
    ],
    ["required naming one twice", (s) => s.required.push("Region"), `${S}#/required: `],
    [
      "a keyword the generator does not know",
      (s) => (s.properties.NetLoss.minimum = 0),
      `${S}#/properties/NetLoss/minimum: keyword "minimum" is not supported in a property (the generator's validator, generator/generator.py, does not know it); it may have: title, description, $comment, type, enum, maxLength, minLength, pattern, format, x-sql-type`,
    ],
    [
      "a const property",
      (s) => (s.properties.Status = { type: "string", maxLength: 16, const: "Approved" }),
      `${S}#/properties/Status/const: keyword "const" is not supported in a property (the generator cannot synthesize it: use a one-value enum)`,
    ],
    [
      "an array property",
      (s) => (s.properties.Tags = { type: "array", items: { type: "string" } }),
      `${S}#/properties/Tags/type: "array" is not allowed: type must be one of string, number, integer, boolean`,
    ],
    ["a property without a type", (s) => (s.properties.Comment = { enum: ["a", "b"] }), `${S}#/properties/Comment: "type" is required in a property`],
    [
      "a string without maxLength",
      (s) => delete s.properties.Name.maxLength,
      `${S}#/properties/Name: a string property needs "maxLength" (the size of its VARCHAR column) unless it is format: date`,
    ],
    [
      "another format",
      (s) => (s.properties.DiscoveryDate.format = "date-time"),
      `${S}#/properties/DiscoveryDate/format: "date-time" is not allowed: format must be "date" (YYYY-MM-DD), on a string`,
    ],
    [
      "a pattern Python reads otherwise",
      (s) => (s.properties.Name.pattern = "^(?<id>[A-Z]+)$"),
      `${S}#/properties/Name/pattern: "^(?<id>[A-Z]+)$" is not allowed: pattern must be a regular expression both ajv (ECMA-262, u flag) and the generator (Python re) read alike`,
    ],
    [
      "a pattern that is no regular expression",
      (s) => (s.properties.Name.pattern = "^[A-Z"),
      `${S}#/properties/Name/pattern: "^[A-Z" is not allowed: pattern must be a regular expression both ajv`,
    ],
    [
      "a column name SQL cannot have",
      (s) => (s.properties["Net Loss"] = { type: "number" }),
      `${S}#/properties/Net Loss: the name "Net Loss" is not allowed: it must be a column name of letters, digits and '_', not starting with a digit, unique ignoring case`,
    ],
    [
      "two names of one column",
      (s) => (s.properties.REGION = { type: "number" }),
      `${S}#/properties/REGION: the name "REGION" is not allowed: it must be a column name of letters, digits and '_', not starting with a digit, unique ignoring case (Region is the same column)`,
    ],
    [
      "no properties",
      (s) => (s.properties = {}),
      `${S}#/properties: {} is not allowed: properties must be an object of 1 to 1000 properties (one column each)`,
    ],
    ["an open record", (s) => (s.additionalProperties = true), `${S}#/additionalProperties: true is not allowed: additionalProperties must be false`],
    [
      "another dialect",
      (s) => (s.$schema = "http://json-schema.org/draft-07/schema#"),
      `${S}#/$schema: "http://json-schema.org/draft-07/schema#" is not allowed: $schema must be "https://json-schema.org/draft/2020-12/schema"`,
    ],
    [
      "a record keyword nothing reads",
      (s) => (s.patternProperties = {}),
      `${S}#/patternProperties: keyword "patternProperties" is not supported in a record schema; it may have: title, description, $comment, $schema, $id, type, additionalProperties, required, properties, allOf, $defs`,
    ],
    [
      "a rule testing a value the property never has",
      (s) => (s.allOf[0].if.properties.RiskCategory.const = "Fraud"),
      `${S}#/allOf/0/if/properties/RiskCategory/const: "Fraud" is not allowed: const must be one of the property's enum values (else the rule never applies)`,
    ],
    [
      "a rule testing no property of the record",
      (s) => (s.allOf[0].if = { properties: { Risk: { const: "x" } }, required: ["Risk"] }),
      `${S}#/allOf/0/if/properties/Risk: "Risk" is not allowed: a rule may test only properties of the record`,
    ],
    [
      "a rule whose if does not require what it tests",
      (s) => (s.allOf[0].if.required = []),
      `${S}#/allOf/0/if/required: [] is not allowed: required must be exactly the names of the tested properties`,
    ],
    [
      "a narrowed list with a value the property lacks",
      (s) => s.$defs.SubCategoriesOfInternalFraud.enum.push("Cheating"),
      `${S}#/allOf/5/then/properties/RiskSubCategory/$ref: "Cheating" is not allowed: a narrowed list may hold only values of the property's enum`,
    ],
    [
      "a reference to no list",
      (s) => (s.allOf[0].then.properties.RiskSubCategory.$ref = "#/$defs/Nothing"),
      `${S}#/allOf/0/then/properties/RiskSubCategory/$ref: "#/$defs/Nothing" is not allowed: $ref must point to a value list: #/$defs/<name>`,
    ],
    ["an empty value list", (s) => (s.$defs.SubCategoriesOfExternalFraud.enum = []), `${S}#/$defs/SubCategoriesOfExternalFraud/enum: [] is not allowed`],
    [
      "narrowing a tested property",
      (s) => (s.allOf[1].then.properties.RiskCategory = { enum: ["External Fraud"] }),
      `${S}#/allOf/1/then/properties/RiskCategory: "RiskCategory" is not allowed: a rule may not narrow a property that a rule tests`,
    ],
    [
      "narrowing a property without an enum",
      (s) => (s.allOf[1].then.properties.Name = { enum: ["x"] }),
      `${S}#/allOf/1/then/properties/Name: "Name" is not allowed: a rule may narrow only a property of the record that has an enum`,
    ],
    [
      "rules that leave no value",
      (s) =>
        s.allOf.push({
          if: { properties: { Region: { const: "EMEA" } }, required: ["Region"] },
          then: { properties: { RiskSubCategory: { enum: ["Advisory Activities"] } } },
        }),
      `: no value of "RiskSubCategory" is left when RiskCategory = "Execution, Delivery and Process Management", Region = "EMEA": the rules /allOf/1, /allOf/7 all apply and list no value in common`,
    ],
    ["a rule that is not an object", (s) => (s.allOf[0] = true), `${S}#/allOf/0: true is not allowed: a rule (an item of allOf) must be a JSON object`],
  ])("refuses %s, naming the file, the JSON pointer and what is allowed", (_, edit, message) => {
    const problems = problemsOf(edited(edit));
    expect(problems).toEqual(expect.arrayContaining([expect.stringContaining(message)]));
  });

  const D = DESTINATION_SCHEMA_FILE;
  it.each<[string, (d: Schema) => void, string]>([
    [
      "a reference to no source property",
      (d) => (d.properties.REGION.$ref = "loss-event.schema.json#/properties/Area"),
      `${D}#/properties/REGION/$ref: "loss-event.schema.json#/properties/Area" is not allowed: $ref must point to a property of ${S}`,
    ],
    [
      "a reference into another file",
      (d) => (d.properties.REGION.$ref = "other.schema.json#/properties/Region"),
      `${D}#/properties/REGION/$ref: "other.schema.json#/properties/Region" is not allowed`,
    ],
    [
      "a reference with more keywords",
      (d) => (d.properties.REGION.maxLength = 16),
      `${D}#/properties/REGION/maxLength: keyword "maxLength" is not supported in a property given by reference`,
    ],
    ["required naming no column", (d) => d.required.push("COMMENT"), `${D}#/required/11: "COMMENT" is not allowed`],
    ["the source's $id", (d) => (d.$id = SOURCE_SCHEMA.$id), `${D}#/$id: the $id must differ from ${S}'s`],
  ])("refuses in the destination schema %s", (_, edit, message) => {
    const destination = clone(DESTINATION_SCHEMA) as unknown as Schema;
    edit(destination);
    expect(problemsOf(SOURCE_SCHEMA, destination)).toEqual(expect.arrayContaining([expect.stringContaining(message)]));
  });

  it("stops whatever loads the schemas (synth first) with a RecordSchemaError, exit code 2", () => {
    jest.isolateModules(() => {
      jest.doMock("../schemas/loss-event.schema.json", () => edited((s) => (s.properties.Region.enum = [])));
      let error: unknown;
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded afresh, inside isolateModules
        require("../schemas/loss-event");
      } catch (e) {
        error = e;
      }
      // This registry's own class: the module was loaded afresh.
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- the fresh registry's class, inside isolateModules
      expect(error).toBeInstanceOf((require("../schemas/meta-schema") as { RecordSchemaError: typeof RecordSchemaError }).RecordSchemaError);
      expect((error as Error).message).toBe(
        `Unusable record schema: ${S}#/properties/Region/enum: [] is not allowed: enum must be a non-empty array of distinct values`,
      );
      expect(exitCodeOf(error)).toBe(2);
    });
  });

  it("never throws, whatever the JSON, and names the file in every problem (property)", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (schema, property) => {
        for (const source of [schema, edited((s) => (s.properties.Region = property)), edited((s) => (s.allOf[0] = property))]) {
          for (const problem of problemsOf(source)) expect(problem).toMatch(/^schemas\/loss-event(\.destination)?\.schema\.json#(\/.*)?: /);
        }
        expect(problemsOf(SOURCE_SCHEMA, schema).length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });
});

/** Random record schemas inside the meta-schema: every kind of property, rules over enums. */
const name = fc.stringMatching(/^[A-Z][a-z]{0,5}$/);
const word = fc.stringMatching(/^[A-Za-z][A-Za-z ]{0,9}$/);
const property = fc.oneof(
  fc
    .record({ values: fc.uniqueArray(word, { minLength: 1, maxLength: 5 }), extra: fc.nat(4), pattern: fc.boolean(), wider: fc.boolean() })
    .map(({ values, extra, pattern, wider }) => {
      const longest = Math.max(...values.map((v) => v.length));
      return {
        type: "string",
        maxLength: longest + extra,
        minLength: 1,
        enum: values,
        ...(pattern ? { pattern: "^[A-Za-z ]+$" } : {}),
        ...(wider ? { [SQL_TYPE_KEYWORD]: `VARCHAR(${longest + extra + 10})` } : {}),
      };
    }),
  fc.integer({ min: 1, max: 24 }).map((maxLength) => ({ type: "string", maxLength })),
  fc.boolean().map((restated) => ({ type: "string", format: "date", ...(restated ? { [SQL_TYPE_KEYWORD]: "DATE", maxLength: 10 } : {}) })),
  fc.constantFrom({ type: "number" }, { type: "integer" }, { type: "boolean" }, { type: "integer", [SQL_TYPE_KEYWORD]: "BIGINT" }),
  fc.uniqueArray(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 4 }).map((values) => ({ type: "integer", enum: values })),
  fc
    .uniqueArray(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 4, comparator: (a, b) => JSON.stringify(a) === JSON.stringify(b) })
    .map((values) => ({ type: "number", enum: values })),
);
const validSchema = fc
  .record({
    properties: fc.uniqueArray(fc.tuple(name, property), { minLength: 1, maxLength: 6, selector: ([n]) => n.toUpperCase() }),
    required: fc.boolean(),
    seed: fc.nat(),
  })
  .map(({ properties, required, seed }) => {
    const schema: Schema = {
      $schema: "https://json-schema.org/draft/2020-12/schema",
      $id: `https://streaming-ingestion-lab.example/schemas/random-${seed}.schema.json`,
      type: "object",
      additionalProperties: false,
      required: required ? properties.map(([n]) => n) : properties.slice(0, 1).map(([n]) => n),
      properties: Object.fromEntries(properties),
    };
    // A rule per value of the first string enum: narrow the next string enum to part of its values.
    const enums = properties.filter(([, p]) => p.type === "string" && Array.isArray((p as { enum?: unknown }).enum));
    if (enums.length >= 2) {
      const [[tested, testedProperty], [narrowed, narrowedProperty]] = enums as [string, { enum: string[] }][];
      schema.$defs = {};
      schema.allOf = testedProperty.enum.map((value, i) => {
        const list = narrowedProperty.enum.filter((_, j) => (j + i + seed) % 2 === 0 || j === i % narrowedProperty.enum.length);
        (schema.$defs as Schema)[`List${i}`] = { description: `values under ${value}`, enum: list };
        return {
          if: { properties: { [tested]: { const: value } }, required: [tested] },
          then: { properties: { [narrowed]: i % 2 === 0 ? { $ref: `#/$defs/List${i}` } : { enum: list } } },
        };
      });
    }
    return schema;
  });

describe("what the meta-schema accepts (property)", () => {
  const schemas = fc.sample(validSchema, { numRuns: 60 });

  it("is accepted whole by the meta-schema, ajv (strict), the SQL columns and the generator, whose records all validate", () => {
    for (const schema of schemas) expect({ schema, problems: recordSchemaProblems({ file: "random.json", schema }) }).toEqual({ schema, problems: [] });
    const dir = mkdtempSync(join(tmpdir(), "lab-meta-schema-"));
    writeFileSync(join(dir, "schemas.json"), JSON.stringify(schemas));
    const script = `
import json, random, sys
sys.path.insert(0, ${JSON.stringify(join(__dirname, "..", "generator"))})
import generator
out = []
for schema in json.load(open(${JSON.stringify(join(dir, "schemas.json"))})):
    try:
        validator = generator.Validator(schema)
        synthesizer = generator.Synthesizer(schema, validator, random.Random(7))
        records = [synthesizer.record(i) for i in range(25)]
        bad = [validator.errors(r) for r in records if validator.errors(r)]
        out.append({"records": records, "error": repr(bad[0]) if bad else None})
    except Exception as e:
        out.append({"records": [], "error": "%s: %s" % (type(e).__name__, e)})
print(json.dumps(out))`;
    const result = spawnSync(python(), ["-c", script], { encoding: "utf8" });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: "" });
    const generated = JSON.parse(result.stdout) as { records: Record<string, unknown>[]; error: string | null }[];
    schemas.forEach((schema, i) => {
      expect({ schema, error: generated[i].error }).toEqual({ schema, error: null });
      const ajv = new Ajv2020({ strict: true, allErrors: true });
      addFormats(ajv);
      ajv.addKeyword({ keyword: SQL_TYPE_KEYWORD, schemaType: "string" });
      const validate = ajv.compile(schema);
      for (const record of generated[i].records)
        expect({ schema, record, errors: validate(record) ? null : validate.errors }).toEqual({ schema, record, errors: null });
      const columns = recordColumnsFromSchema(schema as unknown as LossEventSchema);
      expect(columns.map((c) => c.sqlType)).toEqual(
        Object.values(schema.properties).map((p) => (p as Schema)[SQL_TYPE_KEYWORD] ?? derivedSqlType(p as Schema)),
      );
    });
  });

  it("stops accepting on any one edit outside it, naming where (property)", () => {
    const pick = <T>(items: readonly T[], n: number) => items[n % items.length];
    const edits: ((s: Schema, n: number) => string)[] = [
      (s, n) => {
        const k = pick(Object.keys(s.properties), n);
        s.properties[k].enum = [];
        return `/properties/${k}/enum`;
      },
      (s, n) => {
        const k = pick(Object.keys(s.properties), n);
        s.properties[k].type = pick(["array", "object", "null", "text"], n);
        return `/properties/${k}/type`;
      },
      (s, n) => {
        const k = pick(Object.keys(s.properties), n);
        s.properties[k][SQL_TYPE_KEYWORD] = pick(["MONEY", "TIMESTAMP", "DECIMAL(12,2)", "REAL", "VARCHAR(0)"], n);
        return `/properties/${k}/x-sql-type`;
      },
      (s, n) => {
        const k = pick(Object.keys(s.properties), n);
        const kw = pick(["minimum", "maximum", "default", "examples", "multipleOf", "items"], n);
        s.properties[k][kw] = 1;
        return `/properties/${k}/${kw}`;
      },
      (s, n) => {
        const k = pick(Object.keys(s.properties), n);
        s.properties[k].maxLength = pick([0, -1, 1.5, "8", null], n);
        return `/properties/${k}/maxLength`;
      },
      (s) => {
        s.required.push("NoSuchProperty");
        return `/required/${s.required.length - 1}`;
      },
      (s, n) => {
        const bad = pick(["1st", "net loss", "a-b", ""], n);
        s.properties[bad] = { type: "number" };
        return `/properties/${bad.replace(/~/g, "~0").replace(/\//g, "~1")}`;
      },
      (s) => {
        s.additionalProperties = true;
        return "/additionalProperties";
      },
      (s, n) => {
        const k = pick(Object.keys(s.properties), n);
        s.properties[k].format = "email";
        return `/properties/${k}/format`;
      },
    ];
    fc.assert(
      fc.property(validSchema, fc.nat(edits.length - 1), fc.nat(), (schema, which, n) => {
        const pointer = edits[which](schema, n);
        const problems = recordSchemaProblems({ file: "random.json", schema });
        expect({ pointer, problems }).toEqual({
          pointer,
          problems: expect.arrayContaining([expect.stringMatching(new RegExp(`^random\\.json#${pointer.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: `))]),
        });
      }),
      { numRuns: 300 },
    );
  });
});
