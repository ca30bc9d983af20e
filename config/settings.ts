/**
 * The lab's settings: one table of every knob, with its default, its `cdktf.json` context key and
 * its environment variable. Precedence: environment > `cdktf.json` context > default.
 *
 * Every value is parsed and checked here, before any construct exists, so a bad value stops synth
 * with a message naming the setting, the value and what is allowed; Terraform never sees it.
 */
import { readFileSync } from "node:fs";
import { isAbsolute, join, relative } from "node:path";
import {
  ANALYTICS_APPLICATION_NAME,
  COMPRESSION_FORMATS,
  CompressionFormat,
  FIREHOSE_BUFFER_INTERVAL_SECONDS,
  FIREHOSE_BUFFER_SIZE_MIB,
  FIREHOSE_DIRECT_PUT_PER_SECOND,
  FIREHOSE_MAX_RECORD_BYTES,
  FIREHOSE_PACK_BYTES,
  FIREHOSE_STREAM_NAME,
  LAMBDA_FUNCTION_NAME,
  LAMBDA_MEMORY_MIB,
  LAMBDA_RESERVED_CONCURRENCY,
  LAMBDA_TIMEOUT_SECONDS,
  LOG_RETENTION_DAYS,
  S3_BUCKET_NAME,
  S3_OBJECT_KEY,
  S3_BUCKET_NAME_PREFIX_MAX,
  S3_PREFIX,
  S3_PREFIX_MAX_LENGTH,
  S3_RESERVED_BUCKET_PREFIXES,
  S3_STATE_KEY,
} from "../aws/limits";
import { availabilityZonesOf, KNOWN_REGION } from "../aws/regions";
import {
  DELIVERY_COMPRESSION,
  GENERATOR_INSTANCE_TYPE,
  GENERATOR_RATE,
  LOG_RETENTION_DAYS_DEFAULT,
  MICRO_BATCH_MEMORY_MIB,
  MICRO_BATCH_TIMEOUT_SECONDS,
} from "../constructs/defaults";
import { cdktfJsonContext } from "./cdktf-json";
import { x86InstanceTypeProblem } from "../aws/instance-types";
import { firehoseErrorOutputPrefix, NamedPrefix, overlappingPrefixes, staticPrefix } from "../aws/key-prefixes";
import { Allowed, Diagnosis, integerIn, IntegerRange, matching, notAllowed, oneOf, OneOf } from "../input/allowed";
import { UnusableInputError } from "../input/unusable-input";
import { vpcCidrProblem } from "../aws/vpc-cidr";

/** Thrown when one or more settings (or cdktf.json) are unusable; `problems` holds one line per bad setting. */
export class SettingsError extends UnusableInputError {
  constructor(problems: string[]) {
    super(problems, "Invalid lab settings");
    this.name = "SettingsError";
  }
}

/**
 * Stack names: the start of resource names, and of the generated bucket name (`<stack>-` plus 26
 * characters from Terraform), so short, DNS-safe, and not a start S3 reserves.
 */
const STACK_NAME_MAX = S3_BUCKET_NAME_PREFIX_MAX - 1;
const STACK_NAME = matching(
  new RegExp(`^(?!${S3_RESERVED_BUCKET_PREFIXES.join("|")})[a-z][a-z0-9-]{0,${STACK_NAME_MAX - 1}}$`),
  `1-${STACK_NAME_MAX} characters: a lower-case letter, then lower-case letters, digits, '-' ` +
    `(it starts the generated bucket name), not starting with ${S3_RESERVED_BUCKET_PREFIXES.join(", ")} (reserved by S3)`,
);

/**
 * The default of LAB_PACK_BYTES, the lab's choice rather than a construct's (a construct packs
 * nothing unless told): Firehose bills ingestion per record rounded up to the next 5 KB, so
 * records packed up to 5,000 bytes (one unit, whichever way KB is read) cost one unit instead of one each.
 */
export const PACK_BYTES_DEFAULT = 5_000;

/** Where the generator's records come from: synthesized from the schema, or replayed from a CSV in S3. */
const GENERATOR_MODES = oneOf(["synthetic", "replay"] as const);
/** One of GENERATOR_MODES. */
type GeneratorMode = (typeof GENERATOR_MODES.values)[number];

