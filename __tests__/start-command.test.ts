/**
 * `npm start`'s answers to bad input, each one line and exit status 2, before anything is started
 * or deployed. (The run itself is the lifecycle test's: __tests__/local-lifecycle.test.ts.)
 */
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, Server } from "node:net";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { PYTHON_ENV } from "../local/python";
import { writeRunRecord } from "../local/run-record";
import { earlierRunRefusal, parseStartArgs, UsageError } from "../scripts/start";

const ROOT = join(__dirname, "..");
const scratch = mkdtempSync(join(tmpdir(), "lab-start-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function npmStart(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const run = spawnSync(process.execPath, ["-r", "./loader/register-ts.js", "scripts/start.ts", ...args], { cwd: ROOT, env, encoding: "utf8" });
  return { status: run.status, stderr: run.stderr, stdout: run.stdout };
}

describe("npm start's arguments", () => {
  it("takes --records N, --keep and --port P", () => {
    expect(parseStartArgs([])).toEqual({ records: undefined, keep: false, port: 0 });
    expect(parseStartArgs(["--records", "5000", "--keep", "--port", "4566"])).toEqual({ records: 5000, keep: true, port: 4566 });
  });

  it.each([
    [["--records", "0"], 'start: --records "0" is not allowed: it must be a positive whole number of records'],
    [["--records", "-5"], 'start: --records "-5" is not allowed: it must be a positive whole number of records'],
    [["--records", "1.5"], 'start: --records "1.5" is not allowed: it must be a positive whole number of records'],
    [["--records", "1e3"], 'start: --records "1e3" is not allowed: it must be a positive whole number of records'],
    [["--records", "99999999999999999999"], 'start: --records "99999999999999999999" is not allowed: it must be a positive whole number of records'],
    [["--records"], "start: --records needs a value"],
    [["--port", "70000"], 'start: --port "70000" is not allowed: it must be 0 (any free port) or 1-65535'],
    [["--destroy"], "start: unknown argument --destroy"],
  ])("refuses %j", (args, message) => {
    expect(() => parseStartArgs(args)).toThrow(UsageError);
    expect(() => parseStartArgs(args)).toThrow(message);
  });

  it("answers bad usage with one line and the usage, exit status 2", () => {
    const run = npmStart(["--records", "many"]);
    expect(run).toEqual({
      status: 2,
      stdout: "",
      stderr: 'start: --records "many" is not allowed: it must be a positive whole number of records\nusage: npm start [-- --records N] [--keep] [--port P]\n',
    });
  });
});

describe("npm start when the machine cannot run the local AWS", () => {
  let busy: Server;
  let busyPort: number;
  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    busyPort = (busy.address() as { port: number }).port;
  });
  afterAll(() => busy.close());

  it("refuses a port already in use, exit status 2", () => {
    const run = npmStart(["--records", "10", "--port", String(busyPort)]);
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(`start: --port ${busyPort} cannot be used on 127.0.0.1 (already in use); choose another, or 0 for any free port\n`);
  });

  it("refuses a stack with a service the local AWS does not emulate before starting anything, exit status 2", () => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("LAB_")));
    const run = npmStart(["--records", "10"], { ...env, LAB_ANALYTICS_ENGINE: "kinesis-analytics-sql" });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(
      /\nstart: aws_kinesis_analytics_application: Kinesis Data Analytics for SQL is discontinued and moto has no such service; the local run needs LAB_ANALYTICS_ENGINE=micro-batch \(the default\)\n$/,
    );
    expect(run.stderr).not.toContain("local AWS: moto's server at");
  });

  /** A stand-in python3 running this shell script, in a folder of its own. */
  const standIn = (name: string, script: string) => {
    const bin = join(scratch, name);
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, "python3"), `#!/bin/sh\n${script}\n`);
    chmodSync(join(bin, "python3"), 0o755);
    return bin;
  };
  /** npm start with the stand-in first on PATH, and no LAB_PYTHON (npm test sets one). */
  const withPython = (name: string, script: string) => {
    const { [PYTHON_ENV]: _chosen, ...env } = process.env;
    return npmStart(["--records", "10"], { ...env, PATH: `${standIn(name, script)}:${String(process.env.PATH)}` });
  };

  it("says how to install the pinned moto when another version is installed, exit status 2", () => {
    expect(withPython("other-moto", "echo 5.0.0")).toEqual({
      status: 2,
      stdout: "",
      stderr: "start: moto 5.0.0 is installed, but the local AWS is written for moto 5.2.1: install it with python3 -m pip install 'moto[server]==5.2.1'\n",
    });
  });

  it("says how to install moto when it is missing, exit status 2", () => {
    expect(withPython("no-moto", `echo "ModuleNotFoundError: No module named 'moto'" >&2; exit 1`)).toEqual({
      status: 2,
      stdout: "",
      stderr: "start: moto is not installed for python3: install it with python3 -m pip install 'moto[server]==5.2.1'\n",
    });
  });

  it("names the interpreter LAB_PYTHON chose in the way to install moto, exit status 2", () => {
    const chosen = join(standIn("chosen-no-moto", "exit 1"), "python3");
    expect(npmStart(["--records", "10"], { ...process.env, [PYTHON_ENV]: chosen })).toEqual({
      status: 2,
      stdout: "",
      stderr: `start: moto is not installed for ${chosen}: install it with ${chosen} -m pip install 'moto[server]==5.2.1'\n`,
    });
  });

  it("refuses a LAB_PYTHON that is not an interpreter's path in one line, exit status 2", () => {
    expect(npmStart(["--records", "10"], { ...process.env, [PYTHON_ENV]: "python3.11" })).toEqual({
      status: 2,
      stdout: "",
      stderr:
        'start: python: LAB_PYTHON = "python3.11" is not allowed: the absolute path of a Python 3 interpreter (an executable file), or unset to use python3 on PATH\n',
    });
  });
});

