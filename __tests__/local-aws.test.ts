/**
 * The launcher's corrections of moto (local/moto_launcher.py), tested against moto's own backends in
 * Python (__tests__/python-local, unittest), run here so that `npm test` runs them. The corrections
 * that need a running server (TLS-only bucket policy, S3 events to Lambda) are proven by the
 * lifecycle test.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";

describe("the local AWS launcher's corrections of moto", () => {
  it("pass under python3 -m unittest (revoking a security group rule by an ID the group does not hold)", () => {
    const result = spawnSync("python3", ["-m", "unittest", "discover", "-s", join(__dirname, "python-local"), "-v"], { encoding: "utf8" });
    if (result.error) throw new Error(`cannot run python3 (${result.error.message}); python3 must be on PATH`);
    const report = result.stderr; // unittest reports on stderr
    expect({ status: result.status, report }).toEqual({ status: 0, report: expect.stringMatching(/^OK$/m) });
    expect(Number(/^Ran (\d+) tests/m.exec(report)?.[1])).toBe(4);
  });
});
