/**
 * JSON text as Terraform reads it. HCL's JSON syntax keeps every definition of a repeated property
 * name ("resource" twice at the top, a resource type twice under "resource", a nested block twice
 * in a body) and visits them in order, exactly as if they had been written as an array of objects.
 * `JSON.parse` keeps only the last one, so a resource written before a repeated key would be
 * invisible to the pack while Terraform creates it. This parser keeps them: the values of a
 * repeated property are concatenated into one array (an array value contributes its elements),
 * which is the array form Terraform reads the same way. (Where a repeated property is an argument
 * rather than a block, Terraform refuses the file; the pack then reads the array and never misses
 * either value.)
 */
import { PolicyInputError, setOwn } from "./model";

/** Deeper than this, the text is refused (no Terraform file or plan comes near it). */
const MAX_JSON_DEPTH = 512;

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** Parses JSON text, keeping repeated property names as Terraform does; throws PolicyInputError saying where the text is not JSON. */
export function parseTerraformJson(text: string): unknown {
  let at = 0;
  /** The arrays this parser made of repeated properties (appended to in place, so a key repeated n times costs n). */
  const concatenated = new WeakSet();

  const fail = (what: string): never => {
    const before = text.slice(0, at);
    const line = before.split("\n").length;
    const column = at - before.lastIndexOf("\n");
    throw new PolicyInputError(`it is not JSON (${what} at line ${line} column ${column})`);
  };
  const skipWhitespace = () => {
    while (at < text.length && WHITESPACE.has(text.charCodeAt(at))) at++;
  };
  const describeNext = () => (at >= text.length ? "unexpected end of input" : `unexpected ${JSON.stringify(text[at])}`);

  const parseString = (): string => {
    const start = at; // at the opening quote
    let escaped = false;
    at++;
    for (;;) {
      if (at >= text.length) fail("unterminated string");
      const c = text.charCodeAt(at);
      if (c === 0x22) break;
      if (c < 0x20) fail("a control character inside a string");
      if (c === 0x5c) {
        escaped = true;
        at++;
      }
      at++;
    }
    at++;
    if (!escaped) return text.slice(start + 1, at - 1);
    try {
      return JSON.parse(text.slice(start, at)) as string;
    } catch {
      at = start;
      return fail("an invalid escape in a string");
    }
  };

  const parseValue = (depth: number): unknown => {
    if (depth > MAX_JSON_DEPTH)
      throw new PolicyInputError(
        `it nests values deeper than ${MAX_JSON_DEPTH} levels, which no Terraform file or plan does; the pack reads at most ${MAX_JSON_DEPTH}`,
      );
    skipWhitespace();
    const c = text.charCodeAt(at);
    if (c === 0x7b) return parseObject(depth);
    if (c === 0x5b) return parseArray(depth);
    if (c === 0x22) return parseString();
    for (const [word, value] of [
      ["true", true],
      ["false", false],
      ["null", null],
    ] as const) {
      if (text.startsWith(word, at)) {
        at += word.length;
        return value;
      }
    }
    NUMBER.lastIndex = at;
    const number = NUMBER.exec(text);
    if (number) {
      at += number[0].length;
      return Number(number[0]);
    }
    return fail(describeNext());
  };

  const parseArray = (depth: number): unknown[] => {
    const out: unknown[] = [];
    at++;
    skipWhitespace();
    if (text.charCodeAt(at) === 0x5d) {
      at++;
      return out;
    }
    for (;;) {
      out.push(parseValue(depth + 1));
      skipWhitespace();
      const c = text.charCodeAt(at);
      at++;
      if (c === 0x5d) return out;
      if (c !== 0x2c) {
        at--;
        fail(`${describeNext()} in an array (expected , or ])`);
      }
    }
  };

  const parseObject = (depth: number): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    at++;
    skipWhitespace();
    if (text.charCodeAt(at) === 0x7d) {
      at++;
      return out;
    }
    for (;;) {
      skipWhitespace();
      if (text.charCodeAt(at) !== 0x22) fail(`${describeNext()} where a property name was expected`);
      const key = parseString();
      skipWhitespace();
      if (text.charCodeAt(at) !== 0x3a) fail(`${describeNext()} after a property name (expected :)`);
      at++;
      const value = parseValue(depth + 1);
      if (Object.prototype.hasOwnProperty.call(out, key)) {
        let merged = out[key];
        if (!concatenated.has(merged as object)) {
          merged = Array.isArray(merged) ? [...(merged as unknown[])] : [merged];
          concatenated.add(merged as object);
          setOwn(out, key, merged);
        }
        for (const element of Array.isArray(value) ? value : [value]) (merged as unknown[]).push(element);
      } else {
        setOwn(out, key, value);
      }
      skipWhitespace();
      const c = text.charCodeAt(at);
      at++;
      if (c === 0x7d) return out;
      if (c !== 0x2c) {
        at--;
        fail(`${describeNext()} in an object (expected , or })`);
      }
    }
  };

  const value = parseValue(0);
  skipWhitespace();
  if (at < text.length) fail(`${describeNext()} after the JSON value`);
  return value;
}
