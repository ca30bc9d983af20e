import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { availabilityZonesOf, AWS_REGIONS } from "../aws/regions";
import { cdktfJsonContext, duplicateKeys } from "../config/cdktf-json";
import { firehoseErrorOutputPrefix, overlappingPrefixes, prefixesOverlap, staticPrefix } from "../aws/key-prefixes";
import { generatorRateMax, LAB_RECORD_MAX_BYTES, resolveSettings, SETTINGS, SettingsError, settingsFromProject, stackKeyPrefixes } from "../config/settings";
import { exitCodeOf } from "../input/unusable-input";
import { SPECIAL_IPV4_RANGES } from "../aws/vpc-cidr";
import { python } from "../local/python";

function problemsOf(env: Record<string, string>, context: Record<string, unknown> = {}): string[] {
  try {
    resolveSettings({ env, context });
  } catch (e) {
    expect(e).toBeInstanceOf(SettingsError);
    return [...(e as SettingsError).problems];
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
      packBytes: 5000,
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
    ["LAB_STATE_KEY", "labs/one\n.tfstate"],
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
    ["LAB_AVAILABILITY_ZONE", "eu-west-1a", "a zone of us-east-1: us-east-1a, us-east-1b, us-east-1c, us-east-1d, us-east-1e, us-east-1f"],
    ["LAB_AVAILABILITY_ZONE", "us-east-1z", "a zone of us-east-1: us-east-1a,"],
    ["LAB_AVAILABILITY_ZONE", "us-east-1-bos-1a", "a zone of us-east-1"],
    ["LAB_SOURCE_PREFIX", "source", "ending with '/'"],
    ["LAB_SOURCE_PREFIX", "/source/", "not starting with '/'"],
    ["LAB_SOURCE_PREFIX", "src*/", "no IAM wildcard * or ?"],
    ["LAB_SOURCE_PREFIX", "*/", "no IAM wildcard * or ?"],
    ["LAB_SOURCE_PREFIX", "src?/", "no IAM wildcard * or ?"],
    ["LAB_SOURCE_PREFIX", "${aws:username}/", "no ${...}"],
    ["LAB_SOURCE_PREFIX", "a/../source/", "without '//' or a '.' or '..' folder"],
    ["LAB_SOURCE_PREFIX", "./", "without '//' or a '.' or '..' folder"],
    ["LAB_SOURCE_PREFIX", "sou rce/", "letters, digits and !_.'()-/"],
    ["LAB_SOURCE_PREFIX", `${"s".repeat(512)}/`, "at most 512"],
    ["LAB_SOURCE_PREFIX", `${"s".repeat(505)}/`, "at most 505 characters, so that its error prefix (errors/ + the prefix) is at most 512 too"],
    ["LAB_DESTINATION_PREFIX", `${"d".repeat(505)}/`, "at most 505 characters"],
    ["LAB_DESTINATION_PREFIX", "errors/source/x/", "neither contains nor is contained in the source stream's error prefix errors/source/"],
    ["LAB_DESTINATION_PREFIX", "source/processed/", "neither contains nor is contained in the source prefix source/ (LAB_SOURCE_PREFIX's default)"],
    ["LAB_DESTINATION_PREFIX", "sour*/", "no IAM wildcard * or ?"],
    ["LAB_DESTINATION_PREFIX", "errors/source/late/", "the source stream's error prefix errors/source/ (errors/ + LAB_SOURCE_PREFIX's default)"],
    ["LAB_DESTINATION_PREFIX", "errors/", "the source stream's error prefix errors/source/"],
    ["LAB_SOURCE_PREFIX", "errors/", "neither contains nor is contained in the source stream's error prefix errors/errors/ (errors/ + LAB_SOURCE_PREFIX)"],
    ["LAB_SOURCE_PREFIX", "destination/", "neither contains nor is contained in the destination prefix destination/ (LAB_DESTINATION_PREFIX's default)"],
    ["LAB_GENERATOR_RATE", "0", "greater than 0 and at most 2912 with LAB_PACK_BYTES=5000"],
    ["LAB_GENERATOR_RATE", "fast", "greater than 0 and at most 2912 with LAB_PACK_BYTES=5000"],
    ["LAB_GENERATOR_RATE", "2913", "greater than 0 and at most 2912 with LAB_PACK_BYTES=5000"],
    ["LAB_PACK_BYTES", "-1", "an integer from 0 to 1024000"],
    ["LAB_PACK_BYTES", "1024001", "an integer from 0 to 1024000"],
    ["LAB_PACK_BYTES", "4KiB", "an integer from 0 to 1024000"],
    ["LAB_INSTANCE_TYPE", "micro", "an EC2 instance type such as t3.micro"],
    ["LAB_INSTANCE_TYPE", "T3.micro", "an EC2 instance type such as t3.micro"],
    ["LAB_INSTANCE_TYPE", "t4g.micro", "an x86_64 instance type (the generator's image is Amazon Linux 2023 for x86_64); t4g is arm64 (AWS Graviton)"],
    ["LAB_INSTANCE_TYPE", "m7g.large", "m7g is arm64 (AWS Graviton)"],
    ["LAB_INSTANCE_TYPE", "a1.medium", "a1 is arm64 (AWS Graviton)"],
    ["LAB_INSTANCE_TYPE", "mac1.metal", "mac1 is x86_64_mac (a Mac on a dedicated host)"],
    ["LAB_INSTANCE_TYPE", "t3.huge", "a size of t3 that EC2 has: nano, micro, small, medium, large, xlarge, 2xlarge"],
    ["LAB_INSTANCE_TYPE", "q9.large", "aws/ec2-instance-types.json, EC2's own list, has no family q9"],
    ["LAB_INSTANCE_TYPE", "constructor.large", "has no family constructor"],
    ["LAB_REGION", "constructor", "a known AWS region"],
    ["LAB_LOG_RETENTION_DAYS", "10", "one of 1, 3, 5, 7, 14"],
    ["LAB_COMPRESSION", "BZIP2", "one of UNCOMPRESSED, GZIP, ZIP, Snappy, HADOOP_SNAPPY"],
    ["LAB_OBJECT_EXPIRATION_DAYS", "-3", "an integer from 0 to 3650"],
    ["LAB_BUCKET_NAME", "My_Bucket", "an S3 bucket name"],
    ["LAB_BUCKET_NAME", "xn--lab-bucket", "not starting with xn--, sthree-, amzn-s3-demo-"],
    ["LAB_BUCKET_NAME", "lab-bucket-s3alias", "nor ending with -s3alias, --ol-s3, .mrap, --x-s3, --table-s3"],
    ["LAB_BUCKET_NAME", "10.20.30.40", "an S3 bucket name"],
    ["LAB_BUCKET_FORCE_DESTROY", "yes", "true or false"],
    ["LAB_VPC_CIDR", "10.20.0.0/8", "from /16 to /28 (AWS's VPC limits), e.g. 10.20.0.0/24; /8 is outside that"],
    ["LAB_VPC_CIDR", "10.20.0.0/29", "/29 is outside that"],
    ["LAB_VPC_CIDR", "10.20.0.1/24", "the address must be the network address (host bits zero): 10.20.0.0/24"],
    ["LAB_VPC_CIDR", "10.256.0.0/16", "four decimal numbers 0-255 without leading zeros"],
    ["LAB_VPC_CIDR", "010.20.0.0/24", "four decimal numbers 0-255 without leading zeros"],
    ["LAB_VPC_CIDR", "10.20.0.0/024", "four decimal numbers 0-255 without leading zeros"],
    ["LAB_VPC_CIDR", "10.20.0/24", "four decimal numbers 0-255 without leading zeros"],
    ["LAB_VPC_CIDR", "10.20.0.0", "four decimal numbers 0-255 without leading zeros"],
    ["LAB_VPC_CIDR", "127.0.0.0/16", "outside 127.0.0.0/8 (loopback)"],
    ["LAB_VPC_CIDR", "169.254.0.0/16", "outside 169.254.0.0/16 (link-local, where the instance metadata service answers)"],
    ["LAB_VPC_CIDR", "224.1.0.0/16", "outside 224.0.0.0/4 (multicast)"],
    ["LAB_VPC_CIDR", "255.255.255.240/28", "outside 240.0.0.0/4"],
    ["LAB_VPC_CIDR", "0.0.0.0/16", "outside 0.0.0.0/8"],
    ["LAB_STACK_NAME", "Lab Stack", "a lower-case letter"],
    ["LAB_STACK_NAME", "l".repeat(37), "1-36 characters"],
    ["LAB_STACK_NAME", "xn--lab", "not starting with xn--, sthree-, amzn-s3-demo- (reserved by S3)"],
    ["LAB_STACK_NAME", "sthree-lab", "not starting with xn--, sthree-, amzn-s3-demo- (reserved by S3)"],
    ["LAB_STATE_BUCKET", "Team_State", "an S3 bucket name"],
    ["LAB_GENERATOR_MODE", "csv", "synthetic, replay"],
    ["LAB_GENERATOR_MODE", "replay", "synthetic, or replay together with an exact LAB_BUCKET_NAME"],
    ["LAB_REPLAY_KEY", "replay/*.csv", "an S3 object key of letters, digits"],
    ["LAB_REPLAY_KEY", "replay/", "not starting or ending with '/'"],
    ["LAB_REPLAY_KEY", "replay/../source/x.csv", "without '//' or a '.' or '..' folder"],
    ["LAB_REPLAY_KEY", "source/banking_loss.csv", "a key outside the source prefix source/ (LAB_SOURCE_PREFIX's default)"],
    ["LAB_REPLAY_KEY", "destination/banking_loss.csv", "a key outside the destination prefix destination/ (LAB_DESTINATION_PREFIX's default)"],
    [
      "LAB_REPLAY_KEY",
      "errors/source/banking_loss.csv",
      "a key outside the source stream's error prefix errors/source/ (errors/ + LAB_SOURCE_PREFIX's default)",
    ],
    ["LAB_REPLAY_KEY", "errors/destination/x.csv", "a key outside the destination stream's error prefix errors/destination/"],
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
    expect(resolveSettings({ env: { LAB_COMPRESSION: "GZIP", LAB_ANALYTICS_CONCURRENCY: "5" } })).toEqual(
      expect.objectContaining({ compression: "GZIP", analyticsConcurrency: 5 }),
    );
  });

  it("pack records only where the analytics reads them line by line: off with the SQL application, refused on", () => {
    const legacy = { LAB_ANALYTICS_ENGINE: "kinesis-analytics-sql" };
    expect(resolveSettings({ env: legacy }).packBytes).toBe(0);
    expect(resolveSettings({ env: { ...legacy, LAB_PACK_BYTES: "0" } }).packBytes).toBe(0);
    expect(problemsOf({ ...legacy, LAB_PACK_BYTES: "5000" })[0]).toBe(
      'LAB_PACK_BYTES = "5000" is not allowed: most bytes of records packed into one Firehose record (0: one record each) must be 0 with the kinesis-analytics-sql engine (the SQL application reads one JSON document per Firehose record)',
    );
    expect(resolveSettings({ env: { LAB_PACK_BYTES: "1024000" } }).packBytes).toBe(1_024_000);
  });

  it("allow the generator what one Firehose stream takes: 1,000 records and 1 MiB of the lab's records a second", () => {
    // 1 MiB/s over the largest lab record; 1,000 Firehose records/s, each holding what fits in packBytes.
    expect(generatorRateMax(5000)).toBe(Math.floor(1_048_576 / LAB_RECORD_MAX_BYTES));
    expect([0, 359, 720, 1079, 1080, 1_024_000].map(generatorRateMax)).toEqual([1000, 1000, 2000, 2000, 2912, 2912]);
    expect(resolveSettings({ env: { LAB_GENERATOR_RATE: "2912" } }).generatorRate).toBe(2912);
    expect(resolveSettings({ env: { LAB_GENERATOR_RATE: "1000", LAB_PACK_BYTES: "0" } }).generatorRate).toBe(1000);
    expect(problemsOf({ LAB_GENERATOR_RATE: "1001", LAB_PACK_BYTES: "0" })).toEqual([
      'LAB_GENERATOR_RATE = "1001" is not allowed: records per second the generator sends must be a number of records per second greater than 0 and at most 1000 with LAB_PACK_BYTES=0 (2912 with packing of 1080 bytes or more)',
    ]);
    expect(problemsOf({ LAB_GENERATOR_RATE: "2001", LAB_PACK_BYTES: "720" })[0]).toContain(
      "at most 2000 with LAB_PACK_BYTES=720 (2912 with packing of 1080 bytes or more)",
    );
    expect(problemsOf({ LAB_GENERATOR_RATE: "1001", LAB_ANALYTICS_ENGINE: "kinesis-analytics-sql" })[0]).toContain("at most 1000 with LAB_PACK_BYTES=0");
  });

  it("report every bad setting at once", () => {
    const problems = problemsOf({ LAB_BUFFER_SIZE_MIB: "500", LAB_REGION: "mars-1", LAB_SOURCE_PREFIX: "src" });
    expect(problems.map((p) => p.split(" ")[0])).toEqual(["LAB_REGION", "LAB_SOURCE_PREFIX", "LAB_BUFFER_SIZE_MIB"]);
  });

  it("name the cdktf.json key when the bad value comes from context", () => {
    expect(problemsOf({}, { bufferIntervalSeconds: 1000 })[0]).toContain('cdktf.json context "bufferIntervalSeconds" = "1000" is not allowed');
    expect(problemsOf({}, { bufferSizeMiB: [1] })[0]).toBe(
      'cdktf.json context "bufferSizeMiB" = [1] is not allowed: Firehose buffer size in MiB (both streams) must be a string, number or boolean, not an array',
    );
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

/** The problems of settings from the environment, or [] when they are accepted. */
function problemsOrNone(env: Record<string, string>): string[] {
  try {
    resolveSettings({ env });
    return [];
  } catch (e) {
    return [...(e as SettingsError).problems];
  }
}

describe("the stack's key prefixes", () => {
  it("are literal prefixes that never overlap with the defaults, replay key included", () => {
    const prefixes = stackKeyPrefixes(resolveSettings(), true);
    expect(prefixes.map((p) => `${p.name}: ${p.prefix}`)).toEqual([
      "the source prefix: source/",
      "the destination prefix: destination/",
      "the source stream's error prefix: errors/source/",
      "the destination stream's error prefix: errors/destination/",
      "the replay key: replay/banking_loss.csv",
    ]);
    expect(overlappingPrefixes(prefixes)).toEqual([]);
  });

  it("take the error prefixes from the Firehose construct's definition", () => {
    expect(firehoseErrorOutputPrefix("raw/")).toBe("errors/raw/!{firehose:error-output-type}/");
    expect(staticPrefix(firehoseErrorOutputPrefix("raw/"))).toBe("errors/raw/");
    const settings = resolveSettings({ env: { LAB_SOURCE_PREFIX: "raw/" } });
    expect(stackKeyPrefixes(settings).find((p) => p.name === "the source stream's error prefix")?.prefix).toBe("errors/raw/");
  });

  it("check the default replay key in replay mode, naming the setting that was given", () => {
    const replay = { LAB_GENERATOR_MODE: "replay", LAB_BUCKET_NAME: "my-lab-bucket" };
    expect(problemsOf({ ...replay, LAB_SOURCE_PREFIX: "replay/" })).toEqual([
      'LAB_SOURCE_PREFIX = "replay/" is not allowed: S3 key prefix of the raw records must be a key prefix that neither contains nor is contained in ' +
        "the replay key replay/banking_loss.csv (LAB_REPLAY_KEY's default)",
    ]);
    expect(problemsOf({ ...replay, LAB_DESTINATION_PREFIX: "replay/banking_loss.csv/" })[0]).toContain("LAB_DESTINATION_PREFIX");
  });

  it("leave the replay key out in synthetic mode unless it is set (it is then unused, but still checked)", () => {
    expect(resolveSettings({ env: { LAB_SOURCE_PREFIX: "replay/" } }).sourcePrefix).toBe("replay/");
    expect(problemsOf({ LAB_SOURCE_PREFIX: "replay/", LAB_REPLAY_KEY: "replay/lab.csv" })[0]).toMatch(
      /^LAB_REPLAY_KEY = "replay\/lab.csv" is not allowed: .* a key outside the source prefix replay\/ \(LAB_SOURCE_PREFIX\)$/,
    );
  });

  it("blame the later of two given settings, once per setting, and name where the other comes from", () => {
    expect(problemsOf({ LAB_SOURCE_PREFIX: "data/", LAB_DESTINATION_PREFIX: "data/out/" })).toEqual([
      'LAB_DESTINATION_PREFIX = "data/out/" is not allowed: S3 key prefix of the analytics output must be a key prefix that neither contains nor is contained in the source prefix data/ (LAB_SOURCE_PREFIX)',
    ]);
    expect(problemsOf({}, { sourcePrefix: "data/", destinationPrefix: "data/" })[0]).toMatch(
      /^cdktf.json context "destinationPrefix" = "data\/" is not allowed/,
    );
  });

  it("say nothing of overlap for a prefix that is refused on its own", () => {
    expect(problemsOf({ LAB_SOURCE_PREFIX: "destination*/" })).toHaveLength(1);
  });

  it("decide overlap as 'one is the start of the other', symmetrically (property)", () => {
    const segment = fc.stringMatching(/^[ab]{1,3}$/);
    const prefix = fc.array(segment, { minLength: 1, maxLength: 3 }).map((parts) => `${parts.join("/")}/`);
    fc.assert(
      fc.property(prefix, prefix, fc.stringMatching(/^[ab/]{0,4}$/), (a, b, rest) => {
        // A key under both exists exactly when they overlap: the longer prefix (plus anything) is one.
        const longer = a.length >= b.length ? a : b;
        const witness = `${longer}${rest}`;
        expect(prefixesOverlap(a, b)).toBe(prefixesOverlap(b, a));
        expect(prefixesOverlap(a, b)).toBe(witness.startsWith(a) && witness.startsWith(b));
      }),
      { numRuns: 300 },
    );
  });

  it("accept settings only when no object key can fall under two of the stack's prefixes (property)", () => {
    const segment = fc.constantFrom("a", "b", "errors", "source", "destination", "replay");
    const prefix = fc.array(segment, { minLength: 1, maxLength: 3 }).map((parts) => `${parts.join("/")}/`);
    const key = fc.array(segment, { minLength: 1, maxLength: 3 }).map((parts) => `${parts.join("/")}/x.csv`);
    fc.assert(
      fc.property(prefix, prefix, key, fc.boolean(), fc.stringMatching(/^[abx./]{0,6}$/), (source, destination, replayKey, replay, suffix) => {
        const env = {
          LAB_SOURCE_PREFIX: source,
          LAB_DESTINATION_PREFIX: destination,
          LAB_REPLAY_KEY: replayKey,
          ...(replay ? { LAB_GENERATOR_MODE: "replay", LAB_BUCKET_NAME: "my-lab-bucket" } : {}),
        };
        const problems = problemsOrNone(env);
        const settings = {
          ...resolveSettings(),
          sourcePrefix: source,
          destinationPrefix: destination,
          replayKey,
          generatorMode: replay ? ("replay" as const) : ("synthetic" as const),
        };
        const prefixes = stackKeyPrefixes(settings, true).map((p) => p.prefix);
        // Keys under each prefix: the prefix itself, and it followed by random text.
        const keys = prefixes.flatMap((p) => [p, `${p}${suffix}`]);
        const shared = keys.some((k) => prefixes.filter((p) => k.startsWith(p)).length > 1);
        expect({ env, accepted: problems.length === 0 }).toEqual({ env, accepted: !shared });
        for (const p of problems)
          expect(p).toMatch(
            /^LAB_(SOURCE_PREFIX|DESTINATION_PREFIX|REPLAY_KEY) = ".*" is not allowed: .* (neither contains nor is contained in|a key outside) /,
          );
      }),
      { numRuns: 400 },
    );
  });
});

/** A dotted quad from a 32-bit number, computed independently of the code under test. */
const quad = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
const networkOf = (address: number, bits: number) => (bits === 0 ? 0 : (address & (~0 << (32 - bits))) >>> 0);
const inSpecialRange = (address: number) =>
  SPECIAL_IPV4_RANGES.some(({ cidr }) => {
    const [base, bits] = cidr.split("/");
    const start = base.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
    return networkOf(address, Number(bits)) === start;
  });

describe("LAB_VPC_CIDR (properties)", () => {
  const address = fc.integer({ min: 0, max: 2 ** 32 - 1 });
  const cidrProblems = (cidr: string) => problemsOrNone({ LAB_VPC_CIDR: cidr });

  it("accepts every network address from /16 to /28 outside the special ranges", () => {
    fc.assert(
      fc.property(address, fc.integer({ min: 16, max: 28 }), (a, bits) => {
        const network = networkOf(a, bits);
        fc.pre(!inSpecialRange(network));
        expect(resolveSettings({ env: { LAB_VPC_CIDR: `${quad(network)}/${bits}` } }).vpcCidr).toBe(`${quad(network)}/${bits}`);
      }),
      { numRuns: 300 },
    );
  });

  it("refuses an address with host bits set, naming the network address AWS would turn it into", () => {
    fc.assert(
      fc.property(address, fc.integer({ min: 16, max: 28 }), (a, bits) => {
        fc.pre(networkOf(a, bits) !== a >>> 0 && !inSpecialRange(a));
        const [problem] = cidrProblems(`${quad(a)}/${bits}`);
        expect(problem).toContain(`(host bits zero): ${quad(networkOf(a, bits))}/${bits}`);
      }),
      { numRuns: 300 },
    );
  });

  it("refuses a prefix length outside /16-/28, and every block of a special range", () => {
    fc.assert(
      fc.property(address, fc.integer({ min: 0, max: 32 }), (a, bits) => {
        const network = networkOf(a, bits);
        const problems = cidrProblems(`${quad(network)}/${bits}`);
        const allowed = bits >= 16 && bits <= 28 && !inSpecialRange(network);
        expect(problems.length === 0).toBe(allowed);
      }),
      { numRuns: 400 },
    );
  });

  it("refuses octets above 255 and numbers written with leading zeros", () => {
    const octet = fc.integer({ min: 0, max: 255 });
    fc.assert(
      fc.property(fc.tuple(octet, octet, octet), fc.integer({ min: 256, max: 999 }), fc.integer({ min: 0, max: 3 }), (rest, big, at) => {
        const octets = rest.map(String);
        octets.splice(at, 0, String(big));
        expect(cidrProblems(`${octets.join(".")}/24`)[0]).toContain("four decimal numbers 0-255 without leading zeros");
      }),
    );
    fc.assert(
      fc.property(fc.tuple(octet, octet, octet, octet), fc.integer({ min: 0, max: 3 }), (octets, at) => {
        const written = octets.map(String);
        written[at] = `0${written[at]}`;
        expect(cidrProblems(`${written.join(".")}/28`)[0]).toContain("without leading zeros");
      }),
    );
  });
});

describe("LAB_AVAILABILITY_ZONE", () => {
  it.each(AWS_REGIONS.map((r) => [r]))("accepts every zone of %s and no other letter", (region) => {
    for (const zone of availabilityZonesOf(region)) {
      expect(resolveSettings({ env: { LAB_REGION: region, LAB_AVAILABILITY_ZONE: zone } }).availabilityZone).toBe(zone);
    }
    const unknown = Array.from("abcdefghijklmnopqrstuvwxyz")
      .map((l) => `${region}${l}`)
      .filter((z) => !availabilityZonesOf(region).includes(z));
    for (const zone of unknown.slice(0, 3))
      expect(problemsOf({ LAB_REGION: region, LAB_AVAILABILITY_ZONE: zone })[0]).toContain(`a zone of ${region}: ${region}a`);
  });

  it("refuses a zone of another region, and defaults to a zone that exists", () => {
    expect(problemsOf({ LAB_REGION: "ca-central-1", LAB_AVAILABILITY_ZONE: "ca-central-1c" })[0]).toContain(
      "a zone of ca-central-1: ca-central-1a, ca-central-1b, ca-central-1d",
    );
    expect(problemsOf({ LAB_REGION: "eu-west-1", LAB_AVAILABILITY_ZONE: "us-east-1a" })[0]).toContain("a zone of eu-west-1");
    for (const region of AWS_REGIONS) expect(availabilityZonesOf(region)).toContain(resolveSettings({ env: { LAB_REGION: region } }).availabilityZone);
  });
});

describe("LAB_INSTANCE_TYPE", () => {
  it.each(["t3.micro", "t3a.nano", "t2.micro", "m5.large", "c7i-flex.large", "m7i.metal-24xl", "u7i-12tb.224xlarge"])("accepts the x86_64 type %s", (type) => {
    expect(resolveSettings({ env: { LAB_INSTANCE_TYPE: type } }).instanceType).toBe(type);
  });

  it("keeps its data as EC2's list says, with its source (aws/ec2-instance-types.py)", () => {
    const data = JSON.parse(readFileSync(join(__dirname, "..", "aws", "ec2-instance-types.json"), "utf8"));
    expect(data.source).toMatch(/^EC2 DescribeInstanceTypes as recorded in moto \d/);
    const result = spawnSync(python(), [join(__dirname, "..", "aws", "ec2-instance-types.py")], { encoding: "utf8" });
    if (result.status !== 0 && /No module named 'moto'/.test(result.stderr)) {
      console.warn("skipped: the instance-type data is regenerated from moto's copy of EC2's list; moto is not installed here");
      return;
    }
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: "" });
    expect(JSON.parse(result.stdout)).toEqual(data);
  });
});

