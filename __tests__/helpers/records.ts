/** The table of loss-event records the validation tests share with the Python tests. */
import type { ErrorObject } from "ajv";
import { fieldErrors } from "../../schemas/validate";
import cases from "../fixtures/loss-event-cases.json";

export type LossRecord = Record<string, unknown>;

interface Case {
  readonly case: string;
  readonly field: string;
  readonly remove?: readonly string[];
  readonly set?: LossRecord;
}

export const CASES = cases as unknown as { valid: LossRecord; invalid: Case[] };

/** [case, the field it must be rejected for, the record]: the valid record with fields removed or set. */
export function badRecords(): [string, string, LossRecord][] {
  return CASES.invalid.map((c) => {
    const record: LossRecord = { ...CASES.valid, ...c.set };
    for (const name of c.remove ?? []) delete record[name];
    return [c.case, c.field, record];
  });
}

/** The distinct fields the errors name, sorted. */
export const fieldsNamed = (errors: readonly ErrorObject[] | null | undefined): string[] => [...new Set(fieldErrors(errors).map((e) => e.field))].sort();
