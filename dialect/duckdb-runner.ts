/**
 * Runs compiled analytics SQL over a batch of newline-delimited JSON records with DuckDB: the
 * records go into an input table typed like the in-application input stream, each pump's query
 * runs over it, and every output value is checked against the output stream's column type. A
 * record or value that does not fit is reported with its line, never changed: text is decoded as
 * strict UTF-8, dates and times are converted as exact integers (dialect/calendar.ts), and the
 * optional record checks (the source and destination schemas) see every record and every row.
 */
import {
  DuckDBBlobValue,
  DuckDBConnection,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBInstance,
  DuckDBTimestampValue,
  DuckDBTimeValue,
  DuckDBTypeId,
  DuckDBValue,
} from "@duckdb/node-api";
import { dateText, formatDate, formatTime, formatTimestamp, parseDate, timestampDays } from "./calendar";
import { CompiledAnalytics, CompiledPump, duckdbType, LINE_COLUMN, quoteName } from "./compiler";
import { StreamColumn } from "./parser";
import { SqlDialectError } from "./tokenizer";
import { shortened, shownValue, SHOWN_PROBLEM_CHARS } from "../text/shown";
import { canHold, ValueKind } from "./sql-types";

/** A record or output value that could not be processed, by the line of its record. */
interface RecordProblem {
  readonly line: number;
  readonly message: string;
}

export interface RunResult {
  /** Records read (non-blank lines). */
  readonly records: number;
  /** The rows the output stream receives, keyed by its column names, in record order. */
  readonly rows: Record<string, unknown>[];
  /** Records that could not be read and output values that do not fit the output stream, by line. */
  readonly problems: RecordProblem[];
}

/** Says what is wrong with a record or row (one message naming each field), or undefined if nothing is. */
export type RecordCheck = (value: unknown) => string | undefined;

export interface RecordChecks {
  /** Every input record (a parsed JSON value) passes this before it reaches the SQL. */
  readonly input?: RecordCheck;
  /** Every output row passes this before it is returned. */
  readonly output?: RecordCheck;
}

export interface SqlRunnerOptions {
  /** DuckDB memory limit, e.g. "256MB" (default: DuckDB's, 80% of the machine's memory). */
  readonly memoryLimit?: string;
  /** DuckDB worker threads (default: DuckDB's, one per core). */
  readonly threads?: number;
  /** What records and rows must be besides their columns' types (the function checks both schemas). */
  readonly checks?: RecordChecks;
}

/** An error of the run that no record can be named for (the object as a whole failed). */
export class AnalyticsRunError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AnalyticsRunError";
  }
}

const INTEGER_RANGES: Record<string, [bigint, bigint]> = {
  TINYINT: [-128n, 127n],
  SMALLINT: [-32768n, 32767n],
  INTEGER: [-2147483648n, 2147483647n],
  BIGINT: [-9223372036854775808n, 9223372036854775807n],
};
/** What each DuckDB result type is, for the check that a pump's results fit its output columns (others fit none). */
export const RESULT_KINDS: Partial<Record<DuckDBTypeId, ValueKind>> = {
  [DuckDBTypeId.VARCHAR]: "string",
  [DuckDBTypeId.DATE]: "date",
  [DuckDBTypeId.TIME]: "time",
  [DuckDBTypeId.TIMESTAMP]: "timestamp",
  [DuckDBTypeId.BOOLEAN]: "boolean",
  [DuckDBTypeId.SQLNULL]: "null",
  ...Object.fromEntries(
    [
      DuckDBTypeId.TINYINT,
      DuckDBTypeId.SMALLINT,
      DuckDBTypeId.INTEGER,
      DuckDBTypeId.BIGINT,
      DuckDBTypeId.HUGEINT,
      DuckDBTypeId.UTINYINT,
      DuckDBTypeId.USMALLINT,
      DuckDBTypeId.UINTEGER,
      DuckDBTypeId.UBIGINT,
      DuckDBTypeId.UHUGEINT,
      DuckDBTypeId.FLOAT,
      DuckDBTypeId.DOUBLE,
      DuckDBTypeId.DECIMAL,
    ].map((id) => [id, "number"]),
  ),
};
const MAX_REAL = 3.4028234663852886e38;
const MICROS_PER_DAY = 86_400_000_000n;
/** A UTF-16 half of a pair without its other half: no Unicode character, and DuckDB would store U+FFFD for it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Digits a JSON number (an IEEE double) keeps exactly, whatever they are. */
const EXACT_DIGITS = 15;

