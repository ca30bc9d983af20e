/**
 * One model of a Terraform configuration, read from either kind of JSON Terraform deals in:
 *
 * - a synthesized configuration (`cdk.tf.json`, or any `*.tf.json`): values are what the code
 *   wrote, references are `${aws_s3_bucket.x.id}` strings;
 * - a plan (`terraform show -json <plan>`): values are the planned `after` values; where one is
 *   known only after apply, the configuration's expression takes its place (for JSON
 *   configurations that is the same `${...}` text as in the synthesized file; for HCL it is only
 *   the list of references, kept as an {@link Unknown}).
 *
 * Rules read both the same way: attributes by their Terraform (snake_case) names, nested blocks
 * through {@link blocks} (or {@link readBlocks} where an unknown block must not read as none),
 * references through {@link TerraformModel.referenced}. The readers are configuration.ts and
 * plan.ts; load.ts tells the two kinds apart.
 */

/** A value Terraform knows only after apply, with what the configuration says it refers to. */
export class Unknown {
  constructor(readonly references: readonly string[] = []) {}
}

export type InputKind = "synth" | "plan";

export interface Resource {
  /** Terraform address: `aws_s3_bucket.x`, `data.aws_iam_policy_document.y`, `module.m.aws_instance.z[0]`. */
  readonly address: string;
  /** The address without instance keys, as suppressions name it: `module.m.aws_instance.z`. */
  readonly baseAddress: string;
  readonly mode: "managed" | "data";
  readonly type: string;
  readonly name: string;
  /** Module path (`module.a.module.b`), "" for the root module. */
  readonly module: string;
  /** Attribute values, snake_case; see the file comment for what an unknown value becomes. */
  readonly values: Record<string, unknown>;
  /**
   * What the configuration itself says for each attribute, where the plan's value may differ
   * from it (a provider may store a hash of user data): equal to `values` for synthesized JSON.
   */
  readonly configured: Record<string, unknown>;
  /** The cdktf construct path, when the JSON carries it (synthesized by cdktf). */
  readonly constructPath?: string;
}

export interface TerraformModel {
  readonly kind: InputKind;
  readonly resources: readonly Resource[];
  /** Root-module outputs with known values (plan) or their configured values (synth). */
  readonly outputs: Readonly<Record<string, unknown>>;
  ofType(type: string): Resource[];
  /** The resources a value refers to (`${aws_s3_bucket.x.arn}` → that bucket), seen from `from`'s module. */
  referenced(from: Resource, value: unknown): Resource[];
}

/** Thrown when the input cannot be read: neither a synthesized configuration nor a plan, or a shape the pack cannot read. */
export class PolicyInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PolicyInputError";
  }
}

/** A JSON object (not an array, not null, not an {@link Unknown}). */
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Unknown);

/** Sets an own property, "__proto__" included (plain assignment would change the object's prototype instead). */
export function setOwn(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  else object[key] = value;
}

/** What a JSON value is, for messages: `a string ("x")`, `an array`, `null`. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "missing";
  if (Array.isArray(value)) return "an array";
  if (value instanceof Unknown) return "a value known only after apply";
  if (typeof value === "object") return "an object";
  const text = JSON.stringify(value);
  return `${typeof value === "number" ? "a number" : typeof value === "boolean" ? "a boolean" : "a string"} (${text.length > 40 ? `${text.slice(0, 40)}...` : text})`;
}

/** How deep a resource's values may nest (blocks in blocks, lists of objects); deeper is refused, not walked. */
export const MAX_VALUE_DEPTH = 100;

/** Throws PolicyInputError when `value` nests deeper than {@link MAX_VALUE_DEPTH} (so no later walk can overflow the stack). */
export function checkDepth(value: unknown, where: string): void {
  const pending: [unknown, number][] = [[value, 0]];
  while (pending.length > 0) {
    const [v, depth] = pending.pop()!;
    if (typeof v !== "object" || v === null || v instanceof Unknown) continue;
    if (depth >= MAX_VALUE_DEPTH)
      throw new PolicyInputError(`${where} nests values more than ${MAX_VALUE_DEPTH} levels deep; the pack reads at most ${MAX_VALUE_DEPTH}`);
    for (const child of Array.isArray(v) ? v : Object.values(v)) pending.push([child, depth + 1]);
  }
}

