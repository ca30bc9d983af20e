/**
 * generator/generator.py from the outside: its records checked with ajv (the validators every
 * other part of the project uses), and its own stdlib validator compared with ajv. Its unit tests
 * (validator, synthesis, replay, retries against a fake Firehose, signals) are in __tests__/python.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import fc from "fast-check";
import { LAB_RECORD_MAX_BYTES } from "../config/settings";
import { FIREHOSE_BATCH_MAX_BYTES, FIREHOSE_BATCH_MAX_RECORDS, FIREHOSE_MAX_RECORD_BYTES } from "../aws/limits";
import { SOURCE_SCHEMA } from "../schemas/loss-event";
import { SQL_TYPE_KEYWORD } from "../schemas/sql-columns";
import { validateSourceRecord } from "../schemas/validate";
import { python as pythonInterpreter } from "../local/python";
import { readFlushSeconds } from "../generator/flush-interval";
import { badRecords, CASES, fieldsNamed, LossRecord } from "./helpers/records";

const GENERATOR = join(__dirname, "..", "generator", "generator.py");
const VALIDATE_RECORDS = join(__dirname, "python", "validate_records.py");
const SCHEMA_VARIANTS = join(__dirname, "python", "schema_variants.py");
/** The lab's replay file, next to the project (never copied into it); absent in a user's own clone. */
const LAB_DATA = join(__dirname, "..", "..", "shared", "data", "banking_loss.csv");
const withLabData = existsSync(LAB_DATA) ? it : it.skip;

function python(script: string, args: string[], input?: string) {
  const result = spawnSync(pythonInterpreter(), [script, ...args], { encoding: "utf8", input, maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw new Error(`cannot run python3 (${result.error.message}); python3 must be on PATH`);
  return result;
}
const run = (...args: string[]) => python(GENERATOR, args);

/** The records the generator prints with --dry-run; fails on anything but success. */
function records(...args: string[]): LossRecord[] {
  const result = run("--dry-run", "--rate", "0", ...args);
  expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
  const lines = result.stdout.split("\n");
  expect(lines.pop()).toBe(""); // every record ends with a newline
  return lines.map((line) => JSON.parse(line) as LossRecord);
}

/** ajv's verdict on each record: the distinct fields its errors name ([] when valid). */
const ajvFields = (record: LossRecord) => (validateSourceRecord(record) ? [] : fieldsNamed(validateSourceRecord.errors));

/** The generator's validator's verdict on each record, the same way. */
function pythonFields(all: LossRecord[]): string[][] {
  const result = python(VALIDATE_RECORDS, [], all.map((r) => JSON.stringify(r)).join("\n") + "\n");
  expect(result.stderr).toBe("");
  return result.stdout
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line) as string[]);
}

/** A small seeded generator of random numbers (repeatable mutations). */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Values that break (or, in the wrong field, fit) some rule of the schema. */
const ODD_VALUES: unknown[] = [
  null,
  true,
  false,
  0,
  -1.5,
  1e21,
  "",
  " ",
  "x".repeat(17),
  "x".repeat(65),
  "EMEA",
  "Asia Pac",
  "Approved",
  "2007-02-29",
  "2008-02-29",
  "1900-02-29",
  "2000-02-29",
  "2007-13-01",
  "2007-04-31",
  "0000-01-01",
  "2007-1-1",
  "2007-01-01T00:00:00Z",
  "LE_1\n",
  "LE 1",
  "LE-06-012",
  "z-LE-7",
  "\u00e9t\u00e9",
  "\u{1F600}".repeat(16),
  "１２３",
  "Theft and Fraud",
  "Willful Damage",
  "External Fraud",
  "Damage to Physical Assets",
  "Internal Fraud",
  [],
  {},
  ["EMEA"],
];

