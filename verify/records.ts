/**
 * Splits the bytes of a delivered S3 object into JSON records, as they arrive: Firehose writes
 * the records it received one after another, so an object is either one JSON object per line
 * (this project's generator ends each record with a newline) or objects with no delimiter at all,
 * `{...}{...}{...}` (the lab's original generator). Only the record being read is held in memory.
 *
 * The scanner follows JSON strings (with escaped quotes, braces and `\n` escapes inside them) and
 * nesting depth. A record never spans a line break, since JSON escapes every newline inside a
 * string and neither writer pretty-prints, so a line break ends an open record as broken. A broken
 * record (not JSON, cut by a line break, cut by the end of the object, over the Firehose size limit)
 * is reported with its position, and scanning resumes at the next `{` inside it: a record cut short
 * by the next one, `{"Region":"EM{"Region":...}`, costs one error and the next record still counts.
 */

/** Firehose's limit on one record (1,000 KiB): no delivered record is longer. */
export const MAX_RECORD_BYTES = 1_000 * 1024;

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

  constructor(private readonly emit: (item: SplitItem) => void) {}

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
      this.report({ kind: "broken", reason: `longer than ${MAX_RECORD_BYTES} bytes, the Firehose record limit`, excerpt: excerptOf(record), position: this.recordPosition() }, record.length);
      return true;
    }
    try {
      const value: unknown = JSON.parse(record.toString("utf8"));
      this.report({ kind: "record", value, position: this.recordPosition() }, record.length);
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
    this.report({ kind: "broken", reason: `longer than ${MAX_RECORD_BYTES} bytes without closing (the Firehose record limit)`, excerpt: excerptOf(record), position: this.recordPosition() }, record.length);
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

  private report(item: SplitItem, length: number): void {
    if (item.kind === "broken") {
      const artifact = item.position.offset < this.reportedUpTo || this.recovering;
      this.reportedUpTo = Math.max(this.reportedUpTo, item.position.offset + length);
      if (artifact) return;
    } else {
      this.recovering = false;
    }
    this.index++;
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
    this.report({ kind: "broken", reason: "text between records that is not a JSON object", excerpt, position: { index: this.index + 1, offset, line } }, text.length);
  }
}

function excerptOf(bytes: Buffer): string {
  const text = bytes.subarray(0, EXCERPT_CHARS * 4).toString("utf8");
  return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text;
}
