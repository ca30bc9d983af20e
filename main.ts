/**
 * The lab's system, as its diagram draws it:
 *
 *   generator (EC2) --PutRecordBatch--> Firehose "Source" --buffer--> S3 source/
 *                                              |                          |
 *                        kinesis-analytics-sql |                          | micro-batch (default)
 *                                              v                          v
 *                 SQL application "StreamApplication"        Lambda "StreamApplication", per object
 *                                              \________________________/
 *                                                    sql/*.sql, one file
 *                                                          | JSON rows
 *                                                          v
 *                              Firehose "Destination" --buffer--> S3 destination/
 */
import { Aspects, TerraformOutput, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { LabSettings } from "./config/settings";
import { PolicyAspect } from "./policy-aspect/policy-aspect";
import { suppressPolicy } from "./policy-aspect/suppress-policy";
import { BufferedDeliveryStream } from "./constructs/buffered-delivery-stream";
import { GeneratorInstance } from "./constructs/generator-instance";
import { LabBucket } from "./constructs/lab-bucket";
import { LabNetwork } from "./constructs/lab-network";
import { MicroBatchAnalytics } from "./constructs/micro-batch-analytics";
import { SqlAnalyticsApplication } from "./constructs/sql-analytics-application";
import { LAB_ANALYTICS } from "./sql/analytics";
import { stateBackend } from "./constructs/state-backend";

export class LabStack extends TerraformStack {
  readonly bucket: LabBucket;
  readonly source: BufferedDeliveryStream;
  readonly destination: BufferedDeliveryStream;
  readonly analytics: MicroBatchAnalytics | SqlAnalyticsApplication;
  readonly generator: GeneratorInstance;

  constructor(scope: Construct, settings: LabSettings) {
    super(scope, settings.stackName);
    const name = settings.stackName;

    // A local file next to the project by default; S3 (encrypted, locked) once LAB_STATE_BUCKET is set.
    stateBackend(this, { bucket: settings.stateBucket, key: settings.stateKey, region: settings.stateRegion });
    new AwsProvider(this, "aws", {
      region: settings.region,
      defaultTags: [{ tags: { Project: "streaming-ingestion-lab", Stack: name, ManagedBy: "cdktf" } }],
    });

    this.bucket = new LabBucket(this, "bucket", {
      bucketName: settings.bucketName,
      bucketNamePrefix: `${name}-`,
      objectExpirationDays: settings.objectExpirationDays,
      forceDestroy: settings.bucketForceDestroy,
    });
    const buffering = {
      bucket: this.bucket,
      bufferSizeMiB: settings.bufferSizeMiB,
      bufferIntervalSeconds: settings.bufferIntervalSeconds,
      compression: settings.compression,
      logRetentionDays: settings.logRetentionDays,
    };

    this.source = new BufferedDeliveryStream(this, "source", {
      ...buffering,
      name: settings.sourceStreamName,
      prefix: settings.sourcePrefix,
      roleNamePrefix: `${name}-source`,
    });
    this.destination = new BufferedDeliveryStream(this, "destination", {
      ...buffering,
      name: settings.destinationStreamName,
      prefix: settings.destinationPrefix,
      roleNamePrefix: `${name}-destination`,
    });

    // Both engines run the one analytics definition (sql/analytics.ts) into the same destination.
    const output = { stream: this.destination };
    this.analytics =
      settings.analyticsEngine === "micro-batch"
        ? new MicroBatchAnalytics(this, "analytics", {
            name: settings.applicationName,
            analytics: LAB_ANALYTICS,
            input: { bucket: this.bucket, prefix: settings.sourcePrefix },
            output,
            timeoutSeconds: settings.analyticsTimeoutSeconds,
            memoryMiB: settings.analyticsMemoryMiB,
            reservedConcurrency: settings.analyticsConcurrency === "unreserved" ? undefined : settings.analyticsConcurrency,
            logRetentionDays: settings.logRetentionDays,
            roleNamePrefix: name,
            packBytes: settings.packBytes,
          })
        : new SqlAnalyticsApplication(this, "analytics", {
            name: settings.applicationName,
            analytics: LAB_ANALYTICS,
            input: { stream: this.source },
            output,
            logRetentionDays: settings.logRetentionDays,
            roleNamePrefix: name,
          });

    this.generator = new GeneratorInstance(this, "generator", {
      name,
      stream: this.source,
      region: settings.region,
      rate: settings.generatorRate,
      packBytes: settings.packBytes,
      // Settings allow replay only with an exact bucket name.
      replay: settings.generatorMode === "replay" ? { bucketName: settings.bucketName ?? "", bucketArn: this.bucket.arn, key: settings.replayKey } : undefined,
      instanceType: settings.instanceType,
      network: new LabNetwork(this, "network", {
        name,
        cidrBlock: settings.vpcCidr,
        availabilityZone: settings.availabilityZone,
        logRetentionDays: settings.logRetentionDays,
      }),
    });

    new TerraformOutput(this, "bucket_name", { value: this.bucket.name, description: "The lab bucket" });
    new TerraformOutput(this, "source_stream_arn", { value: this.source.arn });
    new TerraformOutput(this, "destination_stream_arn", { value: this.destination.arn });
    new TerraformOutput(this, "generator_instance_id", {
      value: this.generator.instance.id,
      description: "Connect with: aws ssm start-session --target <id>",
    });

    // The policy pack checks the whole stack at synth; a violation fails synth (policies/). The lab's
    // one deliberate exception is declared here, beside the pack, not inside the construct.
    suppressPolicy(
      this.generator.launchTemplate,
      "LAB-EC2-5",
      "the subnet is public by design (a NAT gateway or the four interface endpoints a private subnet needs would cost more than the rest of the lab); the security group has no inbound rule, so the address receives nothing",
    );
    Aspects.of(this).add(new PolicyAspect());
  }
}
