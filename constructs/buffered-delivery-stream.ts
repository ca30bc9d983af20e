import { Construct } from "constructs";
import { KinesisFirehoseDeliveryStream } from "@cdktf/provider-aws/lib/kinesis-firehose-delivery-stream";
import {
  COMPRESSION_FORMATS,
  CompressionFormat,
  FIREHOSE_BUFFER_INTERVAL_SECONDS,
  FIREHOSE_BUFFER_SIZE_MIB,
  FIREHOSE_STREAM_NAME,
  S3_PREFIX,
} from "../aws/limits";
import { FIREHOSE_ERROR_OUTPUT_TYPE, firehoseErrorOutputPrefix, prefixesOverlap, staticPrefix } from "../aws/key-prefixes";
import { check, satisfying } from "../input/allowed";
import { DELIVERY_COMPRESSION } from "./defaults";
import { LabBucket } from "./lab-bucket";
import { physicalName } from "./physical-name";
import { PolicyStatement } from "./policy-document";
import { ServiceLog } from "./service-log";
import { ServiceRole } from "./service-role";

/** A delivery stream as the constructs that send to it or read it see it. */
export interface DeliveryStreamRef {
  /** The stream's literal name (the generator's user data holds it, so not a Terraform reference). */
  readonly name: string;
  readonly arn: string;
}

/** Lets a producer put records into `stream`, and nothing else. */
export function allowPutRecords(stream: DeliveryStreamRef): PolicyStatement {
  return { sid: "PutRecords", actions: ["firehose:PutRecord", "firehose:PutRecordBatch"], resources: [stream.arn] };
}

export interface BufferedDeliveryStreamProps {
  /** Delivery stream name: 1-64 characters of [a-zA-Z0-9_.-]. */
  readonly name: string;
  /** Where the records land. */
  readonly bucket: LabBucket;
  /** Key prefix of delivered objects, ending with '/'; Firehose appends `YYYY/MM/dd/HH/`. */
  readonly prefix: string;
  /**
   * Key prefix of records Firehose could not deliver or process: a literal prefix (what the role
   * may write to), optionally followed by Firehose expressions, e.g. `!{firehose:error-output-type}/`.
   * @default `errors/<prefix>!{firehose:error-output-type}/` (aws/key-prefixes.ts)
   */
  readonly errorOutputPrefix?: string;
  /**
   * Buffer size in MiB (1-128): an object is written when this much has arrived...
   * @default 5
   */
  readonly bufferSizeMiB?: number;
  /**
   * ...or when this many seconds (0-900) have passed, whichever comes first.
   * @default 300
   */
  readonly bufferIntervalSeconds?: number;
  /**
   * Compression of delivered objects.
   * @default DELIVERY_COMPRESSION ("UNCOMPRESSED")
   */
  readonly compression?: CompressionFormat;
  /**
   * Retention of the delivery-error log group, in days.
   * @default LOG_RETENTION_DAYS_DEFAULT (14)
   */
  readonly logRetentionDays?: number;
  /**
   * Prefix of the IAM role's name.
   * @default - the stream name
   */
  readonly roleNamePrefix?: string;
}

/**
 * A Firehose delivery stream (direct PUT) that buffers records into S3 under a prefix, with
 * server-side encryption, delivery errors logged to its own log group, and its own IAM role that
 * may only write to that bucket's prefixes and that log stream.
 */
export class BufferedDeliveryStream extends Construct implements DeliveryStreamRef {
  readonly stream: KinesisFirehoseDeliveryStream;
  readonly role: ServiceRole;
  readonly log: ServiceLog;
  readonly name: string;
  readonly arn: string;
  readonly prefix: string;
  readonly errorOutputPrefix: string;