/** Nested blocks as a list, and whether some are known only after apply (a `${...}` expression, an unknown, or something that is not a block where the blocks go). */
export function readBlocks(value: unknown): { blocks: Record<string, unknown>[]; unknown: boolean } {
  if (value === undefined || value === null) return { blocks: [], unknown: false };
  if (isObject(value)) return { blocks: [value], unknown: false };
  if (!Array.isArray(value)) return { blocks: [], unknown: true };
  const found = value.filter(isObject);
  return { blocks: found, unknown: found.length !== value.filter((v) => v !== null).length };
}

/** A nested block as a list, whether the JSON wrote one block as an object (cdktf) or a list (plan). */
export function blocks(value: unknown): Record<string, unknown>[] {
  return readBlocks(value).blocks;
}

/** A list attribute as a list (a single value becomes a list of one; absent becomes empty). */
export function list(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** True when the value is (or contains) something only known after apply. */
export function isUnresolved(value: unknown): boolean {
  return value instanceof Unknown || (typeof value === "string" && value.includes("${"));
}

/**
 * Reads a boolean the way the provider does (the AWS provider types some flags as strings:
 * `encrypted = "true"`): true, false, or undefined when it cannot be known before apply.
 * An absent value reads as `absent` (the attribute's default).
 */
export function flag(value: unknown, absent = false): boolean | undefined {
  if (value === undefined || value === null) return absent;
  if (value === true || value === "true") return true;
  if (value === false || value === "false") return false;
  return undefined;
}

/** A number, or undefined when it is unknown before apply; `absent` when not set. */
export function numberOf(value: unknown, absent?: number): number | undefined {
  if (value === undefined || value === null) return absent;
  if (typeof value === "number") return value;
  if (typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  return undefined;
}

/** Strips instance keys: `module.m[0].aws_x.y["a"]` → `module.m.aws_x.y`. */
export function baseAddressOf(address: string): string {
  return address.replace(/\[[^\]]*\]/g, "");
}

/** Terraform addresses inside `${...}`: `aws_x.name`, `data.aws_x.name`, `module.m` (the rest is attributes). */
export const REFERENCE = /\b(data\.[a-zA-Z_][\w-]*\.[a-zA-Z_][\w-]*|[a-zA-Z_][\w-]*\.[a-zA-Z_][\w-]*)/g;

class Model implements TerraformModel {
  private readonly byType = new Map<string, Resource[]>();
  private readonly byBase = new Map<string, Resource[]>();

  constructor(
    readonly kind: InputKind,
    readonly resources: Resource[],
    readonly outputs: Record<string, unknown>,
  ) {
    for (const r of resources) {
      append(this.byType, r.type, r);
      append(this.byBase, r.baseAddress, r);
    }
  }

  ofType(type: string): Resource[] {
    return this.byType.get(type) ?? [];
  }

  referenced(from: Resource, value: unknown): Resource[] {
    const prefix = from.module ? `${from.module}.` : "";
    const found = new Set<Resource>();
    for (const candidate of referenceCandidates(value)) {
      for (const r of this.byBase.get(prefix + candidate) ?? []) found.add(r);
    }
    return [...found];
  }
}

/** Adds `value` to the list under `key` (in place: building an index this way is linear). */
export function append<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const values = map.get(key);
  if (values) values.push(value);
  else map.set(key, [value]);
}

/** The model of resources read from either kind of input; `resources` must have unique addresses. */
export function createModel(kind: InputKind, resources: Resource[], outputs: Record<string, unknown>): TerraformModel {
  return new Model(kind, resources, outputs);
}

/** The `type.name` / `data.type.name` strings a value refers to. */
function referenceCandidates(value: unknown): string[] {
  const out: string[] = [];
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const v = pending.pop();
    if (v instanceof Unknown) {
      for (const ref of v.references) {
        const first = ref.replace(/\[[^\]]*\]/g, "").match(REFERENCE);
        if (first) out.push(first[0]);
      }
    } else if (typeof v === "string") {
      if (!v.includes("${")) continue;
      for (const m of v.matchAll(/\$\{([^}]*)\}/g)) for (const ref of m[1].replace(/\[[^\]]*\]/g, "").match(REFERENCE) ?? []) out.push(ref);
    } else if (Array.isArray(v)) {
      for (const child of v) pending.push(child);
    } else if (isObject(v)) {
      for (const child of Object.values(v)) pending.push(child);
    }
  }
  return out;
}