describe("npm start when an earlier run's local AWS still holds the folder", () => {
  const outdir = join(scratch, "earlier-run");
  /** A process that stands in for the local AWS, and one that has ended (its pid is free). */
  const server = spawn("sleep", ["60"]);
  const ended = spawnSync("true").pid;
  afterAll(() => server.kill());
  const record = (runner: number, keep: boolean) => {
    mkdirSync(outdir, { recursive: true });
    writeRunRecord(outdir, { endpoint: "https://127.0.0.1:4566", ca: join(outdir, "tls", "ca.pem"), pid: server.pid!, runner, keep });
  };
  const stop = `kill ${String(server.pid)} && rm -rf ${relative(process.cwd(), outdir)}`;

  it("names a local AWS left up by --keep, and how to stop it", () => {
    record(ended, true);
    expect(earlierRunRefusal(outdir)?.message).toBe(
      `start: an earlier \`npm start -- --keep\` left its local AWS (pid ${String(server.pid)}, https://127.0.0.1:4566) running; stop it with: ${stop}`,
    );
  });

  it("names another npm start still running, and says to let it finish rather than kill its server", () => {
    record(process.pid, false);
    expect(earlierRunRefusal(outdir)?.message).toBe(
      `start: another npm start (pid ${process.pid}) is running in this folder with its local AWS (pid ${String(server.pid)}, https://127.0.0.1:4566); let it finish, or stop it with Ctrl-C there (or kill -INT ${process.pid})`,
    );
  });

  it("names a local AWS whose npm start ended without stopping it", () => {
    record(ended, false);
    expect(earlierRunRefusal(outdir)?.message).toBe(
      `start: an earlier npm start ended without stopping its local AWS (pid ${String(server.pid)}, https://127.0.0.1:4566); stop it with: ${stop}`,
    );
  });

  it("refuses nothing when the recorded local AWS is gone, or there is no record", () => {
    writeRunRecord(outdir, { endpoint: "https://127.0.0.1:4566", ca: "ca.pem", pid: ended, runner: ended, keep: true });
    expect(earlierRunRefusal(outdir)).toBeUndefined();
    expect(earlierRunRefusal(join(scratch, "no-run-here"))).toBeUndefined();
  });
});
