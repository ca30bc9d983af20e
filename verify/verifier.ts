/**
 * Proves a deployed pipeline works from what lands in its bucket: lists the objects under the
 * source and destination prefixes, reads them (a bounded number at a time), validates every
 * record, and says whether both prefixes hold valid records and how many are invalid.
 *
 * A Verifier remembers the objects it has read (by key and ETag), so polling while waiting for
 * deliveries reads each object once.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import type { Encoding } from "./decode";
import { formatDuration } from "./duration";
import { checkObject, ObjectCheck, RecordProblem, Role } from "./object-check";
import { listObjects, objectBytes, ObjectSummary } from "./s3";

export interface VerifyOptions {
  readonly client: S3Client;
  readonly bucket: string;
  readonly sourcePrefix: string;
  readonly destinationPrefix: string;
  /** Only objects modified at most this long before the check (ms); undefined: every object. */
  readonly sinceMs?: number;
  /** Invalid records allowed before the check fails. @default 0 */
  readonly maxInvalid?: number;
  /** Objects downloaded at the same time. @default 8 */
  readonly concurrency?: number;
  /** Keys per list request (S3 returns at most 1,000). @default 1000 */
  readonly pageSize?: number;
  /** Problems kept per prefix for the report. @default 5 */
  readonly problemsShown?: number;
  /** The clock (ms since the epoch). @default Date.now */
  readonly now?: () => number;
  /** Called after each object is read. */
  readonly onProgress?: (progress: CheckProgress) => void;
}

export interface CheckProgress {
  readonly objectsDone: number;
  readonly objectsTotal: number;
  readonly records: number;
}

export interface PrefixReport {
  readonly prefix: string;
  readonly objects: number;
  /** Bytes as stored. */
  readonly bytes: number;
  readonly records: number;
  readonly valid: number;
  readonly invalid: number;
  /** Objects that could not be decoded: how many, and the first few with why. */
  readonly unreadable: number;
  readonly unreadableObjects: readonly { readonly key: string; readonly problem: string }[];
  /** Age of the newest object at the check; null when there is none. */
  readonly newestObjectAgeMs: number | null;
  /** How many objects were in each format. */
  readonly encodings: Partial<Record<Encoding, number>>;
  /** The first few invalid records, newest object first, in each object's order. */
  readonly problems: readonly RecordProblem[];
}

export interface VerifyReport {
  readonly bucket: string;
  readonly checkedAt: string;
  readonly sinceMs: number | null;
  readonly maxInvalid: number;
  readonly source: PrefixReport;
  readonly destination: PrefixReport & {
    /** Valid destination records paired with a valid source record of the same eleven values (each used once). */
    readonly matchingSource: number;
  };
  /** Both prefixes hold a valid record, no object is unreadable, and invalid records ≤ maxInvalid. */
  readonly passed: boolean;
  /** Why it did not pass, one line each. */
  readonly failures: readonly string[];
  /** How long the check took. */
  readonly elapsedMs: number;
}

interface Target {
  readonly role: Role;
  readonly object: ObjectSummary;
}

export class Verifier {
  private readonly read = new Map<string, { etag: string; check: ObjectCheck }>();

  constructor(readonly options: VerifyOptions) {}

  async check(): Promise<VerifyReport> {
    const { client, bucket, sourcePrefix, destinationPrefix, sinceMs, pageSize } = this.options;
    const now = this.options.now ?? Date.now;
    const started = now();
    const modifiedSince = sinceMs === undefined ? undefined : new Date(started - sinceMs);
    const listed = await Promise.allSettled(
      [sourcePrefix, destinationPrefix].map((prefix) => listObjects(client, bucket, prefix, { modifiedSince, pageSize })),
    );
    // When both fail, report the source's error: the same one every time.
    const [sources, destinations] = listed.map((result) => {
      if (result.status === "rejected") throw result.reason;
      return result.value;
    });
    const targets: Target[] = [
      ...sources.map((object) => ({ role: "source" as const, object })),
      ...destinations.map((object) => ({ role: "destination" as const, object })),
    ];
    const checks = await this.readAll(targets);

    const source = summarise(sourcePrefix, sources, checks, started, this.problemsShown);
    const destination = summarise(destinationPrefix, destinations, checks, started, this.problemsShown);
    const matchingSource = countMatches(sources, destinations, checks);
    const maxInvalid = this.options.maxInvalid ?? 0;
    const failures = judge(source, destination, maxInvalid, sinceMs);
    return {
      bucket,
      checkedAt: new Date(started).toISOString(),
      sinceMs: sinceMs ?? null,
      maxInvalid,
      source,
      destination: { ...destination, matchingSource },
      passed: failures.length === 0,
      failures,
      elapsedMs: now() - started,
    };
  }

  private get problemsShown(): number {
    return this.options.problemsShown ?? 5;
  }

