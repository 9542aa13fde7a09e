import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { configError } from '../helpers/config-errors.js';

describe('metrics.containerLabels', () => {
  it('is off by default and takes a list from env and flags', () => {
    expect(loadConfig([], {}).config.metrics.containerLabels).toEqual([]);
    expect(loadConfig([], { PODPULSE_METRICS_CONTAINER_LABELS: 'team, app.kubernetes.io/name' }).config.metrics.containerLabels).toEqual([
      'team',
      'app.kubernetes.io/name',
    ]);
    expect(loadConfig(['--metrics-container-labels', 'team'], {}).config.metrics.containerLabels).toEqual(['team']);
  });

  it('two labels that become the same attribute are a config error naming the key', () => {
    expect(configError(() => loadConfig(['--metrics-container-labels', 'app.name,app_name'], {}))).toBe(
      'metrics.containerLabels: "app.name" and "app_name" both become container_label_app_name; list only one of them: value was ["app.name","app_name"]',
    );
  });
});

describe('metrics.maxSeriesPerContainer', () => {
  it('defaults to 1000; 0 turns the cap off; a negative or huge value is refused naming the key', () => {
    expect(loadConfig([], {}).config.metrics.maxSeriesPerContainer).toBe(1000);
    expect(loadConfig(['--metrics-max-series-per-container', '0'], {}).config.metrics.maxSeriesPerContainer).toBe(0);
    expect(configError(() => loadConfig(['--metrics-max-series-per-container', '-1'], {}))).toMatch(/^metrics\.maxSeriesPerContainer: must be a whole number >= 0/);
    expect(configError(() => loadConfig([], { PODPULSE_METRICS_MAX_SERIES_PER_CONTAINER: '2000000' }))).toBe(
      'metrics.maxSeriesPerContainer: must be at most 1000000: value was "2000000"',
    );
  });
});
