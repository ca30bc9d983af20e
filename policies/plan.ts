/**
 * Reads a plan (`terraform show -json <planfile>`): the planned `after` values of every resource
 * change that will exist, with each part known only after apply replaced by what the
 * configuration says; data sources read while planning (prior state); and anything the plan's
 * `planned_values` holds that the changes do not. Every part the pack reads must have the shape
 * Terraform writes (an array of changes, objects with an address, a list of actions...): anything
 * else is a PolicyInputError naming it, never read as nothing. The configuration's resources are
 * indexed by module and address once, so reading is linear in the plan's size.
 */
import { baseAddressOf, checkDepth, describeValue, isObject, PolicyInputError, Resource, setOwn, Unknown } from "./model";

type Mode = "managed" | "data";

export interface PlanRead {
  readonly resources: Resource[];
  readonly outputs: Record<string, unknown>;
}

/** An object at `where`, or {} when absent; anything else is an error. */
function objectAt(value: unknown, where: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw new PolicyInputError(`the plan's ${where} is ${describeValue(value)}, not an object`);
  return value;
}

/** An array at `where`, or [] when absent; anything else is an error. */
function arrayAt(value: unknown, where: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new PolicyInputError(`the plan's ${where} is ${describeValue(value)}, not an array`);
  return value;
}

function stringAt(entry: Record<string, unknown>, key: string, where: string): string {
  const value = entry[key];
  if (typeof value !== "string" || value === "") throw new PolicyInputError(`the plan's ${where} has no ${key} (it is ${describeValue(value)})`);
  return value;
}

function modeAt(entry: Record<string, unknown>, where: string): Mode {
  const mode = entry.mode;
  if (mode !== "managed" && mode !== "data") throw new PolicyInputError(`the plan's ${where} has mode ${describeValue(mode)}, not "managed" or "data"`);
  return mode;
}

const configKey = (module: string, mode: string, type: string, name: string) => `${module}\0${mode}\0${type}\0${name}`;

/** The configuration's expressions of every resource, by module path (`module.a.module.b`, "" for the root) and mode, type and name. */
function indexConfiguration(rootModule: Record<string, unknown>): Map<string, unknown> {
  const index = new Map<string, unknown>();
  const pending: [Record<string, unknown>, string][] = [[rootModule, ""]];
  while (pending.length > 0) {
    const [module, path] = pending.pop()!;
    const where = path === "" ? "configuration.root_module" : `configuration of ${path}`;
    arrayAt(module.resources, `${where}.resources`).forEach((r, i) => {
      if (!isObject(r)) throw new PolicyInputError(`the plan's ${where}.resources[${i}] is ${describeValue(r)}, not an object`);
      const at = `${where}.resources[${i}]`;
      const key = configKey(path, modeAt(r, at), stringAt(r, "type", at), stringAt(r, "name", at));
      if (index.has(key)) throw new PolicyInputError(`the plan's ${where} declares ${stringAt(r, "address", at)} more than once`);
      index.set(key, r.expressions);
    });
    for (const [name, call] of Object.entries(objectAt(module.module_calls, `${where}.module_calls`))) {
      const callAt = `${where}.module_calls.${name}`;
      pending.push([objectAt(objectAt(call, callAt).module, `${callAt}.module`), path === "" ? `module.${name}` : `${path}.module.${name}`]);
    }
  }
  return index;
}

interface StateResource {
  readonly address: string;
  readonly module: string;
  readonly mode: Mode;
  readonly type: string;
  readonly name: string;
  readonly values: unknown;
}

/** The resources of a state-shaped module tree (`prior_state.values` or `planned_values`), child modules included. */
function moduleTreeResources(rootModule: Record<string, unknown>, where: string): StateResource[] {
  const out: StateResource[] = [];
  const pending: [Record<string, unknown>, string, string][] = [[rootModule, "", `${where}.root_module`]];
  while (pending.length > 0) {
    const [module, path, at] = pending.pop()!;
    arrayAt(module.resources, `${at}.resources`).forEach((r, i) => {
      const rAt = `${at}.resources[${i}]`;
      if (!isObject(r)) throw new PolicyInputError(`the plan's ${rAt} is ${describeValue(r)}, not an object`);
      out.push({
        address: stringAt(r, "address", rAt),
        module: path,
        mode: modeAt(r, rAt),
        type: stringAt(r, "type", rAt),
        name: stringAt(r, "name", rAt),
        values: r.values,
      });
    });
    // Depth first, children in order (pushed last to first), as Terraform lists them.
    const children = arrayAt(module.child_modules, `${at}.child_modules`);
    for (let i = children.length - 1; i >= 0; i--) {
      const cAt = `${at}.child_modules[${i}]`;
      const child = objectAt(children[i], cAt);
      pending.push([child, stringAt(child, "address", cAt), cAt]);
    }
  }
  return out;
}

