/**
 * Splits the bytes of a delivered S3 object into JSON records, as they arrive: Firehose writes
 * the records it received one after another, so an object is either one JSON object per line
 * (this project's generator ends each record with a newline) or objects with no delimiter at all,
 * `{...}{...}{...}` (the lab's original generator). Only the record being read is held in memory.
 *
 * The scanner follows JSON strings (with escaped quotes, braces and `\n` escapes inside them) and
 * nesting depth. A record never spans a line break, since JSON escapes every newline inside a
 * string and neither writer pretty-prints, so a line break ends an open record as broken. A broken
 * record (not JSON, not UTF-8, cut by a line break, cut by the end of the object, over the Firehose
 * size limit) is reported with its position, and scanning resumes at the next `{` inside it: a
 * record cut short by the next one, `{"Region":"EM{"Region":...}`, costs one error and the next
 * record is still read.
 *
 * With `oneRecordPerLine` (what the analytics accepts: it reads each line as one JSON object), a
 * record that shares its line with another record or with other text is reported as broken too,
 * each object of a `{...}{...}` line with its own position, named as that format.
 */
import { isUtf8 } from "node:buffer";
import { FIREHOSE_MAX_RECORD_BYTES } from "../aws/limits";

/** Firehose's limit on one record (1,000 KiB): no delivered record is longer, packed or not. */
export const MAX_RECORD_BYTES = FIREHOSE_MAX_RECORD_BYTES;

/** Where an item is in the decoded object: its ordinal (from 1), byte offset (from 0) and line (from 1). */
export interface RecordPosition {
  readonly index: number;
  readonly offset: number;
  readonly line: number;
}

export type SplitItem =
  | { readonly kind: "record"; readonly value: unknown; readonly position: RecordPosition }
  | { readonly kind: "broken"; readonly reason: string; readonly excerpt: string; readonly position: RecordPosition };

const LF = 0x0a;
const CR = 0x0d;
const TAB = 0x09;
const SPACE = 0x20;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const EXCERPT_CHARS = 60;
const ONE_PER_LINE = "the analytics reads exactly one JSON object per line";
const CONCATENATED = `one of several JSON objects on this line with no newline between them (the lab's {...}{...} format): ${ONE_PER_LINE}`;
const SHARED_LINE = `shares its line with text that is not part of it: ${ONE_PER_LINE}`;

interface Segment {
  readonly bytes: Buffer;
  /** Offset of bytes[0] in the decoded object. */
  readonly offset: number;
}

export class RecordSplitter {
  /** Bytes still to scan, last first: a broken record's inside is pushed on top of what follows it. */
  private readonly work: Segment[] = [];
  private received = 0;
  private line = 1;
  private index = 0;
  /** Nesting depth: 0 between records. */
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** The open record: earlier pieces, its start, and where it starts in the current segment. */
  private pieces: Buffer[] = [];
  private piecesLength = 0;
  private recordOffset = 0;
  private recordLine = 1;
  /** Text between records that is not whitespace, up to the next whitespace or '{'. */
  private stray: { offset: number; line: number; text: number[] } | undefined;
  /**
   * Broken items that start before this offset lie inside a broken record already reported: they
   * are artifacts of scanning its inside again, not further errors.
   */
  private reportedUpTo = 0;
  /** After a record over the size limit: quiet until a record parses or a line ends. */
  private recovering = false;

  /** With oneRecordPerLine: the current line's first record, held until the line proves to hold nothing else. */
  private held: { item: SplitItem & { kind: "record" }; raw: Buffer } | undefined;
  /** Line of the items counted below, and how many items and records it has held so far. */
  private gateLine = 0;
  private lineItems = 0;
  private lineRecords = 0;

