import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { unzipSync } from "fflate";
import { deploymentPackage, NATIVE_BINDING_PACKAGE, packageKey } from "../micro-batch/deployment-package";
import { PACKAGED_ANALYTICS_FILE, PackagedAnalytics } from "../micro-batch/packaged";
import { LAB_ANALYTICS } from "../sql/analytics";
import { analyticsWith } from "./helpers/analytics";
import { LabBucket } from "../constructs/lab-bucket";
import { MicroBatchAnalytics, MicroBatchAnalyticsProps } from "../constructs/micro-batch-analytics";
import { DESTINATION_SCHEMA, SOURCE_SCHEMA } from "../schemas/loss-event";
import { asList, ref, resource, resources, statements, synthScope } from "./helpers/synth";

const DESTINATION = { name: "Destination", arn: "arn:aws:firehose:us-east-1:111122223333:deliverystream/Destination" };
const tmp = mkdtempSync(join(tmpdir(), "lab-micro-batch-"));

function props(bucket: LabBucket, overrides: Partial<MicroBatchAnalyticsProps> = {}): MicroBatchAnalyticsProps {
  return {
    name: "StreamApplication",
    analytics: LAB_ANALYTICS,
    input: { bucket, prefix: "source/" },
    output: { stream: DESTINATION },
    ...overrides,
  };
}

function synth(overrides: Partial<MicroBatchAnalyticsProps> = {}) {
  let construct: MicroBatchAnalytics | undefined;
  const json = synthScope((scope) => {
    construct = new MicroBatchAnalytics(scope, "analytics", props(new LabBucket(scope, "bucket"), overrides));
  });
  return { json, construct: construct! };
}

