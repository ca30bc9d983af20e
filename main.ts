/**
 * The lab's system, as its diagram draws it:
 *
 *   generator (EC2) --PutRecordBatch--> Firehose "Source" --buffer--> S3 source/
 *                                            |
 *                                            +--> SQL application "StreamApplication"
 *                                                   --JSON--> Firehose "Destination" --buffer--> S3 destination/
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { App, Aspects, LocalBackend, TerraformOutput, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { LabSettings, resolveSettings } from "./config/settings";
import { PolicyAspect } from "./policies/aspect";
import { printAnnotations } from "./scripts/annotations";
import { BufferedDeliveryStream } from "./constructs/buffered-delivery-stream";
import { GeneratorInstance } from "./constructs/generator-instance";
import { LabBucket } from "./constructs/lab-bucket";
import { LabNetwork } from "./constructs/lab-network";
import { RecordColumn, SqlAnalyticsApplication } from "./constructs/sql-analytics-application";
import { SOURCE_SCHEMA } from "./schemas/loss-event";
import { recordColumnsFromSchema } from "./schemas/sql-columns";

/** The input columns come from the record's JSON Schema, the one definition of its format. */
export const LAB_INPUT_COLUMNS: readonly RecordColumn[] = recordColumnsFromSchema(SOURCE_SCHEMA);

export const LAB_SQL_FILE = join(__dirname, "sql", "stream-application.sql");

export class LabStack extends TerraformStack {
  readonly bucket: LabBucket;
  readonly source: BufferedDeliveryStream;
  readonly destination: BufferedDeliveryStream;
  readonly analytics: SqlAnalyticsApplication;
  readonly generator: GeneratorInstance;

  constructor(scope: Construct, settings: LabSettings) {
    super(scope, settings.stackName);
    const name = settings.stackName;

    // State next to the project (terraform runs in cdktf.out/stacks/<stack>/), never an absolute path.
    new LocalBackend(this, { path: `../../../terraform.${name}.tfstate` });
    new AwsProvider(this, "aws", {
      region: settings.region,
      defaultTags: [{ tags: { Project: "streaming-ingestion-lab", Stack: name, ManagedBy: "cdktf" } }],
    });

    this.bucket = new LabBucket(this, "bucket", {
      bucketName: settings.bucketName,
      namePrefix: `${name}-`,
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

    this.analytics = new SqlAnalyticsApplication(this, "analytics", {
      name: settings.applicationName,
      sqlFile: LAB_SQL_FILE,
      input: { stream: this.source, columns: LAB_INPUT_COLUMNS },
      output: { stream: this.destination, inApplicationStreamName: "DESTINATION_SQL_BASIC_STREAM" },
      logRetentionDays: settings.logRetentionDays,
      roleNamePrefix: name,
    });

    this.generator = new GeneratorInstance(this, "generator", {
      name,
      stream: this.source,
      region: settings.region,
      rate: settings.generatorRate,
      // Settings allow replay only with an exact bucket name.
      replay:
        settings.generatorMode === "replay"
          ? { bucketName: settings.bucketName ?? "", bucketArn: this.bucket.arn, key: settings.replayKey }
          : undefined,
      instanceType: settings.instanceType,
      network: new LabNetwork(this, "network", {
        name,
        cidrBlock: settings.vpcCidr,
        availabilityZone: settings.availabilityZone,
        flowLogRetentionDays: settings.logRetentionDays,
      }),
    });

    new TerraformOutput(this, "bucket_name", { value: this.bucket.name, description: "The lab bucket" });
    new TerraformOutput(this, "source_stream_arn", { value: this.source.arn });
    new TerraformOutput(this, "destination_stream_arn", { value: this.destination.arn });
    new TerraformOutput(this, "generator_instance_id", {
      value: this.generator.instance.id,
      description: "Connect with: aws ssm start-session --target <id>",
    });

    // The policy pack checks the whole stack at synth; a violation fails synth (policies/).
    Aspects.of(this).add(new PolicyAspect());
  }
}

/** Settings from `cdktf.json` context, overridden by `LAB_*` environment variables. */
export function settingsFromProject(env: NodeJS.ProcessEnv = process.env): LabSettings {
  const cdktfJson = JSON.parse(readFileSync(join(__dirname, "cdktf.json"), "utf8")) as { context?: Record<string, unknown> };
  return resolveSettings({ env, context: cdktfJson.context });
}

if (require.main === module) {
  try {
    const app = new App();
    new LabStack(app, settingsFromProject());
    app.synth();
    printAnnotations(app);
  } catch (error) {
    // Bad settings or props: one clear message, no stack trace, nothing written for Terraform.
    console.error(`synth failed: ${(error as Error).message}`);
    process.exit(1);
  }
}
