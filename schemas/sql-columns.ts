/**
 * The analytics input columns, derived from the source schema: each property becomes a column of
 * the same name, mapped from `$.<property>`, with a SQL type computed from its JSON Schema type.
 * The one definition of that mapping: the meta-schema (./meta-schema.ts) checks against it.
 */
import type { RecordColumn } from "../aws/record-column";
import { matching } from "../input/allowed";
import type { LossEventSchema } from "./loss-event-schema";

/** Per-property override of the derived SQL type (it may only widen a VARCHAR; see sqlTypeOverrides). */
export const SQL_TYPE_KEYWORD = "x-sql-type";

/** Column names both engines accept: compared case-insensitively, at most 1000 columns (Kinesis Data Analytics). */
export const SQL_COLUMN_NAME = matching(
  /^[A-Za-z_][A-Za-z0-9_]*$/,
  "a column name of letters, digits and '_', not starting with a digit, unique ignoring case",
);
export const MAX_SQL_COLUMNS = 1000;

/** The one SQL type of each non-string JSON type. */
const SQL_TYPE_OF_JSON_TYPE = new Map<unknown, string>([
  ["number", "DOUBLE"],
  ["integer", "BIGINT"],
  ["boolean", "BOOLEAN"],
]);

/**
 * The SQL type a property's own keywords give it: format date → DATE; a string with maxLength n
 * → VARCHAR(n); number → DOUBLE; integer → BIGINT (without bounds a value may need 64 bits);
 * boolean → BOOLEAN. Undefined when the keywords give none.
 */
export function derivedSqlType(property: Record<string, unknown>): string | undefined {
  const { type, format, maxLength } = property;
  if (type === "string" && format === "date") return "DATE";
  if (type === "string" && typeof maxLength === "number") return `VARCHAR(${maxLength})`;
  return SQL_TYPE_OF_JSON_TYPE.get(type);
}

/**
 * What `x-sql-type` may say for a property: a type that holds every value the property allows,
 * exactly, and that both engines read from JSON. So DATE for a date, VARCHAR(n) with n at least
 * maxLength for other strings, DOUBLE for numbers (REAL would round them), BIGINT for integers
 * (INTEGER and smaller could overflow), BOOLEAN; not TIME, TIMESTAMP, DECIMAL or CHAR, which the
 * micro-batch engine does not read from JSON or reads differently from the SQL application.
 * Returns the rule, or undefined when `sqlType` fits.
 */
export function sqlTypeOverrideProblem(property: Record<string, unknown>, sqlType: string): string | undefined {
  const { type, format, maxLength } = property;
  if (type === "string" && format === "date") return sqlType === "DATE" ? undefined : "DATE, for a string of format date";
  if (type === "string") {
    const size = /^VARCHAR\(([1-9]\d*)\)$/.exec(sqlType);
    if (typeof maxLength !== "number") return "VARCHAR(n) with n at least the property's maxLength, which it must then have (no VARCHAR holds every string)";
    return size && Number(size[1]) >= maxLength ? undefined : `VARCHAR(n) with n at least the property's maxLength (${maxLength}), for a string`;
  }
  const only = SQL_TYPE_OF_JSON_TYPE.get(type);
  return sqlType === only ? undefined : `${only ?? "a SQL type"}, for type ${String(type)} (the only type that holds every such value exactly)`;
}

/**
 * The SQL type of one property: `x-sql-type` when given, else derivedSqlType. Throws, naming the
 * property, when there is none (the meta-schema refuses such a schema first, naming its file).
 */
export function sqlTypeOf(name: string, property: Record<string, unknown>): string {
  const override = property[SQL_TYPE_KEYWORD];
  if (typeof override === "string") return override;
  const derived = derivedSqlType(property);
  if (derived !== undefined) return derived;
  throw new Error(
    `schema property "${name}" (${JSON.stringify(property)}) has no SQL column type: give it type string with a maxLength ` +
      `or format: date, or type number, integer or boolean ("${SQL_TYPE_KEYWORD}" may then widen a VARCHAR)`,
  );
}

/** One column per property, in the schema's property order. */
export function recordColumnsFromSchema(schema: LossEventSchema): RecordColumn[] {
  return Object.entries(schema.properties).map(([name, property]) => ({
    name,
    sqlType: sqlTypeOf(name, property),
    mapping: `$.${name}`,
  }));
}
