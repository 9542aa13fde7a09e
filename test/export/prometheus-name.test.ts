import { describe, expect, it } from 'vitest';
import { AgentError } from '../../src/errors.js';
import { prometheusLabelName, prometheusMetricName, type PrometheusMetricKind } from '../../src/export/prometheus/name.js';

type Case = [name: string, kind: PrometheusMetricKind, unit: string, expected: string];

describe('prometheusMetricName: worked examples (design notes §5.4)', () => {
  it.each<Case>([
    ['container.memory.working_set', 'gauge', 'By', 'container_memory_working_set_bytes'],
    ['container.memory.working_set', 'non-monotonic-counter', 'By', 'container_memory_working_set_bytes'],
    ['container.memory.usage', 'gauge', 'By', 'container_memory_usage_bytes'],
    ['container.cpu.usage', 'monotonic-counter', 's', 'container_cpu_usage_seconds_total'],
    ['container.cpu.time', 'monotonic-counter', 's', 'container_cpu_time_seconds_total'],
    ['container.memory.rss', 'gauge', 'By', 'container_memory_rss_bytes'],
    ['container_memory_rss', 'gauge', '', 'container_memory_rss'],
    ['container_memory_cache', 'gauge', '{byte}', 'container_memory_cache'],
    ['container.network.receive', 'monotonic-counter', 'By', 'container_network_receive_bytes_total'],
    ['container.network.receive.packets', 'monotonic-counter', '{packet}', 'container_network_receive_packets_total'],
    [
      'container.network.receive.packets.dropped',
      'monotonic-counter',
      '{packet}',
      'container_network_receive_packets_dropped_total',
    ],
    ['container.fs.reads', 'monotonic-counter', 'By', 'container_fs_reads_bytes_total'],
    ['container.fs.reads', 'monotonic-counter', '{operation}', 'container_fs_reads_total'],
    ['container.fs.reads', 'monotonic-counter', '1', 'container_fs_reads_total'],
    ['container.cpu.cfs.periods', 'monotonic-counter', '{period}', 'container_cpu_cfs_periods_total'],
    ['container.cpu.cfs.throttled_periods', 'monotonic-counter', '{period}', 'container_cpu_cfs_throttled_periods_total'],
    ['container_cpu_usage_seconds_total', 'monotonic-counter', 's', 'container_cpu_usage_seconds_total'],
    ['container_memory_failcnt', 'monotonic-counter', '{failure}', 'container_memory_failcnt_total'],
    ['container_last_seen', 'gauge', 's', 'container_last_seen_seconds'],
    ['container_start_time_seconds', 'gauge', 's', 'container_start_time_seconds'],
    ['container_processes', 'gauge', '1', 'container_processes_ratio'],
    ['container_network_tcp_usage_total', 'gauge', '', 'container_network_tcp_usage_total'],
    ['k8s.container.cpu_limit_utilization', 'gauge', '1', 'k8s_container_cpu_limit_utilization_ratio'],
    ['k8s.pod.cpu.usage', 'gauge', '{cpu}', 'k8s_pod_cpu_usage'],
    ['k8s.pod.network.io', 'monotonic-counter', 'By', 'k8s_pod_network_io_bytes_total'],
    ['container.cpu.pressure.time', 'monotonic-counter', 's', 'container_cpu_pressure_time_seconds_total'],
    ['container.cpu.pressure.avg', 'gauge', '%', 'container_cpu_pressure_avg_percent'],
  ])('%s (%s, unit %j) → %s', (name, kind, unit, expected) => {
    expect(prometheusMetricName(name, unit, kind)).toBe(expected);
  });
});

describe('prometheusMetricName: cAdvisor names must pass through unchanged', () => {
  it.each<Case>([
    ['container_memory_rss', 'gauge', '', 'container_memory_rss'],
    ['container_memory_cache', 'gauge', '', 'container_memory_cache'],
    ['container_memory_swap', 'gauge', '', 'container_memory_swap'],
    ['container_memory_working_set_bytes', 'gauge', 'By', 'container_memory_working_set_bytes'],
    ['container_cpu_usage_seconds_total', 'monotonic-counter', 's', 'container_cpu_usage_seconds_total'],
    ['container_cpu_cfs_periods_total', 'monotonic-counter', '{period}', 'container_cpu_cfs_periods_total'],
    ['container_network_receive_bytes_total', 'monotonic-counter', 'By', 'container_network_receive_bytes_total'],
    ['container_fs_reads_total', 'monotonic-counter', '{operation}', 'container_fs_reads_total'],
    ['container_spec_memory_limit_bytes', 'gauge', 'By', 'container_spec_memory_limit_bytes'],
    ['container_memory_failcnt', 'gauge', '', 'container_memory_failcnt'],
    ['container_memory_failcnt', 'non-monotonic-counter', '{failure}', 'container_memory_failcnt'],
    ['container_last_seen', 'gauge', '', 'container_last_seen'],
    ['machine_cpu_cores', 'gauge', '', 'machine_cpu_cores'],
    ['machine_memory_bytes', 'gauge', 'By', 'machine_memory_bytes'],
    ['up', 'gauge', '', 'up'],
  ])('%s (%s, unit %j)', (name, kind, unit, expected) => {
    expect(prometheusMetricName(name, unit, kind)).toBe(expected);
  });

  it('container_memory_failcnt as a monotonic counter would gain _total, so the catalog must use a gauge', () => {
    expect(prometheusMetricName('container_memory_failcnt', '', 'monotonic-counter')).toBe('container_memory_failcnt_total');
    expect(prometheusMetricName('container_memory_failcnt', '', 'gauge')).toBe('container_memory_failcnt');
  });

  it('container_last_seen with unit s would gain _seconds, so the catalog must use unit ""', () => {
    expect(prometheusMetricName('container_last_seen', 's', 'gauge')).toBe('container_last_seen_seconds');
    expect(prometheusMetricName('container_last_seen', '', 'gauge')).toBe('container_last_seen');
  });
});

