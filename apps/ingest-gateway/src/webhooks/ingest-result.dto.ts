/** the body of every acknowledged webhook; mobway's own clients read `status` */
export class IngestResult {
  status: 'success';
  /** readings normalized and acknowledged by Kafka */
  accepted: number;
  /** readings (or a whole unparseable body) stored on the dead-letter topic instead */
  deadLettered: number;
}
