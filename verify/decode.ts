/**
 * Decompresses a delivered S3 object as it streams in, whatever compression its delivery stream
 * used (LAB_COMPRESSION: UNCOMPRESSED, GZIP, ZIP, Snappy, HADOOP_SNAPPY). The format is recognised
 * from the first bytes, not from the key or the settings, so an object written before a settings
 * change still reads:
 *
 * - gzip (1f 8b; several members in a row are read as one stream): node:zlib
 * - ZIP (PK\x03\x04, or PK\x05\x06 when empty; entries, data descriptors included, read in order as one stream): fflate
 * - Snappy framing format (ff 06 00 00 "sNaPpY", what Firehose calls Snappy; checksums verified): snappy
 * - Hadoop-Snappy (no magic bytes: a big-endian frame length, whose first byte is 0 for any frame
 *   under 16 MiB): the block framing here, each block decompressed by snappy
 * - anything that starts like text: JSON records as they are
 *
 * What cannot be decoded raises a DecodeError saying what and where: such an object is reported,
 * never counted as holding zero records.
 */
import { Duplex, Readable, pipeline } from "node:stream";
import { createGunzip } from "node:zlib";
import { Unzip, UnzipInflate } from "fflate";
import { Decompressor, uncompressSync } from "snappy";

export type Encoding = "json" | "gzip" | "zip" | "snappy" | "hadoop-snappy";

/** The object's bytes cannot be decoded: corrupt, truncated, or in no known format. */
export class DecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DecodeError";
  }
}

export interface DecodedObject {
  readonly encoding: Encoding;
  /** The decompressed bytes, in order. */
  readonly chunks: AsyncIterable<Buffer>;
}

const SNAPPY_STREAM_IDENTIFIER = Buffer.from([0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59]);
/** Enough bytes to tell every format apart. */
const SNIFF_BYTES = SNAPPY_STREAM_IDENTIFIER.length;
/** Hadoop's codec buffers at most a few MiB per frame; a larger length means this is not Hadoop-Snappy. */
const HADOOP_MAX_LENGTH = 256 * 1024 * 1024;

/** Reads the first bytes of `body`, recognises its format and returns its decompressed bytes. */
export async function decodeObject(body: AsyncIterable<Uint8Array>): Promise<DecodedObject> {
  const iterator = body[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let headLength = 0;
  let done = false;
  while (headLength < SNIFF_BYTES) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    head.push(Buffer.from(next.value));
    headLength += next.value.length;
  }
  const first = Buffer.concat(head);
  async function* all(): AsyncGenerator<Buffer> {
    if (first.length > 0) yield first;
    if (done) return;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield Buffer.from(next.value);
  }

  const encoding = recognise(first);
  switch (encoding) {
    case "json":
      return { encoding, chunks: all() };
    case "gzip":
      return { encoding, chunks: through(all(), createGunzip(), "gzip data is truncated or corrupt") };
    case "snappy":
      return { encoding, chunks: snappyFraming(all()) };
    case "zip":
      return { encoding, chunks: unzip(all()) };
    case "hadoop-snappy":
      return { encoding, chunks: hadoopSnappy(all()) };
    default:
      throw new DecodeError(
        `not JSON text, gzip, ZIP, Snappy or Hadoop-Snappy (first bytes: ${first.subarray(0, 8).toString("hex").replace(/(..)/g, "$1 ").trim()})`,
      );
  }
}

function recognise(first: Buffer): Encoding | undefined {
  if (first.length === 0) return "json";
  if (first[0] === 0x1f && first[1] === 0x8b) return "gzip";
  // A local file header, or the end record of an archive with no entry.
  if (first[0] === 0x50 && first[1] === 0x4b && ((first[2] === 3 && first[3] === 4) || (first[2] === 5 && first[3] === 6))) return "zip";
  if (first.subarray(0, SNAPPY_STREAM_IDENTIFIER.length).equals(SNAPPY_STREAM_IDENTIFIER)) return "snappy";
  if (first[0] === 0x00) return "hadoop-snappy";
  const startsLikeText = first[0] >= 0x20 || first[0] === 0x09 || first[0] === 0x0a || first[0] === 0x0d;
  return startsLikeText ? "json" : undefined;
}

/**
 * Pipes the bytes through a decompressing stream. Its own errors become DecodeErrors; an error
 * of the source (reading S3) passes through as it is.
 */
function through(source: AsyncIterable<Buffer>, decompressor: Duplex, problem: string): AsyncIterable<Buffer> {
  const input = Readable.from(source, { objectMode: false });
  let sourceFailed = false as boolean; // set by the error listener, where TypeScript does not follow it
  input.once("error", () => (sourceFailed = true));
  const output = pipeline(input, decompressor, () => undefined);
  return (async function* () {
    try {
      for await (const chunk of output) yield chunk as Buffer;
    } catch (error) {
      if (sourceFailed) throw error;
      throw new DecodeError(`${problem}: ${(error as Error).message}`);
    }
  })();
}