export interface LabSettings {
  /** Name of the Terraform stack (and prefix of resource names). */
  readonly stackName: string;
  /** AWS region everything is created in. */
  readonly region: string;
  /** Availability zone of the generator's subnet. */
  readonly availabilityZone: string;
  /** Exact bucket name, or undefined to let Terraform generate a unique one from a prefix. */
  readonly bucketName: string | undefined;
  /** Days after which delivered objects expire (0: never). */
  readonly objectExpirationDays: number;
  /** Whether destroy deletes the bucket with its objects. */
  readonly bucketForceDestroy: boolean;
  readonly sourceStreamName: string;
  readonly destinationStreamName: string;
  /** What runs the analytics SQL: a Lambda function per delivered object, or the (discontinued) SQL application. */
  readonly analyticsEngine: AnalyticsEngineName;
  readonly applicationName: string;
  readonly sourcePrefix: string;
  readonly destinationPrefix: string;
  readonly bufferSizeMiB: number;
  readonly bufferIntervalSeconds: number;
  readonly compression: CompressionFormat;
  readonly logRetentionDays: number;
  /** Records per second the generator sends. */
  readonly generatorRate: number;
  /**
   * Most bytes of newline-delimited records the generator (and the micro-batch analytics) packs into
   * one Firehose record; 0: one record per Firehose record (packing off, as the legacy engine needs).
   */
  readonly packBytes: number;
  /** Synthesize records from the schema, or replay s3://<bucketName>/<replayKey>. */
  readonly generatorMode: GeneratorMode;
  /** Key of the CSV the generator replays in replay mode. */
  readonly replayKey: string;
  readonly instanceType: string;
  /** CIDR block of the generator's own VPC. */
  readonly vpcCidr: string;
  /** micro-batch engine: seconds one invocation may take. */
  readonly analyticsTimeoutSeconds: number;
  /** micro-batch engine: the function's memory in MiB. */
  readonly analyticsMemoryMiB: number;
  /** micro-batch engine: reserved concurrency, or "unreserved". */
  readonly analyticsConcurrency: number | "unreserved";
  /** S3 bucket holding the Terraform state, or undefined for a local state file. */
  readonly stateBucket: string | undefined;
  /** Key of the state object in the state bucket. */
  readonly stateKey: string;
  /** Region of the state bucket. */
  readonly stateRegion: string;
}

/** What can run the analytics SQL (LAB_ANALYTICS_ENGINE). */
const ANALYTICS_ENGINES = oneOf(["micro-batch", "kinesis-analytics-sql"] as const);
/** One of ANALYTICS_ENGINES. */
type AnalyticsEngineName = (typeof ANALYTICS_ENGINES.values)[number];
/** Compression formats the micro-batch engine can read back from S3. */
const MICRO_BATCH_COMPRESSION = oneOf<CompressionFormat>(["UNCOMPRESSED", "GZIP"]);

type Raw = string | number | boolean;

interface SettingSpec<K extends keyof LabSettings> {
  key: K;
  env: string;
  /** What the setting means, for error messages and the README. */
  description: string;
  /** The default, possibly derived from settings parsed before this one. */
  default: (earlier: Partial<LabSettings>) => LabSettings[K];
  /** Parses a raw value; returns the value or an Invalid saying what is allowed. */
  parse: (raw: string, earlier: Partial<LabSettings>) => LabSettings[K] | Invalid;
  /** What leaving the setting unset means, when its default is undefined (shown in the README). */
  unset?: string;
}

/** A parse failure: the words for what is allowed. */
class Invalid {
  constructor(readonly words: string) {}
}

/** A whole number, written as one, within the range. */
function integer(range: IntegerRange) {
  return (raw: string): number | Invalid => {
    if (!/^-?\d+$/.test(raw.trim())) return new Invalid(range.words);
    const n = Number(raw);
    return range.test(n) ? n : new Invalid(range.words);
  };
}

/** A string the Allowed allows, as it is. */
function accepting(allowed: Allowed<string>) {
  return (raw: string): string | Invalid => (allowed.test(raw) ? raw : new Invalid(allowed.words));
}

