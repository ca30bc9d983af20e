/** A loss-event JSON Schema as the project reads it, once the meta-schema has accepted it (./meta-schema.ts). */
export interface LossEventSchema {
  readonly $id: string;
  readonly required: readonly string[];
  readonly properties: Record<string, Record<string, unknown>>;
}
