/**
 * The policy pack at synth: an Aspect that checks the whole stack and turns each finding into an
 * error annotation on the construct that made the resource, so `npm run synth` and `cdktf synth`
 * fail and print the rule, the resource and the fix. Suppressions are printed as notes.
 */
import { Annotations, IAspect, TerraformStack } from "cdktf";
import { IConstruct } from "constructs";
import { checkTerraformJson, CheckOptions } from "../policies/index";
import { addressOf, ensureSuppressionsOutput } from "./suppress-policy";

export class PolicyAspect implements IAspect {
  private readonly stacks = new WeakSet<TerraformStack>();

  constructor(private readonly options: Pick<CheckOptions, "rules"> = {}) {}

  visit(node: IConstruct): void {
    if (!TerraformStack.isStack(node) || this.stacks.has(node)) return;
    this.stacks.add(node);
    ensureSuppressionsOutput(node);
    // cdktf visits a stack before its children, and other aspects may still change them: check in
    // the stack's validation, which synth runs after every aspect and before it collects annotations.
    node.node.addValidation({
      validate: () => {
        annotate(node, this.options);
        return [];
      },
    });
  }
}

function annotate(stack: TerraformStack, options: Pick<CheckOptions, "rules">): void {
  const result = checkTerraformJson(stack.toTerraform(), { source: stack.node.id, rules: options.rules });
  const byAddress = new Map<string, IConstruct>();
  for (const node of stack.node.findAll()) {
    const address = addressOf(node);
    if (address) byAddress.set(address, node);
  }
  const at = (address: string) => Annotations.of(byAddress.get(address) ?? stack);
  for (const f of result.findings) {
    at(f.address).addError(`${f.rule} (${f.severity}) ${f.title}: ${f.address} ${f.message}. Fix: ${f.fix}`);
  }
  for (const s of result.suppressed) {
    at(s.address).addInfo(`${s.rule} suppressed on ${s.address}: ${s.reason}`);
  }
  for (const u of result.unusedSuppressions) {
    at(u.address).addWarning(`suppression of ${u.rule} on ${u.address} matches no finding; remove it`);
  }
}
