import { describe, expect, it } from '@jest/globals';
import { sampleValues } from './exposition.js';

describe('sampleValues', () => {
  it('reads every sample of exactly that name, in text and OpenMetrics form', () => {
    const body = [
      '# TYPE kvcanary_replica_up gauge',
      'kvcanary_replica_up{target="a",replica="r-0"} 1',
      'kvcanary_replica_up{target="a",replica="odd}name"} 0',
      'kvcanary_replica_up_other{target="a"} 7',
      'kvcanary_requests_total{outcome="success"} 12 1700000000000',
      'kvcanary_ttft_seconds_count{turn="1"} 3 # {trace_id="x"} 0.1 1700000000.0',
      'kvcanary_build_info 1',
    ].join('\n');
    expect(sampleValues(body, 'kvcanary_replica_up')).toEqual([1, 0]);
    expect(sampleValues(body, 'kvcanary_requests_total')).toEqual([12]);
    expect(sampleValues(body, 'kvcanary_ttft_seconds_count')).toEqual([3]);
    expect(sampleValues(body, 'kvcanary_build_info')).toEqual([1]);
    expect(sampleValues(body, 'kvcanary_missing')).toEqual([]);
  });
});
