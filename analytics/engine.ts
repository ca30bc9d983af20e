/**
 * Runs compiled analytics SQL over a batch of newline-delimited JSON records with DuckDB: the
 * records go into an input table typed like the in-application input stream, each pump's query
 * runs over it, and every output value is checked against the output stream's column type. A
 * record or value that does not fit is reported with its line, never changed.
 */
import {
  DuckDBConnection,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBInstance,
  DuckDBTypeId,
  DuckDBValue,
} from "@duckdb/node-api";
import { CompiledAnalytics, CompiledPump, duckdbType, LINE_COLUMN, quoteName, SqlDialectError, StreamColumn } from "./dialect";

/** A record or output value that could not be processed, by the line of its record. */
export interface RecordProblem {
  readonly line: number;
  readonly message: string;
}

export interface RunResult {
  /** Records read (non-blank lines). */
  readonly records: number;
  /** The rows the output stream receives, keyed by its column names, in record order. */
  readonly rows: Record<string, unknown>[];
  /** Records that could not be read and output values that do not fit the output stream. */
  readonly problems: RecordProblem[];
}

export interface EngineOptions {
  /** DuckDB memory limit, e.g. "256MB" (default: DuckDB's, 80% of the machine's memory). */
  readonly memoryLimit?: string;
  /** DuckDB worker threads (default: DuckDB's, one per core). */
  readonly threads?: number;
}

const INTEGER_RANGES: Record<string, [bigint, bigint]> = {
  TINYINT: [-128n, 127n],
  SMALLINT: [-32768n, 32767n],
  INTEGER: [-2147483648n, 2147483647n],
  BIGINT: [-9223372036854775808n, 9223372036854775807n],
};
const NUMERIC_TYPE_IDS = new Set([
  DuckDBTypeId.TINYINT, DuckDBTypeId.SMALLINT, DuckDBTypeId.INTEGER, DuckDBTypeId.BIGINT, DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UTINYINT, DuckDBTypeId.USMALLINT, DuckDBTypeId.UINTEGER, DuckDBTypeId.UBIGINT, DuckDBTypeId.UHUGEINT,
  DuckDBTypeId.FLOAT, DuckDBTypeId.DOUBLE, DuckDBTypeId.DECIMAL,
]);
const MAX_REAL = 3.4028234663852886e38;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const NUMBER_TEXT = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/;

