/**
 * How resources belong together: a bucket and its encryption, access block, policy; an instance
 * and its launch template; a role and its policies. Found through references
 * (`bucket = "${aws_s3_bucket.x.id}"`, or the plan's configuration references) or a literal name.
 */
import { blocks, isUnresolved, Resource, TerraformModel } from "./model";

export interface Attachment {
  /** The resources of the type that point at the target. */
  readonly attached: Resource[];
  /** Resources of the type whose pointer cannot be resolved before apply (they might point at the target). */
  readonly unresolved: Resource[];
}

/**
 * The resources of `type` whose `attribute` points at `target`: a reference to it, or a literal
 * equal to one of `names` (e.g. the bucket's literal name).
 */
export function attachedTo(model: TerraformModel, target: Resource, type: string, attribute: string, names: readonly unknown[] = []): Attachment {
  const attached: Resource[] = [];
  const unresolved: Resource[] = [];
  const literalNames = names.filter((n) => typeof n === "string" && !isUnresolved(n));
  for (const r of model.ofType(type)) {
    const pointer = r.values[attribute];
    const targets = model.referenced(r, pointer);
    if (targets.includes(target) || literalNames.includes(pointer)) attached.push(r);
    else if (isUnresolved(pointer) && targets.length === 0) unresolved.push(r);
  }
  return { attached, unresolved };
}

/** The S3 resources of `type` that configure `bucket`. */
export function bucketParts(model: TerraformModel, bucket: Resource, type: string): Attachment {
  return attachedTo(model, bucket, type, "bucket", [bucket.values.bucket, bucket.values.id]);
}

/** The launch template an instance (or other launcher) starts from, when it is in the configuration. */
export function launchTemplateOf(model: TerraformModel, launcher: Resource): Resource | undefined {
  const spec = blocks(launcher.values.launch_template)[0];
  if (!spec) return undefined;
  const templates = model.ofType("aws_launch_template");
  return (
    templates.find((t) => model.referenced(launcher, spec.id).includes(t) || model.referenced(launcher, spec.name).includes(t)) ??
    templates.find((t) => typeof spec.name === "string" && t.values.name === spec.name)
  );
}

/** One policy document in the configuration, and where it is attached. */
export interface PolicySource {
  readonly resource: Resource;
  /** Where in the resource: `policy`, `inline_policy[0].policy`, `assume_role_policy`. */
  readonly attribute: string;
  readonly value: unknown;
}

const IDENTITY_POLICY_TYPES = ["aws_iam_policy", "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy"];

/** Every identity policy (what a role, user or group may do), wherever Terraform lets it be written. */
export function identityPolicies(model: TerraformModel): PolicySource[] {
  const sources: PolicySource[] = [];
  for (const type of IDENTITY_POLICY_TYPES) {
    for (const r of model.ofType(type)) sources.push({ resource: r, attribute: "policy", value: r.values.policy });
  }
  for (const role of model.ofType("aws_iam_role")) {
    blocks(role.values.inline_policy).forEach((p, i) => sources.push({ resource: role, attribute: `inline_policy[${i}].policy`, value: p.policy }));
  }
  return sources;
}

/** The policies attached to a bucket: `aws_s3_bucket_policy` resources and the bucket's own `policy`. */
export function bucketPolicies(model: TerraformModel, bucket: Resource): { sources: PolicySource[]; unresolved: Resource[] } {
  const { attached, unresolved } = bucketParts(model, bucket, "aws_s3_bucket_policy");
  const sources = attached.map((p) => ({ resource: p, attribute: "policy", value: p.values.policy }));
  if (bucket.values.policy !== undefined && bucket.values.policy !== null && bucket.values.policy !== "") {
    sources.push({ resource: bucket, attribute: "policy", value: bucket.values.policy });
  }
  return { sources, unresolved };
}
