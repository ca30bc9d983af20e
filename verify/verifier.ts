/**
 * Proves a deployed pipeline works from what lands in its bucket: lists the objects under the
 * source and destination prefixes, reads them (a bounded number at a time), validates every
 * record, and checks that every source record old enough to have been processed has its
 * destination row.
 *
 * "Old enough": its object's LastModified lies at least the processing allowance before the check.
 * The allowance is the time the pipeline may take from a source object landing to its rows landing
 * under the destination prefix: by default the analytics' time (the function's timeout, one
 * object) plus the Destination stream's buffer interval (processingAllowanceMs in ./allowance.ts).
 *
 * A Verifier remembers the objects it has read (by key and ETag), so polling while waiting for
 * deliveries reads each object once.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import type { Encoding } from "./decode";
import { formatDuration } from "./duration";
import { checkObject, ObjectCheck, RecordProblem, Role } from "./object-check";
import { overlappingPrefixesProblem } from "./prefixes";
import { plural } from "../text/plural";
import { listObjects, objectBytes, ObjectSummary } from "./s3";

export interface VerifyOptions {
  readonly client: S3Client;
  readonly bucket: string;
  readonly sourcePrefix: string;
  readonly destinationPrefix: string;
  /** Only objects modified at most this long before the check (ms); undefined: every object. */
  readonly sinceMs?: number;
  /**
   * How long the pipeline may take to turn a source object into destination rows (ms): records in
   * source objects at least this old must each have their destination row. See processingAllowanceMs.
   */
  readonly processingAllowanceMs: number;
  /** Invalid records allowed before the check fails. @default 0 */
  readonly maxInvalid?: number;
  /** Source records old enough but without their destination row allowed before the check fails. @default 0 */
  readonly maxMissing?: number;
  /** Objects downloaded at the same time. @default 8 */
  readonly concurrency?: number;
  /** Keys per list request (S3 returns at most 1,000). @default 1000 */
  readonly pageSize?: number;
  /** Problems kept per list for the report. @default 5 */
  readonly problemsShown?: number;
  /** The clock (ms since the epoch). @default Date.now */
  readonly now?: () => number;
  /** Called after each object is read. */
  readonly onProgress?: (progress: CheckProgress) => void;
}

interface CheckProgress {
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
  readonly processingAllowanceMs: number;
  readonly maxInvalid: number;
  readonly maxMissing: number;
  readonly source: PrefixReport & {
    /** Valid records in objects at least the processing allowance old: each must have its destination row. */
    readonly expectedAtDestination: number;
    /** Of those, how many have a destination row with the same eleven values (each row used once). */
    readonly foundAtDestination: number;
    readonly missingAtDestination: number;
    /** The first few records without their row, newest object first. */
    readonly missing: readonly RecordProblem[];
  };
  readonly destination: PrefixReport & {
    /** Valid destination rows with a source record of the same eleven values (each record used once). */
    readonly matchingSource: number;
    /** Valid destination rows that no source record accounts for. */
    readonly matchingNoSource: number;
    /** The first few of those, newest object first. */
    readonly unmatched: readonly RecordProblem[];
  };
  /**
   * Every source record old enough has its destination row (at most maxMissing without), both
   * prefixes hold a valid record, at least one source record is old enough to be judged, no
   * object is unreadable, and invalid records ≤ maxInvalid.
   */
  readonly passed: boolean;
  /** Why it did not pass, one line each. */
  readonly failures: readonly string[];
  /** Not passed, but only for want of deliveries still to come (a prefix empty, no record old enough yet): waiting may help. */
  readonly pending: boolean;
  /** How long the check took. */
  readonly elapsedMs: number;
}

interface Target {
  readonly role: Role;
  readonly object: ObjectSummary;
}

export class Verifier {
  private readonly read = new Map<string, { etag: string; check: ObjectCheck }>();

  constructor(readonly options: VerifyOptions) {
    const overlap = overlappingPrefixesProblem(
      { name: "sourcePrefix", prefix: options.sourcePrefix },
      { name: "destinationPrefix", prefix: options.destinationPrefix },
    );
    if (overlap !== undefined) throw new RangeError(overlap);
    if (!(options.processingAllowanceMs >= 0)) throw new RangeError(`processingAllowanceMs = ${options.processingAllowanceMs}: it must be 0 or more`);
  }

