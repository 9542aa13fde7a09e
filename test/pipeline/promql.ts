/**
 * Just enough PromQL lexing for asserting on dashboard and rule queries: which metric names a query
 * selects, and with which label matchers. Syntax is promtool's job (the tests run it on every query);
 * this only has to be right for syntactically valid PromQL.
 */

/** Function and aggregation names, and keywords, that appear as bare identifiers. */
const NON_METRIC = new Set([
  'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'and', 'or', 'unless', 'atan2',
  'inf', 'nan', 'Inf', 'NaN',
]);
/** Identifiers followed by a parenthesised label list rather than an expression. */
const LABEL_LIST = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);

interface Token {
  kind: 'ident' | 'string' | 'number' | 'punct' | 'matchers' | 'range';
  text: string;
}

function tokenize(expr: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < expr.length) {
    const c = expr[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '#') {
      while (i < expr.length && expr[i] !== '\n') i++;
    } else if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < expr.length && expr[j] !== c) j += expr[j] === '\\' && c !== '`' ? 2 : 1;
      out.push({ kind: 'string', text: expr.slice(i, j + 1) });
      i = j + 1;
    } else if (c === '{') {
      // Label matchers: keep the raw text; strings inside may contain braces.
      let j = i + 1;
      while (j < expr.length && expr[j] !== '}') {
        const q = expr[j]!;
        if (q === '"' || q === "'" || q === '`') {
          j++;
          while (j < expr.length && expr[j] !== q) j += expr[j] === '\\' && q !== '`' ? 2 : 1;
        }
        j++;
      }
      out.push({ kind: 'matchers', text: expr.slice(i + 1, j) });
      i = j + 1;
    } else if (c === '[') {
      const j = expr.indexOf(']', i);
      out.push({ kind: 'range', text: expr.slice(i + 1, j) });
      i = j + 1;
    } else if (/[0-9.]/.test(c)) {
      const m = /^(0x[0-9a-fA-F]+|[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?[a-zA-Z0-9_]*)/.exec(expr.slice(i));
      const t = m?.[0] ?? c;
      out.push({ kind: 'number', text: t });
      i += t.length;
    } else if (/[a-zA-Z_:]/.test(c)) {
      const t = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(expr.slice(i))![0];
      out.push({ kind: 'ident', text: t });
      i += t.length;
    } else if (c === '$') {
      // A Grafana variable standing for a duration or value (`offset $__range`): not a selector.
      const t = /^\$(\{[^}]*\}|[a-zA-Z_][a-zA-Z0-9_]*)/.exec(expr.slice(i))?.[0] ?? c;
      out.push({ kind: 'number', text: t });
      i += t.length;
    } else {
      out.push({ kind: 'punct', text: c });
      i++;
    }
  }
  return out;
}

export interface Selector {
  /** The metric name ('' for a `{__name__=…}`-only selector). */
  name: string;
  /** The raw matcher text between the braces ('' when the selector has none). */
  matchers: string;
}

/** Vector selectors of a (valid) PromQL expression, in order of appearance. */
export function selectors(expr: string): Selector[] {
  const tokens = tokenize(expr);
  const out: Selector[] = [];
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k]!;
    const next = tokens[k + 1];
    if (t.kind === 'ident') {
      if (LABEL_LIST.has(t.text)) {
        // skip "( a, b )"
        if (next?.text === '(') {
          let depth = 0;
          for (k = k + 1; k < tokens.length; k++) {
            if (tokens[k]!.text === '(') depth++;
            else if (tokens[k]!.text === ')' && --depth === 0) break;
          }
        }
        continue;
      }
      if (NON_METRIC.has(t.text)) continue;
      if (next?.kind === 'punct' && next.text === '(') continue; // a function call
      if (next?.kind === 'ident' && (next.text === 'by' || next.text === 'without')) continue; // sum by (…) (…)
      out.push({ name: t.text, matchers: next?.kind === 'matchers' ? next.text : '' });
    } else if (t.kind === 'matchers') {
      const prev = tokens[k - 1];
      if (prev?.kind !== 'ident' || NON_METRIC.has(prev.text)) out.push({ name: '', matchers: t.text });
    }
  }
  return out;
}

/** Metric names a (valid) PromQL expression selects. */
export function metricNames(expr: string): string[] {
  return [...new Set(selectors(expr).map((s) => s.name).filter((n) => n !== ''))];
}

/**
 * Replaces Grafana's built-in interval variables by durations and every other `$var` / `${var}` /
 * `[[var]]` by `values[var]` (or `fallback`), so that a dashboard query becomes plain PromQL.
 */
export function substituteGrafanaVariables(expr: string, fallback = '.*', values: Readonly<Record<string, string>> = {}): string {
  return expr
    .replace(/\$__rate_interval|\$\{__rate_interval\}/g, '5m')
    .replace(/\$__interval_ms|\$\{__interval_ms\}/g, '60000')
    .replace(/\$__interval|\$\{__interval\}/g, '1m')
    .replace(/\$__range_s|\$\{__range_s\}/g, '3600')
    .replace(/\$__range|\$\{__range\}/g, '1h')
    .replace(/\$\{([a-zA-Z_][a-zA-Z0-9_]*)(?::[a-z]+)?\}|\$([a-zA-Z_][a-zA-Z0-9_]*)|\[\[([a-zA-Z_][a-zA-Z0-9_]*)\]\]/g, (_m, a?: string, b?: string, c?: string) => {
      const name = a ?? b ?? c ?? '';
      return values[name] ?? fallback;
    });
}
