/**
 * Where Terraform gets the AWS provider from, decided once for every command of the project
 * (`npm run plan`, `deploy`, `start`, the tests, and `npx cdktf` through the synthesized folder):
 *
 *   1. `LAB_TF_PROVIDER_MIRROR`, when set, always wins;
 *   2. a mirror in one of Terraform's implied local mirror directories, which Terraform finds by itself;
 *   3. the registry, when registry.terraform.io can be reached: Terraform downloads as usual;
 *   4. otherwise a mirror found under the usual install roots (/opt, /usr/local, ..., the home folder);
 *   5. otherwise nothing, and a hint that says what to set.
 *
 * A mirror is a folder holding `registry.terraform.io/hashicorp/aws/<version>/<os>_<arch>/`.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join, resolve } from "node:path";

/** Environment variable naming the folder that holds `registry.terraform.io/hashicorp/aws/...`. */
export const PROVIDER_MIRROR_ENV = "LAB_TF_PROVIDER_MIRROR";

const REGISTRY_HOST = "registry.terraform.io";
const AWS_PROVIDER = join(REGISTRY_HOST, "hashicorp", "aws");
/** How long a registry probe's answer is trusted, so that a test run or a synth does not probe again and again. */
const PROBE_TTL_MS = 10 * 60 * 1000;
const PROBE_TIMEOUT_MS = 2500;

export interface ProviderSource {
  /** The mirror Terraform must be pointed at explicitly; undefined: Terraform finds the provider itself. */
  readonly mirror?: string;
  /** One line for people: where the provider comes from and why. */
  readonly description: string;
  /** Set when Terraform will most likely not find the provider: what to do about it. */
  readonly hint?: string;
}

export interface DiscoveryOptions {
  /** Environment (LAB_TF_PROVIDER_MIRROR, HOME, XDG_*, proxies). Default: process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Whether registry.terraform.io answers. Default: a TCP probe (cached for a few minutes). */
  readonly registryReachable?: () => boolean;
  /** Folders searched when the registry cannot be reached. Default: INSTALL_ROOTS plus the home folder. */
  readonly installRoots?: readonly string[];
  /** Terraform's implied mirror directories. Default: impliedMirrorDirs(env). */
  readonly impliedDirs?: readonly string[];
}

/** Terraform's platform name for this machine, as mirror folders are named (`linux_amd64`). */
export function terraformPlatform(): string {
  const arch: Record<string, string> = { x64: "amd64", arm64: "arm64", ia32: "386", arm: "arm" };
  return `${process.platform === "win32" ? "windows" : process.platform}_${arch[process.arch] ?? process.arch}`;
}

/** Whether `dir` is a mirror holding the AWS provider for this platform (any version). */
export function holdsAwsProvider(dir: string): boolean {
  const versions = join(dir, AWS_PROVIDER);
  try {
    return readdirSync(versions).some((version) => existsSync(join(versions, version, terraformPlatform())));
  } catch {
    return false;
  }
}

/**
 * Terraform's implied local mirror directories on Unix (CLI configuration docs, "Implied Local
 * Mirror Directories"): terraform.d/plugins in the working directory, ~/.terraform.d/plugins, and
 * terraform/plugins under $XDG_DATA_HOME and each of $XDG_DATA_DIRS.
 */
export function impliedMirrorDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const home = env.HOME ?? homedir();
  const dataHome = env.XDG_DATA_HOME || join(home, ".local", "share");
  const dataDirs = (env.XDG_DATA_DIRS || "/usr/local/share:/usr/share").split(":").filter(Boolean);
  return [resolve("terraform.d", "plugins"), join(home, ".terraform.d", "plugins"), ...[dataHome, ...dataDirs].map((dir) => join(dir, "terraform", "plugins"))];
}

/** Where people and images install things; a mirror is looked for in them and two levels below. */
const INSTALL_ROOTS: readonly string[] = ["/opt", "/usr/local/share", "/usr/local/lib", "/usr/local", "/usr/share", "/usr/lib", "/var/lib", "/srv"];

/** The first mirror at most two levels under one of the roots (`<root>/tf-plugins`, `<root>/x/mirror`). */
export function findMirrorUnder(roots: readonly string[]): string | undefined {
  const subdirs = (dir: string): string[] => {
    try {
      return readdirSync(dir, { withFileTypes: true })
        .filter((entry) => (entry.isDirectory() || entry.isSymbolicLink()) && entry.name !== "node_modules" && !entry.name.startsWith("."))
        .map((entry) => join(dir, entry.name))
        .sort();
    } catch {
      return [];
    }
  };
  for (const root of roots) {
    for (const candidate of [root, ...subdirs(root), ...subdirs(root).flatMap(subdirs)]) {
      if (holdsAwsProvider(candidate)) return candidate;
    }
  }
  return undefined;
}

