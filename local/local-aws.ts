/**
 * The local AWS: moto's server started through local/moto_launcher.py (TLS with a CA made for the
 * run, and its corrections of moto), and what every client of it needs: the environment for child
 * processes (Terraform, the generator, the function, the verifier) and the options for SDK clients
 * in this process. Nothing here can reach AWS: credentials are dummies and every endpoint is local.
 */
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { Agent } from "node:https";
import { join } from "node:path";
import { UNUSABLE_INPUT_EXIT_CODE } from "../input/unusable-input";
import { python, pythonNamed } from "./python";

const LAUNCHER = join(__dirname, "moto_launcher.py");
/** The moto version requirements.txt pins: the one the launcher's corrections are written for. */
const PINNED_MOTO = /^moto\[server\]==(\S+)$/m.exec(readFileSync(join(__dirname, "..", "requirements.txt"), "utf8"))![1];
/** How to install the pinned moto for the interpreter the local run starts (named as the user named it). */
const motoInstall = (named = pythonNamed()) => `${named} -m pip install 'moto[server]==${PINNED_MOTO}'`;
const READY_TIMEOUT_MS = 60_000;

/** The local AWS could not start: one line for people (moto missing, the port in use, ...). Exit status 2. */
class LocalAwsUnavailable extends Error {
  readonly exitCode = UNUSABLE_INPUT_EXIT_CODE;

  constructor(message: string) {
    super(message);
    this.name = "LocalAwsUnavailable";
  }
}

export interface LocalAwsOptions {
  /** Folder for the run's CA and server certificate. */
  readonly tlsDir: string;
  /** TLS port; 0 (the default) takes any free port. */
  readonly port?: number;
  /** Also serve plain HTTP (any free port), only to prove that TLS-only policies deny it. */
  readonly plainHttp?: boolean;
  /** Where the server's own log goes (default: discarded). */
  readonly logFile?: number;
  /** Leave the server running when this process exits (npm start --keep); otherwise it is stopped then, however this process ends. */
  readonly outlive?: boolean;
}

export interface LocalAwsEndpoint {
  /** `https://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** The run's CA certificate (PEM), the only one the clients trust for the endpoint. */
  readonly ca: string;
  /** `http://127.0.0.1:<port>` when plainHttp was asked for. */
  readonly plain?: string;
  /** The server's process id. */
  readonly pid: number;
}

/** Credentials of the local AWS: moto takes any, and these are no one's. */
export const LOCAL_CREDENTIALS = { accessKeyId: "local-aws", secretAccessKey: "local-aws" } as const;
/** moto's account. */
export const LOCAL_ACCOUNT = "123456789012";

/** The installed moto's version, or a LocalAwsUnavailable saying how to install it. */
export function motoVersion(): string {
  const probe = spawnSync(python(), ["-c", "import moto; print(moto.__version__)"], { encoding: "utf8" });
  const named = pythonNamed();
  if (probe.error) throw new LocalAwsUnavailable(`${named} is not on PATH: the local AWS (moto's server) needs Python 3 with ${motoInstall(named)}`);
  if (probe.status !== 0) throw new LocalAwsUnavailable(`moto is not installed for ${named}: install it with ${motoInstall(named)}`);
  const version = probe.stdout.trim();
  if (version !== PINNED_MOTO)
    throw new LocalAwsUnavailable(`moto ${version} is installed, but the local AWS is written for moto ${PINNED_MOTO}: install it with ${motoInstall(named)}`);
  return version;
}

export class LocalAws implements LocalAwsEndpoint {
  private constructor(
    private readonly child: ChildProcess,
    readonly endpoint: string,
    readonly ca: string,
    readonly plain: string | undefined,
    readonly pid: number,
  ) {}

  /** Starts the server and resolves once it listens; rejects with LocalAwsUnavailable when it cannot. */
  static start(options: LocalAwsOptions): Promise<LocalAws> {
    motoVersion();
    const args = [LAUNCHER, "--tls-dir", options.tlsDir, "--port", String(options.port ?? 0)];
    if (options.plainHttp) args.push("--plain-port", "0");
    if (!options.outlive) args.push("--stop-with-parent"); // its standard input is our pipe: it closes when we end, even on SIGKILL
    const child = spawn(python(), args, {
      stdio: [options.outlive ? "ignore" : "pipe", "pipe", options.logFile ?? "pipe"],
      // Its own process group: a Ctrl-C at the terminal reaches npm start, which stops the run in order, not the server.
      detached: true,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: process.env.LANG ?? "C.UTF-8", PYTHONUNBUFFERED: "1" },
    });
    return new Promise((resolve, reject) => {
      let stdout = "";
      let stderr = "";
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new LocalAwsUnavailable(`the local AWS did not start within ${READY_TIMEOUT_MS / 1000} s${stderr ? `: ${lastLine(stderr)}` : ""}`));
      }, READY_TIMEOUT_MS);
      child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      child.stdout!.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        const line = stdout.split("\n")[0];
        if (!stdout.includes("\n")) return;
        clearTimeout(timer);
        const ready = JSON.parse(line) as LocalAwsEndpoint;
        child.stdout!.removeAllListeners("data");
        child.stdout!.resume();
        if (options.outlive) child.unref();
        else process.once("exit", () => child.kill("SIGKILL")); // an abrupt exit (a second Ctrl-C) leaves nothing running
        resolve(new LocalAws(child, ready.endpoint, ready.ca, ready.plain, ready.pid));
      });
      child.on("exit", (code) => {
        clearTimeout(timer);
        reject(new LocalAwsUnavailable(lastLine(stderr).replace(/^local AWS: /, "") || `the local AWS exited with status ${String(code)} before it was ready`));
      });
    });
  }

  /** Stops the server (its resources go with it: moto keeps them in memory). */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  }
}

function lastLine(text: string): string {
  return text.trim().split("\n").pop() ?? "";
}

/** Variables no local child may inherit: they would point a client at AWS or at another CA. */
const AWS_VARIABLES = /^(AWS_|NODE_EXTRA_CA_CERTS$|SSL_CERT_FILE$|REQUESTS_CA_BUNDLE$|CURL_CA_BUNDLE$)/;

/**
 * The environment of a child process of the local run: the parent's, without any AWS_* variable
 * or CA bundle, plus dummy credentials, the region, the local endpoint for every service and the
 * run's CA for every runtime (boto3, Node.js; the AWS provider gets it from localProviderEnv).
 */
export function localAwsEnv(aws: LocalAwsEndpoint, region: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(base).filter(([key]) => !AWS_VARIABLES.test(key)));
  return {
    ...env,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ENDPOINT_URL: aws.endpoint,
    // The handler addresses S3 by path when an S3 endpoint is given (an IP has no bucket subdomains).
    AWS_ENDPOINT_URL_S3: aws.endpoint,
    AWS_CA_BUNDLE: aws.ca,
    NODE_EXTRA_CA_CERTS: aws.ca,
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    // The SDK's notice that it will need Node.js 22 from 2027 (see the README's requirements), once per child, is noise here.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  };
}

/** Options for an AWS SDK v3 client of this process that talks to the local AWS (and only trusts its CA). */
export function localClientConfig(aws: LocalAwsEndpoint, region: string) {
  return {
    endpoint: aws.endpoint,
    region,
    credentials: LOCAL_CREDENTIALS,
    forcePathStyle: true,
    maxAttempts: 3,
    requestHandler: { httpsAgent: new Agent({ ca: readFileSync(aws.ca), keepAlive: true }) },
  };
}