/**
 * The Snappy framing format, through snappy's incremental Decompressor (its Node stream wrapper
 * hangs when the source fails mid-way). An abandoned decompressor is finished to end its thread.
 */
async function* snappyFraming(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const decompressor = new Decompressor();
  let finished = false;
  const problem = (error: unknown) => new DecodeError(`Snappy stream is truncated or corrupt: ${(error as Error).message}`);
  try {
    for await (const chunk of source) {
      let out: Buffer;
      try {
        out = decompressor.update(chunk);
      } catch (error) {
        throw problem(error);
      }
      if (out.length > 0) yield out;
    }
    finished = true;
    const tail = await decompressor.finish().catch((error: unknown) => Promise.reject(problem(error)));
    if (tail.length > 0) yield tail;
  } finally {
    if (!finished) await decompressor.finish().catch(() => undefined);
  }
}

/** The entries of a ZIP archive, decompressed one after another. */
async function* unzip(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const out: Buffer[] = [];
  let entries = 0;
  let open: string | undefined;
  let failure: Error | undefined;
  const unzipper = new Unzip((file) => {
    entries++;
    open = file.name;
    file.ondata = (error, data, final) => {
      if (error) failure ??= error;
      else if (data.length > 0) out.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
      if (final) open = undefined;
    };
    file.start();
  });
  unzipper.register(UnzipInflate);
  const push = (chunk: Uint8Array, final: boolean) => {
    try {
      unzipper.push(chunk, final);
    } catch (error) {
      failure ??= error as Error;
    }
    if (failure) throw new DecodeError(`ZIP data is truncated or corrupt: ${failure.message}`);
  };
  for await (const chunk of source) {
    push(chunk, false);
    yield* out.splice(0);
  }
  push(new Uint8Array(0), true);
  yield* out.splice(0);
  if (open !== undefined) throw new DecodeError(`ZIP data is truncated: entry "${open}" ends early`);
  if (entries === 0) throw new DecodeError("ZIP archive holds no entry");
}

/**
 * Hadoop-Snappy (what Hadoop's SnappyCodec writes): frames of [4-byte big-endian uncompressed
 * length][blocks], each block [4-byte big-endian compressed length][raw Snappy], until the blocks
 * add up to the frame's length.
 */
async function* hadoopSnappy(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const reader = new ByteReader(source);
  for (let frame = await reader.read(4); frame !== undefined; frame = await reader.read(4)) {
    let remaining = frame.readUInt32BE(0);
    if (remaining > HADOOP_MAX_LENGTH)
      throw new DecodeError(`Hadoop-Snappy frame at byte ${reader.position - 4} is too long (${remaining} bytes): corrupt, or not Hadoop-Snappy`);
    while (remaining > 0) {
      const at = reader.position;
      const header = await reader.read(4);
      const length = header?.readUInt32BE(0);
      if (length === undefined || length > HADOOP_MAX_LENGTH) throw new DecodeError(`Hadoop-Snappy data is truncated or corrupt at byte ${at}`);
      const block = await reader.read(length);
      if (block === undefined) throw new DecodeError(`Hadoop-Snappy data is truncated: block at byte ${at} ends early`);
      let data: Buffer;
      try {
        data = uncompressSync(block, { asBuffer: true }) as Buffer;
      } catch (error) {
        throw new DecodeError(`Hadoop-Snappy block at byte ${at} is corrupt: ${(error as Error).message}`);
      }
      if (data.length > remaining) throw new DecodeError(`Hadoop-Snappy block at byte ${at} is longer than its frame: corrupt`);
      remaining -= data.length;
      yield data;
    }
  }
}

/** Reads exact byte counts from a stream of chunks. */
class ByteReader {
  private readonly iterator: AsyncIterator<Buffer>;
  private buffered: Buffer[] = [];
  private bufferedLength = 0;
  private ended = false;
  position = 0;

  constructor(source: AsyncIterable<Buffer>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  /** The next `n` bytes; undefined at a clean end (no byte left); a DecodeError when the end cuts them. */
  async read(n: number): Promise<Buffer | undefined> {
    while (this.bufferedLength < n && !this.ended) {
      const next = await this.iterator.next();
      if (next.done) this.ended = true;
      else {
        this.buffered.push(next.value);
        this.bufferedLength += next.value.length;
      }
    }
    if (this.bufferedLength < n) {
      if (this.bufferedLength === 0) return undefined;
      throw new DecodeError(`Hadoop-Snappy data is truncated at byte ${this.position + this.bufferedLength}`);
    }
    const all = this.buffered.length === 1 ? this.buffered[0] : Buffer.concat(this.buffered);
    this.buffered = all.length > n ? [all.subarray(n)] : [];
    this.bufferedLength = all.length - n;
    this.position += n;
    return all.subarray(0, n);
  }
}
