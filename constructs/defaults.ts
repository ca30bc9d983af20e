/**
 * The constructs' defaults, as data in one place: what a construct uses when a prop is left out.
 * The settings (config/settings.ts) and the cost estimate read the same facts from here, so a
 * default is written once. Defaults that only one construct knows stay beside its prop.
 */
import { CompressionFormat } from "../aws/limits";

/** Days every log group keeps its events (one of CloudWatch's allowed values). */
export const LOG_RETENTION_DAYS_DEFAULT = 14;

/** Days a noncurrent object version is kept (the cost estimate counts them as stored). */
export const NONCURRENT_VERSION_EXPIRATION_DAYS = 7;

/** The generator's root volume in GiB: the image's own size, so also the least it may be (the cost estimate counts it too). */
export const GENERATOR_ROOT_VOLUME_GIB = 8;

/** The generator's instance type: x86_64, which its image is built for. */
export const GENERATOR_INSTANCE_TYPE = "t3.micro";

/** Records per second the generator sends. */
export const GENERATOR_RATE = 1;

/** Compression of the objects a delivery stream writes. */
export const DELIVERY_COMPRESSION: CompressionFormat = "UNCOMPRESSED";

/** Seconds the micro-batch function may take for one object. */
export const MICRO_BATCH_TIMEOUT_SECONDS = 60;

/** The micro-batch function's memory in MiB. */
export const MICRO_BATCH_MEMORY_MIB = 512;
