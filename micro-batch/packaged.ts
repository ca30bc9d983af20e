/** What the deployment package carries besides code, shared by the handler and the package builder (no heavy imports: synth loads this). */
import type { AnalyticsStreams } from "../dialect/compiler";

/** The analytics as packaged: the SQL and the streams it reads and fills. */
export interface PackagedAnalytics {
  /** The SQL file's text, exactly. */
  readonly sql: string;
  /** The SQL file's name, for messages. */
  readonly sqlFile: string;
  readonly streams: AnalyticsStreams;
}

/** File name of the PackagedAnalytics JSON in the deployment package. */
export const PACKAGED_ANALYTICS_FILE = "analytics.json";
/** Environment variable naming the destination delivery stream. */
export const DESTINATION_STREAM_ENV = "DESTINATION_STREAM_NAME";
/** Environment variable with the most bytes of rows packed into one Firehose record (0: one row each). */
export const PACK_BYTES_ENV = "PACK_BYTES";
