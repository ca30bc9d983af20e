import { basename } from "node:path";
import { Fn, TerraformAsset, AssetType } from "cdktf";
import { Construct } from "constructs";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { LambdaFunctionEventInvokeConfig } from "@cdktf/provider-aws/lib/lambda-function-event-invoke-config";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { S3BucketNotification } from "@cdktf/provider-aws/lib/s3-bucket-notification";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { compileAnalyticsSql } from "../dialect/compiler";
import { SqlDialectError } from "../dialect/tokenizer";
import { deploymentPackage, DeploymentPackage } from "../micro-batch/deployment-package";
import { DESTINATION_STREAM_ENV, PACK_BYTES_ENV, PackagedAnalytics } from "../micro-batch/packaged";
import {
  FIREHOSE_PACK_BYTES,
  LAMBDA_ASYNC_EVENT_AGE_SECONDS,
  LAMBDA_ASYNC_RETRY_ATTEMPTS,
  LAMBDA_DESCRIPTION_MAX_LENGTH,
  LAMBDA_FUNCTION_NAME,
  LAMBDA_MEMORY_MIB,
  LAMBDA_RESERVED_CONCURRENCY,
  LAMBDA_TIMEOUT_SECONDS,
  LOG_RETENTION_DAYS,
  S3_PREFIX,
  SQS_MESSAGE_RETENTION_SECONDS,
} from "../aws/limits";
import { check, oneOf, satisfying } from "../input/allowed";
import type { AnalyticsDefinition } from "../sql/analytics";
import type { DeliveryStreamRef } from "./buffered-delivery-stream";
import { LOG_RETENTION_DAYS_DEFAULT, MICRO_BATCH_MEMORY_MIB, MICRO_BATCH_TIMEOUT_SECONDS } from "./defaults";
import { LabBucket } from "./lab-bucket";
import { physicalName } from "./physical-name";
import { policyDocument } from "./policy-document";
import { ServiceRole } from "./service-role";

/** Lambda runtimes the package is built for: Node.js on Amazon Linux 2023 (glibc 2.34), x86_64. */
export const MICRO_BATCH_RUNTIMES = ["nodejs22.x", "nodejs24.x"] as const;

export interface MicroBatchAnalyticsProps {
  /** Function name: 1-64 characters of [a-zA-Z0-9_-]. */
  readonly name: string;
  /** The analytics it runs: the SQL, the input stream's name and columns, the output stream (sql/analytics.ts). */
  readonly analytics: AnalyticsDefinition;
  readonly input: {
    /** The bucket the source stream delivers to. */
    readonly bucket: LabBucket;
    /** Key prefix of the delivered source objects (each new object is one micro-batch). */
    readonly prefix: string;
  };
  readonly output: {
    /** The delivery stream the output stream's rows are sent to. */
    readonly stream: DeliveryStreamRef;
  };
  /**
   * Most bytes of output rows (newline-delimited) packed into one Firehose record, up to Firehose's
   * 1,000 KiB; 0 sends each row alone.
   * @default 0
   */
  readonly packBytes?: number;
  /**
   * Lambda runtime (both run on Amazon Linux 2023, which the bundled DuckDB binding supports).
   * Not Node.js 20: Lambda deprecated nodejs20.x on 2026-04-30 and no longer creates functions on it.
   * @default "nodejs22.x"
   */
  readonly runtime?: (typeof MICRO_BATCH_RUNTIMES)[number];
  /**
   * Seconds one invocation (one object) may take.
   * @default 60
   */
  readonly timeoutSeconds?: number;
  /**
   * Memory of the function in MiB (CPU grows with it); DuckDB may use half.
   * @default 512
   */
  readonly memoryMiB?: number;
  /**
   * Concurrent invocations reserved for (and the most allowed to) the function.
   * @default - unreserved: new AWS accounts often cannot reserve any concurrency
   */
  readonly reservedConcurrency?: number;
  /**
   * Times Lambda retries a failed invocation before sending the event to the failure queue.
   * @default 2
   */
  readonly maximumRetryAttempts?: number;
  /**
   * Seconds an event may wait (throttled or retrying) before it goes to the failure queue.
   * @default 21600
   */
  readonly maximumEventAgeSeconds?: number;
  /**
   * Seconds the failure queue keeps an event.
   * @default 1209600 (14 days, the most SQS allows)
   */
  readonly failureRetentionSeconds?: number;
  /**
   * Retention of the function's log group, in days.
   * @default 14
   */
  readonly logRetentionDays?: number;
  /**
   * Prefix of the IAM role's name.
   * @default - the function name
   */
  readonly roleNamePrefix?: string;
}

