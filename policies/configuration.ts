/**
 * Reads a synthesized configuration (`cdk.tf.json`, any `*.tf.json`) in every form Terraform's
 * JSON syntax accepts (https://developer.hashicorp.com/terraform/language/syntax/json and HCL's
 * JSON specification):
 *
 * - the file, `resource`, `data`, `output`, each type under them: an object, or an array of
 *   objects whose properties are read in order (`"resource": [{"aws_x": {...}}, {...}]`);
 * - a name: one body, or an array of bodies (more than one is a duplicate, which Terraform refuses);
 * - a nested block: an object or an array of objects (rules read them through `blocks`), and
 *   `dynamic` blocks, expanded here (see {@link expandDynamic});
 * - a property repeated in one object: kept by `parseTerraformJson` as the array form.
 *
 * Anything else (a body that is not an object, a name mapped to a string, a module call whose
 * resources are not in the file) is a PolicyInputError naming where it is: never read as nothing.
 */
import { describeValue, isObject, MAX_VALUE_DEPTH, PolicyInputError, REFERENCE, Resource, setOwn, Unknown } from "./model";

/** Arguments Terraform itself interprets (and the `//` comment cdktf writes metadata into), not the resource's values. */
const META_ARGUMENTS = new Set(["//", "count", "for_each", "depends_on", "lifecycle", "provider", "provisioner", "connection"]);
/** Terraform's identifiers: resource types and names, block types, iterators. */
const IDENTIFIER = /^[a-zA-Z_][\w-]*$/;

/**
 * The properties of a label level: an object's, or those of each object of an array, in order
 * (HCL's JSON syntax flattens both into one sequence).
 */
export function labelProperties(value: unknown, where: string): [string, unknown][] {
  if (isObject(value)) return Object.entries(value);
  if (!Array.isArray(value))
    throw new PolicyInputError(`${where} is ${describeValue(value)}: Terraform's JSON syntax allows an object, or an array of objects, here`);
  const out: [string, unknown][] = [];
  value.forEach((element, i) => {
    if (!isObject(element))
      throw new PolicyInputError(`${where}[${i}] is ${describeValue(element)}: Terraform's JSON syntax allows only objects in this array`);
    for (const entry of Object.entries(element)) out.push(entry);
  });
  return out;
}

/** The bodies of the blocks declared under one set of labels: an object, or an array of objects. */
function bodies(value: unknown, where: string): Record<string, unknown>[] {
  if (isObject(value)) return [value];
  if (!Array.isArray(value)) throw new PolicyInputError(`${where} is ${describeValue(value)}: a block's body must be an object (or an array of objects)`);
  value.forEach((element, i) => {
    if (!isObject(element)) throw new PolicyInputError(`${where}[${i}] is ${describeValue(element)}: a block's body must be an object`);
  });
  return value as Record<string, unknown>[];
}

function identifier(name: string, what: string, where: string): string {
  if (!IDENTIFIER.test(name))
    throw new PolicyInputError(`${where}: ${JSON.stringify(name)} is not a valid ${what} (letters, digits, _ and -, not starting with a digit)`);
  return name;
}

export interface ConfigurationRead {
  readonly resources: Resource[];
  readonly outputs: Record<string, unknown>;
}

