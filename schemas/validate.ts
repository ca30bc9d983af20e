/**
 * The loss-event schemas compiled once (ajv, JSON Schema 2020-12, strict mode, formats checked)
 * and shared by everything that validates records: tests, the verifier, the analytics engine.
 */
import Ajv2020, { ErrorObject, ValidateFunction } from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { DESTINATION_SCHEMA, SOURCE_SCHEMA } from "./loss-event";
import { SQL_TYPE_KEYWORD } from "./sql-columns";

function compile(): { source: ValidateFunction; destination: ValidateFunction } {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  ajv.addKeyword({ keyword: SQL_TYPE_KEYWORD, schemaType: "string" });
  ajv.addSchema(SOURCE_SCHEMA);
  ajv.addSchema(DESTINATION_SCHEMA);
  return { source: ajv.getSchema(SOURCE_SCHEMA.$id)!, destination: ajv.getSchema(DESTINATION_SCHEMA.$id)! };
}

const validators = compile();

/** Validates one source record (as sent to the source stream); errors are on `.errors`. */
export const validateSourceRecord: ValidateFunction = validators.source;
/** Validates one destination record (as the analytics output writes it). */
export const validateDestinationRecord: ValidateFunction = validators.destination;

/** One problem of a record: the field it is about, and what is wrong. */
export interface FieldError {
  /** The field (a missing or unknown one included); `""` for the record as a whole. */
  readonly field: string;
  readonly message: string;
}

/**
 * The problems as fields and messages: a missing or unknown property is named as the field itself
 * (ajv reports both on the record). The if/then wrapper errors are dropped, as in describeErrors.
 */
export function fieldErrors(errors: readonly ErrorObject[] | null | undefined): FieldError[] {
  const join = (path: string, name: string) => (path ? `${path}/${name}` : name);
  return (errors ?? [])
    .filter((e) => e.keyword !== "if")
    .map((e) => {
      const path = e.instancePath.replace(/^\//, "");
      const params = e.params as { missingProperty?: string; additionalProperty?: string };
      if (e.keyword === "required") return { field: join(path, String(params.missingProperty)), message: "is required" };
      if (e.keyword === "additionalProperties") {
        return { field: join(path, String(params.additionalProperty)), message: "is not allowed (unknown field)" };
      }
      return { field: path, message: e.message ?? e.keyword };
    });
}

/**
 * One line per problem, naming the field: `RiskSubCategory: must be equal to one of the allowed
 * values: ...`, `(record): must NOT have additional properties "Extra"`. The if/then wrapper
 * errors (`must match "then" schema`) are dropped: the field's own error says more.
 */
export function describeErrors(errors: readonly ErrorObject[] | null | undefined): string[] {
  return (errors ?? [])
    .filter((e) => e.keyword !== "if")
    .map((e) => {
      const field = e.instancePath.replace(/^\//, "") || "(record)";
      const detail =
        e.keyword === "additionalProperties"
          ? ` "${(e.params as { additionalProperty: string }).additionalProperty}"`
          : e.keyword === "required"
            ? ` (${(e.params as { missingProperty: string }).missingProperty})`
            : e.keyword === "enum"
              ? `: ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(", ")}`
              : "";
      return `${field}: ${e.message ?? e.keyword}${detail}`;
    });
}
