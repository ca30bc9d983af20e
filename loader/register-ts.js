// Runs TypeScript without type-checking (that is `npm test` / `npm run build`'s job): each .ts
// file is transpiled by esbuild once and cached by content hash, so a warm `npm run synth` loads
// plain JavaScript. Usage: node -r ./loader/register-ts.js main.ts
"use strict";
const { createHash } = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const cacheDir = path.join(__dirname, "..", "node_modules", ".cache", "lab-ts");
let esbuild; // loaded only on a cache miss
const OPTIONS = {
  loader: "ts",
  format: "cjs",
  target: "node20",
  // As tsc compiles import() for "module": "commonjs" (tsconfig.json): a require() when called, so
  // a command can load what only its real work needs after checking its arguments.
  supported: { "dynamic-import": false },
  sourcemap: "inline",
};

require.extensions[".ts"] = function compileTypeScript(module, filename) {
  const source = fs.readFileSync(filename, "utf8");
  const key = createHash("sha1").update(JSON.stringify(OPTIONS)).update("\0").update(filename).update("\0").update(source).digest("hex");
  const cached = path.join(cacheDir, `${key}.js`);
  let code;
  try {
    code = fs.readFileSync(cached, "utf8");
  } catch {
    esbuild ??= require("esbuild");
    code = esbuild.transformSync(source, { ...OPTIONS, sourcefile: filename }).code;
    fs.mkdirSync(cacheDir, { recursive: true });
    fs.writeFileSync(`${cached}.${process.pid}`, code);
    fs.renameSync(`${cached}.${process.pid}`, cached); // atomic: parallel runs never read half a file
  }
  module._compile(code, filename);
};
