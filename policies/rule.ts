/** What a rule is, and what it reports. */
import { matching, notAllowed, oneOf } from "../input/allowed";
import { Resource, TerraformModel } from "./model";

const SEVERITIES = oneOf(["critical", "high", "medium", "low"] as const);
export type Severity = (typeof SEVERITIES.values)[number];

/** The same check in other tools, so a team that knows them can map ours. */
interface Equivalents {
  readonly checkov: readonly string[];
  readonly cdkNag: readonly string[];
}

/** Everything about a rule except its check: what reports and the README show. */
export interface RuleInfo {
  /** `LAB-<AREA>-<n>`, e.g. `LAB-S3-1`. */
  readonly id: string;
  readonly title: string;
  readonly severity: Severity;
  /** Why it matters. */
  readonly rationale: string;
  /** How to fix a violation. */
  readonly fix: string;
  readonly equivalents: Equivalents;
}

/** One resource breaking a rule, or one the rule cannot decide because a value is known only after apply. */
export interface Violation {
  readonly resource: Resource;
  readonly message: string;
  /** True when the rule could not decide (an unknown value): reported and failing, never a pass. */
  readonly undecided?: boolean;
}

export interface Rule extends RuleInfo {
  check(model: TerraformModel): Violation[];
}

const RULE_ID = matching(/^LAB-[A-Z0-9]+-\d+$/, "LAB-<AREA>-<n>, like LAB-S3-1");

/** Declares a rule, refusing one whose id or documentation is missing. */
export function defineRule(rule: Rule): Rule {
  if (!RULE_ID.test(rule.id)) throw new Error(notAllowed("rule id", rule.id, RULE_ID));
  for (const field of ["title", "rationale", "fix"] as const) {
    if (rule[field].trim() === "") throw new Error(`rule ${rule.id}: ${field} must not be empty`);
  }
  if (!SEVERITIES.test(rule.severity)) throw new Error(`rule ${rule.id}: ${notAllowed("severity", rule.severity, SEVERITIES)}`);
  return rule;
}

/** How many addresses a message lists before "and N more": a message stays one readable line however many resources are involved. */
export const ADDRESSES_SHOWN = 5;

/** `a, b, c` or `a, b, c, d, e and 12 more`: the first addresses of `resources`, out of `total`. */
export function addressList(resources: readonly Resource[], total = resources.length): string {
  const shown = resources
    .slice(0, ADDRESSES_SHOWN)
    .map((r) => r.address)
    .join(", ");
  return total > ADDRESSES_SHOWN ? `${shown} and ${total - ADDRESSES_SHOWN} more` : shown;
}

export const violation = (resource: Resource, message: string): Violation => ({ resource, message });

/** A rule that cannot decide: says which value is unknown and why. */
export const undecided = (resource: Resource, what: string): Violation => ({
  resource,
  message: `cannot be decided before apply: ${what}`,
  undecided: true,
});
