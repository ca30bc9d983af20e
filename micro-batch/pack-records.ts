/**
 * Packing: newline-delimited records joined into Firehose records of up to `packBytes` bytes.
 * Firehose writes the data of its records one after the other into S3, so the objects hold the
 * same bytes packed or not, while each Firehose record is billed (in 5 KB units) and counted
 * against the stream's records per second once. The rule: a record joins the open Firehose record
 * while the two fit in packBytes, else it opens the next one; so a record longer than packBytes
 * goes alone and packBytes 0 sends each record alone. generator/generator.py applies the same rule
 * in Python (another runtime, on the instance), closing the open record whenever it sends a batch.
 */

/**
 * Splits records, in order, into runs of at most `maxRecords` records and `maxBytes` bytes; a record
 * longer than maxBytes makes a run of its own. Packing and PutRecordBatch's batches both cut so.
 */
export function runsWithin(records: readonly Uint8Array[], maxRecords: number, maxBytes: number): Uint8Array[][] {
  const runs: Uint8Array[][] = [];
  let open: Uint8Array[] = [];
  let bytes = 0;
  for (const record of records) {
    if (open.length > 0 && (open.length === maxRecords || bytes + record.byteLength > maxBytes)) {
      runs.push(open);
      open = [];
      bytes = 0;
    }
    open.push(record);
    bytes += record.byteLength;
  }
  if (open.length > 0) runs.push(open);
  return runs;
}

/** The records, in order, joined into as few Firehose records of at most `packBytes` as the rule gives. */
export function packRecords(records: readonly Uint8Array[], packBytes: number): Uint8Array[] {
  return runsWithin(records, Infinity, packBytes).map((pack) => (pack.length === 1 ? pack[0] : Buffer.concat(pack)));
}