/**
 * The analytics SQL as micro-batches, deployable now that Kinesis Data Analytics for SQL is gone:
 * every object Firehose delivers under the source prefix triggers a Lambda function (Node.js 22,
 * DuckDB bundled) that runs the SQL over that object's records and sends the output rows to the
 * destination stream. Failed invocations are retried, then the event goes to an encrypted SQS
 * queue. The function's role may only read objects under the source prefix, put records to the
 * destination stream, write its own logs and send to that queue.
 */
export class MicroBatchAnalytics extends Construct {
  readonly function: LambdaFunction;
  readonly role: ServiceRole;
  readonly logGroup: CloudwatchLogGroup;
  readonly failureQueue: SqsQueue;
  readonly deploymentPackage: DeploymentPackage;

  constructor(scope: Construct, id: string, props: MicroBatchAnalyticsProps) {
    super(scope, id);
    const what = `MicroBatchAnalytics ${props.name}`;
    const timeoutSeconds = props.timeoutSeconds ?? MICRO_BATCH_TIMEOUT_SECONDS;
    const memoryMiB = props.memoryMiB ?? MICRO_BATCH_MEMORY_MIB;
    const retries = props.maximumRetryAttempts ?? 2;
    const eventAge = props.maximumEventAgeSeconds ?? 21_600;
    const failureRetention = props.failureRetentionSeconds ?? 1_209_600;
    const logRetentionDays = props.logRetentionDays ?? LOG_RETENTION_DAYS_DEFAULT;
    const runtime = props.runtime ?? "nodejs22.x";
    const packBytes = props.packBytes ?? 0;
    check(what, "name", props.name, LAMBDA_FUNCTION_NAME);
    check(what, "runtime", runtime, oneOf(MICRO_BATCH_RUNTIMES));
    check(what, "input.prefix", props.input.prefix, S3_PREFIX);
    check(what, "packBytes", packBytes, FIREHOSE_PACK_BYTES);
    check(what, "timeoutSeconds", timeoutSeconds, LAMBDA_TIMEOUT_SECONDS);
    check(what, "memoryMiB", memoryMiB, LAMBDA_MEMORY_MIB);
    if (props.reservedConcurrency !== undefined) {
      check(
        what,
        "reservedConcurrency",
        props.reservedConcurrency,
        satisfying((n: number) => LAMBDA_RESERVED_CONCURRENCY.test(n), `${LAMBDA_RESERVED_CONCURRENCY.words}, or undefined for none`),
      );
    }
    check(what, "maximumRetryAttempts", retries, LAMBDA_ASYNC_RETRY_ATTEMPTS);
    check(what, "maximumEventAgeSeconds", eventAge, LAMBDA_ASYNC_EVENT_AGE_SECONDS);
    check(what, "failureRetentionSeconds", failureRetention, SQS_MESSAGE_RETENTION_SECONDS);
    check(what, "logRetentionDays", logRetentionDays, LOG_RETENTION_DAYS);

    // The same SQL the SQL application runs, compiled now: a refused construct stops synth with its line.
    const { analytics } = props;
    const packaged: PackagedAnalytics = { sql: analytics.sqlFor(what), sqlFile: basename(analytics.sqlFile), streams: analytics.streams };
    try {
      compileAnalyticsSql(packaged.sql, packaged.streams, analytics.sqlFile);
    } catch (e) {
      if (e instanceof SqlDialectError) throw new Error(`${what}: sqlFile ${e.message}`);
      throw e;
    }
    this.deploymentPackage = deploymentPackage(packaged);
    const code = new TerraformAsset(this, "package", {
      path: this.deploymentPackage.path,
      type: AssetType.FILE,
      assetHash: this.deploymentPackage.key,
    });

    // Created here, with a retention, rather than implicitly (and kept forever) by Lambda.
    this.logGroup = new CloudwatchLogGroup(this, "log", {
      name: `/aws/lambda/${props.name}`,
      retentionInDays: logRetentionDays,
    });
    this.failureQueue = new SqsQueue(this, "failures", {
      name: physicalName([props.name, "failed-objects"], 80),
      sqsManagedSseEnabled: true,
      messageRetentionSeconds: failureRetention,
    });
    new SqsQueuePolicy(this, "failures-policy", {
      queueUrl: this.failureQueue.url,
      policy: policyDocument([
        {
          sid: "DenyInsecureTransport",
          effect: "Deny",
          principal: "*",
          actions: ["sqs:*"],
          resources: [this.failureQueue.arn],
          condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ]),
    });

    this.role = new ServiceRole(this, "role", {
      name: physicalName([props.roleNamePrefix ?? props.name, "analytics"], 64),
      service: "lambda.amazonaws.com",
      description: `Lets ${props.name} read ${props.input.prefix} objects, write ${props.output.stream.name}, log and report failures`,
      statements: [
        { sid: "ReadSourceObjects", actions: ["s3:GetObject"], resources: [props.input.bucket.objectsArn(props.input.prefix)] },
        { sid: "WriteOutputStream", actions: ["firehose:PutRecordBatch"], resources: [props.output.stream.arn] },
        { sid: "WriteLogEvents", actions: ["logs:CreateLogStream", "logs:PutLogEvents"], resources: [`${this.logGroup.arn}:log-stream:*`] },
        // Lambda sends failed events to the on-failure destination with the function's role.
        { sid: "ReportFailedObjects", actions: ["sqs:SendMessage"], resources: [this.failureQueue.arn] },
      ],
    });

    this.function = new LambdaFunction(this, "function", {
      functionName: props.name,
      // A long prefix would push it past Lambda's limit, which only deploy would report.
      description: atMost(
        LAMBDA_DESCRIPTION_MAX_LENGTH,
        `Runs ${packaged.sqlFile} over each object under ${props.input.prefix} and sends the rows to ${props.output.stream.name}`,
      ),
      role: this.role.arn,
      runtime,
      architectures: ["x86_64"],
      handler: "index.handler",
      filename: code.path,
      sourceCodeHash: this.deploymentPackage.sha256,
      timeout: timeoutSeconds,
      memorySize: memoryMiB,
      ...(props.reservedConcurrency !== undefined ? { reservedConcurrentExecutions: props.reservedConcurrency } : {}),
      environment: { variables: { [DESTINATION_STREAM_ENV]: props.output.stream.name, [PACK_BYTES_ENV]: String(packBytes) } },
      loggingConfig: { logFormat: "Text", logGroup: this.logGroup.name },
      // The role must be able to log before the first invocation.
      dependsOn: [this.logGroup, this.role.policy],
    });

    new LambdaFunctionEventInvokeConfig(this, "async", {
      functionName: this.function.functionName,
      maximumRetryAttempts: retries,
      maximumEventAgeInSeconds: eventAge,
      destinationConfig: { onFailure: { destination: this.failureQueue.arn } },
    });
    const permission = new LambdaPermission(this, "invoked-by-bucket", {
      statementId: "InvokedByLabBucket",
      action: "lambda:InvokeFunction",
      functionName: this.function.functionName,
      principal: "s3.amazonaws.com",
      sourceArn: props.input.bucket.arn,
      // The account, from the function's ARN (arn:aws:lambda:region:account:function:name): no lookup at plan time.
      sourceAccount: Fn.element(Fn.split(":", this.function.arn), 4) as string, // Fn.element returns a string token typed any
    });
    new S3BucketNotification(this, "trigger", {
      bucket: props.input.bucket.bucket.id,
      lambdaFunction: [{ lambdaFunctionArn: this.function.arn, events: ["s3:ObjectCreated:*"], filterPrefix: props.input.prefix }],
      // S3 checks that it may invoke the function when the notification is set.
      dependsOn: [permission],
    });
  }
}

/** The text, cut to `max` characters with "..." when longer. */
function atMost(max: number, text: string): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}
