import { FailureStatus, VerificationFailure } from './verification.types';

export function fail(status: FailureStatus, reason: string): VerificationFailure {
  return { ok: false, status, reason };
}

export const NO_SECRET_CONFIGURED = 'no secret configured';