/** One of the listed values, written as it prints (spaces around it ignored). */
function pick<T extends string | number>(allowed: OneOf<T>) {
  return (raw: string): T | Invalid => {
    const found = allowed.values.find((v) => String(v) === raw.trim());
    return found !== undefined ? found : new Invalid(allowed.words);
  };
}

/** A data prefix: literal, and short enough that Firehose's error prefix for it (errors/ + it) is one too. */
function prefix(raw: string): string | Invalid {
  if (!S3_PREFIX.test(raw)) return new Invalid(S3_PREFIX.words);
  const errors = staticPrefix(firehoseErrorOutputPrefix(raw));
  return S3_PREFIX.test(errors)
    ? raw
    : new Invalid(
        `at most ${S3_PREFIX_MAX_LENGTH - (errors.length - raw.length)} characters, so that its error prefix (${errors.slice(0, errors.length - raw.length)} + the prefix) is at most ${S3_PREFIX_MAX_LENGTH} too`,
      );
}

/** A setting of the S3 state backend means nothing without the state bucket: refuse it rather than ignore it. */
function withStateBucket<T>(parse: (raw: string) => T | Invalid) {
  return (raw: string, s: Partial<LabSettings>): T | Invalid =>
    s.stateBucket === undefined ? new Invalid("left unset unless LAB_STATE_BUCKET is set (without it, state is a local file)") : parse(raw);
}

/** A diagnosis (what is allowed when the value is not), as a parse. */
function checkedBy(problem: Diagnosis<string>) {
  return (raw: string): string | Invalid => {
    const allowed = problem(raw);
    return allowed === undefined ? raw : new Invalid(allowed);
  };
}

/** The largest lab record seen: of 20,000 seeded generator records (mean 321) and the lab's 1,402 CSV rows (a test keeps them within it). */
export const LAB_RECORD_MAX_BYTES = 360;

/**
 * The generator's highest rate: what one Firehose stream takes of the lab's records, its records a
 * second (each Firehose record holds as many as fit in packBytes, at least one) and its bytes.
 */
export function generatorRateMax(packBytes: number): number {
  const perFirehoseRecord = Math.max(1, Math.floor(packBytes / LAB_RECORD_MAX_BYTES));
  return Math.min(FIREHOSE_DIRECT_PUT_PER_SECOND.records * perFirehoseRecord, Math.floor(FIREHOSE_DIRECT_PUT_PER_SECOND.bytes / LAB_RECORD_MAX_BYTES));
}

function rate(raw: string, s: Partial<LabSettings>): number | Invalid {
  const packBytes = s.packBytes ?? 0;
  const max = generatorRateMax(packBytes);
  const highest = generatorRateMax(FIREHOSE_MAX_RECORD_BYTES);
  const allowed =
    `a number of records per second greater than 0 and at most ${max} with LAB_PACK_BYTES=${packBytes}` +
    (max < highest ? ` (${highest} with packing of ${LAB_RECORD_MAX_BYTES * Math.ceil(highest / FIREHOSE_DIRECT_PUT_PER_SECOND.records)} bytes or more)` : "");
  if (!/^\d+(\.\d+)?$/.test(raw.trim())) return new Invalid(allowed);
  const n = Number(raw);
  return n > 0 && n <= max ? n : new Invalid(allowed);
}

function spec<K extends keyof LabSettings>(s: SettingSpec<K>): SettingSpec<K> {
  return s;
}