  /** Reads every target not read before, at most `concurrency` at a time. */
  private async readAll(targets: readonly Target[]): Promise<Map<string, ObjectCheck>> {
    const { client, bucket, onProgress } = this.options;
    const checks = new Map<string, ObjectCheck>();
    let next = 0;
    let records = 0;
    const worker = async () => {
      for (let i = next++; i < targets.length; i = next++) {
        const { role, object } = targets[i];
        const cached = this.read.get(object.key);
        let check = cached?.etag === object.etag ? cached.check : undefined;
        if (check === undefined) {
          check = await checkObject(await objectBytes(client, bucket, object.key), role, object.key, this.problemsShown);
          this.read.set(object.key, { etag: object.etag, check });
        }
        checks.set(object.key, check);
        records += check.records;
        onProgress?.({ objectsDone: checks.size, objectsTotal: targets.length, records });
      }
    };
    const workers = Math.max(1, Math.min(this.options.concurrency ?? 8, targets.length));
    await Promise.all(Array.from({ length: workers }, worker));
    return checks;
  }
}

function summarise(prefix: string, objects: readonly ObjectSummary[], checks: Map<string, ObjectCheck>, now: number, shown: number): PrefixReport {
  let bytes = 0;
  let records = 0;
  let valid = 0;
  let unreadable = 0;
  const unreadableObjects: { key: string; problem: string }[] = [];
  const encodings: Partial<Record<Encoding, number>> = {};
  const problems: RecordProblem[] = [];
  for (const object of objects) {
    const check = checks.get(object.key)!;
    bytes += object.size;
    records += check.records;
    valid += check.valid;
    if (check.encoding) encodings[check.encoding] = (encodings[check.encoding] ?? 0) + 1;
    if (check.unreadable !== undefined) {
      unreadable++;
      if (unreadableObjects.length < shown) unreadableObjects.push({ key: object.key, problem: check.unreadable });
    }
    problems.push(...check.problems.slice(0, shown - problems.length));
  }
  return {
    prefix,
    objects: objects.length,
    bytes,
    records,
    valid,
    invalid: records - valid,
    unreadable,
    unreadableObjects,
    newestObjectAgeMs: objects.length > 0 ? Math.max(0, now - objects[0].lastModified.getTime()) : null,
    encodings,
    problems,
  };
}

/** Σ over fingerprints of min(source count, destination count): each source record pairs at most once. */
function countMatches(sources: readonly ObjectSummary[], destinations: readonly ObjectSummary[], checks: Map<string, ObjectCheck>): number {
  const sourceCounts = new Map<string, number>();
  for (const object of sources) {
    for (const [print, n] of checks.get(object.key)!.fingerprints) sourceCounts.set(print, (sourceCounts.get(print) ?? 0) + n);
  }
  let matches = 0;
  for (const object of destinations) {
    for (const [print, n] of checks.get(object.key)!.fingerprints) {
      const available = sourceCounts.get(print) ?? 0;
      const used = Math.min(available, n);
      if (used > 0) sourceCounts.set(print, available - used);
      matches += used;
    }
  }
  return matches;
}

function judge(source: PrefixReport, destination: PrefixReport, maxInvalid: number, sinceMs: number | undefined): string[] {
  const failures: string[] = [];
  const window = sinceMs === undefined ? "" : ` modified in the last ${formatDuration(sinceMs)}`;
  for (const prefix of [source, destination]) {
    if (prefix.objects === 0) failures.push(`${prefix.prefix} holds no object${window}`);
    else if (prefix.valid === 0) failures.push(`${prefix.prefix} holds no valid record in ${plural(prefix.objects, "object")}${window}`);
  }
  const invalid = source.invalid + destination.invalid;
  if (invalid > maxInvalid) failures.push(`${plural(invalid, "invalid record")}, more than the ${maxInvalid} allowed`);
  const unreadable = source.unreadable + destination.unreadable;
  if (unreadable > 0) failures.push(`${plural(unreadable, "object")} could not be decoded`);
  return failures;
}

export function plural(n: number, noun: string): string {
  return `${n.toLocaleString("en-US")} ${noun}${n === 1 ? "" : "s"}`;
}

export interface WaitOptions {
  /** How long to keep polling (ms); 0 checks once. */
  readonly waitMs: number;
  /** Time between polls (ms). */
  readonly pollMs: number;
  /** Called after each poll; `final` on the last. */
  readonly onPoll?: (poll: { report: VerifyReport; polls: number; elapsedMs: number; final: boolean }) => void;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Both prefixes hold at least one valid record: the pipeline delivered end to end. */
export function delivered(report: VerifyReport): boolean {
  return report.source.valid > 0 && report.destination.valid > 0;
}

/** Checks, then polls until both prefixes hold valid records or `waitMs` has passed; returns the last report. */
export async function checkUntilDelivered(verifier: Verifier, options: WaitOptions): Promise<{ report: VerifyReport; polls: number; elapsedMs: number }> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const started = now();
  for (let polls = 1; ; polls++) {
    const report = await verifier.check();
    const elapsedMs = now() - started;
    const left = options.waitMs - elapsedMs;
    const final = delivered(report) || left <= 0;
    options.onPoll?.({ report, polls, elapsedMs, final });
    if (final) return { report, polls, elapsedMs };
    await sleep(Math.min(options.pollMs, left));
  }
}