/** Input column readers: a JSON value to what the appender takes, or a string saying why not. */
type Reader = (value: unknown) => { ok: true; append: (a: Appender) => void } | { ok: false; why: string };
type Appender = Awaited<ReturnType<DuckDBConnection["createAppender"]>>;

function inputReader(column: StreamColumn): Reader {
  const { sqlType } = column;
  const sized = /^(VAR)?CHAR\((\d+)\)$/.exec(sqlType);
  const fail = (why: string) => ({ ok: false as const, why });
  const ok = (append: (a: Appender) => void) => ({ ok: true as const, append });
  if (sized) {
    const max = Number(sized[2]);
    return (v) => {
      if (typeof v !== "string") return fail(`expected a string for ${sqlType}, got ${shownValue(v)}`);
      const length = tooLong(v, max);
      if (length !== undefined) return fail(`${shownValue(v)} has ${length} characters; ${sqlType} holds at most ${max}`);
      if (LONE_SURROGATE.test(v)) return fail(`${shownValue(v)} holds half of a UTF-16 surrogate pair (an escape such as \\ud800), which is no character`);
      return ok((a) => a.appendVarchar(v));
    };
  }
  switch (sqlType) {
    case "DATE":
      return (v) => {
        const days = typeof v === "string" ? parseDate(v) : undefined;
        if (days === undefined) return fail(`expected a date on the calendar written YYYY-MM-DD, got ${shownValue(v)}`);
        const date = new DuckDBDateValue(days);
        return ok((a) => a.appendDate(date));
      };
    case "DOUBLE":
    case "REAL":
      return (v) => {
        // A JSON number only: numeric text is a string, as the source schema says.
        if (typeof v !== "number" || !Number.isFinite(v)) return fail(`expected a number for ${sqlType}, got ${shownValue(v)}`);
        if (sqlType === "REAL" && Math.abs(v) > MAX_REAL) return fail(`${v} is beyond the range of REAL`);
        return ok((a) => (sqlType === "REAL" ? a.appendFloat(v) : a.appendDouble(v)));
      };
    case "TINYINT":
    case "SMALLINT":
    case "INTEGER":
    case "BIGINT":
      return (v) => {
        if (typeof v !== "number" || !Number.isInteger(v)) return fail(`expected a whole number for ${sqlType}, got ${shownValue(v)}`);
        const [min, max] = INTEGER_RANGES[sqlType];
        if (!Number.isSafeInteger(v) || BigInt(v) < min || BigInt(v) > max)
          return fail(`${shownValue(v)} is outside the range of ${sqlType} (or of exact JSON numbers)`);
        const appenders = { TINYINT: "appendTinyInt", SMALLINT: "appendSmallInt", INTEGER: "appendInteger" } as const;
        return ok((a) => (sqlType === "BIGINT" ? a.appendBigInt(BigInt(v)) : a[appenders[sqlType]](v)));
      };
    case "BOOLEAN":
      return (v) => (typeof v === "boolean" ? ok((a) => a.appendBoolean(v)) : fail(`expected true or false, got ${shownValue(v)}`));
    default:
      // compileAnalyticsSql refuses every other input type first.
      throw new Error(`input column ${quoteName(column.name)} has the type ${sqlType}, which the SQL runner cannot read from JSON`);
  }
}

type Converted = { value: unknown } | { why: string };

/** Characters as the service counts them (code points); `length` is a cheap upper bound. */
function characters(text: string): number {
  return [...text].length;
}

function tooLong(text: string, max: number): number | undefined {
  if (text.length <= max) return undefined;
  const length = characters(text);
  return length > max ? length : undefined;
}

/** Significant digits of a decimal number's text (`-0012.3400` has 4). */
function significantDigits(text: string): number {
  return text.replace(/^-/, "").replace(".", "").replace(/^0+/, "").replace(/0+$/, "").length;
}

/** A converter from result values to the JSON values of one output column, saying why a value does not fit. */
/** Decodes text as DuckDB stored it: a leading U+FEFF is part of the value, not a byte-order mark. */
const TEXT_BYTES = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

const isText = (column: StreamColumn) => /^(VARCHAR|CHAR)\b/.test(column.sqlType);

/**
 * The pump's query as the engine reads its rows: text columns as their UTF-8 bytes. DuckDB's Node.js
 * API decodes VARCHAR with a decoder that drops a leading U+FEFF, so "\uFEFF" would come out as "".
 */