/** Each record changed once: a field removed, an unknown field added, a field given an odd or another field's value. */
function mutated(base: LossRecord[], seed: number): LossRecord[] {
  const random = seeded(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  return base.map((original) => {
    const record = { ...original };
    const fields = Object.keys(record);
    const field = pick(fields);
    const how = random();
    if (how < 0.1) delete record[field];
    else if (how < 0.2) record[pick(["Extra", "region", "NETLOSS"])] = pick(ODD_VALUES);
    else if (how < 0.4) record[field] = record[pick(fields)];
    else record[field] = pick(ODD_VALUES);
    return record;
  });
}

let synthesized: LossRecord[] = [];
beforeAll(() => {
  synthesized = records("--count", "1000", "--seed", "11");
});

describe("generator/generator.py", () => {
  it("synthesizes 1,000 records that all validate against the source schema (ajv)", () => {
    expect(synthesized).toHaveLength(1000);
    const invalid = synthesized.map((r, i) => ({ i, fields: ajvFields(r) })).filter((r) => r.fields.length > 0);
    expect(invalid).toEqual([]);
  });

  withLabData("replays the whole lab CSV, every record valid against the source schema (ajv) (needs ../shared/data/banking_loss.csv)", () => {
    const replayed = records("--replay", LAB_DATA, "--count", "1402");
    expect(replayed).toHaveLength(1402);
    expect(replayed.filter((r) => !validateSourceRecord(r))).toEqual([]);
    expect(replayed[0]).toEqual(CASES.valid); // the lab's first row, every field typed
  });

  it("makes records of at most LAB_RECORD_MAX_BYTES, the size the generator's rate limit is derived from", () => {
    const sizes = (...args: string[]) =>
      run("--dry-run", "--rate", "0", ...args)
        .stdout.split("\n")
        .slice(0, -1)
        .map((line) => Buffer.byteLength(line) + 1);
    const made = sizes("--count", "5000", "--seed", "1");
    expect(made).toHaveLength(5000);
    expect(Math.max(...made)).toBeLessThanOrEqual(LAB_RECORD_MAX_BYTES);
    if (existsSync(LAB_DATA)) expect(Math.max(...sizes("--replay", LAB_DATA, "--count", "1402"))).toBeLessThanOrEqual(LAB_RECORD_MAX_BYTES);
  });

  it("holds Firehose's limits as aws/limits.ts defines them (the same facts, in its own runtime)", () => {
    const code =
      "import json, sys; sys.path.insert(0, sys.argv[1]); import generator as g; print(json.dumps([g.MAX_RECORD_BYTES, g.MAX_BATCH_RECORDS, g.MAX_BATCH_BYTES]))";
    const result = spawnSync(pythonInterpreter(), ["-c", code, dirname(GENERATOR)], { encoding: "utf8" });
    expect(JSON.parse(result.stdout)).toEqual([FIREHOSE_MAX_RECORD_BYTES, FIREHOSE_BATCH_MAX_RECORDS, FIREHOSE_BATCH_MAX_BYTES]);
  });

  it("is repeatable with a seed", () => {
    expect(run("--dry-run", "--count", "5", "--rate", "0", "--seed", "1").stdout).toBe(run("--dry-run", "--count", "5", "--rate", "0", "--seed", "1").stdout);
  });

  it("refuses to send without a stream, with a usage message", () => {
    const result = run("--count", "1");
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("--stream is required unless --dry-run");
  });
});

describe("the generator's validator and ajv", () => {
  it("name the same field for every bad record of the table", () => {
    const table = badRecords();
    expect(pythonFields(table.map(([, , r]) => r))).toEqual(table.map(([, field]) => [field]));
  });

  it("agree on 1,000 synthesized records and 3,000 mutations of them, record by record", () => {
    const all = [...synthesized, ...mutated(synthesized, 1), ...mutated(synthesized, 2), ...mutated(synthesized, 3)];
    const ajv = all.map(ajvFields);
    expect(ajv.filter((f) => f.length > 0).length).toBeGreaterThan(2000); // the mutations do break rules
    const disagreements = pythonFields(all).flatMap((fields, i) =>
      JSON.stringify(fields) === JSON.stringify(ajv[i]) ? [] : [{ record: all[i], ajv: ajv[i], python: fields }],
    );
    expect(disagreements).toEqual([]);
  });

  withLabData("agree on the lab's records and their mutations (needs ../shared/data/banking_loss.csv)", () => {
    const lab = records("--replay", LAB_DATA, "--count", "1402");
    const all = [...lab, ...mutated(lab, 4)];
    const ajv = all.map(ajvFields);
    const disagreements = pythonFields(all).flatMap((fields, i) =>
      JSON.stringify(fields) === JSON.stringify(ajv[i]) ? [] : [{ record: all[i], ajv: ajv[i], python: fields }],
    );
    expect(disagreements).toEqual([]);
  });
});

type Schema = { properties: Record<string, Record<string, unknown>>; required: string[] };

/** Random variants of the source schema the generator accepts: enums narrowed, amounts typed number or integer and bounded, fields of other kinds added. */
const schemaVariant = fc
  .record({
    regions: fc.subarray([...(SOURCE_SCHEMA.properties.Region.enum as string[])], { minLength: 1 }),
    amounts: fc.array(
      fc.record({
        type: fc.constantFrom("number", "integer"),
        minimum: fc.option(fc.integer({ min: -1e6, max: 1e6 })),
        width: fc.option(fc.integer({ min: 1, max: 1e6 })),
      }),
      { minLength: 3, maxLength: 3 },
    ),
    nameLength: fc.integer({ min: 1, max: 16 }),
    extras: fc.subarray(["Flag", "Kind", "Level", "Count"]),
  })
  .map(({ regions, amounts, nameLength, extras }) => {
    const schema = structuredClone(SOURCE_SCHEMA) as unknown as Schema;
    schema.properties.Region.enum = regions;
    ["NetLoss", "RecoveryAmount", "EstimatedGrossLoss"].forEach((name, i) => {
      const { type, minimum, width } = amounts[i];
      Object.assign(
        schema.properties[name],
        { type },
        minimum === null ? {} : { minimum },
        minimum === null || width === null ? {} : { maximum: minimum + width },
      );
    });
    schema.properties.Name.maxLength = nameLength;
    const kinds: Record<string, Record<string, unknown>> = {
      Flag: { type: "boolean" },
      Kind: { const: "loss" },
      Level: { enum: [1, 2.5, null, true] },
      Count: { type: "integer", minimum: 0, maximum: 9 },
    };
    for (const name of extras) {
      schema.properties[name] = kinds[name];
      schema.required.push(name);
    }
    return schema;
  });

/** ajv as schemas/validate.ts sets it up (strict, all errors, formats, the SQL-type keyword), for one schema. */
function ajvFor(schema: Schema) {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  ajv.addKeyword({ keyword: SQL_TYPE_KEYWORD, schemaType: "string" });
  return ajv.compile(schema);
}

/** The generator's answers to tasks (see __tests__/python/schema_variants.py), in one python3 run. */
function variantTasks(tasks: object[]): unknown[][] {
  const result = python(SCHEMA_VARIANTS, [], tasks.map((t) => JSON.stringify(t)).join("\n") + "\n");
  expect(result.stderr).toBe("");
  return result.stdout
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line) as unknown[]);
}

