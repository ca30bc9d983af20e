/**
 * IAM policy documents, wherever Terraform lets them be written: a JSON string (with `${...}`
 * references inside, as cdktf writes them), or an `aws_iam_policy_document` data source
 * (statement blocks, or its computed `json` when the plan could read it), including the
 * documents it merges through `source_policy_documents` / `override_policy_documents`.
 */
import { blocks, isUnresolved, list, readBlocks, Resource, TerraformModel, Unknown } from "./model";

export interface Principal {
  /** `AWS`, `Service`, `Federated`, `CanonicalUser`, or `*` for `"Principal": "*"`. */
  readonly type: string;
  readonly id: unknown;
}

interface Condition {
  readonly operator: string;
  readonly key: string;
  readonly values: readonly unknown[];
}

export interface Statement {
  readonly sid?: string;
  readonly effect: unknown;
  readonly actions: readonly unknown[];
  readonly notActions: readonly unknown[];
  readonly resources: readonly unknown[];
  readonly notResources: readonly unknown[];
  readonly principals: readonly Principal[];
  readonly notPrincipals: readonly Principal[];
  readonly conditions: readonly Condition[];
  /** The data source the statement came from, when it did not come from the attribute itself. */
  readonly origin?: string;
}

/** The statements of a policy, or why they cannot be read before apply. */
export type PolicyRead = { readonly statements: readonly Statement[] } | { readonly unknown: string };

const DOCUMENT_REFERENCE = /^\$\{\s*data\.aws_iam_policy_document\.[\w-]+\.(?:minified_)?json\s*\}$/;

/** Reads the policy in an attribute of `from` (a JSON string, a reference to a policy document, or nothing). */
export function readPolicy(model: TerraformModel, from: Resource, value: unknown, depth = 0): PolicyRead {
  if (value === undefined || value === null || value === "") return { statements: [] };
  if (depth > 5) return { unknown: "policy documents nest more than 5 levels deep" };
  if (value instanceof Unknown) {
    // `policy = data.aws_iam_policy_document.x.json` in HCL: the reference alone says which document.
    const targets = model.referenced(from, value);
    const onlyADocument = value.references.every((r) => /^data\.aws_iam_policy_document\.[\w-]+(\.(minified_)?json)?$/.test(r));
    if (targets.length === 1 && targets[0].type === "aws_iam_policy_document" && onlyADocument) return readDocumentSource(model, targets[0], depth + 1);
    return { unknown: "it is known only after apply and the configuration's expression is not text the pack can read" };
  }
  if (typeof value === "string") {
    if (DOCUMENT_REFERENCE.test(value.trim())) {
      const document = model.referenced(from, value).find((r) => r.type === "aws_iam_policy_document");
      if (document) return readDocumentSource(model, document, depth + 1);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      return {
        unknown: value.includes("${")
          ? "it is built by a Terraform expression the pack cannot evaluate (write the policy as JSON text or an aws_iam_policy_document)"
          : "it is not valid JSON",
      };
    }
    return fromJson(parsed);
  }
  if (typeof value === "object") return fromJson(value);
  return { unknown: `it is a ${typeof value}, not a policy document` };
}

function fromJson(document: unknown, origin?: string): PolicyRead {
  if (typeof document !== "object" || document === null || Array.isArray(document)) return { unknown: "it is not a JSON object" };
  const raw = (document as Record<string, unknown>).Statement;
  const statements: Statement[] = [];
  for (const s of list(raw)) {
    if (typeof s !== "object" || s === null) return { unknown: "a Statement is not an object" };
    const st = s as Record<string, unknown>;
    statements.push({
      sid: typeof st.Sid === "string" ? st.Sid : undefined,
      effect: st.Effect,
      actions: list(st.Action),
      notActions: list(st.NotAction),
      resources: list(st.Resource),
      notResources: list(st.NotResource),
      principals: jsonPrincipals(st.Principal),
      notPrincipals: jsonPrincipals(st.NotPrincipal),
      conditions: jsonConditions(st.Condition),
      origin,
    });
  }
  return { statements };
}

function jsonPrincipals(value: unknown): Principal[] {
  if (value === undefined || value === null) return [];
  if (typeof value !== "object" || Array.isArray(value)) return [{ type: "*", id: value }];
  return Object.entries(value as Record<string, unknown>).flatMap(([type, ids]) => list(ids).map((id) => ({ type, id })));
}

function jsonConditions(value: unknown): Condition[] {
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([operator, keys]) =>
    typeof keys === "object" && keys !== null
      ? Object.entries(keys as Record<string, unknown>).map(([key, values]) => ({ operator, key, values: list(values) }))
      : [],
  );
}

