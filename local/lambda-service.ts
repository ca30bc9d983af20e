/**
 * Lambda, for the local run: moto keeps functions but runs them only in Docker, so this service
 * does what Lambda does with the S3 events the local AWS queued (local/moto_launcher.py):
 *
 * - S3 may invoke a function only if the function's resource policy allows s3.amazonaws.com for
 *   that bucket and account; otherwise the event is not delivered (and is reported).
 * - The code is the deployment package Terraform uploaded: downloaded from GetFunction's
 *   Code.Location and checked against the function's CodeSha256, then unpacked as the task root.
 * - Each invocation runs in an execution environment (local/lambda-sandbox.js) with the function's
 *   own environment variables, memory and timeout, and Lambda's reserved variables.
 * - Asynchronous semantics: a failed invocation is retried (the invoke config's
 *   MaximumRetryAttempts, 2 by default), then the event goes to the on-failure destination (an SQS
 *   queue) in Lambda's own record format; events older than MaximumEventAgeInSeconds are not run.
 *
 * What differs from Lambda is listed in local/emulator-differences.ts (retry delays are shortened,
 * one execution environment at a time, logs go to a file).
 */
import { ChildProcess, fork } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { get } from "node:https";
import { dirname, join } from "node:path";
import { GetFunctionCommand, GetFunctionEventInvokeConfigCommand, GetPolicyCommand, LambdaClient, ResourceNotFoundException } from "@aws-sdk/client-lambda";
import { GetQueueUrlCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { unzipSync } from "fflate";
import { LOCAL_ACCOUNT, localAwsEnv, localClientConfig, LocalAwsEndpoint } from "./local-aws";

const SANDBOX = join(__dirname, "lambda-sandbox.js");
/** Lambda's defaults for asynchronous invocation when the function has no invoke config. */
const DEFAULT_RETRIES = 2;
const DEFAULT_EVENT_AGE_SECONDS = 6 * 3600;

/** One S3 notification the local AWS queued for a function. */
interface QueuedNotification {
  readonly functionArn: string;
  readonly event: S3EventLike;
}

interface S3EventLike {
  readonly Records: ReadonlyArray<{
    readonly s3: { readonly bucket: { readonly name: string; readonly arn: string }; readonly object: { readonly key: string } };
  }>;
}

/** What happened to one asynchronous event. */
export interface EventOutcome {
  readonly functionName: string;
  /** The object's key as S3 sent it (URL-encoded). */
  readonly key: string;
  readonly status: "succeeded" | "sent-to-failure-destination" | "not-delivered" | "dropped";
  readonly attempts: number;
  /** The last error, when it failed. */
  readonly error?: string;
  /** The handler's result, when it succeeded. */
  readonly result?: unknown;
}

export interface LambdaServiceOptions {
  /** Delay before each retry, in ms (Lambda waits about 1 and 2 minutes). Default: 1 s and 2 s. */
  readonly retryDelaysMs?: readonly number[];
  /** Where the functions' task roots and logs go. */
  readonly workDir: string;
  /** Called when an event is done (succeeded or not). */
  readonly onOutcome?: (outcome: EventOutcome) => void;
}

interface DeployedFunction {
  readonly arn: string;
  readonly name: string;
  readonly handler: string;
  readonly timeoutMs: number;
  readonly memoryMiB: number;
  readonly env: NodeJS.ProcessEnv;
  readonly taskRoot: string;
  readonly retries: number;
  readonly maxAgeMs: number;
  readonly onFailure?: string;
  readonly policy?: { Statement: PolicyStatement[] };
  readonly logFile: string;
  sandbox?: Sandbox;
}

interface PolicyStatement {
  readonly Effect: string;
  readonly Principal?: string | { Service?: string | string[] };
  readonly Action: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

interface PendingEvent {
  readonly notification: QueuedNotification;
  readonly requestId: string;
  readonly receivedAt: number;
  attempts: number;
  dueAt: number;
}

export class LocalLambdaService {
  private readonly lambda: LambdaClient;
  private readonly sqs: SQSClient;
  private readonly functions = new Map<string, Promise<DeployedFunction>>();
  private readonly pending: PendingEvent[] = [];
  private readonly retryDelaysMs: readonly number[];
  private running = false;
  private loop?: Promise<void>;
  private busy = false;
  readonly outcomes: EventOutcome[] = [];

  constructor(
    private readonly aws: LocalAwsEndpoint,
    private readonly region: string,
    private readonly options: LambdaServiceOptions,
  ) {
    this.lambda = new LambdaClient(localClientConfig(aws, region));
    this.sqs = new SQSClient(localClientConfig(aws, region));
    this.retryDelaysMs = options.retryDelaysMs ?? [1000, 2000];
    mkdirSync(options.workDir, { recursive: true });
  }

  /** Starts taking the local AWS's S3 notifications and running them. */
  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        await this.step();
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
  }

  /** Nothing queued, nothing running, nothing waiting for a retry. */
  get idle(): boolean {
    return this.pending.length === 0 && !this.busy;
  }

  /** Takes what the local AWS queued and runs every event that is due. */
  async step(): Promise<void> {
    for (const notification of await this.takeNotifications()) {
      this.pending.push({ notification, requestId: randomUUID(), receivedAt: Date.now(), attempts: 0, dueAt: Date.now() });
    }
    this.busy = true;
    try {
      for (let next = this.nextDue(); next !== undefined; next = this.nextDue()) await this.run(next);
    } finally {
      this.busy = false;
    }
  }

  /** Stops the service after the invocation in progress; execution environments end and their folders go. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    for (const deployed of this.functions.values()) {
      const fn = await deployed.catch(() => undefined);
      fn?.sandbox?.kill();
    }
    this.lambda.destroy();
    this.sqs.destroy();
  }

  private nextDue(): PendingEvent | undefined {
    const now = Date.now();
    const index = this.pending.findIndex((p) => p.dueAt <= now);
    return index < 0 ? undefined : this.pending.splice(index, 1)[0];
  }

  private takeNotifications(): Promise<QueuedNotification[]> {
    return fetchLocal(this.aws, "/_lab/lambda-events").then((body) => JSON.parse(body.toString("utf8")) as QueuedNotification[]);
  }

  private async run(pending: PendingEvent): Promise<void> {
    const { notification } = pending;
    const key = notification.event.Records.map((r) => r.s3.object.key).join(", ");
    const outcome = (fields: Omit<EventOutcome, "functionName" | "key" | "attempts">, name: string) => {
      const done: EventOutcome = { functionName: name, key, attempts: pending.attempts, ...fields };
      this.outcomes.push(done);
      this.options.onOutcome?.(done);
    };
    let fn: DeployedFunction;
    try {
      fn = await this.deployed(notification.functionArn);
    } catch (error) {
      outcome({ status: "not-delivered", error: `S3 cannot invoke ${notification.functionArn}: ${(error as Error).message}` }, notification.functionArn);
      return;
    }
    const bucket = notification.event.Records.at(0)?.s3.bucket;
    if (bucket !== undefined && !s3MayInvoke(fn.policy, bucket.arn, LOCAL_ACCOUNT)) {
      outcome({ status: "not-delivered", error: `the resource policy of ${fn.name} does not let s3.amazonaws.com invoke it for ${bucket.arn}` }, fn.name);
      return;
    }
    if (Date.now() - pending.receivedAt > fn.maxAgeMs) {
      await this.toFailureDestination(fn, pending, "EventAgeExceeded", { errorMessage: "the event is older than MaximumEventAgeInSeconds" });
      outcome({ status: fn.onFailure ? "sent-to-failure-destination" : "dropped", error: "EventAgeExceeded" }, fn.name);
      return;
    }
    pending.attempts += 1;
    const reply = await this.invoke(fn, pending);
    if (reply.ok) {
      outcome({ status: "succeeded", result: reply.result }, fn.name);
      return;
    }
    if (pending.attempts <= fn.retries) {
      pending.dueAt = Date.now() + (this.retryDelaysMs.at(pending.attempts - 1) ?? this.retryDelaysMs.at(-1) ?? 0);
      this.pending.push(pending);
      return;
    }
    await this.toFailureDestination(fn, pending, "RetriesExhausted", reply.error);
    outcome({ status: fn.onFailure ? "sent-to-failure-destination" : "dropped", error: reply.error.errorMessage }, fn.name);
  }

  /** The function as deployed: configuration, invoke config, policy, and its package unpacked (once). */
  private deployed(arn: string): Promise<DeployedFunction> {
    let deployed = this.functions.get(arn);
    if (deployed === undefined) {
      deployed = this.load(arn);
      this.functions.set(arn, deployed);
    }
    return deployed;
  }

  private async load(arn: string): Promise<DeployedFunction> {
    const got = await this.lambda.send(new GetFunctionCommand({ FunctionName: arn }));
    const config = got.Configuration!;
    const name = config.FunctionName!;
    const zip = await fetchUrl(this.aws, got.Code!.Location!);
    const sha = createHash("sha256").update(zip).digest("base64");
    if (sha !== config.CodeSha256) {
      throw new Error(`the code downloaded from GetFunction (sha256 ${sha}) is not the package the function holds (CodeSha256 ${String(config.CodeSha256)})`);
    }
    const taskRoot = join(this.options.workDir, name, "task");
    rmSync(taskRoot, { recursive: true, force: true });
    for (const [path, data] of Object.entries(unzipSync(zip))) {
      if (path.endsWith("/")) continue;
      const file = join(taskRoot, path);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, data);
    }
    const invokeConfig = await this.lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: name })).catch((error: unknown) => {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    });
    const policy = await this.lambda.send(new GetPolicyCommand({ FunctionName: name })).then(
      (p) => JSON.parse(p.Policy!) as { Statement: PolicyStatement[] },
      (error: unknown) => {
        if (error instanceof ResourceNotFoundException) return undefined;
        throw error;
      },
    );
    const memoryMiB = config.MemorySize ?? 128;
    const env: NodeJS.ProcessEnv = {
      ...localAwsEnv(this.aws, this.region, { PATH: process.env.PATH, HOME: process.env.HOME, LANG: "en_US.UTF-8", TZ: ":UTC" }),
      // Lambda's reserved variables (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime)
      AWS_LAMBDA_FUNCTION_NAME: name,
      AWS_LAMBDA_FUNCTION_VERSION: config.Version ?? "$LATEST",
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMiB),
      AWS_LAMBDA_LOG_GROUP_NAME: config.LoggingConfig?.LogGroup ?? `/aws/lambda/${name}`,
      AWS_LAMBDA_LOG_STREAM_NAME: `${new Date().toISOString().slice(0, 10).replace(/-/g, "/")}/[$LATEST]${randomUUID().replace(/-/g, "")}`,
      AWS_EXECUTION_ENV: `AWS_Lambda_${String(config.Runtime)}`,
      LAMBDA_TASK_ROOT: taskRoot,
      _HANDLER: config.Handler,
      ...(config.Environment?.Variables ?? {}),
    };
    return {
      arn,
      name,
      handler: config.Handler!,
      timeoutMs: (config.Timeout ?? 3) * 1000,
      memoryMiB,
      env,
      taskRoot,
      retries: invokeConfig?.MaximumRetryAttempts ?? DEFAULT_RETRIES,
      maxAgeMs: (invokeConfig?.MaximumEventAgeInSeconds ?? DEFAULT_EVENT_AGE_SECONDS) * 1000,
      onFailure: invokeConfig?.DestinationConfig?.OnFailure?.Destination,
      policy,
      logFile: join(this.options.workDir, `${name}.log`),
    };
  }

  private async invoke(fn: DeployedFunction, pending: PendingEvent): Promise<SandboxReply> {
    fn.sandbox ??= new Sandbox(fn);
    const reply = await fn.sandbox.invoke(pending.requestId, pending.notification.event, fn);
    if (!reply.ok && reply.fatal) fn.sandbox = undefined; // a timed-out or crashed environment is not reused
    return reply;
  }

  /** Lambda's record of a failed asynchronous invocation, sent to the on-failure destination. */
  private async toFailureDestination(fn: DeployedFunction, pending: PendingEvent, condition: string, error: object): Promise<void> {
    if (fn.onFailure === undefined) return;
    const [, , service, , account, name] = fn.onFailure.split(":");
    if (service !== "sqs") throw new Error(`${fn.name}: on-failure destination ${fn.onFailure} is not an SQS queue, which is all the local run delivers to`);
    const record = {
      version: "1.0",
      timestamp: new Date().toISOString(),
      requestContext: { requestId: pending.requestId, functionArn: `${fn.arn}:$LATEST`, condition, approximateInvokeCount: pending.attempts },
      requestPayload: pending.notification.event,
      responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
      responsePayload: error,
    };
    const queue = await this.sqs.send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account }));
    await this.sqs.send(new SendMessageCommand({ QueueUrl: queue.QueueUrl, MessageBody: JSON.stringify(record) }));
  }
}

