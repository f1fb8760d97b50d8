import { HeaderValue } from './verification.types';

export type SingleHeader =
  { kind: 'missing' } | { kind: 'duplicate' } | { kind: 'present'; value: string };

// a repeated header is ambiguous, so callers treat it as malformed rather than pick one.
// node itself joins repeated custom headers with ", ", which the value parsers reject as malformed.
export function readSingleHeader(headers: Record<string, HeaderValue>, name: string): SingleHeader {
  const raw = headers[name];
  if (raw === undefined) return { kind: 'missing' };
  if (Array.isArray(raw)) return { kind: 'duplicate' };
  const value = raw.trim();
  return value === '' ? { kind: 'missing' } : { kind: 'present', value };
}