/** Every setting, in the order they are parsed (later defaults may depend on earlier values). */
export const SETTINGS = [
  spec({
    key: "stackName",
    env: "LAB_STACK_NAME",
    description: "Terraform stack name; also the prefix of resource names",
    default: () => "streaming-lab",
    parse: accepting(STACK_NAME),
  }),
  spec({
    key: "region",
    env: "LAB_REGION",
    description: "AWS region",
    default: () => "us-east-1",
    parse: accepting(KNOWN_REGION),
  }),
  spec({
    key: "availabilityZone",
    env: "LAB_AVAILABILITY_ZONE",
    description: "availability zone of the generator's subnet",
    default: (s) => `${s.region ?? ""}a`,
    parse: (raw, s) => {
      const region = s.region ?? "";
      const zones = availabilityZonesOf(region);
      return zones.includes(raw) ? raw : new Invalid(`a zone of ${region}: ${zones.join(", ")}`);
    },
  }),
  spec({
    key: "bucketName",
    env: "LAB_BUCKET_NAME",
    description: "exact bucket name (default: generated, unique, starting with the stack name)",
    default: () => undefined,
    parse: accepting(S3_BUCKET_NAME),
    unset: "generated",
  }),
  spec({
    key: "objectExpirationDays",
    env: "LAB_OBJECT_EXPIRATION_DAYS",
    description: "days after which delivered objects expire; 0 keeps them",
    default: () => 30,
    parse: integer(integerIn({ min: 0, max: 3650 })),
  }),
  spec({
    key: "bucketForceDestroy",
    env: "LAB_BUCKET_FORCE_DESTROY",
    description: "whether destroy also deletes every object (and version) in the bucket",
    default: () => false,
    parse: (raw) => (raw === "true" ? true : raw === "false" ? false : new Invalid("true or false")),
  }),
  spec({
    key: "sourceStreamName",
    env: "LAB_SOURCE_STREAM_NAME",
    description: "name of the delivery stream the generator writes to",
    default: () => "Source",
    parse: accepting(FIREHOSE_STREAM_NAME),
  }),
  spec({
    key: "destinationStreamName",
    env: "LAB_DESTINATION_STREAM_NAME",
    description: "name of the delivery stream the analytics output goes to",
    default: () => "Destination",
    parse: (raw, s) => {
      if (!FIREHOSE_STREAM_NAME.test(raw)) return new Invalid(FIREHOSE_STREAM_NAME.words);
      return raw === s.sourceStreamName ? new Invalid(`a name other than the source stream's (${raw})`) : raw;
    },
  }),
  spec({
    key: "analyticsEngine",
    env: "LAB_ANALYTICS_ENGINE",
    description: "what runs the analytics SQL",
    default: () => "micro-batch",
    parse: pick(ANALYTICS_ENGINES),
  }),
  spec({
    key: "applicationName",
    env: "LAB_APPLICATION_NAME",
    description: "name of the analytics (the Lambda function, or the SQL application)",
    default: () => "StreamApplication",
    parse: (raw, s) =>
      s.analyticsEngine === "kinesis-analytics-sql"
        ? accepting(ANALYTICS_APPLICATION_NAME)(raw)
        : LAMBDA_FUNCTION_NAME.test(raw)
          ? raw
          : new Invalid(`${LAMBDA_FUNCTION_NAME.words} (a Lambda function name)`),
  }),
  spec({
    key: "sourcePrefix",
    env: "LAB_SOURCE_PREFIX",
    description: "S3 key prefix of the raw records",
    default: () => "source/",
    parse: prefix,
  }),
  spec({
    key: "destinationPrefix",
    env: "LAB_DESTINATION_PREFIX",
    description: "S3 key prefix of the analytics output",
    default: () => "destination/",
    // Its overlap with the other key prefixes is checked once all are known (keyPrefixProblems).
    parse: prefix,
  }),
  spec({
    key: "bufferSizeMiB",
    env: "LAB_BUFFER_SIZE_MIB",
    description: "Firehose buffer size in MiB (both streams)",
    default: () => 1,
    parse: integer(FIREHOSE_BUFFER_SIZE_MIB),
  }),
  spec({
    key: "bufferIntervalSeconds",
    env: "LAB_BUFFER_INTERVAL_SECONDS",
    description: "Firehose buffer interval in seconds (both streams)",
    default: () => 60,
    parse: integer(FIREHOSE_BUFFER_INTERVAL_SECONDS),
  }),
  spec({
    key: "compression",
    env: "LAB_COMPRESSION",
    description: "compression of delivered S3 objects",
    default: () => DELIVERY_COMPRESSION,
    parse: (raw, s) => {
      const parsed = pick(COMPRESSION_FORMATS)(raw);
      if (parsed instanceof Invalid || s.analyticsEngine !== "micro-batch" || MICRO_BATCH_COMPRESSION.test(parsed)) return parsed;
      return new Invalid(`${MICRO_BATCH_COMPRESSION.words} with the micro-batch engine (it reads the source objects back)`);
    },
  }),
  spec({
    key: "logRetentionDays",
    env: "LAB_LOG_RETENTION_DAYS",
    description: "retention of every CloudWatch log group, in days",
    default: () => LOG_RETENTION_DAYS_DEFAULT,
    parse: pick(LOG_RETENTION_DAYS),
  }),
  spec({
    key: "packBytes",
    env: "LAB_PACK_BYTES",
    description: "most bytes of records packed into one Firehose record (0: one record each)",
    // One 5 KB billing unit (5,000 bytes fits either reading of KB): Firehose rounds each record up to it.
    default: (s) => (s.analyticsEngine === "kinesis-analytics-sql" ? 0 : PACK_BYTES_DEFAULT),
    parse: (raw, s) => {
      // The range without its note: the settings' words for it are "an integer from 0 to 1024000".
      const n = integer(integerIn(FIREHOSE_PACK_BYTES))(raw);
      if (n instanceof Invalid || n === 0 || s.analyticsEngine !== "kinesis-analytics-sql") return n;
      return new Invalid("0 with the kinesis-analytics-sql engine (the SQL application reads one JSON document per Firehose record)");
    },
  }),
  spec({
    key: "generatorRate",
    env: "LAB_GENERATOR_RATE",
    description: "records per second the generator sends",
    default: () => GENERATOR_RATE,
    parse: rate,
  }),
  spec({
    key: "generatorMode",
    env: "LAB_GENERATOR_MODE",
    description: "generator mode (where its records come from)",
    default: () => "synthetic",
    parse: (raw, s) => {
      const mode = pick(GENERATOR_MODES)(raw);
      // The instance reads s3://<bucket>/<key>, written into its user data at synth: the name must be known.
      return mode === "replay" && s.bucketName === undefined
        ? new Invalid("synthetic, or replay together with an exact LAB_BUCKET_NAME (the instance is told the bucket's name at synth)")
        : mode;
    },
  }),
  spec({
    key: "replayKey",
    env: "LAB_REPLAY_KEY",
    description: "S3 key of the CSV the generator replays (replay mode)",
    default: () => "replay/banking_loss.csv",
    parse: accepting(S3_OBJECT_KEY),
  }),
  spec({
    key: "instanceType",
    env: "LAB_INSTANCE_TYPE",
    description: "EC2 instance type of the generator",
    default: () => GENERATOR_INSTANCE_TYPE,
    parse: checkedBy(x86InstanceTypeProblem),
  }),
  spec({
    key: "vpcCidr",
    env: "LAB_VPC_CIDR",
    description: "CIDR block of the generator's VPC",
    default: () => "10.20.0.0/24",
    parse: checkedBy(vpcCidrProblem),
  }),
  spec({
    key: "analyticsTimeoutSeconds",
    env: "LAB_ANALYTICS_TIMEOUT_SECONDS",
    description: "seconds the micro-batch function may take for one object",
    default: () => MICRO_BATCH_TIMEOUT_SECONDS,
    parse: integer(LAMBDA_TIMEOUT_SECONDS),
  }),
  spec({
    key: "analyticsMemoryMiB",
    env: "LAB_ANALYTICS_MEMORY_MIB",
    description: "memory of the micro-batch function in MiB",
    default: () => MICRO_BATCH_MEMORY_MIB,
    parse: integer(LAMBDA_MEMORY_MIB),
  }),
  spec({
    key: "analyticsConcurrency",
    env: "LAB_ANALYTICS_CONCURRENCY",
    description: "reserved concurrency of the micro-batch function",
    default: () => "unreserved" as const,
    parse: (raw) => {
      if (raw.trim() === "unreserved") return "unreserved" as const;
      const n = integer(LAMBDA_RESERVED_CONCURRENCY)(raw);
      return n instanceof Invalid ? new Invalid(`unreserved or ${n.words}`) : n;
    },
  }),
  spec({
    key: "stateBucket",
    env: "LAB_STATE_BUCKET",
    description: "S3 bucket holding the Terraform state (encrypted, S3-native locking)",
    default: () => undefined,
    parse: accepting(S3_BUCKET_NAME),
    unset: "none: local state file",
  }),
  spec({
    key: "stateKey",
    env: "LAB_STATE_KEY",
    description: "key of the Terraform state object in the state bucket",
    default: (s) => `${s.stackName ?? ""}/terraform.tfstate`,
    parse: withStateBucket(accepting(S3_STATE_KEY)),
  }),
  spec({
    key: "stateRegion",
    env: "LAB_STATE_REGION",
    description: "region of the state bucket",
    default: (s) => s.region as string,
    parse: withStateBucket(accepting(KNOWN_REGION)),
  }),
] as const;

