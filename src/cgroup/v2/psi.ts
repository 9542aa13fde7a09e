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

/**
 * One line as the kernel prints it (psi_show: `%s avg10=%lu.%02lu avg60=… avg300=… total=%llu`),
 * with a total short enough (15 digits) to be exact as a number.
 */
const KERNEL_LINE = /^(some|full) avg10=(\d+\.\d+) avg60=(\d+\.\d+) avg300=(\d+\.\d+) total=(\d{1,15})$/;

/** Any of the three *.pressure files; `file` names it in errors. Unknown line kinds are ignored. */
export function parsePressure(text: string, file = 'cpu.pressure'): Pressure {
  return kernelForm(text) ?? parseAnyForm(text, file);
}

/**
 * parsePressure of a file every line of which is KERNEL_LINE with averages of at most 100; undefined
 * for anything else, which parseAnyForm then parses (or refuses) as before.
 */
function kernelForm(text: string): Pressure | undefined {
  const out: Pressure = {};
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const m = KERNEL_LINE.exec(text.slice(start, end));
    if (m === null) return undefined;
    const line: PressureLine = { avg10: Number(m[2]), avg60: Number(m[3]), avg300: Number(m[4]), totalUs: Number(m[5]) };
    if (!(line.avg10 <= 100 && line.avg60 <= 100 && line.avg300 <= 100)) return undefined;
    out[m[1] as 'some' | 'full'] = line;
    start = end + 1;
  }
  return out;
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
