/**
 * The shell file a kept local run writes for running Terraform by hand (local-aws.out/terraform.env):
 * sourced into one environment, it makes the other, whatever the values hold.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { envFile } from "../local/env-file";

const scratch = mkdtempSync(join(tmpdir(), "lab-env-file-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The environment sh has after sourcing the file in `from` (only the names either side holds). */
function sourced(from: Record<string, string>, file: string, names: string[]): Record<string, string> {
  const path = join(scratch, "terraform.env");
  writeFileSync(path, file);
  const probe = names.map((n) => `if [ "\${${n}+set}" = set ]; then printf '%s\\0%s\\0' ${n} "$${n}"; fi`).join("; ");
  const result = spawnSync("/bin/sh", ["-c", `. ${path} && ${probe || ":"}`], { env: from, encoding: "utf8" });
  expect(result.stderr).toBe("");
  const parts = result.stdout.split("\0").slice(0, -1);
  return Object.fromEntries(parts.flatMap((_, i) => (i % 2 === 0 ? [[parts[i], parts[i + 1]]] : [])));
}

describe("the environment file", () => {
  it("unsets what the target lacks, exports what it adds or changes, and leaves the rest alone", () => {
    const from = { AWS_CA_BUNDLE: "/etc/ca.pem", AWS_ENDPOINT_URL: "https://elsewhere", HOME: "/home/you", TF_INPUT: "1" };
    const to = { HOME: "/home/you", TF_INPUT: "0", AWS_ENDPOINT_URL_S3: "https://127.0.0.1:4566", SSL_CERT_FILE: "/lab/tls/ca.pem" };
    expect(envFile(from, to)).toBe(
      "unset AWS_CA_BUNDLE\nunset AWS_ENDPOINT_URL\nexport AWS_ENDPOINT_URL_S3='https://127.0.0.1:4566'\nexport SSL_CERT_FILE='/lab/tls/ca.pem'\nexport TF_INPUT='0'\n",
    );
  });

  it("sourced by sh, turns any environment into the target, values with quotes, spaces and newlines included", () => {
    const name = fc.stringMatching(/^V_[A-Z0-9_]{0,6}$/); // never one sh sets itself (PATH, PWD, IFS)
    const value = fc.string({ unit: fc.constantFrom("a", "'", '"', " ", "\n", "$", "\\", "`", "é") });
    const env = fc.dictionary(name, value, { maxKeys: 6 });
    fc.assert(
      fc.property(env, env, (from, to) => {
        const names = [...new Set([...Object.keys(from), ...Object.keys(to)])];
        expect(sourced(from, envFile(from, to), names)).toEqual(to);
      }),
      { numRuns: 40 },
    );
  });
});
