/**
 * Parses the part of the Kinesis Data Analytics (SQL) dialect that can run on a batch of records
 * into its statements and expressions:
 *
 *   CREATE OR REPLACE STREAM "<output>" (<column> <type>, ...);
 *   CREATE OR REPLACE PUMP "<pump>" AS
 *     INSERT INTO "<output>" [(<column>, ...)]
 *     SELECT STREAM <expression> [AS <alias>], ... FROM "<input stream>" [WHERE <condition>];
 *
 * with the expressions and functions both Kinesis Data Analytics and DuckDB have. Anything else
 * (ROWTIME, STEP, windows, aggregation, joins, ...) is refused with an error naming the construct
 * and its line: a micro-batch sees one delivered object at a time, so results that need more than
 * one record at once would silently differ. Names and types are checked by dialect/compiler.ts.
 */
import { Position, SqlDialectError, Token, tokenize } from "./tokenizer";

/** A column of a stream: its name as the service names it, and its SQL type. */
export interface StreamColumn {
  readonly name: string;
  readonly sqlType: string;
}

// ---------------------------------------------------------------------------------------------
// Syntax tree

/** A name as written: unquoted names are upper-cased, as the service does. */
interface Name extends Position {
  readonly name: string;
  readonly quoted: boolean;
}

/** An expression's text exactly as written, and where it starts. */
interface SourceText extends Position {
  readonly text: string;
}

/** What a literal is: a number, a string, TRUE/FALSE, NULL, or a typed literal such as DATE '2024-05-01'. */
type LiteralType = "number" | "string" | "boolean" | "null" | "DATE" | "TIME" | "TIMESTAMP";

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

interface SelectItem {
  readonly expression: Expression;
  readonly alias?: Name;
}

export interface StreamDefinition extends Position {
  readonly name: Name;
  readonly columns: readonly (StreamColumn & Position)[];
}

interface PumpDefinition extends Position {
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
const SHARED_FUNCTIONS: Partial<Record<string, [number, number]>> = {
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
  "AVG",
  "COUNT",
  "MAX",
  "MIN",
  "SUM",
  "STDDEV",
  "STDDEV_POP",
  "STDDEV_SAMP",
  "VAR_POP",
  "VAR_SAMP",
  "VARIANCE",
  "APPROXIMATE_ARITHMETIC_MEAN",
  "APPROXIMATE_COUNT_DISTINCT",
  "COUNT_DISTINCT_ITEMS_TUMBLING",
  "TOP_K_ITEMS_TUMBLING",
  "EXP_AVG",
  "FIRST_VALUE",
  "LAST_VALUE",
  "HOTSPOTS",
  "RANDOM_CUT_FOREST",
  "RANDOM_CUT_FOREST_WITH_EXPLANATION",
]);
const WINDOW_FUNCTIONS = new Set(["LAG", "NTH_VALUE", "RANK", "ROW_NUMBER", "DENSE_RANK", "NTILE"]);
const TIME_FUNCTIONS = new Set([
  "STEP",
  "MONOTONIC",
  "TSDIFF",
  "CURRENT_ROW_TIMESTAMP",
  "CURRENT_TIMESTAMP",
  "CURRENT_DATE",
  "CURRENT_TIME",
  "LOCALTIME",
  "LOCALTIMESTAMP",
  "CHAR_TO_TIMESTAMP",
  "TO_TIMESTAMP",
  "UNIX_TIMESTAMP",
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
        if (this.isWord("INSERT")) this.refuse(start, 'INSERT outside a pump (write CREATE OR REPLACE PUMP "..." AS INSERT INTO ...)');
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
    const first = Number(size[0].value);
    const second = size.length > 1 ? Number(size[1].value) : undefined;
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
    const clause: [string, string] | undefined = this.token.kind === "word" ? CLAUSES_AFTER_FROM[this.token.value] : undefined;
    if (clause !== undefined) this.refuse(this.token, ...clause);
    if (this.token.kind === "quoted" || this.token.kind === "word") this.refuse(this.token, ...CLAUSES_AFTER_FROM.AS);
    return { name, target, targetColumns, select: items, from, where, line: start.line, column: start.column };
  }

  // Expressions, loosest binding first. Each node gets its source text, from the token at `start`
  // to the last one consumed, so that messages can quote the expression as written.

  private placed(start: number, node: UnplacedExpression): Expression {
    const first = this.tokens[start];
    const text = this.sql.slice(first.offset, this.tokens[this.i - 1].end);
    return { ...node, source: { text, line: first.line, column: first.column } };
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
    if (word === "ROWTIME")
      this.refuse(t, `ROWTIME (the time a record entered the stream)`, `${NEEDS_A_STREAMING_ENGINE}, and a delivered object keeps no arrival times`);
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
    if (TIME_FUNCTIONS.has(word))
      this.refuse(t, `${word} (time of processing or of the stream)`, "the engines would disagree, since a micro-batch runs one buffer interval later");
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
      this.refuse(
        t,
        `the function ${word} (the functions both engines share are ${[...Object.keys(SHARED_FUNCTIONS), "CAST", "TRIM", "SUBSTRING", "POSITION"].sort().join(", ")})`,
      );
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
    type Side = "BOTH" | "LEADING" | "TRAILING";
    let side: Side = "BOTH";
    let characters: Expression | undefined;
    if (this.isWord("BOTH", "LEADING", "TRAILING")) side = this.next().value as Side;
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

/** Parses the SQL, refusing (with file, line and construct) what the micro-batch engine cannot run. */
export function parseAnalyticsSql(sql: string, file = "analytics.sql"): AnalyticsSql {
  return new Parser(sql, tokenize(sql, file), file).parse();
}
