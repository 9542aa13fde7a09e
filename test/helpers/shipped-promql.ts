/**
 * The PromQL the project ships, as the live tests evaluate it: every dashboard query and template
 * variable (Grafana variables substituted), every recording rule and every alert rule.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { substituteGrafanaVariables } from '../pipeline/promql.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));


export interface ShippedExpr {
  where: string;
  expr: string;
  /** Alert rules: the condition may legitimately be false on a healthy test node. */
  alert?: boolean;
  /** Recording rules: the recorded series name. */
  record?: string;
}

export function dashboardExprs(values: { node: string; namespace: string; pod: string }): ShippedExpr[] {
  const out: ShippedExpr[] = [];
  const vars = { cluster: '', node: values.node, namespace: values.namespace, pod: values.pod, container: '.*' };
  type Panel = { title: string; targets?: { expr?: string; refId?: string }[]; panels?: Panel[] };
  const walk = (panels: Panel[]): Panel[] => panels.flatMap((p) => [p, ...walk(p.panels ?? [])]);
  for (const file of readdirSync(`${REPO}grafana/dashboards`).filter((f) => f.endsWith('.json'))) {
    const dash = JSON.parse(readFileSync(`${REPO}grafana/dashboards/${file}`, 'utf8')) as {
      panels: Panel[];
      templating: { list: { name: string; type: string; query?: string | { query: string } }[] };
    };
    for (const p of walk(dash.panels)) {
      for (const t of p.targets ?? []) if (t.expr) out.push({ where: `${file} / ${p.title} / ${t.refId}`, expr: substituteGrafanaVariables(t.expr, '.*', vars) });
    }
    for (const v of dash.templating.list) {
      if (v.type !== 'query') continue;
      const q = typeof v.query === 'string' ? v.query : (v.query?.query ?? '');
      const m = /^label_values\(([\s\S]+),\s*[a-zA-Z_]\w*\s*\)$/.exec(q.trim());
      if (m?.[1]) out.push({ where: `${file} / variable ${v.name}`, expr: substituteGrafanaVariables(m[1], '.*', vars) });
    }
  }
  return out;
}

export function ruleFiles(): string[] {
  return readdirSync(`${REPO}prometheus/rules`)
    .filter((f) => f.endsWith('.yml'))
    .map((f) => `${REPO}prometheus/rules/${f}`);
}

export function ruleExprs(): ShippedExpr[] {
  const out: ShippedExpr[] = [];
  for (const file of ruleFiles()) {
    const doc = parseYaml(readFileSync(file, 'utf8')) as { groups: { rules: { record?: string; alert?: string; expr: string }[] }[] };
    for (const g of doc.groups) {
      for (const r of g.rules) {
        out.push({ where: `${file.slice(file.lastIndexOf('/') + 1)} / ${r.record ?? r.alert}`, expr: r.expr, ...(r.alert ? { alert: true } : { record: r.record }) });
      }
    }
  }
  return out;
}

/** The signal behind an alert condition: the left side of its final scalar comparison, or absent()'s selector. */
export function alertSignal(expr: string): string {
  const e = expr.trim();
  const absent = /^absent\(([\s\S]+)\)$/.exec(e);
  if (absent?.[1]) return absent[1];
  const cmp = /^([\s\S]+)\s*(==|!=|>=|<=|>|<)\s*\(?\s*[\d.\s/()]+\)?\s*$/.exec(e);
  if (cmp?.[1]) return cmp[1];
  const unless = /^\(\s*([\s\S]+?)\s+unless\s+[\s\S]+\)$/.exec(e);
  if (unless?.[1]) return unless[1];
  return e;
}

/** Kubernetes-mixin queries on kube-state-metrics series, which these tests do not run. */
export const needsKsm = (e: ShippedExpr): boolean => /\bkube_[a-z_]+/.test(e.expr);