function readQuery(pump: CompiledPump, output: readonly StreamColumn[]): string {
  const names = [LINE_COLUMN, ...pump.targets.map((_, i) => `item_${i}`)].map(quoteName);
  const items = names.map((name, i) => (i > 0 && isText(output[pump.targets[i - 1]]) ? `encode(${name}) AS ${name}` : name));
  return `SELECT ${items.join(", ")} FROM (${pump.query}) AS pump_rows(${names.join(", ")})`;
}

function outputConverter(column: StreamColumn): (value: DuckDBValue) => Converted {
  const { sqlType } = column;
  const base = sqlType.replace(/\(.*$/, "");
  const size = /\((\d+)(?:,(\d+))?\)$/.exec(sqlType);
  const numeric = (value: DuckDBValue): number | bigint =>
    typeof value === "number" || typeof value === "bigint" ? value : (value as DuckDBDecimalValue).toDouble();
  const outsideYears = (days: number): Converted => ({ why: `${dateText(days)} is outside the years 0000-9999 that ${base} values are written in` });
  const convert = ((): ((value: Exclude<DuckDBValue, null>) => Converted) => {
    switch (base) {
      case "VARCHAR":
      case "CHAR": {
        const max = Number(size![1]);
        return (value) => {
          const text = TEXT_BYTES.decode((value as Pick<DuckDBBlobValue, "bytes">).bytes); // read as bytes: see readQuery
          const length = tooLong(text, max);
          return length === undefined ? { value: text } : { why: `${shownValue(text)} has ${length} characters; ${sqlType} holds at most ${max}` };
        };
      }
      case "DATE":
        return (value) => {
          const { days } = value as DuckDBDateValue;
          const text = formatDate(days);
          return text === undefined ? outsideYears(days) : { value: text };
        };
      case "TIME":
        return (value) => {
          const text = formatTime((value as DuckDBTimeValue).micros);
          return text === undefined ? { why: `${String(value)} is not a time of day` } : { value: text };
        };
      case "TIMESTAMP":
        return (value) => {
          // A DATE goes into a TIMESTAMP column as its midnight.
          const micros = value instanceof DuckDBDateValue ? BigInt(value.days) * MICROS_PER_DAY : (value as Pick<DuckDBTimestampValue, "micros">).micros;
          const text = formatTimestamp(micros);
          return text === undefined ? outsideYears(timestampDays(micros)) : { value: text };
        };
      case "BOOLEAN":
        return (value) => ({ value });
      case "DOUBLE":
      case "REAL":
        return (value) => {
          const n = Number(numeric(value));
          if (!Number.isFinite(n)) return { why: `${String(value)} is not a finite number (JSON has no NaN or Infinity)` };
          if (base === "REAL" && Math.abs(n) > MAX_REAL) return { why: `${n} is beyond the range of REAL` };
          return { value: n };
        };
      case "DECIMAL": {
        const [precision, scale] = [Number(size?.[1] ?? 18), Number(size?.[2] ?? 0)];
        return (value) => {
          const text = value instanceof DuckDBDecimalValue ? value.toString() : String(value);
          const [whole, fraction = ""] = text.replace(/^-/, "").split(".");
          if (!/^\d+$/.test(whole) || fraction.replace(/0+$/, "").length > scale || whole.replace(/^0+/, "").length > precision - scale) {
            return { why: `${text} does not fit ${sqlType}` };
          }
          if (significantDigits(text) > EXACT_DIGITS && String(Number(text)) !== text.replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "")) {
            return { why: `${text} has more digits than a JSON number keeps exactly (${EXACT_DIGITS})` };
          }
          return { value: Number(text) };
        };
      }
      default: {
        const [min, max] = INTEGER_RANGES[base];
        return (value) => {
          const n = numeric(value);
          if (typeof n === "number" && !Number.isInteger(n)) return { why: `${n} is not a whole number, as ${sqlType} needs` };
          const big = BigInt(n);
          if (big < min || big > max) return { why: `${String(n)} is outside the range of ${sqlType}` };
          if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(Number.MIN_SAFE_INTEGER))
            return { why: `${String(n)} is too large for an exact JSON number` };
          return { value: Number(big) };
        };
      }
    }
  })();
  return (value) => (value === null ? { value: null } : convert(value));
}

/**
 * The lines of newline-delimited UTF-8 text. A line that is not valid UTF-8 is `undefined` (to be
 * reported by its number): decoding it leniently would put U+FFFD where its bytes were.
 */
function utf8Lines(bytes: Uint8Array): (string | undefined)[] {
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  try {
    return decoder.decode(bytes).split("\n");
  } catch {
    // Only when some line is broken: find which, line by line.
    const lines: (string | undefined)[] = [];
    for (let start = 0; start <= bytes.length;) {
      const newline = bytes.indexOf(0x0a, start);
      const end = newline === -1 ? bytes.length : newline;
      try {
        lines.push(decoder.decode(bytes.subarray(start, end)));
      } catch {
        lines.push(undefined);
      }
      start = end + 1;
    }
    return lines;
  }
}

