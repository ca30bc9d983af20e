/**
 * One `npm run verify` run: the S3 client, the check (polled with --wait), progress on stderr and
 * the report on stdout. scripts/verify.ts parses the command line into a VerifyCommand.
 */
import { S3Client } from "@aws-sdk/client-s3";
import { formatDuration } from "./duration";
import { plural } from "../text/plural";
import { renderReport } from "./report";
import { S3Problem } from "./s3";
import { checkUntilSettled, PrefixReport, Verifier, VerifyReport } from "./verifier";

/**
 * A request to S3 fails after this long without a byte (then the SDK retries it twice): an
 * endpoint that accepts connections but never answers would otherwise hold the check forever.
 */
const S3_IDLE_TIMEOUT_MS = 15_000;

/** What one run checks and how, as scripts/verify.ts parsed it from the command line and settings. */
export interface VerifyCommand {
  readonly bucket: string;
  readonly region: string;
  readonly endpoint: string | undefined;
  readonly sourcePrefix: string;
  readonly destinationPrefix: string;
  readonly sinceMs: number | undefined;
  readonly waitMs: number;
  readonly pollMs: number;
  readonly maxInvalid: number;
  /** How old a source object must be before each of its records must have its destination row (ms). */
  readonly processingAllowanceMs: number;
  readonly maxMissing: number;
  readonly format: "text" | "json";
  /** Shown when waiting: the delay Firehose adds. */
  readonly bufferIntervalSeconds: number;
}

function pollLine(report: VerifyReport): string {
  const side = (p: PrefixReport) => `${p.prefix} ${plural(p.objects, "object")}, ${plural(p.records, "record")} (${p.valid.toLocaleString("en-US")} valid)`;
  const { expectedAtDestination: expected, foundAtDestination: found } = report.source;
  return `${side(report.source)}; ${side(report.destination)}; ${found.toLocaleString("en-US")} of ${plural(expected, "record")} old enough found`;
}

/** The verifier's S3 client: the command's region and endpoint (path-style), and an idle timeout. */
export function s3ClientFor(command: Pick<VerifyCommand, "region" | "endpoint">, idleTimeoutMs = S3_IDLE_TIMEOUT_MS): S3Client {
  return new S3Client({
    region: command.region,
    endpoint: command.endpoint,
    forcePathStyle: command.endpoint !== undefined,
    followRegionRedirects: true,
    requestHandler: { connectionTimeout: idleTimeoutMs, socketTimeout: idleTimeoutMs },
  });
}

/** Runs the command; returns the exit status. */
export async function runVerify(command: VerifyCommand, out: NodeJS.WriteStream = process.stdout, err: NodeJS.WriteStream = process.stderr): Promise<number> {
  const client = s3ClientFor(command);
  // A stream that is not a terminal has no isTTY or columns, whatever its type says.
  const tty: Partial<Pick<NodeJS.WriteStream, "isTTY" | "columns">> = err;
  const live = tty.isTTY === true;
  let lastDraw = 0;
  const draw = (line: string, force = false) => {
    if (!live || (!force && Date.now() - lastDraw < 100)) return;
    lastDraw = Date.now();
    err.write(`\r\x1b[K${line.slice(0, (tty.columns ?? 120) - 1)}`);
  };
  const verifier = new Verifier({
    client,
    bucket: command.bucket,
    sourcePrefix: command.sourcePrefix,
    destinationPrefix: command.destinationPrefix,
    sinceMs: command.sinceMs,
    processingAllowanceMs: command.processingAllowanceMs,
    maxInvalid: command.maxInvalid,
    maxMissing: command.maxMissing,
    onProgress: (p) => draw(`reading objects: ${p.objectsDone}/${p.objectsTotal}, ${plural(p.records, "record")}`),
  });
  const waiting = command.waitMs > 0;
  if (waiting) {
    err.write(
      `verify: waiting up to ${formatDuration(command.waitMs)} for valid records under ${command.sourcePrefix} and ${command.destinationPrefix} ` +
        `of ${command.bucket}, and for source records older than ${formatDuration(command.processingAllowanceMs)} to judge; ` +
        `Firehose delivers within about its buffer interval (${command.bufferIntervalSeconds}s)\n`,
    );
  }
  // On a terminal, the waiting line's clock ticks between looks.
  const started = Date.now();
  let lastLook = "";
  const tick =
    live && waiting
      ? setInterval(() => lastLook && draw(`${formatDuration(Date.now() - started)} of ${formatDuration(command.waitMs)}: ${lastLook}`, true), 1000)
      : undefined;
  try {
    const { report } = await checkUntilSettled(verifier, {
      waitMs: command.waitMs,
      pollMs: command.pollMs,
      onPoll: ({ report, elapsedMs, final }) => {
        if (!waiting) return;
        lastLook = pollLine(report);
        const line = `${formatDuration(elapsedMs)} of ${formatDuration(command.waitMs)}: ${lastLook}`;
        if (live) draw(line, true);
        else err.write(`verify: ${line}${final ? "" : `; next look in ${formatDuration(Math.min(command.pollMs, command.waitMs - elapsedMs))}`}\n`);
      },
    });
    if (live) err.write("\r\x1b[K");
    out.write(command.format === "json" ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report));
    return report.passed ? 0 : 1;
  } catch (error) {
    if (live) err.write("\r\x1b[K");
    if (error instanceof S3Problem) {
      err.write(`verify: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    clearInterval(tick);
    client.destroy();
  }
}
