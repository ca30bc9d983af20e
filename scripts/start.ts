/**
 * `npm start`: the whole lab on this machine, with no AWS account. Starts a local AWS (moto's
 * server, over TLS), deploys the synthesized stack into it with real Terraform and the real AWS
 * provider, runs the generator as the instance would and the analytics function as Lambda would,
 * shows the records at every hop, runs `npm run verify` on the bucket, then destroys everything and
 * stops the server. Exits with verify's status (1 also when a hop lost records).
 *
 * Usage: npm start [-- --records N] [--keep] [--port P]
 */
import { rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, relative } from "node:path";
import { PROJECT_DIR } from "../config/settings";
import { exitCodeOf, UNUSABLE_INPUT_EXIT_CODE } from "../input/unusable-input";
import { envFile } from "../local/env-file";
import { LOCAL_CREDENTIALS, motoVersion } from "../local/local-aws";
import { isRunning, runningLocalAws } from "../local/run-record";
import type { LocalLab } from "../local/local-lab";

export const USAGE = "usage: npm start [-- --records N] [--keep] [--port P]";
/** The run's folder (git-ignored): synthesized stack, state, certificates, logs. */
export const LOCAL_OUTDIR = join(PROJECT_DIR, "local-aws.out");

export interface StartArgs {
  /** Stop after this many records; undefined: run until Ctrl-C. */
  readonly records?: number;
  /** Leave the local AWS running at the end. */
  readonly keep: boolean;
  /** TLS port of the local AWS (0: any free port). */
  readonly port: number;
}

/** Thrown for bad usage: one line, exit status 2. */
export class UsageError extends Error {
  readonly exitCode = UNUSABLE_INPUT_EXIT_CODE;
}

export function parseStartArgs(argv: readonly string[]): StartArgs {
  let records: number | undefined;
  let keep = false;
  let port = 0;
  const value = (i: number, flag: string) => {
    if (i + 1 >= argv.length) throw new UsageError(`start: ${flag} needs a value\n${USAGE}`);
    return argv[i + 1];
  };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === "--keep") keep = true;
    else if (arg === "--records") {
      const text = value(i++, arg);
      if (!/^[1-9][0-9]*$/.test(text) || !Number.isSafeInteger(Number(text))) {
        throw new UsageError(`start: --records ${JSON.stringify(text)} is not allowed: it must be a positive whole number of records\n${USAGE}`);
      }
      records = Number(text);
    } else if (arg === "--port") {
      const text = value(i++, arg);
      if (!/^[0-9]+$/.test(text) || Number(text) > 65535)
        throw new UsageError(`start: --port ${JSON.stringify(text)} is not allowed: it must be 0 (any free port) or 1-65535\n${USAGE}`);
      port = Number(text);
    } else throw new UsageError(`start: unknown argument ${arg}\n${USAGE}`);
  }
  return { records, keep, port };
}

/** Rejects when the port cannot be listened on (in use, or reserved), before anything starts. */
function checkPortFree(port: number): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        new UsageError(
          `start: --port ${port} cannot be used on 127.0.0.1 (${error.code === "EADDRINUSE" ? "already in use" : String(error.code)}); choose another, or 0 for any free port`,
        ),
      ),
    );
    server.listen(port, "127.0.0.1", () => server.close(() => resolve()));
  });
}

/**
 * The refusal when an earlier run's local AWS still holds the run's folder, saying whose it is: one
 * left up by --keep, another npm start still running, or one whose npm start ended without
 * stopping it.
 */