describe('prometheusMetricName: otlptranslator rules', () => {
  it.each<Case>([
    // `total` moves to the end and is never duplicated
    ['requests', 'monotonic-counter', '', 'requests_total'],
    ['requests_total', 'monotonic-counter', '', 'requests_total'],
    ['total.requests', 'monotonic-counter', '', 'requests_total'],
    ['requests_total', 'gauge', '', 'requests_total'],
    ['requests.total.seconds', 'monotonic-counter', 's', 'requests_seconds_total'],
    // `ratio` only for gauges with unit exactly "1"
    ['cpu_usage', 'gauge', '1', 'cpu_usage_ratio'],
    ['cpu_usage_ratio', 'gauge', '1', 'cpu_usage_ratio'],
    ['ratio.cpu', 'gauge', '1', 'cpu_ratio'],
    ['items', 'monotonic-counter', '1', 'items_total'],
    ['items', 'non-monotonic-counter', '1', 'items'],
    ['items', 'gauge', ' 1', 'items'],
    // units: mapped, unknown passed through and cleaned, {annotations} dropped
    ['response_time', 'gauge', 'ms', 'response_time_milliseconds'],
    ['memory', 'gauge', 'MiBy', 'memory_mebibytes'],
    ['temp', 'gauge', 'Cel', 'temp_celsius'],
    ['custom_metric', 'gauge', 'custom_unit', 'custom_metric_custom_unit'],
    ['custom_metric', 'gauge', '{custom}', 'custom_metric'],
    ['custom_metric', 'gauge', 'By/{custom}', 'custom_metric_bytes'],
    ['custom_metric', 'gauge', 'unit@with#special/chars', 'custom_metric_unit_with_special_per_chars'],
    ['metric__with__multiple__underscores', 'gauge', 'unit__multiple__underscores', 'metric_with_multiple_underscores_unit_multiple_underscores'],
    // per-units
    ['requests', 'gauge', '1/s', 'requests_per_second'],
    ['throughput', 'gauge', 'By/s', 'throughput_bytes_per_second'],
    ['requests', 'monotonic-counter', '1/s', 'requests_per_second_total'],
    ['requests', 'monotonic-counter', '{request}/s', 'requests_per_second_total'],
    ['rate', 'gauge', 'By/mo', 'rate_bytes_per_month'],
    ['rate', 'gauge', 'By/', 'rate_bytes'],
    // unit word already a token of the name
    ['response_time_seconds', 'gauge', 's', 'response_time_seconds'],
    ['seconds.spent', 'gauge', 's', 'seconds_spent'],
    ['cpu_seconds_total', 'monotonic-counter', 's', 'cpu_seconds_total'],
    // separators and leading digits
    ['metric@with#special$chars', 'gauge', '', 'metric_with_special_chars'],
    ['métric.ñame', 'gauge', '', 'm_tric_ame'],
    ['a:b.c', 'gauge', '', 'a:b_c'],
    ['123_requests', 'monotonic-counter', '', '_123_requests_total'],
    ['.leading.dot', 'gauge', '', 'leading_dot'],
    // unit strings that are Object.prototype keys in JS pass through like any unknown unit
    ['x', 'gauge', 'constructor', 'x_constructor'],
    ['x', 'gauge', 'By/toString', 'x_bytes_per_toString'],
  ])('%s (%s, unit %j) → %s', (name, kind, unit, expected) => {
    expect(prometheusMetricName(name, unit, kind)).toBe(expected);
  });

  it('throws when nothing of the name survives', () => {
    expect(() => prometheusMetricName('@#$%', '', 'gauge')).toThrow(AgentError);
    expect(() => prometheusMetricName('', '', 'gauge')).toThrow(/empty name/);
  });
});

describe('prometheusLabelName', () => {
  it.each([
    ['pod', 'pod'],
    ['k8s.pod.name', 'k8s_pod_name'],
    ['service.instance.id', 'service_instance_id'],
    ['label:with:colons', 'label_with_colons'],
    ['LabelWithCapitalLetters', 'LabelWithCapitalLetters'],
    ['label!with&special$chars)', 'label_with_special_chars_'],
    ['label_with_foreign_characters_字符', 'label_with_foreign_characters_'],
    ['label.with.dots', 'label_with_dots'],
    ['.foo', '_foo'],
    ['123label', 'key_123label'],
    ['0', 'key_0'],
    ['_label_starting_with_underscore', '_label_starting_with_underscore'],
    ['__label_starting_with_2underscores', '_label_starting_with_2underscores'],
    ['label__with__double__underscores', 'label_with_double_underscores'],
    ['label.name__with&&special##chars', 'label_name_with_special_chars'],
    ['__reserved__label__name__', '__reserved_label_name__'],
    ['__name__', '__name__'],
    ['trailing_underscores___', 'trailing_underscores_'],
  ])('%j → %j', (key, expected) => {
    expect(prometheusLabelName(key)).toBe(expected);
  });

  it.each([[''], ['__'], ['___'], ['ようこそ'], ['....']])('throws for %j (no valid label name)', (key) => {
    expect(() => prometheusLabelName(key)).toThrow(AgentError);
  });
});