describe("MicroBatchAnalytics", () => {
  const { json, construct } = synth();
  const fn = resource(json, "aws_lambda_function").body;
  const fnKey = resource(json, "aws_lambda_function").key;
  const bucketKey = resource(json, "aws_s3_bucket").key;
  const queue = resource(json, "aws_sqs_queue");
  const queueArn = ref("aws_sqs_queue", queue.key, "arn");
  const log = resource(json, "aws_cloudwatch_log_group");
  const role = resource(json, "aws_iam_role");

  it("is a Node.js 22 function on x86_64 running the packaged handler, with the lab's defaults", () => {
    expect(fn).toEqual(
      expect.objectContaining({
        function_name: "StreamApplication",
        runtime: "nodejs22.x",
        architectures: ["x86_64"],
        handler: "index.handler",
        timeout: 60,
        memory_size: 512,
        role: ref("aws_iam_role", role.key, "arn"),
        environment: { variables: { DESTINATION_STREAM_NAME: "Destination", PACK_BYTES: "0" } },
        source_code_hash: construct.deploymentPackage.sha256,
      }),
    );
    expect(fn.filename).toMatch(/^assets\/analytics_package_[A-F0-9]+\/[0-9a-f]{32}\/[0-9a-f]{32}\.zip$/);
    expect(fn).not.toHaveProperty("reserved_concurrent_executions");
  });

  it("logs to a log group Terraform creates with a retention, before the function exists", () => {
    expect(log.body).toEqual(expect.objectContaining({ name: "/aws/lambda/StreamApplication", retention_in_days: 14 }));
    expect(fn.logging_config).toEqual({ log_format: "Text", log_group: ref("aws_cloudwatch_log_group", log.key, "name") });
    expect(fn.depends_on).toContain(`aws_cloudwatch_log_group.${log.key}`);
  });

  it("has a role only Lambda can assume, allowed exactly to read source objects, put to the destination, log and report failures", () => {
    expect(JSON.parse(role.body.assume_role_policy).Statement).toEqual([
      { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
    const granted = statements(resource(json, "aws_iam_role_policy").body.policy).map((s) => [s.Sid, asList(s.Action), asList(s.Resource), s.Effect]);
    expect(granted).toEqual([
      ["ReadSourceObjects", ["s3:GetObject"], [`${ref("aws_s3_bucket", bucketKey, "arn")}/source/*`], "Allow"],
      ["WriteOutputStream", ["firehose:PutRecordBatch"], [DESTINATION.arn], "Allow"],
      ["WriteLogEvents", ["logs:CreateLogStream", "logs:PutLogEvents"], [`${ref("aws_cloudwatch_log_group", log.key, "arn")}:log-stream:*`], "Allow"],
      ["ReportFailedObjects", ["sqs:SendMessage"], [queueArn], "Allow"],
    ]);
  });

  it("is triggered by objects created under the source prefix, by the lab bucket of this account only", () => {
    const permission = resource(json, "aws_lambda_permission");
    expect(permission.body).toEqual(
      expect.objectContaining({
        action: "lambda:InvokeFunction",
        principal: "s3.amazonaws.com",
        function_name: ref("aws_lambda_function", fnKey, "function_name"),
        source_arn: ref("aws_s3_bucket", bucketKey, "arn"),
        source_account: `\${element(split(":", aws_lambda_function.${fnKey}.arn), 4)}`,
      }),
    );
    const notification = resource(json, "aws_s3_bucket_notification").body;
    expect(notification.bucket).toBe(ref("aws_s3_bucket", bucketKey, "id"));
    expect(notification.lambda_function).toEqual([
      { lambda_function_arn: ref("aws_lambda_function", fnKey, "arn"), events: ["s3:ObjectCreated:*"], filter_prefix: "source/" },
    ]);
    expect(notification.depends_on).toEqual([`aws_lambda_permission.${permission.key}`]);
  });

  it("retries a failed invocation twice, then sends the event to an encrypted, TLS-only queue kept 14 days", () => {
    expect(resource(json, "aws_lambda_function_event_invoke_config").body).toEqual(
      expect.objectContaining({
        function_name: ref("aws_lambda_function", fnKey, "function_name"),
        maximum_retry_attempts: 2,
        maximum_event_age_in_seconds: 21600,
        destination_config: { on_failure: { destination: queueArn } },
      }),
    );
    expect(queue.body).toEqual(
      expect.objectContaining({ name: "StreamApplication-failed-objects", sqs_managed_sse_enabled: true, message_retention_seconds: 1209600 }),
    );
    const [deny] = statements(resource(json, "aws_sqs_queue_policy").body.policy);
    expect(deny).toEqual({
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "sqs:*",
      Resource: queueArn,
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
  });

  it("has no function URL and looks nothing up at plan time", () => {
    expect(resources(json, "aws_lambda_function_url")).toEqual({});
    expect(json.data ?? {}).toEqual({});
  });

  it("takes its timeout, memory, concurrency, retries and retention from props", () => {
    const custom = synth({
      timeoutSeconds: 120,
      memoryMiB: 1024,
      reservedConcurrency: 3,
      maximumRetryAttempts: 0,
      maximumEventAgeSeconds: 600,
      logRetentionDays: 30,
    }).json;
    expect(resource(custom, "aws_lambda_function").body).toEqual(
      expect.objectContaining({ timeout: 120, memory_size: 1024, reserved_concurrent_executions: 3 }),
    );
    expect(resource(custom, "aws_lambda_function_event_invoke_config").body).toEqual(
      expect.objectContaining({ maximum_retry_attempts: 0, maximum_event_age_in_seconds: 600 }),
    );
    expect(resource(custom, "aws_cloudwatch_log_group").body.retention_in_days).toBe(30);
  });

  const sql = (text: string) => {
    const file = join(tmp, `${Math.random().toString(36).slice(2)}.sql`);
    writeFileSync(file, text);
    return file;
  };
  it.each<[string, Partial<MicroBatchAnalyticsProps>, string]>([
    ["a name Lambda refuses", { name: "Stream.Application" }, 'name = "Stream.Application" is not allowed: it must be 1-64 characters'],
    ["a timeout over 15 minutes", { timeoutSeconds: 901 }, "timeoutSeconds = 901 is not allowed: it must be an integer from 1 to 900"],
    ["too little memory", { memoryMiB: 64 }, "memoryMiB = 64 is not allowed: it must be an integer from 128 to 10240"],
    ["a concurrency of 0 (a disabled function)", { reservedConcurrency: 0 }, "reservedConcurrency = 0 is not allowed"],
    ["3 retries", { maximumRetryAttempts: 3 }, "maximumRetryAttempts = 3 is not allowed: it must be an integer from 0 to 2"],
    ["a short event age", { maximumEventAgeSeconds: 30 }, "maximumEventAgeSeconds = 30 is not allowed"],
    ["a bad retention", { logRetentionDays: 10 }, "logRetentionDays = 10 is not allowed"],
    [
      "rows packed past Firehose's record limit",
      { packBytes: 1_024_001 },
      "packBytes = 1024001 is not allowed: it must be an integer from 0 to 1024000 (Firehose's record limit)",
    ],
    ["a negative pack size", { packBytes: -1 }, "packBytes = -1 is not allowed"],
    [
      "the discontinued Node.js 20 runtime",
      { runtime: "nodejs20.x" as never },
      'runtime = "nodejs20.x" is not allowed: it must be one of nodejs22.x, nodejs24.x',
    ],
    ["a missing SQL file", { analytics: analyticsWith({ sqlFile: join(tmp, "missing.sql") }) }, "cannot be read"],
    [
      "SQL the engine refuses, naming the line",
      {
        analytics: analyticsWith({
          sqlFile: sql(
            'CREATE OR REPLACE STREAM "DESTINATION_SQL_BASIC_STREAM" (a DOUBLE);\nCREATE OR REPLACE PUMP "P" AS INSERT INTO "DESTINATION_SQL_BASIC_STREAM"\nSELECT STREAM SUM("NetLoss") FROM "SOURCE_SQL_STREAM_001";',
          ),
        }),
      },
      ":3:15: SUM(...) (aggregation over the stream) is not supported by the micro-batch engine",
    ],
  ])("refuses %s", (_, overrides, message) => {
    expect(() => synth(overrides)).toThrow(`MicroBatchAnalytics ${overrides.name ?? "StreamApplication"}: `);
    expect(() => synth(overrides)).toThrow(message);
  });

  it("reads only under a literal input prefix, and keeps its description within Lambda's 256 characters", () => {
    const withPrefix = (prefix: string) =>
      synthScope((scope) => {
        const bucket = new LabBucket(scope, "bucket");
        new MicroBatchAnalytics(scope, "analytics", props(bucket, { input: { bucket, prefix } }));
      });
    expect(() => withPrefix("source*/")).toThrow(
      "MicroBatchAnalytics StreamApplication: input.prefix = \"source*/\" is not allowed: it must be an S3 key prefix ending with '/', literal",
    );
    const long = `${"p".repeat(500)}/`;
    const description = resource(withPrefix(long), "aws_lambda_function").body.description as string;
    expect(description.length).toBeLessThanOrEqual(256);
    expect(description).toMatch(/^Runs stream-application\.sql over each object under p+\.\.\.$/);
  });
});

describe("the micro-batch deployment package", () => {
  const packaged: PackagedAnalytics = { sql: readFileSync(LAB_ANALYTICS.sqlFile, "utf8"), sqlFile: "stream-application.sql", streams: LAB_ANALYTICS.streams };
  const cached = deploymentPackage(packaged);
  const zip = readFileSync(cached.path);
  const files = unzipSync(zip);

  it("holds the bundled handler, the SQL file exactly, and DuckDB's binding for Lambda's Linux x86_64", () => {
    expect(Object.keys(files).sort()).toEqual([
      PACKAGED_ANALYTICS_FILE,
      "index.js",
      `node_modules/${NATIVE_BINDING_PACKAGE}/LICENSE`,
      `node_modules/${NATIVE_BINDING_PACKAGE}/duckdb.node`,
      `node_modules/${NATIVE_BINDING_PACKAGE}/libduckdb.so`,
      `node_modules/${NATIVE_BINDING_PACKAGE}/package.json`,
    ]);
    expect(JSON.parse(Buffer.from(files[PACKAGED_ANALYTICS_FILE]).toString())).toEqual(packaged);
    expect(Buffer.from(files["index.js"]).toString()).toContain(`require("${NATIVE_BINDING_PACKAGE}/duckdb.node")`);
    // The record checks: both schemas (and ajv) are bundled, so the function validates what it reads and sends.
    for (const schema of [SOURCE_SCHEMA, DESTINATION_SCHEMA]) expect(Buffer.from(files["index.js"]).toString()).toContain(schema.$id);
  });

  it("states its SHA-256 and sizes truthfully, within Lambda's limits (50 MB zipped upload, 250 MB unzipped)", () => {
    expect(cached.sha256).toBe(createHash("sha256").update(zip).digest("base64"));
    expect(cached.zippedBytes).toBe(zip.byteLength);
    expect(cached.unzippedBytes).toBe(Object.values(files).reduce((n, f) => n + f.byteLength, 0));
    expect(cached.zippedBytes).toBeLessThan(50 * 1024 * 1024);
    expect(cached.unzippedBytes).toBeLessThan(250 * 1024 * 1024);
  });

  it("is the same bytes when built again from scratch (a stable plan)", () => {
    const rebuilt = deploymentPackage(packaged, { cacheDir: join(tmp, "fresh-cache") });
    expect(rebuilt.sha256).toBe(cached.sha256);
    expect(rebuilt.key).toBe(cached.key);
  });

  it("is keyed by everything it holds: another SQL text or stream is another package", () => {
    expect(packageKey({ ...packaged, sql: `${packaged.sql}\n-- changed\n` })).not.toBe(cached.key);
    expect(packageKey({ ...packaged, streams: { ...packaged.streams, outputStream: "OTHER" } })).not.toBe(cached.key);
    expect(packageKey(packaged)).toBe(cached.key);
  });

  it("needs no newer glibc or libstdc++ than Amazon Linux 2023 (Lambda nodejs22.x and nodejs24.x) has: glibc 2.34, GLIBCXX_3.4.29", () => {
    // Read from the bytes where each name stands: the binaries as one string would hold about 280 MB more in the Jest worker.
    const versionsIn = (bytes: Uint8Array, prefix: string) => {
      const binary = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const name = Buffer.from(`${prefix}_`);
      const versions: string[] = [];
      for (let at = binary.indexOf(name); at !== -1; at = binary.indexOf(name, at + 1)) {
        const version = /^\d+(?:\.\d+)+/.exec(binary.toString("latin1", at + name.length, at + name.length + 16));
        if (version) versions.push(version[0]);
      }
      return versions;
    };
    const newest = (prefix: string) =>
      ["duckdb.node", "libduckdb.so"]
        .flatMap((f) => versionsIn(files[`node_modules/${NATIVE_BINDING_PACKAGE}/${f}`], prefix))
        .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))
        .pop()!;
    expect(newest("GLIBC").localeCompare("2.34", undefined, { numeric: true })).toBeLessThanOrEqual(0);
    expect(newest("GLIBCXX").localeCompare("3.4.29", undefined, { numeric: true })).toBeLessThanOrEqual(0);
  });

  it("is read from the cache on a warm synth, without loading esbuild, fflate, ajv or DuckDB", () => {
    const outdir = join(tmp, "synth-out");
    const script = `const { LabStack } = require("./main"); const { settingsFromProject } = require("./config/settings"); const { App } = require("cdktf");
      const app = new App({ outdir: ${JSON.stringify(outdir)} }); new LabStack(app, settingsFromProject({})); app.synth();
      const loaded = Object.keys(require.cache).filter((f) => /node_modules\\/(esbuild|fflate|ajv|@duckdb)\\//.test(f)); process.stdout.write(JSON.stringify(loaded));`;
    const run = () => spawnSync(process.execPath, ["-r", "./loader/register-ts.js", "-e", script], { cwd: join(__dirname, ".."), encoding: "utf8" });
    run(); // warms the TypeScript cache (its first run loads esbuild to transpile)
    const warm = run();
    expect(warm.status).toBe(0);
    expect(JSON.parse(warm.stdout)).toEqual([]);
  });
});
