import { readFileSync } from "node:fs";
import { join } from "node:path";
import { resolveSettings, SETTINGS, SettingsError } from "../config/settings";

function problemsOf(env: Record<string, string>, context: Record<string, unknown> = {}): string[] {
  try {
    resolveSettings({ env, context });
  } catch (e) {
    expect(e).toBeInstanceOf(SettingsError);
    return (e as SettingsError).problems;
  }
  throw new Error("expected the settings to be refused");
}

describe("lab settings", () => {
  it("default to the lab's values", () => {
    expect(resolveSettings()).toEqual({
      stackName: "streaming-lab",
      region: "us-east-1",
      availabilityZone: "us-east-1a",
      bucketName: undefined,
      objectExpirationDays: 30,
      bucketForceDestroy: false,
      sourceStreamName: "Source",
      destinationStreamName: "Destination",
      applicationName: "StreamApplication",
      sourcePrefix: "source/",
      destinationPrefix: "destination/",
      bufferSizeMiB: 1,
      bufferIntervalSeconds: 60,
      compression: "UNCOMPRESSED",
      logRetentionDays: 14,
      generatorRate: 1,
      generatorMode: "synthetic",
      replayKey: "replay/banking_loss.csv",
      instanceType: "t3.micro",
      vpcCidr: "10.20.0.0/24",
      analyticsEngine: "micro-batch",
      analyticsTimeoutSeconds: 60,
      analyticsMemoryMiB: 512,
      analyticsConcurrency: "unreserved",
      stateBucket: undefined,
      stateKey: "streaming-lab/terraform.tfstate",
      stateRegion: "us-east-1",
    });
  });

  it("put state in S3 with one setting; the key follows the stack name and the region the lab's", () => {
    const s3 = resolveSettings({ env: { LAB_STATE_BUCKET: "team-tf-state", LAB_STACK_NAME: "lab-two", LAB_REGION: "eu-west-1" } });
    expect([s3.stateBucket, s3.stateKey, s3.stateRegion]).toEqual(["team-tf-state", "lab-two/terraform.tfstate", "eu-west-1"]);
    const explicit = resolveSettings({ env: { LAB_STATE_BUCKET: "team-tf-state", LAB_STATE_KEY: "labs/one.tfstate", LAB_STATE_REGION: "us-west-2" } });
    expect([explicit.stateKey, explicit.stateRegion]).toEqual(["labs/one.tfstate", "us-west-2"]);
  });

  it.each([
    ["LAB_STATE_KEY", "labs/one.tfstate"],
    ["LAB_STATE_REGION", "us-west-2"],
  ])("refuse %s without LAB_STATE_BUCKET instead of ignoring it", (name, value) => {
    expect(problemsOf({ [name]: value })).toEqual([
      `${name} = ${JSON.stringify(value)} is not allowed: ${SETTINGS.find((s) => s.env === name)!.description} must be left unset unless LAB_STATE_BUCKET is set (without it, state is a local file)`,
    ]);
  });

  it.each([
    ["LAB_STATE_KEY", "/labs/one.tfstate"],
    ["LAB_STATE_KEY", "labs/"],
    ["LAB_STATE_KEY", "labs//one.tfstate"],
    ["LAB_STATE_REGION", "moon-1"],
  ])("refuse %s=%j with the state bucket set", (name, value) => {
    const problems = problemsOf({ LAB_STATE_BUCKET: "team-tf-state", [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`${name} = ${JSON.stringify(value)} is not allowed`);
    expect(problems[0]).toMatch(/not starting or ending with '\/', without '\/\/'|a known AWS region/);
  });

  it("read cdktf.json context, and environment variables win over it", () => {
    const settings = resolveSettings({
      context: { region: "eu-west-1", bufferSizeMiB: 5, sourceStreamName: "FromContext" },
      env: { LAB_SOURCE_STREAM_NAME: "FromEnv" },
    });
    expect(settings.region).toBe("eu-west-1");
    expect(settings.availabilityZone).toBe("eu-west-1a"); // derived default follows the region
    expect(settings.bufferSizeMiB).toBe(5);
    expect(settings.sourceStreamName).toBe("FromEnv");
    expect(resolveSettings({ context: { bucketForceDestroy: true } }).bucketForceDestroy).toBe(true);
  });

  it("treat an empty environment variable as unset", () => {
    expect(resolveSettings({ env: { LAB_REGION: "" } }).region).toBe("us-east-1");
  });

  it.each([
    ["LAB_BUFFER_SIZE_MIB", "0", "an integer from 1 to 128"],
    ["LAB_BUFFER_SIZE_MIB", "129", "an integer from 1 to 128"],
    ["LAB_BUFFER_SIZE_MIB", "1.5", "an integer from 1 to 128"],
    ["LAB_BUFFER_SIZE_MIB", "lots", "an integer from 1 to 128"],
    ["LAB_BUFFER_INTERVAL_SECONDS", "901", "an integer from 0 to 900"],
    ["LAB_BUFFER_INTERVAL_SECONDS", "-1", "an integer from 0 to 900"],
    ["LAB_SOURCE_STREAM_NAME", "my stream", "1-64 characters of a-z, A-Z, 0-9, '_', '.', '-'"],
    ["LAB_SOURCE_STREAM_NAME", "x".repeat(65), "1-64 characters"],
    ["LAB_DESTINATION_STREAM_NAME", "Source", "a name other than the source stream's"],
    ["LAB_APPLICATION_NAME", "app/1", "1-64 characters of a-z, A-Z, 0-9, '_', '-' (a Lambda function name)"],
    ["LAB_ANALYTICS_ENGINE", "flink", "one of micro-batch, kinesis-analytics-sql"],
    ["LAB_ANALYTICS_TIMEOUT_SECONDS", "901", "an integer from 1 to 900"],
    ["LAB_ANALYTICS_MEMORY_MIB", "64", "an integer from 128 to 10240"],
    ["LAB_ANALYTICS_CONCURRENCY", "0", "unreserved or an integer from 1 to 1000"],
    ["LAB_ANALYTICS_CONCURRENCY", "lots", "unreserved or an integer from 1 to 1000"],
    ["LAB_COMPRESSION", "Snappy", "one of UNCOMPRESSED, GZIP with the micro-batch engine"],
    ["LAB_REGION", "us-north-9", "a known AWS region (af-south-1,"],
    ["LAB_AVAILABILITY_ZONE", "eu-west-1a", "a zone of us-east-1"],
    ["LAB_SOURCE_PREFIX", "source", "ending with '/'"],
    ["LAB_SOURCE_PREFIX", "/source/", "not starting with '/'"],
    ["LAB_DESTINATION_PREFIX", "source/processed/", "neither contains nor is contained in the source prefix"],
    ["LAB_GENERATOR_RATE", "0", "greater than 0 and at most 1000"],
    ["LAB_GENERATOR_RATE", "fast", "greater than 0 and at most 1000"],
    ["LAB_INSTANCE_TYPE", "micro", "an EC2 instance type such as t3.micro"],
    ["LAB_LOG_RETENTION_DAYS", "10", "one of 1, 3, 5, 7, 14"],
    ["LAB_COMPRESSION", "BZIP2", "one of UNCOMPRESSED, GZIP, ZIP, Snappy, HADOOP_SNAPPY"],
    ["LAB_OBJECT_EXPIRATION_DAYS", "-3", "an integer from 0 to 3650"],
    ["LAB_BUCKET_NAME", "My_Bucket", "an S3 bucket name"],
    ["LAB_BUCKET_FORCE_DESTROY", "yes", "true or false"],
    ["LAB_VPC_CIDR", "10.20.0.0/8", "from /16 to /28"],
    ["LAB_VPC_CIDR", "10.20.0.1/24", "host bits zero"],
    ["LAB_STACK_NAME", "Lab Stack", "a lower-case letter"],
    ["LAB_STATE_BUCKET", "Team_State", "an S3 bucket name"],
    ["LAB_GENERATOR_MODE", "csv", "synthetic, replay"],
    ["LAB_GENERATOR_MODE", "replay", "synthetic, or replay together with an exact LAB_BUCKET_NAME"],
    ["LAB_REPLAY_KEY", "replay/*.csv", "an S3 object key of letters, digits"],
    ["LAB_REPLAY_KEY", "replay/", "not starting or ending with '/'"],
    ["LAB_REPLAY_KEY", "source/banking_loss.csv", "a key outside the prefixes Firehose writes to (source/)"],
    ["LAB_REPLAY_KEY", "errors/banking_loss.csv", "a key outside the prefixes Firehose writes to (errors/)"],
  ])("refuse %s=%j, naming the setting, the value and what is allowed", (name, value, allowed) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`${name} = ${JSON.stringify(value)} is not allowed`);
    expect(problems[0]).toContain(allowed);
  });

  it("allow replay mode with an exact bucket name", () => {
    const settings = resolveSettings({ env: { LAB_GENERATOR_MODE: "replay", LAB_BUCKET_NAME: "my-lab-bucket" } });
    expect([settings.generatorMode, settings.bucketName, settings.replayKey]).toEqual(["replay", "my-lab-bucket", "replay/banking_loss.csv"]);
  });

  it("check the analytics name and compression against the engine that uses them", () => {
    const legacy = { LAB_ANALYTICS_ENGINE: "kinesis-analytics-sql" };
    expect(resolveSettings({ env: { ...legacy, LAB_APPLICATION_NAME: "Stream.App", LAB_COMPRESSION: "Snappy" } })).toEqual(
      expect.objectContaining({ applicationName: "Stream.App", compression: "Snappy" }),
    );
    expect(problemsOf({ ...legacy, LAB_APPLICATION_NAME: "app/1" })[0]).toContain("1-128 characters of a-z, A-Z, 0-9, '_', '.', '-'");
    expect(problemsOf({ LAB_APPLICATION_NAME: "Stream.App" })[0]).toContain("(a Lambda function name)");
    expect(resolveSettings({ env: { LAB_COMPRESSION: "GZIP", LAB_ANALYTICS_CONCURRENCY: "5" } })).toEqual(expect.objectContaining({ compression: "GZIP", analyticsConcurrency: 5 }));
  });

  it("report every bad setting at once", () => {
    const problems = problemsOf({ LAB_BUFFER_SIZE_MIB: "500", LAB_REGION: "mars-1", LAB_SOURCE_PREFIX: "src" });
    expect(problems.map((p) => p.split(" ")[0])).toEqual(["LAB_REGION", "LAB_SOURCE_PREFIX", "LAB_BUFFER_SIZE_MIB"]);
  });

  it("name the cdktf.json key when the bad value comes from context", () => {
    expect(problemsOf({}, { bufferIntervalSeconds: 1000 })[0]).toContain('cdktf.json context "bufferIntervalSeconds" = "1000" is not allowed');
    expect(problemsOf({}, { bufferSizeMiB: [1] })[0]).toContain("expected a string or number");
  });

  it("refuse unknown cdktf.json context keys (a typo would otherwise be ignored)", () => {
    expect(problemsOf({}, { bufferSize: 5 })[0]).toContain('cdktf.json context key "bufferSize" is not a setting');
  });

  it("are all documented in the README with their environment variable and default", () => {
    const readme = readFileSync(join(__dirname, "..", "README.md"), "utf8");
    const defaults = resolveSettings() as unknown as Record<string, unknown>;
    for (const s of SETTINGS) {
      const row = readme.split("\n").find((line) => line.startsWith(`| \`${s.env}\``));
      expect({ setting: s.env, row }).toEqual({ setting: s.env, row: expect.stringContaining(`\`${s.key}\``) });
      const shown = defaults[s.key] === undefined ? (s.unset ?? "(SETTINGS entry has no `unset` text)") : `\`${String(defaults[s.key])}\``;
      expect({ setting: s.env, row }).toEqual({ setting: s.env, row: expect.stringContaining(shown) });
    }
  });
});
