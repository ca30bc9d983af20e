import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { zipSync } from "fflate";
import { DecodeError, decodeObject, Encoding } from "../verify/decode";

// The compressed fixtures were written by other implementations (python3-snappy over libsnappy,
// Info-ZIP): see fixtures/verify/make-fixtures.py.
const FIXTURES = join(__dirname, "fixtures", "verify");
const fixture = (name: string) => readFileSync(join(FIXTURES, name));
const RECORDS = fixture("records.jsonl");

async function* chunksOf(bytes: Buffer, size: number, failAfter?: Error): AsyncGenerator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
  if (failAfter) throw failAfter;
}

async function decodeAll(bytes: Buffer, size = 7, failAfter?: Error): Promise<{ encoding: Encoding; text: string }> {
  const decoded = await decodeObject(chunksOf(bytes, size, failAfter));
  const out: Buffer[] = [];
  for await (const chunk of decoded.chunks) out.push(chunk);
  return { encoding: decoded.encoding, text: Buffer.concat(out).toString("utf8") };
}

const corrupt = (bytes: Buffer, at: number) => {
  const copy = Buffer.from(bytes);
  copy[at] ^= 0xff;
  return copy;
};

describe("decodeObject", () => {
  it.each<[string, Encoding, Buffer]>([
    ["JSON text as it is", "json", RECORDS],
    ["gzip, two members in a row", "gzip", Buffer.concat([gzipSync(RECORDS.subarray(0, 5000)), gzipSync(RECORDS.subarray(5000))])],
    ["ZIP from a streaming writer (Info-ZIP to a pipe: data descriptor, Zip64)", "zip", fixture("records.zip")],
    ["ZIP with two entries, read in order", "zip", Buffer.from(zipSync({ a: RECORDS.subarray(0, 5000), b: RECORDS.subarray(5000) }))],
    ["Snappy framing format (Firehose's Snappy)", "snappy", fixture("records.snappy")],
    ["Hadoop-Snappy (Firehose's HADOOP_SNAPPY)", "hadoop-snappy", fixture("records.hsnappy")],
  ])("reads %s, recognised from its first bytes", async (_name, encoding, bytes) => {
    for (const size of [7, 64 * 1024]) expect(await decodeAll(bytes, size)).toEqual({ encoding, text: RECORDS.toString("utf8") });
  });

  it("reads an empty object as no bytes", async () => {
    expect(await decodeAll(Buffer.alloc(0))).toEqual({ encoding: "json", text: "" });
  });

  it.each<[string, Buffer, RegExp]>([
    ["truncated gzip", gzipSync(RECORDS).subarray(0, 2000), /^gzip data is truncated or corrupt: unexpected end of file$/],
    ["corrupt gzip", corrupt(gzipSync(RECORDS), 500), /^gzip data is truncated or corrupt: /],
    ["truncated ZIP", fixture("records.zip").subarray(0, 1200), /^ZIP data is truncated/],
    ["truncated Snappy", fixture("records.snappy").subarray(0, 3000), /^Snappy stream is truncated or corrupt: /],
    ["Snappy with a bad checksum", corrupt(fixture("records.snappy"), 200), /^Snappy stream is truncated or corrupt: .*checksum/],
    ["truncated Hadoop-Snappy", fixture("records.hsnappy").subarray(0, 3000), /^Hadoop-Snappy data is truncated/],
    ["corrupt Hadoop-Snappy block", corrupt(fixture("records.hsnappy"), 8), /^Hadoop-Snappy block at byte 4 is corrupt: /],
    [
      "bytes in no known format",
      Buffer.from([0x01, 0x02, 0x03, 0x04, 0xff]),
      /^not JSON text, gzip, ZIP, Snappy or Hadoop-Snappy \(first bytes: 01 02 03 04 ff\)$/,
    ],
  ])("refuses %s with a DecodeError that says what is wrong", async (_name, bytes, message) => {
    const failure = await decodeAll(bytes).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(DecodeError);
    expect((failure as Error).message).toMatch(message);
  });

  it("passes an error of the download itself through as it is, not as a decoding problem", async () => {
    const network = new Error("socket hang up");
    for (const bytes of [RECORDS, gzipSync(RECORDS), fixture("records.snappy"), fixture("records.zip"), fixture("records.hsnappy")]) {
      await expect(decodeAll(bytes, 1000, network)).rejects.toBe(network);
    }
  });

  it("fails a ZIP archive with no entry: Firehose never writes one", async () => {
    await expect(decodeAll(Buffer.from(zipSync({})))).rejects.toThrow(new DecodeError("ZIP archive holds no entry"));
  });
});
