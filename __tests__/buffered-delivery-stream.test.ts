import { BufferedDeliveryStream, BufferedDeliveryStreamProps } from "../constructs/buffered-delivery-stream";
import { firehoseErrorOutputPrefix } from "../aws/key-prefixes";
import { LabBucket } from "../constructs/lab-bucket";
import { asList, ref, resource, statements, synthScope } from "./helpers/synth";

function synthStream(props: Partial<BufferedDeliveryStreamProps> = {}) {
  return synthScope((scope) => {
    const bucket = new LabBucket(scope, "bucket");
    new BufferedDeliveryStream(scope, "stream", { name: "Source", bucket, prefix: "source/", ...props });
  });
}

describe("BufferedDeliveryStream", () => {
  const json = synthStream({ bufferSizeMiB: 1, bufferIntervalSeconds: 60, logRetentionDays: 30 });
  const bucketArn = ref("aws_s3_bucket", resource(json, "aws_s3_bucket").key, "arn");
  const stream = resource(json, "aws_kinesis_firehose_delivery_stream");
  const role = resource(json, "aws_iam_role");
  const logGroup = resource(json, "aws_cloudwatch_log_group");
  const logStream = resource(json, "aws_cloudwatch_log_stream");

  it("delivers to the bucket under its prefix, buffered, with errors under their own prefix", () => {
    expect(stream.body.name).toBe("Source");
    expect(stream.body.destination).toBe("extended_s3");
    expect(stream.body.extended_s3_configuration).toEqual(
      expect.objectContaining({
        bucket_arn: bucketArn,
        role_arn: ref("aws_iam_role", role.key, "arn"),
        prefix: "source/",
        error_output_prefix: "errors/source/!{firehose:error-output-type}/",
        buffering_size: 1,
        buffering_interval: 60,
        compression_format: "UNCOMPRESSED",
      }),
    );
  });

  it("encrypts records at rest", () => {
    expect(stream.body.server_side_encryption).toEqual({ enabled: true, key_type: "AWS_OWNED_CMK" });
  });

  it("logs delivery errors to its own log group, kept for the retention given", () => {
    expect(logGroup.body).toEqual({ name: "/aws/kinesisfirehose/Source", retention_in_days: 30 });
    expect(logStream.body.log_group_name).toBe(ref("aws_cloudwatch_log_group", logGroup.key, "name"));
    expect(stream.body.extended_s3_configuration.cloudwatch_logging_options).toEqual({
      enabled: true,
      log_group_name: ref("aws_cloudwatch_log_group", logGroup.key, "name"),
      log_stream_name: ref("aws_cloudwatch_log_stream", logStream.key, "name"),
    });
  });

  it("has its own role that only Firehose can assume", () => {
    expect(JSON.parse(role.body.assume_role_policy)).toEqual({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "firehose.amazonaws.com" }, Action: "sts:AssumeRole" }],
    });
  });

  it("lets that role do only what Firehose needs, on that bucket's prefixes and that log stream", () => {
    const policy = resource(json, "aws_iam_role_policy").body;
    expect(policy.role).toBe(ref("aws_iam_role", role.key, "id"));
    expect(statements(policy.policy).map((s) => ({ sid: s.Sid, effect: s.Effect, actions: asList(s.Action), resources: asList(s.Resource) }))).toEqual([
      {
        sid: "FindBucket",
        effect: "Allow",
        actions: ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
        resources: [bucketArn],
      },
      {
        sid: "WriteObjectsUnderPrefixes",
        effect: "Allow",
        actions: ["s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"],
        // The error prefix is scoped up to its first Firehose expression.
        resources: [`${bucketArn}/source/*`, `${bucketArn}/errors/source/*`],
      },
      {
        sid: "WriteLogEvents",
        effect: "Allow",
        actions: ["logs:PutLogEvents"],
        resources: [ref("aws_cloudwatch_log_stream", logStream.key, "arn")],
      },
    ]);
  });

  it("is created after its role's policy (Firehose checks access on creation)", () => {
    expect(stream.body.depends_on).toEqual([`aws_iam_role_policy.${resource(json, "aws_iam_role_policy").key}`]);
  });

  it("takes its default error prefix from aws/key-prefixes.ts, and scopes a custom one to its literal part", () => {
    expect(stream.body.extended_s3_configuration.error_output_prefix).toBe(firehoseErrorOutputPrefix("source/"));
    const custom = "errors/late/!{timestamp:yyyy}/!{firehose:error-output-type}/";
    const customJson = synthStream({ errorOutputPrefix: custom });
    expect(resource(customJson, "aws_kinesis_firehose_delivery_stream").body.extended_s3_configuration.error_output_prefix).toBe(custom);
    const writes = statements(resource(customJson, "aws_iam_role_policy").body.policy).find((s) => s.Sid === "WriteObjectsUnderPrefixes")!;
    expect(asList(writes.Resource)).toEqual([`${bucketArn}/source/*`, `${bucketArn}/errors/late/*`]);
  });

  it("uses Firehose's defaults when buffering is not given", () => {
    const defaults = resource(synthStream(), "aws_kinesis_firehose_delivery_stream").body.extended_s3_configuration;
    expect([defaults.buffering_size, defaults.buffering_interval]).toEqual([5, 300]);
  });

  it.each([
    [{ name: "Source Stream" }, 'name = "Source Stream" is not allowed'],
    [{ prefix: "source" }, 'prefix = "source" is not allowed'],
    [{ errorOutputPrefix: "source/errors/" }, 'errorOutputPrefix = "source/errors/" is not allowed'],
    [{ errorOutputPrefix: "errors" }, 'errorOutputPrefix = "errors" is not allowed'],
    [{ prefix: "source*/" }, "prefix = \"source*/\" is not allowed: it must be an S3 key prefix ending with '/', literal"],
    [{ prefix: "so?rce/" }, "no IAM wildcard * or ?"],
    [{ errorOutputPrefix: "errors/*/" }, "errorOutputPrefix = \"errors/*/\" is not allowed: it must be a literal key prefix ending with '/'"],
    // No literal part: the role could write anywhere in the bucket.
    [{ errorOutputPrefix: "!{firehose:error-output-type}/" }, 'errorOutputPrefix = "!{firehose:error-output-type}/" is not allowed'],
    [{ errorOutputPrefix: "errors/!{partitionKeyFromQuery:x}/" }, 'errorOutputPrefix = "errors/!{partitionKeyFromQuery:x}/" is not allowed'],
    [{ errorOutputPrefix: "source/" }, "a prefix that neither contains nor is contained in the data prefix source/"],
    [{ errorOutputPrefix: "sou!{firehose:error-output-type}/" }, 'errorOutputPrefix = "sou!{firehose:error-output-type}/" is not allowed'],
    [{ bufferSizeMiB: 129 }, "bufferSizeMiB = 129 is not allowed: it must be an integer from 1 to 128"],
    [{ bufferIntervalSeconds: 901 }, "bufferIntervalSeconds = 901 is not allowed: it must be an integer from 0 to 900"],
    [{ compression: "BZIP2" as never }, 'compression = "BZIP2" is not allowed'],
    [{ logRetentionDays: 10 }, "logRetentionDays = 10 is not allowed"],
  ])("refuses bad props %j", (props, message) => {
    expect(() => synthStream(props)).toThrow(message);
  });
});