/** DuckDB's message, first line only, cut short (a value in it may be megabytes). */
function duckdbMessage(e: unknown): string {
  return shortened((e as Error).message.split("\n")[0], SHOWN_PROBLEM_CHARS);
}

/**
 * One DuckDB database holding the input table; `run` is called once per batch of records (one
 * delivered object). Batches run one at a time.
 */
export class SqlRunner {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly readers: Reader[];
  private readonly converters: ((value: DuckDBValue) => Converted)[];
  private readonly checks: RecordChecks;

  private constructor(
    readonly analytics: CompiledAnalytics,
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    options: SqlRunnerOptions,
  ) {
    this.readers = analytics.input.columns.map(inputReader);
    this.converters = analytics.output.columns.map(outputConverter);
    this.checks = options.checks ?? {};
  }

  /**
   * Opens an in-memory database with the input table, and checks each pump's query there (names,
   * functions and types as DuckDB sees them) before any record arrives.
   */
  static async open(analytics: CompiledAnalytics, options: SqlRunnerOptions = {}): Promise<SqlRunner> {
    analytics.input.columns.forEach(inputReader); // refuses input types it cannot read, before DuckDB starts
    const config: Record<string, string> = {
      // Nothing outside this process: no files, no network, no extension downloads.
      enable_external_access: "false",
      autoinstall_known_extensions: "false",
      autoload_known_extensions: "false",
      // SQL's INTEGER / INTEGER is an INTEGER, as in the service; DuckDB's default would give a DOUBLE.
      integer_division: "true",
      ...(options.memoryLimit !== undefined ? { memory_limit: options.memoryLimit } : {}),
      ...(options.threads !== undefined ? { threads: String(options.threads) } : {}),
    };
    const instance = await DuckDBInstance.create(":memory:", config);
    const connection = await instance.connect();
    const runner = new SqlRunner(analytics, instance, connection, options);
    try {
      const columns = analytics.input.columns.map((c) => `${quoteName(c.name)} ${duckdbType(c.sqlType)}`);
      await connection.run(`CREATE TABLE ${quoteName(analytics.input.name)} (${[`${quoteName(LINE_COLUMN)} INTEGER`, ...columns].join(", ")})`);
      for (const pump of analytics.pumps) await runner.checkPump(pump);
    } catch (e) {
      runner.close();
      throw e;
    }
    return runner;
  }

  /** DuckDB's own view of the pump: it must bind, and give types the output columns hold (as compileAnalyticsSql worked out). */
  private async checkPump(pump: CompiledPump): Promise<void> {
    const { output, file } = this.analytics;
    let types: DuckDBTypeId[];
    try {
      const reader = await this.connection.runAndReadAll(`${pump.query} LIMIT 0`);
      types = reader.columnTypes().map((t) => t.typeId);
    } catch (e) {
      throw new SqlDialectError(file, pump, `pump ${quoteName(pump.name)} cannot run: ${duckdbMessage(e)}`);
    }
    pump.targets.forEach((target, i) => {
      const column = output.columns[target];
      const kind = RESULT_KINDS[types[i + 1]];
      if (kind === undefined || !canHold(column.sqlType, { kind })) {
        throw new SqlDialectError(
          file,
          pump,
          `pump ${quoteName(pump.name)}: select item ${i + 1} gives ${DuckDBTypeId[types[i + 1]]}, which cannot go into ${quoteName(column.name)} ${column.sqlType} (CAST it)`,
        );
      }
    });
  }

