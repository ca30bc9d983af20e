/**
 * Service limits and name rules the constructs and the settings both check, so a bad value is
 * refused at synth with the same rule AWS would apply at deploy time. Each is one Allowed
 * (input/allowed.ts): the check and the words for what it allows.
 */
import { integerIn, matching, oneOf, satisfying } from "../input/allowed";

/** Firehose buffer size: 1-128 MiB. */
export const FIREHOSE_BUFFER_SIZE_MIB = integerIn({ min: 1, max: 128 });
/** Firehose buffer interval: 0-900 s. */
export const FIREHOSE_BUFFER_INTERVAL_SECONDS = integerIn({ min: 0, max: 900 });
/** Firehose delivery stream names: 1-64 characters of [a-zA-Z0-9_.-]. */
export const FIREHOSE_STREAM_NAME = matching(/^[a-zA-Z0-9_.-]{1,64}$/, "1-64 characters of a-z, A-Z, 0-9, '_', '.', '-'");
/** Firehose: one record's data is at most 1,000 KiB (PutRecord, PutRecordBatch). */
export const FIREHOSE_MAX_RECORD_BYTES = 1_000 * 1024;
/** A pack size: 0 (one record per Firehose record) up to one Firehose record's limit. */
export const FIREHOSE_PACK_BYTES = integerIn({ min: 0, max: FIREHOSE_MAX_RECORD_BYTES }, "(Firehose's record limit)");
/** PutRecordBatch: at most 500 records a call... */
export const FIREHOSE_BATCH_MAX_RECORDS = 500;
/** ...and at most 4 MiB a call. */
export const FIREHOSE_BATCH_MAX_BYTES = 4 * 1024 * 1024;
/**
 * Firehose Direct PUT: what one stream takes a second (PutRecord and PutRecordBatch together;
 * Developer Guide, "Amazon Data Firehose Quota"), the smaller figures, which hold in every region:
 * 1 MiB/s (5 MiB/s in us-east-1, us-west-2 and eu-west-1) and 1,000 records/s (the guide's figure
 * for most regions; those three now take 500,000).
 */
export const FIREHOSE_DIRECT_PUT_PER_SECOND = { bytes: 1024 * 1024, records: 1_000 } as const;
/** Firehose S3 compression formats. */
export const COMPRESSION_FORMATS = oneOf(["UNCOMPRESSED", "GZIP", "ZIP", "Snappy", "HADOOP_SNAPPY"] as const);
/** One of Firehose's S3 compression formats. */
export type CompressionFormat = (typeof COMPRESSION_FORMATS.values)[number];

/** Kinesis Data Analytics application names: 1-128 characters of [a-zA-Z0-9_.-]. */
export const ANALYTICS_APPLICATION_NAME = matching(/^[a-zA-Z0-9_.-]{1,128}$/, "1-128 characters of a-z, A-Z, 0-9, '_', '.', '-'");
/** Kinesis Data Analytics application code: at most 100 KiB (102,400 bytes). */
export const ANALYTICS_CODE_MAX_BYTES = 102_400;

/** CloudWatch Logs accepts only these retention periods (days). */
export const LOG_RETENTION_DAYS = oneOf<number>([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]);

/** At most 512 characters: S3 keys are at most 1,024 bytes, and Firehose adds a date path and an object name. */
export const S3_PREFIX_MAX_LENGTH = 512;
/**
 * S3 key prefixes as this project uses them: a folder, ending with '/', and LITERAL: only S3's
 * safe characters (AWS, "Object key naming guidelines") without `*`, which IAM would read as a
 * wildcard in the policies built from the prefix (`?` and `${...}` are outside the set too); no
 * empty, `.` or `..` folder, which consoles and SDKs treat as paths.
 */
export const S3_PREFIX = matching(
  new RegExp(`^(?=.{2,${S3_PREFIX_MAX_LENGTH}}$)(?!/)(?!.*//)(?!(?:.*/)?\\.\\.?/)[a-zA-Z0-9!_.'()\\-/]+/$`),
  "an S3 key prefix ending with '/', literal (no IAM wildcard * or ?, no ${...}), not starting with '/', " +
    `of at most ${S3_PREFIX_MAX_LENGTH} letters, digits and !_.'()-/, without '//' or a '.' or '..' folder`,
);

/** Starts of bucket names S3 reserves for its own names (AWS, "General purpose bucket naming rules"). */
export const S3_RESERVED_BUCKET_PREFIXES = ["xn--", "sthree-", "amzn-s3-demo-"] as const;
/** Ends of bucket names S3 reserves. */
const S3_RESERVED_BUCKET_SUFFIXES = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"] as const;

