/**
 * Checks one delivered object: decompress, split into records, validate each record against its
 * JSON Schema, and remember the valid records' fingerprints for the source/destination match.
 *
 * A source object is read as the analytics reads it, one JSON object per line: the lab's
 * `{...}{...}` records are invalid there. A destination object may hold either layout (the
 * function writes lines; the lab's SQL application wrote objects back to back).
 */
import { SOURCE_SCHEMA } from "../schemas/loss-event";
import { describeErrors, validateDestinationRecord, validateSourceRecord } from "../schemas/validate";
import { DecodeError, decodeObject, Encoding } from "./decode";
import { RecordPosition, RecordSplitter } from "./records";

/** Which stream delivered the object: raw records (source) or the analytics output (destination). */
export type Role = "source" | "destination";

export interface RecordProblem {
  readonly key: string;
  /** Ordinal of the record in the object (from 1), its line (from 1) and byte offset (from 0) once decompressed. */
  readonly record: number;
  readonly line: number;
  readonly offset: number;
  readonly problem: string;
  /** The record's first characters, when it is not JSON. */
  readonly excerpt?: string;
  /** The record's values in the source schema's order (JSON), when it is reported for want of its counterpart. */
  readonly values?: string;
}

export interface ObjectCheck {
  readonly key: string;
  readonly encoding: Encoding | undefined;
  readonly records: number;
  readonly valid: number;
  readonly invalid: number;
  /** The first few problems, in the object's order. */
  readonly problems: readonly RecordProblem[];
  /** Why the object could not be decoded (records read before the failure still count). */
  readonly unreadable: string | undefined;
  /** Fingerprints of the valid records, in the object's order: how often each occurs, and where first. */
  readonly fingerprints: ReadonlyMap<string, Occurrences>;
}

interface Occurrences {
  readonly count: number;
  readonly first: RecordPosition;
}

const FIELDS = Object.keys(SOURCE_SCHEMA.properties);

/**
 * A record's eleven values in the source schema's order. The analytics output names the same
 * columns in upper case (the SQL leaves them unquoted), so a destination record whose values all
 * equal a source record's has the same fingerprint. Numbers compare as numbers (296555.0 = 296555).
 */
export function fingerprint(record: Record<string, unknown>, role: Role): string {
  return JSON.stringify(FIELDS.map((field) => record[role === "source" ? field : field.toUpperCase()]));
}

export async function checkObject(body: AsyncIterable<Uint8Array>, role: Role, key: string, maxProblems = 5): Promise<ObjectCheck> {
  const validate = role === "source" ? validateSourceRecord : validateDestinationRecord;
  const problems: RecordProblem[] = [];
  const fingerprints = new Map<string, { count: number; first: RecordPosition }>();
  let records = 0;
  let valid = 0;
  let encoding: Encoding | undefined;
  let unreadable: string | undefined;

  const splitter = new RecordSplitter(
    (item) => {
      records++;
      if (item.kind === "record" && validate(item.value)) {
        valid++;
        const print = fingerprint(item.value as Record<string, unknown>, role);
        const seen = fingerprints.get(print);
        if (seen) seen.count++;
        else fingerprints.set(print, { count: 1, first: item.position });
        return;
      }
      if (problems.length >= maxProblems) return;
      const { index: record, line, offset } = item.position;
      problems.push(
        item.kind === "broken"
          ? { key, record, line, offset, problem: item.reason, excerpt: item.excerpt }
          : { key, record, line, offset, problem: describeErrors(validate.errors).join("; ") },
      );
    },
    { oneRecordPerLine: role === "source" },
  );

  try {
    const decoded = await decodeObject(body);
    encoding = decoded.encoding;
    for await (const chunk of decoded.chunks) splitter.push(chunk);
    splitter.end();
  } catch (error) {
    if (!(error instanceof DecodeError)) throw error;
    unreadable = error.message;
  }
  return { key, encoding, records, valid, invalid: records - valid, problems, unreadable, fingerprints };
}
