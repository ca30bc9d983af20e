/**
 * Tells the two kinds of Terraform JSON apart and reads either into the one model: a plan
 * (`format_version` with a configuration and changes) or a synthesized configuration (an object,
 * or an array of objects, of top-level blocks). Anything else is a PolicyInputError.
 */
import { labelProperties, readConfiguration } from "./configuration";
import { createModel, isObject, PolicyInputError, TerraformModel } from "./model";
import { readPlan } from "./plan";

const CONFIGURATION_BLOCKS = ["resource", "data", "terraform", "provider", "output", "module", "variable", "locals"];

/** Reads Terraform JSON of either kind into the model; throws PolicyInputError for anything else. */
export function loadTerraformJson(json: unknown): TerraformModel {
  if (!isObject(json) && !Array.isArray(json)) {
    throw new PolicyInputError("the JSON is not an object: expected a synthesized Terraform configuration or a `terraform show -json` plan");
  }
  if (isObject(json) && "format_version" in json) {
    if (!isObject(json.configuration) || !("resource_changes" in json || "planned_values" in json)) {
      throw new PolicyInputError(
        "the JSON has a format_version but no plan (no configuration and resource_changes): pass the output of `terraform show -json <planfile>`, not of a state",
      );
    }
    const { resources, outputs } = readPlan(json);
    return createModel("plan", resources, outputs);
  }
  // Terraform reads a .tf.json file that is an array of objects as their properties in order.
  const top = labelProperties(json, "the configuration");
  if (!top.some(([block]) => CONFIGURATION_BLOCKS.includes(block))) {
    throw new PolicyInputError(`the JSON is neither a Terraform configuration (no ${CONFIGURATION_BLOCKS.join("/")} block) nor a plan (no format_version)`);
  }
  const { resources, outputs } = readConfiguration(top);
  return createModel("synth", resources, outputs);
}
