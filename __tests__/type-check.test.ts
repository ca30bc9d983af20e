/**
 * The whole tree type-checks under tsconfig.json's strict settings. Jest itself only transpiles
 * (isolatedModules), and so does every command (loader/register-ts.js): this is where a type error
 * fails. It runs as one test file beside the others rather than before them, because tsc uses one
 * core and the suite has two. `tsc --build` skips the check when no input changed since a check
 * recorded in the build info (about 1 s instead of 7 s of CPU), and still reports the errors that
 * check found.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const ROOT = join(__dirname, "..");

it("tsc finds no type error in the project (tsconfig.json, every .ts file)", () => {
  const tsc = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "--build", join(ROOT, "tsconfig.json")], { cwd: ROOT, encoding: "utf8" });
  expect({ status: tsc.status, diagnostics: tsc.stdout + tsc.stderr }).toEqual({ status: 0, diagnostics: "" });
}, 300_000);
