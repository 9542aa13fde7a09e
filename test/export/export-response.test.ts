/** podpulse's decoder of ExportMetricsServiceResponse against bytes the OTLP proto encodes. */
import { describe, expect, it } from 'vitest';
import { decodeExportResponse, ExportResponseError } from '../../src/export/otlp/export-response.js';
import { encodeExportResponse } from '../helpers/otlp-receiver.js';

describe('decodeExportResponse', () => {
  it('reads a partial success as the SDK delegate expects it, and an empty response as none', () => {
    expect(decodeExportResponse(encodeExportResponse({}))).toEqual({});
    expect(decodeExportResponse(encodeExportResponse({ partial_success: { rejected_data_points: 7, error_message: 'too old: ü' } }))).toEqual({
      partialSuccess: { rejectedDataPoints: 7, errorMessage: 'too old: ü' },
    });
    expect(decodeExportResponse(encodeExportResponse({ partial_success: { rejected_data_points: 2 ** 40 } }))).toEqual({ partialSuccess: { rejectedDataPoints: 2 ** 40 } });
    // Fields it does not know (a newer proto) are skipped, at every level.
    // field 2 (varint 5), then partial_success { rejected 3, field 3 (fixed32) }
    const unknown = Buffer.from([0x10, 0x05, 0x0a, 0x07, 0x08, 0x03, 0x1d, 0, 0, 0, 0]);
    expect(decodeExportResponse(Buffer.concat([unknown.subarray(0, 2), encodeExportResponse({ partial_success: { error_message: 'x' } })]))).toEqual({ partialSuccess: { errorMessage: 'x' } });
    expect(decodeExportResponse(unknown)).toEqual({ partialSuccess: { rejectedDataPoints: 3 } });
  });

  it('refuses truncated bytes with a typed error (the delegate logs it, the export still counts as delivered)', () => {
    const full = encodeExportResponse({ partial_success: { rejected_data_points: 1, error_message: 'some message' } });
    expect(() => decodeExportResponse(full.subarray(0, full.length - 3))).toThrow(ExportResponseError);
    expect(() => decodeExportResponse(Buffer.from([0x08, 0xff]))).toThrow(/varint runs past the end/);
  });
});
