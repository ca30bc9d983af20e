/**
 * Runs the analytics SQL over newline-delimited JSON source records with DuckDB and prints the
 * rows the output stream would receive, one JSON object per line.
 *
 *   npm run sql -- --input records.ndjson [--sql sql/stream-application.sql]
 *   python3 userdata/generator.py --dry-run --count 5 --rate 0 | npm run sql -- --input -
 *
 * Problems (records or output values that do not fit) go to stderr with their line; the exit
 * status is 1 when there was any, 2 for a usage error.
 */
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { parseArgs } from "node:util";
import { compileAnalyticsSql, SqlDialectError } from "../analytics/dialect";
import { AnalyticsEngine } from "../analytics/engine";
import { LAB_SQL_FILE, LAB_STREAMS } from "../analytics/lab";

const USAGE = "usage: npm run sql -- --input FILE|- [--sql FILE]";

async function main(argv: string[]): Promise<number> {
  let options: { input?: string; sql?: string; help?: boolean };
  try {
    options = parseArgs({ args: argv, options: { input: { type: "string" }, sql: { type: "string" }, help: { type: "boolean" } } }).values;
  } catch (e) {
    console.error(`sql: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  if (options.input === undefined) {
    console.error(`sql: --input is required (a file of newline-delimited JSON records, or - for stdin)\n${USAGE}`);
    return 2;
  }
  const sqlFile = options.sql ?? LAB_SQL_FILE;
  const shownSqlFile = relative(process.cwd(), sqlFile) || sqlFile;
  let sql: string;
  let input: string;
  try {
    sql = readFileSync(sqlFile, "utf8");
    input = readFileSync(options.input === "-" ? 0 : options.input, "utf8");
  } catch (e) {
    console.error(`sql: ${(e as Error).message}`);
    return 2;
  }

  const started = performance.now();
  let engine: AnalyticsEngine;
  try {
    engine = await AnalyticsEngine.open(compileAnalyticsSql(sql, LAB_STREAMS, shownSqlFile));
  } catch (e) {
    console.error(e instanceof SqlDialectError ? `sql: ${e.message}` : `sql: ${shownSqlFile}: ${(e as Error).message}`);
    return 1;
  }
  const result = await engine.run(input.split("\n"));
  engine.close();
  const seconds = (performance.now() - started) / 1000;

  if (result.rows.length > 0) process.stdout.write(`${result.rows.map((r) => JSON.stringify(r)).join("\n")}\n`);
  for (const p of result.problems) console.error(`sql: ${options.input === "-" ? "stdin" : options.input}:${p.line}: ${p.message}`);
  const rate = Math.round(result.records / Math.max(seconds, 1e-6)).toLocaleString("en-US");
  console.error(
    `sql: ${result.records} records in, ${result.rows.length} rows to ${LAB_STREAMS.outputStream}, ` +
      `${result.problems.length} problem(s), ${seconds.toFixed(2)} s (${rate} records/s)`,
  );
  return result.problems.length > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
  },
  (e) => {
    console.error(`sql: ${(e as Error).stack ?? e}`);
    process.exitCode = 1;
  },
);
