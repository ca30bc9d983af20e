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
    });
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
    ["LAB_APPLICATION_NAME", "app/1", "1-128 characters"],
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
      const shown = defaults[s.key] === undefined ? "generated" : `\`${String(defaults[s.key])}\``;
      expect({ setting: s.env, row }).toEqual({ setting: s.env, row: expect.stringContaining(shown) });
    }
  });
});