export interface SettingsSources {
  /** Environment variables (default: none). */
  env?: Record<string, string | undefined>;
  /** `cdktf.json` context values, keyed by the settings' camelCase names (default: none). */
  context?: Record<string, unknown>;
}

/** Where a setting's value came from: the name a message gives it, and the text as given. */
interface Given {
  readonly origin: string;
  readonly raw: string;
}

/**
 * Resolves every setting from the environment, then the context, then its default, and checks
 * each, then the key prefixes together (defaults included). Throws a SettingsError listing every
 * bad value (not only the first).
 */
export function resolveSettings(sources: SettingsSources = {}): LabSettings {
  const env = sources.env ?? {};
  const context = sources.context ?? {};
  const known = new Set<string>(SETTINGS.map((s) => s.key));
  const problems = Object.keys(context)
    .filter((k) => !known.has(k))
    .map((k) => `cdktf.json context key "${k}" is not a setting; known keys: ${[...known].join(", ")}`);

  const resolved: Partial<Record<keyof LabSettings, unknown>> = {};
  const given: Partial<Record<keyof LabSettings, Given>> = {};
  const refused = new Set<keyof LabSettings>();
  for (const s of SETTINGS as readonly SettingSpec<keyof LabSettings>[]) {
    const fromEnv = env[s.env];
    const fromContext = context[s.key];
    let raw: Raw | undefined;
    let origin: string;
    if (fromEnv !== undefined && fromEnv !== "") {
      raw = fromEnv;
      origin = s.env;
    } else if (fromContext !== undefined && fromContext !== null) {
      raw = fromContext as Raw;
      origin = `cdktf.json context "${s.key}"`;
    } else {
      resolved[s.key] = s.default(resolved as Partial<LabSettings>);
      continue;
    }
    // Later checks read earlier values: a refused value is replaced by its default for them.
    if (!["string", "number", "boolean"].includes(typeof raw)) {
      problems.push(notAllowed(origin, raw, new Invalid(`a string, number or boolean, not ${Array.isArray(raw) ? "an array" : typeof raw}`), s.description));
      refused.add(s.key);
      resolved[s.key] = s.default(resolved as Partial<LabSettings>);
      continue;
    }
    given[s.key] = { origin, raw: String(raw) };
    const value = s.parse(String(raw), resolved as Partial<LabSettings>);
    if (value instanceof Invalid) {
      problems.push(notAllowed(origin, String(raw), value, s.description));
      refused.add(s.key);
      resolved[s.key] = s.default(resolved as Partial<LabSettings>);
    } else {
      resolved[s.key] = value;
    }
  }
  problems.push(...keyPrefixProblems(resolved as unknown as LabSettings, given, refused));
  if (problems.length > 0) throw new SettingsError(problems);
  return resolved as unknown as LabSettings;
}

