/**
 * The OpenTelemetry semantic-conventions release the semconv profile follows: the one place it is
 * pinned. Names, units, instrument kinds and attribute keys of metrics/semconv/rows.ts are those of
 * this release (model/container, model/k8s); where it has no metric (PSI), the names are those of the
 * collector's kubeletstats receiver. A test checks the names against @opentelemetry/semantic-conventions.
 */
export const SEMCONV_VERSION = '1.45.0';
