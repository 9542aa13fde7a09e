import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';

describe('cri.concurrency and cri.refreshTimeout', () => {
  it('default to 4 status calls at a time and a 15 s refresh deadline', () => {
    const { config } = loadConfig([], {});
    expect(config.cri.concurrency).toBe(4);
    expect(config.cri.refreshTimeoutMs).toBe(15_000);
  });

  it('take flags and environment variables', () => {
    expect(loadConfig(['--cri-concurrency', '16', '--cri-refresh-timeout', '3s'], {}).config.cri).toMatchObject({ concurrency: 16, refreshTimeoutMs: 3000 });
    expect(loadConfig([], { PODPULSE_CRI_CONCURRENCY: '1' }).config.cri.concurrency).toBe(1);
  });

  it('reject a concurrency outside 1 to 64, naming the key, the value and what is allowed', () => {
    expect(() => loadConfig(['--cri-concurrency', '0'], {})).toThrow(/cri\.concurrency: must be between 1 and 64: value was "?0"?/);
    expect(() => loadConfig(['--cri-concurrency', '65'], {})).toThrow(/cri\.concurrency: must be between 1 and 64: value was "?65"?/);
    expect(() => loadConfig(['--cri-concurrency', 'many'], {})).toThrow(/cri\.concurrency/);
  });
});
