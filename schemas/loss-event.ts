/**
 * The loss-event schemas as data: the source record (what the generator sends) and the
 * destination record (what the analytics output writes), each checked against the project's
 * meta-schema (./meta-schema.ts) as it is loaded: an unsupported schema stops whatever loads it
 * (synth first) with a RecordSchemaError naming the file and the JSON pointer. Validators are in
 * ./validate.ts, kept apart so that synth, which only reads the schema, never loads ajv.
 */
import destinationSchema from "./loss-event.destination.schema.json";
import type { LossEventSchema } from "./loss-event-schema";
import { requireSupportedSchemas } from "./meta-schema";
import sourceSchema from "./loss-event.schema.json";

/** The schema files as messages name them (relative to the project folder). */
export const SOURCE_SCHEMA_FILE = "schemas/loss-event.schema.json";
export const DESTINATION_SCHEMA_FILE = "schemas/loss-event.destination.schema.json";

requireSupportedSchemas({ file: SOURCE_SCHEMA_FILE, schema: sourceSchema }, { file: DESTINATION_SCHEMA_FILE, schema: destinationSchema });

export const SOURCE_SCHEMA = sourceSchema as unknown as LossEventSchema;
export const DESTINATION_SCHEMA = destinationSchema as unknown as LossEventSchema;