  /**
   * Runs every pump over one batch of records: newline-delimited JSON as bytes (decoded as strict
   * UTF-8) or as lines; blank lines are skipped, the others are numbered from 1.
   */
  run(input: Uint8Array | readonly string[]): Promise<RunResult> {
    const result = this.queue.then(() => this.runBatch(input instanceof Uint8Array ? utf8Lines(input) : input));
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async runBatch(lines: readonly (string | undefined)[]): Promise<RunResult> {
    const { input, output, pumps } = this.analytics;
    const problems: RecordProblem[] = [];
    const problem = (line: number, message: string) => problems.push({ line, message: shortened(message, SHOWN_PROBLEM_CHARS) });
    let records = 0;
    let firstLine = Infinity;
    let lastLine = 0;
    await this.connection.run(`DELETE FROM ${quoteName(input.name)}`);
    const appender = await this.connection.createAppender(input.name);
    try {
      lines.forEach((text, index) => {
        const line = index + 1;
        if (text === undefined) {
          records++;
          problem(line, "is not valid UTF-8 text (each record is one line of UTF-8 JSON)");
          return;
        }
        if (text.trim() === "") return;
        records++;
        let record: unknown;
        try {
          record = JSON.parse(text);
        } catch (e) {
          problem(line, `not JSON (${(e as Error).message}): ${shownValue(text)}`);
          return;
        }
        const wrong = this.checks.input?.(record);
        if (wrong !== undefined) {
          problem(line, wrong);
          return;
        }
        if (typeof record !== "object" || record === null || Array.isArray(record)) {
          problem(line, `not a JSON object: ${shownValue(record)}`);
          return;
        }
        const appends: ((a: Appender) => void)[] = [];
        const misfits: string[] = [];
        input.columns.forEach((column, i) => {
          const value = (record as Record<string, unknown>)[column.name];
          if (value === undefined || value === null) {
            appends.push((a) => a.appendNull());
            return;
          }
          const read = this.readers[i](value);
          if (read.ok) appends.push(read.append);
          else misfits.push(`${column.name}: ${read.why}`);
        });
        if (misfits.length > 0) {
          problem(line, `does not fit ${quoteName(input.name)}: ${misfits.join("; ")}`);
          return;
        }
        appender.appendInteger(line);
        for (const append of appends) append(appender);
        appender.endRow();
        firstLine = Math.min(firstLine, line);
        lastLine = line;
      });
      appender.flushSync();
    } finally {
      appender.closeSync();
    }

    const produced: { line: number; pump: number; row: Record<string, unknown> }[] = [];
    for (const [p, pump] of pumps.entries()) {
      let results: DuckDBValue[][];
      try {
        results = (await this.connection.runAndReadAll(readQuery(pump, output.columns))).getRows();
      } catch (e) {
        const line = lastLine === 0 ? undefined : await this.firstFailingLine(pump, firstLine, lastLine);
        const message = `pump ${quoteName(pump.name)} failed: ${duckdbMessage(e)}`;
        if (line === undefined) throw new AnalyticsRunError(message);
        problem(line, `${message} (the first record it fails on; later ones were not run)`);
        continue;
      }
      for (const values of results) {
        const line = Number(values[0]);
        const row: Record<string, unknown> = Object.fromEntries(output.columns.map((c) => [c.name, null]));
        const misfits: string[] = [];
        pump.targets.forEach((target, i) => {
          const column = output.columns[target];
          const converted = this.converters[target](values[i + 1]);
          if ("why" in converted) misfits.push(`${column.name}: ${converted.why}`);
          else row[column.name] = converted.value;
        });
        if (misfits.length > 0) {
          problem(line, `pump ${quoteName(pump.name)} gives a row that does not fit ${quoteName(output.name)}: ${misfits.join("; ")}`);
          continue;
        }
        const wrong = this.checks.output?.(row);
        if (wrong !== undefined) problem(line, `pump ${quoteName(pump.name)} gives a row that ${wrong}`);
        else produced.push({ line, pump: p, row });
      }
    }
    // As a stream would: each record passes every pump before the next record arrives.
    produced.sort((a, b) => a.line - b.line || a.pump - b.pump);
    problems.sort((a, b) => a.line - b.line);
    return { records, rows: produced.map((p) => p.row), problems };
  }

  /**
   * The record a pump fails on (a conversion, a logarithm of zero, ...): the pump is run again on
   * ranges of lines, halving the range, so about log2(records) queries. Undefined when it does not
   * fail on any single record (it failed for another reason).
   */
  private async firstFailingLine(pump: CompiledPump, first: number, last: number): Promise<number | undefined> {
    const input = quoteName(this.analytics.input.name);
    const fails = async (from: number, to: number): Promise<boolean> => {
      // The CTE shadows the input table, materialized, so the pump sees only these records.
      const only = `WITH ${input} AS MATERIALIZED (SELECT * FROM main.${input} WHERE ${quoteName(LINE_COLUMN)} BETWEEN ${from} AND ${to}) `;
      try {
        await this.connection.runAndReadAll(only + pump.query);
        return false;
      } catch {
        return true;
      }
    };
    let [from, to] = [first, last];
    while (from < to) {
      const middle = Math.floor((from + to) / 2);
      if (await fails(from, middle)) to = middle;
      else from = middle + 1;
    }
    return (await fails(from, from)) ? from : undefined;
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
