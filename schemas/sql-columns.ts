/**
 * The analytics input columns, derived from the source schema: each property becomes a column of
 * the same name, mapped from `$.<property>`, with a SQL type computed from its JSON Schema type.
 */
import type { RecordColumn } from "../constructs/sql-analytics-application";
import { LossEventSchema, SQL_TYPE_KEYWORD } from "./loss-event";

const INT32 = { min: -(2 ** 31), max: 2 ** 31 - 1 };

/**
 * The SQL type of one property: `x-sql-type` when given; string with maxLength n → VARCHAR(n);
 * `format: date` → DATE; number → DOUBLE; integer → INTEGER when its minimum and maximum fit 32
 * bits, else BIGINT; boolean → BOOLEAN. Throws, naming the property, for anything else.
 */
export function sqlTypeOf(name: string, property: Record<string, unknown>): string {
  const override = property[SQL_TYPE_KEYWORD];
  if (typeof override === "string") return override;
  const { type, format, maxLength, minimum, maximum } = property;
  if (type === "string" && format === "date") return "DATE";
  if (type === "string" && typeof maxLength === "number") return `VARCHAR(${maxLength})`;
  if (type === "number") return "DOUBLE";
  if (type === "integer") {
    const fits = typeof minimum === "number" && typeof maximum === "number" && minimum >= INT32.min && maximum <= INT32.max;
    return fits ? "INTEGER" : "BIGINT";
  }
  if (type === "boolean") return "BOOLEAN";
  throw new Error(
    `schema property "${name}" (${JSON.stringify(property)}) has no SQL column type: give it a string maxLength, ` +
      `format: date, type number/integer/boolean, or an explicit "${SQL_TYPE_KEYWORD}"`,
  );
}

/** One column per required property, in the schema's property order. */
export function recordColumnsFromSchema(schema: LossEventSchema): RecordColumn[] {
  return Object.entries(schema.properties).map(([name, property]) => ({
    name,
    sqlType: sqlTypeOf(name, property),
    mapping: `$.${name}`,
  }));
}
