export { SCHEME_NAMES, isSchemeName } from './schemes';
export { STANDARD_WEBHOOKS_TOLERANCE_SECONDS } from './standard-webhooks.scheme';
export { isValidSecret, sign, verify } from './verify';
export type {
  SchemeName,
  SignOptions,
  VerificationFailure,
  VerificationRequest,
  VerificationResult,
  VerificationSuccess,
} from './verification.types';