/** Which DuckDB result types an output column of each SQL type accepts. */
function accepts(sqlType: string, typeId: DuckDBTypeId): boolean {
  const base = sqlType.replace(/\(.*$/, "");
  switch (base) {
    case "VARCHAR":
    case "CHAR":
      return typeId === DuckDBTypeId.VARCHAR;
    case "DATE":
      return typeId === DuckDBTypeId.DATE;
    case "TIME":
      return typeId === DuckDBTypeId.TIME;
    case "TIMESTAMP":
      return typeId === DuckDBTypeId.TIMESTAMP || typeId === DuckDBTypeId.DATE;
    case "BOOLEAN":
      return typeId === DuckDBTypeId.BOOLEAN;
    default:
      return NUMERIC_TYPE_IDS.has(typeId);
  }
}

/** Input column readers: a JSON value to what the appender takes, or a string saying why not. */
type Reader = (value: unknown) => { ok: true; append: (a: Appender) => void } | { ok: false; why: string };
type Appender = Awaited<ReturnType<DuckDBConnection["createAppender"]>>;

function inputReader(column: StreamColumn): Reader {
  const { sqlType } = column;
  const sized = /^(VAR)?CHAR\((\d+)\)$/.exec(sqlType);
  const fail = (why: string) => ({ ok: false as const, why });
  const ok = (append: (a: Appender) => void) => ({ ok: true as const, append });
  const number = (value: unknown): number | undefined => {
    if (typeof value === "number") return value;
    // The lab's first generator sent every value as text; the service converted numeric text too.
    if (typeof value === "string" && NUMBER_TEXT.test(value)) return Number(value);
    return undefined;
  };
  if (sized) {
    const max = Number(sized[2]);
    return (v) => {
      if (typeof v !== "string") return fail(`expected a string for ${sqlType}, got ${JSON.stringify(v)}`);
      const length = tooLong(v, max);
      return length !== undefined ? fail(`${JSON.stringify(v)} has ${length} characters; ${sqlType} holds at most ${max}`) : ok((a) => a.appendVarchar(v));
    };
  }
  switch (sqlType) {
    case "DATE":
      return (v) => {
        const m = typeof v === "string" ? DATE.exec(v) : null;
        if (!m) return fail(`expected a date YYYY-MM-DD, got ${JSON.stringify(v)}`);
        const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
        const utc = Date.UTC(year, month - 1, day);
        const check = new Date(utc);
        if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return fail(`${JSON.stringify(v)} is not a calendar date`);
        const date = new DuckDBDateValue(utc / 86_400_000); // days since 1970-01-01
        return ok((a) => a.appendDate(date));
      };
    case "DOUBLE":
    case "REAL":
      return (v) => {
        const n = number(v);
        if (n === undefined || !Number.isFinite(n)) return fail(`expected a number for ${sqlType}, got ${JSON.stringify(v)}`);
        if (sqlType === "REAL" && Math.abs(n) > MAX_REAL) return fail(`${n} is beyond the range of REAL`);
        return ok((a) => (sqlType === "REAL" ? a.appendFloat(n) : a.appendDouble(n)));
      };
    case "TINYINT":
    case "SMALLINT":
    case "INTEGER":
    case "BIGINT":
      return (v) => {
        const n = number(v);
        if (n === undefined || !Number.isInteger(n)) return fail(`expected a whole number for ${sqlType}, got ${JSON.stringify(v)}`);
        const [min, max] = INTEGER_RANGES[sqlType];
        if (!Number.isSafeInteger(n) || BigInt(n) < min || BigInt(n) > max) return fail(`${JSON.stringify(v)} is outside the range of ${sqlType} (or of exact JSON numbers)`);
        const appenders = { TINYINT: "appendTinyInt", SMALLINT: "appendSmallInt", INTEGER: "appendInteger" } as const;
        return ok((a) => (sqlType === "BIGINT" ? a.appendBigInt(BigInt(n)) : a[appenders[sqlType]](n)));
      };
    case "BOOLEAN":
      return (v) => (typeof v === "boolean" ? ok((a) => a.appendBoolean(v)) : fail(`expected true or false, got ${JSON.stringify(v)}`));
    default:
      throw new Error(`input column ${quoteName(column.name)} has the type ${sqlType}, which the engine cannot read from JSON (VARCHAR(n), CHAR(n), DATE, DOUBLE, REAL, TINYINT, SMALLINT, INTEGER, BIGINT, BOOLEAN)`);
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

/** A converter from result values to the JSON values of one output column, saying why a value does not fit. */
function outputConverter(column: StreamColumn): (value: DuckDBValue) => Converted {
  const { sqlType } = column;
  const base = sqlType.replace(/\(.*$/, "");
  const size = /\((\d+)(?:,(\d+))?\)$/.exec(sqlType);
  const numeric = (value: DuckDBValue): number | bigint =>
    typeof value === "number" || typeof value === "bigint" ? value : (value as DuckDBDecimalValue).toDouble();
  const convert = ((): ((value: Exclude<DuckDBValue, null>) => Converted) => {
    switch (base) {
      case "VARCHAR":
      case "CHAR": {
        const max = Number(size![1]);
        return (value) => {
          const text = String(value);
          const length = tooLong(text, max);
          return length === undefined ? { value: text } : { why: `${JSON.stringify(text)} has ${length} characters; ${sqlType} holds at most ${max}` };
        };
      }
      case "DATE":
      case "TIME":
      case "TIMESTAMP":
        return (value) => ({ value: String(value) });
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
          if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(Number.MIN_SAFE_INTEGER)) return { why: `${String(n)} is too large for an exact JSON number` };
          return { value: Number(big) };
        };
      }
    }
  })();
  return (value) => (value === null ? { value: null } : convert(value));
}

/**
 * One DuckDB database holding the input table; `run` is called once per batch of records (one
 * delivered object). Batches run one at a time.
 */
export class AnalyticsEngine {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly readers: Reader[];
  private readonly converters: ((value: DuckDBValue) => Converted)[];

  private constructor(
    readonly analytics: CompiledAnalytics,
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {
    this.readers = analytics.input.columns.map(inputReader);
    this.converters = analytics.output.columns.map(outputConverter);
  }

  /**
   * Opens an in-memory database with the input table, and checks each pump's query there (names,
   * functions and types as DuckDB sees them) before any record arrives.
   */
  static async open(analytics: CompiledAnalytics, options: EngineOptions = {}): Promise<AnalyticsEngine> {
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
    const engine = new AnalyticsEngine(analytics, instance, connection);
    try {
      const columns = analytics.input.columns.map((c) => `${quoteName(c.name)} ${duckdbType(c.sqlType)}`);
      await connection.run(`CREATE TABLE ${quoteName(analytics.input.name)} (${[`${quoteName(LINE_COLUMN)} INTEGER`, ...columns].join(", ")})`);
      for (const pump of analytics.pumps) await engine.checkPump(pump);
    } catch (e) {
      engine.close();
      throw e;
    }
    return engine;
  }

  private async checkPump(pump: CompiledPump): Promise<void> {
    const { output, file } = this.analytics;
    let types: DuckDBTypeId[];
    try {
      const reader = await this.connection.runAndReadAll(`${pump.query} LIMIT 0`);
      types = reader.columnTypes().map((t) => t.typeId);
    } catch (e) {
      const first = (e as Error).message.split("\n")[0];
      throw new SqlDialectError(file, pump, `pump ${quoteName(pump.name)} cannot run: ${first}`);
    }
    pump.targets.forEach((target, i) => {
      const column = output.columns[target];
      const typeId = types[i + 1];
      if (!accepts(column.sqlType, typeId) && typeId !== DuckDBTypeId.SQLNULL) {
        throw new SqlDialectError(file, pump,
          `pump ${quoteName(pump.name)}: select item ${i + 1} gives ${DuckDBTypeId[typeId]}, which cannot go into ${quoteName(column.name)} ${column.sqlType} (CAST it)`);
      }
    });
  }

  /** Runs every pump over one batch of records (lines of newline-delimited JSON; blank lines are skipped). */
  run(lines: readonly string[]): Promise<RunResult> {
    const result = this.queue.then(() => this.runBatch(lines));
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async runBatch(lines: readonly string[]): Promise<RunResult> {
    const { input, output, pumps } = this.analytics;
    const problems: RecordProblem[] = [];
    let records = 0;
    await this.connection.run(`DELETE FROM ${quoteName(input.name)}`);
    const appender = await this.connection.createAppender(input.name);
    try {
      lines.forEach((text, index) => {
        if (text.trim() === "") return;
        records++;
        const line = index + 1;
        let record: unknown;
        try {
          record = JSON.parse(text);
        } catch (e) {
          problems.push({ line, message: `not JSON (${(e as Error).message})` });
          return;
        }
        if (typeof record !== "object" || record === null || Array.isArray(record)) {
          problems.push({ line, message: "not a JSON object" });
          return;
        }
        const appends: ((a: Appender) => void)[] = [];
        const wrong: string[] = [];
        input.columns.forEach((column, i) => {
          const value = (record as Record<string, unknown>)[column.name];
          if (value === undefined || value === null) {
            appends.push((a) => a.appendNull());
            return;
          }
          const read = this.readers[i](value);
          if (read.ok) appends.push(read.append);
          else wrong.push(`${column.name}: ${read.why}`);
        });
        if (wrong.length > 0) {
          problems.push({ line, message: `does not fit ${quoteName(input.name)}: ${wrong.join("; ")}` });
          return;
        }
        appender.appendInteger(line);
        for (const append of appends) append(appender);
        appender.endRow();
      });
      appender.flushSync();
    } finally {
      appender.closeSync();
    }

    const produced: { line: number; pump: number; row: Record<string, unknown> }[] = [];
    for (const [p, pump] of pumps.entries()) {
      const reader = await this.connection.runAndReadAll(pump.query);
      for (const values of reader.getRows()) {
        const line = Number(values[0]);
        const row: Record<string, unknown> = Object.fromEntries(output.columns.map((c) => [c.name, null]));
        const wrong: string[] = [];
        pump.targets.forEach((target, i) => {
          const column = output.columns[target];
          const converted = this.converters[target](values[i + 1]);
          if ("why" in converted) wrong.push(`${column.name}: ${converted.why}`);
          else row[column.name] = converted.value;
        });
        if (wrong.length > 0) problems.push({ line, message: `pump ${quoteName(pump.name)} gives a row that does not fit ${quoteName(output.name)}: ${wrong.join("; ")}` });
        else produced.push({ line, pump: p, row });
      }
    }
    // As a stream would: each record passes every pump before the next record arrives.
    produced.sort((a, b) => a.line - b.line || a.pump - b.pump);
    problems.sort((a, b) => a.line - b.line);
    return { records, rows: produced.map((p) => p.row), problems };
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
