/**
 * The micro-batch engine's deployment package, built at synth: the handler bundled by esbuild
 * (with the AWS SDK clients it uses), the analytics SQL and streams as JSON, and DuckDB's native
 * binding for Lambda's Node.js runtimes on x86_64 (Amazon Linux 2023). The zip is deterministic (sorted
 * entries, fixed times and modes), so the same inputs give the same bytes and a stable plan.
 *
 * Built packages are cached by a hash of everything that goes into them (the packaged SQL and
 * streams, every source file in the project folders the bundle takes code from: micro-batch/, sql/, dialect/,
 * schemas/, text/, input/ and aws/; the lock file's dependency versions): a warm synth reads a small JSON file and never loads
 * esbuild, fflate, ajv or DuckDB.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import * as zlib from "node:zlib";
import { deflateRawSync } from "node:zlib";
import { PACKAGED_ANALYTICS_FILE, PackagedAnalytics } from "./packaged";

/** Lambda runs the package on x86_64 (glibc): this is the binding it needs. */
export const NATIVE_BINDING_PACKAGE = "@duckdb/node-bindings-linux-x64";
const NATIVE_BINDING_FILES = ["package.json", "LICENSE", "duckdb.node", "libduckdb.so"];
/** Bump when the layout of the package changes without any source file changing. */
const LAYOUT_VERSION = "1";
const PROJECT_DIR = join(__dirname, "..");
/** The project folders and files the bundle may take code from: all of them are in the cache key. */
const BUNDLED_SOURCES = ["micro-batch", "sql", "dialect", "schemas", "text", "input", "aws"];
/** Entries' modification time: local midnight of 2000-01-01, the same bytes in every time zone. */
const ZIP_TIME = new Date(2000, 0, 1);
/** Cached packages kept besides the newest (other SQL files, e.g. in tests). */
const CACHE_KEEP = 4;

export interface DeploymentPackage {
  /** The zip file (in the cache folder). */
  readonly path: string;
  /** Base64 SHA-256 of the zip, as Lambda's `source_code_hash` expects. */
  readonly sha256: string;
  readonly zippedBytes: number;
  readonly unzippedBytes: number;
  /** The cache key: a hash of every input. */
  readonly key: string;
}

export interface DeploymentPackageOptions {
  /** @default node_modules/.cache/lab-lambda in the project */
  readonly cacheDir?: string;
}

/** The .ts and .json files of a folder, recursively (or the file itself). */
function sourceFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? sourceFiles(join(path, entry.name)) : /\.(ts|json)$/.test(entry.name) ? [join(path, entry.name)] : []))
    .sort();
}

/** A hash of everything the package is built from, without building it. */
export function packageKey(packaged: PackagedAnalytics): string {
  const hash = createHash("sha256").update(LAYOUT_VERSION).update("\0").update(JSON.stringify(packaged));
  for (const file of BUNDLED_SOURCES.flatMap((source) => sourceFiles(join(PROJECT_DIR, source)))) {
    hash.update("\0").update(relative(PROJECT_DIR, file)).update("\0").update(readFileSync(file));
  }
  hash.update("\0").update(readFileSync(join(PROJECT_DIR, "package-lock.json")));
  return hash.digest("hex").slice(0, 32);
}

/** The deployment package for this SQL and these streams: from the cache, or built now. */
export function deploymentPackage(packaged: PackagedAnalytics, options: DeploymentPackageOptions = {}): DeploymentPackage {
  const cacheDir = options.cacheDir ?? join(PROJECT_DIR, "node_modules", ".cache", "lab-lambda");
  const key = packageKey(packaged);
  const zipPath = join(cacheDir, `${key}.zip`);
  const metaPath = join(cacheDir, `${key}.json`);
  if (existsSync(metaPath) && existsSync(zipPath)) {
    return { ...(JSON.parse(readFileSync(metaPath, "utf8")) as Omit<DeploymentPackage, "path">), path: zipPath };
  }
  const { zip, unzippedBytes } = buildZip(packaged);
  const built = { key, sha256: createHash("sha256").update(zip).digest("base64"), zippedBytes: zip.byteLength, unzippedBytes };
  mkdirSync(cacheDir, { recursive: true });
  // Written under a temporary name, then renamed: parallel synths never read half a file.
  writeFileSync(`${zipPath}.${process.pid}`, zip);
  renameSync(`${zipPath}.${process.pid}`, zipPath);
  writeFileSync(`${metaPath}.${process.pid}`, JSON.stringify(built));
  renameSync(`${metaPath}.${process.pid}`, metaPath);
  pruneCache(cacheDir, key);
  return { ...built, path: zipPath };
}

