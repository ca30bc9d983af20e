/**
 * The layers, bottom to top: each may import only from layers below it (and from its own folder).
 * A new upward or sideways import fails `npm test` (__tests__/code-checks.test.ts) with the rule's
 * name, which says which layer reached up to which.
 */
const LAYERS = [
  ["input", "bad input: the one error, its message format and exit codes"],
  ["text", "how commands print: markdown tables, plurals, progress steps, shortened values"],
  ["aws", "AWS facts: limits, regions and zones, instance types, CIDR and key-prefix rules, record columns"],
  ["schemas", "the record format: JSON Schemas, their validators, the SQL columns"],
  ["dialect", "the SQL dialect: tokenizer, parser, compiler, types, the DuckDB runner"],
  ["generator", "the generator instance's program and its cloud-config"],
  ["policies", "the policy pack's core, on Terraform JSON (no cdktf)"],
  ["sql", "the lab's analytics: its SQL file and its one definition, the record checks"],
  ["micro-batch", "the default engine's Lambda function and its package"],
  ["constructs", "one construct per file"],
  ["config", "the lab's settings"],
  ["policy-aspect", "the policy pack at synth: the cdktf Aspect and suppressions"],
  ["main.ts", "the lab stack"],
  ["costs", "the cost estimate"],
  ["terraform", "running Terraform, the provider, plan review"],
  ["app.ts", "the app entry"],
  ["verify", "npm run verify's work"],
  ["local", "npm start's local AWS"],
  ["fixtures", "local servers and seeded records for tests and measurements"],
  ["bench", "benchmarking"],
  ["loader", "running TypeScript without a build; the synth bundle"],
  ["scripts", "the npm commands"],
];
const pathOf = (layer) => `^${layer.replace(/[.]/g, "\\.")}${layer.endsWith(".ts") ? "$" : "/"}`;

module.exports = {
  forbidden: [
    ...LAYERS.slice(0, -1).map(([layer], i) => ({
      name: `${layer}-imports-only-below-it`,
      comment: `${layer} (${LAYERS[i][1]}) may import only from the layers below it: ${
        LAYERS.slice(0, i)
          .map(([l]) => l)
          .join(", ") || "none"
      }`,
      severity: "error",
      from: { path: pathOf(layer) },
      to: { path: LAYERS.slice(i + 1).map(([l]) => pathOf(l)) },
    })),
    {
      name: "no-import-of-a-command",
      comment: "scripts/ holds entry points only: nothing but the tests imports one, and no command imports another",
      severity: "error",
      from: { pathNot: "^__tests__/" },
      to: { path: "^scripts/" },
    },
    {
      name: "policies-core-knows-no-cdktf",
      comment: "the policy pack's core reads Terraform JSON; its cdktf Aspect lives in policy-aspect/",
      severity: "error",
      from: { path: "^policies/" },
      to: { path: "^node_modules/(cdktf|constructs|@cdktf)/" },
    },
    {
      name: "no-import-of-a-test",
      comment: "tests, their helpers and fixtures are imported by tests only",
      severity: "error",
      from: { pathNot: "^__tests__/" },
      to: { path: "^__tests__/" },
    },
    {
      name: "no-cycle",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "every-import-resolves",
      comment: "aws-lambda is types only (@types/aws-lambda), which the resolver does not look in",
      severity: "error",
      from: {},
      to: { couldNotResolve: true, pathNot: "^aws-lambda$" },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    doNotFollow: { path: "^node_modules/" },
    exclude: { path: "^(node_modules|cdktf\\.out|local-aws\\.out|coverage)/" },
    enhancedResolveOptions: { extensions: [".ts", ".js", ".json"], conditionNames: ["import", "require", "node", "default"], exportsFields: ["exports"] },
    cache: { folder: "node_modules/.cache/dependency-cruiser", strategy: "content" },
  },
};
