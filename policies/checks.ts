/** Small pieces several rules share. */
import { Resource, TerraformModel } from "./model";
import { bucketParts } from "./relations";
import { undecided, violation, Violation } from "./rule";

/** A verdict on one part: true when good, a string saying what is wrong, undefined when unknown before apply. */
export type Verdict = true | string | undefined;

/**
 * Checks that `bucket` has a part of `type` (e.g. its versioning resource) that `judge` finds good.
 * `inline` is the verdict on the bucket's own (legacy) inline configuration; null when it has none.
 */
export function checkBucketPart(
  model: TerraformModel,
  bucket: Resource,
  type: string,
  judge: (part: Resource) => Verdict,
  missing: string,
  inline: Verdict | null = null,
): Violation | undefined {
  if (inline === true) return undefined;
  const { attached, unresolved } = bucketParts(model, bucket, type);
  const verdicts = attached.map(judge);
  if (verdicts.includes(true)) return undefined;
  if (verdicts.includes(undefined) || inline === undefined) {
    return undecided(bucket, `its ${type} values are known only after apply`);
  }
  if (attached.length === 0 && unresolved.length > 0) {
    return undecided(bucket, `${unresolved.map((r) => r.address).join(", ")} may configure it, but which bucket they name is known only after apply`);
  }
  const problem = verdicts.find((v): v is string => typeof v === "string");
  if (problem !== undefined) return violation(bucket, `${problem} (${attached.map((r) => r.address).join(", ")})`);
  if (typeof inline === "string") return violation(bucket, inline);
  return violation(bucket, missing);
}

/** A value that is set: not absent, null or empty (a reference counts as set). */
export function isSet(value: unknown): boolean {
  return value !== undefined && value !== null && value !== "" && !(Array.isArray(value) && value.length === 0);
}