/** One of the stack's key prefixes, and the setting it comes from. */
export interface StackPrefix extends NamedPrefix {
  readonly setting: keyof LabSettings;
  /** Firehose's error prefix for the setting's data prefix, not the setting's value itself. */
  readonly derived: boolean;
}

/**
 * Every key prefix the stack gives the bucket, from the settings: the data prefixes, the error
 * prefixes Firehose derives from them, and the replay key when it is used (replay mode) or set.
 */
export function stackKeyPrefixes(settings: LabSettings, replayKeySet = false): StackPrefix[] {
  const errors = (dataPrefix: string) => staticPrefix(firehoseErrorOutputPrefix(dataPrefix));
  const prefixes: StackPrefix[] = [
    { name: "the source prefix", prefix: settings.sourcePrefix, setting: "sourcePrefix", derived: false },
    { name: "the destination prefix", prefix: settings.destinationPrefix, setting: "destinationPrefix", derived: false },
    { name: "the source stream's error prefix", prefix: errors(settings.sourcePrefix), setting: "sourcePrefix", derived: true },
    { name: "the destination stream's error prefix", prefix: errors(settings.destinationPrefix), setting: "destinationPrefix", derived: true },
  ];
  if (settings.generatorMode === "replay" || replayKeySet) {
    prefixes.push({ name: "the replay key", prefix: settings.replayKey, setting: "replayKey", derived: false });
  }
  return prefixes;
}

