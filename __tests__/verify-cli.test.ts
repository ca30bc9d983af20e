/**
 * `npm run verify` as a person or a CI job runs it: a child process against a fake S3 (s3rver on
 * 127.0.0.1, started here), its exit status, stdout and stderr; and its argument parsing.
 */
import { execFile, spawn, spawnSync } from "node:child_process";
import { createServer } from "node:http";
import { AddressInfo, createServer as createNetServer } from "node:net";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { PROJECT_DIR, settingsFromProject } from "../config/settings";
import { createBucket, firehoseKey, LocalS3, putObject, recordBytes, seedLikeFirehose, startLocalS3 } from "../fixtures/local-s3";
import { asDestinationRecord, lossEvents } from "../fixtures/loss-events";
import { parseVerifyArgs, stateFilePath, usage } from "../scripts/verify";
import { s3ClientFor, VerifyCommand } from "../verify/run-verify";
import { S3Problem } from "../verify/s3";
import { Verifier } from "../verify/verifier";
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
  // Delivered ten minutes ago (rows a minute later): older than the default processing allowance (2m).
  const sourceAt = new Date(Date.now() - 10 * 60_000);
  const destinationAt = new Date(sourceAt.getTime() + 60_000);
  for (const bucket of [good, invalid, sourceOnly]) {
    await createBucket(s3.client, bucket);
    const at = bucket === sourceOnly ? new Date() : sourceAt; // a source just delivered: nothing to judge yet
    for (const { key } of await seedLikeFirehose(s3.client, bucket, {
      prefix: "source/",
      stream: "Source",
      records: records.slice(0, 10),
      perObject: 10,
      at,
    })) {
      s3.setLastModified(bucket, key, at);
    }
  }
  for (const bucket of [good, invalid]) {
    const rows = records.slice(0, 10).map(asDestinationRecord);
    for (const { key } of await seedLikeFirehose(s3.client, bucket, {
      prefix: "destination/",
      stream: "Destination",
      records: rows,
      perObject: 10,
      gzip: true,
      at: destinationAt,
    })) {
      s3.setLastModified(bucket, key, destinationAt);
    }
  }
  invalidKey = firehoseKey("source/", "Source", new Date());
  await putObject(
    s3.client,
    invalid,
    invalidKey,
    Buffer.concat([recordBytes(records.slice(10, 11), "lines"), Buffer.from('{"Region": "EMEA", "Status": "Lost"}\n')]),
  );
  writeFileSync(stateFilePath(STACK), JSON.stringify({ version: 4, outputs: { bucket_name: { value: good, type: "string" } } }));
});
afterAll(async () => {
  rmSync(stateFilePath(STACK), { force: true });
  await (s3 as LocalS3 | undefined)?.stop(); // unset when beforeAll failed
});

/** The environment `npm run verify` gets here: only the given settings, and the fake S3's credentials. */
function verifyEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("LAB_") && !k.startsWith("AWS_")));
  return {
    ...base,
    AWS_ACCESS_KEY_ID: "S3RVER",
    AWS_SECRET_ACCESS_KEY: "S3RVER",
    // The SDK's notice that Node.js 20 support ends in 2027 would be a second line on stderr.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    LAB_STACK_NAME: STACK,
    ...env,
  };
}
const VERIFY_ARGV = ["-r", join(PROJECT_DIR, "loader", "register-ts.js"), VERIFY];

/** Runs `npm run verify -- <args>` (what the npm script runs). */
function verify(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [...VERIFY_ARGV, ...args], { encoding: "utf8", env: verifyEnv(env) });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The same, without blocking this process (a server in it must answer). */
async function verifyAsync(args: string[], env: Record<string, string> = {}) {
  const child = execFile(process.execPath, [...VERIFY_ARGV, ...args], { encoding: "utf8", env: verifyEnv(env) });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: string) => (stdout += d));
  child.stderr!.on("data", (d: string) => (stderr += d));
  const status = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { status, stdout, stderr };
}