/** An `aws_iam_policy_document` data source: its computed JSON when known, else its statement blocks. */
function readDocumentSource(model: TerraformModel, document: Resource, depth: number): PolicyRead {
  const json = document.values.json;
  if (typeof json === "string" && !isUnresolved(json) && json !== "") {
    try {
      return fromJson(JSON.parse(json), document.address);
    } catch {
      // fall through to the blocks
    }
  }
  const statements: Statement[] = [];
  for (const attribute of ["source_policy_documents", "override_policy_documents"]) {
    const documents = document.values[attribute];
    if (documents instanceof Unknown) return { unknown: `${document.address}.${attribute} is known only after apply` };
    for (const source of list(documents)) {
      const read = readPolicy(model, document, source, depth + 1);
      if ("unknown" in read) return { unknown: `a document in ${document.address}.${attribute}: ${read.unknown}` };
      statements.push(...read.statements.map((s) => ({ ...s, origin: s.origin ?? document.address })));
    }
  }
  const written = readBlocks(document.values.statement);
  if (written.unknown) return { unknown: `the statements of ${document.address} are known only after apply` };
  for (const b of written.blocks) {
    statements.push({
      sid: typeof b.sid === "string" ? b.sid : undefined,
      effect: b.effect ?? "Allow",
      actions: list(b.actions),
      notActions: list(b.not_actions),
      resources: list(b.resources),
      notResources: list(b.not_resources),
      principals: blockPrincipals(b.principals),
      notPrincipals: blockPrincipals(b.not_principals),
      conditions: blocks(b.condition).map((c) => ({ operator: String(c.test), key: String(c.variable), values: list(c.values) })),
      origin: document.address,
    });
  }
  return { statements };
}

/** A principals block; one known only after apply (or of a type known only after apply) may be anyone: its id is unknown. */
function blockPrincipals(value: unknown): Principal[] {
  const written = readBlocks(value);
  const principals = written.blocks.flatMap((p) => list(p.identifiers).map((id) => ({ type: String(p.type), id: isUnresolved(p.type) ? new Unknown() : id })));
  return written.unknown ? [...principals, { type: "AWS", id: new Unknown() }] : principals;
}

/** `"*"`, `{"AWS": "*"}` or a principals block of type `*`: anyone. */
export function isAnyone(principal: Principal): boolean {
  return principal.type === "*" || (principal.type === "AWS" && principal.id === "*");
}

/**
 * A resource policy's "deny without TLS" statement: Effect Deny, Principal "*", every action of
 * `service` (`s3:*`, `sqs:*`) or "*", Condition Bool aws:SecureTransport = false. Which resources it
 * must name is the caller's to check.
 */
export function deniesInsecureTransport(s: Statement, service: string): boolean {
  const everyAction = (a: unknown) => typeof a === "string" && (a === "*" || a.toLowerCase() === `${service}:*`);
  const tlsCondition = s.conditions.some(
    (c) => /^Bool(IfExists)?$/.test(c.operator) && c.key.toLowerCase() === "aws:securetransport" && c.values.some((v) => v === false || v === "false"),
  );
  return s.effect === "Deny" && s.principals.some(isAnyone) && s.actions.some(everyAction) && tlsCondition;
}

/** What a resource policy grants to everyone, and what it may grant to everyone but cannot be read before apply. */
export interface PublicGrants {
  /** One line per Allow statement with Principal "*" or a NotPrincipal. */
  readonly grants: readonly string[];
  /** One line per Allow statement (or statement of unknown effect) whose principal is known only after apply. */
  readonly unknown: readonly string[];
}

/**
 * The statements of a resource policy (bucket, queue) that allow something to every principal.
 * A principal that is a reference to a resource in the configuration (a role's ARN) is that
 * resource; any other value known only after apply might be "*", so it is reported as unknown.
 */
export function publicGrants(model: TerraformModel, from: Resource, statements: readonly Statement[]): PublicGrants {
  const grants: string[] = [];
  const unknown: string[] = [];
  statements.forEach((s, i) => {
    const name = describeStatement(s, i);
    if (isUnresolved(s.effect)) {
      if (s.principals.some(isAnyone)) unknown.push(`the effect of ${name}, which names every principal ("*")`);
      return;
    }
    if (s.effect !== "Allow") return;
    if (s.principals.some(isAnyone)) grants.push(`${name} allows ${s.actions.join(", ")} to every principal ("*")`);
    else if (s.notPrincipals.length > 0) grants.push(`${name} allows ${s.actions.join(", ")} to everyone but its NotPrincipal`);
    else if (s.principals.some((p) => isUnresolved(p.id) && model.referenced(from, p.id).length === 0)) unknown.push(`the principal of ${name}`);
  });
  return { grants, unknown };
}

/** How a statement names itself in a message: its Sid, else its position, and where it came from. */
export function describeStatement(statement: Statement, index: number): string {
  const name = statement.sid ? `statement "${statement.sid}"` : `statement ${index + 1}`;
  return statement.origin ? `${name} (from ${statement.origin})` : name;
}
