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
 * through {@link blocks}, references through {@link TerraformModel.referenced}.
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

/** Thrown when the input is neither a synthesized configuration nor a plan. */
export class PolicyInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PolicyInputError";
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Unknown);

/** A nested block as a list, whether the JSON wrote one block as an object (cdktf) or a list (plan). */
export function blocks(value: unknown): Record<string, unknown>[] {
  if (Array.isArray(value)) return value.filter(isObject);
  return isObject(value) ? [value] : [];
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

const META_ARGUMENTS = new Set(["//", "count", "for_each", "depends_on", "lifecycle", "provider", "provisioner", "connection"]);
/** Terraform addresses inside `${...}`: `aws_x.name`, `data.aws_x.name`, `module.m` (the rest is attributes). */
const REFERENCE = /\b(data\.[a-zA-Z_][\w-]*\.[a-zA-Z_][\w-]*|[a-zA-Z_][\w-]*\.[a-zA-Z_][\w-]*)/g;

class Model implements TerraformModel {
  private readonly byType = new Map<string, Resource[]>();
  private readonly byBase = new Map<string, Resource[]>();

  constructor(readonly kind: InputKind, readonly resources: Resource[], readonly outputs: Record<string, unknown>) {
    for (const r of resources) {
      this.byType.set(r.type, [...(this.byType.get(r.type) ?? []), r]);
      this.byBase.set(r.baseAddress, [...(this.byBase.get(r.baseAddress) ?? []), r]);
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

/** The `type.name` / `data.type.name` strings a value refers to. */
function referenceCandidates(value: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (v instanceof Unknown) {
      for (const ref of v.references) out.push(...(ref.replace(/\[[^\]]*\]/g, "").match(REFERENCE) ?? []).slice(0, 1));
    } else if (typeof v === "string") {
      for (const m of v.matchAll(/\$\{([^}]*)\}/g)) out.push(...(m[1].replace(/\[[^\]]*\]/g, "").match(REFERENCE) ?? []));
    } else if (Array.isArray(v)) {
      v.forEach(walk);
    } else if (isObject(v)) {
      Object.values(v).forEach(walk);
    }
  };
  walk(value);
  return out;
}

/** Reads Terraform JSON of either kind into the model; throws PolicyInputError for anything else. */
export function loadTerraformJson(json: unknown): TerraformModel {
  if (!isObject(json)) throw new PolicyInputError("the JSON is not an object: expected a synthesized Terraform configuration or a `terraform show -json` plan");
  if ("format_version" in json) {
    if (!isObject(json.configuration) || !("resource_changes" in json || "planned_values" in json)) {
      throw new PolicyInputError(
        "the JSON has a format_version but no plan (no configuration and resource_changes): pass the output of `terraform show -json <planfile>`, not of a state",
      );
    }
    return loadPlan(json);
  }
  const configKeys = ["resource", "data", "terraform", "provider", "output", "module", "variable", "locals"];
  if (!configKeys.some((k) => k in json)) {
    throw new PolicyInputError(`the JSON is neither a Terraform configuration (no ${configKeys.join("/")} block) nor a plan (no format_version)`);
  }
  return loadSynth(json);
}

function loadSynth(json: Record<string, unknown>): TerraformModel {
  const resources: Resource[] = [];
  for (const mode of ["managed", "data"] as const) {
    const section = json[mode === "managed" ? "resource" : "data"];
    if (section === undefined) continue;
    if (!isObject(section)) throw new PolicyInputError(`the configuration's ${mode === "managed" ? "resource" : "data"} block is not an object`);
    for (const [type, byName] of Object.entries(section)) {
      if (!isObject(byName)) continue;
      for (const [name, body] of Object.entries(byName)) {
        if (!isObject(body)) continue;
        const address = `${mode === "data" ? "data." : ""}${type}.${name}`;
        const values = Object.fromEntries(Object.entries(body).filter(([k]) => !META_ARGUMENTS.has(k)));
        const metadata = isObject(body["//"]) && isObject(body["//"].metadata) ? body["//"].metadata : {};
        resources.push({
          address,
          baseAddress: address,
          mode,
          type,
          name,
          module: "",
          values,
          configured: values,
          constructPath: typeof metadata.path === "string" ? metadata.path : undefined,
        });
      }
    }
  }
  const outputs = isObject(json.output)
    ? Object.fromEntries(Object.entries(json.output).filter(([, o]) => isObject(o)).map(([k, o]) => [k, (o as Record<string, unknown>).value]))
    : {};
  return new Model("synth", resources, outputs);
}

interface PlanChange {
  address: string;
  module_address?: string;
  mode: "managed" | "data";
  type: string;
  name: string;
  change: { actions: string[]; after?: unknown; after_unknown?: unknown };
}

