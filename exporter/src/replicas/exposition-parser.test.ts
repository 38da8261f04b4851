import { describe, expect, it } from '@jest/globals';
import { parseExposition, parseValue } from './exposition-parser.js';
import { dcgm, sglang, vllmV0, vllmV1 } from '../test-support/replica-pages.js';

describe('parseExposition', () => {
  it('reads a vLLM V1 page: gauges and counters kept, histogram series and comments dropped', () => {
    const { samples, errorCount } = parseExposition(vllmV1({ hits: 30, queries: 100 }));
    expect(errorCount).toBe(0);
    const names = new Set(samples.map((s) => s.name));
    expect(names.has('vllm:prefix_cache_hits_total')).toBe(true);
    expect(names.has('vllm:prefix_cache_hits_created')).toBe(true);
    expect([...names].some((n) => n.startsWith('vllm:time_to_first_token_seconds'))).toBe(false);
    const hits = samples.filter((s) => s.name === 'vllm:prefix_cache_hits_total');
    expect(hits).toEqual([
      { name: 'vllm:prefix_cache_hits_total', labels: { engine: '0', model_name: 'Qwen/Qwen3-0.6B' }, value: 30 },
      { name: 'vllm:prefix_cache_hits_total', labels: { engine: '1', model_name: 'Qwen/Qwen3-0.6B' }, value: 0 },
    ]);
  });

  it('reads V0, SGLang and DCGM pages without errors', () => {
    for (const page of [vllmV0({ hits: 1, queries: 2 }), sglang, dcgm]) {
      expect(parseExposition(page).errorCount).toBe(0);
    }
    const nan = parseExposition(vllmV0({ hits: 1, queries: 2 })).samples.find(
      (s) => s.name === 'vllm:cpu_prefix_cache_hit_rate',
    );
    expect(nan?.value).toBeNaN();
    const util = parseExposition(dcgm).samples.filter((s) => s.name === 'DCGM_FI_DEV_GPU_UTIL');
    expect(util.map((s) => [s.labels.pod, s.labels.gpu, s.value])).toEqual([
      ['pod-a', '0', 80],
      ['pod-a', '1', 40],
      ['pod-b', '0', 100],
      ['', '1', 7],
    ]);
  });

  it('unescapes label values and tolerates spacing, timestamps, CRLF and OpenMetrics extras', () => {
    const text = [
      '# A free comment line',
      'msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9',
      'spaced { a = "1" , b="x}y,z" , } 2 1395066363000\r',
      'no_labels -Inf',
      'plus_inf{} +Inf',
      'with_exemplar_total{a="b"} 17 # {trace_id="abc"} 1.0 1520879607.789',
      'hash_in_label{a="#not a comment"} 3',
      '# EOF',
    ].join('\n');
    const { samples, errorCount } = parseExposition(text);
    expect(errorCount).toBe(0);
    expect(samples).toEqual([
      {
        name: 'msdos_file_access_time_seconds',
        labels: { path: 'C:\\DIR\\FILE.TXT', error: 'Cannot find file:\n"FILE.TXT"' },
        value: 1.458255915e9,
      },
      { name: 'spaced', labels: { a: '1', b: 'x}y,z' }, value: 2 },
      { name: 'no_labels', labels: {}, value: -Infinity },
      { name: 'plus_inf', labels: {}, value: Infinity },
      { name: 'with_exemplar_total', labels: { a: 'b' }, value: 17 },
      { name: 'hash_in_label', labels: { a: '#not a comment' }, value: 3 },
    ]);
  });

  it('drops summary series too', () => {
    const text = `# TYPE rpc_duration_seconds summary
rpc_duration_seconds{quantile="0.5"} 4773
rpc_duration_seconds_sum 1.7560473e+07
rpc_duration_seconds_count 2693
other_gauge 1
`;
    expect(parseExposition(text).samples.map((s) => s.name)).toEqual(['other_gauge']);
  });

  it('keeps only wanted names when given a filter', () => {
    const { samples } = parseExposition(sglang, { keep: (n) => n === 'sglang:token_usage' });
    expect(samples).toHaveLength(1);
    expect(samples[0]?.value).toBe(0.28);
  });

  it('counts malformed lines and names the first few', () => {
    const text = [
      'good 1',
      '<html><body>502 Bad Gateway</body></html>',
      'unterminated{a="x} 1',
      'bad_value{a="x"} twelve',
      'no_value{a="x"}',
      'bad_ts 1 soon',
      '{a="b"} 1',
      'also_good 2',
    ].join('\n');
    const result = parseExposition(text);
    expect(result.samples.map((s) => s.name)).toEqual(['good', 'also_good']);
    expect(result.errorCount).toBe(6);
    expect(result.errors).toHaveLength(5);
    expect(result.errors[0]).toBe('line 2: metric name expected');
    expect(result.errors[2]).toBe("line 4: bad value 'twelve'");
  });
});

describe('parseValue', () => {
  it('accepts the spellings Prometheus writes and rejects the rest', () => {
    expect(parseValue('NaN')).toBeNaN();
    expect(parseValue('+Inf')).toBe(Infinity);
    expect(parseValue('-Inf')).toBe(-Infinity);
    expect(parseValue('1e-3')).toBe(0.001);
    expect(parseValue('-.5')).toBe(-0.5);
    expect(parseValue('7.')).toBe(7);
    expect(() => parseValue('')).toThrow();
    expect(() => parseValue('0x10')).toThrow();
    expect(() => parseValue('1,5')).toThrow();
  });
});
