/**
 * The lab's record checks: every input record must be a source record and every output row a
 * destination record (the JSON Schemas, validated by ajv), before anything is sent. The Lambda
 * handler and `npm run sql` use them; synth does not load this (it never loads ajv).
 */
import type { ErrorObject, ValidateFunction } from "ajv";
import { DESTINATION_SCHEMA_FILE, SOURCE_SCHEMA_FILE } from "../schemas/loss-event";
import { validateDestinationRecord, validateSourceRecord } from "../schemas/validate";
import type { RecordCheck, RecordChecks } from "../dialect/duckdb-runner";
import { shownValue } from "../text/shown";

/** The value a JSON Pointer (`/NetLoss`) points at in a record, if there is one. */
function valueAt(record: unknown, pointer: string): { value: unknown } | undefined {
  let value = record;
  for (const part of pointer
    .split("/")
    .slice(1)
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"))) {
    if (typeof value !== "object" || value === null || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return { value };
}

/** One problem: the field, what is wrong (the allowed values of an enum), and the value it has. */
function describe(record: unknown, e: ErrorObject): string {
  const params = e.params as { missingProperty?: string; additionalProperty?: string; allowedValues?: unknown[] };
  const field = e.instancePath.slice(1) || "(record)";
  if (e.keyword === "required") return `${String(params.missingProperty)}: is missing`;
  // An unknown field's name is data: quoted and cut short like a value (it may be megabytes, or hold a newline).
  if (e.keyword === "additionalProperties") return `${shownValue(params.additionalProperty)}: is not a field of the record (unknown field)`;
  const allowed = e.keyword === "enum" ? `: ${params.allowedValues!.map((v) => JSON.stringify(v)).join(", ")}` : "";
  const found = valueAt(record, e.instancePath);
  return `${field}: ${e.message ?? e.keyword}${allowed} (got ${found === undefined ? "nothing" : shownValue(found.value)})`;
}

function schemaCheck(validate: ValidateFunction, what: string): RecordCheck {
  return (record) => {
    if (validate(record)) return undefined;
    // The if/then wrappers ("must match then schema") add nothing to the field's own error.
    const errors = (validate.errors ?? []).filter((e) => e.keyword !== "if");
    return `does not match ${what}: ${[...new Set(errors.map((e) => describe(record, e)))].join("; ")}`;
  };
}

export const LAB_RECORD_CHECKS: RecordChecks = {
  input: schemaCheck(validateSourceRecord, `the source schema (${SOURCE_SCHEMA_FILE})`),
  output: schemaCheck(validateDestinationRecord, `the destination schema (${DESTINATION_SCHEMA_FILE})`),
};
