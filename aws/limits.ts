/**
 * Service limits and name rules the constructs and the settings both check, so a bad value is
 * refused at synth with the same rule AWS would apply at deploy time.
 */

/** Firehose: buffer size 1-128 MiB, buffer interval 0-900 s. */
export const FIREHOSE_BUFFER_SIZE_MIB = { min: 1, max: 128 } as const;
export const FIREHOSE_BUFFER_INTERVAL_SECONDS = { min: 0, max: 900 } as const;
/** Firehose delivery stream names: 1-64 characters of [a-zA-Z0-9_.-]. */
export const FIREHOSE_STREAM_NAME = /^[a-zA-Z0-9_.-]{1,64}$/;
export const FIREHOSE_STREAM_NAME_RULE = "1-64 characters of a-z, A-Z, 0-9, '_', '.', '-'";
/** Firehose: one record's data is at most 1,000 KiB (PutRecord, PutRecordBatch). */
export const FIREHOSE_MAX_RECORD_BYTES = 1_000 * 1024;
/**
 * Firehose bills ingestion per record rounded up to the next 5 KB: records packed up to 5,000
 * bytes (one unit, whichever way KB is read) cost one unit instead of one each.
 */
export const FIREHOSE_PACK_BYTES_DEFAULT = 5_000;
/** A pack size: 0 (one record per Firehose record) up to one Firehose record's limit. */
export const FIREHOSE_PACK_BYTES = { min: 0, max: FIREHOSE_MAX_RECORD_BYTES } as const;
export const FIREHOSE_PACK_BYTES_RULE = `an integer from 0 to ${FIREHOSE_MAX_RECORD_BYTES} (Firehose's record limit)`;
/** PutRecordBatch: at most 500 records and 4 MiB a call. */
export const FIREHOSE_BATCH_MAX_RECORDS = 500;
export const FIREHOSE_BATCH_MAX_BYTES = 4 * 1024 * 1024;
/**
 * Firehose Direct PUT: what one stream takes a second (PutRecord and PutRecordBatch together;
 * Developer Guide, "Amazon Data Firehose Quota"), the smaller figures, which hold in every region:
 * 1 MiB/s (5 MiB/s in us-east-1, us-west-2 and eu-west-1) and 1,000 records/s (the guide's figure
 * for most regions; those three now take 500,000).
 */
export const FIREHOSE_DIRECT_PUT_PER_SECOND = { bytes: 1024 * 1024, records: 1_000 } as const;
/** Firehose S3 compression formats. */
export const COMPRESSION_FORMATS = ["UNCOMPRESSED", "GZIP", "ZIP", "Snappy", "HADOOP_SNAPPY"] as const;
export type CompressionFormat = (typeof COMPRESSION_FORMATS)[number];

/** Kinesis Data Analytics application names: 1-128 characters of [a-zA-Z0-9_.-]. */
export const ANALYTICS_APPLICATION_NAME = /^[a-zA-Z0-9_.-]{1,128}$/;
export const ANALYTICS_APPLICATION_NAME_RULE = "1-128 characters of a-z, A-Z, 0-9, '_', '.', '-'";
/** Kinesis Data Analytics application code: at most 100 KiB (102,400 bytes). */
export const ANALYTICS_CODE_MAX_BYTES = 102_400;

/** CloudWatch Logs accepts only these retention periods (days). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;

/**
 * S3 key prefixes as this project uses them: a folder, ending with '/', and LITERAL: only S3's
 * safe characters (AWS, "Object key naming guidelines") without `*`, which IAM would read as a
 * wildcard in the policies built from the prefix (`?` and `${...}` are outside the set too); no
 * empty, `.` or `..` folder, which consoles and SDKs treat as paths.
 */
/** At most 512 characters: S3 keys are at most 1,024 bytes, and Firehose adds a date path and an object name. */
export const S3_PREFIX_MAX_LENGTH = 512;
export const S3_PREFIX = new RegExp(`^(?=.{2,${S3_PREFIX_MAX_LENGTH}}$)(?!/)(?!.*//)(?!(?:.*/)?\\.\\.?/)[a-zA-Z0-9!_.'()\\-/]+/$`);
export const S3_PREFIX_RULE =
  "an S3 key prefix ending with '/', literal (no IAM wildcard * or ?, no ${...}), not starting with '/', " +
  `of at most ${S3_PREFIX_MAX_LENGTH} letters, digits and !_.'()-/, without '//' or a '.' or '..' folder`;

/** Starts and ends of bucket names S3 reserves for its own names (AWS, "General purpose bucket naming rules"). */
export const S3_RESERVED_BUCKET_PREFIXES = ["xn--", "sthree-", "amzn-s3-demo-"] as const;
export const S3_RESERVED_BUCKET_SUFFIXES = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"] as const;

