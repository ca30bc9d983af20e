/**
 * Running real Terraform on a synthesized stack, offline when asked: the AWS provider comes from
 * where terraform/provider-mirror.ts decides (LAB_TF_PROVIDER_MIRROR, an implied mirror, the registry,
 * or a mirror found on the machine when the registry cannot be reached), and an override file gives
 * the AWS provider dummy credentials and its skip settings so `plan` needs no account (in a scratch
 * copy of the stack: see offlineCopy).
 */
import { execFile, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { discoverProviderSource, PROVIDER_MIRROR_ENV, ProviderSource } from "./provider-mirror";

/** The file Terraform merges over the stack to plan without AWS credentials. */
const OFFLINE_OVERRIDE_FILE = "offline_override.tf.json";

/** The file that points an offline copy of the stack at a local state file. */
const BACKEND_OVERRIDE_FILE = "backend_override.tf.json";

export interface TerraformResult {
  readonly command: string;
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** What each environment's provider discovery found, so a process decides (and probes) once. */
const sources = new Map<string, ProviderSource>();

/** Where this environment's Terraform gets the AWS provider from (see terraform/provider-mirror.ts). */
export function providerSource(base: NodeJS.ProcessEnv = process.env): ProviderSource {
  const key = [base[PROVIDER_MIRROR_ENV] ?? "", base.HOME ?? "", base.HTTPS_PROXY ?? base.https_proxy ?? ""].join("\0");
  let source = sources.get(key);
  if (source === undefined) {
    source = discoverProviderSource({ env: base });
    sources.set(key, source);
  }
  return source;
}

/** Environment for Terraform: a CLI config pointing at the provider mirror when one is needed, no telemetry, no prompts. */
export function terraformEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1", TF_INPUT: "0" };
  const { mirror } = providerSource(base);
  if (mirror !== undefined) {
    const config = [
      "provider_installation {",
      `  filesystem_mirror {\n    path    = ${JSON.stringify(mirror)}\n    include = ["registry.terraform.io/hashicorp/*"]\n  }`,
      '  direct {\n    exclude = ["registry.terraform.io/hashicorp/*"]\n  }',
      "}",
      "",
    ].join("\n");
    const file = join(tmpdir(), `lab-terraform-${createHash("sha1").update(config).digest("hex").slice(0, 12)}.tfrc`);
    if (!existsSync(file)) writeFileSync(file, config);
    env.TF_CLI_CONFIG_FILE = file;
  } else if (env.TF_CLI_CONFIG_FILE && !existsSync(env.TF_CLI_CONFIG_FILE)) {
    delete env.TF_CLI_CONFIG_FILE; // a missing config file only produces a warning on every command
  }
  return env;
}

/** Runs `terraform <args>` in a folder and returns what it printed. */
export function terraform(dir: string, args: readonly string[], env: NodeJS.ProcessEnv = terraformEnv()): TerraformResult {
  const result = spawnSync("terraform", ["-chdir=" + dir, ...args, "-no-color"], {
    env,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  if (result.error) {
    throw new Error(`cannot run terraform (${result.error.message}); install Terraform 1.11+ and put it on PATH`);
  }
  return {
    command: `terraform ${args.join(" ")}`,
    status: result.status ?? 1,
    stdout: result.stdout,
    stderr: result.stderr,
  };
}

/** Like terraform(), without blocking, so that independent runs can go side by side. */
export function terraformAsync(dir: string, args: readonly string[], env: NodeJS.ProcessEnv = terraformEnv()): Promise<TerraformResult> {
  return new Promise((resolvePromise, reject) => {
    execFile("terraform", ["-chdir=" + dir, ...args, "-no-color"], { env, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== "number") {
        reject(new Error(`cannot run terraform (${error.message}); install Terraform 1.11+ and put it on PATH`));
        return;
      }
      resolvePromise({ command: `terraform ${args.join(" ")}`, status: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

/** Like terraform(), but throws with Terraform's own diagnostics when the command fails. */
export function terraformOrThrow(dir: string, args: readonly string[], env?: NodeJS.ProcessEnv): TerraformResult {
  const result = terraform(dir, args, env);
  if (result.status !== 0) {
    const source = providerSource(env ?? process.env);
    const hint = args[0] === "init" ? `\nproviders: ${source.description}${source.hint ? `\nhint: ${source.hint}` : ""}` : "";
    throw new Error(`${result.command} failed (exit ${result.status}) in ${dir}:\n${result.stderr}${result.stdout}${hint}`);
  }
  return result;
}

/**
 * Writes an override file that lets the AWS provider plan without an account: dummy credentials,
 * no credential check, no account-id lookup, no metadata API.
 */
export function writeOfflineOverride(dir: string): void {
  const override = {
    provider: {
      aws: {
        access_key: "offline-plan",
        secret_key: "offline-plan",
        skip_credentials_validation: true,
        skip_requesting_account_id: true,
        skip_metadata_api_check: true,
      },
    },
  };
  writeFileSync(join(dir, OFFLINE_OVERRIDE_FILE), `${JSON.stringify(override, null, 2)}\n`);
}

/**
 * A scratch copy of a synthesized stack that plans without AWS: the offline override, and a local
 * backend reading `statePath` (absolute; default: an empty state in the copy). The synthesized
 * folder itself is never touched, so a later `cdktf deploy` can never run with dummy credentials.
 * The caller removes the copy.
 */
export function offlineCopy(stackDir: string, statePath = "terraform.tfstate"): string {
  const dir = mkdtempSync(join(tmpdir(), "lab-offline-plan-"));
  for (const entry of ["cdk.tf.json", "assets", ".terraform.lock.hcl"]) {
    if (existsSync(join(stackDir, entry))) cpSync(join(stackDir, entry), join(dir, entry), { recursive: true });
  }
  writeOfflineOverride(dir);
  writeFileSync(join(dir, BACKEND_OVERRIDE_FILE), `${JSON.stringify({ terraform: { backend: { local: { path: statePath } } } }, null, 2)}\n`);
  return dir;
}

/** Runs `terraform <args>` with its output on this terminal (for apply: progress per resource); returns the exit code. */
export function terraformStreaming(dir: string, args: readonly string[], env: NodeJS.ProcessEnv = terraformEnv()): number {
  const result = spawnSync("terraform", ["-chdir=" + dir, ...args], { env, stdio: "inherit" });
  if (result.error) {
    throw new Error(`cannot run terraform (${result.error.message}); install Terraform 1.11+ and put it on PATH`);
  }
  return result.status ?? 1;
}
