/**
 * The completeness match on its own (no S3): source records and destination rows as fingerprints,
 * against a direct simulation that pairs rows with records one at a time.
 */
import fc from "fast-check";
import type { ObjectCheck } from "../verify/object-check";
import type { ObjectSummary } from "../verify/s3";
import { matchRecords } from "../verify/verifier";

/** One object per list of fingerprints, as the verifier's checks hold them. */
function objects(prefix: string, lists: string[][], checks: Map<string, ObjectCheck>): ObjectSummary[] {
  return lists.map((prints, i) => {
    const key = `${prefix}${i}`;
    const fingerprints = new Map<string, { count: number; first: { index: number; line: number; offset: number } }>();
    prints.forEach((print, at) => {
      const seen = fingerprints.get(print);
      if (seen) seen.count++;
      else fingerprints.set(print, { count: 1, first: { index: at + 1, line: at + 1, offset: at * 10 } });
    });
    checks.set(key, { key, encoding: "json", records: prints.length, valid: prints.length, invalid: 0, problems: [], unreadable: undefined, fingerprints });
    return { key, size: 0, lastModified: new Date(0), etag: key };
  });
}

describe("matchRecords", () => {
  it("pairs each row with at most one record, old-enough records first, and counts what is left (property)", () => {
    const values = fc.array(fc.array(fc.constantFrom("a", "b", "c", "d", "e"), { maxLength: 6 }), { maxLength: 3 });
    fc.assert(
      fc.property(values, values, values, values, (old, young, earlier, rows) => {
        const checks = new Map<string, ObjectCheck>();
        const match = matchRecords(
          { old: objects("old/", old, checks), young: objects("young/", young, checks), earlier: objects("earlier/", earlier, checks) },
          objects("rows/", rows, checks),
          checks,
          100,
        );
        // The simulation: each row takes an old record of its values if one is left, else any other record.
        const oldLeft = old.flat();
        const othersLeft = [...young.flat(), ...earlier.flat()];
        let found = 0;
        let strangers = 0;
        for (const row of rows.flat()) {
          const i = oldLeft.indexOf(row);
          if (i >= 0) {
            oldLeft.splice(i, 1);
            found++;
          } else if (othersLeft.includes(row)) othersLeft.splice(othersLeft.indexOf(row), 1);
          else strangers++;
        }
        expect(match).toMatchObject({ expected: old.flat().length, found, matchingNoSource: strangers, matchingSource: rows.flat().length - strangers });
        // Each set of equal values without its rows is listed once.
        expect(match.missing.map((m) => m.values)).toEqual([...new Set(oldLeft)].sort((x, y) => old.flat().indexOf(x) - old.flat().indexOf(y)));
      }),
      { numRuns: 500 },
    );
  });
});
