/**
 * The whole lab on one machine, in phases that `npm start` and the lifecycle test share:
 *
 *   up()       synth the stack for the local AWS, start it, terraform init + apply (start() + deploy())
 *   flow()     run the generator as the instance would, deliver S3 events to the function as
 *              Lambda would, and count the records at every hop until they agree
 *   verify()   `npm run verify` against the local bucket
 *   destroy()  as `npm run destroy` does: refuse a bucket holding data, or empty it; terraform destroy
 *   stop()     stop the local AWS (its resources go with it) and remove the run's folder
 */
import { spawn } from "node:child_process";
import { mkdirSync, openSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import { generatorRateMax, LabSettings, settingsFromProject } from "../config/settings";
import { prepareBucketForDestroy } from "../terraform/bucket-contents";
import { providerSource } from "../terraform/terraform";
import { GeneratorRun, installFromUserData, InstalledGenerator, startGenerator } from "./generator-process";
import { PrefixCounter, PrefixCount } from "./hop-counts";
import { writeRunRecord } from "./run-record";
import { EventOutcome, LambdaServiceOptions, LocalLambdaService } from "./lambda-service";
import { LocalAws, localAwsEnv, localClientConfig } from "./local-aws";
import { ProviderProcess } from "../terraform/provider-process";
import { localProviderEnv } from "./endpoints";
import { applyWithProgress, initLocalStack, LocalStack, readLocalState, resourceCount, synthLocalStack, writeLocalOverrides } from "./local-stack";
import { StatusLine } from "./status-line";

/**
 * Settings a local run uses where the project sets none: the generator at the highest rate allowed
 * with and without packing, so that thousands of records flow in seconds whatever LAB_PACK_BYTES
 * says (LAB_GENERATOR_RATE or cdktf.json still win).
 */
const LOCAL_RUN_DEFAULTS = { generatorRate: generatorRateMax(0) } as const;

/** How long the pipeline may make no progress before a flow stops and reports the hop that stalled. */
const STALL_MS = 60_000;

export interface LocalLabOptions {
  /** The run's folder: synthesized stack, state, certificates, logs. Removed by stop(). */
  readonly outdir: string;
  /** Environment: LAB_* settings and the provider mirror (default: process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** TLS port of the local AWS (0, the default: any free port). */
  readonly port?: number;
  /** Also serve plain HTTP, to prove TLS-only policies (the lifecycle test). */
  readonly plainHttp?: boolean;
  /** Leave the local AWS running after this process (npm start --keep). */
  readonly keep?: boolean;
  /** Lambda emulation options (retry delays). */
  readonly lambda?: Pick<LambdaServiceOptions, "retryDelaysMs">;
  /** Progress output (default: stderr). */
  readonly stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

/** Records at each hop. */
export interface HopCounts {
  readonly generated: number;
  readonly givenUp: number;
  readonly source: PrefixCount;
  readonly processedObjects: number;
  readonly processedRecords: number;
  readonly rowsSent: number;
  readonly failedObjects: number;
  readonly notDelivered: number;
  readonly destination: PrefixCount;
}

export interface FlowResult {
  readonly counts: HopCounts;
  /** Every hop holds the same records and no object failed. */
  readonly complete: boolean;
  /** Why the flow stopped before every hop agreed, when it did. */
  readonly stalled?: string;
  readonly seconds: number;
  readonly generatorStatus: number;
}

export interface FlowOptions {
  /** Stop after this many records (otherwise: until stop() resolves). */
  readonly records?: number;
  /** Resolves when a run without a record count should stop (Ctrl-C). */
  readonly stop?: Promise<void>;
  /** Called with the counts at every look (about four times a second). */
  readonly onProgress?: (counts: HopCounts) => void;
}

export class LocalLab {
  /** How long each part of the deploy took, in ms. */
  timings = { synth: 0, localAws: 0, init: 0, apply: 0 };

  private constructor(
    readonly aws: LocalAws,
    private readonly synthesized: LocalStack,
    readonly settings: LabSettings,
    readonly s3: S3Client,
    private readonly options: LocalLabOptions,
    readonly status: StatusLine,
  ) {}

  /** The AWS provider process Terraform attaches to, from init until stop() (see terraform/provider-process.ts). */
  private provider: ProviderProcess | undefined;

  /** The AWS provider's environment: Terraform's, with the local AWS's endpoints and CA and no AWS_* of this machine. */
  providerEnv(): NodeJS.ProcessEnv {
    return localProviderEnv(this.synthesized.env, this.synthesized.json, this.aws);
  }

  /** The synthesized stack; once initialized, its Terraform environment attaches to the run's provider process. */
  get stack(): LocalStack {
    return this.provider === undefined ? this.synthesized : { ...this.synthesized, env: this.provider.env(this.synthesized.env) };
  }

  /** Starts the local AWS and deploys the stack into it. On failure, nothing is left running. */
  static async up(options: LocalLabOptions): Promise<LocalLab> {
    const lab = await LocalLab.start(options);
    try {
      await lab.deploy();
      const t = lab.timings;
      const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
      (options.stream ?? process.stderr).write(
        `deployed: ${resourceCount(lab.stack)} resources in ${seconds(t.synth + t.localAws + t.init + t.apply)} ` +
          `(synth ${seconds(t.synth)}, local AWS ${seconds(t.localAws)}, terraform init ${seconds(t.init)}, apply ${seconds(t.apply)})\n`,
      );
      return lab;
    } catch (error) {
      lab.provider?.stop();
      await lab.aws.stop();
      throw error;
    }
  }

  /** Starts the local AWS and synthesizes the stack for it (nothing deployed yet). */
  static async start(options: LocalLabOptions): Promise<LocalLab> {
    const env = options.env ?? process.env;
    const stream = options.stream ?? process.stderr;
    const status = new StatusLine(stream);
    const settings = settingsFromProject(env, { defaults: LOCAL_RUN_DEFAULTS });
    mkdirSync(options.outdir, { recursive: true });
    const synthStarted = Date.now();
    const stack = synthLocalStack(settings, join(options.outdir, "cdktf.out"), env);
    const synth = Date.now() - synthStarted;
    stream.write(`synth: ${settings.stackName}, ${resourceCount(stack)} resources, for the local AWS (${relativeToCwd(stack.stackDir)})\n`);
    stream.write(`Providers: ${providerSource(env).description}.\n`);
    const logFile = openSync(join(options.outdir, "local-aws.log"), "a");
    const started = Date.now();
    status.update("local AWS: starting moto's server ...");
    const aws = await LocalAws.start({ tlsDir: join(options.outdir, "tls"), port: options.port, plainHttp: options.plainHttp, logFile, outlive: options.keep });
    status.finish(`local AWS: moto's server at ${aws.endpoint} (TLS, CA made for this run), up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    writeRunRecord(options.outdir, { endpoint: aws.endpoint, ca: aws.ca, pid: aws.pid, runner: process.pid, keep: options.keep === true });
    writeLocalOverrides(stack);
    const lab = new LocalLab(aws, stack, settings, new S3Client(localClientConfig(aws, settings.region)), options, status);
    lab.timings = { synth, localAws: Date.now() - started, init: 0, apply: 0 };
    return lab;
  }

  /** terraform init and apply into the local AWS. */
  async deploy(): Promise<void> {
    const started = Date.now();
    this.status.update("terraform init ...");
    initLocalStack(this.stack);
    // apply, plan, show and destroy run one after another: one provider process serves them all.
    this.provider = ProviderProcess.start(this.synthesized.stackDir, this.providerEnv());
    this.timings.init = Date.now() - started;
    this.status.finish(`terraform init: done in ${(this.timings.init / 1000).toFixed(1)} s`);
    const applied = await applyWithProgress(this.stack, "apply", resourceCount(this.stack), this.status);
    this.timings.apply = applied.seconds * 1000;
    if (applied.status !== 0) throw this.terraformFailed("apply", applied.output);
  }

  /** The lab bucket's name, from the state's outputs. */
  get bucket(): string {
    const name = readLocalState(this.stack).outputs.bucket_name;
    return typeof name === "string" ? name : "";
  }

  /** The generator as the deployed launch template installs it. */
  installedGenerator(): InstalledGenerator {
    const template = readLocalState(this.stack).resources.find((r) => r.type === "aws_launch_template");
    if (template === undefined) throw new Error("the state holds no launch template: nothing installs the generator");
    return installFromUserData(String(template.attributes.user_data), join(this.options.outdir, "generator"));
  }

  /** A Lambda service for this run's functions (started by flow(); tests may drive their own). */
  lambdaService(onOutcome?: (outcome: EventOutcome) => void): LocalLambdaService {
    return new LocalLambdaService(this.aws, this.settings.region, { workDir: join(this.options.outdir, "lambda"), onOutcome, ...this.options.lambda });
  }

  /** The environment the local run's children get: the local AWS, and the stack's settings. */
  childEnv(): NodeJS.ProcessEnv {
    return localAwsEnv(this.aws, this.settings.region, this.options.env ?? process.env);
  }

  /**
   * Sends records through every hop and waits until the hops agree (or the pipeline stalls):
   * generated = under source/ = processed = under destination/.
   */
  async flow(options: FlowOptions = {}): Promise<FlowResult> {
    const started = Date.now();
    const lambda = this.lambdaService();
    lambda.start();
    const source = new PrefixCounter(this.s3, this.bucket, this.settings.sourcePrefix);
    const destination = new PrefixCounter(this.s3, this.bucket, this.settings.destinationPrefix);
    // Only this flow's records count: what an earlier flow left in the bucket is not its own.
    await Promise.all([source.skipExisting(), destination.skipExisting()]);
    const generator = startGenerator(this.installedGenerator(), options.records !== undefined ? ["--count", String(options.records)] : [], this.childEnv());
    let generatorStatus: number | undefined;
    void generator.exited.then((status) => (generatorStatus = status));
    void options.stop?.then(() => generator.child.kill("SIGTERM"));

    let counts = await this.countHops(generator, lambda, source, destination);
    let lastChange = Date.now();
    let previous = JSON.stringify(counts);
    let stalled: string | undefined;
    try {
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        counts = await this.countHops(generator, lambda, source, destination);
        options.onProgress?.(counts);
        this.status.update(`${progressLine(counts)} | ${((Date.now() - started) / 1000).toFixed(1)} s`);
        const now = JSON.stringify(counts);
        if (now !== previous) [previous, lastChange] = [now, Date.now()];
        if (generatorStatus !== undefined && settled(counts) && lambda.idle) break;
        if (Date.now() - lastChange > STALL_MS) {
          stalled = stallReason(counts, generatorStatus);
          break;
        }
      }
    } finally {
      if (generatorStatus === undefined) generator.child.kill("SIGTERM");
      await generator.exited;
      await lambda.stop();
    }
    const seconds = (Date.now() - started) / 1000;
    this.status.finish(`${progressLine(counts)} | done in ${seconds.toFixed(1)} s`);
    writeFileSync(join(this.options.outdir, "generator.log"), generator.log());
    const complete = stalled === undefined && counts.failedObjects === 0 && counts.notDelivered === 0 && counts.givenUp === 0 && generatorStatus === 0;
    return { counts, complete, stalled, seconds, generatorStatus: generatorStatus ?? 1 };
  }

  private async countHops(generator: GeneratorRun, lambda: LocalLambdaService, source: PrefixCounter, destination: PrefixCounter): Promise<HopCounts> {
    const [sourceCount, destinationCount] = await Promise.all([source.refresh(), destination.refresh()]);
    const succeeded = lambda.outcomes.filter((o) => o.status === "succeeded");
    const objects = succeeded.flatMap((o) => (o.result as { objects?: Array<{ records: number; rows: number }> } | null)?.objects ?? []);
    return {
      generated: generator.sent(),
      givenUp: generator.givenUp(),
      source: sourceCount,
      processedObjects: objects.length,
      processedRecords: objects.reduce((n, o) => n + o.records, 0),
      rowsSent: objects.reduce((n, o) => n + o.rows, 0),
      failedObjects: lambda.outcomes.filter((o) => o.status === "sent-to-failure-destination" || o.status === "dropped").length,
      notDelivered: lambda.outcomes.filter((o) => o.status === "not-delivered").length,
      destination: destinationCount,
    };
  }

  /**
   * `npm run verify` against the local bucket: every object (the run's own bucket holds nothing
   * older), and every record judged (`--allowance 0`): the hops agreed before, so nothing is still
   * being processed.
   */
  verify(extraArgs: readonly string[] = []): Promise<{ status: number; stdout: string; stderr: string }> {
    const args = [
      "-r",
      "./loader/register-ts.js",
      "scripts/verify.ts",
      "--bucket",
      this.bucket,
      "--endpoint",
      this.aws.endpoint,
      "--region",
      this.settings.region,
      "--since",
      "all",
      "--allowance",
      "0",
      ...extraArgs,
    ];
    return new Promise((resolve) => {
      const child = spawn(process.execPath, args, { cwd: join(__dirname, ".."), env: this.childEnv() });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
      child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
      child.on("close", (code) => resolve({ status: code ?? 1, stdout, stderr }));
    });
  }

  /**
   * `terraform destroy` of everything, as `npm run destroy` does on AWS: a bucket that still holds
   * versions stops it before anything is destroyed, unless `emptyBucket`. Throws when the state is
   * not empty afterwards.
   */
  async destroy(options: { emptyBucket: boolean }): Promise<void> {
    await prepareBucketForDestroy(
      this.s3,
      this.bucket,
      options,
      (line) => this.status.update(line),
      (line) => this.status.finish(line),
    );
    const destroyed = await applyWithProgress(this.stack, "destroy", readLocalState(this.stack).resources.length, this.status);
    if (destroyed.status !== 0) throw this.terraformFailed("destroy", destroyed.output);
    const left = readLocalState(this.stack).resources;
    if (left.length !== 0)
      throw new Error(`terraform destroy left ${left.length} resources in the state: ${left.map((r) => `${r.type}.${r.name}`).join(", ")}`);
  }

  /** Set when Terraform failed: the run's folder then outlives stop(), for its logs. */
  keptAfterFailure = false;

  private terraformFailed(verb: "apply" | "destroy", output: string): Error {
    this.keptAfterFailure = true;
    const logs = `Terraform's output: ${join(this.stack.stackDir, `terraform-${verb}.log`)}; the local AWS's: ${join(this.options.outdir, "local-aws.log")}`;
    return new Error(`terraform ${verb} into the local AWS failed (${logs}):\n${tail(output)}`);
  }

  /**
   * Stops the local AWS, and with it every resource it holds (moto keeps them in memory), and
   * removes the run's folder with its state file. With `keep`, leaves both; after a Terraform
   * failure, leaves the folder (its logs say why) and says so.
   */
  async stop(): Promise<void> {
    this.s3.destroy();
    this.provider?.stop();
    this.provider = undefined;
    if (this.options.keep) return;
    await this.aws.stop();
    if (this.keptAfterFailure) {
      this.status.finish(`the run's folder is kept for its logs: ${this.options.outdir}`);
      return;
    }
    rmSync(this.options.outdir, { recursive: true, force: true });
  }
}

/** The pipeline has drained: what was sent is under source/, every object processed, every row under destination/. */
function settled(c: HopCounts): boolean {
  const handled = c.processedObjects + c.failedObjects + c.notDelivered;
  return c.source.records === c.generated && handled === c.source.objects && c.destination.records === c.rowsSent;
}

function stallReason(c: HopCounts, generatorStatus: number | undefined): string {
  if (generatorStatus === undefined) return `the generator made no progress for ${STALL_MS / 1000} s`;
  if (c.source.records !== c.generated) return `${c.generated - c.source.records} sent records never arrived under source/`;
  if (c.processedObjects + c.failedObjects + c.notDelivered !== c.source.objects) return "objects under source/ were never processed";
  return `${c.rowsSent - c.destination.records} rows sent to the destination stream never arrived under destination/`;
}

const n = (value: number) => value.toLocaleString("en-US");

/** generated / under source/ / processed / under destination/ */
function progressLine(c: HopCounts): string {
  return (
    `generated ${n(c.generated)} | source/ ${n(c.source.records)} in ${n(c.source.objects)} objects | ` +
    `processed ${n(c.processedRecords)} (${n(c.processedObjects)} objects${c.failedObjects ? `, ${n(c.failedObjects)} failed` : ""}) | ` +
    `destination/ ${n(c.destination.records)}`
  );
}

/** The table a run ends with: records (and objects) at each hop. */
export function hopTable(c: HopCounts, settings: LabSettings): string {
  const rows: Array<[string, string, string]> = [
    ["hop", "records", "objects"],
    [`generator → Firehose ${settings.sourceStreamName}`, n(c.generated), ""],
    [`under ${settings.sourcePrefix}`, n(c.source.records), n(c.source.objects)],
    [`${settings.applicationName} (Lambda) read`, n(c.processedRecords), n(c.processedObjects)],
    [`${settings.applicationName} → Firehose ${settings.destinationStreamName}`, n(c.rowsSent), ""],
    [`under ${settings.destinationPrefix}`, n(c.destination.records), n(c.destination.objects)],
    ["failure queue (objects that failed every retry)", "", n(c.failedObjects)],
  ];
  if (c.givenUp > 0) rows.splice(2, 0, ["generator gave up on", n(c.givenUp), ""]);
  if (c.notDelivered > 0) rows.push(["S3 events not delivered (permission)", "", n(c.notDelivered)]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length)));
  return rows
    .map((r, index) => {
      const line = `${r[0].padEnd(widths[0])}  ${r[1].padStart(widths[1])}  ${r[2].padStart(widths[2])}`;
      return index === 0 ? `${line}\n${"-".repeat(line.length)}` : line;
    })
    .join("\n");
}

function tail(text: string, lines = 40): string {
  return text.trim().split("\n").slice(-lines).join("\n");
}

function relativeToCwd(path: string): string {
  const cwd = `${process.cwd()}/`;
  return path.startsWith(cwd) ? path.slice(cwd.length) : path;
}
