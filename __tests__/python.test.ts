/**
 * How the project starts Python: the interpreter LAB_PYTHON names, or else the one `python3` on
 * PATH names as its own, asked once, so a version manager's shim (pyenv, asdf) is not started again
 * for every generator run. `npm test` asks once in its global setup and hands the answer down.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findPython, python, PYTHON_COMMAND, PYTHON_ENV } from "../local/python";

const scratch = mkdtempSync(join(tmpdir(), "lab-python-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A PATH whose python3 is this shell script, and nothing else. */
function pathWithPython(name: string, script: string): NodeJS.ProcessEnv {
  const bin = join(scratch, name);
  mkdirSync(bin);
  writeFileSync(join(bin, "python3"), `#!/bin/sh\n${script}\n`);
  chmodSync(join(bin, "python3"), 0o755);
  return { PATH: `${bin}:/usr/bin:/bin` };
}

describe("the Python interpreter", () => {
  it("is the one python3 on PATH runs: an absolute path, the same version", () => {
    const found = python();
    expect(found).toMatch(/^\//);
    const version = (command: string) => spawnSync(command, ["-c", "import sys; print(sys.version)"], { encoding: "utf8" }).stdout;
    expect(version(found)).toBe(version(PYTHON_COMMAND));
  });

  it("is asked once per process", () => {
    const asked = join(scratch, "asked");
    const counting = pathWithPython("counting", `echo >> ${asked}; exec ${python()} "$@"`);
    const { PATH: path, [PYTHON_ENV]: chosen } = process.env;
    process.env.PATH = counting.PATH;
    delete process.env[PYTHON_ENV]; // as outside npm test
    try {
      jest.isolateModules(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- a fresh copy of the module, inside isolateModules
        const fresh = (require("../local/python") as typeof import("../local/python")).python;
        expect([fresh(), fresh(), fresh()]).toEqual([python(), python(), python()]);
      });
    } finally {
      process.env.PATH = path;
      if (chosen !== undefined) process.env[PYTHON_ENV] = chosen;
    }
    expect(readFileSync(asked, "utf8")).toBe("\n");
  });

  it("stays python3 when python3 names no executable file, so python3's own failure is reported", () => {
    expect(findPython(pathWithPython("prints-a-version", "echo 5.0.0"))).toBe(PYTHON_COMMAND);
    expect(findPython(pathWithPython("names-a-folder", `echo ${scratch}`))).toBe(PYTHON_COMMAND);
    expect(findPython(pathWithPython("fails", "echo 'No module named sys' >&2; exit 1"))).toBe(PYTHON_COMMAND);
    expect(findPython({ PATH: join(scratch, "nothing-here") })).toBe(PYTHON_COMMAND);
  });

  it("follows a shim to what it starts", () => {
    const real = python();
    expect(findPython(pathWithPython("shim", `exec ${real} "$@"`))).toBe(real);
  });

  it("is the one LAB_PYTHON names, without asking python3", () => {
    const asked = join(scratch, "asked-never");
    const env = { ...pathWithPython("never-asked", `echo >> ${asked}; exit 1`), [PYTHON_ENV]: python() };
    expect(findPython(env)).toBe(python());
    expect(() => readFileSync(asked)).toThrow(/ENOENT/);
  });

  it("is handed to every test process by npm test's global setup", () => {
    expect(process.env[PYTHON_ENV]).toBe(python());
  });

  it("refuses a LAB_PYTHON that is not the absolute path of an executable file, in one line naming it", () => {
    const refusal = (value: string) =>
      `python: LAB_PYTHON = "${value}" is not allowed: the absolute path of a Python 3 interpreter (an executable file), or unset to use python3 on PATH`;
    for (const value of ["python3", scratch, join(scratch, "missing")]) {
      expect(() => findPython({ [PYTHON_ENV]: value })).toThrow(refusal(value));
    }
    expect(() => findPython({ [PYTHON_ENV]: "python3" })).toThrow(expect.objectContaining({ exitCode: 2 }));
  });
});
