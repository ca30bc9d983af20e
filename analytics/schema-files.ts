/**
 * The record schemas' files, as messages name them (schemas/loss-event.ts imports them): a
 * command that cannot load a schema says which file to fix without loading it.
 */
export const SOURCE_SCHEMA_FILE = "schemas/loss-event.schema.json";
export const DESTINATION_SCHEMA_FILE = "schemas/loss-event.destination.schema.json";