/** Reads the top-level properties of a configuration (already flattened from an object or an array of objects). */
export function readConfiguration(top: readonly [string, unknown][]): ConfigurationRead {
  const resources: Resource[] = [];
  const addresses = new Set<string>();
  const outputs = new Map<string, unknown>();
  for (const [block, content] of top) {
    if (block === "resource" || block === "data") {
      const mode = block === "resource" ? "managed" : "data";
      for (const [type, byName] of labelProperties(content, block)) {
        identifier(type, `${block} type`, block);
        for (const [name, declared] of labelProperties(byName, `${block}.${type}`)) {
          identifier(name, `${block} name`, `${block}.${type}`);
          const address = `${mode === "data" ? "data." : ""}${type}.${name}`;
          for (const body of bodies(declared, `${block}.${type}.${name}`)) {
            if (addresses.has(address)) {
              throw new PolicyInputError(
                `${address} is declared more than once (Terraform refuses a duplicate ${mode === "data" ? "data source" : "resource"}, and the pack cannot tell which one is meant)`,
              );
            }
            addresses.add(address);
            resources.push(resourceOf(address, mode, type, name, body));
          }
        }
      }
    } else if (block === "output") {
      for (const [name, declared] of labelProperties(content, "output")) {
        for (const body of bodies(declared, `output.${name}`)) {
          if (outputs.has(name)) throw new PolicyInputError(`output ${name} is declared more than once (Terraform refuses a duplicate output)`);
          outputs.set(name, body.value);
        }
      }
    } else if (block === "module") {
      for (const [name, declared] of labelProperties(content, "module")) {
        const call = bodies(declared, `module.${name}`).at(0);
        if (call === undefined) continue;
        throw new PolicyInputError(
          `module.${name} calls a module (source ${JSON.stringify(call.source)}) whose resources are not in this file, so the pack cannot check them: check the plan instead (terraform show -json), which holds them`,
        );
      }
    }
  }
  return { resources, outputs: Object.fromEntries(outputs) };
}

function resourceOf(address: string, mode: "managed" | "data", type: string, name: string, body: Record<string, unknown>): Resource {
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (!META_ARGUMENTS.has(key) && key !== "dynamic") setOwn(values, key, normalize(value, address, 1));
  }
  if ("dynamic" in body) expandDynamic(values, body.dynamic, address, 1);
  const comment = body["//"];
  const metadata = isObject(comment) && isObject(comment.metadata) ? comment.metadata : {};
  return {
    address,
    baseAddress: address,
    mode,
    type,
    name,
    module: "",
    values,
    configured: values,
    constructPath: typeof metadata.path === "string" ? metadata.path : undefined,
  };
}

/** A value with every `dynamic` block inside it expanded (a copy; the input is not changed). */
function normalize(value: unknown, where: string, depth: number): unknown {
  if (depth > MAX_VALUE_DEPTH)
    throw new PolicyInputError(`${where} nests values more than ${MAX_VALUE_DEPTH} levels deep; the pack reads at most ${MAX_VALUE_DEPTH}`);
  if (Array.isArray(value)) return value.map((v) => normalize(v, where, depth + 1));
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  // Only a nested block can hold a dynamic block; a map attribute may have a key "dynamic" (tags).
  const dynamic = looksDynamic(value.dynamic) ? value.dynamic : undefined;
  for (const [key, v] of Object.entries(value)) {
    if (dynamic !== undefined && key === "dynamic") continue;
    setOwn(out, key, normalize(v, where, depth + 1));
  }
  if (dynamic !== undefined) expandDynamic(out, dynamic, where, depth + 1);
  return out;
}

/** Whether a value has the shape of `dynamic` blocks: labels mapped to bodies that have `content`. */
function looksDynamic(value: unknown): boolean {
  try {
    const declared = labelProperties(value, "dynamic");
    return declared.length > 0 && declared.every(([, d]) => bodies(d, "dynamic").every((b) => "content" in b));
  } catch {
    return false;
  }
}

/**
 * Expands `dynamic "<type>" { for_each, iterator, content }` into blocks of `<type>`, appended to
 * those written directly. A literal `for_each` (a JSON array or object) makes one block per element,
 * with `${<iterator>.key}`, `${<iterator>.value}` and `${<iterator>.value.<attribute>}` replaced by
 * the element's; any other use of the iterator is a value known only after apply. A `for_each`
 * known only after apply makes one block whose iterator values are all unknown: the content is
 * checked as written, never skipped.
 */
