import { readFileSync } from "node:fs";
import { unzipSync } from "fflate";
import { LAB_ANALYTICS } from "../sql/analytics";
import { MicroBatchAnalytics } from "../constructs/micro-batch-analytics";
import { asList, cloudConfigOf, ref, resource, resources, statements, synthLab } from "./helpers/synth";

/** The resources every engine shares: bucket, streams, generator, network. */
const SHARED_RESOURCES = {
  aws_s3_bucket: 1,
  aws_s3_bucket_server_side_encryption_configuration: 1,
  aws_s3_bucket_public_access_block: 1,
  aws_s3_bucket_ownership_controls: 1,
  aws_s3_bucket_versioning: 1,
  aws_s3_bucket_policy: 1,
  aws_s3_bucket_lifecycle_configuration: 1,
  aws_kinesis_firehose_delivery_stream: 2,
  aws_iam_instance_profile: 1,
  aws_vpc: 1,
  aws_default_security_group: 1,
  aws_subnet: 1,
  aws_internet_gateway: 1,
  aws_route_table: 1,
  aws_route_table_association: 1,
  aws_flow_log: 1,
  aws_security_group: 1,
  aws_vpc_security_group_egress_rule: 1,
  aws_launch_template: 1,
  aws_instance: 1,
};

describe("the lab topology (default settings: the micro-batch engine)", () => {
  const { json, stack } = synthLab();
  const streams = resources(json, "aws_kinesis_firehose_delivery_stream");
  const keyOf = (name: string) => Object.entries(streams).find(([, s]) => s.name === name)![0];
  const sourceArn = ref("aws_kinesis_firehose_delivery_stream", keyOf("Source"), "arn");
  const destinationArn = ref("aws_kinesis_firehose_delivery_stream", keyOf("Destination"), "arn");
  const fn = resource(json, "aws_lambda_function");
  const bucketKey = resource(json, "aws_s3_bucket").key;

  it("has the lab's two streams into one bucket, under source/ and destination/, buffered 1 MiB / 60 s", () => {
    const bucketArn = ref("aws_s3_bucket", resource(json, "aws_s3_bucket").key, "arn");
    const shape = Object.values(streams).map((s: any) => ({
      name: s.name,
      bucket: s.extended_s3_configuration.bucket_arn,
      prefix: s.extended_s3_configuration.prefix,
      buffer: [s.extended_s3_configuration.buffering_size, s.extended_s3_configuration.buffering_interval],
    }));
    expect(shape).toEqual(
      expect.arrayContaining([
        { name: "Source", bucket: bucketArn, prefix: "source/", buffer: [1, 60] },
        { name: "Destination", bucket: bucketArn, prefix: "destination/", buffer: [1, 60] },
      ]),
    );
    expect(shape).toHaveLength(2);
  });

  it("runs the analytics on each object Source delivers under source/ and sends the rows to Destination", () => {
    expect(fn.body.function_name).toBe("StreamApplication");
    expect(fn.body.environment.variables).toEqual({ DESTINATION_STREAM_NAME: "Destination", PACK_BYTES: "5000" });
    const notification = resource(json, "aws_s3_bucket_notification").body;
    expect(notification.bucket).toBe(ref("aws_s3_bucket", bucketKey, "id"));
    expect(notification.lambda_function).toEqual([
      expect.objectContaining({ filter_prefix: "source/", lambda_function_arn: ref("aws_lambda_function", fn.key, "arn") }),
    ]);
    const policy = Object.values(resources(json, "aws_iam_role_policy")).find(
      (p) => p.role === ref("aws_iam_role", resource(json, "aws_iam_role", "analytics").key, "id"),
    )!;
    const granted = Object.fromEntries(statements(policy.policy).map((s) => [s.Sid, asList(s.Resource)]));
    expect(granted.ReadSourceObjects).toEqual([`${ref("aws_s3_bucket", bucketKey, "arn")}/source/*`]);
    expect(granted.WriteOutputStream).toEqual([destinationArn]);
  });

  it("packages the lab's SQL file exactly, with the input stream typed by the schema and the lab's output stream", () => {
    const packageFiles = unzipSync(readFileSync((stack.analytics as MicroBatchAnalytics).deploymentPackage.path), {
      filter: (f) => f.name === "analytics.json",
    });
    expect(JSON.parse(Buffer.from(packageFiles["analytics.json"]).toString())).toEqual({
      sql: readFileSync(LAB_ANALYTICS.sqlFile, "utf8"),
      sqlFile: "stream-application.sql",
      streams: LAB_ANALYTICS.streams,
    });
    expect(LAB_ANALYTICS.streams.input.columns.map((c) => `${c.name} ${c.sqlType}`)).toEqual([
      "Region VARCHAR(16)",
      "Business VARCHAR(32)",
      "Name VARCHAR(16)",
      "Status VARCHAR(16)",
      "RiskCategory VARCHAR(64)",
      "RiskSubCategory VARCHAR(64)",
      "DiscoveryDate DATE",
      "OccurrenceStartDate DATE",
      "NetLoss DOUBLE",
      "RecoveryAmount DOUBLE",
      "EstimatedGrossLoss DOUBLE",
    ]);
    expect(LAB_ANALYTICS.streams.input.name).toBe("SOURCE_SQL_STREAM_001");
    expect(LAB_ANALYTICS.streams.outputStream).toBe("DESTINATION_SQL_BASIC_STREAM");
  });

  it("lets the generator put records to exactly the source stream", () => {
    const role = resource(json, "aws_iam_role", "generator");
    const policy = Object.values(resources(json, "aws_iam_role_policy")).find((p) => p.role === ref("aws_iam_role", role.key, "id"))!;
    const firehose = statements(policy.policy).filter((s) => asList(s.Action).some((a) => a.startsWith("firehose:")));
    expect(firehose.map((s) => [asList(s.Action), asList(s.Resource)])).toEqual([[["firehose:PutRecord", "firehose:PutRecordBatch"], [sourceArn]]]);
  });

  it("tells the generator to send to the source stream in the stack's region, packed", () => {
    const { config } = cloudConfigOf(resource(json, "aws_launch_template").body.user_data);
    const env = config.write_files.find((f: any) => f.path === "/etc/lab-generator.env").content;
    expect(env).toBe("LAB_STREAM=Source\nLAB_REGION=us-east-1\nLAB_RATE=1\nLAB_PACK_BYTES=5000\nLAB_REPLAY_ARGS=\n");
  });

  it("tags everything through the provider's default tags, in the lab's region", () => {
    expect(json.provider!.aws).toEqual([
      { region: "us-east-1", default_tags: [{ tags: { Project: "streaming-ingestion-lab", Stack: "streaming-lab", ManagedBy: "cdktf" } }] },
    ]);
  });

  it("keeps state in a local file next to the project, by a relative path", () => {
    expect(json.terraform!.backend).toEqual({ local: { path: "../../../terraform.streaming-lab.tfstate" } });
  });

  it("uses no data source that would call AWS at plan time", () => {
    expect(json.data ?? {}).toEqual({});
  });

  it("creates the resources of the lab and nothing else", () => {
    const counts = Object.fromEntries(Object.entries(json.resource).map(([type, r]) => [type, Object.keys(r).length]));
    expect(counts).toEqual({
      ...SHARED_RESOURCES,
      aws_lambda_function: 1,
      aws_lambda_function_event_invoke_config: 1,
      aws_lambda_permission: 1,
      aws_s3_bucket_notification: 1,
      aws_sqs_queue: 1,
      aws_sqs_queue_policy: 1,
      aws_cloudwatch_log_group: 4,
      aws_cloudwatch_log_stream: 2,
      aws_iam_role: 5,
      aws_iam_role_policy: 5,
    });
  });

  it("warns about nothing at synth", () => {
    const warnings = stack.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === "@cdktf/warn"));
    expect(warnings).toEqual([]);
  });
});