describe("npm run verify (a child process, against a fake S3 on 127.0.0.1)", () => {
  it("exits 0 with a table when both prefixes hold valid records; the bucket comes from the local state", () => {
    const run = verify(["--endpoint", s3.endpoint]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Bucket cli-good: objects modified in the last 1h \(checked \S+ in \S+\)\n/);
    expect(run.stdout).toMatch(/\nrecords +10 +10\n/);
    expect(run.stdout).toMatch(/\nformats +json 1 +gzip 1\n/);
    expect(run.stdout).toMatch(/\nexpected at destination \(older than 2m\) +10 +-\nfound at destination +10 +-\nmissing at destination +0 +-\n/);
    expect(run.stdout).toMatch(/\nmatch a source record +- +10 \(100\.0%\)\nmatch no source record +- +0\n/);
    expect(run.stdout).toContain("\nPASS: 10 of 10 source records older than 2m reached destination/ (0 missing, 0 allowed); 0 invalid records (0 allowed)\n");
  });

  it("exits 1 and lists the invalid records with their object and position", () => {
    const run = verify(["--bucket", invalid, "--endpoint", s3.endpoint]);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(`\nInvalid records under source/ (1):\n  ${invalidKey}\n    record 2 (line 2, byte `);
    expect(run.stdout).toMatch(
      /\(line 2, byte \d+\): \(record\): must have required property 'Business' \(Business\); .*Status: must be equal to one of the allowed values/,
    );
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
    // 3s: time for a second look even when a loaded machine makes the first one slow.
    const run = verify(["--bucket", sourceOnly, "--endpoint", s3.endpoint, "--wait", "3s"]);
    expect(run.status).toBe(1);
    const lines = run.stderr.trimEnd().split("\n");
    expect(lines[0]).toBe(
      "verify: waiting up to 3s for valid records under source/ and destination/ of cli-source-only, and for source records older than 2m to judge; " +
        "Firehose delivers within about its buffer interval (60s)",
    );
    expect(lines.length).toBeGreaterThanOrEqual(3);
    const look = "source/ 1 object, 10 records (10 valid); destination/ 0 objects, 0 records (0 valid); 0 of 0 records old enough found";
    expect(lines[1]).toMatch(new RegExp(`^verify: \\d+ms of 3s: ${look.replace(/[()]/g, "\\$&")}; next look in \\d+m?s$`));
    expect(lines[lines.length - 1]).toBe(`verify: 3s of 3s: ${look}`);
    expect(run.stdout).toContain(
      "FAIL: destination/ holds no object modified in the last 1h; no valid source record is older than the processing allowance (2m) yet, so none can be judged\n",
    );
  });

  it("exits 2 with one line per problem for bad usage", () => {
    const run = verify(["--since", "5x", "--max-invalid=-1"]);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr.split("\n")).toEqual([
      'verify: --since = "5x" is not allowed: it must be a number with a unit (ms, s, m, h, d), or several: 90s, 15m, 1h30m, 2d, or all',
      'verify: --max-invalid = "-1" is not allowed: it must be a whole number, 0 or more',
      "",
    ]);
  });

  it.each([
    [["--source-prefix", "data/", "--destination-prefix", "data/"], {}, '--source-prefix = "data/" and --destination-prefix = "data/" are the same prefix: '],
    [
      ["--destination-prefix", "source/out/"],
      {},
      'LAB_SOURCE_PREFIX = "source/" and --destination-prefix = "source/out/" overlap (one is a prefix of the other): ',
    ],
    [[], { LAB_SOURCE_PREFIX: "data/", LAB_DESTINATION_PREFIX: "data/out/" }, 'LAB_DESTINATION_PREFIX = "data/out/" is not allowed'],
    [
      ["--since", "2m"],
      {},
      '--since = "2m" is not allowed with a processing allowance of 2m (the analytics timeout + the buffer interval): no record in the window would be old enough to judge',
    ],
    [["--allowance", "soon"], {}, '--allowance = "soon" is not allowed: it must be a number with a unit'],
    [["--max-missing", "1e3"], {}, '--max-missing = "1e3" is not allowed: it must be a whole number, 0 or more'],
    [["--bukket", "x"], {}, "Unknown option '--bukket' (npm run verify -- --help lists the options)"],
  ])("refuses %j %j with one line and exit status 2, before any request", (args, env, message) => {
    const run = verify(["--endpoint", "http://127.0.0.1:1", ...args], env);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^verify: [^\n]+\n$/);
    expect(run.stderr).toContain(message);
  });

  it("refuses a local state file that is not JSON with one line naming it, exit status 2", () => {
    const stack = `${STACK}-corrupt`;
    writeFileSync(stateFilePath(stack), '{"version": 4, "outputs": {');
    try {
      const run = verify(["--endpoint", s3.endpoint], { LAB_STACK_NAME: stack });
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(
        new RegExp(
          `^verify: terraform\\.${stack}\\.tfstate cannot be read as a Terraform state \\([^\n]+\\): pass --bucket NAME, or repair or remove the file\n$`,
        ),
      );
    } finally {
      rmSync(stateFilePath(stack), { force: true });
    }
  });

  it("exits 1 with one line when the endpoint answers, but not as S3 does", async () => {
    const server = createServer((_request, response) => response.writeHead(200, { "content-type": "text/html" }).end("<html><body>It works!</body></html>"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const run = await verifyAsync(["--bucket", good, "--endpoint", endpoint]);
      expect(run).toEqual({
        status: 1,
        stdout: "",
        stderr: "verify: cannot list s3://cli-good/source/: the endpoint's answer is not an S3 listing (no ListBucketResult): is it an S3 server?\n",
      });
    } finally {
      server.close();
    }
  });

  it("gives up on an endpoint that accepts connections but never answers, with one line", async () => {
    const silent = createNetServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: "S3RVER" });
    const client = s3ClientFor({ region: "us-east-1", endpoint: `http://127.0.0.1:${(silent.address() as AddressInfo).port}` }, 200);
    try {
      const failure = await new Verifier({ client, bucket: "b", sourcePrefix: "source/", destinationPrefix: "destination/", processingAllowanceMs: 0 })
        .check()
        .catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(S3Problem);
      expect((failure as Error).message).toMatch(/^cannot list s3:\/\/b\/source\/: cannot reach S3 \(TimeoutError: [^\n]+ 200 ms of inactivity/);
    } finally {
      process.env = saved;
      client.destroy();
      silent.close();
    }
  });
});

