import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DESTINATION_SCHEMA, LossEventSchema, SOURCE_SCHEMA } from "../schemas/loss-event";
import { recordColumnsFromSchema, sqlTypeOf } from "../schemas/sql-columns";
import { describeErrors, fieldErrors, validateDestinationRecord, validateSourceRecord } from "../schemas/validate";
import { asDestinationRecord } from "../scripts/loss-events";
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
    [{ type: "integer", minimum: 0, maximum: 2 ** 31 - 1 }, "INTEGER"],
    [{ type: "integer", minimum: -(2 ** 31), maximum: 2 ** 31 }, "BIGINT"],
    [{ type: "integer", minimum: 0 }, "BIGINT"],
    [{ type: "boolean" }, "BOOLEAN"],
    [{ type: "string", format: "date-time", "x-sql-type": "TIMESTAMP" }, "TIMESTAMP"],
    [{ type: "number", "x-sql-type": "DECIMAL(12,2)" }, "DECIMAL(12,2)"],
  ])("map %j to %s", (property, sqlType) => {
    expect(sqlTypeOf("Field", property)).toBe(sqlType);
  });

  it.each([
    [{ type: "string" }],
    [{ type: "string", format: "date-time" }],
    [{ type: "array", items: { type: "string" } }],
    [{ enum: ["a", "b"] }],
  ])("refuse %j, naming the property and the override keyword", (property) => {
    const schema = { ...SOURCE_SCHEMA, properties: { ...SOURCE_SCHEMA.properties, Comment: property } };
    expect(() => recordColumnsFromSchema(schema)).toThrow(/^schema property "Comment" .* has no SQL column type: .*"x-sql-type"/);
  });
});

describe("the synth path", () => {
  const project = join(__dirname, "..");
  const dir = mkdtempSync(join(tmpdir(), "lab-synth-path-"));
  const loaded = join(dir, "ajv-modules.json");
  const probe = join(dir, "probe.js");
  // Records, when the process exits, which files of ajv it loaded.
  writeFileSync(probe, `process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(loaded)},
    JSON.stringify(Object.keys(require.cache).filter((f) => /[\\\\/]node_modules[\\\\/]ajv/.test(f)))));`);
  const ajvLoadedBy = (args: string[]) => {
    const result = spawnSync(process.execPath, ["-r", probe, ...args], { cwd: project, encoding: "utf8", env: { ...process.env, CDKTF_OUTDIR: join(dir, "out") } });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: expect.not.stringMatching(/synth failed|Error/) });
    return JSON.parse(readFileSync(loaded, "utf8")) as string[];
  };

  it("never loads ajv (synth reads the schema as data; validators cost ~150 ms)", () => {
    expect(ajvLoadedBy(["-e", 'require("ajv/dist/2020")'])).not.toEqual([]); // the probe does see ajv when it is loaded
    expect(ajvLoadedBy(["-r", "./scripts/register-ts.js", "main.ts"])).toEqual([]);
  });
});