describe("the lab topology with the legacy engine (LAB_ANALYTICS_ENGINE=kinesis-analytics-sql)", () => {
  const { json, stack } = synthLab({ LAB_ANALYTICS_ENGINE: "kinesis-analytics-sql" });
  const streams = resources(json, "aws_kinesis_firehose_delivery_stream");
  const keyOf = (name: string) => Object.entries(streams).find(([, s]) => s.name === name)![0];
  const sourceArn = ref("aws_kinesis_firehose_delivery_stream", keyOf("Source"), "arn");
  const destinationArn = ref("aws_kinesis_firehose_delivery_stream", keyOf("Destination"), "arn");
  const app = resource(json, "aws_kinesis_analytics_application").body;

  it("wires the application's input to Source and its output to Destination", () => {
    expect(app.name).toBe("StreamApplication");
    expect(app.inputs.kinesis_firehose.resource_arn).toBe(sourceArn);
    expect(app.inputs.name_prefix).toBe("SOURCE_SQL_STREAM");
    expect(app.outputs).toEqual([
      expect.objectContaining({ name: "DESTINATION_SQL_BASIC_STREAM", kinesis_firehose: expect.objectContaining({ resource_arn: destinationArn }) }),
    ]);
    expect(app.outputs[0].schema.record_format_type).toBe("JSON");
  });

  it("gives the application the lab's eleven columns with the lab's types, the same the micro-batch engine packages", () => {
    expect(app.inputs.schema.record_columns.map((c: any) => ({ name: c.name, sqlType: c.sql_type }))).toEqual(LAB_ANALYTICS.streams.input.columns);
    expect(app.inputs.schema.record_columns.map((c: any) => c.mapping)).toEqual(LAB_ANALYTICS.streams.input.columns.map((c) => `$.${c.name}`));
  });

  it("has the generator send one record per Firehose record, as the application reads them", () => {
    const { config } = cloudConfigOf(resource(json, "aws_launch_template").body.user_data);
    expect(config.write_files.find((f: any) => f.path === "/etc/lab-generator.env").content).toContain("\nLAB_PACK_BYTES=0\n");
  });

  it("runs the lab's SQL file, exactly", () => {
    expect(app.code).toBe(readFileSync(LAB_ANALYTICS.sqlFile, "utf8"));
    expect((app.code.match(/"/g) ?? []).length % 2).toBe(0);
  });

  it("warns at synth that the service is discontinued, with the dates", () => {
    const warnings = stack.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === "@cdktf/warn").map((m) => String(m.data)));
    expect(warnings).toEqual([expect.stringContaining("2025-10-15")]);
    expect(warnings[0]).toContain("2026-01-27");
  });

  it("creates the lab's resources with the SQL application instead of the function", () => {
    const counts = Object.fromEntries(Object.entries(json.resource).map(([type, r]) => [type, Object.keys(r).length]));
    expect(counts).toEqual({
      ...SHARED_RESOURCES,
      aws_kinesis_analytics_application: 1,
      aws_cloudwatch_log_group: 4,
      aws_cloudwatch_log_stream: 3,
      aws_iam_role: 5,
      aws_iam_role_policy: 5,
    });
  });
});

describe("the lab topology with settings changed", () => {
  const { json } = synthLab({
    LAB_SOURCE_STREAM_NAME: "Events",
    LAB_DESTINATION_STREAM_NAME: "Processed",
    LAB_APPLICATION_NAME: "LossEvents",
    LAB_SOURCE_PREFIX: "raw/",
    LAB_DESTINATION_PREFIX: "processed/",
    LAB_BUFFER_SIZE_MIB: "64",
    LAB_BUFFER_INTERVAL_SECONDS: "900",
    LAB_REGION: "eu-west-1",
    LAB_GENERATOR_RATE: "25",
    LAB_INSTANCE_TYPE: "t3a.nano",
  });
  const streams = Object.values(resources(json, "aws_kinesis_firehose_delivery_stream")) as any[];

  it("renames the streams, prefixes and application", () => {
    const shape = streams.map((s) => [
      s.name,
      s.extended_s3_configuration.prefix,
      s.extended_s3_configuration.buffering_size,
      s.extended_s3_configuration.buffering_interval,
    ]);
    expect(shape.sort()).toEqual([
      ["Events", "raw/", 64, 900],
      ["Processed", "processed/", 64, 900],
    ]);
    expect(resource(json, "aws_lambda_function").body.function_name).toBe("LossEvents");
    expect(resource(json, "aws_s3_bucket_notification").body.lambda_function[0].filter_prefix).toBe("raw/");
    expect(resource(json, "aws_lambda_function").body.environment.variables.DESTINATION_STREAM_NAME).toBe("Processed");
  });

  it("points the generator at the renamed stream, in the new region, at the new rate and size", () => {
    const template = resource(json, "aws_launch_template").body;
    const { config } = cloudConfigOf(template.user_data);
    expect(config.write_files.find((f: any) => f.path === "/etc/lab-generator.env").content).toBe(
      "LAB_STREAM=Events\nLAB_REGION=eu-west-1\nLAB_RATE=25\nLAB_PACK_BYTES=5000\nLAB_REPLAY_ARGS=\n",
    );
    expect(template.instance_type).toBe("t3a.nano");
    expect(json.provider!.aws).toEqual([expect.objectContaining({ region: "eu-west-1" })]);
    expect(resource(json, "aws_subnet").body.availability_zone).toBe("eu-west-1a");
  });
});

describe("the lab topology in replay mode", () => {
  const { json } = synthLab({ LAB_GENERATOR_MODE: "replay", LAB_BUCKET_NAME: "my-lab-bucket", LAB_REPLAY_KEY: "replay/2019/banking_loss.csv" });
  const bucketArn = ref("aws_s3_bucket", resource(json, "aws_s3_bucket").key, "arn");

  it("tells the generator to replay the CSV at s3://<LAB_BUCKET_NAME>/<LAB_REPLAY_KEY>", () => {
    const { config } = cloudConfigOf(resource(json, "aws_launch_template").body.user_data);
    expect(config.write_files.find((f: any) => f.path === "/etc/lab-generator.env").content).toContain(
      "LAB_REPLAY_ARGS=--replay s3://my-lab-bucket/replay/2019/banking_loss.csv\n",
    );
  });

  it("lets the generator read exactly that object of the lab bucket", () => {
    const role = resource(json, "aws_iam_role", "generator");
    const policy = Object.values(resources(json, "aws_iam_role_policy")).find((p) => p.role === ref("aws_iam_role", role.key, "id"))!;
    const s3 = statements(policy.policy).filter((s) => asList(s.Action).some((a) => a.startsWith("s3:")));
    expect(s3.map((s) => [asList(s.Action), asList(s.Resource)])).toEqual([[["s3:GetObject"], [`${bucketArn}/replay/2019/banking_loss.csv`]]]);
  });
});
