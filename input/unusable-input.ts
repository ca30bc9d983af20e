/**
 * Input nothing can be built from (a setting, `cdktf.json`, the record schema): the commands
 * answer it with its message and exit code 2, never a stack trace. Anything else that fails is 1.
 */
export const UNUSABLE_INPUT_EXIT_CODE = 2;

export class UnusableInputError extends Error {
  /** The exit status a command answers this error with. */
  readonly exitCode = UNUSABLE_INPUT_EXIT_CODE;

  constructor(
    /** One line per problem, each naming the setting, file or value and what is allowed. */
    readonly problems: readonly string[],
    heading: string,
  ) {
    // One problem stays on one line; several are listed under the heading.
    super(problems.length === 1 ? `${heading}: ${problems[0]}` : `${heading}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

/**
 * The exit status for an error that stopped a command: 2 for unusable input, 1 for anything else.
 * Read from the error's `exitCode`, so it holds across bundles (scripts/synth.js loads one).
 */
export function exitCodeOf(error: unknown): number {
  const code = typeof error === "object" && error !== null ? (error as { exitCode?: unknown }).exitCode : undefined;
  return code === UNUSABLE_INPUT_EXIT_CODE ? UNUSABLE_INPUT_EXIT_CODE : 1;
}
