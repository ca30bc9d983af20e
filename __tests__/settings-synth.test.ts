/**
 * Whatever the settings, synth either refuses them naming a setting, or builds a stack that no
 * construct, and no policy, refuses: a construct's prop never stands in for the setting's message.
 */
import fc from "fast-check";
import { availabilityZonesOf, AWS_REGIONS } from "../aws/regions";
import { resolveSettings, SettingsError } from "../config/settings";
import { synthLab } from "./helpers/synth";

const digits = (min: number, max: number) => fc.integer({ min, max }).map(String);
const prefix = fc.array(fc.constantFrom("a", "b", "c", "raw", "data", "out"), { minLength: 1, maxLength: 3 }).map((parts) => `${parts.join("/")}/`);

/** Each setting unset or given a value the setting allows (the combination may still be refused). */
const validSettings = fc
  .record(
    {
      LAB_STACK_NAME: fc.stringMatching(/^[a-z][a-z0-9-]{0,35}$/),
      LAB_REGION: fc.constantFrom(...AWS_REGIONS),
      LAB_BUCKET_NAME: fc.stringMatching(/^[a-z0-9][a-z0-9-]{1,40}[a-z0-9]$/),
      LAB_SOURCE_STREAM_NAME: fc.stringMatching(/^[a-zA-Z0-9_.-]{1,64}$/),
      LAB_DESTINATION_STREAM_NAME: fc.stringMatching(/^[a-zA-Z0-9_.-]{1,64}$/),
      LAB_ANALYTICS_ENGINE: fc.constantFrom("micro-batch", "kinesis-analytics-sql"),
      LAB_APPLICATION_NAME: fc.stringMatching(/^[a-zA-Z0-9_-]{1,64}$/),
      LAB_SOURCE_PREFIX: prefix,
      LAB_DESTINATION_PREFIX: prefix,
      LAB_BUFFER_SIZE_MIB: digits(1, 128),
      LAB_BUFFER_INTERVAL_SECONDS: digits(0, 900),
      LAB_COMPRESSION: fc.constantFrom("UNCOMPRESSED", "GZIP"),
      LAB_LOG_RETENTION_DAYS: fc.constantFrom("1", "7", "365", "3653"),
      LAB_GENERATOR_RATE: fc.double({ min: 0.001, max: 2912, noNaN: true }).map((n) => String(Math.max(0.001, Number(n.toFixed(3))))),
      LAB_PACK_BYTES: fc.oneof(fc.constant("0"), digits(0, 1_024_000)),
      LAB_REPLAY_KEY: fc.stringMatching(/^[a-z0-9_-]{1,20}$/).map((name) => `replay/${name}.csv`),
      LAB_INSTANCE_TYPE: fc.constantFrom("t3.micro", "t2.nano", "m7i-flex.large", "c5.metal", "r8i.96xlarge"),
      LAB_VPC_CIDR: fc.tuple(fc.integer({ min: 0, max: 2 ** 24 - 1 }), fc.integer({ min: 16, max: 28 })).map(([n, bits]) => {
        const address = ((10 * 2 ** 24 + n) >>> (32 - bits)) * 2 ** (32 - bits); // inside 10.0.0.0/8, host bits zero
        return `${[24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join(".")}/${bits}`;
      }),
      LAB_ANALYTICS_TIMEOUT_SECONDS: digits(1, 900),
      LAB_ANALYTICS_MEMORY_MIB: digits(128, 10_240),
      LAB_ANALYTICS_CONCURRENCY: fc.oneof(fc.constant("unreserved"), digits(1, 1000)),
      LAB_STATE_BUCKET: fc.stringMatching(/^[a-z0-9][a-z0-9-]{1,20}[a-z0-9]$/),
    },
    { requiredKeys: [] },
  )
  .chain((env) =>
    fc.record({
      env: fc.constant(env),
      zone: fc.constantFrom(...availabilityZonesOf(env.LAB_REGION ?? "us-east-1")),
      replay: fc.boolean(),
      // Now and then one value a setting refuses.
      invalid: fc.oneof(
        { weight: 3, arbitrary: fc.constant(null) },
        {
          weight: 1,
          arbitrary: fc.constantFrom<[string, string]>(
            ["LAB_STACK_NAME", "l".repeat(37)],
            ["LAB_INSTANCE_TYPE", "t4g.small"],
            ["LAB_VPC_CIDR", "10.1.0.0/8"],
            ["LAB_SOURCE_PREFIX", "a*/"],
            ["LAB_GENERATOR_RATE", "2912.5"],
            ["LAB_AVAILABILITY_ZONE", "us-east-1z"],
            ["LAB_LOG_RETENTION_DAYS", "10"],
            ["LAB_BUFFER_SIZE_MIB", "0"],
          ),
        },
      ),
    }),
  )
  .map(({ env, zone, replay, invalid }) => ({
    ...env,
    // Pairs refused together are left to `invalid`: the SQL application takes no packing, and an
    // unpacked stream no more than 1000 records/s.
    ...(env.LAB_ANALYTICS_ENGINE === "kinesis-analytics-sql" && env.LAB_PACK_BYTES !== undefined ? { LAB_PACK_BYTES: "0" } : {}),
    ...(Number(env.LAB_GENERATOR_RATE) > 1000 && !(Number(env.LAB_PACK_BYTES ?? 5000) >= 1080 && env.LAB_ANALYTICS_ENGINE !== "kinesis-analytics-sql")
      ? { LAB_GENERATOR_RATE: String(Number(env.LAB_GENERATOR_RATE) / 3) }
      : {}),
    LAB_AVAILABILITY_ZONE: zone,
    ...(replay && env.LAB_BUCKET_NAME !== undefined ? { LAB_GENERATOR_MODE: "replay" } : {}),
    ...(invalid ? { [invalid[0]]: invalid[1] } : {}),
  }));

