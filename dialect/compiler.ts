/**
 * Compiles the lab's Kinesis Data Analytics SQL (parsed by dialect/parser.ts) into DuckDB queries
 * over the input table, refusing with its line what the micro-batch engine cannot run: names not
 * in the streams, in-application streams other than the output and pumps reading them, and
 * expressions of the wrong type (dialect/sql-types.ts).
 *
 * Pure TypeScript (no DuckDB), so synth can check the SQL without loading the engine.
 */
import { Expression, parseAnalyticsSql, StreamColumn, StreamDefinition } from "./parser";
import { canHold, shownSql, sqlTypeKind, typeOfExpression } from "./sql-types";
import { Position, SqlDialectError } from "./tokenizer";

// ---------------------------------------------------------------------------------------------
// Binding: names resolved against the input and output streams, exactly as the service would

export interface AnalyticsStreams {
  /** The in-application input stream (`SOURCE_SQL_STREAM_001`) and its columns, typed by the source schema. */
  readonly input: { readonly name: string; readonly columns: readonly StreamColumn[] };
  /** The in-application stream whose rows go to the destination (`DESTINATION_SQL_BASIC_STREAM`). */
  readonly outputStream: string;
}

export interface CompiledPump extends Position {
  readonly name: string;
  /** Output column index that each select item fills, in select-list order. */
  readonly targets: readonly number[];
  /** One DuckDB query: `SELECT <line>, <item>, ... FROM <input> [WHERE ...]`. */
  readonly query: string;
  /** The input columns the select list reads, in order of appearance (for schema checks). */
  readonly selectedColumns: readonly string[];
}

export interface CompiledAnalytics {
  readonly file: string;
  readonly input: AnalyticsStreams["input"];
  readonly output: { readonly name: string; readonly columns: readonly StreamColumn[] };
  readonly pumps: readonly CompiledPump[];
}

/** The types the engine reads from a JSON record's values (dialect/duckdb-runner.ts has a reader for each). */
const JSON_INPUT_TYPE = /^((VAR)?CHAR\([1-9]\d*\)|DATE|DOUBLE|REAL|TINYINT|SMALLINT|INTEGER|BIGINT|BOOLEAN)$/;
const JSON_INPUT_TYPES = "VARCHAR(n), CHAR(n) (n at least 1), DATE, DOUBLE, REAL, TINYINT, SMALLINT, INTEGER, BIGINT and BOOLEAN";

/** The input table's hidden column holding each record's line number (never reachable from the SQL). */
export const LINE_COLUMN = "$line";

/**
 * Checks every name against the streams (quoted names exactly, unquoted ones upper-cased, as the
 * service resolves them) and every expression's type against the input columns' types and the
 * output column it fills (dialect/sql-types.ts), and turns each pump into a DuckDB query over
 * the input table.
 */
export function compileAnalyticsSql(sql: string, streams: AnalyticsStreams, file = "analytics.sql"): CompiledAnalytics {
  try {
    return compile(sql, streams, file);
  } catch (e) {
    // Parsing and checking recurse once per level of an expression: a pathologically deep one runs out of stack.
    if (e instanceof RangeError) throw new SqlDialectError(file, { line: 1, column: 1 }, `the SQL nests expressions too deeply to check (${e.message})`);
    throw e;
  }
}

