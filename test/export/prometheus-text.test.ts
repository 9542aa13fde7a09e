import type { Attributes } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  MeterProvider,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { formatValue, renderPrometheusText } from '../../src/export/prometheus/text.js';
import { OnDemandReader } from '../../src/export/sdk/pipeline.js';

async function collect(resource: Attributes, register: (meter: ReturnType<MeterProvider['getMeter']>) => void): Promise<ResourceMetrics> {
  const reader = new OnDemandReader();
  const provider = new MeterProvider({ resource: resourceFromAttributes(resource), readers: [reader] });
  register(provider.getMeter('podpulse-test', '0.0.0'));
  const { resourceMetrics, errors } = await reader.collect();
  expect(errors).toEqual([]);
  await provider.shutdown();
  return resourceMetrics;
}

const NODE = { 'service.name': 'cadvisor', 'service.instance.id': 'node-a', 'k8s.node.name': 'node-a', 'host.name': 'node-a' };
const BASE = { id: '/kubepods/pod1/abc', name: 'abc', image: 'nginx:1.27', container: 'web', pod: 'web-0', namespace: 'default' };

describe('renderPrometheusText', () => {
  it('renders cAdvisor-named instruments, job/instance and target_info exactly', async () => {
    const rm = await collect(NODE, (meter) => {
      meter
        .createObservableCounter('container_cpu_usage_seconds_total', {
          unit: 's',
          description: 'Cumulative cpu time consumed in seconds.',
        })
        .addCallback((r) => {
          r.observe(12.5, { ...BASE, cpu: 'total' });
          r.observe(3, { ...BASE, container: 'sidecar', name: 'def', id: '/kubepods/pod1/def', cpu: 'total' });
        });
      meter
        .createObservableGauge('container_memory_rss', { unit: '', description: 'Size of RSS in bytes.' })
        .addCallback((r) => r.observe(1048576, BASE));
      meter
        .createObservableUpDownCounter('container.memory.working_set', { unit: 'By', description: 'Current working set in bytes.' })
        .addCallback((r) => r.observe(2097152, BASE));
      meter.createObservableGauge('up', { unit: '' }).addCallback((r) => r.observe(1));
    });
    expect(renderPrometheusText(rm)).toBe(
      [
        '# HELP container_cpu_usage_seconds_total Cumulative cpu time consumed in seconds.',
        '# TYPE container_cpu_usage_seconds_total counter',
        'container_cpu_usage_seconds_total{container="sidecar",cpu="total",id="/kubepods/pod1/def",image="nginx:1.27",instance="node-a",job="cadvisor",name="def",namespace="default",pod="web-0"} 3',
        'container_cpu_usage_seconds_total{container="web",cpu="total",id="/kubepods/pod1/abc",image="nginx:1.27",instance="node-a",job="cadvisor",name="abc",namespace="default",pod="web-0"} 12.5',
        '# HELP container_memory_rss Size of RSS in bytes.',
        '# TYPE container_memory_rss gauge',
        'container_memory_rss{container="web",id="/kubepods/pod1/abc",image="nginx:1.27",instance="node-a",job="cadvisor",name="abc",namespace="default",pod="web-0"} 1048576',
        '# HELP container_memory_working_set_bytes Current working set in bytes.',
        '# TYPE container_memory_working_set_bytes gauge',
        'container_memory_working_set_bytes{container="web",id="/kubepods/pod1/abc",image="nginx:1.27",instance="node-a",job="cadvisor",name="abc",namespace="default",pod="web-0"} 2097152',
        '# HELP target_info Target metadata',
        '# TYPE target_info gauge',
        'target_info{host_name="node-a",instance="node-a",job="cadvisor",k8s_node_name="node-a"} 1',
        '# TYPE up gauge',
        'up{instance="node-a",job="cadvisor"} 1',
        '',
      ].join('\n'),
    );
  });

  it('translates OTel names with suffixes and escapes attribute keys', async () => {
    const rm = await collect({ 'service.name': 'podpulse' }, (meter) => {
      meter.createObservableCounter('container.network.receive', { unit: 'By' }).addCallback((r) => r.observe(5, { 'network.interface.name': 'eth0' }));
      meter.createObservableGauge('k8s.container.cpu_limit_utilization', { unit: '1' }).addCallback((r) => r.observe(0.25));
      meter.createObservableUpDownCounter('items.count', { unit: '1' }).addCallback((r) => r.observe(7, { '0zone': 'a' }));
    });
    expect(renderPrometheusText(rm)).toBe(
      [
        '# TYPE container_network_receive_bytes_total counter',
        'container_network_receive_bytes_total{job="podpulse",network_interface_name="eth0"} 5',
        '# TYPE items_count gauge',
        'items_count{job="podpulse",key_0zone="a"} 7',
        '# TYPE k8s_container_cpu_limit_utilization_ratio gauge',
        'k8s_container_cpu_limit_utilization_ratio{job="podpulse"} 0.25',
        '',
      ].join('\n'),
    );
  });

  it('escapes backslash, quote and newline in label values, and backslash and newline in HELP', async () => {
    const rm = await collect({ 'service.name': 'cadvisor' }, (meter) => {
      meter
        .createObservableGauge('g', { description: 'line one\nC:\\path "quoted"' })
        .addCallback((r) => r.observe(1, { path: 'C:\\dir\\"x"\nnext' }));
    });
    expect(renderPrometheusText(rm)).toBe(
      [
        '# HELP g line one\\nC:\\\\path "quoted"',
        '# TYPE g gauge',
        'g{job="cadvisor",path="C:\\\\dir\\\\\\"x\\"\\nnext"} 1',
        '',
      ].join('\n'),
    );
  });

  it('formats special and large values as Prometheus expects', async () => {
    const rm = await collect({ 'service.name': 'cadvisor' }, (meter) => {
      meter.createObservableGauge('v').addCallback((r) => {
        r.observe(NaN, { k: 'a_nan' });
        r.observe(Infinity, { k: 'b_pinf' });
        r.observe(-Infinity, { k: 'c_ninf' });
        r.observe(2 ** 53, { k: 'd_2p53' });
        r.observe(18446744073709551615, { k: 'e_u64max' });
        r.observe(0.1, { k: 'f_tenth' });
        r.observe(-42, { k: 'g_neg' });
        r.observe(1e-7, { k: 'h_tiny' });
      });
    });
    expect(renderPrometheusText(rm).split('\n').slice(1, -1)).toEqual([
      'v{job="cadvisor",k="a_nan"} NaN',
      'v{job="cadvisor",k="b_pinf"} +Inf',
      'v{job="cadvisor",k="c_ninf"} -Inf',
      'v{job="cadvisor",k="d_2p53"} 9007199254740992',
      'v{job="cadvisor",k="e_u64max"} 18446744073709552000',
      'v{job="cadvisor",k="f_tenth"} 0.1',
      'v{job="cadvisor",k="g_neg"} -42',
      'v{job="cadvisor",k="h_tiny"} 1e-7',
    ]);
  });

  it('joins the values of attributes that collide after escaping, in key order, once per distinct value', async () => {
    const rm = await collect({ 'service.name': 'cadvisor' }, (meter) => {
      meter.createObservableGauge('c').addCallback((r) => {
        r.observe(1, { 'a.b': 'x', a_b: 'y', 'a-b': 'z' });
        r.observe(2, { 'q.r': 'same', q_r: 'same' });
      });
    });
    expect(renderPrometheusText(rm)).toBe(
      ['# TYPE c gauge', 'c{a_b="z;x;y",job="cadvisor"} 1', 'c{job="cadvisor",q_r="same"} 2', ''].join('\n'),
    );
  });

  it('stringifies number, boolean and array attribute values like the collector', async () => {
    const rm = await collect({ 'service.name': 'cadvisor' }, (meter) => {
      meter.createObservableGauge('t').addCallback((r) => r.observe(1, { n: 3, f: 0.5, b: true, arr: ['x', 'y'] }));
    });
    expect(renderPrometheusText(rm)).toContain('t{arr="[\\"x\\",\\"y\\"]",b="true",f="0.5",job="cadvisor",n="3"} 1');
  });

  it('sets job from service.namespace/service.name and lets it replace a data-point job attribute', async () => {
    const rm = await collect({ 'service.name': 'cadvisor', 'service.namespace': 'kube-system', 'service.instance.id': 'n1' }, (meter) => {
      meter.createObservableGauge('g').addCallback((r) => r.observe(1, { job: 'mine', instance: 'mine', other: 'kept' }));
    });
    expect(renderPrometheusText(rm)).toBe(
      ['# TYPE g gauge', 'g{instance="n1",job="kube-system/cadvisor",other="kept"} 1', ''].join('\n'),
    );
  });

  it('keeps a data-point job when the resource has no service.name, and then emits no job label', () => {
    const rm = handBuilt({ 'k8s.node.name': 'n1' }, [gaugeMetric('g', [{ attributes: { job: 'mine' }, value: 1 }])]);
    // target_info is skipped: it needs job or instance.
    expect(renderPrometheusText(rm)).toBe(['# TYPE g gauge', 'g{job="mine"} 1', ''].join('\n'));
  });

  it('leaves target_info out when the resource has only service attributes, when disabled, and when nothing was collected', async () => {
    const onlyService = await collect({ 'service.name': 'cadvisor', 'service.instance.id': 'n1' }, (meter) => {
      meter.createObservableGauge('g').addCallback((r) => r.observe(1));
    });
    expect(renderPrometheusText(onlyService)).not.toContain('target_info');
    const withNode = await collect(NODE, (meter) => {
      meter.createObservableGauge('g').addCallback((r) => r.observe(1));
    });
    expect(renderPrometheusText(withNode)).toContain('target_info{');
    expect(renderPrometheusText(withNode, { targetInfo: false })).not.toContain('target_info');
    const empty = await collect(NODE, (meter) => {
      meter.createObservableGauge('g').addCallback(() => undefined);
    });
    expect(renderPrometheusText(empty)).toBe('');
  });

  it('skips histograms and delta sums', async () => {
    const rm = await collect({ 'service.name': 'cadvisor' }, (meter) => {
      meter.createHistogram('latency', { unit: 's' }).record(0.5);
      meter.createObservableGauge('kept').addCallback((r) => r.observe(1));
    });
    expect(renderPrometheusText(rm)).toBe(['# TYPE kept gauge', 'kept{job="cadvisor"} 1', ''].join('\n'));
    const delta = handBuilt({ 'service.name': 'cadvisor' }, [
      {
        descriptor: { name: 'd', description: '', unit: '', valueType: 1 },
        aggregationTemporality: AggregationTemporality.DELTA,
        dataPointType: DataPointType.SUM,
        isMonotonic: true,
        dataPoints: [point({}, 4)],
      },
    ]);
    expect(renderPrometheusText(delta)).toBe('');
  });

  it('keeps the first TYPE when two instruments map to one name with different types', async () => {
    const rm = await collect({ 'service.name': 'cadvisor' }, (meter) => {
      meter.createObservableCounter('requests').addCallback((r) => r.observe(5));
      meter.createObservableGauge('requests_total').addCallback((r) => r.observe(9));
      meter.createObservableCounter('requests.total').addCallback((r) => r.observe(6, { shard: '2' }));
    });
    expect(renderPrometheusText(rm)).toBe(
      [
        '# TYPE requests_total counter',
        'requests_total{job="cadvisor"} 5',
        'requests_total{job="cadvisor",shard="2"} 6',
        '',
      ].join('\n'),
    );
  });

  it('drops a data point whose attribute key has no valid label name', () => {
    const rm = handBuilt({ 'service.name': 'cadvisor' }, [
      gaugeMetric('g', [
        { attributes: { __: 'x' }, value: 1 },
        { attributes: { ok: 'y' }, value: 2 },
      ]),
    ]);
    expect(renderPrometheusText(rm)).toBe(['# TYPE g gauge', 'g{job="cadvisor",ok="y"} 2', ''].join('\n'));
  });

  it('is deterministic whatever the registration order', async () => {
    const a = await collect(NODE, (meter) => {
      meter.createObservableGauge('b').addCallback((r) => r.observe(2, { z: '1', a: '2' }));
      meter.createObservableGauge('a').addCallback((r) => {
        r.observe(1, { k: 'y' });
        r.observe(1, { k: 'x' });
      });
    });
    const b = await collect(NODE, (meter) => {
      meter.createObservableGauge('a').addCallback((r) => {
        r.observe(1, { k: 'x' });
        r.observe(1, { k: 'y' });
      });
      meter.createObservableGauge('b').addCallback((r) => r.observe(2, { a: '2', z: '1' }));
    });
    expect(renderPrometheusText(a)).toBe(renderPrometheusText(b));
  });
});

describe('formatValue', () => {
  it.each([
    [0, '0'],
    [1, '1'],
    [-1, '-1'],
    [1234567, '1234567'],
    [1.5, '1.5'],
    [1e21, '1e+21'],
    [NaN, 'NaN'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
  ])('%s → %s', (value, text) => {
    expect(formatValue(value)).toBe(text);
  });
});

function point(attributes: Attributes, value: number) {
  return { attributes, value, startTime: [0, 0] as [number, number], endTime: [0, 0] as [number, number] };
}

function gaugeMetric(name: string, points: Array<{ attributes: Attributes; value: number }>): ResourceMetrics['scopeMetrics'][number]['metrics'][number] {
  return {
    descriptor: { name, description: '', unit: '', valueType: 1 },
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.GAUGE,
    dataPoints: points.map((p) => point(p.attributes, p.value)),
  };
}

function handBuilt(resource: Attributes, metrics: ResourceMetrics['scopeMetrics'][number]['metrics']): ResourceMetrics {
  return { resource: resourceFromAttributes(resource), scopeMetrics: [{ scope: { name: 'hand' }, metrics }] };
}
