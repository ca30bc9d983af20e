/** Asserting in Jest that a stack passes the policy pack. */
import { Testing, TerraformStack } from "cdktf";
import { checkTerraformJson, CheckResult } from "../../policies";
import { formatText } from "../../policies/report";
import { ensureSuppressionsOutput } from "../../policy-aspect/suppress-policy";

/**
 * Fails the test with the pack's report when the stack breaks any rule (suppressions with their
 * reasons are honoured); returns the result so a test can look at what was suppressed.
 */
export function expectPolicyClean(stack: TerraformStack): CheckResult {
  ensureSuppressionsOutput(stack);
  Testing.synth(stack); // runs the stack's aspects, as synth would
  // toTerraform() keeps the construct paths (Testing.synth drops them) for the report.
  const result = checkTerraformJson(JSON.parse(JSON.stringify(stack.toTerraform())), { source: stack.node.id });
  if (result.findings.length > 0) throw new Error(`stack ${stack.node.id} breaks the policy pack:\n${formatText(result)}`);
  return result;
}
