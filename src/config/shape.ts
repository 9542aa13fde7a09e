/**
 * The typed config object, derived from the schema: its type from each leaf's format at the type
 * level, its value by copying each leaf from convict. A key is declared once, in schema.ts; nothing
 * here names a key.
 */

/** The value each declared format yields once convict has coerced and validated it. */
export interface FormatValues {
  /** Milliseconds: the 'duration-ms' format's coerce turns "10s" into 10000. */
  'duration-ms': number;
  nat: number;
  port: number;
  'abs-path': string;
  'optional-path': string;
  'otlp-endpoint': string;
  'cri-endpoint': string;
  headers: Record<string, string>;
  'string-map': Record<string, string>;
  'string-list': string[];
  'metric-overrides': Record<string, boolean>;
}

/** What a leaf may declare as its format: a name above, Boolean, String, or the allowed strings. */
export type Format = keyof FormatValues | BooleanConstructor | StringConstructor | readonly string[];

export interface LeafDecl {
  doc: string;
  format: Format;
  default: unknown;
  sensitive?: boolean;
  /** Inclusive bounds: a number for counts, a duration ("100ms", "24h") for 'duration-ms' keys. */
  min?: number | string;
  max?: number | string;
  /**
   * Where the value sits in AgentConfig (full dotted path) when not at the key path, e.g.
   * 'collection.intervalMs' for collection.interval: the name says the unit the code gets.
   */
  as?: string;
}

export interface SchemaTree {
  readonly [key: string]: LeafDecl | SchemaTree;
}

export type ValueOf<F> = F extends BooleanConstructor
  ? boolean
  : F extends StringConstructor
    ? string
    : F extends readonly (infer U extends string)[]
      ? U
      : F extends keyof FormatValues
        ? FormatValues[F]
        : never;

type Join<P extends string, K extends string> = P extends '' ? K : `${P}.${K}`;

/** One { path, value } per leaf: its AgentConfig path and the type its format yields. */
export type LeafEntries<T, P extends string = ''> = {
  [K in keyof T & string]: T[K] extends LeafDecl
    ? { path: T[K] extends { as: infer A extends string } ? A : Join<P, K>; value: ValueOf<T[K]['format']> }
    : LeafEntries<T[K], Join<P, K>>;
}[keyof T & string];

type Entry = { path: string; value: unknown };
type Head<P extends string> = P extends `${infer H}.${string}` ? H : P;
type Below<E extends Entry, H extends string> = E extends { path: `${H}.${infer R}`; value: infer V } ? { path: R; value: V } : never;

/** Entries back into nested objects: 'a.b' and 'a.c' become { a: { b; c } }. */
export type Nest<E extends Entry> = {
  [H in Head<E['path']>]: [Below<E, H>] extends [never] ? Extract<E, { path: H }>['value'] : Nest<Below<E, H>>;
};

/** The config type a schema tree yields. */
export type ConfigOf<T extends SchemaTree> = Nest<LeafEntries<T>>;

/**
 * The config object: every leaf's value (as convict holds it, coerced by its format) at its config
 * path. The one cast from convict's untyped values to the derived type is here; test/config/shape
 * checks each leaf's runtime type against its format.
 */
export function buildConfig<C>(leaves: readonly { path: string; configPath: string }[], get: (keyPath: string) => unknown): C {
  const out: Record<string, unknown> = {};
  for (const { path, configPath } of leaves) {
    const segs = configPath.split('.');
    const last = segs.pop() as string;
    let node = out;
    for (const seg of segs) node = (node[seg] ??= {}) as Record<string, unknown>;
    node[last] = get(path);
  }
  return out as C;
}
