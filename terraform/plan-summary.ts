/**
 * The review summary of a Terraform plan (`terraform show -json`), as a person reads it in a pull
 * request: Terraform's own counts, warnings, the policy result, and every resource change with
 * replacements and destroys first. Never longer than GitHub's comment limit allows.
 */
import { cell, code, fitSections, Section, tableHead } from "../text/markdown";
import { PolicyReport, policySection } from "./plan-findings";

/** GitHub refuses comments over 65,536 characters; stay clear of it. */
export const SUMMARY_MAX_CHARS = 65_000;

/** The parts of Terraform's JSON plan format this summary reads. */
export interface TerraformPlanJson {
  readonly terraform_version?: string;
  readonly resource_changes?: readonly ResourceChange[];
}

export interface ResourceChange {
  readonly address: string;
  readonly type: string;
  readonly mode?: string;
  readonly previous_address?: string;
  readonly action_reason?: string;
  readonly change: {
    readonly actions: readonly string[];
    readonly before?: unknown;
    readonly replace_paths?: readonly (readonly (string | number)[])[];
    readonly importing?: unknown;
  };
}

/** What happens to one resource, most alarming first. */
export type Action = "replace" | "replace-create-first" | "delete" | "forget" | "update" | "import" | "create" | "move" | "read" | "no-op";

const ACTION_ORDER: readonly Action[] = ["replace", "replace-create-first", "delete", "forget", "update", "import", "create", "move", "read", "no-op"];

const ACTION_LABEL: Record<Action, string> = {
  replace: "⚠️ **REPLACE**",
  "replace-create-first": "⚠️ **REPLACE** (new one first)",
  delete: "🛑 **DESTROY**",
  forget: "✋ forget (kept in AWS)",
  update: "~ update",
  import: "→ import",
  create: "+ create",
  move: "↪ move",
  read: "read",
  "no-op": "no change",
};

export interface PlanCounts {
  /** Terraform's own numbers: a replacement counts as one add and one destroy. */
  readonly add: number;
  readonly change: number;
  readonly destroy: number;
  readonly import: number;
  readonly forget: number;
  /** Resources per action. */
  readonly byAction: Readonly<Record<Action, number>>;
}

export function actionOf(rc: ResourceChange): Action {
  const actions = rc.change.actions.join(",");
  switch (actions) {
    case "delete,create":
      return "replace";
    case "create,delete":
      return "replace-create-first";
    case "delete":
    case "forget":
    case "update":
    case "create":
    case "read":
      return actions;
    case "no-op":
      if (rc.change.importing !== undefined) return "import";
      return rc.previous_address !== undefined && rc.previous_address !== rc.address ? "move" : "no-op";
    default:
      // An action list this code does not know (a newer Terraform): show it among the loudest.
      return "replace";
  }
}

export function countPlan(plan: TerraformPlanJson): PlanCounts {
  const byAction = Object.fromEntries(ACTION_ORDER.map((a) => [a, 0])) as Record<Action, number>;
  let imports = 0;
  for (const rc of plan.resource_changes ?? []) {
    byAction[actionOf(rc)] += 1;
    if (rc.change.importing !== undefined) imports += 1;
  }
  const replaced = byAction.replace + byAction["replace-create-first"];
  return {
    add: byAction.create + replaced,
    change: byAction.update,
    destroy: byAction.delete + replaced,
    import: imports,
    forget: byAction.forget,
    byAction,
  };
}

/** Terraform's own summary sentence: `Plan: 1 to import, 2 to add, 0 to change, 1 to destroy.` */
export function planSentence(counts: PlanCounts): string {
  const importing = counts.import > 0 ? `${counts.import} to import, ` : "";
  return `Plan: ${importing}${counts.add} to add, ${counts.change} to change, ${counts.destroy} to destroy.`;
}

/** The resource changes in review order: replacements, destroys, ..., creates; unchanged ones left out. */
export function changesInReviewOrder(plan: TerraformPlanJson): ResourceChange[] {
  return (plan.resource_changes ?? [])
    .filter((rc) => actionOf(rc) !== "no-op")
    .sort((a, b) => ACTION_ORDER.indexOf(actionOf(a)) - ACTION_ORDER.indexOf(actionOf(b)) || byCodePoint(a.address, b.address));
}

const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const REASONS: Record<string, string> = {
  replace_because_tainted: "the object is tainted",
  replace_by_request: "replacement requested (-replace)",
  replace_by_triggers: "replace_triggered_by changed",
  delete_because_no_resource_config: "no longer in the configuration",
  delete_because_no_module: "its module is no longer in the configuration",
  delete_because_wrong_repetition: "count/for_each changed shape",
  delete_because_count_index: "its count index is gone",
  delete_because_each_key: "its for_each key is gone",
  delete_because_no_move_target: "moved to an address that does not exist",
  read_because_config_unknown: "reads a value known only after apply",
  read_because_dependency_pending: "depends on a pending change",
};

