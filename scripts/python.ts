/**
 * The Python interpreter that `python3` on PATH starts, asked for once per process.
 *
 * `python3` on PATH is often a version manager's shim (pyenv, asdf): a shell script that picks the
 * interpreter on every start, about 0.35 s of CPU and of wall time each on 2 cores. The shim's own
 * answer, `sys.executable`, is the same interpreter with the same packages, without the script.
 * Anything but an absolute path to an executable file leaves the command `python3`, so that its
 * own failure (not installed, a stand-in that only prints a version) is what the caller reports.
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { isAbsolute } from "node:path";

/** The command users know and messages name. */
export const PYTHON_COMMAND = "python3";

/** The interpreter `python3` starts in this environment, or `python3` itself when it cannot say. */
export function findPython(env: NodeJS.ProcessEnv = process.env): string {
  const probe = spawnSync(PYTHON_COMMAND, ["-c", "import sys; print(sys.executable)"], { encoding: "utf8", env });
  const path = probe.status === 0 ? probe.stdout.trim() : "";
  return isAbsolute(path) && isExecutableFile(path) ? path : PYTHON_COMMAND;
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

let found: string | undefined;

/** findPython() of this process's environment, asked once. */
export function python(): string {
  return (found ??= findPython());
}
