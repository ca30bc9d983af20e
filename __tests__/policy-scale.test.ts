/**
 * The policy pack at scale: 30,000 generated resources (a realistic workload, every relation a
 * reference) are checked in bounded time, and ten times the resources cost about ten times the
 * CPU time, not a hundred (the rules' relation lookups are indexed). `npm run policy` on 30,000
 * buckets that break six rules each (180,000 findings) reports them and exits 1; an internal
 * failure exits 2 with one line, never 1.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as policies from "../policies";
import { checkTerraformJson } from "../policies";
import { main as policyCli } from "../scripts/policy";
import { generatedConfiguration, generatedPlan, RESOURCES_PER_UNIT } from "./helpers/policy-generated";

const ROOT = join(__dirname, "..");
const SMALL = 3_000;
const LARGE = 30_000;
/** Linear growth gives about 10 (less: fixed costs); the quadratic lookups this replaced gave 120 to 210. */
const MAX_GROWTH = 25;
/** CPU seconds for 30,000 resources of either kind (about 2 s here; the quadratic version needed 98 s and 264 s). */
const MAX_LARGE_SECONDS = 20;

const units = (resources: number) => Math.ceil(resources / RESOURCES_PER_UNIT);

/** CPU seconds of this process spent in `run` (robust to other processes sharing the machine). */
function cpuSeconds(run: () => void): number {
  const before = process.cpuUsage();
  run();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1e6;
}

describe.each([
  ["synthesized configuration", generatedConfiguration],
  ["plan", generatedPlan],
] as const)("the pack on a generated %s", (_, generate) => {
  it(`checks ${LARGE.toLocaleString("en")} resources in bounded time, growing linearly from ${SMALL.toLocaleString("en")}`, () => {
    const small = generate(units(SMALL), 10);
    const large = generate(units(LARGE), 10);
    checkTerraformJson(small); // warm up
    const smallSeconds = Math.min(...[0, 1, 2].map(() => cpuSeconds(() => checkTerraformJson(small))));
    let result: policies.CheckResult | undefined;
    const largeSeconds = cpuSeconds(() => (result = checkTerraformJson(large)));
    // The workload is clean but for SSH opened to the world in every tenth unit.
    expect(result!.resourceCount).toBe(units(LARGE) * RESOURCES_PER_UNIT);
    expect(new Set(result!.findings.map((f) => f.rule))).toEqual(new Set(["LAB-NET-1"]));
    expect(result!.findings).toHaveLength(Math.ceil(units(LARGE) / 10));
    expect({ largeSeconds: largeSeconds < MAX_LARGE_SECONDS, growth: largeSeconds / smallSeconds < MAX_GROWTH }).toEqual({ largeSeconds: true, growth: true });
  });
});

describe("npm run policy at scale", () => {
  // Made in beforeAll, which a filtered run skips together with afterAll.
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), "lab-policy-scale-"))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`reports 30,000 buckets with six findings each and exits 1 (it died with a RangeError)`, () => {
    const buckets: Record<string, unknown> = {};
    for (let i = 0; i < LARGE; i++) buckets[`b${i}`] = { bucket: `scale-bucket-${i}` };
    const file = join(dir, "buckets.tf.json");
    writeFileSync(file, JSON.stringify({ resource: { aws_s3_bucket: buckets } }));
    const { status, stdout, stderr } = spawnSync(process.execPath, ["-r", "./loader/register-ts.js", "scripts/policy.ts", file], {
      cwd: ROOT,
      encoding: "utf8",
      maxBuffer: 512 * 1024 * 1024,
    });
    expect({ status, stderr }).toEqual({ status: 1, stderr: "" });
    expect(stdout).toContain(`policy pack: ${policies.RULES.length} rules on 30000 resources`);
    expect(stdout.trimEnd().split("\n").pop()).toBe("result: FAIL (180000 violation(s), 0 undecided, 0 suppressed)");
  });

  it("exits 2 with one line when the check itself fails, never 1", () => {
    const file = join(dir, "small.tf.json");
    writeFileSync(file, JSON.stringify(generatedConfiguration(1)));
    const spy = jest.spyOn(policies, "checkTerraformJson").mockImplementation(() => {
      throw new RangeError("Maximum call stack size exceeded");
    });
    try {
      const errors: string[] = [];
      const status = policyCli(
        [file],
        () => undefined,
        (t) => errors.push(t),
      );
      expect({ status, errors }).toEqual({
        status: 2,
        errors: [`policy: internal error while checking ${file}: RangeError: Maximum call stack size exceeded`],
      });
    } finally {
      spy.mockRestore();
    }
  });

  it("exits 2 with one line on input nested deep enough to overflow a recursive walk (it printed a stack trace)", () => {
    const cases: [number, string][] = [
      [400, "aws_s3_bucket.deep nests values more than 100 levels deep; the pack reads at most 100"],
      [100_000, "it nests values deeper than 512 levels, which no Terraform file or plan does; the pack reads at most 512"],
    ];
    for (const [depth, message] of cases) {
      const file = join(dir, `deep-${depth}.tf.json`);
      writeFileSync(file, `{"resource": {"aws_s3_bucket": {"deep": {"bucket": "deep", "tags": ${"[".repeat(depth)}${"]".repeat(depth)}}}}}`);
      const { status, stderr } = spawnSync(process.execPath, ["-r", "./loader/register-ts.js", "scripts/policy.ts", file], { cwd: ROOT, encoding: "utf8" });
      expect({ status, stderr }).toEqual({ status: 2, stderr: `policy: ${file}: ${message}\n` });
    }
  });
});
