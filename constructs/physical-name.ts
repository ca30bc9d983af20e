import { createHash } from "node:crypto";

/**
 * Joins parts into a resource name with '-', shortened to maxLength with a stable hash suffix
 * when too long, so long stack or stream names never produce a name AWS refuses.
 */
export function physicalName(parts: readonly string[], maxLength: number): string {
  const name = parts.join("-");
  if (name.length <= maxLength) return name;
  const hash = createHash("sha256").update(name).digest("hex").slice(0, 8);
  return `${name.slice(0, maxLength - hash.length - 1)}-${hash}`;
}
