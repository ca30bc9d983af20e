/**
 * The part of the Kinesis Data Analytics (SQL) dialect that can run on a batch of records:
 *
 *   CREATE OR REPLACE STREAM "<output>" (<column> <type>, ...);
 *   CREATE OR REPLACE PUMP "<pump>" AS
 *     INSERT INTO "<output>" [(<column>, ...)]
 *     SELECT STREAM <expression> [AS <alias>], ... FROM "<input stream>" [WHERE <condition>];
 *
 * with the expressions and functions both Kinesis Data Analytics and DuckDB have. Anything else
 * (ROWTIME, STEP, windows, aggregation, pumps reading other in-application streams, joins, ...)
 * is refused with an error naming the construct and its line: a micro-batch sees one delivered
 * object at a time, so results that need more than one record at once would silently differ.
 *
 * Pure TypeScript (no DuckDB), so synth can check the SQL without loading the engine.
 */
import { canHold, shownSql, sqlTypeKind, typeOfExpression } from "./sql-types";

/** A column of a stream: its name as the service names it, and its SQL type. */
export interface StreamColumn {
  readonly name: string;
  readonly sqlType: string;
}

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

// ---------------------------------------------------------------------------------------------
// Tokens

type TokenKind = "word" | "quoted" | "string" | "number" | "op" | "end";

interface Token extends Position {
  readonly kind: TokenKind;
  /** Words upper-cased (the service upper-cases unquoted names), quoted names exact. */
  readonly value: string;
  /** Where the token starts and ends in the SQL text (for quoting expressions in messages). */
  readonly offset: number;
  readonly end: number;
}

const OPERATORS = ["||", "<>", "!=", "<=", ">=", "=", "<", ">", "+", "-", "*", "/", "(", ")", ",", ";", "."];

