/**
 * `npm run verify`: proves a deployed pipeline works from what landed in its bucket. Argument
 * parsing and defaults live here; the run and its output in verify/run-verify.ts, the checking
 * itself in the rest of verify/.
 */
import { existsSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { parseArgs } from "node:util";
import { S3_BUCKET_NAME, S3_PREFIX } from "../aws/limits";
import { KNOWN_REGION } from "../aws/regions";
import { LabSettings, PROJECT_DIR, SettingsError, settingsFromProject } from "../config/settings";
import { Allowed, matching, notAllowed, orLiterally, satisfying } from "../input/allowed";
import { REPORT_FORMAT } from "../text/report-format";
import { DURATION, formatDuration, parseDuration } from "../verify/duration";
import { overlappingPrefixesProblem } from "../verify/prefixes";
import { processingAllowanceMs } from "../verify/allowance";
import type { VerifyCommand } from "../verify/run-verify";

/** Objects modified longer ago than this are left out unless --since says otherwise. */
const DEFAULT_SINCE = "1h";
/** The stack output that names the bucket (main.ts). */
const BUCKET_OUTPUT = "bucket_name";

export type ParsedArgs = { readonly command: VerifyCommand } | { readonly usageError: string } | { readonly help: true };

export function usage(settings?: LabSettings): string {
  const s = settings;
  const stateFile = `terraform.${s?.stackName ?? "<stack>"}.tfstate`;
  return `Usage: npm run verify -- [--bucket NAME] [options]

Proves the pipeline works from what landed in S3: lists the objects under the source and
destination prefixes, downloads and decompresses them, splits them into records, validates each
record against its JSON Schema (schemas/), source records as the analytics reads them (one JSON
object per line), and checks that every source record older than the processing allowance has
its row under the destination prefix.

  --bucket NAME             the lab bucket (default: the ${BUCKET_OUTPUT} output in ${stateFile},
                            else LAB_BUCKET_NAME)
  --region R                AWS region (default: LAB_REGION${s ? `, ${s.region}` : ""})
  --endpoint URL            another S3 endpoint, such as a local S3-compatible server (path-style)
  --source-prefix P         default: LAB_SOURCE_PREFIX${s ? `, ${s.sourcePrefix}` : ""}
  --destination-prefix P    default: LAB_DESTINATION_PREFIX${s ? `, ${s.destinationPrefix}` : ""}
  --since DURATION          only objects modified at most this long ago, or "all" (default: ${DEFAULT_SINCE})
  --wait DURATION           poll while the check fails only for want of deliveries (a prefix empty, no
                            record old enough yet), up to this long (default: 0, check once)
  --allowance DURATION      how long a source record may take to reach the destination prefix: its
                            destination row must be there once its object is this old (default: the
                            analytics timeout + the buffer interval${s ? `, ${formatDuration(processingAllowanceMs(s))}` : ""}), or 0
  --max-invalid N           invalid records allowed (default: 0)
  --max-missing N           source records old enough but without their destination row allowed (default: 0)
  --format text|json        a table for people (default) or JSON for machines
  -h, --help                this text

DURATION: ${DURATION.words}.
Credentials: the standard AWS chain (environment, AWS_PROFILE, SSO, instance role).
Source and destination prefixes must not overlap (neither may start with the other).
Exit status: 0 when every source record older than the allowance has its destination row (at
most --max-missing without), both prefixes hold a valid record, no object is unreadable and
there are at most --max-invalid invalid records; 1 when records are missing, invalid or
unreadable, or S3 fails; 2 for bad usage or unusable input.
`;
}

/** Path of the local Terraform state of a stack (main.ts's LocalBackend writes it in the project folder). */
export function stateFilePath(stackName: string, projectDir = PROJECT_DIR): string {
  return join(projectDir, `terraform.${stackName}.tfstate`);
}

/** The state file exists but cannot be read as a Terraform state: the bucket it names is unknown. */
export class StateFileError extends Error {}

/** The bucket name the last deploy recorded in the local state, if there is one. */
export function bucketFromState(statePath: string): string | undefined {
  if (!existsSync(statePath)) return undefined;
  let state: { outputs?: Record<string, { value?: unknown }> } | null; // a file holding `null` parses to null
  try {
    state = JSON.parse(readFileSync(statePath, "utf8")) as typeof state;
  } catch (error) {
    const why = (error as Error).message.split("\n")[0];
    throw new StateFileError(`${basename(statePath)} cannot be read as a Terraform state (${why}): pass --bucket NAME, or repair or remove the file`);
  }
  const value = state?.outputs?.[BUCKET_OUTPUT]?.value;
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** What a request can be signed for: an S3-compatible server may name its region as it likes, within this. */
const REGION_NAME = matching(/^[A-Za-z0-9-]{1,64}$/, "a region name: 1-64 letters, digits and '-'");

/** An endpoint: an http:// or https:// URL with a host. */
const HTTP_URL = satisfying((text: string) => {
  try {
    const url = new URL(text);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
}, "an http:// or https:// URL");

/** A count of records: a whole number, 0 or more. */
const WHOLE_NUMBER = satisfying((text: string) => /^\d+$/.test(text) && Number.isSafeInteger(Number(text)), "a whole number, 0 or more");

/** The refusal of an option's value. */
const invalid = (option: string, value: string, allowed: Allowed<string>) => notAllowed(`--${option}`, value, allowed);

/** Parses the command line; defaults come from the project's settings and local state. */
export function parseVerifyArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, projectDir = PROJECT_DIR): ParsedArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        bucket: { type: "string" },
        region: { type: "string" },
        endpoint: { type: "string" },
        "source-prefix": { type: "string" },
        "destination-prefix": { type: "string" },
        since: { type: "string" },
        wait: { type: "string" },
        allowance: { type: "string" },
        "max-invalid": { type: "string" },
        "max-missing": { type: "string" },
        format: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    return { usageError: `${(error as Error).message} (npm run verify -- --help lists the options)` };
  }
  if (values.help) return { help: true };

  let settings: LabSettings;
  try {
    settings = settingsFromProject(env);
  } catch (error) {
    if (error instanceof SettingsError) return { usageError: error.problems.join("\n") };
    throw error;
  }
  const text = (name: string) => values[name] as string | undefined;
  const problems: string[] = [];

  const endpoint = text("endpoint");
  if (endpoint !== undefined && !HTTP_URL.test(endpoint)) problems.push(invalid("endpoint", endpoint, HTTP_URL));
  const region = text("region") ?? settings.region;
  // A custom endpoint may use any region name; AWS itself only its own.
  if (endpoint === undefined && !KNOWN_REGION.test(region)) problems.push(invalid("region", region, KNOWN_REGION));
  else if (!REGION_NAME.test(region)) problems.push(invalid("region", region, REGION_NAME));

  const prefix = (option: string, fallback: string) => {
    const value = text(option) ?? fallback;
    if (!S3_PREFIX.test(value)) problems.push(invalid(option, value, S3_PREFIX));
    return value;
  };
  const sourcePrefix = prefix("source-prefix", settings.sourcePrefix);
  const destinationPrefix = prefix("destination-prefix", settings.destinationPrefix);
  const overlap = overlappingPrefixesProblem(
    { name: values["source-prefix"] === undefined ? "LAB_SOURCE_PREFIX" : "--source-prefix", prefix: sourcePrefix },
    { name: values["destination-prefix"] === undefined ? "LAB_DESTINATION_PREFIX" : "--destination-prefix", prefix: destinationPrefix },
  );
  if (overlap !== undefined) problems.push(overlap);

  const sinceText = text("since") ?? DEFAULT_SINCE;
  const sinceMs = sinceText === "all" ? undefined : parseDuration(sinceText);
  // (!sinceMs: a duration of 0 is refused too.)
  if (sinceText !== "all" && !sinceMs) problems.push(invalid("since", sinceText, orLiterally(DURATION, "all")));

  const waitText = text("wait") ?? "0";
  const waitMs = waitText === "0" ? 0 : parseDuration(waitText);
  if (waitMs === undefined) problems.push(invalid("wait", waitText, orLiterally(DURATION, "0")));

  const allowanceText = text("allowance");
  const allowanceMs = allowanceText === undefined ? processingAllowanceMs(settings) : allowanceText === "0" ? 0 : parseDuration(allowanceText);
  if (allowanceMs === undefined) problems.push(invalid("allowance", allowanceText!, orLiterally(DURATION, "0")));
  else if (sinceMs !== undefined && sinceMs <= allowanceMs) {
    problems.push(
      `--since = ${JSON.stringify(sinceText)} is not allowed with a processing allowance of ${formatDuration(allowanceMs)}${allowanceText === undefined ? " (the analytics timeout + the buffer interval)" : ""}: ` +
        "no record in the window would be old enough to judge; it must be longer than the allowance, or all",
    );
  }

  const whole = (option: string) => {
    const value = text(option) ?? "0";
    if (!WHOLE_NUMBER.test(value)) problems.push(invalid(option, value, WHOLE_NUMBER));
    return Number(value);
  };
  const maxInvalid = whole("max-invalid");
  const maxMissing = whole("max-missing");

  const format = text("format") ?? "text";
  if (!REPORT_FORMAT.test(format)) problems.push(invalid("format", format, REPORT_FORMAT));

  const statePath = stateFilePath(settings.stackName, projectDir);
  let bucket = text("bucket");
  if (bucket !== undefined && !S3_BUCKET_NAME.test(bucket)) problems.push(invalid("bucket", bucket, S3_BUCKET_NAME));
  if (bucket === undefined) {
    let unreadableState: string | undefined;
    try {
      bucket = bucketFromState(statePath) ?? settings.bucketName;
    } catch (error) {
      if (!(error instanceof StateFileError)) throw error;
      unreadableState = error.message; // and not LAB_BUCKET_NAME instead: the state may name another bucket
    }
    if (unreadableState !== undefined) problems.push(unreadableState);
    else if (bucket === undefined) {
      problems.push(
        `no bucket: pass --bucket NAME (the project folder has no local state ${basename(statePath)} with a ${BUCKET_OUTPUT} output, and LAB_BUCKET_NAME is not set)`,
      );
    }
  }
  if (problems.length > 0) return { usageError: problems.join("\n") };

  return {
    command: {
      bucket: bucket!,
      region,
      endpoint,
      sourcePrefix,
      destinationPrefix,
      sinceMs,
      waitMs: waitMs!,
      // A quarter of the buffer interval, between 2 and 15 seconds: a delivery shows up soon after it lands.
      pollMs: Math.min(15_000, Math.max(2_000, (settings.bufferIntervalSeconds * 1000) / 4)),
      maxInvalid,
      processingAllowanceMs: allowanceMs!,
      maxMissing,
      format: format as "text" | "json",
      bufferIntervalSeconds: settings.bufferIntervalSeconds,
    },
  };
}

/** What a poll found, in one line. */
async function main(): Promise<number> {
  const parsed = parseVerifyArgs(process.argv.slice(2));
  if ("help" in parsed) {
    process.stdout.write(usage(safeSettings()));
    return 0;
  }
  if ("usageError" in parsed) {
    process.stderr.write(`verify: ${parsed.usageError.split("\n").join("\nverify: ")}\n`);
    return 2;
  }
  // Loaded only now: the S3 client and the record validators cost about 0.35 s of CPU to load, which a usage error does not need.
  const { runVerify } = await import("../verify/run-verify");
  return runVerify(parsed.command);
}

function safeSettings(): LabSettings | undefined {
  try {
    return settingsFromProject();
  } catch {
    return undefined;
  }
}

if (require.main === module) {
  main().then(
    (status) => (process.exitCode = status),
    (error: unknown) => {
      // One line still: the message and where it was raised.
      const where =
        error instanceof Error
          ? error.stack
              ?.split("\n")
              .find((line) => line.trim().startsWith("at "))
              ?.trim()
          : undefined;
      console.error(`verify: unexpected error: ${(error instanceof Error ? error.message : String(error)).split("\n")[0]}${where ? ` (${where})` : ""}`);
      process.exitCode = 1;
    },
  );
}