describe("npm run local-s3", () => {
  const LOCAL_S3 = [join(PROJECT_DIR, "loader", "register-ts.js"), join(PROJECT_DIR, "scripts", "local-s3.ts")];
  const localS3 = (args: string[]) =>
    spawnSync(process.execPath, ["-r", ...LOCAL_S3, ...args], {
      encoding: "utf8",
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    });

  it("serves a bucket the verifier passes as it is, every record old enough to judge", async () => {
    const server = spawn(process.execPath, ["-r", ...LOCAL_S3, "--records", "40", "--port", "0"], {
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    });
    try {
      let out = "";
      const command = await new Promise<string>((resolve, reject) => {
        server.stdout.on("data", (d: Buffer) => {
          out += d.toString();
          const match = /npm run verify -- (.+)$/m.exec(out);
          if (match) resolve(match[1]);
        });
        server.once("exit", (code) => reject(new Error(`local-s3 exited ${String(code)}: ${out}`)));
      });
      const run = await verifyAsync(command.split(" "));
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
      expect(run.stdout).toContain(
        "\nPASS: 40 of 40 source records older than 2m reached destination/ (0 missing, 0 allowed); 0 invalid records (0 allowed)\n",
      );
    } finally {
      server.kill("SIGTERM");
      await new Promise((resolve) => server.once("exit", resolve));
    }
  });

  it("answers a port already in use with one line and exit status 2", async () => {
    const taken = createNetServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const run = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, ["-r", ...LOCAL_S3, "--port", String(port), "--records", "5"], { encoding: "utf8" }, (error, stdout, stderr) =>
          resolve({ status: error ? (error.code as number) : 0, stdout, stderr }),
        );
      });
      expect(run).toEqual({ status: 2, stdout: "", stderr: `local-s3: port ${port} on 127.0.0.1 is already in use: pass another --port (0: any free port)\n` });
    } finally {
      taken.close();
    }
  });

  it.each([
    [["--port", "70000"], 'local-s3: --port = "70000" is not allowed: it must be a port number, 0-65535 (0: any free port)'],
    [["--records", "1.5"], 'local-s3: --records = "1.5" is not allowed: it must be a whole number from 1 to 1,000,000 (they are generated and held in memory)'],
    [["--bucket", "Lab_Local"], `local-s3: --bucket = "Lab_Local" is not allowed: it must be an S3 bucket name`],
    [["--bogus"], "local-s3: Unknown option '--bogus' (options: --records N, --port P, --bucket NAME)"],
  ])("refuses %j with one line and exit status 2", (args, line) => {
    const run = localS3(args);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^local-s3: [^\n]+\n$/);
    expect(run.stderr.startsWith(line)).toBe(true);
  });
});

