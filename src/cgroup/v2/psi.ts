import { ParseError } from '../../errors.js';
import { parseNestedKeyed, parseCounter } from '../parse.js';

/**
 * Pressure stall information: cpu.pressure, memory.pressure, io.pressure (nested keyed).
 * https://docs.kernel.org/accounting/psi.html#cgroup2-interface
 *   `some avg10=0.00 avg60=0.12 avg300=0.05 total=2874566`
 *   `full avg10=0.00 avg60=0.00 avg300=0.00 total=1035312`
 * total is cumulative stall time in µs. cpu.pressure had only `some` before 5.13; since then it has a
 * `full` line too, all zeros at the system level.
 */

export interface PressureLine {
  avg10: number;
  avg60: number;
  avg300: number;
  /** Cumulative stall time, µs. */
  totalUs: number;
}

export interface Pressure {
  some?: PressureLine;
  full?: PressureLine;
}

const AVG = /^\d+(\.\d+)?$/;

function avgOf(fields: Map<string, string>, key: string, file: string): number {
  const token = fields.get(key);
  if (token === undefined || !AVG.test(token)) {
    throw new ParseError(file, `${key}: not a percentage: ${JSON.stringify(token)}`);
  }
  const value = Number(token);
  // A share of wall time: anything above 100 (or too long to be a number) is not a kernel value.
  if (!(value <= 100)) throw new ParseError(file, `${key}: not a percentage: ${JSON.stringify(token.length > 40 ? token.slice(0, 40) + '…' : token)}`);
  return value;
}

/** Any of the three *.pressure files; `file` names it in errors. Unknown line kinds are ignored. */
export function parsePressure(text: string, file = 'cpu.pressure'): Pressure {
  return kernelForm(text) ?? parseAnyForm(text, file);
}

/**
 * parsePressure of a file every line of which is as the kernel prints it (psi_show:
 * `%s avg10=%lu.%02lu avg60=… avg300=… total=%llu`) with averages of at most 100 and a total of at
 * most 15 digits, read without splitting; undefined for anything else, which parseAnyForm then
 * parses (or refuses) as before.
 */
function kernelForm(text: string): Pressure | undefined {
  const out: Pressure = {};
  const at = { i: 0 };
  while (at.i < text.length) {
    const kind = text.startsWith('some', at.i) ? 'some' : text.startsWith('full', at.i) ? 'full' : undefined;
    if (kind === undefined) return undefined;
    at.i += 4;
    const avg10 = field(text, at, ' avg10=', true);
    const avg60 = field(text, at, ' avg60=', true);
    const avg300 = field(text, at, ' avg300=', true);
    const totalUs = field(text, at, ' total=', false);
    if (avg10 === undefined || avg60 === undefined || avg300 === undefined || totalUs === undefined) return undefined;
    if (!(avg10 <= 100 && avg60 <= 100 && avg300 <= 100)) return undefined;
    if (at.i < text.length && text.charCodeAt(at.i++) !== 10) return undefined;
    out[kind] = { avg10, avg60, avg300, totalUs };
  }
  return out;
}

/**
 * `<name><digits>` (or `<digits>.<digits>` when `decimal`) at `at.i`, which moves past it. The value
 * is the integer of all the digits divided by 10^(digits after the point): one correctly rounded
 * division, so the same number as Number() of the token.
 */
function field(text: string, at: { i: number }, name: string, decimal: boolean): number | undefined {
  if (!text.startsWith(name, at.i)) return undefined;
  let i = at.i + name.length;
  let value = 0;
  let digits = 0;
  let scale = 1;
  let point = false;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48);
      digits++;
      if (point) scale *= 10;
    } else if (c === 46 && decimal && !point && digits > 0) point = true;
    else break;
  }
  if (digits === 0 || digits > 15 || (decimal && (!point || scale === 1))) return undefined;
  at.i = i;
  return value / scale;
}

function parseAnyForm(text: string, file: string): Pressure {
  const out: Pressure = {};
  for (const line of parseNestedKeyed(text)) {
    if (line.key !== 'some' && line.key !== 'full') continue;
    const total = line.fields.get('total');
    if (total === undefined) throw new ParseError(file, `${line.key}: no total=`);
    out[line.key] = {
      avg10: avgOf(line.fields, 'avg10', file),
      avg60: avgOf(line.fields, 'avg60', file),
      avg300: avgOf(line.fields, 'avg300', file),
      totalUs: parseCounter(total, file),
    };
  }
  return out;
}