describe("the generator on random schema variants (fast-check)", () => {
  // Sampled in one batch, so that one python3 run answers them all; a failure names its variant.
  const variants = fc.sample(fc.tuple(schemaVariant, fc.integer({ min: 0, max: 2 ** 31 - 1 })), { numRuns: 30 });
  const made = variantTasks(variants.map(([schema, seed]) => ({ schema, seed, count: 60 }))) as LossRecord[][];
  const validators = variants.map(([schema]) => ajvFor(schema));

  it("synthesizes records ajv accepts for every variant", () => {
    const invalid = variants.flatMap(([schema], i) => {
      const validate = validators[i];
      return made[i].filter((r) => !validate(r)).map((record) => ({ schema, record, errors: validate.errors }));
    });
    expect(invalid).toEqual([]);
  });

  it("and its validator agrees with ajv on the mutations of those records", () => {
    const mutations = made.map((records, i) => mutated(records, i));
    const verdicts = variantTasks(variants.map(([schema], i) => ({ schema, check: mutations[i] })));
    const disagreements = variants.flatMap(([schema], i) => {
      const validate = validators[i];
      return mutations[i].flatMap((record, j) => {
        const ajv = validate(record) ? [] : fieldsNamed(validate.errors);
        return JSON.stringify(ajv) === JSON.stringify(verdicts[i][j]) ? [] : [{ schema, record, ajv, python: verdicts[i][j] }];
      });
    });
    expect(disagreements).toEqual([]);
    expect(verdicts.flat().filter((fields) => (fields as string[]).length > 0).length).toBeGreaterThan(1000); // the mutations do break rules
  });
});

describe("the flush interval the cost estimate reads from generator.py", () => {
  it("is the value Python sees", () => {
    const code = "import sys; sys.path.insert(0, sys.argv[1]); import generator; print(generator.FLUSH_SECONDS)";
    const result = spawnSync(pythonInterpreter(), ["-c", code, dirname(GENERATOR)], { encoding: "utf8" });
    expect(result.stderr).toBe("");
    expect(readFlushSeconds()).toBe(Number(result.stdout));
  });

  it("is refused, naming the file, when generator.py no longer defines it", () => {
    const file = join(mkdtempSync(join(tmpdir(), "lab-flush-")), "generator.py");
    writeFileSync(file, "FLUSH_INTERVAL = 1.0\n");
    expect(() => readFlushSeconds(file)).toThrow(`${file}: no line "FLUSH_SECONDS = <seconds>"`);
  });
});
