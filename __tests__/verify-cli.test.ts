/**
 * `npm run verify` as a person or a CI job runs it: a child process against a fake S3 (s3rver on
 * 127.0.0.1, started here), its exit status, stdout and stderr; and its argument parsing.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { PROJECT_DIR, settingsFromProject } from "../config/settings";
import { createBucket, firehoseKey, LocalS3, putObject, recordBytes, seedLikeFirehose, startLocalS3 } from "../scripts/local-s3";
import { asDestinationRecord, lossEvents } from "../scripts/loss-events";
import { parseVerifyArgs, stateFilePath, usage, VerifyCommand } from "../scripts/verify";
import { formatDuration, parseDuration } from "../verify/duration";
import { synthLab } from "./helpers/synth";

const VERIFY = join(PROJECT_DIR, "scripts", "verify.ts");
// A stack name of this run only, so its state file is ours (state files are git-ignored).
const STACK = `verify-cli-${process.pid}`;
const records = lossEvents(30, 8);

let s3: LocalS3;
let good: string;
let invalid: string;
let sourceOnly: string;
let invalidKey: string;

beforeAll(async () => {
  s3 = await startLocalS3();
  [good, invalid, sourceOnly] = ["cli-good", "cli-invalid", "cli-source-only"];
  for (const bucket of [good, invalid, sourceOnly]) {
    await createBucket(s3.client, bucket);
    await seedLikeFirehose(s3.client, bucket, { prefix: "source/", stream: "Source", records: records.slice(0, 10), perObject: 10 });
  }
  for (const bucket of [good, invalid]) {
    await seedLikeFirehose(s3.client, bucket, { prefix: "destination/", stream: "Destination", records: records.slice(0, 10).map(asDestinationRecord), perObject: 10, gzip: true });
  }
  invalidKey = firehoseKey("source/", "Source", new Date());
  await putObject(s3.client, invalid, invalidKey, Buffer.concat([recordBytes(records.slice(10, 11), "lines"), Buffer.from('{"Region": "EMEA", "Status": "Lost"}\n')]));
  writeFileSync(stateFilePath(STACK), JSON.stringify({ version: 4, outputs: { bucket_name: { value: good, type: "string" } } }));
});
afterAll(async () => {
  rmSync(stateFilePath(STACK), { force: true });
  await s3?.stop();
});

/** Runs `npm run verify -- <args>` (what the npm script runs) with only the given settings and S3 credentials. */
function verify(args: string[], env: Record<string, string> = {}) {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("LAB_") && !k.startsWith("AWS_")));
  const result = spawnSync(process.execPath, ["-r", join(PROJECT_DIR, "scripts", "register-ts.js"), VERIFY, ...args], {
    encoding: "utf8",
    env: {
      ...base,
      AWS_ACCESS_KEY_ID: "S3RVER",
      AWS_SECRET_ACCESS_KEY: "S3RVER",
      // The SDK's notice that Node.js 20 support ends in 2027 would be a second line on stderr.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      LAB_STACK_NAME: STACK,
      ...env,
    },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("npm run verify (a child process, against a fake S3 on 127.0.0.1)", () => {
  it("exits 0 with a table when both prefixes hold valid records; the bucket comes from the local state", () => {
    const run = verify(["--endpoint", s3.endpoint]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Bucket cli-good: objects modified in the last 1h \(checked \S+ in \S+\)\n/);
    expect(run.stdout).toMatch(/\nrecords +10 +10\n/);
    expect(run.stdout).toMatch(/\nformats +json 1 +gzip 1\n/);
    expect(run.stdout).toMatch(/\nmatch a source record +- +10 \(100\.0%\)\n/);
    expect(run.stdout).toContain("\nPASS: both prefixes hold valid records; 0 invalid records (0 allowed)\n");
  });

  it("exits 1 and lists the invalid records with their object and position", () => {
    const run = verify(["--bucket", invalid, "--endpoint", s3.endpoint]);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(`\nInvalid records under source/ (1):\n  ${invalidKey}\n    record 2 (line 2, byte `);
    expect(run.stdout).toMatch(/\(line 2, byte \d+\): \(record\): must have required property 'Business' \(Business\); .*Status: must be equal to one of the allowed values/);
    expect(run.stdout).toContain("\nFAIL: 1 invalid record, more than the 0 allowed\n");
  });

  it("prints the report as JSON for machines", () => {
    const run = verify(["--bucket", invalid, "--endpoint", s3.endpoint, "--format", "json", "--since", "all"]);
    expect(run.status).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({
      bucket: invalid,
      sinceMs: null,
      passed: false,
      failures: ["1 invalid record, more than the 0 allowed"],
      source: { objects: 2, records: 12, valid: 11, invalid: 1, problems: [{ key: invalidKey, record: 2, line: 2 }] },
      destination: { objects: 1, valid: 10, matchingSource: 10 },
    });
  });

  it("exits 1 with one line on stderr for a missing bucket, or when S3 cannot be reached", () => {
    const missing = verify(["--bucket", "no-such-bucket", "--endpoint", s3.endpoint]);
    expect(missing).toEqual({ status: 1, stdout: "", stderr: "verify: cannot list s3://no-such-bucket/source/: the bucket does not exist (NoSuchBucket)\n" });
    const unreachable = verify(["--bucket", good, "--endpoint", "http://127.0.0.1:1"]);
    expect(unreachable).toEqual({ status: 1, stdout: "", stderr: "verify: cannot list s3://cli-good/source/: cannot reach S3 (ECONNREFUSED)\n" });
  });

  it("with --wait, polls and prints one progress line per look when stderr is not a terminal, then fails when time runs out", () => {
    const run = verify(["--bucket", sourceOnly, "--endpoint", s3.endpoint, "--wait", "1s"]);
    expect(run.status).toBe(1);
    const lines = run.stderr.trimEnd().split("\n");
    expect(lines[0]).toBe(
      "verify: waiting up to 1s for valid records under source/ and destination/ of cli-source-only; Firehose delivers within about its buffer interval (60s)",
    );
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines[1]).toMatch(/^verify: \d+ms of 1s: source\/ 1 object, 10 records \(10 valid\); destination\/ 0 objects, 0 records \(0 valid\); next look in \d+ms$/);
    expect(lines[lines.length - 1]).toMatch(/^verify: 1s of 1s: source\/ 1 object, 10 records \(10 valid\); destination\/ 0 objects, 0 records \(0 valid\)$/);
    expect(run.stdout).toContain("FAIL: destination/ holds no object modified in the last 1h");
  });

  it("exits 2 with the problems and the usage for bad usage", () => {
    const run = verify(["--since", "5x", "--max-invalid=-1"]);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain('verify: --since = "5x" is not allowed: it must be a number with a unit (ms, s, m, h, d)');
    expect(run.stderr).toContain('verify: --max-invalid = "-1" is not allowed: it must be a whole number, 0 or more');
    expect(run.stderr).toContain("\nUsage: npm run verify -- [--bucket NAME] [options]\n");
  });
});

describe("npm run bench:verify", () => {
  it("seeds its own fake S3, times full verification passes and reports records per second", () => {
    const result = spawnSync(
      process.execPath,
      ["-r", join(PROJECT_DIR, "scripts", "register-ts.js"), join(PROJECT_DIR, "scripts", "verify-benchmark.ts"), "--records", "300", "--per-object", "100", "--runs", "2", "--gzip", "--format", "json"],
      { encoding: "utf8", env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" } },
    );
    expect(result.status).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ recordsPerPrefix: 300, objects: 6, gzip: true, runs: [{ records: 600 }, { records: 600 }] });
    expect(summary.medianRecordsPerSecond).toBeGreaterThan(0);
    expect(summary.inMemoryRecordsPerSecond).toHaveLength(2);
    expect(result.stderr).toContain("bench:verify: run 2/2: 600 records in ");
  });
});