/** S3 bucket names (general purpose): 3-63 characters of a-z, 0-9, '.', '-', not shaped like an IP address, no reserved start or end. */
export const S3_BUCKET_NAME = satisfying(
  (name: string) =>
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) &&
    !name.includes("..") &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(name) &&
    !S3_RESERVED_BUCKET_PREFIXES.some((p) => name.startsWith(p)) &&
    !S3_RESERVED_BUCKET_SUFFIXES.some((p) => name.endsWith(p)),
  "an S3 bucket name: 3-63 characters of a-z, 0-9, '.', '-', starting and ending with a letter or digit, " +
    `not starting with ${S3_RESERVED_BUCKET_PREFIXES.join(", ")} nor ending with ${S3_RESERVED_BUCKET_SUFFIXES.join(", ")} (reserved by S3)`,
);
/** A bucket name prefix Terraform completes with 26 characters (`bucket_prefix`): at most 37, by the same rules. */
export const S3_BUCKET_NAME_PREFIX_MAX = 37;

/**
 * Terraform's S3 backend refuses keys that start or end with '/' or contain '//'; S3 keys are at
 * most 1024 bytes, and control characters (ASCII 0-31, 127) in them need special handling (AWS).
 */
export const S3_STATE_KEY = satisfying(
  (key: string) =>
    key.length > 0 && Buffer.byteLength(key) <= 1024 && !key.startsWith("/") && !key.endsWith("/") && !key.includes("//") && !/[\u0000-\u001f\u007f]/.test(key),
  "an S3 object key of at most 1024 bytes, not starting or ending with '/', without '//' or control characters",
);

/** EC2 user data: at most 16 KB after base64 decoding. */
export const EC2_USER_DATA_MAX_BYTES = 16_384;

/**
 * S3 object keys this project names in IAM resources: S3's safe characters without IAM wildcards
 * (`*`, `?`) or policy variables (`${...}`), so an ARN built from one grants exactly one object;
 * no empty, `.` or `..` folder.
 */
export const S3_OBJECT_KEY = matching(
  /^(?!\/)(?!.*\/\/)(?!(?:.*\/)?\.\.?(?:\/|$))[a-zA-Z0-9!_.'()\-/]{1,1024}(?<!\/)$/,
  "an S3 object key of letters, digits and !_.'()-/, not starting or ending with '/', without '//' or a '.' or '..' folder (no IAM wildcards)",
);

/** IAM role names: 1-64 characters of letters, digits and +=,.@_- (IAM API, CreateRole). */
export const IAM_ROLE_NAME = matching(/^[\w+=,.@-]{1,64}$/, "1-64 characters of letters, digits and +=,.@_-");
/** IAM policy statement ids: letters and digits only (IAM JSON policy reference, Sid). */
export const IAM_STATEMENT_ID = matching(/^[A-Za-z0-9]+$/, "letters and digits only");

/** Lambda function names: 1-64 characters of [a-zA-Z0-9_-]. */
export const LAMBDA_FUNCTION_NAME = matching(/^[a-zA-Z0-9_-]{1,64}$/, "1-64 characters of a-z, A-Z, 0-9, '_', '-'");
/** Lambda function descriptions: at most 256 characters. */
export const LAMBDA_DESCRIPTION_MAX_LENGTH = 256;
/** Lambda timeout: 1-900 seconds. */
export const LAMBDA_TIMEOUT_SECONDS = integerIn({ min: 1, max: 900 });
/** Lambda memory: 128-10240 MiB. */
export const LAMBDA_MEMORY_MIB = integerIn({ min: 128, max: 10_240 });
/** Lambda reserved concurrency: 1-1000 (the default account quota). */
export const LAMBDA_RESERVED_CONCURRENCY = integerIn({ min: 1, max: 1000 });
/** Lambda asynchronous invocations: 0-2 retries... */
export const LAMBDA_ASYNC_RETRY_ATTEMPTS = integerIn({ min: 0, max: 2 });
/** ...and an event age of 60-21600 seconds. */
export const LAMBDA_ASYNC_EVENT_AGE_SECONDS = integerIn({ min: 60, max: 21_600 });
/** SQS: messages are kept 60 s to 14 days. */
export const SQS_MESSAGE_RETENTION_SECONDS = integerIn({ min: 60, max: 1_209_600 });