function expandDynamic(into: Record<string, unknown>, spec: unknown, where: string, depth: number): void {
  for (const [blockType, declared] of labelProperties(spec, `${where}: dynamic`)) {
    identifier(blockType, "block type", `${where}: dynamic`);
    const at = `${where}: dynamic "${blockType}"`;
    for (const dynamicBlock of bodies(declared, at)) {
      const contents = dynamicBlock.content === undefined ? [] : bodies(dynamicBlock.content, `${at} content`);
      if (contents.length !== 1) throw new PolicyInputError(`${at} must have exactly one content block, not ${contents.length}`);
      if (!("for_each" in dynamicBlock)) throw new PolicyInputError(`${at} has no for_each`);
      const iterator = dynamicBlock.iterator ?? blockType;
      if (typeof iterator !== "string" || !IDENTIFIER.test(iterator)) throw new PolicyInputError(`${at}: iterator ${describeValue(iterator)} is not a name`);
      const generated = elementsOf(dynamicBlock.for_each).map((element) => normalize(substitute(contents[0], iterator, element, depth), where, depth + 1));
      const existing = into[blockType];
      into[blockType] = [...(existing === undefined || existing === null ? [] : Array.isArray(existing) ? (existing as unknown[]) : [existing]), ...generated];
    }
  }
}

type Element = { readonly key: unknown; readonly value: unknown } | undefined;

/** The elements a literal for_each iterates ([key, value]); one unknown element when it is an expression. */
function elementsOf(forEach: unknown): Element[] {
  if (Array.isArray(forEach)) return forEach.map((value: unknown, key) => ({ key, value }));
  if (isObject(forEach)) return Object.entries(forEach).map(([key, value]) => ({ key, value }));
  return [undefined];
}

/** `${it.value}`, `${it.key}`, `${it.value.a["b"][0]}`: a whole string that is one iterator reference. */
const iteratorReference = (iterator: string) =>
  new RegExp(`^\\$\\{\\s*${iterator}\\.(key|value)((?:\\.[a-zA-Z_][\\w-]*|\\[\\s*(?:\\d+|"[^"]*")\\s*\\])*)\\s*\\}$`);
const usesIterator = (iterator: string) => new RegExp(`(?:^|[^\\w.-])${iterator}\\.(?:key|value)\\b`);

/** `content` with the iterator's references replaced by the element's values (or unknowns). */
function substitute(content: unknown, iterator: string, element: Element, depth: number): unknown {
  const whole = iteratorReference(iterator);
  const uses = usesIterator(iterator);
  const walk = (v: unknown, d: number): unknown => {
    if (d > MAX_VALUE_DEPTH) throw new PolicyInputError(`a dynamic block nests values more than ${MAX_VALUE_DEPTH} levels deep`);
    if (typeof v === "string") {
      if (!v.includes("${") || !templates(v).some((t) => uses.test(t))) return v;
      const match = whole.exec(v);
      if (element !== undefined && match) {
        const found = pathIn(match[1] === "key" ? element.key : element.value, match[2]);
        if (found !== undefined) return found;
      }
      return new Unknown(
        templates(v)
          .flatMap((t) => t.match(REFERENCE) ?? [])
          .filter((r) => !r.startsWith(`${iterator}.`)),
      );
    }
    if (Array.isArray(v)) return v.map((x) => walk(x, d + 1));
    if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, d + 1)]));
    return v;
  };
  return walk(content, depth);
}

/** The insides of each `${...}` of a template string. */
const templates = (text: string) => [...text.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1]);

/** `.a["b"][0]` applied to a value; undefined when the path does not exist in it. */
function pathIn(value: unknown, path: string): unknown {
  let current = value;
  for (const step of path.matchAll(/\.([a-zA-Z_][\w-]*)|\[\s*(\d+)\s*\]|\[\s*"([^"]*)"\s*\]/g)) {
    const [, name, index, quoted] = step as (string | undefined)[]; // one of the three alternatives matched
    const key = name ?? quoted ?? Number(index);
    if (typeof key === "number" ? !Array.isArray(current) : !isObject(current)) return undefined;
    current = (current as Record<string | number, unknown>)[key];
    if (current === undefined) return undefined;
  }
  return current;
}