  constructor(
    private readonly emit: (item: SplitItem) => void,
    private readonly options: { readonly oneRecordPerLine?: boolean } = {},
  ) {}

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.work.push({ bytes: Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength), offset: this.received });
    this.received += chunk.length;
    this.drain();
  }

  /** The object ended: a record still open is truncated. */
  end(): void {
    while (this.depth > 0) {
      this.breakRecord(Buffer.alloc(0), 0, 0, "the object ends inside this record (truncated)");
      this.drain();
    }
    this.endStray();
    this.releaseHeld();
  }

  private drain(): void {
    for (let segment = this.work.pop(); segment !== undefined; segment = this.work.pop()) {
      this.scan(segment.bytes, segment.offset);
    }
  }

  private scan(bytes: Buffer, base: number): void {
    let start = 0; // where the open record's bytes begin in this segment
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      if (this.depth === 0) {
        if (b === OPEN_BRACE) {
          this.endStray();
          this.depth = 1;
          this.inString = false;
          this.escaped = false;
          this.recordOffset = base + i;
          this.recordLine = this.line;
          start = i;
        } else if (b === LF || b === SPACE || b === TAB || b === CR) {
          this.endStray();
          if (b === LF) {
            this.line++;
            this.recovering = false;
          }
        } else {
          this.addStray(b, base + i);
        }
        continue;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (b === BACKSLASH) this.escaped = true;
        else if (b === QUOTE) this.inString = false;
        else if (b === LF) return this.breakRecord(bytes, start, i, "a line break inside a string: the record is cut short", base);
      } else if (b === QUOTE) {
        this.inString = true;
      } else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
        this.depth++;
      } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
        if (--this.depth === 0 && !this.closeRecord(bytes, start, i + 1, base)) return;
      } else if (b === LF) {
        return this.breakRecord(bytes, start, i, "not closed before the end of the line", base);
      }
    }
    if (this.depth > 0) {
      this.pieces.push(bytes.subarray(start));
      this.piecesLength += bytes.length - start;
      if (this.piecesLength > MAX_RECORD_BYTES) this.abandonRecord();
    }
  }

  /** Parses the record that ends at `end`; false when it was broken (scanning goes on from the work stack). */
  private closeRecord(bytes: Buffer, start: number, end: number, base: number): boolean {
    const record = this.takeRecord(bytes.subarray(start, end));
    if (record.length > MAX_RECORD_BYTES) {
      this.report(
        {
          kind: "broken",
          reason: `longer than ${MAX_RECORD_BYTES} bytes, the Firehose record limit`,
          excerpt: excerptOf(record),
          position: this.recordPosition(),
        },
        record.length,
      );
      return true;
    }
    const badByte = isUtf8(record) ? -1 : firstInvalidUtf8(record);
    if (badByte >= 0) {
      const position = this.recordPosition();
      const at = (position.offset + badByte).toLocaleString("en-US");
      const reason = `not valid UTF-8: byte 0x${record[badByte].toString(16).padStart(2, "0")} at byte ${at} of the object begins no UTF-8 character`;
      this.report({ kind: "broken", reason, excerpt: excerptOf(record), position }, record.length);
      return true;
    }
    try {
      const value: unknown = JSON.parse(record.toString("utf8"));
      this.report({ kind: "record", value, position: this.recordPosition() }, record.length, record);
      return true;
    } catch (error) {
      this.work.push({ bytes: bytes.subarray(end), offset: base + end });
      this.rescan(record, `not valid JSON: ${(error as Error).message}`);
      return false;
    }
  }

  /** Ends the open record as broken at `end` (exclusive); scanning resumes at `end` after its inside is rescanned. */
  private breakRecord(bytes: Buffer, start: number, end: number, reason: string, base = 0): void {
    const record = this.takeRecord(bytes.subarray(start, end));
    if (end < bytes.length) this.work.push({ bytes: bytes.subarray(end), offset: base + end });
    this.rescan(record, reason);
  }

  /**
   * A record over the size limit is reported and dropped; rescanning its inside could cost a scan
   * of up to the limit per '{' in it, so the scan goes on from here, quietly until it recovers.
   */
  private abandonRecord(): void {
    const record = this.takeRecord(Buffer.alloc(0));
    this.report(
      {
        kind: "broken",
        reason: `longer than ${MAX_RECORD_BYTES} bytes without closing (the Firehose record limit)`,
        excerpt: excerptOf(record),
        position: this.recordPosition(),
      },
      record.length,
    );
    this.recovering = true;
  }

  private rescan(record: Buffer, reason: string): void {
    const position = this.recordPosition();
    this.report({ kind: "broken", reason, excerpt: excerptOf(record), position }, record.length);
    const next = record.indexOf(OPEN_BRACE, 1);
    if (next > 0) this.work.push({ bytes: record.subarray(next), offset: position.offset + next });
  }

  /** The open record's bytes, with `last` appended; resets the scanner to "between records". */
  private takeRecord(last: Buffer): Buffer {
    const record = this.pieces.length === 0 ? last : Buffer.concat([...this.pieces, last]);
    this.pieces = [];
    this.piecesLength = 0;
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
    return record;
  }

  private recordPosition(): RecordPosition {
    return { index: this.index + 1, offset: this.recordOffset, line: this.recordLine };
  }

  private report(item: SplitItem, length: number, raw?: Buffer): void {
    if (item.kind === "broken") {
      const artifact = item.position.offset < this.reportedUpTo || this.recovering;
      this.reportedUpTo = Math.max(this.reportedUpTo, item.position.offset + length);
      if (artifact) return;
    } else {
      this.recovering = false;
    }
    this.index++;
    if (this.options.oneRecordPerLine) this.gate(item, raw);
    else this.emit(item);
  }

  /**
   * One JSON object per line: a line's first record waits until the line shows whether it holds
   * anything else; a record sharing its line is emitted as broken, as the analytics would refuse it.
   */
  private gate(item: SplitItem, raw: Buffer | undefined): void {
    if (item.position.line !== this.gateLine) {
      this.releaseHeld();
      this.gateLine = item.position.line;
      this.lineItems = 0;
      this.lineRecords = 0;
    }
    this.lineItems++;
    const isRecord = item.kind === "record";
    if (isRecord) this.lineRecords++;
    if (this.lineItems === 1) {
      if (item.kind === "record") this.held = { item, raw: raw! };
      else this.emit(item);
      return;
    }
    const reason = this.lineRecords > 1 ? CONCATENATED : SHARED_LINE;
    if (this.held !== undefined) {
      const { item: first, raw: firstRaw } = this.held;
      this.held = undefined;
      this.emit(refused(reason, firstRaw, first.position));
    }
    this.emit(item.kind === "record" ? refused(reason, raw!, item.position) : item);
  }

  /** The held record was alone on its line: it is a record. */
  private releaseHeld(): void {
    if (this.held === undefined) return;
    const { item } = this.held;
    this.held = undefined;
    this.emit(item);
  }

  private addStray(b: number, offset: number): void {
    this.stray ??= { offset, line: this.line, text: [] };
    if (this.stray.text.length < EXCERPT_CHARS) this.stray.text.push(b);
  }

  private endStray(): void {
    if (this.stray === undefined) return;
    const { offset, line, text } = this.stray;
    this.stray = undefined;
    const excerpt = excerptOf(Buffer.from(text));
    this.report(
      { kind: "broken", reason: "text between records that is not a JSON object", excerpt, position: { index: this.index + 1, offset, line } },
      text.length,
    );
  }
}

