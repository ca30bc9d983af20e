/**
 * Runs the analytics SQL over newline-delimited JSON source records with DuckDB, as the Lambda
 * function does (every record checked against the source schema, every row against the
 * destination schema), and prints the rows the output stream would receive, one JSON object per
 * line.
 *
 *   npm run sql -- --input records.ndjson [--sql sql/stream-application.sql]
 *   python3 generator/generator.py --dry-run --count 5 --rate 0 | npm run sql -- --input -
 *
 * Problems (records or rows that do not fit) go to stderr with their line. Exit status: 0 all
 * records fit; 1 some did not (or the run failed); 2 usage, or an input that cannot be used at all
 * (a file that cannot be read, SQL the engine refuses, a schema synth refuses), said in one line
 * (a schema with several problems: one line each).
 */
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import Ajv2020, { AnySchema } from "ajv/dist/2020";
import { CompiledAnalytics, compileAnalyticsSql } from "../dialect/compiler";
import { SqlDialectError } from "../dialect/tokenizer";
import { SqlRunner, AnalyticsRunError, RunResult } from "../dialect/duckdb-runner";

const USAGE = "usage: npm run sql -- --input FILE|- [--sql FILE]";

/** A problem that ends the run: its exit status and one line. */
class Stop extends Error {
  constructor(
    readonly status: 1 | 2,
    message: string,
  ) {
    super(message);
  }
}

const firstLine = (e: unknown) => String((e as { message?: unknown } | null | undefined)?.message ?? e).split("\n")[0];

/**
 * Loads what reads the schemas: loading checks them against the project's meta-schema (its
 * errors, and JSON's, name the file and the place), then derives the input columns and compiles
 * the validators. A schema that cannot be used is said naming its file, one line per problem, exit 2.
 */
function loadSchemas() {
  const load = <T>(module: () => T, files: () => string): T => {
    try {
      return module();
    } catch (e) {
      if ((e as { code?: string }).code === "MODULE_NOT_FOUND") throw e; // not the schema's fault
      const problems = (e as { problems?: readonly string[] }).problems ?? [firstLine(e)]; // an UnusableInputError lists them
      throw new Stop(2, problems.map((p) => (/\.schema\.json\b/.test(p) ? p : `${files()}: ${p}`)).join("\n"));
    }
  };
  // Loaded lazily, so that load() catches a refused schema.
  const schemas = load(
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy, see above
    () => require("../schemas/loss-event") as typeof import("../schemas/loss-event"),
    () => "schemas/",
  );
  const lab = load(
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy, see above
    () => require("../sql/analytics") as typeof import("../sql/analytics"),
    () => schemas.SOURCE_SCHEMA_FILE,
  );
  const checks = load(
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy, see above
    () => require("../sql/record-checks") as typeof import("../sql/record-checks"),
    () => refusedSchemaFiles(schemas),
  );
  return { ...lab, ...schemas, LAB_RECORD_CHECKS: checks.LAB_RECORD_CHECKS };
}

/** Which schema file JSON Schema's own meta-schema refuses, to name it when compiling both failed (else both). */
function refusedSchemaFiles({ SOURCE_SCHEMA_FILE, DESTINATION_SCHEMA_FILE }: typeof import("../schemas/loss-event")): string {
  const ajv = new Ajv2020({ strict: false });
  const files = [SOURCE_SCHEMA_FILE, DESTINATION_SCHEMA_FILE];
  const refused = files.filter((file) => !ajv.validateSchema(JSON.parse(readFileSync(join(__dirname, "..", file), "utf8")) as AnySchema));
  return refused.length === 1 ? refused[0] : files.join(" or ");
}

async function main(argv: string[]): Promise<number> {
  let options: { input?: string; sql?: string; help?: boolean };
  try {
    options = parseArgs({ args: argv, options: { input: { type: "string" }, sql: { type: "string" }, help: { type: "boolean" } } }).values;
  } catch (e) {
    throw new Stop(2, `${firstLine(e)}; ${USAGE}`);
  }
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  if (options.input === undefined) throw new Stop(2, `--input is required (a file of newline-delimited JSON records, or - for stdin); ${USAGE}`);
  const inputName = options.input === "-" ? "stdin" : options.input;

  const { LAB_ANALYTICS, LAB_RECORD_CHECKS, SOURCE_SCHEMA_FILE } = loadSchemas();

  const sqlFile = options.sql ?? LAB_ANALYTICS.sqlFile;
  const shownSqlFile = relative(process.cwd(), sqlFile) || sqlFile;
  const read = (file: string | 0, name: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (e) {
      throw new Stop(2, `${name} cannot be read: ${firstLine(e)}`);
    }
  };
  const sqlBytes = read(sqlFile, shownSqlFile);
  let sql: string;
  try {
    sql = new TextDecoder("utf-8", { fatal: true }).decode(sqlBytes);
  } catch {
    throw new Stop(2, `${shownSqlFile} is not valid UTF-8 text`);
  }
  const input = read(options.input === "-" ? 0 : options.input, inputName);

  const started = performance.now();
  let compiled: CompiledAnalytics;
  try {
    compiled = compileAnalyticsSql(sql, LAB_ANALYTICS.streams, shownSqlFile);
  } catch (e) {
    // Besides the SQL's own errors, only the input columns (from the source schema) can be refused.
    throw new Stop(2, e instanceof SqlDialectError ? e.message : `${SOURCE_SCHEMA_FILE}: ${firstLine(e)}`);
  }
  let runner: SqlRunner;
  try {
    runner = await SqlRunner.open(compiled, { checks: LAB_RECORD_CHECKS });
  } catch (e) {
    if (e instanceof SqlDialectError) throw new Stop(2, e.message);
    throw e;
  }
  let result: RunResult;
  try {
    result = await runner.run(input);
  } catch (e) {
    if (e instanceof AnalyticsRunError) throw new Stop(1, `${inputName}: ${e.message}`);
    throw e;
  } finally {
    runner.close();
  }
  const seconds = (performance.now() - started) / 1000;

  if (result.rows.length > 0) process.stdout.write(`${result.rows.map((r) => JSON.stringify(r)).join("\n")}\n`);
  for (const p of result.problems) console.error(`sql: ${inputName}:${p.line}: ${p.message}`);
  const rate = Math.round(result.records / Math.max(seconds, 1e-6)).toLocaleString("en-US");
  console.error(
    `sql: ${result.records} records in, ${result.rows.length} rows to ${LAB_ANALYTICS.outputStream}, ` +
      `${result.problems.length} problem(s), ${seconds.toFixed(2)} s (${rate} records/s)`,
  );
  return result.problems.length > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
  },
  (e: unknown) => {
    // One line, never a stack trace: a Stop says what to fix; anything else is a failed run.
    const message = e instanceof Stop ? e.message : `the run failed: ${firstLine(e)}`;
    console.error(
      message
        .split("\n")
        .map((line) => `sql: ${line}`)
        .join("\n"),
    );
    process.exitCode = e instanceof Stop ? e.status : 1;
  },
);