function buildZip(packaged: PackagedAnalytics): { zip: Uint8Array; unzippedBytes: number } {
  // esbuild and fflate are loaded only here, on a cache miss.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: esbuild loads only on a cache miss
  const esbuild = require("esbuild") as typeof import("esbuild");

  const bundle = esbuild.buildSync({
    entryPoints: [join(__dirname, "handler.ts")],
    absWorkingDir: PROJECT_DIR,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    minify: true,
    // The native binding is loaded at run time from node_modules/ in the package.
    external: ["@duckdb/node-bindings-*"],
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  // The cache key hashes BUNDLED_SOURCES only: a project file elsewhere in the bundle would go stale unnoticed.
  const outside = Object.keys(bundle.metafile.inputs).filter(
    (input) => !["node_modules", ...BUNDLED_SOURCES].some((source) => input === source || input.startsWith(`${source}/`)),
  );
  if (outside.length > 0) {
    throw new Error(`the Lambda bundle includes project files outside ${BUNDLED_SOURCES.join(", ")} (${outside.join(", ")}); add them to BUNDLED_SOURCES`);
  }

  let bindingDir: string;
  try {
    bindingDir = dirname(require.resolve(`${NATIVE_BINDING_PACKAGE}/package.json`, { paths: [PROJECT_DIR] }));
  } catch {
    throw new Error(
      `building the Lambda package needs ${NATIVE_BINDING_PACKAGE} (DuckDB for Lambda's Linux x86_64), which npm installs only on Linux x86_64 machines; ` +
        `elsewhere run: npm install --no-save --force ${NATIVE_BINDING_PACKAGE}@<the version of @duckdb/node-bindings>`,
    );
  }
  const entries: [string, Uint8Array][] = [
    ["index.js", bundle.outputFiles[0].contents],
    [PACKAGED_ANALYTICS_FILE, Buffer.from(JSON.stringify(packaged, null, 2))],
    ...NATIVE_BINDING_FILES.map((f): [string, Uint8Array] => [`node_modules/${NATIVE_BINDING_PACKAGE}/${f}`, readFileSync(join(bindingDir, f))]),
  ];
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { zip: deterministicZip(entries), unzippedBytes: entries.reduce((n, [, data]) => n + data.byteLength, 0) };
}

/**
 * A zip of the entries in the given order, deflated by Node's zlib (native: three times faster
 * than deflating in JavaScript on the 70 MB DuckDB library), with fixed times and Unix mode 0644
 * (Lambda needs the files readable; the loader needs no execute bit).
 */
function deterministicZip(entries: readonly [string, Uint8Array][]): Uint8Array {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: fflate loads only on a cache miss
  const { Zip } = require("fflate") as typeof import("fflate");
  const chunks: Uint8Array[] = [];
  const zip = new Zip((error, chunk) => {
    if (error) throw error;
    chunks.push(chunk);
  });
  for (const [filename, data] of entries) {
    const file: import("fflate").ZipInputFile = {
      filename,
      size: data.byteLength,
      crc: crc32(data),
      compression: 8, // deflate
      mtime: ZIP_TIME,
      os: 3, // Unix, so that attrs holds the mode
      attrs: (0o100644 << 16) >>> 0,
    };
    zip.add(file);
    file.ondata!(null, deflateRawSync(data, { level: 6 }), true);
  }
  zip.end();
  return Buffer.concat(chunks);
}

function crc32(data: Uint8Array): number {
  const native = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;
  if (native === undefined) throw new Error(`building the Lambda package needs Node.js 20.15 or later (zlib.crc32); this is ${process.version}`);
  return native(data);
}

function pruneCache(cacheDir: string, keep: string): void {
  const zips = readdirSync(cacheDir)
    .filter((f) => f.endsWith(".zip") && !f.startsWith(keep))
    .map((f) => ({ f, mtime: statSync(join(cacheDir, f)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const { f } of zips.slice(CACHE_KEEP)) {
    rmSync(join(cacheDir, f), { force: true });
    rmSync(join(cacheDir, f.replace(/\.zip$/, ".json")), { force: true });
  }
}
