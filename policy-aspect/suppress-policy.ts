/**
 * Declaring a deliberate exception on a construct, in code, and carrying the declarations into the
 * synthesized stack (see suppressions.ts for the carrier).
 */
import { Lazy, TerraformDataSource, TerraformOutput, TerraformResource, TerraformStack } from "cdktf";
import { IConstruct } from "constructs";
import { check, oneOf } from "../input/allowed";
import { RULES } from "../policies/rules";
import { Suppression, SUPPRESSIONS_OUTPUT, suppressionProblem } from "../policies/carried-suppressions";

const METADATA_TYPE = "lab-policy/suppression";

/**
 * Suppresses `rule` on every resource in `construct` (itself and what it contains), with the
 * written reason every report will show. Throws for an unknown rule or a missing reason.
 */
export function suppressPolicy(construct: IConstruct, rule: string, reason: string): void {
  const problem = suppressionProblem({ rule, address: construct.node.path, reason });
  if (problem) throw new Error(`suppressPolicy: ${problem}`);
  check("suppressPolicy", "rule", rule, oneOf(RULES.map((r) => r.id)));
  construct.node.addMetadata(METADATA_TYPE, { rule, reason: reason.trim() });
}

/** The Terraform address of a resource or data source construct. */
export function addressOf(element: IConstruct): string | undefined {
  if (TerraformResource.isTerraformResource(element)) return `${element.terraformResourceType}.${element.friendlyUniqueId}`;
  if (TerraformDataSource.isTerraformDataSource(element)) return `data.${element.terraformResourceType}.${element.friendlyUniqueId}`;
  return undefined;
}

/** Every suppression declared in a stack, one entry per resource it covers. */
function collectSuppressions(stack: TerraformStack): Suppression[] {
  const out: Suppression[] = [];
  for (const node of stack.node.findAll()) {
    for (const entry of node.node.metadata.filter((m) => m.type === METADATA_TYPE)) {
      const { rule, reason } = entry.data as { rule: string; reason: string };
      for (const element of node.node.findAll()) {
        const address = addressOf(element);
        if (address) out.push({ rule, address, reason });
      }
    }
  }
  return out;
}

/** Adds the output that carries the stack's suppressions (once); its value is computed at synth. */
export function ensureSuppressionsOutput(stack: TerraformStack): void {
  if (stack.node.tryFindChild(SUPPRESSIONS_OUTPUT)) return;
  new TerraformOutput(stack, SUPPRESSIONS_OUTPUT, {
    value: Lazy.stringValue({ produce: () => JSON.stringify(collectSuppressions(stack)) }),
    description: "Policy-pack exceptions [{rule, address, reason}], read by `npm run policy` on synth and plan JSON",
  });
}