function detailOf(rc: ResourceChange): string {
  const parts: string[] = [];
  if (rc.action_reason === "replace_because_cannot_update") {
    const paths = (rc.change.replace_paths ?? []).map((p) => p.join("."));
    parts.push(paths.length > 0 ? `${paths.map((p) => `\`${p}\``).join(", ")} cannot change in place` : "cannot be updated in place");
  } else if (rc.action_reason) {
    parts.push(REASONS[rc.action_reason] ?? rc.action_reason);
  }
  if (rc.previous_address !== undefined && rc.previous_address !== rc.address) parts.push(`moved from \`${rc.previous_address}\``);
  if (rc.change.importing !== undefined) parts.push("imported");
  return parts.join("; ");
}

/** Where the plan's state came from, and whether AWS was consulted. */
export interface PlanContext {
  readonly stack: string;
  /** True when planned with dummy credentials (no AWS account). */
  readonly offline: boolean;
  /** Why the plan was offline, or where the credentials came from. */
  readonly accessReason: string;
  /** One sentence about the state planned against. */
  readonly state: string;
  /** The policy pack's result; undefined when it did not run. */
  readonly policy?: PolicyReport;
  /** Planned a destroy (`npm run destroy`) rather than the configuration. */
  readonly destroy?: boolean;
  /** The estimated monthly cost (costs/review.ts); undefined leaves it out. */
  readonly cost?: Section;
}

/** Warnings a reviewer must not miss, derived from what the plan does. */
export function planWarnings(plan: TerraformPlanJson, context: Pick<PlanContext, "offline" | "accessReason">): string[] {
  const warnings: string[] = [];
  if (context.offline) {
    warnings.push(
      `**Offline plan**: ${context.accessReason}. Terraform planned with dummy credentials and the AWS provider's skip settings, ` +
        "without refreshing state or reading the account: the table shows what the configuration changes against the recorded state, " +
        "not drift in AWS, and values AWS assigns show as unknown.",
    );
  }
  const changes = plan.resource_changes ?? [];
  const affected = (type: string, actions: readonly Action[]) => changes.filter((rc) => rc.type === type && actions.includes(actionOf(rc)));
  const analytics = affected("aws_kinesis_analytics_application", ["create", "update", "replace", "replace-create-first", "import"]);
  if (analytics.length > 0) {
    warnings.push(
      `**Kinesis Data Analytics for SQL is discontinued** (${analytics.map((rc) => code(rc.address, 120)).join(", ")}): no new SQL ` +
        "application can be created since 2025-10-15 and AWS deletes existing ones from 2026-01-27. This change plans but will fail on apply; " +
        "everything else in the plan deploys.",
    );
  }
  const removing: readonly Action[] = ["delete", "replace", "replace-create-first"];
  for (const rc of affected("aws_s3_bucket", removing)) {
    warnings.push(
      `**Data loss**: ${code(rc.address, 120)} is destroyed with every object and version in it (or the destroy stops at a non-empty bucket unless force_destroy is set).`,
    );
  }
  for (const rc of affected("aws_cloudwatch_log_group", removing)) {
    warnings.push(`**Logs lost**: ${code(rc.address, 120)} is destroyed with its log events.`);
  }
  return warnings;
}

/** plan.md: at most `max` characters; detail is cut before counts and warnings. */
export function renderPlanSummary(plan: TerraformPlanJson, context: PlanContext, max = SUMMARY_MAX_CHARS): string {
  const counts = countPlan(plan);
  const changes = changesInReviewOrder(plan);
  const kind = context.destroy ? "destroy plan" : "plan";
  const countRows = ACTION_ORDER.filter((a) => counts.byAction[a] > 0).map((a) => `| ${ACTION_LABEL[a]} | ${counts.byAction[a]} |`);

  const header: Section = {
    lines: [
      `## Terraform ${kind}: ${code(context.stack, 60)}${context.offline ? " (offline)" : ""}`,
      "",
      `**${planSentence(counts)}**${counts.forget > 0 ? ` ${counts.forget} to forget (removed from state, kept in AWS).` : ""}`,
      "",
      ...tableHead("action", "resources"),
      ...(countRows.length > 0 ? countRows : ["| no changes | 0 |"]),
      "",
      `State: ${context.state}  `,
      context.offline ? "AWS: not consulted (offline plan, see the warning below)." : `AWS: planned against the account (${context.accessReason}).`,
    ],
  };
  const warnings = planWarnings(plan, context);
  const warningSection: Section = {
    lines: warnings.length > 0 ? ["### Warnings", ...warnings.map((w) => `- ⚠️ ${w}`)] : ["### Warnings", "None."],
  };
  const resources: Section = {
    lines: ["### Resources by action", "", ...tableHead("action", "resource", "why")],
    rows:
      changes.length > 0 ? changes.map((rc) => `| ${ACTION_LABEL[actionOf(rc)]} | ${code(rc.address, 200)} | ${cell(detailOf(rc))} |`) : ["| no changes | | |"],
    cutNote: (hidden, total) =>
      `_…${hidden} of ${total} changed resources not shown: this summary is cut to stay under ${max.toLocaleString("en-US")} characters ` +
      "(GitHub's comment limit). The counts above are complete; `plan.json` next to this file holds every change._",
  };
  const footer: Section = {
    lines: [`<sub>Terraform ${plan.terraform_version ?? "(unknown version)"} · written by \`npm run plan\`</sub>`],
  };
  const sections = [header, warningSection, policySection(context.policy), ...(context.cost ? [context.cost] : []), resources, footer];
  return `${fitSections(sections, max, [sections.indexOf(resources), 2])}\n`;
}