/** What will be gone after apply: no concern of the pack. */
const GONE = new Set(["delete", "forget"]);

export function readPlan(plan: Record<string, unknown>): PlanRead {
  const configuration = objectAt(plan.configuration, "configuration");
  const rootModule = objectAt(configuration.root_module, "configuration.root_module");
  const expressionsOf = indexConfiguration(rootModule);
  const resources: Resource[] = [];
  const seen = new Set<string>();
  const add = (address: string, module: string, mode: Mode, type: string, name: string, after: unknown, afterUnknown: unknown, where: string) => {
    if (seen.has(address)) throw new PolicyInputError(`the plan's ${where} repeats ${address}, which is already in the plan`);
    const expressions = expressionsOf.get(configKey(baseAddressOf(module), mode, type, name));
    checkDepth(after, `${address} (its planned values)`);
    checkDepth(afterUnknown, `${address} (its after_unknown)`);
    checkDepth(expressions, `${address} (its configuration)`);
    const values = merge(isObject(after) ? after : {}, isObject(afterUnknown) ? afterUnknown : {}, expressions) as Record<string, unknown>;
    const configured = (fromExpression(expressions) ?? {}) as Record<string, unknown>;
    resources.push({ address, baseAddress: baseAddressOf(address), mode, type, name, module: baseAddressOf(module), values, configured });
    seen.add(address);
  };

  arrayAt(plan.resource_changes, "resource_changes").forEach((rc, i) => {
    const where = `resource_changes[${i}]`;
    if (!isObject(rc)) throw new PolicyInputError(`the plan's ${where} is ${describeValue(rc)}, not an object`);
    const address = stringAt(rc, "address", where);
    const at = `${where} (${address})`;
    if (!isObject(rc.change)) throw new PolicyInputError(`the plan's ${at} has no change (it is ${describeValue(rc.change)})`);
    const change = rc.change;
    const actions = arrayAt(change.actions, `${at}.change.actions`);
    if (actions.length === 0 || !actions.every((a) => typeof a === "string"))
      throw new PolicyInputError(`the plan's ${at}.change.actions is not a list of actions`);
    // A deposed object is an old instance waiting to be destroyed; what is deleted or forgotten will not exist.
    if (rc.deposed !== undefined || actions.every((a) => GONE.has(a))) return;
    const module = rc.module_address === undefined ? "" : stringAt(rc, "module_address", at);
    add(address, module, modeAt(rc, at), stringAt(rc, "type", at), stringAt(rc, "name", at), change.after, change.after_unknown, "resource_changes");
  });
  // Data sources Terraform could read while planning are in the prior state, fully known.
  const prior = objectAt(objectAt(plan.prior_state, "prior_state").values, "prior_state.values");
  for (const r of moduleTreeResources(objectAt(prior.root_module, "prior_state.values.root_module"), "prior_state.values")) {
    if (r.mode === "data" && !seen.has(r.address)) add(r.address, r.module, "data", r.type, r.name, r.values, {}, "prior_state");
  }
  // Whatever the planned values hold that no change does (a plan cut down by hand, say) is read too, never dropped.
  const planned = objectAt(plan.planned_values, "planned_values");
  for (const r of moduleTreeResources(objectAt(planned.root_module, "planned_values.root_module"), "planned_values")) {
    if (!seen.has(r.address)) add(r.address, r.module, r.mode, r.type, r.name, r.values, {}, "planned_values");
  }

  const outputs: Record<string, unknown> = {};
  for (const [name, o] of Object.entries(objectAt(rootModule.outputs, "configuration.root_module.outputs"))) {
    if (isObject(o)) outputs[name] = fromExpression(o.expression);
  }
  for (const [name, o] of Object.entries(objectAt(planned.outputs, "planned_values.outputs"))) {
    if (isObject(o) && "value" in o) outputs[name] = o.value;
  }
  return { resources, outputs };
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
    return "constant_value" in expression ? expression.constant_value : new Unknown((expression.references ?? []).filter((r) => typeof r === "string"));
  }
  if (Array.isArray(expression)) return expression.map(fromExpression);
  if (isObject(expression)) return Object.fromEntries(Object.entries(expression).map(([k, v]) => [k, fromExpression(v)]));
  return undefined;
}

/** The expression of `key` inside an expression (a block's attribute, or a constant's member). */
function childExpression(expression: unknown, key: string | number): unknown {
  if (isAttributeExpression(expression)) {
    const constant = expression.constant_value as Record<string | number, unknown> | null | undefined;
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
      if (value !== undefined) setOwn(out, key, value);
    }
    return out;
  }
  return after;
}