/** Whether registry.terraform.io (or the HTTPS proxy Terraform would use) accepts a TCP connection. */
function probeRegistry(env: NodeJS.ProcessEnv = process.env): boolean {
  const proxy = env.HTTPS_PROXY || env.https_proxy;
  let host = REGISTRY_HOST;
  let port = 443;
  if (proxy) {
    try {
      const url = new URL(proxy);
      host = url.hostname;
      port = Number(url.port) || (url.protocol === "https:" ? 443 : 80);
    } catch {
      return true; // a proxy we cannot parse: let Terraform try it
    }
  }
  const cacheFile = join(tmpdir(), `lab-registry-probe-${host}-${port}.json`);
  try {
    const cached = JSON.parse(readFileSync(cacheFile, "utf8")) as { at: number; reachable: boolean };
    if (Date.now() - cached.at < PROBE_TTL_MS) return cached.reachable;
  } catch {
    // no answer cached yet
  }
  const script =
    `const s=require("node:net").connect({host:${JSON.stringify(host)},port:${port}});` +
    `s.setTimeout(${PROBE_TIMEOUT_MS},()=>process.exit(1));s.on("connect",()=>process.exit(0));s.on("error",()=>process.exit(1));`;
  const result = spawnSync(process.execPath, ["-e", script], { timeout: PROBE_TIMEOUT_MS + 1500, stdio: "ignore" });
  const reachable = result.status === 0;
  try {
    writeFileSync(cacheFile, JSON.stringify({ at: Date.now(), reachable }));
  } catch {
    // an unwritable temp folder only costs another probe next time
  }
  return reachable;
}

/** Decides where the AWS provider comes from (see the file comment for the order). */
export function discoverProviderSource(options: DiscoveryOptions = {}): ProviderSource {
  const env = options.env ?? process.env;
  const explicit = env[PROVIDER_MIRROR_ENV];
  if (explicit) {
    if (!existsSync(join(explicit, REGISTRY_HOST))) {
      throw new Error(`${PROVIDER_MIRROR_ENV} = ${JSON.stringify(explicit)} is not a provider mirror: it has no ${REGISTRY_HOST} folder`);
    }
    return { mirror: explicit, description: `provider mirror ${explicit} (${PROVIDER_MIRROR_ENV})` };
  }
  const implied = (options.impliedDirs ?? impliedMirrorDirs(env)).find(holdsAwsProvider);
  if (implied !== undefined) return { description: `provider mirror ${implied} (one of Terraform's implied mirror directories)` };

  if ((options.registryReachable ?? (() => probeRegistry(env)))()) return { description: `providers from ${REGISTRY_HOST}` };

  const roots = options.installRoots ?? [...INSTALL_ROOTS, env.HOME ?? homedir()];
  const found = findMirrorUnder(roots);
  if (found !== undefined) {
    return { mirror: found, description: `provider mirror ${found} (found there: ${REGISTRY_HOST} cannot be reached)` };
  }
  return {
    description: `no provider mirror: ${REGISTRY_HOST} cannot be reached`,
    hint:
      `${REGISTRY_HOST} cannot be reached and no local provider mirror was found (looked in Terraform's implied mirror directories ` +
      `and under ${roots.join(", ")}): set ${PROVIDER_MIRROR_ENV} to a folder holding ${AWS_PROVIDER}/<version>/${terraformPlatform()}/`,
  };
}

/**
 * Makes a synthesized stack folder find the mirror by itself: Terraform treats terraform.d/plugins
 * in its working directory as an implied mirror, and `npx cdktf deploy` runs Terraform with the
 * stack folder as its working directory. The link is removed when no mirror is needed.
 */
export function linkMirrorInto(stackDir: string, source: ProviderSource): void {
  const link = join(stackDir, "terraform.d", "plugins");
  rmSync(link, { force: true });
  if (source.mirror === undefined) return;
  mkdirSync(join(stackDir, "terraform.d"), { recursive: true });
  symlinkSync(resolve(source.mirror), link, "dir");
  if (!statSync(link).isDirectory()) throw new Error(`cannot link the provider mirror into ${link}`);
}