describe("npm run bench:verify", () => {
  it.each([["--layout", "xml"], ["--runs", "0"], ["--format", "yaml"], ["--bogus"]])("refuses %j with one line and exit status 2", (...args) => {
    const run = spawnSync(process.execPath, ["-r", join(PROJECT_DIR, "loader", "register-ts.js"), join(PROJECT_DIR, "scripts", "bench-verify.ts"), ...args], {
      encoding: "utf8",
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^bench:verify: [^\n]+ \(usage: npm run bench:verify -- [^\n]+\)\n$/);
  });

  it("seeds its own fake S3, times full verification passes and reports records per second", () => {
    const result = spawnSync(
      process.execPath,
      [
        "-r",
        join(PROJECT_DIR, "loader", "register-ts.js"),
        join(PROJECT_DIR, "scripts", "bench-verify.ts"),
        "--records",
        "300",
        "--per-object",
        "100",
        "--runs",
        "2",
        "--gzip",
        "--format",
        "json",
      ],
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
    expect(command(["--bucket", "lab-b"])).toEqual({
      bucket: "lab-b",
      region: "us-east-1",
      endpoint: undefined,
      sourcePrefix: "source/",
      destinationPrefix: "destination/",
      sinceMs: 3_600_000,
      waitMs: 0,
      pollMs: 15_000,
      maxInvalid: 0,
      processingAllowanceMs: 120_000,
      maxMissing: 0,
      format: "text",
      bufferIntervalSeconds: 60,
    });
    expect(
      command(["--bucket", "lab-b"], { LAB_REGION: "eu-west-1", LAB_SOURCE_PREFIX: "raw/", LAB_DESTINATION_PREFIX: "out/", LAB_BUFFER_INTERVAL_SECONDS: "20" }),
    ).toMatchObject({
      region: "eu-west-1",
      sourcePrefix: "raw/",
      destinationPrefix: "out/",
      pollMs: 5_000,
    });
    expect(command(["--bucket", "lab-b", "--source-prefix", "a/", "--since", "1h30m", "--wait", "2m", "--max-invalid", "3", "--format", "json"])).toMatchObject(
      {
        sourcePrefix: "a/",
        sinceMs: 5_400_000,
        waitMs: 120_000,
        maxInvalid: 3,
        format: "json",
      },
    );
    expect(command(["--bucket", "lab-b", "--allowance", "5m", "--max-missing", "7"])).toMatchObject({ processingAllowanceMs: 300_000, maxMissing: 7 });
    expect(command(["--bucket", "lab-b", "--allowance", "0", "--since", "1m"])).toMatchObject({ processingAllowanceMs: 0, sinceMs: 60_000 });
    // The allowance follows the settings: the function's timeout plus the buffer interval.
    expect(command(["--bucket", "lab-b"], { LAB_ANALYTICS_TIMEOUT_SECONDS: "300", LAB_BUFFER_INTERVAL_SECONDS: "900" }).processingAllowanceMs).toBe(1_200_000);
  });

  it("name the bucket from --bucket, else the local state's bucket_name output, else LAB_BUCKET_NAME", () => {
    expect(usageError([])).toBe(
      "no bucket: pass --bucket NAME (the project folder has no local state terraform.streaming-lab.tfstate with a bucket_name output, and LAB_BUCKET_NAME is not set)",
    );
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
    [["--destination-prefix", "/out/"], '--destination-prefix = "/out/" is not allowed'],
    [["--since", "0s"], '--since = "0s" is not allowed: it must be a number with a unit'],
    [["--since", "10"], '--since = "10" is not allowed'],
    [["--wait", "soon"], '--wait = "soon" is not allowed: it must be a number with a unit (ms, s, m, h, d), or several: 90s, 15m, 1h30m, 2d, or 0'],
    [["--max-invalid", "1.5"], '--max-invalid = "1.5" is not allowed: it must be a whole number, 0 or more'],
    [["--format", "yaml"], '--format = "yaml" is not allowed: it must be text or json'],
    [["--endpoint", "127.0.0.1:9000"], '--endpoint = "127.0.0.1:9000" is not allowed: it must be an http:// or https:// URL'],
    [["--endpoint", "http://[::1"], '--endpoint = "http://[::1" is not allowed: it must be an http:// or https:// URL'],
    [["--endpoint", "http://127.0.0.1:9000", "--region", ""], `--region = "" is not allowed: it must be a region name: 1-64 letters, digits and '-'`],
    [["--bucket", "Lab Bucket"], '--bucket = "Lab Bucket" is not allowed: it must be an S3 bucket name: 3-63 characters'],
    [["--bucket"], "Option '--bucket <value>' argument missing"],
    [["--bukket", "x"], "Unknown option '--bukket' (npm run verify -- --help lists the options)"],
    [["extra"], "Unexpected argument 'extra'"],
  ])("refuse %j, naming the option, the value and what is allowed", (argv, message) => {
    expect(usageError(["--bucket", "lab-b", ...argv].slice(argv[0] === "--bucket" ? 2 : 0))).toContain(message);
  });

  it("answer --help with the usage, showing the defaults in force", () => {
    expect(parse(["--help"])).toEqual({ help: true });
    expect(usage(settingsFromProject({ LAB_SOURCE_PREFIX: "raw/" }))).toContain("--source-prefix P         default: LAB_SOURCE_PREFIX, raw/\n");
  });

  it("accept any region name with a custom endpoint, and refuse bad project settings", () => {
    expect(command(["--bucket", "lab-b", "--endpoint", "http://127.0.0.1:9000", "--region", "local"]).region).toBe("local");
    expect(usageError(["--bucket", "lab-b"], { LAB_SOURCE_PREFIX: "raw" })).toContain('LAB_SOURCE_PREFIX = "raw" is not allowed');
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
