/**
 * The local AWS's launcher (local/moto_launcher.py): its corrections of moto, tested against moto's
 * own backends in Python (__tests__/python-local, unittest, run here so that `npm test` runs them),
 * and its lifetime. The corrections that need a running server (the TLS-only bucket policy, S3
 * events to Lambda) are proven by the lifecycle test.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isRunning as alive } from "../local/run-record";
import { python } from "../local/python";

const ROOT = join(__dirname, "..");
const scratch = mkdtempSync(join(tmpdir(), "lab-local-aws-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("the local AWS launcher's corrections of moto", () => {
  it("pass under python3 -m unittest (a retried call answered as before; revoking a security group rule by an ID the group does not hold)", () => {
    const result = spawnSync(python(), ["-m", "unittest", "discover", "-s", join(__dirname, "python-local"), "-v"], { encoding: "utf8" });
    if (result.error) throw new Error(`cannot run python3 (${result.error.message}); python3 must be on PATH`);
    const report = result.stderr; // unittest reports on stderr
    expect({ status: result.status, report }).toEqual({ status: 0, report: expect.stringMatching(/^OK$/m) });
    expect(Number(/^Ran (\d+) tests/m.exec(report)?.[1])).toBe(10);
  });
});

describe("the local AWS's lifetime", () => {
  it("ends with the process that started it, even when that process is killed outright (SIGKILL)", async () => {
    const starter = `require("./local/local-aws").LocalAws.start({ tlsDir: ${JSON.stringify(join(scratch, "tls"))} }).then((aws) => console.log(aws.pid))`;
    const parent = spawn(process.execPath, ["-r", "./loader/register-ts.js", "-e", starter], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
    const serverPid = await new Promise<number>((resolve, reject) => {
      parent.stdout.on("data", (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
      parent.once("exit", (code) => reject(new Error(`the starter exited (${String(code)}) before the local AWS was ready`)));
    });
    expect(alive(serverPid)).toBe(true);
    parent.kill("SIGKILL");
    const deadline = Date.now() + 10_000;
    while (alive(serverPid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(alive(serverPid)).toBe(false);
  });
});
