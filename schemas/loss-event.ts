/**
 * The loss-event schemas as data: the source record (what the generator sends) and the
 * destination record (what the analytics output writes). Validators are in ./validate.ts, kept
 * apart so that synth, which only reads the schema, never loads ajv.
 */
import destinationSchema from "./loss-event.destination.schema.json";
import sourceSchema from "./loss-event.schema.json";

/** Per-property override of the derived SQL type, for types the mapping cannot express. */
export const SQL_TYPE_KEYWORD = "x-sql-type";

export interface LossEventSchema {
  readonly $id: string;
  readonly required: readonly string[];
  readonly properties: Record<string, Record<string, unknown>>;
}

export const SOURCE_SCHEMA = sourceSchema as unknown as LossEventSchema;
export const DESTINATION_SCHEMA = destinationSchema as unknown as LossEventSchema;
