/**
 * Reading the project's `cdktf.json`: the settings' `context`, and one line naming the file and
 * what is wrong when it cannot be used (not JSON, a key given twice, a key of the wrong type).
 */

/** The top-level keys the cdktf CLI reads, with the JSON type each must have. */
const KEY_TYPES: Readonly<Record<string, readonly ("string" | "boolean" | "array" | "object")[]>> = {
  language: ["string"],
  app: ["string"],
  output: ["string"],
  codeMakerOutput: ["string"],
  projectId: ["string"],
  sendCrashReports: ["string", "boolean"],
  terraformProviders: ["array"],
  terraformModules: ["array"],
  context: ["object"],
};

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

/** V8 says where JSON stops parsing as a position; people read lines and columns. */
function withLineAndColumn(message: string, text: string): string {
  const at = /at position (\d+)/.exec(message);
  if (at === null || /line \d+/.test(message)) return message;
  const before = text.slice(0, Number(at[1])).split("\n");
  return `${message} (line ${before.length}, column ${before[before.length - 1].length + 1})`;
}

/**
 * The JSON pointers of keys given twice in one object of a valid JSON text: JSON.parse keeps the
 * last silently, so a setting written twice would change without a word.
 */
export function duplicateKeys(text: string): string[] {
  type Open = { keys: Set<string> | undefined; path: string; key: string | undefined; index: number; expectKey: boolean };
  const stack: Open[] = [];
  const duplicates: string[] = [];
  const member = (open: Open) => `${open.path}/${open.keys ? (open.key ?? "").replace(/~/g, "~0").replace(/\//g, "~1") : open.index}`;
  for (const [token] of text.matchAll(/"(?:[^"\\]|\\.)*"|[{}[\]:,]/g)) {
    const top = stack.at(-1);
    if (token === "{" || token === "[") {
      stack.push({ keys: token === "{" ? new Set() : undefined, path: top ? member(top) : "", key: undefined, index: 0, expectKey: token === "{" });
    } else if (token === "}" || token === "]") {
      stack.pop();
    } else if (token === ",") {
      // In valid JSON a , or : is always inside an object or array.
      if (top!.keys) top!.expectKey = true;
      else top!.index += 1;
    } else if (token === ":") {
      top!.expectKey = false;
    } else if (top?.keys && top.expectKey) {
      top.key = JSON.parse(token) as string;
      if (top.keys.has(top.key)) duplicates.push(member(top));
      top.keys.add(top.key);
    }
  }
  return duplicates;
}

/** The context of a `cdktf.json` text, or the one line that says what is wrong with the file. */
export function cdktfJsonContext(text: string, file: string): { context: Record<string, unknown> } | { problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { problem: `${file} is not valid JSON: ${withLineAndColumn((error as Error).message, text)}` };
  }
  if (jsonType(json) !== "object") return { problem: `${file} must hold a JSON object, not ${jsonType(json)}` };
  const twice = duplicateKeys(text);
  if (twice.length > 0) return { problem: `${file} gives ${twice.map((p) => `"${p}"`).join(", ")} more than once (JSON keeps only the last, silently)` };
  for (const [key, value] of Object.entries(json as Record<string, unknown>)) {
    const allowed = Object.prototype.hasOwnProperty.call(KEY_TYPES, key) ? KEY_TYPES[key] : undefined;
    if (allowed !== undefined && !allowed.includes(jsonType(value) as never)) {
      const hint = key === "context" ? " of settings by their camelCase names (see the README's Settings)" : "";
      return {
        problem: `${file}: "${key}" must be ${allowed.map((t) => `a${t === "array" || t === "object" ? "n" : ""} ${t}`).join(" or ")}${hint}, not ${jsonType(value)}`,
      };
    }
  }
  return { context: (json as { context?: Record<string, unknown> }).context ?? {} };
}