function tokenize(sql: string, file: string): Token[] {
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

// ---------------------------------------------------------------------------------------------
// Syntax tree

/** A name as written: unquoted names are upper-cased, as the service does. */
export interface Name extends Position {
  readonly name: string;
  readonly quoted: boolean;
}

/** An expression's text exactly as written, and where it starts. */
export interface SourceText extends Position {
  readonly text: string;
}

/** What a literal is: a number, a string, TRUE/FALSE, NULL, or a typed literal such as DATE '2024-05-01'. */
export type LiteralType = "number" | "string" | "boolean" | "null" | "DATE" | "TIME" | "TIMESTAMP";

/** An expression node: its position is its operator's (or its first token's), `source` the whole of its text. */
export type Expression = Position & { readonly source: SourceText } & ExpressionNode;
type UnplacedExpression = Position & ExpressionNode;
type ExpressionNode =
    | { kind: "column"; name: Name; stream?: Name }
    | { kind: "literal"; sql: string; type: LiteralType; value: string }
    | { kind: "unary"; op: "-" | "+" | "NOT"; operand: Expression }
    | { kind: "binary"; op: string; left: Expression; right: Expression }
    | { kind: "isNull"; operand: Expression; not: boolean }
    | { kind: "between"; operand: Expression; low: Expression; high: Expression; not: boolean }
    | { kind: "in"; operand: Expression; list: Expression[]; not: boolean }
    | { kind: "like"; operand: Expression; pattern: Expression; escape?: Expression; not: boolean }
    | { kind: "call"; name: string; args: Expression[] }
    | { kind: "cast"; operand: Expression; type: string }
    | { kind: "case"; operand?: Expression; whens: { when: Expression; then: Expression }[]; otherwise?: Expression }
    | { kind: "trim"; side: "BOTH" | "LEADING" | "TRAILING"; characters?: Expression; operand: Expression }
    | { kind: "substring"; operand: Expression; from: Expression; length?: Expression }
    | { kind: "position"; needle: Expression; haystack: Expression };

export interface SelectItem {
  readonly expression: Expression;
  readonly alias?: Name;
}

export interface StreamDefinition extends Position {
  readonly name: Name;
  readonly columns: readonly (StreamColumn & Position)[];
}

export interface PumpDefinition extends Position {
  readonly name: Name;
  /** The stream the pump inserts into. */
  readonly target: Name;
  /** The target's columns the select list fills, in order (default: all, in order). */
  readonly targetColumns?: readonly Name[];
  readonly select: readonly SelectItem[];
  /** The stream the pump reads. */
  readonly from: Name;
  readonly where?: Expression;
}

/** The SQL file, parsed: its streams and pumps in file order. */
export interface AnalyticsSql {
  readonly file: string;
  readonly streams: readonly StreamDefinition[];
  readonly pumps: readonly PumpDefinition[];
}

// ---------------------------------------------------------------------------------------------
// What is refused, and why

const NEEDS_A_STREAMING_ENGINE = "it needs records from more than one delivered object, which a micro-batch never sees together";

/** Functions both dialects have, with the same meaning, by number of arguments. */
const SHARED_FUNCTIONS: Record<string, [number, number]> = {
  ABS: [1, 1],
  CEIL: [1, 1],
  CEILING: [1, 1],
  CHAR_LENGTH: [1, 1],
  CHARACTER_LENGTH: [1, 1],
  COALESCE: [1, 32],
  EXP: [1, 1],
  FLOOR: [1, 1],
  LN: [1, 1],
  LOWER: [1, 1],
  MOD: [2, 2],
  NULLIF: [2, 2],
  POWER: [2, 2],
  SQRT: [1, 1],
  UPPER: [1, 1],
};

const AGGREGATES = new Set([
  "AVG", "COUNT", "MAX", "MIN", "SUM", "STDDEV", "STDDEV_POP", "STDDEV_SAMP", "VAR_POP", "VAR_SAMP", "VARIANCE",
  "APPROXIMATE_ARITHMETIC_MEAN", "APPROXIMATE_COUNT_DISTINCT", "COUNT_DISTINCT_ITEMS_TUMBLING", "TOP_K_ITEMS_TUMBLING",
  "EXP_AVG", "FIRST_VALUE", "LAST_VALUE", "HOTSPOTS", "RANDOM_CUT_FOREST", "RANDOM_CUT_FOREST_WITH_EXPLANATION",
]);
const WINDOW_FUNCTIONS = new Set(["LAG", "NTH_VALUE", "RANK", "ROW_NUMBER", "DENSE_RANK", "NTILE"]);
const TIME_FUNCTIONS = new Set([
  "STEP", "MONOTONIC", "TSDIFF", "CURRENT_ROW_TIMESTAMP", "CURRENT_TIMESTAMP", "CURRENT_DATE", "CURRENT_TIME",
  "LOCALTIME", "LOCALTIMESTAMP", "CHAR_TO_TIMESTAMP", "TO_TIMESTAMP", "UNIX_TIMESTAMP",
]);
const CLAUSES_AFTER_FROM: Record<string, [string, string]> = {
  GROUP: ["GROUP BY (aggregation over the stream)", NEEDS_A_STREAMING_ENGINE],
  HAVING: ["HAVING (aggregation over the stream)", NEEDS_A_STREAMING_ENGINE],
  WINDOW: ["WINDOW (a window over the stream)", NEEDS_A_STREAMING_ENGINE],
  ORDER: ["ORDER BY (ordering the stream)", NEEDS_A_STREAMING_ENGINE],
  UNION: ["UNION", "a pump reads exactly one stream; write a second pump instead"],
  EXCEPT: ["EXCEPT", "a pump reads exactly one stream"],
  INTERSECT: ["INTERSECT", "a pump reads exactly one stream"],
  JOIN: ["JOIN (joining streams)", NEEDS_A_STREAMING_ENGINE],
  INNER: ["JOIN (joining streams)", NEEDS_A_STREAMING_ENGINE],
  LEFT: ["JOIN (joining streams)", NEEDS_A_STREAMING_ENGINE],
  RIGHT: ["JOIN (joining streams)", NEEDS_A_STREAMING_ENGINE],
  FULL: ["JOIN (joining streams)", NEEDS_A_STREAMING_ENGINE],
  CROSS: ["JOIN (joining streams)", NEEDS_A_STREAMING_ENGINE],
  NATURAL: ["JOIN (joining streams)", NEEDS_A_STREAMING_ENGINE],
  AS: ["a stream alias", "name the input stream itself"],
};

/** The SQL types a stream column or CAST may have (INT is INTEGER). */
const TYPE_NAMES = ["VARCHAR", "CHAR", "DATE", "TIME", "TIMESTAMP", "DOUBLE", "REAL", "DECIMAL", "INTEGER", "INT", "BIGINT", "SMALLINT", "TINYINT", "BOOLEAN"];
const SIZED_TYPES = new Set(["VARCHAR", "CHAR", "DECIMAL"]);

// ---------------------------------------------------------------------------------------------
// Parser

class Parser {
  private i = 0;

  constructor(
    private readonly sql: string,
    private readonly tokens: Token[],
    private readonly file: string,
  ) {}

  private get token(): Token {
    return this.tokens[this.i];
  }

  private fail(at: Position, problem: string): never {
    throw new SqlDialectError(this.file, at, problem);
  }

  /** Refuses a construct: "<construct> is not supported by the micro-batch engine[: <why>]". */
  private refuse(at: Position, construct: string, why?: string): never {
    return this.fail(at, `${construct} is not supported by the micro-batch engine${why ? `: ${why}` : ""}`);
  }

  private describe(t: Token): string {
    if (t.kind === "end") return "the end of the file";
    if (t.kind === "quoted") return `"${t.value}"`;
    if (t.kind === "string") return `'${t.value}'`;
    return t.value;
  }

  private atEnd(): boolean {
    return this.token.kind === "end";
  }

  private isWord(...words: string[]): boolean {
    return this.token.kind === "word" && words.includes(this.token.value);
  }

  private isOp(...ops: string[]): boolean {
    return this.token.kind === "op" && ops.includes(this.token.value);
  }

  private next(): Token {
    const t = this.token;
    if (t.kind !== "end") this.i++;
    return t;
  }

  private acceptWord(word: string): boolean {
    if (!this.isWord(word)) return false;
    this.i++;
    return true;
  }

  private acceptOp(op: string): boolean {
    if (!this.isOp(op)) return false;
    this.i++;
    return true;
  }

  private expectWord(word: string, context: string): Token {
    if (!this.isWord(word)) this.fail(this.token, `expected ${word} ${context}, found ${this.describe(this.token)}`);
    return this.next();
  }

  private expectOp(op: string, context: string): Token {
    if (!this.isOp(op)) this.fail(this.token, `expected '${op}' ${context}, found ${this.describe(this.token)}`);
    return this.next();
  }

  private name(context: string): Name {
    const t = this.token;
    if (t.kind !== "word" && t.kind !== "quoted") this.fail(t, `expected a name ${context}, found ${this.describe(t)}`);
    this.i++;
    return { name: t.value, quoted: t.kind === "quoted", line: t.line, column: t.column };
  }

  parse(): AnalyticsSql {
    const streams: StreamDefinition[] = [];
    const pumps: PumpDefinition[] = [];
    while (!this.atEnd()) {
      if (this.acceptOp(";")) continue;
      const start = this.token;
      if (!this.acceptWord("CREATE")) {
        if (this.isWord("INSERT")) this.refuse(start, "INSERT outside a pump (write CREATE OR REPLACE PUMP \"...\" AS INSERT INTO ...)");
        if (this.isWord("SELECT")) this.refuse(start, "a SELECT statement on its own (only a pump's INSERT INTO ... SELECT STREAM sends rows)");
        this.refuse(start, `the statement ${this.describe(start)}`);
      }
      if (this.acceptWord("OR")) this.expectWord("REPLACE", "after CREATE OR");
      const what = this.token;
      if (this.acceptWord("STREAM")) streams.push(this.stream(start));
      else if (this.acceptWord("PUMP")) pumps.push(this.pump(start));
      else this.refuse(what, `CREATE ${this.describe(what)} (only CREATE OR REPLACE STREAM and CREATE OR REPLACE PUMP are)`);
      if (!this.atEnd()) this.expectOp(";", "after the statement");
    }
    return { file: this.file, streams, pumps };
  }

  private stream(start: Position): StreamDefinition {
    const name = this.name("after CREATE OR REPLACE STREAM");
    this.expectOp("(", `after the stream name ${name.name}`);
    const columns: (StreamColumn & Position)[] = [];
    do {
      const column = this.name("of a stream column");
      columns.push({ name: column.name, sqlType: this.type(), line: column.line, column: column.column });
    } while (this.acceptOp(","));
    this.expectOp(")", "after the stream's columns");
    if (!this.isOp(";") && !this.atEnd()) this.refuse(this.token, `${this.describe(this.token)} after a stream's columns (stream options)`);
    return { name, columns, line: start.line, column: start.column };
  }

  private type(): string {
    const t = this.token;
    if (t.kind !== "word" || !TYPE_NAMES.includes(t.value)) {
      this.fail(t, `expected a SQL type (${TYPE_NAMES.join(", ")}), found ${this.describe(t)}`);
    }
    this.i++;
    const base = t.value === "INT" ? "INTEGER" : t.value;
    if (!SIZED_TYPES.has(base)) return base;
    if (!this.acceptOp("(")) {
      if (base === "DECIMAL") return base;
      this.fail(this.token, `${base} needs a length, e.g. ${base}(16)`);
    }
    const size = [this.next()];
    if (base === "DECIMAL" && this.acceptOp(",")) size.push(this.next());
    for (const s of size) if (s.kind !== "number" || !/^\d+$/.test(s.value)) this.fail(s, `expected a whole number in ${base}(...), found ${this.describe(s)}`);
    const [first, second] = size.map((s) => Number(s.value));
    if (base !== "DECIMAL" && first < 1) this.fail(size[0], `${base}(${first}) holds no character; the length is at least 1`);
    if (base === "DECIMAL" && (first < 1 || first > 38)) this.fail(size[0], `DECIMAL(${first}, ...): the precision is from 1 to 38`);
    if (base === "DECIMAL" && second !== undefined && second > first) this.fail(size[1], `DECIMAL(${first},${second}): the scale is at most the precision`);
    this.expectOp(")", `after the size of ${base}`);
    return `${base}(${size.map((s) => s.value).join(",")})`;
  }

  private pump(start: Position): PumpDefinition {
    const name = this.name("after CREATE OR REPLACE PUMP");
    this.expectWord("AS", `after the pump name ${name.name}`);
    this.expectWord("INSERT", "in a pump (CREATE OR REPLACE PUMP ... AS INSERT INTO ...)");
    this.expectWord("INTO", "after INSERT");
    const target = this.name("after INSERT INTO");
    let targetColumns: Name[] | undefined;
    if (this.acceptOp("(")) {
      targetColumns = [];
      do targetColumns.push(this.name("in the INSERT column list"));
      while (this.acceptOp(","));
      this.expectOp(")", "after the INSERT column list");
    }
    const select = this.expectWord("SELECT", "after INSERT INTO ... (a pump inserts the rows of a SELECT STREAM)");
    if (!this.acceptWord("STREAM")) this.fail(select, "SELECT without STREAM: a pump's query must be SELECT STREAM ... (as the service requires)");
    if (this.isWord("DISTINCT")) this.refuse(this.token, `SELECT STREAM DISTINCT`, NEEDS_A_STREAMING_ENGINE);
    this.acceptWord("ALL");
    const items: SelectItem[] = [];
    do {
      if (this.isOp("*")) this.refuse(this.token, "SELECT STREAM * (list the columns: the output stream takes them by position)");
      const expression = this.expression();
      if (this.isWord("OVER")) this.refuse(this.token, `OVER (a window)`, NEEDS_A_STREAMING_ENGINE);
      let alias: Name | undefined;
      if (this.acceptWord("AS")) alias = this.name("after AS");
      else if (this.token.kind === "quoted" || (this.token.kind === "word" && !this.isWord("FROM"))) alias = this.name("as a column alias");
      items.push({ expression, alias });
    } while (this.acceptOp(","));
    this.expectWord("FROM", "after the select list");
    if (this.isOp("(")) this.refuse(this.token, `a subquery in FROM`, NEEDS_A_STREAMING_ENGINE);
    if (this.isWord("TABLE", "LATERAL", "UNNEST")) this.refuse(this.token, `FROM ${this.token.value}`);
    const from = this.name("after FROM");
    if (this.isOp(",")) this.refuse(this.token, `a second stream in FROM (a join)`, NEEDS_A_STREAMING_ENGINE);
    if (this.isWord("OVER")) this.refuse(this.token, `a window over the stream (FROM ... OVER)`, NEEDS_A_STREAMING_ENGINE);
    let where: Expression | undefined;
    if (this.acceptWord("WHERE")) where = this.expression();
    if (this.token.kind === "word" && CLAUSES_AFTER_FROM[this.token.value] !== undefined) this.refuse(this.token, ...CLAUSES_AFTER_FROM[this.token.value]);
    if (this.token.kind === "quoted" || this.token.kind === "word") this.refuse(this.token, ...CLAUSES_AFTER_FROM.AS);
    return { name, target, targetColumns, select: items, from, where, line: start.line, column: start.column };
  }

  // Expressions, loosest binding first. Each node gets its source text, from the token at `start`
  // to the last one consumed, so that messages can quote the expression as written.

  private placed(start: number, node: UnplacedExpression): Expression {
    const first = this.tokens[start];
    const text = this.sql.slice(first.offset, this.tokens[this.i - 1].end);
    return { ...node, source: { text, line: first.line, column: first.column } } as Expression;
  }

  private expression(): Expression {
    const start = this.i;
    let left = this.conjunction();
    while (this.isWord("OR")) {
      const at = this.next();
      const right = this.conjunction();
      left = this.placed(start, { kind: "binary", op: "OR", left, right, line: at.line, column: at.column });
    }
    return left;
  }

  private conjunction(): Expression {
    const start = this.i;
    let left = this.negation();
    while (this.isWord("AND")) {
      const at = this.next();
      const right = this.negation();
      left = this.placed(start, { kind: "binary", op: "AND", left, right, line: at.line, column: at.column });
    }
    return left;
  }

  private negation(): Expression {
    if (this.isWord("NOT")) {
      const start = this.i;
      const at = this.next();
      const operand = this.negation();
      return this.placed(start, { kind: "unary", op: "NOT", operand, line: at.line, column: at.column });
    }
    return this.comparison();
  }

  private comparison(): Expression {
    const start = this.i;
    const left = this.additive();
    const at = this.token;
    const where = { line: at.line, column: at.column };
    if (this.isOp("=", "<>", "!=", "<", "<=", ">", ">=")) {
      const op = this.next().value === "!=" ? "<>" : at.value;
      const right = this.additive();
      return this.placed(start, { kind: "binary", op, left, right, ...where });
    }
    if (this.acceptWord("IS")) {
      const not = this.acceptWord("NOT");
      this.expectWord("NULL", "after IS (IS [NOT] NULL)");
      return this.placed(start, { kind: "isNull", operand: left, not, ...where });
    }
    const not = this.isWord("NOT") && this.tokens[this.i + 1]?.kind === "word" && ["BETWEEN", "IN", "LIKE"].includes(this.tokens[this.i + 1].value);
    if (not) this.next();
    if (this.acceptWord("BETWEEN")) {
      if (this.isWord("SYMMETRIC", "ASYMMETRIC")) this.refuse(this.token, `BETWEEN ${this.token.value}`);
      const low = this.additive();
      this.expectWord("AND", "in BETWEEN ... AND ...");
      const high = this.additive();
      return this.placed(start, { kind: "between", operand: left, low, high, not, ...where });
    }
    if (this.acceptWord("IN")) {
      this.expectOp("(", "after IN");
      if (this.isWord("SELECT")) this.refuse(this.token, `a subquery (IN (SELECT ...))`, NEEDS_A_STREAMING_ENGINE);
      const list: Expression[] = [];
      do list.push(this.additive());
      while (this.acceptOp(","));
      this.expectOp(")", "after the IN list");
      return this.placed(start, { kind: "in", operand: left, list, not, ...where });
    }
    if (this.acceptWord("LIKE")) {
      const pattern = this.additive();
      const escape = this.acceptWord("ESCAPE") ? this.additive() : undefined;
      return this.placed(start, { kind: "like", operand: left, pattern, escape, not, ...where });
    }
    if (this.isWord("SIMILAR")) this.refuse(this.token, "SIMILAR TO");
    return left;
  }

  private additive(): Expression {
    const start = this.i;
    let left = this.multiplicative();
    while (this.isOp("+", "-", "||")) {
      const at = this.next();
      const right = this.multiplicative();
      left = this.placed(start, { kind: "binary", op: at.value, left, right, line: at.line, column: at.column });
    }
    return left;
  }

  private multiplicative(): Expression {
    const start = this.i;
    let left = this.unary();
    while (this.isOp("*", "/")) {
      const at = this.next();
      const right = this.unary();
      left = this.placed(start, { kind: "binary", op: at.value, left, right, line: at.line, column: at.column });
    }
    return left;
  }

  private unary(): Expression {
    if (this.isOp("-", "+")) {
      const start = this.i;
      const at = this.next();
      const operand = this.unary();
      return this.placed(start, { kind: "unary", op: at.value as "-" | "+", operand, line: at.line, column: at.column });
    }
    return this.primary();
  }

  private primary(): Expression {
    const start = this.i;
    const t = this.token;
    const at = { line: t.line, column: t.column };
    if (t.kind === "number") {
      this.i++;
      return this.placed(start, { kind: "literal", sql: t.value, type: "number", value: t.value, ...at });
    }
    if (t.kind === "string") {
      this.i++;
      return this.placed(start, { kind: "literal", sql: quoteString(t.value), type: "string", value: t.value, ...at });
    }
    if (this.acceptOp("(")) {
      if (this.isWord("SELECT")) this.refuse(this.token, `a subquery`, NEEDS_A_STREAMING_ENGINE);
      const inner = this.expression();
      this.expectOp(")", "to close '('");
      return this.placed(start, inner); // the parentheses belong to its text
    }
    if (t.kind === "quoted") return this.column();
    if (t.kind !== "word") this.fail(t, `expected an expression, found ${this.describe(t)}`);

    const word = t.value;
    const followedByParen = this.tokens[this.i + 1]?.kind === "op" && this.tokens[this.i + 1].value === "(";
    if (word === "ROWTIME") this.refuse(t, `ROWTIME (the time a record entered the stream)`, `${NEEDS_A_STREAMING_ENGINE}, and a delivered object keeps no arrival times`);
    if (word === "TRUE" || word === "FALSE" || word === "NULL") {
      this.i++;
      return this.placed(start, { kind: "literal", sql: word, type: word === "NULL" ? "null" : "boolean", value: word, ...at });
    }
    if ((word === "DATE" || word === "TIME" || word === "TIMESTAMP") && this.tokens[this.i + 1]?.kind === "string") {
      this.i++;
      const value = this.next().value;
      return this.placed(start, { kind: "literal", sql: `${word} ${quoteString(value)}`, type: word, value, ...at });
    }
    if (word === "INTERVAL") this.refuse(t, "INTERVAL (time arithmetic for windows)");
    if (word === "CASE") return this.caseExpression();
    if (word === "CAST" && followedByParen) {
      this.i += 2;
      const operand = this.expression();
      this.expectWord("AS", "in CAST(... AS type)");
      const type = this.type();
      this.expectOp(")", "to close CAST(");
      return this.placed(start, { kind: "cast", operand, type, ...at });
    }
    if (TIME_FUNCTIONS.has(word)) this.refuse(t, `${word} (time of processing or of the stream)`, "the engines would disagree, since a micro-batch runs one buffer interval later");
    if (!followedByParen) return this.column();

    this.i += 2; // the name and '('
    if (AGGREGATES.has(word)) this.refuse(t, `${word}(...) (aggregation over the stream)`, NEEDS_A_STREAMING_ENGINE);
    if (WINDOW_FUNCTIONS.has(word)) this.refuse(t, `${word}(...) (a window function)`, NEEDS_A_STREAMING_ENGINE);
    if (word === "TRIM") return this.trim(start, at);
    if (word === "SUBSTRING") return this.substring(start, at);
    if (word === "POSITION") {
      const needle = this.additive();
      this.expectWord("IN", "in POSITION(... IN ...)");
      const haystack = this.additive();
      this.expectOp(")", "to close POSITION(");
      return this.placed(start, { kind: "position", needle, haystack, ...at });
    }
    const arity = SHARED_FUNCTIONS[word];
    if (arity === undefined) {
      this.refuse(t, `the function ${word} (the functions both engines share are ${[...Object.keys(SHARED_FUNCTIONS), "CAST", "TRIM", "SUBSTRING", "POSITION"].sort().join(", ")})`);
    }
    const args: Expression[] = [];
    if (!this.isOp(")")) {
      do {
        args.push(this.expression());
        if (word === "FLOOR" || word === "CEIL" || word === "CEILING") {
          if (this.isWord("TO")) this.refuse(this.token, `${word}(... TO ...) (rounding a time to a window)`, NEEDS_A_STREAMING_ENGINE);
        }
      } while (this.acceptOp(","));
    }
    this.expectOp(")", `to close ${word}(`);
    if (this.isWord("OVER")) this.refuse(this.token, `${word}(...) OVER (a window function)`, NEEDS_A_STREAMING_ENGINE);
    if (args.length < arity[0] || args.length > arity[1]) {
      const expected = arity[0] === arity[1] ? `${arity[0]}` : `${arity[0]} to ${arity[1]}`;
      this.fail(t, `${word} takes ${expected} argument(s), not ${args.length}`);
    }
    return this.placed(start, { kind: "call", name: word, args, ...at });
  }

  private column(): Expression {
    const start = this.i;
    const first = this.name("of a column");
    if (!this.acceptOp(".")) return this.placed(start, { kind: "column", name: first, line: first.line, column: first.column });
    const second = this.name("of a column after '.'");
    return this.placed(start, { kind: "column", name: second, stream: first, line: first.line, column: first.column });
  }

  private caseExpression(): Expression {
    const start = this.i;
    const at = this.next();
    const operand = this.isWord("WHEN") ? undefined : this.expression();
    const whens: { when: Expression; then: Expression }[] = [];
    while (this.acceptWord("WHEN")) {
      const when = this.expression();
      this.expectWord("THEN", "after CASE ... WHEN ...");
      whens.push({ when, then: this.expression() });
    }
    if (whens.length === 0) this.fail(this.token, `expected WHEN in CASE, found ${this.describe(this.token)}`);
    const otherwise = this.acceptWord("ELSE") ? this.expression() : undefined;
    this.expectWord("END", "to close CASE");
    return this.placed(start, { kind: "case", operand, whens, otherwise, line: at.line, column: at.column });
  }

  private trim(start: number, at: Position): Expression {
    let side: "BOTH" | "LEADING" | "TRAILING" = "BOTH";
    let characters: Expression | undefined;
    if (this.isWord("BOTH", "LEADING", "TRAILING")) side = this.next().value as typeof side;
    let operand = this.isWord("FROM") ? undefined : this.additive();
    if (this.acceptWord("FROM")) {
      characters = operand;
      operand = this.additive();
    } else if (side !== "BOTH" || operand === undefined) {
      this.expectWord("FROM", `in TRIM(${side} ... FROM ...)`);
    }
    this.expectOp(")", "to close TRIM(");
    return this.placed(start, { kind: "trim", side, characters, operand: operand!, ...at });
  }

  private substring(start: number, at: Position): Expression {
    const operand = this.additive();
    this.expectWord("FROM", "in SUBSTRING(... FROM ... [FOR ...])");
    const from = this.additive();
    const length = this.acceptWord("FOR") ? this.additive() : undefined;
    this.expectOp(")", "to close SUBSTRING(");
    return this.placed(start, { kind: "substring", operand, from, length, ...at });
  }
}

function quoteString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export function quoteName(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Parses the SQL, refusing (with file, line and construct) what the micro-batch engine cannot run. */
export function parseAnalyticsSql(sql: string, file = "analytics.sql"): AnalyticsSql {
  return new Parser(sql, tokenize(sql, file), file).parse();
}

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
      throw new Error(`the input column ${quoteName(c.name)} of ${quoteName(inputName)} has the type ${c.sqlType}; the micro-batch engine reads ${JSON_INPUT_TYPES} from JSON records`);
    }
  }

  const created = new Map<string, StreamDefinition>();
  for (const s of parsed.streams) {
    if (created.has(s.name.name)) fail(s.name, `the stream ${quoteName(s.name.name)} is created twice`);
    if (s.name.name === inputName) fail(s.name, `${quoteName(inputName)} is the input stream; it cannot be created`);
    if (s.name.name !== streams.outputStream) {
      fail(s.name, `CREATE STREAM ${quoteName(s.name.name)} is not supported by the micro-batch engine: only the output stream ${quoteName(streams.outputStream)} is sent anywhere, and in-application streams that feed other pumps need a streaming engine`);
    }
    const seen = new Set<string>();
    for (const c of s.columns) {
      if (seen.has(c.name)) fail(c, `the column ${quoteName(c.name)} appears twice in ${quoteName(s.name.name)}`);
      seen.add(c.name);
    }
    created.set(s.name.name, s);
  }
  const output = created.get(streams.outputStream);
  if (output === undefined) fail({ line: 1, column: 1 }, `the SQL does not create the output stream ${quoteName(streams.outputStream)} (CREATE OR REPLACE STREAM)`);
  const outputColumns = output!.columns.map(({ name, sqlType }) => ({ name, sqlType }));

  const pumpNames = new Set<string>();
  const pumps: CompiledPump[] = parsed.pumps.map((pump) => {
    if (pumpNames.has(pump.name.name)) fail(pump.name, `the pump ${quoteName(pump.name.name)} is created twice`);
    pumpNames.add(pump.name.name);
    if (created.has(pump.from.name)) {
      fail(pump.from, `a pump reading another in-application stream (${quoteName(pump.from.name)}) is not supported by the micro-batch engine: pumps read only the input stream ${quoteName(inputName)}`);
    }
    if (pump.from.name !== inputName) {
      fail(pump.from, `the pump reads ${quoteName(pump.from.name)}, which is not the input stream ${quoteName(inputName)}${pump.from.quoted ? "" : " (unquoted names are upper-cased)"}`);
    }
    if (pump.target.name !== output!.name.name) {
      fail(pump.target, `the pump inserts into ${quoteName(pump.target.name)}, which is not the output stream ${quoteName(output!.name.name)}`);
    }
    const targets = pump.targetColumns === undefined ? outputColumns.map((_, i) => i) : pump.targetColumns.map((t) => {
      const index = outputColumns.findIndex((c) => c.name === t.name);
      if (index === -1) fail(t, `${quoteName(t.name)} is not a column of ${quoteName(output!.name.name)} (its columns: ${outputColumns.map((c) => c.name).join(", ")})`);
      return index;
    });
    if (new Set(targets).size !== targets.length) fail(pump.target, "the INSERT column list names a column twice");
    if (pump.select.length !== targets.length) {
      fail(pump, `the pump ${quoteName(pump.name.name)} selects ${pump.select.length} value(s) for ${targets.length} column(s) of ${quoteName(output!.name.name)}`);
    }

    const selectedColumns: string[] = [];
    const render = (e: Expression, record: boolean): string => {
      const r = (x: Expression) => render(x, record);
      switch (e.kind) {
        case "column": {
          if (e.stream !== undefined && e.stream.name !== inputName) fail(e.stream, `${quoteName(e.stream.name)} is not the stream the pump reads (${quoteName(inputName)})`);
          if (!inputColumns.has(e.name.name)) {
            const hint = [...inputColumns].find((c) => c.toUpperCase() === e.name.name.toUpperCase());
            fail(e.name, `${quoteName(e.name.name)} is not a column of ${quoteName(inputName)}` +
              (hint !== undefined ? `; did you mean ${quoteName(hint)}? (unquoted names are upper-cased: quote the name to keep its case)` : ` (its columns: ${[...inputColumns].join(", ")})`));
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
        fail(expression.source, `${shownSql(expression)} is ${type.literal !== undefined ? "a string literal (VARCHAR)" : type.sqlType}, ` +
          `which the output column ${quoteName(column.name)} ${column.sqlType} cannot hold; CAST it (CAST(... AS ${column.sqlType})) or select a ${sqlTypeKind(column.sqlType)}`);
      }
      return rendered;
    });
    let where = "";
    if (pump.where) {
      where = ` WHERE ${render(pump.where, false)}`;
      const type = typeOfExpression(pump.where, columnType, fail);
      if (type.kind !== "boolean" && type.kind !== "null") fail(pump.where.source, `WHERE needs a condition (BOOLEAN), but ${shownSql(pump.where)} is ${type.sqlType}`);
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
  if (pumps.length === 0) fail({ line: 1, column: 1 }, `the SQL has no pump into ${quoteName(streams.outputStream)} (CREATE OR REPLACE PUMP ... AS INSERT INTO ...), so nothing would be sent`);
  return { file, input: streams.input, output: { name: output!.name.name, columns: outputColumns }, pumps };
}

/** The DuckDB type of a SQL type: VARCHAR(n)/CHAR(n) become VARCHAR (lengths are checked by the engine), REAL is FLOAT. */
export function duckdbType(sqlType: string): string {
  if (/^(VAR)?CHAR\(/.test(sqlType)) return "VARCHAR";
  if (sqlType === "REAL") return "FLOAT";
  return sqlType;
}