function compile(sql: string, streams: AnalyticsStreams, file: string): CompiledAnalytics {
  const parsed = parseAnalyticsSql(sql, file);
  const fail = (at: Position, problem: string): never => {
    throw new SqlDialectError(file, at, problem);
  };
  const inputName = streams.input.name;
  const inputColumns = new Set(streams.input.columns.map((c) => c.name));
  const inputTypes = new Map(streams.input.columns.map((c) => [c.name, c.sqlType]));
  const columnType = (name: string) => inputTypes.get(name)!; // names are resolved (render) before types
  for (const c of streams.input.columns) {
    if (!JSON_INPUT_TYPE.test(c.sqlType)) {
      throw new Error(
        `the input column ${quoteName(c.name)} of ${quoteName(inputName)} has the type ${c.sqlType}; the micro-batch engine reads ${JSON_INPUT_TYPES} from JSON records`,
      );
    }
  }

  const created = new Map<string, StreamDefinition>();
  for (const s of parsed.streams) {
    if (created.has(s.name.name)) fail(s.name, `the stream ${quoteName(s.name.name)} is created twice`);
    if (s.name.name === inputName) fail(s.name, `${quoteName(inputName)} is the input stream; it cannot be created`);
    if (s.name.name !== streams.outputStream) {
      fail(
        s.name,
        `CREATE STREAM ${quoteName(s.name.name)} is not supported by the micro-batch engine: only the output stream ${quoteName(streams.outputStream)} is sent anywhere, and in-application streams that feed other pumps need a streaming engine`,
      );
    }
    const seen = new Set<string>();
    for (const c of s.columns) {
      if (seen.has(c.name)) fail(c, `the column ${quoteName(c.name)} appears twice in ${quoteName(s.name.name)}`);
      seen.add(c.name);
    }
    created.set(s.name.name, s);
  }
  const output = created.get(streams.outputStream);
  if (output === undefined)
    fail({ line: 1, column: 1 }, `the SQL does not create the output stream ${quoteName(streams.outputStream)} (CREATE OR REPLACE STREAM)`);
  const outputColumns = output!.columns.map(({ name, sqlType }) => ({ name, sqlType }));

  const pumpNames = new Set<string>();
  const pumps: CompiledPump[] = parsed.pumps.map((pump) => {
    if (pumpNames.has(pump.name.name)) fail(pump.name, `the pump ${quoteName(pump.name.name)} is created twice`);
    pumpNames.add(pump.name.name);
    if (created.has(pump.from.name)) {
      fail(
        pump.from,
        `a pump reading another in-application stream (${quoteName(pump.from.name)}) is not supported by the micro-batch engine: pumps read only the input stream ${quoteName(inputName)}`,
      );
    }
    if (pump.from.name !== inputName) {
      fail(
        pump.from,
        `the pump reads ${quoteName(pump.from.name)}, which is not the input stream ${quoteName(inputName)}${pump.from.quoted ? "" : " (unquoted names are upper-cased)"}`,
      );
    }
    if (pump.target.name !== output!.name.name) {
      fail(pump.target, `the pump inserts into ${quoteName(pump.target.name)}, which is not the output stream ${quoteName(output!.name.name)}`);
    }
    const targets =
      pump.targetColumns === undefined
        ? outputColumns.map((_, i) => i)
        : pump.targetColumns.map((t) => {
            const index = outputColumns.findIndex((c) => c.name === t.name);
            if (index === -1)
              fail(t, `${quoteName(t.name)} is not a column of ${quoteName(output!.name.name)} (its columns: ${outputColumns.map((c) => c.name).join(", ")})`);
            return index;
          });
    if (new Set(targets).size !== targets.length) fail(pump.target, "the INSERT column list names a column twice");
    if (pump.select.length !== targets.length) {
      fail(
        pump,
        `the pump ${quoteName(pump.name.name)} selects ${pump.select.length} value(s) for ${targets.length} column(s) of ${quoteName(output!.name.name)}`,
      );
    }

    const selectedColumns: string[] = [];
    const render = (e: Expression, record: boolean): string => {
      const r = (x: Expression) => render(x, record);
      switch (e.kind) {
        case "column": {
          if (e.stream !== undefined && e.stream.name !== inputName)
            fail(e.stream, `${quoteName(e.stream.name)} is not the stream the pump reads (${quoteName(inputName)})`);
          if (!inputColumns.has(e.name.name)) {
            const hint = [...inputColumns].find((c) => c.toUpperCase() === e.name.name.toUpperCase());
            fail(
              e.name,
              `${quoteName(e.name.name)} is not a column of ${quoteName(inputName)}` +
                (hint !== undefined
                  ? `; did you mean ${quoteName(hint)}? (unquoted names are upper-cased: quote the name to keep its case)`
                  : ` (its columns: ${[...inputColumns].join(", ")})`),
            );
          }
          if (record) selectedColumns.push(e.name.name);
          return quoteName(e.name.name);
        }
        case "literal":
          return e.sql;
        case "unary":
          return e.op === "NOT" ? `(NOT ${r(e.operand)})` : `(${e.op}${r(e.operand)})`;
        case "binary":
          // DuckDB types a || with a NULL constant as INTEGER (all NULL): the CAST keeps it VARCHAR, as the dialect types it.
          return e.op === "||" ? `CAST((${r(e.left)} || ${r(e.right)}) AS VARCHAR)` : `(${r(e.left)} ${e.op} ${r(e.right)})`;
        case "isNull":
          return `(${r(e.operand)} IS ${e.not ? "NOT " : ""}NULL)`;
        case "between":
          return `(${r(e.operand)} ${e.not ? "NOT " : ""}BETWEEN ${r(e.low)} AND ${r(e.high)})`;
        case "in":
          return `(${r(e.operand)} ${e.not ? "NOT " : ""}IN (${e.list.map(r).join(", ")}))`;
        case "like":
          return `(${r(e.operand)} ${e.not ? "NOT " : ""}LIKE ${r(e.pattern)}${e.escape ? ` ESCAPE ${r(e.escape)}` : ""})`;
        case "call":
          return `${e.name}(${e.args.map(r).join(", ")})`;
        case "cast":
          return `CAST(${r(e.operand)} AS ${duckdbType(e.type)})`;
        case "case":
          return `(CASE${e.operand ? ` ${r(e.operand)}` : ""}${e.whens.map((w) => ` WHEN ${r(w.when)} THEN ${r(w.then)}`).join("")}${e.otherwise ? ` ELSE ${r(e.otherwise)}` : ""} END)`;
        case "trim":
          return `TRIM(${e.side} ${e.characters ? `${r(e.characters)} ` : ""}FROM ${r(e.operand)})`;
        case "substring":
          return `SUBSTRING(${r(e.operand)} FROM ${r(e.from)}${e.length ? ` FOR ${r(e.length)}` : ""})`;
        case "position":
          return `POSITION(${r(e.needle)} IN ${r(e.haystack)})`;
      }
    };
    // A bare NULL takes its column's type (DuckDB would type it INTEGER).
    const items = pump.select.map((item, i) => {
      const column = outputColumns[targets[i]];
      const { expression } = item;
      if (expression.kind === "literal" && expression.type === "null") return `CAST(NULL AS ${duckdbType(column.sqlType)})`;
      const rendered = render(expression, true);
      const type = typeOfExpression(expression, columnType, fail);
      if (!canHold(column.sqlType, type)) {
        fail(
          expression.source,
          `${shownSql(expression)} is ${type.literal !== undefined ? "a string literal (VARCHAR)" : type.sqlType}, ` +
            `which the output column ${quoteName(column.name)} ${column.sqlType} cannot hold; CAST it (CAST(... AS ${column.sqlType})) or select a ${sqlTypeKind(column.sqlType)}`,
        );
      }
      return rendered;
    });
    let where = "";
    if (pump.where) {
      where = ` WHERE ${render(pump.where, false)}`;
      const type = typeOfExpression(pump.where, columnType, fail);
      if (type.kind !== "boolean" && type.kind !== "null")
        fail(pump.where.source, `WHERE needs a condition (BOOLEAN), but ${shownSql(pump.where)} is ${type.sqlType}`);
    }
    return {
      name: pump.name.name,
      line: pump.line,
      column: pump.column,
      targets,
      selectedColumns,
      query: `SELECT ${[quoteName(LINE_COLUMN), ...items].join(", ")} FROM ${quoteName(inputName)}${where}`,
    };
  });
  if (pumps.length === 0)
    fail(
      { line: 1, column: 1 },
      `the SQL has no pump into ${quoteName(streams.outputStream)} (CREATE OR REPLACE PUMP ... AS INSERT INTO ...), so nothing would be sent`,
    );
  return { file, input: streams.input, output: { name: output!.name.name, columns: outputColumns }, pumps };
}

export function quoteName(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The DuckDB type of a SQL type: VARCHAR(n)/CHAR(n) become VARCHAR (lengths are checked by the engine), REAL is FLOAT. */
export function duckdbType(sqlType: string): string {
  if (/^(VAR)?CHAR\(/.test(sqlType)) return "VARCHAR";
  if (sqlType === "REAL") return "FLOAT";
  return sqlType;
}
