/**
 * The bytes of a typical record, as the estimate counts them: computed once from the project's
 * own generator and checked by __tests__/cost-record-sizes.test.ts, which recomputes them and fails
 * when the schema or the generator changes them (then update the numbers here).
 */

/** Records the sizes are the mean of: `generator/generator.py --dry-run --seed 1 --count 10000`. */
export const TYPICAL_SAMPLE = { count: 10_000, seed: 1 } as const;

export interface RecordSizes {
  /** One source record as the generator sends it: a JSON object and its newline. */
  readonly sourceRecordBytes: number;
  /** One analytics output row as the Lambda sends it: the same values under upper-case names, and a newline. */
  readonly destinationRowBytes: number;
}

/** Mean bytes of the sample (rounded); the lab's own data, banking_loss.csv replayed, averages 315. */
export const TYPICAL_RECORD_SIZES: RecordSizes = { sourceRecordBytes: 321, destinationRowBytes: 321 };
