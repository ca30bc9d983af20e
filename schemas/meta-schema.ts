/**
 * The meta-schema of the record format: what this project supports of JSON Schema 2020-12, which
 * is what every reader of the schemas understands alike — ajv (the validators), the generator's
 * own validator and synthesizer (generator/generator.py), the SQL column mapping (./sql-columns.ts)
 * and both analytics engines. Both schemas are checked against it when they are loaded, so a schema
 * edit nothing downstream can honour (an empty enum, a maxLength of 0 or 1.5, an unknown
 * `x-sql-type`, a `required` name with no property, a keyword the generator does not know) stops
 * synth with one line per problem naming the file, the JSON pointer and what is allowed.
 *
 * Written as data and a small walker rather than a JSON meta-schema for ajv: synth never loads ajv
 * (about 150 ms), and several rules relate one part of a schema to another.
 */
import { UnusableInputError } from "../input/unusable-input";
import { MAX_SQL_COLUMNS, SQL_COLUMN_NAME, SQL_TYPE_KEYWORD, sqlTypeOverrideProblem } from "./sql-columns";

const JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema";
/** The JSON types a record's property may have (all four map to a SQL column and are synthesized). */
const PROPERTY_TYPES = ["string", "number", "integer", "boolean"] as const;

/** A record schema nothing can be built from; `problems` holds one line per problem. */
export class RecordSchemaError extends UnusableInputError {
  constructor(problems: string[]) {
    super(problems, "Unusable record schema");
    this.name = "RecordSchemaError";
  }
}

type Node = Record<string, unknown>;
/** Checks one keyword's value (the node it is in gives context); returns what is allowed when the value is not. */
type Check = (value: unknown, node: Node) => string | undefined;

const isObject = (v: unknown): v is Node => typeof v === "object" && v !== null && !Array.isArray(v);
/** A table's own entry: a keyword such as "valueOf" or "constructor" is not in it. */
const ownValue = <T>(table: Readonly<Record<string, T>>, key: string): T | undefined =>
  Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
const isCount = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
/** JSON equality, as ajv and the generator compare enum values (true is not 1). */
const sameJson = (a: unknown, b: unknown) => a === b || (typeof a === "object" && typeof b === "object" && JSON.stringify(a) === JSON.stringify(b));
const distinct = (values: readonly unknown[]) => values.every((v, i) => values.findIndex((w) => sameJson(v, w)) === i);
const characters = (text: string) => [...text].length; // code points, as ajv and Python count

const when = (ok: boolean, allowed: string) => (ok ? undefined : allowed);
const text: Check = (v) => when(typeof v === "string", "a string");
const ANNOTATIONS: Record<string, Check> = { title: text, description: text, $comment: text };

/** Characters of a date, YYYY-MM-DD. */
const DATE_LENGTH = 10;

/** RFC 3339 full-date, as ajv-formats checks `format: date`: YYYY-MM-DD, a real day. */
function isFullDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return month >= 1 && month <= 12 && day >= 1 && day <= days[month - 1];
}

const PATTERN_RULE =
  "a regular expression both ajv (ECMA-262, u flag) and the generator (Python re) read alike: " + "no named groups, lookbehind, \\k<...>, \\p{...} or \\u{...}";
