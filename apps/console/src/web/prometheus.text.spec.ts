import { parsePrometheusText } from './prometheus.text';

describe(parsePrometheusText.name, () => {
  it('reads the named series with their labels and skips comments and the rest', () => {
    const text = [
      '# HELP fleet_gateway_requests_accepted_total verified requests',
      '# TYPE fleet_gateway_requests_accepted_total counter',
      'fleet_gateway_requests_accepted_total{source="mobway"} 12',
      'fleet_gateway_requests_accepted_total{source="we\\"ird"} 3',
      'fleet_sink_consumer_lag{topic="telemetry.vehicle.v1",partition="0"} 0',
      'fleet_process_cpu_seconds_total 1.5',
      'fleet_up 1',
    ].join('\n');
    const sut = parsePrometheusText(
      text,
      new Set(['fleet_gateway_requests_accepted_total', 'fleet_up']),
    );
    expect(sut).toEqual([
      { name: 'fleet_gateway_requests_accepted_total', labels: { source: 'mobway' }, value: 12 },
      { name: 'fleet_gateway_requests_accepted_total', labels: { source: 'we"ird' }, value: 3 },
      { name: 'fleet_up', labels: {}, value: 1 },
    ]);
  });
});
