import type { LedgerBinding } from './ledger.tables';

/** the ledger this app keeps: LEDGERS.vehicle or LEDGERS.location */
export const LEDGER_BINDING = Symbol('LEDGER_BINDING');
export type { LedgerBinding };