/**
 * A record refused for sharing its line. Its excerpt is made only when read: a `{...}{...}`
 * object refuses every record, and a report shows a few.
 */
function refused(reason: string, raw: Buffer, position: RecordPosition): SplitItem {
  return {
    kind: "broken",
    reason,
    get excerpt() {
      return excerptOf(raw);
    },
    position,
  };
}

/** The first characters of `bytes`, for a person; a byte that is not UTF-8 shows as \xNN, never as U+FFFD. */
function excerptOf(bytes: Buffer): string {
  let end = Math.min(bytes.length, EXCERPT_CHARS * 4);
  while (end < bytes.length && end > 0 && (bytes[end] & 0xc0) === 0x80) end--; // not inside a character
  const units: string[] = []; // characters, and \xNN for a byte that begins none
  for (let rest = bytes.subarray(0, end); rest.length > 0 && units.length <= EXCERPT_CHARS;) {
    const bad = firstInvalidUtf8(rest);
    units.push(...(bad < 0 ? rest : rest.subarray(0, bad)).toString("utf8"));
    if (bad < 0) break;
    units.push(`\\x${rest[bad].toString(16).padStart(2, "0")}`);
    rest = rest.subarray(bad + 1);
  }
  return units.length > EXCERPT_CHARS ? `${units.slice(0, EXCERPT_CHARS).join("")}…` : units.join("");
}

/**
 * Index of the first byte that does not begin a well-formed UTF-8 character (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF, no sequence cut by the end), or -1.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    // The sequence length and the range of its second byte (which rules out overlongs and surrogates).
    let length: number;
    let [low, high] = [0x80, 0xbf];
    if (b >= 0xc2 && b <= 0xdf) length = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      length = 3;
      if (b === 0xe0) low = 0xa0;
      if (b === 0xed) high = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      length = 4;
      if (b === 0xf0) low = 0x90;
      if (b === 0xf4) high = 0x8f;
    } else return i;
    if (i + length > bytes.length || bytes[i + 1] < low || bytes[i + 1] > high) return i;
    for (let k = 2; k < length; k++) if ((bytes[i + k] & 0xc0) !== 0x80) return i;
    i += length;
  }
  return -1;
}
