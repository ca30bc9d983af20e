/**
 * The packing rule (micro-batch/pack-records.ts): for any records and any pack size, the
 * Firehose records hold the records whole, in order, each within packBytes unless it is one record
 * longer than that. The generator's Python copy of the rule has the same property in
 * __tests__/python/test_properties.py.
 */
import fc from "fast-check";
import { packRecords } from "../micro-batch/pack-records";
import { FIREHOSE_MAX_RECORD_BYTES } from "../aws/limits";

const line = (text: string) => Buffer.from(`${text}\n`);

describe("packRecords", () => {
  it("joins records while they fit, opens the next record when one does not, and sends a longer one alone", () => {
    const records = [line("a".repeat(40)), line("b".repeat(40)), line("c".repeat(40)), line("d".repeat(150)), line("e".repeat(60)), line("f".repeat(60))];
    expect(packRecords(records, 100).map((r) => r.byteLength)).toEqual([82, 41, 151, 61, 61]);
    expect(packRecords(records, 82).map((r) => r.byteLength)).toEqual([82, 41, 151, 61, 61]); // exactly full still fits
    expect(packRecords(records, 81).map((r) => r.byteLength)).toEqual([41, 41, 41, 151, 61, 61]);
  });

  it("sends each record alone with packBytes 0, and nothing for no records", () => {
    const records = [line("x"), line("y")];
    expect(packRecords(records, 0)).toEqual(records);
    expect(packRecords([], 5000)).toEqual([]);
  });

  it("keeps records whole, in order, within the pack size (property)", () => {
    const record = fc.uint8Array({ maxLength: 3000 }).map((bytes) => Buffer.concat([Buffer.from(bytes.filter((b) => b !== 0x0a)), Buffer.from("\n")]));
    fc.assert(
      fc.property(
        fc.array(record, { maxLength: 80 }),
        fc.oneof(fc.integer({ min: 0, max: 6000 }), fc.constant(FIREHOSE_MAX_RECORD_BYTES)),
        (records, packBytes) => {
          const packs = packRecords(records, packBytes);
          expect(Buffer.concat(packs)).toEqual(Buffer.concat(records));
          const ends = new Set<number>();
          let offset = 0;
          for (const r of records) ends.add((offset += r.byteLength));
          offset = 0;
          for (const pack of packs) {
            expect(ends.has((offset += pack.byteLength))).toBe(true); // a Firehose record ends where a record ends
            const lines = Buffer.from(pack).toString("latin1").split("\n").length - 1;
            expect(pack.byteLength <= packBytes || lines === 1).toBe(true); // only a longer record goes alone
            expect(lines).toBeGreaterThan(0);
          }
          // As few as the rule gives: no two neighbours would have fit together.
          for (let i = 1; i < packs.length; i++) expect(packs[i - 1].byteLength + firstRecord(packs[i]).byteLength).toBeGreaterThan(packBytes);
        },
      ),
      { numRuns: 300 },
    );
  });
});

function firstRecord(pack: Uint8Array): Uint8Array {
  return pack.subarray(0, pack.indexOf(0x0a) + 1);
}
