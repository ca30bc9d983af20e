/**
 * The layers, bottom to top: each may import only from layers below it (and from its own folder).
 * A new upward or sideways import fails `npm test` (__tests__/code-checks.test.ts) with the rule's
 * name, which says which layer reached up to which. What each layer holds: the README's Layout.
 */
const LAYERS = [
  "input",
  "text",
  "aws",
  "schemas",
  "dialect",
  "generator",
  "policies",
  "sql",
  "micro-batch",
  "constructs",
  "config",
  "policy-aspect",
  "main.ts",
  "costs",
  "terraform",
  "app.ts",
  "verify",
  "local",
  "fixtures",
  "bench",
  "loader",
  "scripts",
];
const pathOf = (layer) => `^${layer.replace(/[.]/g, "\\.")}${layer.endsWith(".ts") ? "$" : "/"}`;

module.exports = {
  forbidden: [
    ...LAYERS.slice(0, -1).map((layer, i) => ({
      name: `${layer}-imports-only-below-it`,
      comment: `${layer} may import only from the layers below it: ${LAYERS.slice(0, i).join(", ") || "none"}`,
      severity: "error",
      from: { path: pathOf(layer) },
      to: { path: LAYERS.slice(i + 1).map(pathOf) },
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