export function earlierRunRefusal(outdir: string): UsageError | undefined {
  const earlier = runningLocalAws(outdir);
  if (earlier === undefined) return undefined;
  const server = `its local AWS (pid ${earlier.pid}, ${earlier.endpoint})`;
  const stop = `kill ${earlier.pid} && rm -rf ${relative(process.cwd(), outdir) || "."}`;
  if (earlier.keep) return new UsageError(`start: an earlier \`npm start -- --keep\` left ${server} running; stop it with: ${stop}`);
  if (isRunning(earlier.runner)) {
    return new UsageError(
      `start: another npm start (pid ${earlier.runner}) is running in this folder with ${server}; let it finish, or stop it with Ctrl-C there (or kill -INT ${earlier.runner})`,
    );
  }
  return new UsageError(`start: an earlier npm start ended without stopping ${server}; stop it with: ${stop}`);
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parseStartArgs(argv);
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true"; // this process's clients talk to the local AWS only
  const version = motoVersion();
  await checkPortFree(args.port);
  const earlier = earlierRunRefusal(LOCAL_OUTDIR);
  if (earlier !== undefined) throw earlier;
  // Loaded only now: synth, Terraform and the AWS clients cost about 0.5 s of CPU to load, which bad input does not need.
  const { hopTable, LocalLab } = await import("../local/local-lab");
  rmSync(LOCAL_OUTDIR, { recursive: true, force: true }); // a stopped earlier run's leftovers

  process.stderr.write(
    `Local run: the lab deployed into a local AWS (moto ${version}) with real Terraform and the real AWS provider; ` +
      `nothing here can reach AWS.\n${args.records !== undefined ? `It stops after ${args.records.toLocaleString("en-US")} records.` : "It runs until Ctrl-C."}\n\n`,
  );
  let interrupted = false as boolean; // set by the SIGINT handler, which narrowing does not see
  let stopFlow: () => void = () => undefined;
  const stop = new Promise<void>((resolve) => (stopFlow = resolve));
  process.on("SIGINT", () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    process.stderr.write("\nstopping: the generator sends what it holds, the pipeline drains, then verify and clean-up (Ctrl-C again to abandon)\n");
    stopFlow();
  });

  let lab: LocalLab;
  try {
    lab = await LocalLab.up({ outdir: LOCAL_OUTDIR, port: args.port, keep: args.keep });
  } catch (error) {
    if (!interrupted) throw error;
    process.stderr.write("start: interrupted during the deploy; the local AWS is stopped\n");
    return 130;
  }
  let status = 1;
  try {
    if (interrupted) return 130;
    const generator = lab.installedGenerator();
    const settings = generator.environment;
    process.stderr.write(
      `generator: stream ${settings.LAB_STREAM}, region ${settings.LAB_REGION}, rate ${settings.LAB_RATE}/s, ` +
        `${settings.LAB_PACK_BYTES === "0" ? "one record per Firehose record" : `packed up to ${settings.LAB_PACK_BYTES} bytes a Firehose record`}, ` +
        `${settings.LAB_REPLAY_ARGS ? `replay (${settings.LAB_REPLAY_ARGS})` : "synthetic records"} (from the deployed user data)\n`,
    );
    const flow = await lab.flow({ records: args.records, stop });
    process.stdout.write(`\n${hopTable(flow.counts, lab.settings)}\n\n`);
    if (flow.stalled !== undefined) process.stderr.write(`start: the pipeline stalled: ${flow.stalled}\n`);
    if (flow.generatorStatus !== 0)
      process.stderr.write(
        `start: the generator exited with status ${flow.generatorStatus}; its log: ${join(relative(process.cwd(), LOCAL_OUTDIR), "generator.log")}\n`,
      );
    const verify = await lab.verify();
    process.stdout.write(verify.stdout);
    process.stderr.write(verify.stderr);
    status = verify.status !== 0 ? verify.status : flow.complete ? 0 : 1;
  } finally {
    if (args.keep) {
      printKept(lab);
    } else {
      await lab.stop();
      process.stderr.write("\nlocal AWS stopped: its resources went with it, and the run's folder and state file are gone\n");
    }
  }
  return status;
}

function printKept(lab: LocalLab): void {
  // Terraform run by hand in the stack folder needs the provider's environment: without it, the provider would try AWS.
  const envFilePath = join(LOCAL_OUTDIR, "terraform.env");
  writeFileSync(envFilePath, envFile(process.env, lab.providerEnv()));
  const env = `AWS_ACCESS_KEY_ID=${LOCAL_CREDENTIALS.accessKeyId} AWS_SECRET_ACCESS_KEY=${LOCAL_CREDENTIALS.secretAccessKey} AWS_DEFAULT_REGION=${lab.settings.region}`;
  const aws = `aws --endpoint-url ${lab.aws.endpoint} --ca-bundle ${lab.aws.ca}`;
  process.stdout.write(
    `\nThe local AWS is still running (pid ${lab.aws.pid}) with the stack in it; the analytics function ran only while npm start did.\n` +
      `endpoint: ${lab.aws.endpoint}\n` +
      `ca: ${lab.aws.ca}\n` +
      `  ${env} ${aws} s3 ls s3://${lab.bucket}/${lab.settings.destinationPrefix} --recursive\n` +
      `  ${env} ${aws} firehose describe-delivery-stream --delivery-stream-name ${lab.settings.sourceStreamName}\n` +
      `Terraform on it, as the run ran it: (. ${relative(process.cwd(), envFilePath)} && terraform -chdir=${relative(process.cwd(), lab.stack.stackDir)} plan)\n` +
      `Stop it: kill ${lab.aws.pid} && rm -rf ${relative(process.cwd(), LOCAL_OUTDIR)}\n`,
  );
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (status) => process.exit(status),
    (error: unknown) => {
      console.error(error instanceof UsageError ? error.message : `start: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(exitCodeOf(error));
    },
  );
}
