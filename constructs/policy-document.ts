/**
 * IAM policy documents as typed data. Rendered with JSON.stringify so that Terraform evaluates the
 * references inside (`${aws_s3_bucket.x.arn}`) and the policy pack can read them without HCL.
 */
import { IAM_STATEMENT_ID } from "../aws/limits";
import { check } from "../input/allowed";

export interface PolicyStatement {
  /** Statement id: says what the statement is for. */
  readonly sid: string;
  /** Default: Allow. */
  readonly effect?: "Allow" | "Deny";
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  /** Only for resource policies (bucket policies); identity policies have no principal. */
  readonly principal?: "*" | { readonly Service: string } | { readonly AWS: string };
  readonly condition?: Record<string, Record<string, string | string[] | boolean>>;
}

export function policyDocument(statements: readonly PolicyStatement[]): string {
  for (const s of statements) {
    check("policyDocument", "sid", s.sid, IAM_STATEMENT_ID);
    if (s.actions.length === 0 || s.resources.length === 0) {
      throw new Error(`policyDocument: statement ${s.sid} needs at least one action and one resource`);
    }
  }
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: statements.map((s) => ({
      Sid: s.sid,
      Effect: s.effect ?? "Allow",
      ...(s.principal !== undefined ? { Principal: s.principal } : {}),
      Action: s.actions.length === 1 ? s.actions[0] : [...s.actions],
      Resource: s.resources.length === 1 ? s.resources[0] : [...s.resources],
      ...(s.condition !== undefined ? { Condition: s.condition } : {}),
    })),
  });
}

/** A trust policy letting one AWS service assume a role. */
export function assumeRolePolicy(service: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
  });
}
