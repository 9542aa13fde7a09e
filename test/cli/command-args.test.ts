import { describe, expect, it } from 'vitest';
import { splitCommandArgs } from '../../src/cli/command-args.js';
import { findCommand } from '../../src/cli/commands.js';
import type { Command } from '../../src/cli/command.js';
import { explainCommand } from '../../src/cli/explain.js';
import { psCommand } from '../../src/cli/ps.js';
import { ConfigError } from '../../src/errors.js';

describe('splitCommandArgs', () => {
  it("takes the command's flags and hands every config flag, with its value, to the config loader", () => {
    const { args, rest } = splitCommandArgs(psCommand, ['--pod', 'web', '--paths-proc', '/host/proc', '--json', '--namespace=shop', '--config', 'x.yaml']);
    expect(args.values).toEqual({ pod: 'web', json: true, namespace: 'shop' });
    expect(rest).toEqual(['--paths-proc', '/host/proc', '--config', 'x.yaml']);
  });

  it('takes the positionals a command declares and refuses missing or extra ones', () => {
    expect(splitCommandArgs(explainCommand, ['container_threads', '--pod', 'p']).args.positionals).toEqual(['container_threads']);
    expect(() => splitCommandArgs(explainCommand, ['--pod', 'p'])).toThrow(/missing METRIC/);
    expect(() => splitCommandArgs(psCommand, ['web'])).toThrow(/unexpected argument "web"/);
  });

  it.each([
    [['--pod'], /--pod needs a value/],
    [['--pod', '--json'], /--pod needs a value/],
    [['--json=yes'], /takes no value/],
    [['--once'], /not a flag of "podpulse ps"/],
    [['-p', 'x'], /flags start with --/],
  ])('%j is a usage error (exit 2)', (argv, message) => {
    expect(() => splitCommandArgs(psCommand as Command, argv)).toThrow(ConfigError);
    expect(() => splitCommandArgs(psCommand as Command, argv)).toThrow(message);
  });
});

describe('findCommand', () => {
  it('finds the command after --config FILE (npm start -- ps) and leaves the rest in order', () => {
    expect(findCommand(['--config', 'config/podpulse.yaml', 'ps', '--pod', 'web'])).toEqual({ command: psCommand, argv: ['--config', 'config/podpulse.yaml', '--pod', 'web'] });
    expect(findCommand(['explain', 'container_threads'])?.argv).toEqual(['container_threads']);
  });
  it('is undefined for the agent itself, flag values included', () => {
    expect(findCommand(['--once', '--print', 'json'])).toBeUndefined();
    expect(findCommand(['--config', 'ps'])).toBeUndefined();
    expect(findCommand(['stray'])).toBeUndefined();
  });
});