describe("verify's arguments", () => {
  const project = mkdtempSync(join(tmpdir(), "verify-args-"));
  afterAll(() => rmSync(project, { recursive: true, force: true }));
  const parse = (argv: string[], env: Record<string, string> = {}) => parseVerifyArgs(argv, env, project);
  const command = (argv: string[], env: Record<string, string> = {}): VerifyCommand => {
    const parsed = parse(argv, env);
    if (!("command" in parsed)) throw new Error(`expected a command, got ${JSON.stringify(parsed)}`);
    return parsed.command;
  };
  const usageError = (argv: string[], env: Record<string, string> = {}): string => {
    const parsed = parse(argv, env);
    if (!("usageError" in parsed)) throw new Error(`expected a usage error, got ${JSON.stringify(parsed)}`);
    return parsed.usageError;
  };

  it("take their defaults from the stack's settings", () => {
    expect(command(["--bucket", "b"])).toEqual({
      bucket: "b",
      region: "us-east-1",
      endpoint: undefined,
      sourcePrefix: "source/",
      destinationPrefix: "destination/",
      sinceMs: 3_600_000,
      waitMs: 0,
      pollMs: 15_000,
      maxInvalid: 0,
      format: "text",
      bufferIntervalSeconds: 60,
    });
    expect(command(["--bucket", "b"], { LAB_REGION: "eu-west-1", LAB_SOURCE_PREFIX: "raw/", LAB_DESTINATION_PREFIX: "out/", LAB_BUFFER_INTERVAL_SECONDS: "20" })).toMatchObject({
      region: "eu-west-1",
      sourcePrefix: "raw/",
      destinationPrefix: "out/",
      pollMs: 5_000,
    });
    expect(command(["--bucket", "b", "--source-prefix", "a/", "--since", "1h30m", "--wait", "2m", "--max-invalid", "3", "--format", "json"])).toMatchObject({
      sourcePrefix: "a/",
      sinceMs: 5_400_000,
      waitMs: 120_000,
      maxInvalid: 3,
      format: "json",
    });
  });

  it("name the bucket from --bucket, else the local state's bucket_name output, else LAB_BUCKET_NAME", () => {
    expect(usageError([])).toBe("no bucket: pass --bucket NAME (the project folder has no local state terraform.streaming-lab.tfstate with a bucket_name output, and LAB_BUCKET_NAME is not set)");
    expect(command([], { LAB_BUCKET_NAME: "from-setting" }).bucket).toBe("from-setting");
    writeFileSync(join(project, "terraform.streaming-lab.tfstate"), JSON.stringify({ outputs: { bucket_name: { value: "from-state" } } }));
    expect(command([], { LAB_BUCKET_NAME: "from-setting" }).bucket).toBe("from-state");
    expect(command(["--bucket", "given"]).bucket).toBe("given");
    writeFileSync(join(project, "terraform.streaming-lab.tfstate"), JSON.stringify({ outputs: {} })); // a deploy that failed early
    expect(command([], { LAB_BUCKET_NAME: "from-setting" }).bucket).toBe("from-setting");
  });

  it("read the state file the stack's local backend writes, and the output the stack declares", () => {
    const { json } = synthLab();
    const backendPath = (json.terraform!.backend as { local: { path: string } }).local.path;
    // Terraform runs in cdktf.out/stacks/<stack>, so the path is relative to that folder.
    expect(resolve(PROJECT_DIR, "cdktf.out", "stacks", "streaming-lab", backendPath)).toBe(stateFilePath("streaming-lab"));
    expect(Object.keys(json.output!)).toContain("bucket_name");
  });

  it.each([
    [["--region", "mars-1"], '--region = "mars-1" is not allowed: it must be a known AWS region (af-south-1,'],
    [["--source-prefix", "source"], "--source-prefix = \"source\" is not allowed: it must be an S3 key prefix ending with '/'"],
    [["--destination-prefix", "/out/"], "--destination-prefix = \"/out/\" is not allowed"],
    [["--since", "0s"], '--since = "0s" is not allowed: it must be a number with a unit'],
    [["--since", "10"], '--since = "10" is not allowed'],
    [["--wait", "soon"], '--wait = "soon" is not allowed: it must be a number with a unit (ms, s, m, h, d), or several: 90s, 15m, 1h30m, 2d, or 0'],
    [["--max-invalid", "1.5"], '--max-invalid = "1.5" is not allowed: it must be a whole number, 0 or more'],
    [["--format", "yaml"], '--format = "yaml" is not allowed: it must be text or json'],
    [["--endpoint", "127.0.0.1:9000"], '--endpoint = "127.0.0.1:9000" is not allowed: it must be an http:// or https:// URL'],
    [["--bucket"], "Option '--bucket <value>' argument missing"],
    [["--bukket", "x"], "Unknown option '--bukket'"],
    [["extra"], "Unexpected argument 'extra'"],
  ])("refuse %j, naming the option, the value and what is allowed", (argv, message) => {
    expect(usageError(["--bucket", "b", ...argv].slice(argv[0] === "--bucket" ? 2 : 0))).toContain(message);
  });

  it("answer --help with the usage, showing the defaults in force", () => {
    expect(parse(["--help"])).toEqual({ help: true });
    expect(usage(settingsFromProject({ LAB_SOURCE_PREFIX: "raw/" }))).toContain("--source-prefix P         default: LAB_SOURCE_PREFIX, raw/\n");
  });

  it("accept any region name with a custom endpoint, and refuse bad project settings", () => {
    expect(command(["--bucket", "b", "--endpoint", "http://127.0.0.1:9000", "--region", "local"]).region).toBe("local");
    expect(usageError(["--bucket", "b"], { LAB_SOURCE_PREFIX: "raw" })).toContain('LAB_SOURCE_PREFIX = "raw" is not allowed');
  });
});

describe("durations", () => {
  it.each([
    ["90s", 90_000],
    ["15m", 900_000],
    ["1h30m", 5_400_000],
    ["2d", 172_800_000],
    ["1.5h", 5_400_000],
    ["250ms", 250],
  ])("parse %s", (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(["", "10", "h", "5 m", "-5s", "5x", "1h 30m"])("refuse %j", (text) => expect(parseDuration(text)).toBeUndefined());

  it.each([
    [850, "850ms"],
    [42_000, "42s"],
    [185_000, "3m 5s"],
    [3_600_000, "1h"],
    [7_800_000, "2h 10m"],
    [273_600_000, "3d 4h"],
  ])("format %d ms as %s", (ms, text) => expect(formatDuration(ms)).toBe(text));
});
