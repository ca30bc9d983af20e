/**
 * One AWS provider process that a sequence of Terraform commands attach to, instead of each
 * command starting the 700 MB provider binary several times (for the schema, for validation, for
 * the walk: about 3 s of CPU each time on 2 cores).
 *
 * This is Terraform's own mechanism for providers it does not manage: the provider started with
 * `-debug` serves gRPC and prints a TF_REATTACH_PROVIDERS value; Terraform given that variable
 * talks to it and leaves it running. The binary is the one `terraform init` installed and checked
 * against the lock file, started in the working folder with the commands' environment, as Terraform
 * would start it. Commands that share one process must run one after another: every command
 * configures the provider again, so two at once with different provider settings would clash.
 */
import { ChildProcess, spawn } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The AWS provider's address, as the lock file and TF_REATTACH_PROVIDERS name it. */
const AWS_PROVIDER = "registry.terraform.io/hashicorp/aws";
/** The provider prints its reattach line within a second; the rest is slack for a loaded machine. */
const START_TIMEOUT_MS = 60_000;

/**
 * The provider's log levels when the environment sets none. A provider Terraform starts logs what
 * TF_LOG says, nothing by default; one started with `-debug` logs at TRACE instead: every gRPC call
 * and every HTTP request and response, bodies included (1.4 MB for a plan of one queue), into a
 * file of the system's temporary folder. So it gets Terraform's default.
 */
const TERRAFORM_DEFAULT_LOGGING = { TF_LOG_PROVIDER: "off", TF_LOG_PROVIDER_AWS: "off", TF_LOG_SDK: "off" } as const;

/** `env`, with the provider's logging as Terraform would leave it. */
export function providerLogging(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const chosen = Object.keys(env).some((name) => name === "TF_LOG" || name.startsWith("TF_LOG_PROVIDER") || name.startsWith("TF_LOG_SDK"));
  return chosen ? env : { ...env, ...TERRAFORM_DEFAULT_LOGGING };
}

/** The provider binary `terraform init` installed in `workDir` (undefined: not initialized). */
export function installedAwsProvider(workDir: string): string | undefined {
  const versions = join(workDir, ".terraform", "providers", AWS_PROVIDER);
  if (!existsSync(versions)) return undefined;
  for (const version of readdirSync(versions)) {
    const platformDir = join(versions, version, `${process.platform}_${process.arch === "x64" ? "amd64" : process.arch}`);
    if (!existsSync(platformDir)) continue;
    const binary = readdirSync(platformDir).find((name) => name.startsWith("terraform-provider-aws"));
    if (binary !== undefined) return join(platformDir, binary);
  }
  return undefined;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export class ProviderProcess {
  /**
   * Starts the provider installed in `workDir` (after `terraform init`) and waits for it to serve.
   * It ends with stop(), and with this process in any case: a shell holds its standard input and
   * kills it when that closes, so a killed test runner leaves no provider behind.
   */
  static start(workDir: string, env: NodeJS.ProcessEnv): ProviderProcess {
    const binary = installedAwsProvider(workDir);
    if (binary === undefined) throw new Error(`no AWS provider installed in ${workDir}: run terraform init there first`);
    const logDir = mkdtempSync(join(tmpdir(), "lab-provider-"));
    const logFile = join(logDir, "provider.log");
    const log = openSync(logFile, "w");
    const child = spawn("sh", ["-c", '"$0" -debug </dev/null & provider=$!; read -r _; kill "$provider" 2>/dev/null', binary], {
      cwd: workDir,
      env: providerLogging(env),
      stdio: ["pipe", log, log],
    });
    closeSync(log);
    // The handles must not keep this process alive: stop(), or this process's end, ends the provider.
    child.unref();
    (child.stdin as unknown as { unref(): void }).unref();
    const started = Date.now();
    for (;;) {
      const output = readFileSync(logFile, "utf8");
      const reattach = /TF_REATTACH_PROVIDERS='([^']+)'/.exec(output)?.[1];
      if (reattach !== undefined) return new ProviderProcess(child, reattach, logDir);
      if (child.exitCode !== null || Date.now() - started > START_TIMEOUT_MS) {
        child.stdin?.end();
        rmSync(logDir, { recursive: true, force: true });
        throw new Error(`the AWS provider (${binary} -debug) did not start within ${START_TIMEOUT_MS / 1000} s:\n${output.slice(-4000)}`);
      }
      sleepSync(20);
    }
  }

  private constructor(
    private readonly child: ChildProcess,
    /** The TF_REATTACH_PROVIDERS value that points Terraform at this process. */
    readonly reattach: string,
    private readonly logDir: string,
  ) {}

  /** The process id of the provider itself (not of the shell around it). */
  get pid(): number {
    return (JSON.parse(this.reattach) as Record<string, { Pid: number }>)[AWS_PROVIDER].Pid;
  }

  /** `env` with TF_REATTACH_PROVIDERS set: Terraform run with it uses this process. */
  env(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
    return { ...env, TF_REATTACH_PROVIDERS: this.reattach };
  }

  /** Runs `run` (sync or async) with Terraform attached to this process (`env` plus TF_REATTACH_PROVIDERS), then stops it. */
  serve<T>(env: NodeJS.ProcessEnv, run: (env: NodeJS.ProcessEnv) => T): T {
    let result: T;
    try {
      result = run(this.env(env));
    } catch (error) {
      this.stop();
      throw error;
    }
    if (result instanceof Promise) return result.finally(() => this.stop()) as T;
    this.stop();
    return result;
  }

  stop(): void {
    try {
      process.kill(this.pid, "SIGTERM");
    } catch {
      // already gone
    }
    this.child.stdin?.end();
    rmSync(this.logDir, { recursive: true, force: true });
  }
}

/** Runs `run` (sync or async) with one provider process for `workDir` (initialized), stopped when it is done. */
export function withProviderProcess<T>(workDir: string, env: NodeJS.ProcessEnv, run: (env: NodeJS.ProcessEnv) => T): T {
  return ProviderProcess.start(workDir, env).serve(env, run);
}
