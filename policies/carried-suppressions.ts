/**
 * Suppressions as they travel with a synthesized stack: a Terraform output holding a JSON string
 * of `[{rule, address, reason}]`. An output survives both kinds of input: it is in `cdk.tf.json`
 * (`output.<name>.value`) and in a plan (`planned_values.outputs` and the configuration's outputs),
 * so the CLI honours the same exceptions on synthesized JSON and on plan JSON.
 */
import { baseAddressOf, isUnresolved, PolicyInputError, TerraformModel } from "./model";

/** The output that carries a stack's suppressions. */
export const SUPPRESSIONS_OUTPUT = "lab_policy_suppressions";

/** Reasons shorter than this are not reasons ("ok", "TODO"). */
const MIN_REASON_LENGTH = 10;

export interface Suppression {
  readonly rule: string;
  /** Terraform address of the resource, without instance keys. */
  readonly address: string;
  /** Why the exception is deliberate: shown in every report. */
  readonly reason: string;
}

/** The problem with a suppression, or undefined when it is well formed. */
export function suppressionProblem(s: { rule?: unknown; address?: unknown; reason?: unknown }): string | undefined {
  if (typeof s.rule !== "string" || s.rule === "") return "it names no rule";
  if (typeof s.address !== "string" || s.address === "") return `the suppression of ${s.rule} names no resource address`;
  if (typeof s.reason !== "string" || s.reason.trim().length < MIN_REASON_LENGTH) {
    return `the suppression of ${s.rule} on ${s.address} has no reason (write at least ${MIN_REASON_LENGTH} characters saying why the exception is deliberate)`;
  }
  return undefined;
}

/** The suppressions a stack carries; throws PolicyInputError when the carrier is malformed. */
export function readSuppressions(model: TerraformModel): Suppression[] {
  const carried = model.outputs[SUPPRESSIONS_OUTPUT];
  if (carried === undefined || carried === null) return [];
  if (typeof carried !== "string" || isUnresolved(carried)) {
    throw new PolicyInputError(`output ${SUPPRESSIONS_OUTPUT} must be a JSON string of [{rule, address, reason}] known before apply`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(carried);
  } catch {
    throw new PolicyInputError(`output ${SUPPRESSIONS_OUTPUT} is not valid JSON`);
  }
  if (!Array.isArray(parsed)) throw new PolicyInputError(`output ${SUPPRESSIONS_OUTPUT} must hold a JSON array of [{rule, address, reason}]`);
  return parsed.map((entry: unknown, i) => {
    const problem = typeof entry === "object" && entry !== null ? suppressionProblem(entry) : "it is not an object";
    if (problem) throw new PolicyInputError(`output ${SUPPRESSIONS_OUTPUT}, entry ${i + 1}: ${problem}`);
    const { rule, address, reason } = entry as Suppression; // suppressionProblem found all three strings
    return { rule, address: baseAddressOf(address), reason: reason.trim() };
  });
}
