import { AgentError } from '../../errors.js';

/**
 * OTel → Prometheus metric and label names, as the OpenTelemetry Collector's
 * prometheusremotewrite exporter (and Prometheus' own OTLP receiver) produce them with the default
 * `UnderscoreEscapingWithSuffixes` strategy: prometheus/otlptranslator `MetricNamer{
 * WithMetricSuffixes: true }` and `LabelNamer{}`, no namespace. Rules as implemented there
 * (metric_namer.go normalizeName, unit_namer.go, strconv.go, read at 51da7739):
 *
 * 1. The name is split into tokens on every character outside [a-zA-Z0-9:].
 * 2. The unit is split at the first `/`. The main part, unless it contains `{` or `}`, maps through
 *    UNIT_WORDS (unknown units pass through); the per part maps through PER_UNIT_WORDS and
 *    becomes `per_<word>`. Both are cleaned to [a-zA-Z0-9:_] with runs of `_` collapsed.
 * 3. Each unit word is appended unless it already is one of the name's tokens.
 * 4. A monotonic counter loses every `total` token and gets `total` appended.
 * 5. A gauge whose unit is exactly `1` loses every `ratio` token and gets `ratio` appended.
 * 6. Tokens are joined with `_`; a leading digit gets a `_` prefix.
 */
export type PrometheusMetricKind = 'gauge' | 'monotonic-counter' | 'non-monotonic-counter';

// Maps, not object literals: a unit such as `constructor` must pass through, not hit Object.prototype.
const UNIT_WORDS: ReadonlyMap<string, string> = new Map(Object.entries({
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tibibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '1': '',
  '%': 'percent',
}));

const PER_UNIT_WORDS: ReadonlyMap<string, string> = new Map(Object.entries({
  s: 'second',
  m: 'minute',
  h: 'hour',
  d: 'day',
  w: 'week',
  mo: 'month',
  y: 'year',
}));

const NOT_METRIC_CHAR = /[^a-zA-Z0-9:]/g;
const NOT_METRIC_CHARS = /[^a-zA-Z0-9:]+/;

/** The Prometheus metric name the collector would give this OTel metric. */
export function prometheusMetricName(name: string, unit: string, kind: PrometheusMetricKind): string {
  let tokens = name.split(NOT_METRIC_CHARS).filter((t) => t !== '');

  const [mainWord, perWord] = unitWords(unit);
  let main = cleanUnit(mainWord);
  let per = cleanUnit(perWord);
  if (tokens.includes(main)) main = '';
  if (per === 'per_') {
    per = '';
  } else {
    per = trimSuffix(per, '_');
    if (tokens.includes(per)) per = '';
  }
  if (per !== '') main = trimSuffix(main, '_');
  if (main !== '') tokens.push(main);
  if (per !== '') tokens.push(per);

  if (kind === 'monotonic-counter') tokens = [...tokens.filter((t) => t !== 'total'), 'total'];
  if (unit === '1' && kind === 'gauge') tokens = [...tokens.filter((t) => t !== 'ratio'), 'ratio'];

  let out = tokens.join('_');
  if (/^[0-9]/.test(out)) out = `_${out}`;
  if (out === '') throw new AgentError('EXPORT', `metric name ${JSON.stringify(name)} normalizes to an empty name`);
  return out;
}

/**
 * The Prometheus label name for an attribute key: characters outside [a-zA-Z0-9] become `_` with
 * runs collapsed to one (so `_` runs collapse too), except that a `__reserved__` key keeps its
 * double underscores at both ends; a leading digit gets a `key_` prefix. An empty key, or one that
 * is only underscores after this, has no valid name and throws.
 */
export function prometheusLabelName(key: string): string {
  if (key === '') throw new AgentError('EXPORT', 'empty attribute key has no Prometheus label name');
  const reserved = key.length >= 4 && key.startsWith('__') && key.endsWith('__');
  const inner = reserved ? key.slice(2, -2) : key;
  let out = '';
  let prevUnderscore = false;
  for (const ch of inner) {
    if (/^[a-zA-Z0-9]$/.test(ch)) {
      out += ch;
      prevUnderscore = false;
    } else if (!prevUnderscore) {
      out += '_';
      prevUnderscore = true;
    }
  }
  if (reserved) out = `__${out}__`;
  if (/^[0-9]/.test(out)) out = `key_${out}`;
  if (/^_*$/.test(out)) {
    throw new AgentError('EXPORT', `attribute key ${JSON.stringify(key)} normalizes to the invalid label ${JSON.stringify(out)}`);
  }
  return out;
}

/** [main word, per word] before cleaning; `""` where the unit contributes nothing. */
function unitWords(unit: string): [string, string] {
  const slash = unit.indexOf('/');
  const mainUnit = (slash < 0 ? unit : unit.slice(0, slash)).trim();
  let main = '';
  if (mainUnit !== '' && !/[{}]/.test(mainUnit)) main = UNIT_WORDS.get(mainUnit) ?? mainUnit;
  let per = '';
  if (slash >= 0) {
    const perUnit = unit.slice(slash + 1).trim();
    if (perUnit !== '' && !/[{}]/.test(perUnit)) per = PER_UNIT_WORDS.get(perUnit) ?? perUnit;
    if (per !== '') per = `per_${per}`;
  }
  return [main, per];
}

/** Invalid characters to `_`, runs of `_` collapsed, one leading `_` dropped (otlptranslator cleanUpUnit). */
function cleanUnit(word: string): string {
  const collapsed = word.replace(NOT_METRIC_CHAR, '_').replace(/_+/g, '_');
  return collapsed.startsWith('_') ? collapsed.slice(1) : collapsed;
}

function trimSuffix(s: string, suffix: string): string {
  return s.endsWith(suffix) ? s.slice(0, -suffix.length) : s;
}