  async check(): Promise<VerifyReport> {
    const { client, bucket, sourcePrefix, destinationPrefix, sinceMs, processingAllowanceMs: allowance, pageSize } = this.options;
    const now = this.options.now ?? Date.now;
    const started = now();
    const windowStart = sinceMs === undefined ? undefined : started - sinceMs;
    // Source objects up to one allowance before the window too: a destination row near the
    // window's start may come from one of them. They explain rows; they are not judged.
    const listed = await Promise.allSettled([
      listObjects(client, bucket, sourcePrefix, { modifiedSince: windowStart === undefined ? undefined : new Date(windowStart - allowance), pageSize }),
      listObjects(client, bucket, destinationPrefix, { modifiedSince: windowStart === undefined ? undefined : new Date(windowStart), pageSize }),
    ]);
    // When both fail, report the source's error: the same one every time.
    const [listedSources, destinations] = listed.map((result) => {
      if (result.status === "rejected") throw result.reason;
      return result.value;
    });
    const inWindow = (o: ObjectSummary) => windowStart === undefined || o.lastModified.getTime() >= windowStart;
    const sources = listedSources.filter(inWindow);
    const earlierSources = listedSources.filter((o) => !inWindow(o));
    const targets: Target[] = [
      ...listedSources.map((object) => ({ role: "source" as const, object })),
      ...destinations.map((object) => ({ role: "destination" as const, object })),
    ];
    const checks = await this.readAll(targets);

    const source = summarise(sourcePrefix, sources, checks, started, this.problemsShown);
    const destination = summarise(destinationPrefix, destinations, checks, started, this.problemsShown);
    const oldEnough = (o: ObjectSummary) => started - o.lastModified.getTime() >= allowance;
    const match = matchRecords(
      { old: sources.filter(oldEnough), young: sources.filter((o) => !oldEnough(o)), earlier: earlierSources },
      destinations,
      checks,
      this.problemsShown,
    );
    const limits = { maxInvalid: this.options.maxInvalid ?? 0, maxMissing: this.options.maxMissing ?? 0 };
    const failures = judge(source, destination, match, limits, sinceMs, allowance);
    return {
      bucket,
      checkedAt: new Date(started).toISOString(),
      sinceMs: sinceMs ?? null,
      processingAllowanceMs: allowance,
      ...limits,
      source: {
        ...source,
        expectedAtDestination: match.expected,
        foundAtDestination: match.found,
        missingAtDestination: match.expected - match.found,
        missing: match.missing,
      },
      destination: { ...destination, matchingSource: match.matchingSource, matchingNoSource: match.matchingNoSource, unmatched: match.unmatched },
      passed: failures.length === 0,
      failures: failures.map((f) => f.text),
      pending: failures.length > 0 && failures.every((f) => f.pending),
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

export interface Match {
  readonly expected: number;
  readonly found: number;
  readonly missing: RecordProblem[];
  readonly matchingSource: number;
  readonly matchingNoSource: number;
  readonly unmatched: RecordProblem[];
}

/** At most this many characters of a record's values in a report. */
const VALUES_SHOWN = 120;
const valuesOf = (print: string) => (print.length > VALUES_SHOWN ? `${print.slice(0, VALUES_SHOWN)}…` : print);

/**
 * Pairs records by fingerprint, each source record with at most one destination row. Rows go to
 * old-enough source records first (those must have one); the rest may belong to younger source
 * records, or to records delivered just before the window.
 */
export function matchRecords(
  sources: { readonly old: readonly ObjectSummary[]; readonly young: readonly ObjectSummary[]; readonly earlier: readonly ObjectSummary[] },
  destinations: readonly ObjectSummary[],
  checks: Map<string, ObjectCheck>,
  shown: number,
): Match {
  const tally = (objects: readonly ObjectSummary[]) => {
    const counts = new Map<string, number>();
    for (const object of objects) for (const [print, { count }] of checks.get(object.key)!.fingerprints) counts.set(print, (counts.get(print) ?? 0) + count);
    return counts;
  };
  const old = tally(sources.old);
  const others = tally([...sources.young, ...sources.earlier]);
  const rows = tally(destinations);
  const foundFor = (print: string) => Math.min(old.get(print) ?? 0, rows.get(print) ?? 0);
  const sourceRecords = (print: string) => (old.get(print) ?? 0) + (others.get(print) ?? 0);

  let expected = 0;
  let found = 0;
  for (const [print, n] of old) {
    expected += n;
    found += foundFor(print);
  }
  let matchingSource = 0;
  let matchingNoSource = 0;
  for (const [print, n] of rows) {
    const accounted = Math.min(n, sourceRecords(print));
    matchingSource += accounted;
    matchingNoSource += n - accounted;
  }

  // The first few of each, newest object first, each set of equal values once.
  const missing: RecordProblem[] = [];
  const listed = new Set<string>();
  for (const object of sources.old) {
    if (missing.length >= shown) break;
    const check = checks.get(object.key)!;
    for (const [print, { first }] of check.fingerprints) {
      if (missing.length >= shown) break;
      const records = old.get(print)!;
      const rowsFound = foundFor(print);
      if (rowsFound === records || listed.has(print)) continue;
      listed.add(print);
      const how =
        records === 1
          ? "no destination row holds this record's values"
          : `${plural(records, "record")} hold these values and ${plural(rowsFound, "destination row")}`;
      // The function sends nothing for an object with a record it refuses.
      const why = check.invalid > 0 ? `; its object holds ${plural(check.invalid, "invalid record")}, and the analytics sends no row of such an object` : "";
      missing.push({ key: object.key, record: first.index, line: first.line, offset: first.offset, problem: `${how}${why}`, values: valuesOf(print) });
    }
  }
  const unmatched: RecordProblem[] = [];
  listed.clear();
  for (const object of destinations) {
    if (unmatched.length >= shown) break;
    for (const [print, { first }] of checks.get(object.key)!.fingerprints) {
      if (unmatched.length >= shown) break;
      const n = rows.get(print)!;
      const records = sourceRecords(print);
      if (n <= records || listed.has(print)) continue;
      listed.add(print);
      const how =
        records === 0
          ? "no source record holds these values"
          : `${plural(n, "row")} hold these values and ${plural(records, "source record")}: a row sent again? (delivery is at least once)`;
      unmatched.push({ key: object.key, record: first.index, line: first.line, offset: first.offset, problem: how, values: valuesOf(print) });
    }
  }
  return { expected, found, missing, matchingSource, matchingNoSource, unmatched };
}

interface Failure {
  readonly text: string;
  /** Deliveries still to come may remove it. */
  readonly pending: boolean;
}

function judge(
  source: PrefixReport,
  destination: PrefixReport,
  match: Match,
  limits: { readonly maxInvalid: number; readonly maxMissing: number },
  sinceMs: number | undefined,
  allowanceMs: number,
): Failure[] {
  const failures: Failure[] = [];
  const window = sinceMs === undefined ? "" : ` modified in the last ${formatDuration(sinceMs)}`;
  for (const prefix of [source, destination]) {
    if (prefix.objects === 0) failures.push({ text: `${prefix.prefix} holds no object${window}`, pending: true });
    else if (prefix.valid === 0)
      failures.push({ text: `${prefix.prefix} holds no valid record in ${plural(prefix.objects, "object")}${window}`, pending: true });
  }
  const older = `older than the processing allowance (${formatDuration(allowanceMs)})`;
  if (source.valid > 0 && match.expected === 0) failures.push({ text: `no valid source record is ${older} yet, so none can be judged`, pending: true });
  const missing = match.expected - match.found;
  if (missing > limits.maxMissing) {
    failures.push({
      text: `${missing.toLocaleString("en-US")} of ${plural(match.expected, "source record")} ${older} have no destination row, more than the ${limits.maxMissing} allowed`,
      pending: false,
    });
  }
  const invalid = source.invalid + destination.invalid;
  if (invalid > limits.maxInvalid) failures.push({ text: `${plural(invalid, "invalid record")}, more than the ${limits.maxInvalid} allowed`, pending: false });
  const unreadable = source.unreadable + destination.unreadable;
  if (unreadable > 0) failures.push({ text: `${plural(unreadable, "object")} could not be decoded`, pending: false });
  return failures;
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

/** Checks, then polls while the check fails only for want of deliveries still to come, up to `waitMs`; returns the last report. */
export async function checkUntilSettled(verifier: Verifier, options: WaitOptions): Promise<{ report: VerifyReport; polls: number; elapsedMs: number }> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const started = now();
  for (let polls = 1; ; polls++) {
    const report = await verifier.check();
    const elapsedMs = now() - started;
    const left = options.waitMs - elapsedMs;
    const final = !report.pending || left <= 0;
    options.onPoll?.({ report, polls, elapsedMs, final });
    if (final) return { report, polls, elapsedMs };
    await sleep(Math.min(options.pollMs, left));
  }
}
