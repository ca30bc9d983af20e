/**
 * The types of the dialect's expressions, worked out at synth from the input columns' types, so
 * that SQL the engine could run on no record (a VARCHAR into a DOUBLE column, `"Region" + 1`,
 * `"Name" = 1`, which DuckDB would try to convert on every record) is refused with its line before
 * anything is deployed. The rules are those both engines share, and stricter where DuckDB would
 * convert silently (a number as a condition, a string literal compared with a number): a pump that
 * passes here gets the same types from DuckDB (a property test compares the two).
 */
import { parseDate, parseTime, parseTimestamp } from "./calendar";
import type { Expression } from "./parser";
import type { Position } from "./tokenizer";
import { shortened, SHOWN_VALUE_CHARS } from "../text/shown";

/** What a value is, whatever its size: what decides where it may go. */
export type ValueKind = "string" | "number" | "date" | "time" | "timestamp" | "boolean" | "null";

export interface ValueType {
  readonly kind: ValueKind;
  /** The SQL type, for messages: the column's own (`VARCHAR(16)`) or the computed one (`VARCHAR`, `BIGINT`, ...). */
  readonly sqlType: string;
  /** A whole number (an integer type). */
  readonly whole?: boolean;
  /** The text of a string literal, which may stand for a date, time or timestamp it converts to. */
  readonly literal?: string;
}

const INTEGER_TYPES = ["TINYINT", "SMALLINT", "INTEGER", "BIGINT"];
/** The whole numbers a DATE can be moved by. */
const DAY_COUNT_TYPES = ["TINYINT", "SMALLINT", "INTEGER"];
const NULL_TYPE: ValueType = { kind: "null", sqlType: "NULL" };
const BOOLEAN: ValueType = { kind: "boolean", sqlType: "BOOLEAN" };
const INTEGER: ValueType = { kind: "number", sqlType: "INTEGER", whole: true };
const BIGINT: ValueType = { kind: "number", sqlType: "BIGINT", whole: true };
const DOUBLE: ValueType = { kind: "number", sqlType: "DOUBLE" };
const VARCHAR: ValueType = { kind: "string", sqlType: "VARCHAR" };
const DATE: ValueType = { kind: "date", sqlType: "DATE" };

/** An expression as written, for a message: on one line (an error is one line), cut short. */
export function shownSql(e: Expression): string {
  return shortened(e.source.text.replace(/\s*\n\s*/g, " "), SHOWN_VALUE_CHARS);
}