function loadPlan(plan: Record<string, unknown>): TerraformModel {
  const configuration = plan.configuration as Record<string, unknown>;
  const rootModule = isObject(configuration.root_module) ? configuration.root_module : {};
  const resources: Resource[] = [];
  const seen = new Set<string>();
  const add = (address: string, module: string, mode: "managed" | "data", type: string, name: string, after: unknown, afterUnknown: unknown) => {
    const expressions = configExpressions(rootModule, module, mode, type, name);
    const values = merge(isObject(after) ? after : {}, isObject(afterUnknown) ? afterUnknown : {}, expressions) as Record<string, unknown>;
    const configured = (fromExpression(expressions) ?? {}) as Record<string, unknown>;
    resources.push({ address, baseAddress: baseAddressOf(address), mode, type, name, module: baseAddressOf(module), values, configured });
    seen.add(address);
  };

  for (const rc of (Array.isArray(plan.resource_changes) ? plan.resource_changes : []) as PlanChange[]) {
    // What is being deleted (or forgotten) will not exist: no concern of the pack.
    if (!rc?.change || rc.change.actions.every((a) => a === "delete" || a === "forget")) continue;
    add(rc.address, rc.module_address ?? "", rc.mode, rc.type, rc.name, rc.change.after, rc.change.after_unknown);
  }
  // Data sources Terraform could read while planning are in the prior state, fully known.
  const prior = isObject(plan.prior_state) && isObject(plan.prior_state.values) ? plan.prior_state.values.root_module : undefined;
  for (const r of stateResources(prior)) {
    if (r.mode === "data" && !seen.has(r.address)) add(r.address, r.module, "data", r.type, r.name, r.values, {});
  }

  const outputs: Record<string, unknown> = {};
  const rootOutputs = isObject(rootModule.outputs) ? rootModule.outputs : {};
  for (const [name, o] of Object.entries(rootOutputs)) {
    if (isObject(o)) outputs[name] = fromExpression(o.expression);
  }
  const planned = isObject(plan.planned_values) && isObject(plan.planned_values.outputs) ? plan.planned_values.outputs : {};
  for (const [name, o] of Object.entries(planned)) {
    if (isObject(o) && "value" in o) outputs[name] = o.value;
  }
  return new Model("plan", resources, outputs);
}

interface StateResource {
  address: string;
  module: string;
  mode: string;
  type: string;
  name: string;
  values: unknown;
}

function stateResources(module: unknown, path = ""): StateResource[] {
  if (!isObject(module)) return [];
  const here = (Array.isArray(module.resources) ? module.resources : []).filter(isObject).map((r) => ({
    address: String(r.address),
    module: path,
    mode: String(r.mode),
    type: String(r.type),
    name: String(r.name),
    values: r.values,
  }));
  const children = (Array.isArray(module.child_modules) ? module.child_modules : []).filter(isObject);
  return [...here, ...children.flatMap((c) => stateResources(c, String(c.address ?? "")))];
}

/** The configuration's expressions for a resource, found through the module calls. */
function configExpressions(root: Record<string, unknown>, module: string, mode: string, type: string, name: string): unknown {
  let current: unknown = root;
  for (const call of baseAddressOf(module).split(".").filter((_, i) => i % 2 === 1)) {
    const calls = isObject(current) && isObject(current.module_calls) ? current.module_calls : {};
    current = isObject(calls[call]) ? calls[call].module : undefined;
  }
  const list = isObject(current) && Array.isArray(current.resources) ? current.resources : [];
  const found = list.filter(isObject).find((r) => r.mode === mode && r.type === type && r.name === name);
  return found?.expressions;
}

/** An attribute's expression in plan JSON: `{constant_value?, references?}`. */
function isAttributeExpression(v: unknown): v is { constant_value?: unknown; references?: string[] } {
  return isObject(v) && ("constant_value" in v || "references" in v) && Object.keys(v).every((k) => k === "constant_value" || k === "references");
}

/**
 * What the configuration says: a constant (for JSON configurations, the `${...}` template text),
 * an Unknown with the references of an expression Terraform does not render, or undefined when
 * the attribute is not configured at all (its value is then the provider's to choose).
 */
function fromExpression(expression: unknown): unknown {
  if (expression === undefined || expression === null) return undefined;
  if (isAttributeExpression(expression)) {
    return "constant_value" in expression ? expression.constant_value : new Unknown(expression.references ?? []);
  }
  if (Array.isArray(expression)) return expression.map(fromExpression);
  if (isObject(expression)) return Object.fromEntries(Object.entries(expression).map(([k, v]) => [k, fromExpression(v)]));
  return undefined;
}

/** The expression of `key` inside an expression (a block's attribute, or a constant's member). */
function childExpression(expression: unknown, key: string | number): unknown {
  if (isAttributeExpression(expression)) {
    const constant = expression.constant_value as Record<string | number, unknown> | undefined;
    if ("constant_value" in expression && constant !== null && typeof constant === "object") return { constant_value: constant[key] };
    return expression.references ? { references: expression.references } : undefined;
  }
  if (Array.isArray(expression)) return typeof key === "number" ? expression[key] : undefined;
  if (isObject(expression)) return typeof key === "string" ? expression[key] : undefined;
  return undefined;
}

/** Planned values, with each part known only after apply replaced by what the configuration says. */
function merge(after: unknown, afterUnknown: unknown, expression: unknown): unknown {
  if (afterUnknown === true) return fromExpression(expression);
  if (Array.isArray(after) || Array.isArray(afterUnknown)) {
    const known = Array.isArray(after) ? after : [];
    const unknowns = Array.isArray(afterUnknown) ? afterUnknown : [];
    return Array.from({ length: Math.max(known.length, unknowns.length) }, (_, i) => merge(known[i], unknowns[i], childExpression(expression, i)));
  }
  if (isObject(after) || isObject(afterUnknown)) {
    const known = isObject(after) ? after : {};
    const unknowns = isObject(afterUnknown) ? afterUnknown : {};
    const out: Record<string, unknown> = {};
    for (const key of new Set([...Object.keys(known), ...Object.keys(unknowns)])) {
      const value = merge(known[key], unknowns[key], childExpression(expression, key));
      if (value !== undefined) out[key] = value;
    }
    return out;
  }
  return after;
}
