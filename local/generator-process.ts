/**
 * The generator as the instance runs it: the files the deployed launch template's user data
 * installs (generator.py, the schema, the systemd unit, /etc/lab-generator.env) are unpacked from
 * that user data, and the unit's ExecStart is expanded with the environment file the way systemd
 * does, so the local run sends with exactly the stream, region, rate, pack size and mode the stack rendered.
 */
import { ChildProcess, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { python } from "./python";
import { GENERATOR_INSTALL_DIR } from "../generator/cloud-config";

const UNIT_FILE = "/etc/systemd/system/lab-generator.service";
const ENV_FILE = "/etc/lab-generator.env";

export interface InstalledGenerator {
  /** The environment file's variables (LAB_STREAM, LAB_REGION, LAB_RATE, LAB_PACK_BYTES, LAB_REPLAY_ARGS). */
  readonly environment: Readonly<Record<string, string>>;
  /** ExecStart expanded, with the install folder mapped to `dir` and the interpreter to python3. */
  readonly command: readonly string[];
  /** Where the installed files were written. */
  readonly dir: string;
}

interface CloudConfig {
  readonly write_files: ReadonlyArray<{ readonly path: string; readonly content: string }>;
}

/** Unpacks user data (base64 of gzipped cloud-config) into `dir` and reads the service's command line. */
export function installFromUserData(userDataBase64: string, dir: string): InstalledGenerator {
  const text = gunzipSync(Buffer.from(userDataBase64, "base64")).toString("utf8");
  if (!text.startsWith("#cloud-config\n")) throw new Error("the launch template's user data is not a cloud-config");
  const config = JSON.parse(text.slice("#cloud-config\n".length)) as CloudConfig;
  const files = new Map(config.write_files.map((f) => [f.path, f.content]));
  mkdirSync(dir, { recursive: true });
  for (const [path, content] of files) {
    if (path.startsWith(`${GENERATOR_INSTALL_DIR}/`)) writeFileSync(join(dir, path.slice(GENERATOR_INSTALL_DIR.length + 1)), content);
  }
  const unit = files.get(UNIT_FILE);
  const envFile = files.get(ENV_FILE);
  if (unit === undefined || envFile === undefined) throw new Error(`the user data installs no ${unit === undefined ? UNIT_FILE : ENV_FILE}`);
  const environment = parseEnvironmentFile(envFile);
  const execStart = unit.split("\n").find((line) => line.startsWith("ExecStart="));
  if (execStart === undefined) throw new Error(`${UNIT_FILE} has no ExecStart`);
  const command = expandExecStart(execStart.slice("ExecStart=".length), environment).map((word) =>
    word === "/usr/bin/python3" ? python() : word.startsWith(`${GENERATOR_INSTALL_DIR}/`) ? join(dir, word.slice(GENERATOR_INSTALL_DIR.length + 1)) : word,
  );
  return { environment, command, dir };
}

/** KEY=VALUE lines, as systemd's EnvironmentFile= reads them (no quoting is used by the stack). */
function parseEnvironmentFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) env[match[1]] = match[2];
  }
  return env;
}

/**
 * systemd's expansion of ExecStart: `${VAR}` is replaced as one word, `$VAR` is split into words at
 * whitespace (none when empty); see systemd.service(5), "Command lines".
 */
function expandExecStart(line: string, env: Readonly<Record<string, string>>): string[] {
  const words: string[] = [];
  for (const word of line.trim().split(/\s+/)) {
    const unbraced = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(word);
    if (unbraced) {
      words.push(...(env[unbraced[1]] ?? "").split(/\s+/).filter(Boolean));
      continue;
    }
    words.push(word.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => env[name] ?? ""));
  }
  return words;
}

export interface GeneratorRun {
  readonly child: ChildProcess;
  /** Records the generator reported as sent so far. */
  readonly sent: () => number;
  /** Records it gave up on (reported, never silently lost). */
  readonly givenUp: () => number;
  /** Resolves with the exit status. */
  readonly exited: Promise<number>;
  /** What it logged (its stderr). */
  readonly log: () => string;
}

/** Starts the installed generator with extra arguments (e.g. --count) in the given environment. */
export function startGenerator(installed: InstalledGenerator, extraArgs: readonly string[], env: NodeJS.ProcessEnv): GeneratorRun {
  const [program, ...args] = installed.command;
  const child = spawn(program, [...args, "--progress-every", "1", ...extraArgs], { env, stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  let unread = "";
  let sent = 0;
  let givenUp = 0;
  child.stderr.on("data", (chunk: Buffer) => {
    log += chunk.toString();
    unread += chunk.toString();
    const lines = unread.split("\n");
    unread = lines.pop() ?? "";
    for (const line of lines) {
      const match = /sent (\d+) records(?: so far)?, gave up on (\d+)/.exec(line);
      if (match) [sent, givenUp] = [Number(match[1]), Number(match[2])];
    }
  });
  const exited = new Promise<number>((resolve) => {
    child.on("error", (error) => {
      log += `cannot start ${program}: ${error.message}\n`;
      resolve(2);
    });
    child.on("exit", (code, signal) => resolve(code ?? (signal === "SIGTERM" ? 0 : 1)));
  });
  return { child, sent: () => sent, givenUp: () => givenUp, exited, log: () => log };
}
