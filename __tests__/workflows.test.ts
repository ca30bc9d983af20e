/**
 * The GitHub workflows: valid YAML, every npm script and file they call exists, actions pinned to
 * commits, Terraform pinned, least permissions, no plan uploaded, OIDC instead of keys.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { COST_BASELINE_ENV } from "../costs/review";

const ROOT = join(__dirname, "..");
const DIR = join(ROOT, ".github", "workflows");
const scripts = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;

interface Step {
  name?: string;
  id?: string;
  if?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
  "continue-on-error"?: boolean;
}
interface Job {
  if?: string;
  env?: Record<string, string>;
  environment?: string;
  permissions?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress": boolean };
  jobs: Record<string, Job>;
}

const files = readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f));
const workflows: Record<string, Workflow> = Object.fromEntries(
  files.map((f) => {
    const doc = parseDocument(readFileSync(join(DIR, f), "utf8"), { prettyErrors: true, uniqueKeys: true });
    if (doc.errors.length > 0) throw new Error(`${f} is not valid YAML:\n${doc.errors.map((e) => e.message).join("\n")}`);
    return [f, doc.toJS() as Workflow];
  }),
);
const allSteps = Object.entries(workflows).flatMap(([file, w]) => Object.values(w.jobs).flatMap((j) => j.steps.map((s) => ({ file, ...s }))));

/** `npm run <script>` and `npm <builtin>` in a shell script. */
function npmCalls(run: string): string[] {
  return [...run.matchAll(/\bnpm\s+(run\s+)?([\w:-]+)/g)].map((m) => (m[1] ? m[2] : m[2] === "test" ? "test" : `(builtin) ${m[2]}`));
}

