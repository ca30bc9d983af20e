/**
 * The Python interpreter to start: the one LAB_PYTHON names, or else the one `python3` on PATH
 * names as its own, asked for once per process.
 *
 * `python3` on PATH is often a version manager's shim (pyenv, asdf): a shell script that picks the
 * interpreter on every start, about 0.35 s of CPU and of wall time each on 2 cores. The shim's own
 * answer, `sys.executable`, is the same interpreter with the same packages, without the script.
 * Anything but an absolute path to an executable file leaves the command `python3`, so that its
 * own failure (not installed, a stand-in that only prints a version) is what the caller reports.
 * `npm test` asks once for all its processes and hands the answer down in LAB_PYTHON.
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { isAbsolute } from "node:path";
import { UnusableInputError } from "../input/unusable-input";

/** The command users know and messages name. */
export const PYTHON_COMMAND = "python3";
/** The environment variable that names the interpreter outright (an absolute path). */
export const PYTHON_ENV = "LAB_PYTHON";

/** The interpreter to start in this environment: LAB_PYTHON, the one `python3` starts, or `python3` itself when it cannot say. */
export function findPython(env: NodeJS.ProcessEnv = process.env): string {
  const chosen = env[PYTHON_ENV];
  if (chosen !== undefined && chosen !== "") {
    if (isAbsolute(chosen) && isExecutableFile(chosen)) return chosen;
    throw new UnusableInputError(
      [
        `${PYTHON_ENV} = ${JSON.stringify(chosen)} is not allowed: the absolute path of a Python 3 interpreter (an executable file), or unset to use ${PYTHON_COMMAND} on PATH`,
      ],
      "python",
    );
  }
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

/** The interpreter as messages name it: LAB_PYTHON's value when set, else `python3`. */
export function pythonNamed(env: NodeJS.ProcessEnv = process.env): string {
  return env[PYTHON_ENV] || PYTHON_COMMAND;
}

let found: string | undefined;

/** findPython() of this process's environment, asked once. */
export function python(): string {
  return (found ??= findPython());
}