/** The kind of value a column of a SQL type holds (VARCHAR(16) → string, DECIMAL(9,2) → number, ...). */
export function sqlTypeKind(sqlType: string): ValueKind {
  const base = sqlType.replace(/\(.*$/, "");
  switch (base) {
    case "VARCHAR":
    case "CHAR":
      return "string";
    case "DATE":
      return "date";
    case "TIME":
      return "time";
    case "TIMESTAMP":
      return "timestamp";
    case "BOOLEAN":
      return "boolean";
    default:
      return "number";
  }
}

function typeOfColumn(sqlType: string): ValueType {
  return { kind: sqlTypeKind(sqlType), sqlType, whole: INTEGER_TYPES.includes(sqlType) || undefined };
}

/**
 * Whether an output column of `sqlType` can hold values of `type`. Numbers go into any numeric
 * column (each value is then checked: whole for an integer type, in range); strings into any
 * VARCHAR/CHAR (each checked for length); a DATE into a TIMESTAMP (midnight); NULL anywhere.
 */
export function canHold(sqlType: string, type: Pick<ValueType, "kind">): boolean {
  const kind = sqlTypeKind(sqlType);
  return type.kind === "null" || type.kind === kind || (kind === "timestamp" && type.kind === "date");
}

/** How a CAST may convert (from → to): text to and from anything, numbers and booleans, dates and timestamps. */
function castable(from: ValueKind, to: ValueKind): boolean {
  if (from === "null" || from === to || from === "string" || to === "string") return true;
  const pair = `${from}>${to}`;
  return ["number>boolean", "boolean>number", "date>timestamp", "timestamp>date", "timestamp>time"].includes(pair);
}

function describe(type: ValueType): string {
  return type.literal !== undefined ? "a string literal (VARCHAR)" : type.sqlType;
}

/** The wider of two numeric types: DOUBLE over DECIMAL over the integers, the larger integer (NULL and NULL: BIGINT, as DuckDB types it). */
function widerNumber(a: ValueType, b: ValueType): ValueType {
  if (a.kind === "null") return b.kind === "null" ? BIGINT : b;
  if (b.kind === "null") return a;
  const approximate = (t: ValueType) => t.sqlType === "DOUBLE" || t.sqlType === "REAL";
  if (approximate(a) || approximate(b)) return DOUBLE;
  if (!a.whole || !b.whole) return { kind: "number", sqlType: "DECIMAL" };
  return INTEGER_TYPES.indexOf(a.sqlType) >= INTEGER_TYPES.indexOf(b.sqlType) ? a : b;
}

/** The literal's type, checking that a typed literal's text is what its type reads (DATE '2024-02-30' is not). */
function typeOfLiteral(e: Extract<Expression, { kind: "literal" }>, fail: (problem: string) => never): ValueType {
  switch (e.type) {
    case "null":
      return NULL_TYPE;
    case "boolean":
      return BOOLEAN;
    case "string":
      return { kind: "string", sqlType: "VARCHAR", literal: e.value };
    case "number": {
      if (/[eE]/.test(e.value)) return DOUBLE;
      if (e.value.includes(".")) return { kind: "number", sqlType: "DECIMAL" };
      const n = BigInt(e.value);
      if (n <= 2147483647n) return INTEGER;
      if (n <= 9223372036854775807n) return BIGINT;
      return fail(`the number ${e.value} is beyond BIGINT; write it with a decimal point or an exponent (a DOUBLE)`);
    }
    case "DATE":
      if (parseDate(e.value) === undefined) fail(`DATE '${e.value}' is not a date on the calendar written YYYY-MM-DD`);
      return DATE;
    case "TIME":
      if (parseTime(e.value) === undefined) fail(`TIME '${e.value}' is not a time written HH:MM:SS[.ffffff]`);
      return { kind: "time", sqlType: "TIME" };
    case "TIMESTAMP":
      if (parseTimestamp(e.value) === undefined) fail(`TIMESTAMP '${e.value}' is not a timestamp written YYYY-MM-DD HH:MM:SS[.ffffff]`);
      return { kind: "timestamp", sqlType: "TIMESTAMP" };
  }
}

/** A string literal that reads as a value of `type` (the engines convert '2024-05-01' to a DATE to compare it). */
function literalReadsAs(literal: string, type: Pick<ValueType, "kind" | "whole">): boolean {
  switch (type.kind) {
    case "date":
      return parseDate(literal) !== undefined;
    case "time":
      return parseTime(literal) !== undefined;
    case "timestamp":
      return parseTimestamp(literal) !== undefined || parseDate(literal) !== undefined;
    case "number":
      return (type.whole ? /^\s*[+-]?\d+\s*$/ : /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/).test(literal);
    case "boolean":
      return /^(true|false)$/i.test(literal);
    default:
      return true;
  }
}

const DATE_LIKE = new Set<ValueKind>(["date", "time", "timestamp"]);

/**
 * The type of an expression over the input columns (`columnType` gives a column's SQL type), or
 * `fail` with the expression as written, its type and what was needed.
 */
export function typeOfExpression(root: Expression, columnType: (name: string) => string, fail: (at: Position, problem: string) => never): ValueType {
  const quote = shownSql;
  const failAt =
    (e: Expression) =>
    (problem: string): never =>
      fail(e.source, `${quote(e)}: ${problem}`);

  const known = new Map<Expression, ValueType>();
  const typeOf = (e: Expression): ValueType => {
    let type = known.get(e);
    if (type === undefined) known.set(e, (type = typeOfNode(e)));
    return type;
  };
  const typeOfNode = (e: Expression): ValueType => {
    const problem = failAt(e);
    /** The operand's type, which must be one of `kinds` (NULL always is). */
    const operand = (x: Expression, what: string, ...kinds: ValueKind[]): ValueType => {
      const t = typeOf(x);
      if (t.kind !== "null" && !kinds.includes(t.kind)) problem(`${what}, but ${quote(x)} is ${describe(t)}`);
      return t;
    };
    const wholeNumber = (x: Expression, what: string): void => {
      const t = operand(x, what, "number");
      if (t.kind === "number" && !t.whole) problem(`${what}, but ${quote(x)} is ${describe(t)}`);
    };
    /** Two values the engines compare alike: the same kind, a DATE with a TIMESTAMP, a date-like string literal with its kind. */
    const comparable = (x: Expression, y: Expression, what: string): void => {
      const [a, b] = [typeOf(x), typeOf(y)];
      if (a.kind === "null" || b.kind === "null" || a.kind === b.kind) return;
      const dates = new Set<ValueKind>(["date", "timestamp"]);
      if (dates.has(a.kind) && dates.has(b.kind)) return;
      // '2024-05-01' compared with a DATE; a string literal is not a number or a boolean, though DuckDB would convert it.
      if (a.literal !== undefined && DATE_LIKE.has(b.kind) && literalReadsAs(a.literal, b)) return;
      if (b.literal !== undefined && DATE_LIKE.has(a.kind) && literalReadsAs(b.literal, a)) return;
      problem(`${what} cannot compare ${quote(x)} (${describe(a)}) with ${quote(y)} (${describe(b)}); CAST one of them`);
    };
    /**
     * The one type of several results (CASE, COALESCE): all of one kind, NULLs aside. Only a NULL
     * literal is of no type; computed from NULLs alone, a value is a number, as DuckDB types it.
     */
    const common = (xs: Expression[], what: string): ValueType => {
      let result = NULL_TYPE;
      let first: Expression | undefined;
      for (const x of xs) {
        const t = typeOf(x);
        if (t.kind === "null") continue;
        if (result.kind === "null") {
          [result, first] = [{ ...t, literal: undefined }, x];
        } else if (t.kind === "number" && result.kind === "number") {
          result = widerNumber(result, t);
        } else if (t.kind === "timestamp" && result.kind === "date") {
          result = t;
        } else if (t.kind !== result.kind && !(t.kind === "date" && result.kind === "timestamp")) {
          problem(`${what} mixes ${quote(first!)} (${describe(typeOf(first!))}) with ${quote(x)} (${describe(t)}); CAST them to one type`);
        } else if (t.kind === "string") {
          result = VARCHAR;
        }
      }
      return result.kind === "null" ? INTEGER : result;
    };
    /** A number from a numeric function or operator; of a NULL, the type DuckDB gives it (BIGINT for ABS and -, DOUBLE for CEIL and FLOOR). */
    const numeric = (x: Expression, what: string, ofNull: ValueType = BIGINT): ValueType => {
      const t = operand(x, what, "number");
      return t.kind === "null" ? ofNull : t;
    };

    switch (e.kind) {
      case "column":
        return typeOfColumn(columnType(e.name.name));
      case "literal":
        return typeOfLiteral(e, problem);
      case "unary":
        if (e.op === "NOT") {
          operand(e.operand, "NOT needs a condition (BOOLEAN)", "boolean");
          return BOOLEAN;
        }
        return numeric(e.operand, `${e.op} needs a number`);
      case "binary": {
        const { op, left, right } = e;
        if (op === "AND" || op === "OR") {
          operand(left, `${op} needs conditions (BOOLEAN)`, "boolean");
          operand(right, `${op} needs conditions (BOOLEAN)`, "boolean");
          return BOOLEAN;
        }
        if (["=", "<>", "<", "<=", ">", ">="].includes(op)) {
          comparable(left, right, op);
          return BOOLEAN;
        }
        if (op === "||") {
          operand(left, "|| joins strings", "string");
          operand(right, "|| joins strings", "string");
          return VARCHAR;
        }
        const [a, b] = [typeOf(left), typeOf(right)];
        // Days: DATE ± INTEGER → DATE, DATE - DATE → BIGINT (date arithmetic without INTERVAL; DuckDB has no DATE + BIGINT).
        const days = (t: ValueType) => t.kind === "number" && DAY_COUNT_TYPES.includes(t.sqlType);
        if (a.kind === "date" && (op === "+" || op === "-") && days(b)) return DATE;
        if (b.kind === "date" && op === "+" && days(a)) return DATE;
        if (a.kind === "date" && b.kind === "date" && op === "-") return BIGINT;
        if (a.kind === "date" || b.kind === "date") {
          problem(
            `${op} on a DATE takes a number of days as an INTEGER (${op === "-" ? "or another DATE" : "DATE + n"}; CAST a BIGINT), ` +
              `but ${quote(left)} is ${describe(a)} and ${quote(right)} is ${describe(b)}`,
          );
        }
        operand(left, `${op} needs numbers`, "number");
        operand(right, `${op} needs numbers`, "number");
        return widerNumber(a, b);
      }
      case "isNull":
        typeOf(e.operand);
        return BOOLEAN;
      case "between":
        comparable(e.operand, e.low, "BETWEEN");
        comparable(e.operand, e.high, "BETWEEN");
        return BOOLEAN;
      case "in":
        for (const item of e.list) comparable(e.operand, item, "IN");
        return BOOLEAN;
      case "like":
        operand(e.operand, "LIKE matches strings", "string");
        operand(e.pattern, "LIKE's pattern is a string", "string");
        if (e.escape) operand(e.escape, "LIKE's ESCAPE is a string", "string");
        return BOOLEAN;
      case "cast": {
        const from = typeOf(e.operand);
        const to = typeOfColumn(e.type);
        if (!castable(from.kind, to.kind)) problem(`${describe(from)} cannot be converted to ${e.type}`);
        if (from.literal !== undefined && !literalReadsAs(from.literal, to)) problem(`'${from.literal}' does not read as ${e.type}`);
        return to;
      }
      case "case": {
        for (const { when } of e.whens) {
          if (e.operand) comparable(e.operand, when, "CASE");
          else operand(when, "CASE WHEN needs a condition (BOOLEAN)", "boolean");
        }
        return common([...e.whens.map((w) => w.then), ...(e.otherwise ? [e.otherwise] : [])], "CASE");
      }
      case "trim":
        operand(e.operand, "TRIM takes a string", "string");
        if (e.characters) operand(e.characters, "TRIM's characters are a string", "string");
        return VARCHAR;
      case "substring":
        operand(e.operand, "SUBSTRING takes a string", "string");
        wholeNumber(e.from, "SUBSTRING's FROM is a whole number");
        if (e.length) wholeNumber(e.length, "SUBSTRING's FOR is a whole number");
        return VARCHAR;
      case "position":
        operand(e.needle, "POSITION looks for a string", "string");
        operand(e.haystack, "POSITION looks in a string", "string");
        return BIGINT;
      case "call": {
        const [first, second] = e.args;
        switch (e.name) {
          case "ABS":
            return numeric(first, `${e.name} takes a number`);
          case "CEIL":
          case "CEILING":
          case "FLOOR": {
            // DuckDB gives an integer back as DOUBLE (a DECIMAL as DECIMAL): never a whole number a DATE moves by.
            const t = numeric(first, `${e.name} takes a number`, DOUBLE);
            return t.whole ? DOUBLE : t;
          }
          case "EXP":
          case "LN":
          case "SQRT":
            operand(first, `${e.name} takes a number`, "number");
            return DOUBLE;
          case "POWER":
            operand(first, "POWER takes numbers", "number");
            operand(second, "POWER takes numbers", "number");
            return DOUBLE;
          case "MOD":
            return widerNumber(operand(first, "MOD takes numbers", "number"), operand(second, "MOD takes numbers", "number"));
          case "CHAR_LENGTH":
          case "CHARACTER_LENGTH":
            operand(first, `${e.name} takes a string`, "string");
            return BIGINT;
          case "LOWER":
          case "UPPER":
            operand(first, `${e.name} takes a string`, "string");
            return VARCHAR;
          case "COALESCE":
            return common(e.args, "COALESCE");
          case "NULLIF": {
            comparable(first, second, "NULLIF");
            return common([first], "NULLIF");
          }
        }
        return problem(`the function ${e.name} has no type rule`); // every shared function has one above
      }
    }
  };
  return typeOf(root);
}
