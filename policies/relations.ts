/**
 * How resources belong together: a bucket and its encryption, access block, policy; an instance
 * and its launch template; a role and its policies. Found through references
 * (`bucket = "${aws_s3_bucket.x.id}"`, or the plan's configuration references) or a literal name.
 * Each relation is indexed once per model (pointer -> resources), so a rule asking it for every
 * bucket, queue or function costs the size of the model, not its square.
 */
import { append, blocks, isUnresolved, Resource, TerraformModel } from "./model";

export interface Attachment {
  /** The resources of the type that point at the target. */
  readonly attached: Resource[];
  /** Resources of the type whose pointer cannot be resolved before apply (they might point at the target). */
  readonly unresolved: Resource[];
}

/** Who points at what through one attribute of one type. */
interface PointerIndex {
  /** Target resource -> the resources whose pointer refers to it. */
  readonly byTarget: Map<Resource, Resource[]>;
  /** Literal pointer (after `literalKey`) -> the resources holding it. */
  readonly byLiteral: Map<string, Resource[]>;
  readonly unresolved: Resource[];
  /** Position of each resource in the model's list of its type, to report in model order. */
  readonly position: Map<Resource, number>;
}

const indexes = new WeakMap<TerraformModel, Map<string, unknown>>();

/** A value computed once per model and key (the model is immutable). */
function memo<T>(model: TerraformModel, key: string, build: () => T): T {
  let perModel = indexes.get(model);
  if (!perModel) indexes.set(model, (perModel = new Map<string, unknown>()));
  if (!perModel.has(key)) perModel.set(key, build());
  return perModel.get(key) as T;
}

function pointerIndex(
  model: TerraformModel,
  type: string,
  attribute: string,
  literalKey: (pointer: string) => string = (p) => p,
  keyName = "literal",
): PointerIndex {
  return memo(model, `pointer\0${type}\0${attribute}\0${keyName}`, () => {
    const index: PointerIndex = { byTarget: new Map(), byLiteral: new Map(), unresolved: [], position: new Map() };
    model.ofType(type).forEach((r, i) => {
      index.position.set(r, i);
      const pointer = r.values[attribute];
      const targets = model.referenced(r, pointer);
      for (const target of targets) append(index.byTarget, target, r);
      if (typeof pointer === "string" && !isUnresolved(pointer)) append(index.byLiteral, literalKey(pointer), r);
      else if (isUnresolved(pointer) && targets.length === 0) index.unresolved.push(r);
    });
    return index;
  });
}

/** The resources of the index pointing at `target` by reference or at one of the literal `keys`, in model order. */
function pointingAt(index: PointerIndex, target: Resource, keys: readonly string[]): Resource[] {
  const found = new Set(index.byTarget.get(target) ?? []);
  for (const key of keys) for (const r of index.byLiteral.get(key) ?? []) found.add(r);
  return [...found].sort((a, b) => index.position.get(a)! - index.position.get(b)!);
}

const literalStrings = (values: readonly unknown[]) => values.filter((n): n is string => typeof n === "string" && !isUnresolved(n));

/**
 * The resources of `type` whose `attribute` points at `target`: a reference to it, or a literal
 * equal to one of `names` (e.g. the bucket's literal name).
 */
export function attachedTo(model: TerraformModel, target: Resource, type: string, attribute: string, names: readonly unknown[] = []): Attachment {
  const index = pointerIndex(model, type, attribute);
  return { attached: pointingAt(index, target, literalStrings(names)), unresolved: index.unresolved };
}

/** The S3 resources of `type` that configure `bucket`. */
export function bucketParts(model: TerraformModel, bucket: Resource, type: string): Attachment {
  return attachedTo(model, bucket, type, "bucket", [bucket.values.bucket, bucket.values.id]);
}

/** The launch template an instance (or other launcher) starts from, when it is in the configuration. */
export function launchTemplateOf(model: TerraformModel, launcher: Resource): Resource | undefined {
  const spec = blocks(launcher.values.launch_template).at(0);
  if (!spec) return undefined;
  const templates = model.ofType("aws_launch_template");
  const position = memo(model, "launch template positions", () => new Map(templates.map((t, i) => [t, i])));
  const referenced = [...model.referenced(launcher, spec.id), ...model.referenced(launcher, spec.name)].filter((t) => position.has(t));
  if (referenced.length > 0) return referenced.sort((a, b) => position.get(a)! - position.get(b)!)[0];
  if (typeof spec.name !== "string") return undefined;
  const byName = memo(model, "launch templates by name", () => {
    const map = new Map<unknown, Resource>();
    for (const t of templates) if (!map.has(t.values.name)) map.set(t.values.name, t);
    return map;
  });
  return byName.get(spec.name);
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

/** The policies attached to an SQS queue: `aws_sqs_queue_policy` resources whose `queue_url` names it, and the queue's own `policy`. */
export function queuePolicies(model: TerraformModel, queue: Resource): { sources: PolicySource[]; unresolved: Resource[] } {
  // A literal URL (https://sqs.<region>.amazonaws.com/<account>/<name>) names the queue by its last segment.
  const index = pointerIndex(model, "aws_sqs_queue_policy", "queue_url", (url) => url.split("/").pop()!, "queue name");
  const sources: PolicySource[] = pointingAt(index, queue, literalStrings([queue.values.name])).map((p) => ({
    resource: p,
    attribute: "policy",
    value: p.values.policy,
  }));
  if (queue.values.policy !== undefined && queue.values.policy !== null && queue.values.policy !== "") {
    sources.push({ resource: queue, attribute: "policy", value: queue.values.policy });
  }
  return { sources, unresolved: index.unresolved };
}

/** An unqualified (or `$LATEST`) Lambda function ARN, and the function's name in it. */
const FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:([\w-]+)(?::\$LATEST)?$/;

/** The functions a value (an attribute of `from` naming a Lambda function by name or ARN) names, and whether it may name any function. */
export interface FunctionsNamed {
  /** Those it names for certain: by reference, literal name or unqualified ARN. */
  readonly named: readonly Resource[];
  /** True when it is known only after apply and refers to nothing in the configuration: it may be any function. */
  readonly unknown: boolean;
}

export function functionsNamed(model: TerraformModel, from: Resource, value: unknown): FunctionsNamed {
  if (isUnresolved(value)) {
    const targets = model.referenced(from, value);
    return { named: targets.filter((t) => t.type === "aws_lambda_function"), unknown: targets.length === 0 };
  }
  if (typeof value !== "string") return { named: [], unknown: false };
  const byName = memo(model, "functions by name", () => {
    const map = new Map<string, Resource[]>();
    for (const fn of model.ofType("aws_lambda_function")) {
      const name = fn.values.function_name;
      if (typeof name === "string" && !isUnresolved(name)) append(map, name, fn);
    }
    return map;
  });
  const fromArn = FUNCTION_ARN.exec(value)?.[1];
  return { named: [...new Set([...(byName.get(value) ?? []), ...(fromArn === undefined ? [] : (byName.get(fromArn) ?? []))])], unknown: false };
}