/** A pattern compiled as ajv compiles it, or the reason both readers would not read it alike. */
function compiledPattern(pattern: string): RegExp | string {
  if (/\(\?<|\\[kpP][<{]|\\u\{/.test(pattern)) return PATTERN_RULE;
  try {
    return new RegExp(pattern, "u");
  } catch (e) {
    return `${PATTERN_RULE} (${(e as Error).message})`;
  }
}

function patternProblem(pattern: string): string | undefined {
  const compiled = compiledPattern(pattern);
  return typeof compiled === "string" ? compiled : undefined;
}

/** What a value of a property must be, for its type and its string keywords; undefined when it is one. */
function valueProblem(value: unknown, property: Node): string | undefined {
  const { type, maxLength, minLength, pattern, format } = property;
  const ofType =
    type === "string"
      ? typeof value === "string"
      : type === "number"
        ? typeof value === "number" && Number.isFinite(value)
        : type === "integer"
          ? typeof value === "number" && Number.isSafeInteger(value)
          : type === "boolean"
            ? typeof value === "boolean"
            : true;
  if (!ofType) return `a value of type ${String(type)}`;
  if (typeof value !== "string") return undefined;
  // Lengths that are themselves refused are not applied (their own problem says so).
  if (isCount(maxLength) && characters(value) > maxLength) return `a string of at most maxLength (${maxLength}) characters`;
  if (isCount(minLength) && characters(value) < minLength) return `a string of at least minLength (${minLength}) characters`;
  const regex = typeof pattern === "string" ? compiledPattern(pattern) : undefined;
  if (regex instanceof RegExp && !regex.test(value)) return `a string matching the pattern ${String(pattern)}`;
  if (format === "date" && !isFullDate(value)) return "a date YYYY-MM-DD that exists";
  return undefined;
}

/** The kinds of node a record schema is made of, with the name messages give them. */
const KINDS = {
  record: "a record schema",
  property: "a property",
  reference: "a property given by reference",
  rule: "a rule (an item of allOf)",
  condition: "a rule's if",
  test: "a tested property of a rule's if",
  consequence: "a rule's then",
  narrowing: "a narrowed property of a rule's then",
  definition: "a value list ($defs)",
} as const;
type Kind = keyof typeof KINDS;

/**
 * The meta-schema: for each kind of node, every keyword it may have and what its value must be.
 * Anything else is refused, so the schema cannot outgrow its readers unnoticed.
 */
const META_SCHEMA: Readonly<Record<Kind, Readonly<Record<string, Check>>>> = {
  record: {
    ...ANNOTATIONS,
    $schema: (v) => when(v === JSON_SCHEMA_DIALECT, `"${JSON_SCHEMA_DIALECT}"`),
    $id: (v) => when(typeof v === "string" && /^https?:\/\/[^\s#]+\/[^/\s#]+\.json$/.test(v), "an absolute http(s) URI ending with the schema's file name"),
    type: (v) => when(v === "object", '"object"'),
    additionalProperties: (v) => when(v === false, "false: a record has exactly its properties (the generator and the columns know no others)"),
    required: (v) => when(Array.isArray(v) && v.every((n) => typeof n === "string") && distinct(v), "an array of distinct property names"),
    properties: (v) =>
      when(
        isObject(v) && Object.keys(v).length >= 1 && Object.keys(v).length <= MAX_SQL_COLUMNS,
        `an object of 1 to ${MAX_SQL_COLUMNS} properties (one column each)`,
      ),
    allOf: (v) => when(Array.isArray(v), "an array of rules, each an if/then"),
    $defs: (v) => when(isObject(v), "an object of value lists, each { description, enum }"),
  },
  property: {
    ...ANNOTATIONS,
    type: (v) => when(PROPERTY_TYPES.includes(v as never), `one of ${PROPERTY_TYPES.join(", ")}`),
    enum: (v) => when(Array.isArray(v) && v.length > 0 && distinct(v), "a non-empty array of distinct values"),
    maxLength: (v, node) =>
      node.format === "date"
        ? when(isCount(v) && v >= DATE_LENGTH, `an integer of at least ${DATE_LENGTH} with format date (a date has ${DATE_LENGTH} characters)`)
        : when(node.type === "string" && isCount(v) && v >= 1, "a positive integer (the column's VARCHAR length), on a string"),
    minLength: (v, node) =>
      node.format === "date"
        ? when(isCount(v) && v <= DATE_LENGTH, `an integer of at most ${DATE_LENGTH} with format date (a date has ${DATE_LENGTH} characters)`)
        : when(
            node.type === "string" && isCount(v) && (typeof node.maxLength !== "number" || v <= node.maxLength),
            "an integer from 0 to maxLength, on a string",
          ),
    pattern: (v, node) =>
      node.format === "date"
        ? "absent with format date (the format says what a date is)"
        : node.type === "string" && typeof v === "string"
          ? patternProblem(v)
          : `${PATTERN_RULE}, on a string`,
    format: (v, node) => when(v === "date" && node.type === "string", '"date" (YYYY-MM-DD), on a string: the only format the generator and the columns know'),
    [SQL_TYPE_KEYWORD]: (v, node) => (typeof v === "string" ? sqlTypeOverrideProblem(node, v) : "a SQL type name"),
  },
  reference: { ...ANNOTATIONS, $ref: (v) => when(typeof v === "string", "a reference to a property of the source schema") },
  rule: { description: text, $comment: text, if: () => undefined, then: () => undefined },
  condition: {
    properties: (v) => when(isObject(v) && Object.keys(v).length > 0, "an object of the tested properties, each { const }"),
    required: (v, node) =>
      when(
        Array.isArray(v) && isObject(node.properties) && sameJson([...(v as unknown[])].sort(), Object.keys(node.properties).sort()),
        "exactly the names of the tested properties (else a record without them matches the rule)",
      ),
  },
  test: { const: () => undefined },
  consequence: { properties: (v) => when(isObject(v) && Object.keys(v).length > 0, "an object of the narrowed properties, each { $ref } or { enum }") },
  narrowing: {
    $ref: (v) => when(typeof v === "string", "a reference to a value list in $defs"),
    enum: (v) => when(Array.isArray(v) && v.length > 0 && distinct(v), "a non-empty array of distinct values"),
  },
  definition: { ...ANNOTATIONS, enum: (v) => when(Array.isArray(v) && v.length > 0 && distinct(v), "a non-empty array of distinct values") },
};

/** Keywords a kind of node must have. */
const REQUIRED: Readonly<Partial<Record<Kind, readonly string[]>>> = {
  record: ["$schema", "$id", "type", "additionalProperties", "properties"],
  property: ["type"],
  reference: ["$ref"],
  rule: ["if", "then"],
  condition: ["properties", "required"],
  test: ["const"],
  consequence: ["properties"],
  definition: ["enum"],
};

/** Why a keyword people reach for is not in the meta-schema. */
const NOT_SUPPORTED: Readonly<Record<string, string>> = {
  minimum: "the generator's validator, generator/generator.py, does not know it",
  maximum: "the generator's validator, generator/generator.py, does not know it",
  const: "the generator cannot synthesize it: use a one-value enum",
  $ref: "in the source schema a property is written out: its column type and the generator read it directly",
  items: "a record's values are scalars: each property is one SQL column",
};

/** A rule as the satisfiability check reads it: where it is, what it tests, what it narrows to. */
interface Effective {
  readonly at: string;
  readonly tests: ReadonlyMap<string, unknown>;
  readonly narrows: Map<string, readonly unknown[]>;
}
/** Beyond this many combinations of tested values the check is skipped (the lab's schema has 8). */
const MAX_COMBINATIONS = 4096;

/** A schema file to check: its name in messages, and its parsed JSON. */
export interface SchemaFile {
  readonly file: string;
  readonly schema: unknown;
}

/** A reference's file part resolved against a schema's $id, as ajv resolves it; undefined when the $id is no URI. */
function resolvedUri(file: string, base: unknown): string | undefined {
  try {
    return typeof base === "string" ? new URL(file, base).href : undefined;
  } catch {
    return undefined;
  }
}

/** Escapes a name for a JSON pointer (RFC 6901). */
const pointerPart = (name: string | number) => String(name).replace(/~/g, "~0").replace(/\//g, "~1");
const shown = (v: unknown) => {
  const json = (JSON.stringify(v) as string | undefined) ?? String(v); // undefined for undefined, functions and symbols
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
};

class Checker {
  readonly problems: string[] = [];

  constructor(
    private readonly file: string,
    private readonly schema: Node,
    /** The source schema, for the destination's references into it (undefined: this is the source). */
    private readonly source?: { readonly file: string; readonly schema: Node },
  ) {}

  problem(pointer: string, message: string): void {
    this.problems.push(`${this.file}#${pointer}: ${message}`);
  }

  /** Checks a node's keywords against its kind; returns the node when it is an object to look into. */
  node(kind: Kind, value: unknown, pointer: string): Node | undefined {
    if (!isObject(value)) {
      this.problem(pointer, `${shown(value)} is not allowed: ${KINDS[kind]} must be a JSON object`);
      return undefined;
    }
    const rules = META_SCHEMA[kind];
    for (const [keyword, v] of Object.entries(value)) {
      const check = ownValue(rules, keyword);
      const at = `${pointer}/${pointerPart(keyword)}`;
      if (check === undefined) {
        const reason = ownValue(NOT_SUPPORTED, keyword);
        const why = reason !== undefined ? ` (${reason})` : "";
        this.problem(at, `keyword "${keyword}" is not supported in ${KINDS[kind]}${why}; it may have: ${Object.keys(rules).join(", ")}`);
        continue;
      }
      const allowed = check(v, value);
      if (allowed !== undefined) this.problem(at, `${shown(v)} is not allowed: ${keyword} must be ${allowed}`);
    }
    for (const keyword of REQUIRED[kind] ?? []) {
      if (!(keyword in value)) this.problem(pointer, `"${keyword}" is required in ${KINDS[kind]}`);
    }
    return value;
  }

  /** The node a `$ref` points to: `#/...` in this file, or `<source file>#/...` from the destination into the source. */
  resolve(ref: string): { node: unknown; inSource: boolean } | undefined {
    const hash = ref.indexOf("#");
    const [file, pointer] = hash === -1 ? [ref, ""] : [ref.slice(0, hash), ref.slice(hash + 1)];
    let target: unknown;
    let inSource = false;
    if (file === "") target = this.schema;
    else if (this.source !== undefined && resolvedUri(file, this.schema.$id) === this.source.schema.$id) {
      target = this.source.schema;
      inSource = true;
    } else return undefined;
    if (pointer !== "" && !pointer.startsWith("/")) return undefined;
    for (const part of pointer.split("/").slice(1)) {
      const name = part.replace(/~1/g, "/").replace(/~0/g, "~");
      if (!isObject(target) || !Object.prototype.hasOwnProperty.call(target, name)) return undefined;
      target = target[name];
    }
    return { node: target, inSource };
  }

  /** Checks the whole record schema: its keywords, each property, `required`, `$defs` and the rules. */
  record(): void {
    const root = this.node("record", this.schema, "");
    if (root === undefined || !isObject(root.properties)) return;
    const properties = new Map<string, Node>();
    const seen = new Map<string, string>();
    for (const [name, value] of Object.entries(root.properties)) {
      const at = `/properties/${pointerPart(name)}`;
      if (!SQL_COLUMN_NAME.test(name) || seen.has(name.toUpperCase())) {
        this.problem(
          at,
          `the name ${shown(name)} is not allowed: it must be ${SQL_COLUMN_NAME.words}${seen.has(name.toUpperCase()) ? ` (${seen.get(name.toUpperCase())!} is the same column)` : ""}`,
        );
      }
      seen.set(name.toUpperCase(), name);
      const property = this.property(value, at);
      if (property !== undefined) properties.set(name, property);
    }
    if (Array.isArray(root.required)) {
      root.required.forEach((name, i) => {
        if (typeof name === "string" && !Object.prototype.hasOwnProperty.call(root.properties, name)) {
          this.problem(
            `/required/${i}`,
            `${shown(name)} is not allowed: required must name properties of the record (${Object.keys(root.properties as Node).join(", ")})`,
          );
        }
      });
    }
    if (isObject(root.$defs)) {
      for (const [name, value] of Object.entries(root.$defs)) this.node("definition", value, `/$defs/${pointerPart(name)}`);
    }
    if (Array.isArray(root.allOf)) this.rules(root.allOf, properties);
  }

  /** One property: written out (checked with its values), or in the destination a reference to a source property. */
  property(value: unknown, at: string): Node | undefined {
    if (this.source !== undefined && isObject(value) && "$ref" in value) {
      const reference = this.node("reference", value, at);
      if (reference === undefined || typeof reference.$ref !== "string") return undefined;
      const target = this.resolve(reference.$ref);
      if (
        target === undefined ||
        !target.inSource ||
        !/^\/properties\/[^/]+$/.test(reference.$ref.slice(reference.$ref.indexOf("#") + 1)) ||
        !isObject(target.node)
      ) {
        this.problem(
          `${at}/$ref`,
          `${shown(reference.$ref)} is not allowed: $ref must point to a property of ${this.source.file} (<its file name>#/properties/<name>)`,
        );
        return undefined;
      }
      return target.node; // checked with the source schema
    }
    const property = this.node("property", value, at);
    if (property === undefined) return undefined;
    if (property.type === "string" && property.format !== "date" && property.maxLength === undefined) {
      this.problem(at, `a string property needs "maxLength" (the size of its VARCHAR column) unless it is format: date`);
    }
    if (Array.isArray(property.enum)) {
      property.enum.forEach((v, i) => {
        const allowed = valueProblem(v, property);
        if (allowed !== undefined)
          this.problem(`${at}/enum/${i}`, `${shown(v)} is not allowed: a value of this enum must be ${allowed} (the property's own rules)`);
      });
    }
    return property;
  }

  /** The allOf rules: if some properties have these values, then another's values narrow to a list. */
  rules(rules: readonly unknown[], properties: ReadonlyMap<string, Node>): void {
    const tested = new Set<string>();
    const effective: Effective[] = [];
    const parsed = rules.map((value, i) => {
      const at = `/allOf/${i}`;
      const rule = this.node("rule", value, at);
      const condition = rule && "if" in rule ? this.node("condition", rule.if, `${at}/if`) : undefined;
      if (condition && isObject(condition.properties)) {
        for (const [name, test] of Object.entries(condition.properties)) {
          tested.add(name);
          const testAt = `${at}/if/properties/${pointerPart(name)}`;
          const property = properties.get(name);
          const node = this.node("test", test, testAt);
          if (property === undefined) this.problem(testAt, `${shown(name)} is not allowed: a rule may test only properties of the record`);
          else if (node && "const" in node) this.constant(node.const, property, `${testAt}/const`);
        }
      }
      const tests = new Map<string, unknown>();
      if (condition && isObject(condition.properties)) {
        for (const [name, test] of Object.entries(condition.properties)) if (isObject(test)) tests.set(name, test.const);
      }
      return { rule, at, tests };
    });
    for (const { rule, at, tests } of parsed) {
      const consequence = rule && "then" in rule ? this.node("consequence", rule.then, `${at}/then`) : undefined;
      if (!consequence || !isObject(consequence.properties)) continue;
      const narrows = new Map<string, readonly unknown[]>();
      effective.push({ at, tests, narrows });
      for (const [name, value] of Object.entries(consequence.properties)) {
        const narrowAt = `${at}/then/properties/${pointerPart(name)}`;
        const property = properties.get(name);
        const narrowing = this.node("narrowing", value, narrowAt);
        if (property === undefined || !Array.isArray(property.enum)) {
          this.problem(narrowAt, `${shown(name)} is not allowed: a rule may narrow only a property of the record that has an enum`);
        } else if (tested.has(name)) {
          this.problem(
            narrowAt,
            `${shown(name)} is not allowed: a rule may not narrow a property that a rule tests (the generator chooses tested values first)`,
          );
        } else if (narrowing) {
          const list = this.narrowing(narrowing, property.enum, narrowAt);
          if (list !== undefined) narrows.set(name, list);
        }
      }
    }
    if (this.problems.length === 0) this.satisfiable(effective, properties);
  }

  /**
   * Whatever values the tested properties take, every narrowed property keeps at least one value:
   * two rules that both apply and list nothing in common would leave the generator nothing to
   * send. Tries each combination of the tested values the rules name (and one value they do not).
   */
  satisfiable(rules: readonly Effective[], properties: ReadonlyMap<string, Node>): void {
    const other = Symbol("a value no rule names");
    const tested = [...new Set(rules.flatMap((r) => [...r.tests.keys()]))];
    const candidates = tested.map((name) => {
      const named = rules.flatMap((r) => (r.tests.has(name) ? [r.tests.get(name)] : []));
      const values = properties.get(name)?.enum;
      const unnamed = !Array.isArray(values) || values.some((v) => !named.some((n) => sameJson(n, v)));
      return [...named.filter((v, i) => named.findIndex((w) => sameJson(v, w)) === i), ...(unnamed ? [other] : [])];
    });
    if (candidates.reduce((n, c) => n * c.length, 1) > MAX_COMBINATIONS) return;
    const reported = new Set<string>();
    const visit = (i: number, chosen: unknown[]): void => {
      if (i < tested.length) {
        for (const value of candidates[i]) visit(i + 1, [...chosen, value]);
        return;
      }
      const applying = rules.filter((r) =>
        [...r.tests].every(([name, value]) => chosen[tested.indexOf(name)] !== other && sameJson(chosen[tested.indexOf(name)], value)),
      );
      for (const name of new Set(applying.flatMap((r) => [...r.narrows.keys()]))) {
        const lists = applying.filter((r) => r.narrows.has(name));
        const left = (properties.get(name)?.enum as unknown[]).filter((v) => lists.every((r) => r.narrows.get(name)!.some((w) => sameJson(v, w))));
        if (left.length === 0 && !reported.has(name)) {
          reported.add(name);
          const when = tested.map((t, j) => `${t} = ${chosen[j] === other ? "(another value)" : shown(chosen[j])}`).join(", ");
          this.problem(
            `${lists[0].at}/then/properties/${pointerPart(name)}`,
            `no value of ${shown(name)} is left when ${when}: the rules ${lists.map((r) => r.at).join(", ")} all apply and list no value in common`,
          );
        }
      }
    };
    visit(0, []);
  }

  /** A tested value must be one the property can have, else the rule never applies. */
  constant(value: unknown, property: Node, at: string): void {
    const values = property.enum;
    const allowed = Array.isArray(values)
      ? values.some((v) => sameJson(v, value))
        ? undefined
        : `one of the property's enum values`
      : valueProblem(value, property);
    if (allowed !== undefined) this.problem(at, `${shown(value)} is not allowed: const must be ${allowed} (else the rule never applies)`);
  }

  /** A narrowing lists (or refers to a $defs list of) values, all of them values of the property; returns the list. */
  narrowing(narrowing: Node, values: readonly unknown[], at: string): readonly unknown[] | undefined {
    const forms = ["$ref", "enum"].filter((k) => k in narrowing);
    if (forms.length !== 1) {
      this.problem(at, "a narrowed property must have exactly one of $ref (to a value list in $defs) or enum");
      return undefined;
    }
    let list: unknown = narrowing.enum;
    let listAt = `${at}/enum`;
    if (typeof narrowing.$ref === "string") {
      const target = this.resolve(narrowing.$ref);
      const pointer = narrowing.$ref.slice(narrowing.$ref.indexOf("#") + 1);
      if (target === undefined || !/^\/\$defs\/[^/]+$/.test(pointer) || !isObject(target.node)) {
        this.problem(
          `${at}/$ref`,
          `${shown(narrowing.$ref)} is not allowed: $ref must point to a value list: #/$defs/<name>${this.source ? ` here or in ${this.source.file}` : ""}`,
        );
        return undefined;
      }
      list = target.node.enum;
      listAt = `${at}/$ref`;
    }
    if (!Array.isArray(list)) return undefined; // refused where it is defined
    const listed = list as unknown[];
    const foreign = listed.filter((v) => !values.some((w) => sameJson(v, w)));
    if (foreign.length > 0)
      this.problem(listAt, `${foreign.map(shown).join(", ")} is not allowed: a narrowed list may hold only values of the property's enum`);
    return listed;
  }
}

/**
 * Every problem of the source schema and (when given) the destination schema against the
 * meta-schema, one line each: `<file>#<JSON pointer>: <value> is not allowed: <what is>`.
 */
export function recordSchemaProblems(source: SchemaFile, destination?: SchemaFile): string[] {
  const notObject = ({ file, schema }: SchemaFile) => `${file}#: ${shown(schema)} is not allowed: ${KINDS.record} must be a JSON object`;
  if (!isObject(source.schema)) return [notObject(source)];
  const sourceChecker = new Checker(source.file, source.schema);
  sourceChecker.record();
  const problems = [...sourceChecker.problems];
  if (destination !== undefined) {
    if (!isObject(destination.schema)) return [...problems, notObject(destination)];
    const checker = new Checker(destination.file, destination.schema, { file: source.file, schema: source.schema });
    checker.record();
    if (destination.schema.$id === source.schema.$id) checker.problem("/$id", `the $id must differ from ${source.file}'s`);
    problems.push(...checker.problems);
  }
  return problems;
}

/** Throws a RecordSchemaError listing every problem, if there is any. */
export function requireSupportedSchemas(source: SchemaFile, destination?: SchemaFile): void {
  const problems = recordSchemaProblems(source, destination);
  if (problems.length > 0) throw new RecordSchemaError(problems);
}