describe("settings and synth (property)", () => {
  it("either refuse naming a setting, or synthesize a stack no construct or policy refuses", () => {
    let synthesized = 0;
    fc.assert(
      fc.property(validSettings, (env: Record<string, string>) => {
        try {
          resolveSettings({ env });
        } catch (e) {
          expect(e).toBeInstanceOf(SettingsError);
          for (const problem of (e as SettingsError).problems)
            expect({ env, problem }).toEqual({ env, problem: expect.stringMatching(/^LAB_[A-Z_]+ = ".*" is not allowed: /) });
          return;
        }
        synthesized += 1;
        const { stack } = synthLab(env);
        const errors = stack.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === "@cdktf/error").map((m) => String(m.data)));
        expect({ env, errors }).toEqual({ env, errors: [] });
      }),
      { numRuns: 20 },
    );
    // The property says little unless most runs get as far as synth.
    expect(synthesized).toBeGreaterThanOrEqual(8);
  });

  it("synthesizes the edge values every setting allows", () => {
    const edges: Record<string, string>[] = [
      { LAB_STACK_NAME: `l${"a".repeat(35)}`, LAB_BUCKET_NAME: "a".repeat(63), LAB_GENERATOR_MODE: "replay", LAB_REPLAY_KEY: `r/${"k".repeat(1000)}.csv` },
      {
        LAB_SOURCE_STREAM_NAME: "S".repeat(64),
        LAB_DESTINATION_STREAM_NAME: "D".repeat(64),
        LAB_APPLICATION_NAME: "A".repeat(64),
        LAB_SOURCE_PREFIX: `${"s".repeat(504)}/`,
        LAB_DESTINATION_PREFIX: `${"d".repeat(504)}/`,
      },
      {
        LAB_ANALYTICS_ENGINE: "kinesis-analytics-sql",
        LAB_APPLICATION_NAME: "A.".repeat(64),
        LAB_COMPRESSION: "HADOOP_SNAPPY",
        LAB_VPC_CIDR: "192.168.255.240/28",
      },
      {
        LAB_BUFFER_SIZE_MIB: "128",
        LAB_BUFFER_INTERVAL_SECONDS: "0",
        LAB_ANALYTICS_TIMEOUT_SECONDS: "900",
        LAB_ANALYTICS_MEMORY_MIB: "10240",
        LAB_ANALYTICS_CONCURRENCY: "1000",
        LAB_GENERATOR_RATE: "2912",
        LAB_PACK_BYTES: "1024000",
        LAB_VPC_CIDR: "10.0.0.0/16",
      },
      { LAB_GENERATOR_RATE: "1000", LAB_PACK_BYTES: "0" },
    ];
    for (const env of edges) {
      const { stack } = synthLab(env);
      expect(stack.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === "@cdktf/error"))).toEqual([]);
    }
  });
});