/** S3 bucket names (general purpose): 3-63 characters of a-z, 0-9, '.', '-', not shaped like an IP address, no reserved start or end. */
export function isS3BucketName(name: string): boolean {
  return (
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) &&
    !name.includes("..") &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(name) &&
    !S3_RESERVED_BUCKET_PREFIXES.some((p) => name.startsWith(p)) &&
    !S3_RESERVED_BUCKET_SUFFIXES.some((p) => name.endsWith(p))
  );
}
export const S3_BUCKET_NAME_RULE =
  "an S3 bucket name: 3-63 characters of a-z, 0-9, '.', '-', starting and ending with a letter or digit, " +
  `not starting with ${S3_RESERVED_BUCKET_PREFIXES.join(", ")} nor ending with ${S3_RESERVED_BUCKET_SUFFIXES.join(", ")} (reserved by S3)`;
/** A bucket name prefix Terraform completes with 26 characters (`bucket_prefix`): at most 37, by the same rules. */
export const S3_BUCKET_NAME_PREFIX_MAX = 37;

/**
 * Terraform's S3 backend refuses keys that start or end with '/' or contain '//'; S3 keys are at
 * most 1024 bytes, and control characters (ASCII 0-31, 127) in them need special handling (AWS).
 */
export function isS3StateKey(key: string): boolean {
  return key.length > 0 && Buffer.byteLength(key) <= 1024 && !key.startsWith("/") && !key.endsWith("/") && !key.includes("//") && !/[\u0000-\u001f\u007f]/.test(key);
}
export const S3_STATE_KEY_RULE = "an S3 object key of at most 1024 bytes, not starting or ending with '/', without '//' or control characters";

/** EC2 user data: at most 16 KB after base64 decoding. */
export const EC2_USER_DATA_MAX_BYTES = 16_384;

/** Throws an error naming the property, the value and what is allowed. */
export function requireValid(construct: string, prop: string, value: unknown, ok: boolean, allowed: string): void {
  if (!ok) {
    throw new Error(`${construct}: ${prop} = ${JSON.stringify(value)} is not allowed; it must be ${allowed}`);
  }
}

/** Throws, naming the construct and prop, unless `days` is one of CloudWatch's retention periods. */
export function requireLogRetention(construct: string, prop: string, days: number): void {
  requireValid(construct, prop, days, (LOG_RETENTION_DAYS as readonly number[]).includes(days), `one of ${LOG_RETENTION_DAYS.join(", ")}`);
}

export function isIntegerIn(value: number, range: { min: number; max: number }): boolean {
  return Number.isInteger(value) && value >= range.min && value <= range.max;
}

/**
 * S3 object keys this project names in IAM resources: S3's safe characters without IAM wildcards
 * (`*`, `?`) or policy variables (`${...}`), so an ARN built from one grants exactly one object;
 * no empty, `.` or `..` folder.
 */
export const S3_OBJECT_KEY = /^(?!\/)(?!.*\/\/)(?!(?:.*\/)?\.\.?(?:\/|$))[a-zA-Z0-9!_.'()\-/]{1,1024}(?<!\/)$/;
export const S3_OBJECT_KEY_RULE =
  "an S3 object key of letters, digits and !_.'()-/, not starting or ending with '/', without '//' or a '.' or '..' folder (no IAM wildcards)";

/** Lambda function names: 1-64 characters of [a-zA-Z0-9_-]; descriptions at most 256 characters. */
export const LAMBDA_FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
export const LAMBDA_FUNCTION_NAME_RULE = "1-64 characters of a-z, A-Z, 0-9, '_', '-'";
export const LAMBDA_DESCRIPTION_MAX_LENGTH = 256;
/** Lambda timeout (seconds), memory (MiB), and the retries and event age of asynchronous invocations. */
export const LAMBDA_TIMEOUT_SECONDS = { min: 1, max: 900 } as const;
export const LAMBDA_MEMORY_MIB = { min: 128, max: 10_240 } as const;
export const LAMBDA_RESERVED_CONCURRENCY = { min: 1, max: 1000 } as const;
export const LAMBDA_ASYNC_RETRY_ATTEMPTS = { min: 0, max: 2 } as const;
export const LAMBDA_ASYNC_EVENT_AGE_SECONDS = { min: 60, max: 21_600 } as const;
/** SQS: messages are kept 60 s to 14 days. */
export const SQS_MESSAGE_RETENTION_SECONDS = { min: 60, max: 1_209_600 } as const;
