/**
 * The lab's analytics as both engines run it: its SQL file, the in-application input stream
 * (typed by the source schema) and the output stream whose rows go to the destination.
 */
import { join } from "node:path";
import type { RecordColumn } from "../constructs/sql-analytics-application";
import { SOURCE_SCHEMA } from "../schemas/loss-event";
import { recordColumnsFromSchema } from "../schemas/sql-columns";
import type { AnalyticsStreams } from "../dialect/compiler";

export const LAB_SQL_FILE = join(__dirname, "..", "sql", "stream-application.sql");

/** The input columns come from the record's JSON Schema, the one definition of its format. */
export const LAB_INPUT_COLUMNS: readonly RecordColumn[] = recordColumnsFromSchema(SOURCE_SCHEMA);

/** Name prefix of the input stream; the service appends `_001`. */
export const LAB_INPUT_NAME_PREFIX = "SOURCE_SQL_STREAM";
export const LAB_OUTPUT_STREAM = "DESTINATION_SQL_BASIC_STREAM";

export const LAB_STREAMS: AnalyticsStreams = {
  input: { name: `${LAB_INPUT_NAME_PREFIX}_001`, columns: LAB_INPUT_COLUMNS.map(({ name, sqlType }) => ({ name, sqlType })) },
  outputStream: LAB_OUTPUT_STREAM,
};
