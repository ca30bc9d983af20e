// ESLint for the whole tree: typescript-eslint's strict, type-aware rules for the TypeScript (the
// types come from tsconfig.json through the project service), ESLint's recommended rules for the
// few CommonJS files. `npm run lint`; __tests__/code-checks.test.ts runs the same with a cache.
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import tseslint from "typescript-eslint";

/** Node's globals that the .js files use (the `globals` package is not a dependency). */
const NODE_GLOBALS = Object.fromEntries(
  [
    "require",
    "module",
    "exports",
    "__dirname",
    "__filename",
    "process",
    "console",
    "Buffer",
    "URL",
    "setTimeout",
    "clearTimeout",
    "setInterval",
    "clearInterval",
    "setImmediate",
    "globalThis",
  ].map((name) => [name, "readonly"]),
);

export default defineConfig(
  { ignores: ["node_modules/", "cdktf.out/", "cdktf.out.hcl/", "local-aws.out/", "coverage/", ".gen/"] },
  {
    files: ["**/*.{js,mjs,cjs}"],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: "commonjs", globals: NODE_GLOBALS },
  },
  { files: ["**/*.mjs"], languageOptions: { sourceType: "module" } },
  // A Jest setup file (package.json's setupFilesAfterEnv) runs with Jest's globals.
  { files: ["__tests__/**/*.js"], languageOptions: { globals: { expect: "readonly" } } },
  {
    files: ["**/*.ts"],
    extends: [tseslint.configs.strictTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Numbers in messages (`${n} records`) are the code's normal use; other types (undefined, unknown, objects) still fail.
      "@typescript-eslint/restrict-template-expressions": [
        "error",
        { allowAny: false, allowBoolean: false, allowNever: false, allowNullish: false, allowNumber: true, allowRegExp: false },
      ],
      // The code's convention: a leading underscore names what is left out on purpose (`{ [key]: _dropped, ...rest }`, `_encoding`).
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_", ignoreRestSiblings: true },
      ],
      // Off: `!` marks what the code has just established (a regex that matched, Map.get of a key it holds); 156 places, none wrong in a sample.
      "@typescript-eslint/no-non-null-assertion": "off",
      // Off: it only asks for braces around `() => voidCall()`, the code's idiom for callbacks and cleanups.
      "@typescript-eslint/no-confusing-void-expression": "off",
      // Spreading a string into code points is how the code counts characters as JSON Schema does; other spreads still fail.
      "@typescript-eslint/no-misused-spread": ["error", { allow: ["string"] }],
    },
  },
  {
    files: ["__tests__/**/*.ts"],
    rules: {
      // Off in tests: they read JSON (synthesized stacks, plans, records) as `any` and check its shape with expect().
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unsafe-argument": "off", // same reason: JSON read as any, checked by expect()
      "@typescript-eslint/no-unsafe-assignment": "off", // same reason
      "@typescript-eslint/no-unsafe-call": "off", // same reason
      "@typescript-eslint/no-unsafe-member-access": "off", // same reason
      "@typescript-eslint/no-unsafe-return": "off", // same reason
      // Off in tests: fakes implement async interfaces (Firehose, S3, sleep) without awaiting anything.
      "@typescript-eslint/require-await": "off",
      // Off in tests: they delete environment variables and record fields by computed name to build cases.
      "@typescript-eslint/no-dynamic-delete": "off",
    },
  },
);
