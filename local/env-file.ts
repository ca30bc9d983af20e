/**
 * An environment as a shell file to source: what turns one environment into another. A kept local
 * run (npm start --keep) writes its provider's this way, so Terraform run by hand in its stack
 * folder reaches the local AWS exactly as the run's own commands did, and nothing else.
 */

/** Single-quoted for sh: safe for any value. */
const quoted = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

/** `unset` for each variable of `from` that `to` lacks, `export` for each one `to` adds or changes; sorted by name. */
export function envFile(from: NodeJS.ProcessEnv, to: NodeJS.ProcessEnv): string {
  const names = [...new Set([...Object.keys(from), ...Object.keys(to)])].sort();
  const lines = names.flatMap((name) => {
    const value = to[name];
    if (value === undefined) return from[name] === undefined ? [] : [`unset ${name}`];
    return value === from[name] ? [] : [`export ${name}=${quoted(value)}`];
  });
  return lines.map((line) => `${line}\n`).join("");
}
