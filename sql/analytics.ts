/**
 * The lab's analytics, defined once and passed whole to either engine's construct: the SQL file
 * (read once, when first needed), the in-application input stream it reads (its name and its
 * columns, typed by the source schema) and the output stream whose rows go to the destination.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { RecordColumn } from "../aws/record-column";
import type { AnalyticsStreams } from "../dialect/compiler";
import { SOURCE_SCHEMA } from "../schemas/loss-event";
import { recordColumnsFromSchema } from "../schemas/sql-columns";

/** What an analytics definition is made from. */
export interface AnalyticsSpec {
  /** Path of the file holding the SQL. */
  readonly sqlFile: string;
  readonly input: {
    /**
     * Name prefix of the in-application input stream; the service appends `_001`.
     * @default "SOURCE_SQL_STREAM"
     */
    readonly namePrefix?: string;
    /** Columns of the JSON records (row path `$`). */
    readonly columns: readonly RecordColumn[];
  };
  /** The in-application stream (created by the SQL) whose rows are sent to the destination. */
  readonly outputStream: string;
}

/** The analytics both engines run, with every name derived once. */
export interface AnalyticsDefinition {
  /** Path of the SQL file. */
  readonly sqlFile: string;
  readonly input: {
    readonly namePrefix: string;
    /** The stream's name as the SQL reads it: the prefix plus `_001`, as the service names it. */
    readonly name: string;
    readonly columns: readonly RecordColumn[];
  };
  readonly outputStream: string;
  /** The streams as the SQL dialect checks them. */
  readonly streams: AnalyticsStreams;
  /**
   * The SQL file's text, read on the first call and kept. `user` names who needs it, for the
   * one line that says the file cannot be read.
   */
  sqlFor(user: string): string;
}

const DEFAULT_INPUT_NAME_PREFIX = "SOURCE_SQL_STREAM";

/** Derives the stream names once and reads the SQL file when it is first needed. */
export function defineAnalytics(spec: AnalyticsSpec): AnalyticsDefinition {
  const namePrefix = spec.input.namePrefix ?? DEFAULT_INPUT_NAME_PREFIX;
  const input = { namePrefix, name: `${namePrefix}_001`, columns: spec.input.columns };
  let sql: string | undefined;
  return {
    sqlFile: spec.sqlFile,
    input,
    outputStream: spec.outputStream,
    streams: { input: { name: input.name, columns: input.columns.map(({ name, sqlType }) => ({ name, sqlType })) }, outputStream: spec.outputStream },
    sqlFor(user) {
      if (sql === undefined) {
        try {
          sql = readFileSync(spec.sqlFile, "utf8");
        } catch (e) {
          throw new Error(`${user}: analytics.sqlFile = ${JSON.stringify(spec.sqlFile)} cannot be read (${(e as Error).message})`);
        }
      }
      return sql;
    },
  };
}

/** What the lab's analytics is made from: sql/stream-application.sql over the source schema's columns. */
export const LAB_ANALYTICS_SPEC: AnalyticsSpec = {
  sqlFile: join(__dirname, "stream-application.sql"),
  input: { namePrefix: DEFAULT_INPUT_NAME_PREFIX, columns: recordColumnsFromSchema(SOURCE_SCHEMA) },
  outputStream: "DESTINATION_SQL_BASIC_STREAM",
};

/** The lab's analytics, as both engines run it. */
export const LAB_ANALYTICS: AnalyticsDefinition = defineAnalytics(LAB_ANALYTICS_SPEC);
