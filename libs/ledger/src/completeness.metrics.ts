import { Inject, Injectable, Optional } from '@nestjs/common';
import { MetricsRegistry } from '@app/metrics';
import { CompletenessService } from './completeness.service';
import { LEDGER_BINDING } from './ledger.options';
import type { LedgerBinding } from './ledger.tables';

/** the ledger's series (README: Metrics, Completeness), read from the last refresh at scrape time */
@Injectable()
export class CompletenessMetrics {
  constructor(
    @Inject(LEDGER_BINDING) binding: LedgerBinding,
    completeness: CompletenessService,
    @Optional() metrics: MetricsRegistry = new MetricsRegistry(),
  ) {
    metrics.gauge('completeness_missing_readings', {
      help: 'Readings the gateway accepted that are not stored, per source, over the last COMPLETENESS_METRIC_WINDOW_HOURS: settled, unexpired buckets of GET /v1/completeness, as of its last refresh',
      labelNames: ['record_type', 'source'],
      // every instance of an app computes the same figure from the database: never their sum
      aggregator: 'max',
      collect() {
        this.reset();
        for (const [source, missing] of completeness.missingBySource())
          this.labels(binding.recordType, source).set(missing);
      },
    });
  }
}