/** Files of this repository a command runs: `bash .ci/run`, `./tool.sh`, `node -r ./a.js b.ts`, ... */
function repoFiles(command: string): string[] {
  const interpreted = [...command.matchAll(/(?:^|[\s;&|(])(?:bash|sh|node|python3?)\s+(?:-\S+\s+)*([^\s$"'|;&]+)/gm)].map((m) => m[1]);
  const executed = [...command.matchAll(/(?:^|[\s;&|])(\.\/[^\s"'|;&]+)/gm)].map((m) => m[1]);
  const sources = command.split(/[\s;&|]+/).filter((t) => /^[\w./-]+\.(?:ts|js|sh|py)$/.test(t));
  return [...new Set([...interpreted, ...executed, ...sources])];
}

describe("the GitHub workflows", () => {
  it("are valid YAML with triggers and jobs", () => {
    expect(files.sort()).toEqual(["deploy.yml", "pull-request.yml"]);
    for (const w of Object.values(workflows)) {
      expect(Object.keys(w.on).length).toBeGreaterThan(0);
      expect(Object.keys(w.jobs).length).toBeGreaterThan(0);
    }
  });

  it("call only npm scripts and files that exist", () => {
    const called = allSteps.flatMap((s) => (s.run ? npmCalls(s.run) : []));
    expect(called).toEqual(expect.arrayContaining(["test", "plan", "deploy", "synth", "(builtin) ci"]));
    for (const script of called.filter((c) => !c.startsWith("(builtin)"))) {
      expect({ script, exists: script in scripts }).toEqual({ script, exists: true });
    }
    const commands = [...allSteps.flatMap((s) => (s.run ? [s.run] : [])), ...called.filter((c) => c in scripts).map((c) => scripts[c])];
    const files = commands.flatMap(repoFiles);
    expect(files).toEqual(expect.arrayContaining(["scripts/plan.ts", "scripts/deploy.ts", "scripts/synth.js"]));
    for (const file of files) {
      expect({ file, exists: existsSync(join(ROOT, file)) }).toEqual({ file, exists: true });
    }
  });

  it("pin every action to a full commit, with its version in a comment", () => {
    const uses = allSteps.filter((s) => s.uses).map((s) => s.uses!);
    expect(uses.length).toBeGreaterThan(0);
    for (const u of uses) expect(u).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
    for (const f of files) {
      for (const line of readFileSync(join(DIR, f), "utf8")
        .split("\n")
        .filter((l) => l.includes("uses:"))) {
        expect(line).toMatch(/# v\d+\.\d+\.\d+$/);
      }
    }
  });

  it("pin Terraform 1.11.4 with the wrapper off (plan output must stay Terraform's own)", () => {
    const setups = allSteps.filter((s) => s.uses?.startsWith("hashicorp/setup-terraform@"));
    expect(setups.map((s) => s.file).sort()).toEqual(files.sort());
    for (const s of setups) expect(s.with).toEqual({ terraform_version: "1.11.4", terraform_wrapper: false });
  });

  it("never upload the plan (plan.json and saved plans can hold secrets in plain text)", () => {
    expect(allSteps.filter((s) => /upload-artifact|upload-pages-artifact|cache@/.test(s.uses ?? ""))).toEqual([]);
    expect(allSteps.filter((s) => /plan\.json|\.tfplan/.test(`${s.run ?? ""}${JSON.stringify(s.with ?? {})}`))).toEqual([]);
  });

  it("get AWS credentials only by OIDC, never from stored keys", () => {
    const aws = allSteps.filter((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"));
    expect(aws.length).toBe(2);
    for (const s of aws) {
      expect(Object.keys(s.with!).sort()).toEqual(["aws-region", "role-session-name", "role-to-assume"]);
      expect(s.with!["role-to-assume"]).toBe("${{ vars.AWS_ROLE_ARN }}");
    }
    for (const f of files) expect(readFileSync(join(DIR, f), "utf8")).not.toMatch(/secrets\.|aws-access-key-id|aws-secret-access-key/);
  });

  it("grant each job only what it uses", () => {
    for (const w of Object.values(workflows)) expect(w.permissions).toEqual({ contents: "read" });
    expect(workflows["pull-request.yml"].jobs.plan.permissions).toEqual({ contents: "read", "pull-requests": "write", "id-token": "write" });
    expect(workflows["deploy.yml"].jobs.deploy.permissions).toEqual({ contents: "read", "id-token": "write" });
  });

  it("hand the shared-state settings to plan and deploy, and not to the tests", () => {
    const stateEnv = {
      LAB_STATE_BUCKET: "${{ vars.LAB_STATE_BUCKET }}",
      LAB_STATE_KEY: "${{ vars.LAB_STATE_KEY }}",
      LAB_STATE_REGION: "${{ vars.LAB_STATE_REGION }}",
    };
    const withState = allSteps.filter((s) => s.env?.LAB_STATE_BUCKET !== undefined);
    expect(withState.map((s) => s.run)).toEqual(["npm run deploy -- --auto-approve", "npm run plan"]);
    for (const s of withState) expect(s.env).toEqual(stateEnv);
    const jobEnvs = Object.values(workflows).flatMap((w) => Object.values(w.jobs).map((j) => Object.keys(j.env ?? {})));
    expect(jobEnvs.flat().filter((k) => k.startsWith("LAB_"))).toEqual([]);
  });

  describe("on pull requests", () => {
    const w = workflows["pull-request.yml"];
    const steps = w.jobs.plan.steps;
    const index = (pattern: RegExp) => steps.findIndex((s) => pattern.test(`${s.run ?? ""} ${s.uses ?? ""}`));

    it("install from the lock file, test, then plan", () => {
      expect(Object.keys(w.on)).toEqual(["pull_request"]);
      const order = [index(/npm ci/), index(/npm test/), index(/npm run plan/)];
      expect(order.every((i) => i >= 0)).toBe(true);
      expect([...order].sort((a, b) => a - b)).toEqual(order);
    });

    it("install the Python tools requirements.txt pins (moto, the lifecycle test's local AWS) before the tests", () => {
      expect(index(/pip install -r requirements\.txt/)).toBeGreaterThanOrEqual(0);
      expect(index(/pip install -r requirements\.txt/)).toBeLessThan(index(/npm test/));
      expect(index(/actions\/setup-python@/)).toBeLessThan(index(/pip install/));
    });

    it("estimate the cost at the base with the base's own code, after the tests and before the plan, never failing the job", () => {
      const checkout = steps.find((s) => s.uses?.startsWith("actions/checkout@") && s.with?.ref !== undefined)!;
      expect(checkout.with).toEqual({ ref: "${{ github.event.pull_request.base.sha }}", path: ".base", "persist-credentials": false });
      const estimate = steps[index(/npm run cost -- --json/)];
      expect(estimate.run).toContain('(cd .base && npm_config_loglevel=silent npm run cost -- --json) > "$baseline"');
      // The plan reads the baseline from the environment GITHUB_ENV hands to the later steps.
      expect(estimate.run).toContain(`echo "${COST_BASELINE_ENV}=$baseline" >> "$GITHUB_ENV"`);
      for (const s of [checkout, estimate]) expect({ step: s.name, continueOnError: s["continue-on-error"] }).toEqual({ step: s.name, continueOnError: true });
      for (const i of [steps.indexOf(checkout), steps.indexOf(estimate)]) {
        expect(i).toBeGreaterThan(index(/npm test/));
        expect(i).toBeLessThan(index(/npm run plan/));
      }
    });

    it("plan against AWS only when a role is configured, offline otherwise", () => {
      const aws = steps[index(/configure-aws-credentials/)];
      expect(aws.if).toContain("vars.AWS_ROLE_ARN != ''");
      expect(index(/configure-aws-credentials/)).toBeLessThan(index(/npm run plan/));
    });

    it("keep one comment, updated in place on every push, with the plan and the test result", () => {
      const comment = steps.filter((s) => s.uses?.startsWith("marocchino/sticky-pull-request-comment@"));
      expect(comment).toHaveLength(1);
      expect(comment[0].with).toEqual({ header: "terraform-plan", path: "${{ steps.comment.outputs.path }}" });
      const compose = steps.find((s) => s.id === "comment")!;
      expect(compose.run).toContain("cdktf.out/stacks/*/plan.md");
      expect(compose.env).toEqual(expect.objectContaining({ TESTS: "${{ steps.test.outcome }}" }));
    });
  });

  describe("on the main branch", () => {
    const w = workflows["deploy.yml"];
    const job = w.jobs.deploy;

    it("apply behind the protected environment, one run at a time, never cancelled half-way", () => {
      expect(w.on).toEqual({ push: { branches: ["main"] } });
      expect(job.environment).toBe("production");
      expect(w.concurrency!["cancel-in-progress"]).toBe(false);
      expect(job.steps.map((s) => s.run ?? "").filter((r) => r.includes("npm run deploy"))).toEqual(["npm run deploy -- --auto-approve"]);
    });

    it("run only once state is shared in S3 (a runner's local state would be lost)", () => {
      expect(job.if).toBe("${{ vars.LAB_STATE_BUCKET != '' }}");
    });
  });
});