type SandboxReply = { ok: true; result: unknown } | { ok: false; error: { errorType: string; errorMessage: string; trace?: string[] }; fatal?: boolean };

/** One execution environment: a Node.js process that keeps the handler loaded between invocations. */
class Sandbox {
  private readonly child: ChildProcess;
  private readonly log: number;

  constructor(fn: DeployedFunction) {
    this.log = openSync(fn.logFile, "a");
    this.child = fork(SANDBOX, [fn.taskRoot, fn.handler], {
      cwd: fn.taskRoot,
      env: fn.env,
      // Lambda's Node.js runtime sizes the heap from the function's memory the same way.
      execArgv: [`--max-old-space-size=${Math.floor(fn.memoryMiB * 0.9)}`],
      stdio: ["ignore", this.log, this.log, "ipc"],
      // Out of the terminal's process group: Ctrl-C stops the run in order, not an invocation half-way. It ends with its IPC channel.
      detached: true,
    });
  }

  invoke(requestId: string, event: unknown, fn: DeployedFunction): Promise<SandboxReply> {
    const started = Date.now();
    writeSync(this.log, `START RequestId: ${requestId} Version: $LATEST\n`);
    return new Promise<SandboxReply>((resolve) => {
      const finish = (reply: SandboxReply) => {
        clearTimeout(timer);
        this.child.off("message", onMessage);
        this.child.off("exit", onExit);
        writeSync(
          this.log,
          `END RequestId: ${requestId}\nREPORT RequestId: ${requestId}\tDuration: ${Date.now() - started} ms\t${reply.ok ? "" : `Error: ${reply.error.errorMessage.split("\n")[0]}`}\n`,
        );
        if (!reply.ok && reply.fatal) this.kill();
        resolve(reply);
      };
      const onMessage = (message: { id: string } & SandboxReply) => {
        if (message.id === requestId) finish(message);
      };
      const onExit = (code: number | null, signal: string | null) =>
        finish({
          ok: false,
          fatal: true,
          error: {
            errorType: "Runtime.ExitError",
            errorMessage: `RequestId: ${requestId} Error: Runtime exited with ${signal ?? `error: exit status ${String(code)}`}`,
          },
        });
      const timer = setTimeout(
        () =>
          finish({
            ok: false,
            fatal: true,
            error: {
              errorType: "Sandbox.Timedout",
              errorMessage: `RequestId: ${requestId} Error: Task timed out after ${(fn.timeoutMs / 1000).toFixed(2)} seconds`,
            },
          }),
        fn.timeoutMs,
      );
      this.child.on("message", onMessage);
      this.child.once("exit", onExit);
      this.child.send({
        id: requestId,
        event,
        context: { awsRequestId: requestId, functionName: fn.name, invokedFunctionArn: fn.arn, memoryLimitInMB: String(fn.memoryMiB), timeoutMs: fn.timeoutMs },
      });
    });
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
    try {
      closeSync(this.log);
    } catch {
      // already closed
    }
  }
}

