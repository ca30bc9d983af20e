/**
 * The tokens of the lab's Kinesis Data Analytics SQL dialect (dialect/parser.ts reads them) and
 * where each one is in the SQL file: names (unquoted ones upper-cased), quoted names, string and
 * number literals and operators, with whitespace and comments skipped. A refused or invalid
 * construct in the SQL is a SqlDialectError naming its file, line and column.
 */

/** Where in the SQL file something is. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

/** A refused or invalid construct, named with its file, line and column. */
export class SqlDialectError extends Error {
  constructor(
    readonly file: string,
    readonly position: Position,
    readonly problem: string,
  ) {
    super(`${file}:${position.line}:${position.column}: ${problem}`);
    this.name = "SqlDialectError";
  }
}

type TokenKind = "word" | "quoted" | "string" | "number" | "op" | "end";

export interface Token extends Position {
  readonly kind: TokenKind;
  /** Words upper-cased (the service upper-cases unquoted names), quoted names exact. */
  readonly value: string;
  /** Where the token starts and ends in the SQL text (for quoting expressions in messages). */
  readonly offset: number;
  readonly end: number;
}

const OPERATORS = ["||", "<>", "!=", "<=", ">=", "=", "<", ">", "+", "-", "*", "/", "(", ")", ",", ";", "."];

export function tokenize(sql: string, file: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const here = (at = i): Position => ({ line, column: at - lineStart + 1 });
  const fail = (at: Position, problem: string): never => {
    throw new SqlDialectError(file, at, problem);
  };
  /** Consumes up to (not including) `end`, counting lines; returns the index after `end`. */
  const skipTo = (end: string, from: number, what: string, start: Position): number => {
    for (let j = from; j < sql.length; j++) {
      if (sql.startsWith(end, j)) return j + end.length;
      if (sql[j] === "\n") {
        line++;
        lineStart = j + 1;
      }
    }
    return fail(start, `${what} is not closed`);
  };

  while (i < sql.length) {
    const c = sql[i];
    if (c === "\n") {
      line++;
      lineStart = ++i;
    } else if (/\s/.test(c)) {
      i++;
    } else if (sql.startsWith("--", i)) {
      const end = sql.indexOf("\n", i);
      i = end === -1 ? sql.length : end;
    } else if (sql.startsWith("/*", i)) {
      i = skipTo("*/", i + 2, "comment /* ... */", here());
    } else if (c === "'" || c === '"') {
      // '' inside a string and "" inside a quoted name stand for one quote.
      const start = here();
      let j = i + 1;
      let value = "";
      for (;;) {
        const next = sql.indexOf(c, j);
        if (next === -1) fail(start, c === "'" ? "string literal is not closed (missing ')" : 'quoted name is not closed (missing ")');
        value += sql.slice(j, next);
        if (sql[next + 1] === c) {
          value += c;
          j = next + 2;
        } else {
          j = next + 1;
          break;
        }
      }
      for (let k = i; k < j; k++) {
        if (sql[k] === "\n") {
          line++;
          lineStart = k + 1;
        }
      }
      if (c === '"' && value.length === 0) fail(start, 'empty quoted name ""');
      tokens.push({ kind: c === "'" ? "string" : "quoted", value, ...start, offset: i, end: j });
      i = j;
    } else if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(sql[i + 1] ?? ""))) {
      const m = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(sql.slice(i))!;
      tokens.push({ kind: "number", value: m[0], ...here(), offset: i, end: i + m[0].length });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(sql.slice(i))!;
      tokens.push({ kind: "word", value: m[0].toUpperCase(), ...here(), offset: i, end: i + m[0].length });
      i += m[0].length;
    } else {
      const op = OPERATORS.find((o) => sql.startsWith(o, i));
      if (op === undefined) fail(here(), `unexpected character ${JSON.stringify(c)}`);
      tokens.push({ kind: "op", value: op!, ...here(), offset: i, end: i + op!.length });
      i += op!.length;
    }
  }
  tokens.push({ kind: "end", value: "end of file", ...here(), offset: sql.length, end: sql.length });
  return tokens;
}