describe("cdktf.json", () => {
  it("gives its context, and an empty one when it has none", () => {
    expect(cdktfJsonContext('{"app": "node x.js", "context": {"region": "eu-west-1"}}', "cdktf.json")).toEqual({ context: { region: "eu-west-1" } });
    expect(cdktfJsonContext('{"app": "node x.js"}', "cdktf.json")).toEqual({ context: {} });
    expect(settingsFromProject({}).stackName).toBe("streaming-lab"); // the project's own file
  });

  it.each([
    ['{"context": {"region": "eu-west-1",}}', /^cdktf.json is not valid JSON: .* at position 35 \(line 1, column 36\)$/],
    ['{\n  "context": {\n    "region" "eu-west-1"\n  }\n}', /^cdktf.json is not valid JSON: .*\(line 3, column 14\)$/],
    ["", /^cdktf.json is not valid JSON: Unexpected end of JSON input$/],
    ["[]", /^cdktf.json must hold a JSON object, not array$/],
    ['"context"', /^cdktf.json must hold a JSON object, not string$/],
    ['{"context": []}', /^cdktf.json: "context" must be an object of settings by their camelCase names \(see the README's Settings\), not array$/],
    ['{"context": "region=eu-west-1"}', /^cdktf.json: "context" must be an object .*, not string$/],
    ['{"context": null}', /^cdktf.json: "context" must be an object .*, not null$/],
    ['{"app": 5}', /^cdktf.json: "app" must be a string, not number$/],
    ['{"terraformProviders": "aws"}', /^cdktf.json: "terraformProviders" must be an array, not string$/],
    ['{"sendCrashReports": 1}', /^cdktf.json: "sendCrashReports" must be a string or a boolean, not number$/],
    [
      '{"context": {"region": "eu-west-1", "region": "us-east-1"}}',
      /^cdktf.json gives "\/context\/region" more than once \(JSON keeps only the last, silently\)$/,
    ],
  ])("refuses %j in one line naming the file and what is wrong", (text, message) => {
    const result = cdktfJsonContext(text, "cdktf.json");
    expect(result).toEqual({ problem: expect.stringMatching(message) });
    const error = new SettingsError([(result as { problem: string }).problem]);
    expect(error.message).not.toContain("\n");
    expect(exitCodeOf(error)).toBe(2);
  });

  it("reads keys that name JavaScript's own properties as plain keys", () => {
    expect(cdktfJsonContext('{"constructor": 1, "__proto__": {"context": 5}, "toString": []}', "cdktf.json")).toEqual({ context: {} });
    expect(problemsOf({}, JSON.parse('{"__proto__": 1}'))[0]).toContain('cdktf.json context key "__proto__" is not a setting');
  });

  it("stops settingsFromProject with one line naming the file", () => {
    const dir = mkdtempSync(join(tmpdir(), "lab-cdktf-json-"));
    const file = join(dir, "cdktf.json");
    writeFileSync(file, '{"app": "node x.js", "context": {"region": "eu-west-1"');
    // The end of the text: V8's words vary between Node versions, the place does not.
    expect(() => settingsFromProject({}, { file })).toThrow(/^Invalid lab settings: \/\S+\/cdktf\.json is not valid JSON: [^\n]* \(line 1, column 55\)$/);
    expect(() => settingsFromProject({}, { file: join(dir, "missing.json") })).toThrow(
      `Invalid lab settings: ${join(dir, "missing.json")} cannot be read: ENOENT`,
    );
    writeFileSync(file, '{"context": {"region": "eu-west-1", "bufferSizeMiB": 500}}');
    expect(() => settingsFromProject({}, { file })).toThrow('Invalid lab settings: cdktf.json context "bufferSizeMiB" = "500" is not allowed');
  });

  it("finds keys given twice at any depth, and no others", () => {
    expect(duplicateKeys('{"a": {"b": 1, "c": [{"d": 1, "d": 2}], "b\\"": 3}, "a/b": 1, "a/b": 2}')).toEqual(["/a/c/0/d", "/a~1b"]);
    expect(duplicateKeys('{"a": "{\\"a\\": 1, \\"a\\": 2}", "b": ["a", "a"]}')).toEqual([]);
  });
});

describe("unusable settings", () => {
  it("make one line for one problem, one line each for several, and exit code 2", () => {
    expect(new SettingsError(["LAB_X = 1 is not allowed"]).message).toBe("Invalid lab settings: LAB_X = 1 is not allowed");
    expect(new SettingsError(["a", "b"]).message).toBe("Invalid lab settings:\n  - a\n  - b");
    expect(exitCodeOf(new SettingsError(["a"]))).toBe(2);
    expect(exitCodeOf(new Error("a bug"))).toBe(1);
  });
});
