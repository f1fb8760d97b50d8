import { installRecordBatchEncoder } from './record-batch.encoder';

// a side effect of importing this module, imported first in main.ts: kafkajs's producer takes its
// message grouping when kafkajs loads, and the gateway's modules load kafkajs as they are imported
installRecordBatchEncoder();
