/**
 * The policy pack: rules (policies/rules/, one per file) run over one model of Terraform JSON
 * (policies/model.ts), whichever entry point asks: the synth-time Aspect (policy-aspect/policy-aspect.ts),
 * the Jest helper, or the CLI (`npm run policy -- FILE`) on a synthesized stack or a plan.
 */
import { loadTerraformJson } from "./load";
import { InputKind, TerraformModel } from "./model";
import { Rule, RuleInfo, Severity } from "./rule";
import { RULES } from "./rules";
import { readSuppressions, Suppression } from "./carried-suppressions";

export { RULES } from "./rules";
export { PolicyInputError } from "./model";
export type { InputKind } from "./model";
export type { RuleInfo, Severity } from "./rule";
export type { Suppression } from "./carried-suppressions";

export interface Finding {
  readonly rule: string;
  readonly title: string;
  readonly severity: Severity;
  /** Terraform address of the resource. */
  readonly address: string;
  /** cdktf construct path, when the input is a synthesized cdktf stack. */
  readonly constructPath?: string;
  readonly message: string;
  readonly fix: string;
  /** True when the rule could not decide because a value is known only after apply (it still fails). */
  readonly undecided: boolean;
}

export interface Suppressed extends Finding {
  readonly reason: string;
}

export interface CheckResult {
  /** What was checked (a file name, or a stack's name). */
  readonly source: string;
  readonly kind: InputKind;
  /** Number of resources and data sources checked. */
  readonly resourceCount: number;
  /** What fails the check (exit 1): violations and undecided checks not suppressed. */
  readonly findings: readonly Finding[];
  /** What would have failed, with the reason it is a deliberate exception. */
  readonly suppressed: readonly Suppressed[];
  /** Suppressions that matched nothing: stale, or naming the wrong address. */
  readonly unusedSuppressions: readonly Suppression[];
  readonly rules: readonly RuleInfo[];
}

export interface CheckOptions {
  /** Shown in reports. */
  readonly source?: string;
  /** The rules to run (default: the whole pack). */
  readonly rules?: readonly Rule[];
}

const info = ({ id, title, severity, rationale, fix, equivalents }: Rule): RuleInfo => ({ id, title, severity, rationale, fix, equivalents });

/** Checks Terraform JSON of either kind: a synthesized configuration or a `terraform show -json` plan. */
export function checkTerraformJson(json: unknown, options: CheckOptions = {}): CheckResult {
  return checkModel(loadTerraformJson(json), options);
}

/** The same, on a model already loaded. */
export function checkModel(model: TerraformModel, options: CheckOptions = {}): CheckResult {
  const rules = options.rules ?? RULES;
  const suppressions = readSuppressions(model);
  const byFinding = new Map<string, Suppression>();
  for (const s of suppressions) if (!byFinding.has(`${s.rule}\0${s.address}`)) byFinding.set(`${s.rule}\0${s.address}`, s);
  const used = new Set<Suppression>();
  const findings: Finding[] = [];
  const suppressed: Suppressed[] = [];
  for (const rule of rules) {
    const seen = new Set<string>();
    for (const v of rule.check(model)) {
      const key = `${v.resource.address}\0${v.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const finding: Finding = {
        rule: rule.id,
        title: rule.title,
        severity: rule.severity,
        address: v.resource.address,
        ...(v.resource.constructPath ? { constructPath: v.resource.constructPath } : {}),
        message: v.message,
        fix: rule.fix,
        undecided: v.undecided === true,
      };
      const suppression = byFinding.get(`${rule.id}\0${v.resource.baseAddress}`);
      if (suppression) {
        used.add(suppression);
        suppressed.push({ ...finding, reason: suppression.reason });
      } else {
        findings.push(finding);
      }
    }
  }
  return {
    source: options.source ?? (model.kind === "plan" ? "plan" : "configuration"),
    kind: model.kind,
    resourceCount: model.resources.length,
    findings,
    suppressed,
    unusedSuppressions: suppressions.filter((s) => !used.has(s)),
    rules: rules.map(info),
  };
}