/**
 * Overlapping key prefixes would mix raw, processed and failed objects (and loop the trigger on
 * the source prefix): every pair is checked, values left at their default included. The problem
 * is reported on a setting the user gave (the later one when both were), naming the other prefix
 * and where it comes from.
 */
function keyPrefixProblems(settings: LabSettings, given: Partial<Record<keyof LabSettings, Given>>, refused: ReadonlySet<keyof LabSettings>): string[] {
  const specOf = (key: keyof LabSettings) => SETTINGS.find((s) => s.key === key)!;
  const order = (p: StackPrefix) => SETTINGS.findIndex((s) => s.key === p.setting) * 2 + (p.derived ? 0 : 1);
  const blame = (p: StackPrefix) => (given[p.setting] !== undefined ? 2 : 0) + (p.derived ? 0 : 1);
  const prefixes = stackKeyPrefixes(settings, given.replayKey !== undefined).filter((p) => !refused.has(p.setting));
  const problems = new Map<keyof LabSettings, string>(); // one per setting: the first overlap found
  for (const pair of overlappingPrefixes(prefixes)) {
    // Blame a given value over a default, the value itself over a prefix derived from it, the later over the earlier.
    const [other, blamed] = [...pair].sort((x, y) => blame(x) - blame(y) || order(x) - order(y));
    if (problems.has(blamed.setting)) continue;
    const spec = specOf(blamed.setting);
    const from = given[blamed.setting] ?? { origin: spec.env, raw: blamed.prefix };
    const source = `${other.derived ? "errors/ + " : ""}${specOf(other.setting).env}${given[other.setting] === undefined ? "'s default" : ""}`;
    // (An error prefix is never the one blamed: errors/<a> and errors/<b> overlap only when a and b do.)
    const what = blamed.setting === "replayKey" ? "a key outside" : "a key prefix that neither contains nor is contained in";
    problems.set(blamed.setting, notAllowed(from.origin, from.raw, new Invalid(`${what} ${other.name} ${other.prefix} (${source})`), spec.description));
  }
  return [...problems.values()];
}

/** The project folder: where `cdktf.json` and the local Terraform state are. */
export const PROJECT_DIR = join(__dirname, "..");

/**
 * Settings from the project's `cdktf.json` context, overridden by `LAB_*` environment variables:
 * what synth uses, and the defaults of the tools (the verifier) that work on what it built.
 * An unreadable or malformed `cdktf.json` is a SettingsError naming the file.
 */
export function settingsFromProject(env: NodeJS.ProcessEnv = process.env, options: { file?: string; defaults?: Record<string, unknown> } = {}): LabSettings {
  const file = options.file ?? join(PROJECT_DIR, "cdktf.json");
  const inProject = relative(PROJECT_DIR, file);
  const shown = inProject.startsWith("..") || isAbsolute(inProject) ? file : inProject;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new SettingsError([`${shown} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`]);
  }
  const parsed = cdktfJsonContext(text, shown);
  if ("problem" in parsed) throw new SettingsError([parsed.problem]);
  // `defaults` (context keys) stand in for the built-in defaults where neither cdktf.json nor the environment sets a value.
  return resolveSettings({ env, context: { ...options.defaults, ...parsed.context } });
}
