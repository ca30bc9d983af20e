/**
 * Property-based tests of the analytics (fast-check), where a hand-picked list cannot reach:
 *  - random valid records made FROM THE SCHEMA (dates across 0000-9999, unicode strings up to
 *    maxLength, extreme doubles) through the real DuckDB engine come out equal under the output
 *    names and valid against the destination schema;
 *  - random invalid records (mutations of valid ones, broken bytes, broken JSON) are always
 *    reported by line and never forwarded, by the engine and by the Lambda handler;
 *  - the dialect's type inference agrees with DuckDB: what synth accepts, DuckDB binds with the
 *    same kind of result and runs on real records without a conversion error;
 *  - the calendar arithmetic agrees with an independent one on every year 0000-9999.
 */
import { readFileSync } from "node:fs";
import type { S3Client } from "@aws-sdk/client-s3";
import type { PutRecordBatchCommandOutput } from "@aws-sdk/client-firehose";
import type { S3Event } from "aws-lambda";
import { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import fc from "fast-check";
import { civilFromDays, daysFromCivil, formatDate, parseDate } from "../dialect/calendar";
import { compileAnalyticsSql, duckdbType, LINE_COLUMN, quoteName } from "../dialect/compiler";
import { parseAnalyticsSql } from "../dialect/parser";
import { SqlDialectError } from "../dialect/tokenizer";
import { SqlRunner, RESULT_KINDS } from "../dialect/duckdb-runner";
import { LAB_ANALYTICS } from "../sql/analytics";
import { createHandler } from "../micro-batch/handler";
import { LAB_RECORD_CHECKS } from "../sql/record-checks";
import { ValueKind, typeOfExpression } from "../dialect/sql-types";
import { SOURCE_SCHEMA } from "../schemas/loss-event";
import { validateDestinationRecord, validateSourceRecord } from "../schemas/validate";
import { asDestinationRecord, lossEvents } from "../fixtures/loss-events";

type Schema = Record<string, any>;
type Row = Record<string, unknown>;
const LAB_SQL = readFileSync(LAB_ANALYTICS.sqlFile, "utf8");
const DAY_MS = 86_400_000;

// ---------------------------------------------------------------------------------------------
// Records from the schema

/** `YYYY-MM-DD` of a day count, by JavaScript's own calendar (new Date(ms) keeps years 0-99, unlike Date.UTC). */
function referenceDate(days: number): string {
  const t = new Date(days * DAY_MS);
  return `${String(t.getUTCFullYear()).padStart(4, "0")}-${String(t.getUTCMonth() + 1).padStart(2, "0")}-${String(t.getUTCDate()).padStart(2, "0")}`;
}
function referenceDays(date: string): number {
  const [y, m, d] = date.split("-").map(Number);
  const t = new Date(0);
  t.setUTCFullYear(y, m - 1, d);
  return t.getTime() / DAY_MS;
}
const FIRST_DAY = referenceDays("0000-01-01");
const LAST_DAY = referenceDays("9999-12-31");
/** Any date from 0000 to 9999, often in the first century (where Date.UTC went wrong). */
const anyDate = fc.oneof(fc.integer({ min: FIRST_DAY, max: LAST_DAY }), fc.integer({ min: FIRST_DAY, max: referenceDays("0100-12-31") })).map(referenceDate);

function resolve(schema: Schema, property: Schema): Schema {
  if (typeof property.$ref !== "string") return property;
  const [, path] = property.$ref.split("#/");
  return path.split("/").reduce((node: Schema, part: string) => node[part], schema);
}

/** Values of one property, by its keywords; a keyword the test does not know fails it (the schema outgrew the test). */
function valuesOf(property: Schema): fc.Arbitrary<unknown> {
  const known = new Set(["description", "type", "enum", "format", "pattern", "minLength", "maxLength", "minimum", "maximum", "x-sql-type"]);
  const unknown = Object.keys(property).filter((k) => !known.has(k));
  if (unknown.length > 0) throw new Error(`the record arbitrary does not know the keywords ${unknown.join(", ")}`);
  if (property.enum) return fc.constantFrom(...(property.enum as unknown[]));
  switch (property.type) {
    case "string": {
      if (property.format === "date") return anyDate;
      const [minLength, maxLength] = [property.minLength ?? 0, property.maxLength as number];
      const length = (s: string) => [...s].length;
      if (property.pattern) return fc.stringMatching(new RegExp(property.pattern)).filter((s) => length(s) >= minLength && length(s) <= maxLength);
      // Any code point (astral ones too), counted as JSON Schema and the service count characters.
      return fc.string({ unit: "binary", minLength, maxLength });
    }
    case "number":
      return fc.double({ noNaN: true, noDefaultInfinity: true, min: property.minimum, max: property.maximum });
    case "integer":
      return fc.integer({ min: property.minimum, max: property.maximum });
    case "boolean":
      return fc.boolean();
  }
  throw new Error(`the record arbitrary cannot make values for ${JSON.stringify(property)}`);
}

/** Records of a schema: its properties, then its `allOf` if/then rules (a sub-category from its category's list). */
function recordsOf(schema: Schema): fc.Arbitrary<Row> {
  const base = fc.record(Object.fromEntries(Object.entries(schema.properties as Record<string, Schema>).map(([k, p]) => [k, valuesOf(p)])));
  const rules = (schema.allOf ?? []) as { if: Schema; then: Schema }[];
  const holds = (condition: Schema, record: Row) =>
    (condition.required ?? []).every((k: string) => k in record) &&
    Object.entries(condition.properties as Record<string, Schema>).every(([k, p]) => {
      if (!("const" in p)) throw new Error(`the record arbitrary reads only const conditions, not ${JSON.stringify(p)}`);
      return record[k] === p.const;
    });
  return base.chain((record) => {
    const overrides: Record<string, fc.Arbitrary<unknown>> = {};
    for (const rule of rules.filter((r) => holds(r.if, record))) {
      for (const [k, p] of Object.entries(rule.then.properties as Record<string, Schema>)) overrides[k] = valuesOf(resolve(schema, p));
    }
    return fc.record(overrides).map((o) => ({ ...record, ...o }));
  });
}

/** The source schema without enums, patterns or if/then rules: any unicode text up to each maxLength. */
const FREE_TEXT_SCHEMA: Schema = {
  ...SOURCE_SCHEMA,
  allOf: [],
  properties: Object.fromEntries(
    Object.entries(SOURCE_SCHEMA.properties).map(([k, p]) => {
      const { enum: _enum, pattern: _pattern, ...rest } = p as Schema;
      return [k, rest];
    }),
  ),
};

const sourceRecords = recordsOf(SOURCE_SCHEMA);
/** The record as the engine reads it: through JSON text (-0 is written 0). */
const viaJson = (record: Row): Row => JSON.parse(JSON.stringify(record)) as Row;

// ---------------------------------------------------------------------------------------------

describe("the calendar", () => {
  it("turns every day of the years 0000-9999 into the text JavaScript's calendar gives it, and back", () => {
    fc.assert(
      fc.property(fc.integer({ min: FIRST_DAY, max: LAST_DAY }), (days) => {
        const text = referenceDate(days);
        expect(formatDate(days)).toBe(text);
        expect(parseDate(text)).toBe(days);
        const { year, month, day } = civilFromDays(days);
        expect(daysFromCivil(year, month, day)).toBe(days);
      }),
      { numRuns: 2000 },
    );
  });

  it("refuses text that is no calendar date, and writes no year outside 0000-9999", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 31 }), (y, m, d) => {
        const text = `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
        const onCalendar = referenceDate(referenceDays(text)) === text;
        expect(parseDate(text) !== undefined).toBe(onCalendar);
      }),
      { numRuns: 2000 },
    );
    expect([formatDate(FIRST_DAY - 1), formatDate(LAST_DAY + 1)]).toEqual([undefined, undefined]);
  });
});

describe("valid records from the schema, through DuckDB", () => {
  let checked: SqlRunner;
  let unchecked: SqlRunner;
  beforeAll(async () => {
    const compiled = compileAnalyticsSql(LAB_SQL, LAB_ANALYTICS.streams, "stream-application.sql");
    checked = await SqlRunner.open(compiled, { checks: LAB_RECORD_CHECKS, threads: 1 });
    unchecked = await SqlRunner.open(compiled, { threads: 1 });
  });
  afterAll(() => {
    // Unset when beforeAll failed before making them: then there is nothing to close.
    (checked as SqlRunner | undefined)?.close();
    (unchecked as SqlRunner | undefined)?.close();
  });

  it("are what the schema allows (the arbitrary itself is right)", () => {
    fc.assert(
      fc.property(sourceRecords, (record) => {
        expect(validateSourceRecord(viaJson(record)) ? [] : validateSourceRecord.errors).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it("come out equal under the output names, valid against the destination schema, with every check on", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(sourceRecords, { minLength: 1, maxLength: 8 }), async (records) => {
        const { rows, problems } = await checked.run(records.map((r) => JSON.stringify(r)));
        expect(problems).toEqual([]);
        expect(rows).toEqual(records.map((r) => asDestinationRecord(viaJson(r))));
        for (const row of rows) expect(validateDestinationRecord(row) ? [] : validateDestinationRecord.errors).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it("keep a text that starts with U+FEFF (the property below found it dropped: DuckDB's Node.js API decodes text as if it began with a byte-order mark)", async () => {
    const record = {
      Region: "\uFEFF",
      Business: "",
      Name: "\uFEFFx",
      Status: "a\uFEFF",
      RiskCategory: "",
      RiskSubCategory: "",
      DiscoveryDate: "1970-01-01",
      OccurrenceStartDate: "0100-12-31",
      NetLoss: 0,
      RecoveryAmount: 0,
      EstimatedGrossLoss: 0,
    };
    const { rows, problems } = await unchecked.run(Buffer.from(`${JSON.stringify(record)}\n`));
    expect(problems).toEqual([]);
    expect(rows).toEqual([asDestinationRecord(record)]);
  });

  it("keep any unicode text up to each column's length exactly (astral characters, NUL and controls included), read from UTF-8 bytes", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(recordsOf(FREE_TEXT_SCHEMA), { minLength: 1, maxLength: 8 }), async (records) => {
        const bytes = Buffer.from(records.map((r) => JSON.stringify(r)).join("\n"));
        const { rows, problems } = await unchecked.run(bytes);
        expect(problems).toEqual([]);
        expect(rows).toEqual(records.map((r) => asDestinationRecord(viaJson(r))));
      }),
      { numRuns: 150 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Invalid records

type Line = { bytes: Buffer; valid: boolean };
const jsonLine = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
const stringFields = Object.entries(SOURCE_SCHEMA.properties)
  .filter(([, p]) => p.type === "string" && p.format !== "date")
  .map(([k]) => k);
const enumFields = Object.entries(SOURCE_SCHEMA.properties)
  .filter(([, p]) => Array.isArray(p.enum))
  .map(([k]) => k);
const dateFields = Object.entries(SOURCE_SCHEMA.properties)
  .filter(([, p]) => p.format === "date")
  .map(([k]) => k);
const numberFields = Object.entries(SOURCE_SCHEMA.properties)
  .filter(([, p]) => p.type === "number")
  .map(([k]) => k);
const fields = Object.keys(SOURCE_SCHEMA.properties);
const without = (record: Row, field: string) => Object.fromEntries(Object.entries(record).filter(([k]) => k !== field));

/** Changes of a valid record that make it no record; each is checked to fail the source schema before use. */
const recordMutations: fc.Arbitrary<(r: Row) => unknown>[] = [
  fc.constantFrom(...fields).map((f) => (r: Row) => without(r, f)),
  fc
    .tuple(
      fc.string({ minLength: 1 }).filter((k) => !fields.includes(k)),
      fc.jsonValue(),
    )
    .map(([k, v]) => (r: Row) => ({ ...r, [k]: v })),
  fc.tuple(fc.constantFrom(...fields), fc.constantFrom<unknown>(null, true, [], {}, 0, "text", [1, 2])).map(([f, v]) => (r: Row) => ({ ...r, [f]: v })),
  fc
    .tuple(fc.constantFrom(...stringFields), fc.integer({ min: 1, max: 100 }))
    .map(([f, extra]) => (r: Row) => ({ ...r, [f]: "x".repeat((SOURCE_SCHEMA.properties[f].maxLength as number) + extra) })),
  fc.tuple(fc.constantFrom(...enumFields), fc.string()).map(([f, v]) => (r: Row) => ({ ...r, [f]: v })),
  fc.constantFrom(...(SOURCE_SCHEMA.properties.RiskSubCategory.enum as string[])).map((sub) => (r: Row) => ({ ...r, RiskSubCategory: sub })),
  fc
    .tuple(
      fc.constantFrom(...dateFields),
      fc.constantFrom("2023-02-29", "2023-2-03", "10000-01-01", "", "2023-13-01", "0000-00-00", "2023-01-01T00:00:00Z", "yesterday"),
    )
    .map(([f, v]) => (r: Row) => ({ ...r, [f]: v })),
  fc.constantFrom(...numberFields).map((f) => (r: Row) => ({ ...r, [f]: String(r[f]) })), // numeric text is text
  fc.constantFrom<unknown>({}, [], 42, "a record", null, true).map((v) => () => v),
];
/** Lines that are not even JSON text of a record: cut short, broken bytes, a lone surrogate escape. */
const byteMutations: fc.Arbitrary<(r: Row) => Buffer>[] = [
  fc.integer({ min: 1, max: 40 }).map((cut) => (r: Row) => jsonLine(r).subarray(0, -cut)),
  fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.constantFrom(0xff, 0xc3, 0xe2, 0xf0, 0x80)).map(([at, byte]) => (r: Row) => {
    const line = jsonLine(r);
    const i = at % line.length;
    return Buffer.concat([line.subarray(0, i), Buffer.from([byte]), line.subarray(i)]);
  }),
  fc.constantFrom(...stringFields).map((f) => (r: Row) => Buffer.from(JSON.stringify(r).replace(`"${f}":"`, `"${f}":"\\ud800`))),
];
const invalidLine: fc.Arbitrary<Line> = fc.oneof(
  fc
    .tuple(sourceRecords, fc.oneof(...recordMutations))
    .map(([r, mutate]) => ({ value: mutate(r) }))
    .filter(({ value }) => !validateSourceRecord(value))
    .map(({ value }) => ({ bytes: jsonLine(value), valid: false })),
  fc.tuple(sourceRecords, fc.oneof(...byteMutations)).map(([r, mutate]) => ({ bytes: mutate(r), valid: false })),
);
const validLine: fc.Arbitrary<Line> = sourceRecords.map((r) => ({ bytes: jsonLine(r), valid: true }));
/** An object: valid records with at least one invalid one somewhere among them. */
const objects = fc
  .tuple(fc.array(validLine, { maxLength: 6 }), fc.array(invalidLine, { minLength: 1, maxLength: 4 }))
  .chain(([valid, invalid]) => fc.shuffledSubarray([...valid, ...invalid], { minLength: valid.length + invalid.length }));

describe("invalid records are always reported by line, never forwarded", () => {
  let runner: SqlRunner;
  beforeAll(async () => {
    runner = await SqlRunner.open(compileAnalyticsSql(LAB_SQL, LAB_ANALYTICS.streams, "stream-application.sql"), { checks: LAB_RECORD_CHECKS, threads: 1 });
  });
  afterAll(() => (runner as SqlRunner | undefined)?.close()); // unset when beforeAll failed

  it("by the engine: exactly the invalid lines are problems, and only the valid records become rows", async () => {
    await fc.assert(
      fc.asyncProperty(objects, async (lines) => {
        const { rows, problems } = await runner.run(Buffer.from(lines.map((l) => l.bytes).join("\n")));
        const lineNumbers = (valid: boolean) => lines.flatMap((l, i) => (l.valid === valid ? [i + 1] : []));
        expect(problems.map((p) => p.line)).toEqual(lineNumbers(false));
        expect(rows).toEqual(lines.filter((l) => l.valid).map((l) => asDestinationRecord(JSON.parse(l.bytes.toString()) as Row)));
      }),
      { numRuns: 200 },
    );
  });

  it("by the Lambda handler: the object is sent nowhere and fails naming s3://bucket/key and each bad line", async () => {
    await fc.assert(
      fc.asyncProperty(objects, async (lines) => {
        const body = Buffer.from(lines.map((l) => l.bytes).join("\n"));
        const s3 = { send: async () => ({ Body: { transformToByteArray: async () => new Uint8Array(body) } }) } as unknown as Pick<S3Client, "send">;
        let calls = 0;
        const putRecordBatch = async () => {
          calls++;
          return { FailedPutCount: 0, RequestResponses: [], $metadata: {} } as unknown as PutRecordBatchCommandOutput;
        };
        const handler = createHandler({ s3, runner, destinationStream: "Destination", packBytes: 5000, putRecordBatch, log: () => undefined });
        const event = { Records: [{ s3: { bucket: { name: "lab-bucket" }, object: { key: "source/2024/05/01/10/object" } } }] } as unknown as S3Event;
        const bad = lines.flatMap((l, i) => (l.valid ? [] : [i + 1]));
        const error = await handler(event).then(
          () => undefined,
          (e: unknown) => e as Error,
        );
        expect(error?.message).toMatch(
          new RegExp(
            `^s3://lab-bucket/source/2024/05/01/10/object: ${bad.length} of ${lines.length} records cannot be processed, so none of its rows was sent:\n`,
          ),
        );
        for (const line of bad) expect(error!.message).toContain(`\n  line ${line}: `);
        expect(calls).toBe(0);
      }),
      { numRuns: 100 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Types

describe("the dialect's types agree with DuckDB's", () => {
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;
  const input = LAB_ANALYTICS.streams.input;
  const columnTypes = new Map(input.columns.map((c) => [c.name, c.sqlType]));
  beforeAll(async () => {
    // As the engine configures it (integer division), over real records.
    instance = await DuckDBInstance.create(":memory:", { integer_division: "true", threads: "1" });
    connection = await instance.connect();
    const columns = input.columns.map((c) => `${quoteName(c.name)} ${duckdbType(c.sqlType)}`);
    await connection.run(`CREATE TABLE ${quoteName(input.name)} (${[`${quoteName(LINE_COLUMN)} INTEGER`, ...columns].join(", ")})`);
    const records = lossEvents(20, 31);
    const quote = (v: unknown) => (typeof v === "number" ? String(v) : `'${String(v).replace(/'/g, "''")}'`);
    for (const [i, r] of records.entries()) {
      await connection.run(`INSERT INTO ${quoteName(input.name)} VALUES (${[i + 1, ...input.columns.map((c) => quote(r[c.name]))].join(", ")})`);
    }
  });
  afterAll(() => {
    // Unset when beforeAll failed before making them: then there is nothing to close.
    (connection as DuckDBConnection | undefined)?.closeSync();
    (instance as DuckDBInstance | undefined)?.closeSync();
  });

  // Mostly well-typed expressions by kind (so that many pass synth and are compared), and some wild ones.
  const { any } = fc.letrec((tie) => {
    const t = (kind: string) => tie(kind) as fc.Arbitrary<string>;
    const ints = fc.integer({ min: 0, max: 50 }).map(String);
    const small = { depthSize: "small" as const, withCrossShrink: true };
    const choice = <T>(...values: T[]) => fc.constantFrom(...values);
    return {
      number: fc.oneof(
        small,
        fc.oneof(choice('"NetLoss"', '"RecoveryAmount"', "1.5", "2e1", "NULL"), ints),
        fc.tuple(t("number"), choice("+", "-", "*", "/"), t("number")).map(([a, op, b]) => `(${a} ${op} ${b})`),
        t("number").map((a) => `(-${a})`),
        fc.tuple(choice("ABS", "FLOOR", "CEIL"), t("number")).map(([f, a]) => `${f}(${a})`),
        fc.tuple(choice("MOD", "COALESCE", "NULLIF"), t("number"), t("number")).map(([f, a, b]) => `${f}(${a}, ${b})`),
        t("integer"),
        fc.tuple(t("date"), t("date")).map(([a, b]) => `(${a} - ${b})`),
        fc.tuple(t("boolean"), t("number"), t("number")).map(([c, a, b]) => `CASE WHEN ${c} THEN ${a} ELSE ${b} END`),
      ),
      integer: fc.oneof(
        small,
        ints,
        t("string").map((a) => `CHAR_LENGTH(${a})`),
        fc.tuple(t("string"), t("string")).map(([a, b]) => `POSITION(${a} IN ${b})`),
        fc.tuple(t("integer"), choice("+", "-", "*"), t("integer")).map(([a, op, b]) => `(${a} ${op} ${b})`),
      ),
      string: fc.oneof(
        small,
        choice('"Region"', '"Name"', "'EMEA'", "'x%'", "NULL"),
        fc.tuple(t("string"), t("string")).map(([a, b]) => `(${a} || ${b})`),
        fc.tuple(choice("UPPER", "LOWER"), t("string")).map(([f, a]) => `${f}(${a})`),
        fc.tuple(t("string"), t("integer"), t("integer")).map(([a, b, c]) => `SUBSTRING(${a} FROM ${b} FOR ${c})`),
        fc.tuple(t("string"), t("string")).map(([a, b]) => `TRIM(BOTH ${a} FROM ${b})`),
        t("any").map((a) => `CAST(${a} AS VARCHAR(64))`),
        fc.tuple(t("string"), t("string")).map(([a, b]) => `COALESCE(${a}, ${b})`),
        fc.tuple(t("boolean"), t("string"), t("string")).map(([c, a, b]) => `CASE WHEN ${c} THEN ${a} ELSE ${b} END`),
      ),
      date: fc.oneof(
        small,
        choice('"DiscoveryDate"', '"OccurrenceStartDate"', "DATE '2010-06-01'", "DATE '0042-03-01'"),
        fc.tuple(t("date"), choice("+", "-"), t("integer")).map(([a, op, n]) => `(${a} ${op} ${n})`),
        fc.tuple(t("date"), t("date")).map(([a, b]) => `COALESCE(${a}, ${b})`),
      ),
      boolean: fc.oneof(
        small,
        choice("TRUE", "FALSE"),
        fc.tuple(t("number"), choice("=", "<>", "<", ">="), t("number")).map(([a, op, b]) => `(${a} ${op} ${b})`),
        fc.tuple(t("string"), choice("=", "<>", "<"), t("string")).map(([a, op, b]) => `(${a} ${op} ${b})`),
        fc
          .tuple(t("date"), choice("=", ">=", "<"), fc.oneof(t("date"), choice("'2010-01-01'", "TIMESTAMP '2010-01-01 10:00:00'")))
          .map(([a, op, b]) => `(${a} ${op} ${b})`),
        fc.tuple(t("boolean"), choice("AND", "OR"), t("boolean")).map(([a, op, b]) => `(${a} ${op} ${b})`),
        t("boolean").map((a) => `(NOT ${a})`),
        t("any").map((a) => `(${a} IS NOT NULL)`),
        fc.tuple(t("number"), t("number"), t("number")).map(([a, b, c]) => `(${a} BETWEEN ${b} AND ${c})`),
        fc.tuple(t("string"), t("string"), t("string")).map(([a, b, c]) => `(${a} IN (${b}, ${c}))`),
        fc.tuple(t("string"), t("string")).map(([a, b]) => `(${a} LIKE ${b})`),
      ),
      /** Anything: well-typed or not (the wild ones are mostly refused, and those accepted must agree too). */
      any: fc.oneof(
        small,
        t("number"),
        t("string"),
        t("date"),
        t("boolean"),
        choice("TIME '10:00:00'", "TIMESTAMP '2010-01-01 10:00:00'"),
        fc.tuple(t("any"), choice("+", "-", "||", "=", "<", "AND"), t("any")).map(([a, op, b]) => `(${a} ${op} ${b})`),
        fc.tuple(choice("COALESCE", "NULLIF"), t("any"), t("any")).map(([f, a, b]) => `${f}(${a}, ${b})`),
        fc.tuple(t("any"), t("any"), t("any")).map(([a, b, c]) => `CASE WHEN ${a} THEN ${b} ELSE ${c} END`),
      ),
    };
  });
  const OUTPUT_TYPE: Record<ValueKind, string> = {
    string: "VARCHAR(64)",
    number: "DOUBLE",
    date: "DATE",
    time: "TIME",
    timestamp: "TIMESTAMP",
    boolean: "BOOLEAN",
    null: "VARCHAR(64)",
  };

  it("every expression synth accepts binds in DuckDB with the kind of result it inferred, and runs on records without a conversion", async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(any, async (text) => {
        const sql = (type: string) => `CREATE OR REPLACE STREAM "DESTINATION_SQL_BASIC_STREAM" (X ${type});
CREATE OR REPLACE PUMP "P" AS INSERT INTO "DESTINATION_SQL_BASIC_STREAM" SELECT STREAM ${text} FROM "SOURCE_SQL_STREAM_001";`;
        const [expr] = parseAnalyticsSql(sql("VARCHAR(64)")).pumps[0].select.map((s) => s.expression);
        let kind: ValueKind;
        try {
          kind = typeOfExpression(
            expr,
            (name) => columnTypes.get(name)!,
            (at, problem) => {
              throw new SqlDialectError("p.sql", at, problem);
            },
          ).kind;
        } catch (e) {
          if (e instanceof SqlDialectError) return; // refused at synth: nothing to compare
          throw e;
        }
        accepted++;
        const { query } = compileAnalyticsSql(sql(OUTPUT_TYPE[kind]), LAB_ANALYTICS.streams).pumps[0];
        const types = (await connection.runAndReadAll(`${query} LIMIT 0`)).columnTypes();
        if (kind !== "null") expect([text, RESULT_KINDS[types[1].typeId]]).toEqual([text, kind]);
        try {
          await connection.runAndReadAll(query);
        } catch (e) {
          // Arithmetic can overflow on a record (reported with its line); converting a value cannot happen.
          expect([text, (e as Error).message]).toEqual([text, expect.stringMatching(/^Out of Range Error/)]);
        }
      }),
      { numRuns: 1000 },
    );
    expect(accepted).toBeGreaterThan(250); // the property compared something
  });
});