  constructor(scope: Construct, id: string, props: BufferedDeliveryStreamProps) {
    super(scope, id);
    const what = `BufferedDeliveryStream ${props.name}`;
    const bufferSizeMiB = props.bufferSizeMiB ?? 5;
    const bufferIntervalSeconds = props.bufferIntervalSeconds ?? 300;
    const compression = props.compression ?? DELIVERY_COMPRESSION;
    const errorOutputPrefix = props.errorOutputPrefix ?? firehoseErrorOutputPrefix(props.prefix);
    check(what, "name", props.name, FIREHOSE_STREAM_NAME);
    check(what, "prefix", props.prefix, S3_PREFIX);
    check(what, "errorOutputPrefix", errorOutputPrefix, ERROR_OUTPUT_PREFIX);
    check(
      what,
      "errorOutputPrefix",
      errorOutputPrefix,
      satisfying(
        (prefix) => !prefixesOverlap(staticPrefix(prefix), props.prefix),
        `a prefix that neither contains nor is contained in the data prefix ${props.prefix}`,
      ),
    );
    check(what, "bufferSizeMiB", bufferSizeMiB, FIREHOSE_BUFFER_SIZE_MIB);
    check(what, "bufferIntervalSeconds", bufferIntervalSeconds, FIREHOSE_BUFFER_INTERVAL_SECONDS);
    check(what, "compression", compression, COMPRESSION_FORMATS);

    this.prefix = props.prefix;
    this.errorOutputPrefix = errorOutputPrefix;
    this.log = new ServiceLog(this, "log", {
      groupName: `/aws/kinesisfirehose/${props.name}`,
      streamName: "DestinationDelivery",
      logRetentionDays: props.logRetentionDays,
    });
    this.role = new ServiceRole(this, "role", {
      name: physicalName([props.roleNamePrefix ?? props.name, "firehose"], 64),
      service: "firehose.amazonaws.com",
      description: `Lets delivery stream ${props.name} write to ${props.prefix} of its bucket and log its errors`,
      statements: [
        {
          sid: "FindBucket",
          actions: ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
          resources: [props.bucket.arn],
        },
        {
          sid: "WriteObjectsUnderPrefixes",
          actions: ["s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"],
          resources: [props.bucket.objectsArn(props.prefix), props.bucket.objectsArn(staticPrefix(errorOutputPrefix))],
        },
        this.log.allowPutLogEvents(),
      ],
    });

    this.stream = new KinesisFirehoseDeliveryStream(this, "stream", {
      name: props.name,
      destination: "extended_s3",
      serverSideEncryption: { enabled: true, keyType: "AWS_OWNED_CMK" },
      extendedS3Configuration: {
        bucketArn: props.bucket.arn,
        roleArn: this.role.arn,
        prefix: props.prefix,
        errorOutputPrefix,
        bufferingSize: bufferSizeMiB,
        bufferingInterval: bufferIntervalSeconds,
        compressionFormat: compression,
        cloudwatchLoggingOptions: {
          enabled: true,
          logGroupName: this.log.group.name,
          logStreamName: this.log.stream.name,
        },
      },
      // Firehose checks its role's access when the stream is created.
      dependsOn: [this.role.policy],
    });
    // The literal name, not a reference: it is baked into the generator's user data.
    this.name = props.name;
    this.arn = this.stream.arn;
  }
}

/** Firehose expressions a prefix may hold after its literal part: `!{firehose:...}` and `!{timestamp:...}`. */
const EXPRESSIONS_AFTER_LITERAL = /^(?:!\{(?:firehose:(?:error-output-type|random-string)|timestamp:[^{}!]+)\}|[a-zA-Z0-9_.'()\-/])*\/$/;

/**
 * An error prefix whose literal part is an S3_PREFIX (the role may write under exactly it) and
 * whose rest is Firehose expressions and safe characters, ending with '/'.
 */
const ERROR_OUTPUT_PREFIX = satisfying((prefix: string) => {
  const literal = staticPrefix(prefix);
  const rest = prefix.slice(literal.length);
  return S3_PREFIX.test(literal) && (rest === "" || EXPRESSIONS_AFTER_LITERAL.test(rest));
}, `a literal key prefix ending with '/' (${S3_PREFIX.words}), then optionally Firehose expressions such as ${FIREHOSE_ERROR_OUTPUT_TYPE}/`);