/**
 * Whether a function's resource policy lets S3 invoke it for this bucket and account: an Allow for
 * the service principal s3.amazonaws.com and lambda:InvokeFunction, whose conditions on
 * AWS:SourceArn and AWS:SourceAccount (the only keys S3 supplies) hold. Any other condition fails.
 */
function s3MayInvoke(policy: { Statement: PolicyStatement[] } | undefined, bucketArn: string, account: string): boolean {
  const context: Partial<Record<string, string>> = { "aws:sourcearn": bucketArn, "aws:sourceaccount": account };
  const list = (value: string | string[] | undefined) => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
  const like = (pattern: string, value: string) =>
    new RegExp(
      `^${pattern
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*/g, ".*")
        .replace(/\?/g, ".")}$`,
    ).test(value);
  return (policy?.Statement ?? []).some((statement) => {
    if (statement.Effect !== "Allow") return false;
    const principal = statement.Principal;
    const services = typeof principal === "string" ? [principal] : list(principal?.Service);
    if (!services.some((s) => s === "s3.amazonaws.com" || s === "*")) return false;
    if (!list(statement.Action).some((a) => a === "lambda:InvokeFunction" || a === "lambda:*" || a === "*")) return false;
    return Object.entries(statement.Condition ?? {}).every(([operator, pairs]) =>
      Object.entries(pairs).every(([key, expected]) => {
        const actual = context[key.toLowerCase()];
        if (actual === undefined) return false;
        const values = list(expected);
        if (operator === "StringEquals" || operator === "ArnEquals") return values.includes(actual);
        if (operator === "StringLike" || operator === "ArnLike") return values.some((v) => like(v, actual));
        return false;
      }),
    );
  });
}

/** GET a path of the local AWS (the lab's own endpoints). */
function fetchLocal(aws: LocalAwsEndpoint, path: string): Promise<Buffer> {
  return fetchUrl(aws, `${aws.endpoint}${path}`);
}

/** GET a URL of the local AWS, trusting only the run's CA. */
function fetchUrl(aws: LocalAwsEndpoint, url: string): Promise<Buffer> {
  if (!url.startsWith(`${aws.endpoint}/`)) return Promise.reject(new Error(`${url} is not on the local AWS (${aws.endpoint}): not fetched`));
  return new Promise((resolve, reject) => {
    get(url, { ca: readFileSync(aws.ca) }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () =>
        response.statusCode === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(`GET ${url}: HTTP ${String(response.statusCode)}`)),
      );
      response.on("error", reject);
    }).on("error", reject);
  });
}
