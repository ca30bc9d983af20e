/** Small pieces several rules share. */
import { publicGrants, readPolicy, Statement } from "./iam";
import { Resource, TerraformModel, Unknown } from "./model";
import { bucketParts, PolicySource } from "./relations";
import { addressList, undecided, violation, Violation } from "./rule";

/** A verdict on one part: true when good, a string saying what is wrong, undefined when unknown before apply. */
export type Verdict = true | string | undefined;

/**
 * Checks that `bucket` has a part of `type` (e.g. its versioning resource) that `judge` finds good.
 * `inline` is the verdict on the bucket's own (legacy) inline configuration: null when it has none,
 * undefined when it is known only after apply (undecided, unless a part decides it).
 */
export function checkBucketPart(
  model: TerraformModel,
  bucket: Resource,
  type: string,
  judge: (part: Resource) => Verdict,
  missing: string,
  inline: Verdict | null,
): Violation | undefined {
  if (inline === true) return undefined;
  const { attached, unresolved } = bucketParts(model, bucket, type);
  const verdicts = attached.map(judge);
  if (verdicts.includes(true)) return undefined;
  if (verdicts.includes(undefined)) {
    return undecided(bucket, `its ${type} values are known only after apply`);
  }
  if (attached.length === 0 && unresolved.length > 0) {
    return undecided(bucket, `${addressList(unresolved)} may configure it, but which bucket they name is known only after apply`);
  }
  if (inline === undefined) return undecided(bucket, `its inline configuration, which may stand in for ${type}, is known only after apply`);
  const problem = verdicts.find((v): v is string => typeof v === "string");
  if (problem !== undefined) return violation(bucket, `${problem} (${addressList(attached)})`);
  if (typeof inline === "string") return violation(bucket, inline);
  return violation(bucket, missing);
}

/** A value that is set: not absent, null or empty (a reference counts as set). */
export function isSet(value: unknown): boolean {
  return value !== undefined && value !== null && value !== "" && !(Array.isArray(value) && value.length === 0);
}

/**
 * Checks resource policies (the `policy` attribute of each resource of `types`) for Allow
 * statements to every principal: a violation each, and undecided where the policy or a principal
 * is known only after apply.
 */
export function checkPublicGrants(model: TerraformModel, types: readonly string[]): Violation[] {
  const out: Violation[] = [];
  for (const resource of types.flatMap((t) => model.ofType(t))) {
    const read = readPolicy(model, resource, resource.values.policy);
    if ("unknown" in read) {
      out.push(undecided(resource, `its policy: ${read.unknown}`));
      continue;
    }
    const { grants, unknown } = publicGrants(model, resource, read.statements);
    for (const grant of grants) out.push(violation(resource, grant));
    for (const what of unknown) out.push(undecided(resource, `${what} is known only after apply`));
  }
  return out;
}

export interface InsecureTransportCheck {
  /** What the resource is called in messages: "bucket", "queue". */
  readonly noun: string;
  /** The resource policies that may apply to `target`, and the ones whose target is unknown. */
  readonly policiesOf: (model: TerraformModel, target: Resource) => { sources: PolicySource[]; unresolved: Resource[] };
  /** Whether a statement (in `from`) is the TLS denial covering `target`. */
  readonly denies: (model: TerraformModel, from: Resource, target: Resource, statement: Statement) => boolean;
  /** What the denial must do, for the violation message: "denying s3:* to everyone on the bucket". */
  readonly denial: string;
}

/**
 * Checks that each target has a resource policy denying requests made without TLS: a violation
 * when none does, undecided when a policy (or which resource it names) is known only after apply.
 */
export function checkInsecureTransportDenied(model: TerraformModel, targets: readonly Resource[], check: InsecureTransportCheck): Violation[] {
  const out: Violation[] = [];
  for (const target of targets) {
    const { sources, unresolved } = check.policiesOf(model, target);
    let denied = false;
    let unknown: string | undefined;
    for (const source of sources) {
      const read = readPolicy(model, source.resource, source.value);
      if ("unknown" in read) unknown ??= `the policy in ${source.resource.address}.${source.attribute}: ${read.unknown}`;
      else if (read.statements.some((s) => check.denies(model, source.resource, target, s))) denied = true;
      else if (read.statements.some((s) => [s.effect, ...s.actions, ...s.resources, ...s.principals.map((p) => p.id)].some((v) => v instanceof Unknown))) {
        unknown ??= `a statement of ${source.resource.address} has values known only after apply`;
      }
    }
    if (denied) continue;
    if (unknown) out.push(undecided(target, unknown));
    else if (sources.length === 0 && unresolved.length > 0) {
      out.push(undecided(target, `${addressList(unresolved)} may be its policy, but which ${check.noun} they name is known only after apply`));
    } else if (sources.length === 0) out.push(violation(target, `has no ${check.noun} policy, so requests without TLS are allowed`));
    else {
      const names = addressList(sources.map((s) => s.resource));
      out.push(violation(target, `its policy (${names}) has no statement ${check.denial} when aws:SecureTransport is false`));
    }
  }
  return out;
}
