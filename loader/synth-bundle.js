// Runs app.ts from one cached bundle: the work of `npm run synth` and cdktf.json's app (scripts/synth.js).
//
// Loading cdktf, the provider resources and the project file by file costs Node most of a
// synth (about 480 modules resolved and compiled one by one). esbuild bundles them into one file
// once; later synths check that none of the bundle's inputs changed (a stat per file, from the
// build's metafile) and load that single file, with V8's code cache of it, so even its
// compilation is skipped. No type-checking here: that is `npm run build` and the first step of
// `npm test`.
"use strict";
const fs = require("node:fs");
const Module = require("node:module");
const path = require("node:path");
const vm = require("node:vm");

const ROOT = path.join(__dirname, "..");
const ENTRY = path.join(ROOT, "app.ts");
const CACHE = path.join(ROOT, "node_modules", ".cache", "lab-synth");
const BUNDLE = path.join(CACHE, "app.js");
const INPUTS = path.join(CACHE, "inputs.json");
const CODE_CACHE = path.join(CACHE, "app.js.v8-cache");
/** Loaded at run time, never bundled: build tools and native code, needed only on a cache miss. */
const EXTERNAL = ["esbuild", "fflate", "typescript", "@duckdb/*", "snappy"];

/** The recorded inputs still have the size and modification time they had at build time. */
function bundleIsFresh() {
  let inputs;
  try {
    inputs = JSON.parse(fs.readFileSync(INPUTS, "utf8"));
  } catch {
    return false;
  }
  return inputs.every(([file, size, mtimeMs]) => {
    try {
      const stat = fs.statSync(file);
      return stat.size === size && stat.mtimeMs === mtimeMs;
    } catch {
      return false;
    }
  });
}

/** Project files keep their own __dirname and __filename: they read sql/, generator/ and schemas/ next to them. */
const keepFileLocation = {
  name: "keep-file-location",
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const location = `const __dirname = ${JSON.stringify(path.dirname(args.path))}, __filename = ${JSON.stringify(args.path)};\n`;
      return { contents: location + fs.readFileSync(args.path, "utf8"), loader: "ts" };
    });
  },
};

async function buildBundle() {
  const esbuild = require("esbuild");
  const result = await esbuild.build({
    entryPoints: [ENTRY],
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    external: EXTERNAL,
    plugins: [keepFileLocation],
    minifyWhitespace: true,
    minifySyntax: true,
    metafile: true,
    write: false,
    logLevel: "silent",
  });
  const inputs = Object.keys(result.metafile.inputs).map((input) => {
    const file = path.resolve(input);
    const stat = fs.statSync(file);
    return [file, stat.size, stat.mtimeMs];
  });
  fs.mkdirSync(CACHE, { recursive: true });
  writeAtomically(BUNDLE, result.outputFiles[0].contents);
  writeAtomically(INPUTS, JSON.stringify(inputs));
}

/** Writes a file under a temporary name and renames it, so parallel synths never read half of it. */
function writeAtomically(file, contents) {
  fs.writeFileSync(`${file}.${process.pid}`, contents);
  fs.renameSync(`${file}.${process.pid}`, file);
}

/**
 * Loads the bundle as Node would (same wrapper, require, module), but through a vm.Script that
 * takes V8's code cache. V8 rejects a cache made for other source, and the cache is then rewritten.
 */
function loadBundle() {
  let cachedData;
  try {
    cachedData = fs.readFileSync(CODE_CACHE);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(fs.readFileSync(BUNDLE, "utf8")), { filename: BUNDLE, cachedData });
  const bundle = new Module(BUNDLE, module);
  bundle.filename = BUNDLE;
  bundle.paths = Module._nodeModulePaths(CACHE);
  script.runInThisContext().call(bundle.exports, bundle.exports, Module.createRequire(BUNDLE), bundle, BUNDLE, CACHE);
  return {
    exports: bundle.exports,
    saveCodeCache: () => (cachedData === undefined || script.cachedDataRejected) && writeAtomically(CODE_CACHE, script.createCachedData()),
  };
}

/** Synthesizes the lab: builds the bundle if any input changed, then runs its app. */
async function synthFromBundle() {
  if (!bundleIsFresh()) await buildBundle();
  const bundle = loadBundle();
  bundle.exports.runApp();
  bundle.saveCodeCache(); // after the run: the cache then holds the functions synth compiled too
}

module.exports = { synthFromBundle };
