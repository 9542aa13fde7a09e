import { AgentError } from '../../errors.js';

/**
 * collector.metrics.v1.ExportMetricsServiceResponse, decoded by hand (field numbers from
 * opentelemetry-proto): partial_success 1 { rejected_data_points 1 (int64), error_message 2 }.
 * podpulse's only reader of OTLP bytes in the running agent, so the SDK's otlp-transformer (every
 * OTLP message of traces, logs and metrics in protobufjs) need not be loaded for this one message.
 * The shape is what the SDK's delegate hands to its partial-success logger.
 */
export interface ExportResponse {
  partialSuccess?: { rejectedDataPoints?: number; errorMessage?: string };
}

/** A malformed response: the SDK's delegate logs it and still counts the export as delivered. */
export class ExportResponseError extends AgentError {
  constructor(what: string) {
    super('EXPORT', `malformed OTLP export response: ${what}`);
    this.name = 'ExportResponseError';
  }
}

interface Cursor {
  bytes: Uint8Array;
  pos: number;
  end: number;
}

function varint(c: Cursor): number {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (c.pos >= c.end) throw new ExportResponseError('a varint runs past the end');
    const b = c.bytes[c.pos++] as number;
    value += (b & 0x7f) * scale;
    if (b < 0x80) return value;
    scale *= 128;
  }
  throw new ExportResponseError('a varint longer than 10 bytes');
}

/** Each field of the message in [pos, end): its number, wire type and, for length-delimited ones, its bytes. */
function* fields(c: Cursor): Generator<{ field: number; wire: number; value: number; start: number; end: number }> {
  while (c.pos < c.end) {
    const key = varint(c);
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (wire === 0) yield { field, wire, value: varint(c), start: 0, end: 0 };
    else if (wire === 2) {
      const length = varint(c);
      const start = c.pos;
      if (start + length > c.end) throw new ExportResponseError(`field ${field} is longer than the message`);
      c.pos += length;
      yield { field, wire, value: length, start, end: start + length };
    } else if (wire === 1 || wire === 5) {
      c.pos += wire === 1 ? 8 : 4;
      if (c.pos > c.end) throw new ExportResponseError(`field ${field} runs past the end`);
    } else throw new ExportResponseError(`wire type ${wire} of field ${field}`);
  }
}

export function decodeExportResponse(bytes: Uint8Array): ExportResponse {
  const response: ExportResponse = {};
  for (const f of fields({ bytes, pos: 0, end: bytes.length })) {
    if (f.field !== 1 || f.wire !== 2) continue;
    const partial: NonNullable<ExportResponse['partialSuccess']> = {};
    for (const g of fields({ bytes, pos: f.start, end: f.end })) {
      if (g.field === 1 && g.wire === 0) partial.rejectedDataPoints = g.value;
      else if (g.field === 2 && g.wire === 2) partial.errorMessage = Buffer.from(bytes.buffer, bytes.byteOffset + g.start, g.end - g.start).toString('utf8');
    }
    response.partialSuccess = partial;
  }
  return response;
}
