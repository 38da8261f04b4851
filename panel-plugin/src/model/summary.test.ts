import recorded from '../../fixtures/summary.json';
import { allSeries, timeSeriesFrames } from '../fixtures/frames';
import { DEFAULT_OPTIONS } from '../options';
import { framesToViewModel } from './frames';
import { summaryToViewModel } from './summary';
import { SummaryResponseJson } from './summary-types';

const response: SummaryResponseJson = recorded as SummaryResponseJson;

describe('summaryToViewModel', () => {
  const model = summaryToViewModel({ response, options: DEFAULT_OPTIONS });

  it('shows the same comparison as the panel does from Prometheus frames', () => {
    const fromFrames = framesToViewModel({ series: timeSeriesFrames(allSeries()), options: DEFAULT_OPTIONS });
    const round = (rows: typeof model.headline) => rows.map((r) => ({ ...r, baseline: r.baseline?.toFixed(6), candidate: r.candidate?.toFixed(6) }));
    expect(round(model.headline)).toEqual(round(fromFrames.headline));
    expect(model.turns.map((t) => t.turn)).toEqual(fromFrames.turns.map((t) => t.turn));
    expect(model.candidate?.replicas).toEqual(fromFrames.candidate?.replicas.map((r) => ({ ...r, running: 2, waiting: 0 })));
  });

  it('takes baseline and candidate from the roles the exporter gives, whatever their order', () => {
    const reversed = { ...response, targets: [...response.targets].reverse() };
    const m = summaryToViewModel({ response: reversed, options: DEFAULT_OPTIONS });
    expect([m.baseline?.name, m.candidate?.name]).toEqual(['vllm-round-robin', 'llm-d-prefix-aware']);
    expect(m.firstLater[1]).toMatchObject({ baseline: 196.29, candidate: 94.22, improvement: { text: '52% faster' } });
  });

  it('counts failed requests and keeps the time of the last success', () => {
    expect(model.candidate).toMatchObject({ requests: 110, failedRequests: 1, lastSuccessMs: Date.parse('2025-06-01T11:59:58Z') });
  });

  it('waits for the first answer, then keeps the last good one beside a fetch error', () => {
    expect(summaryToViewModel({ response: null, options: DEFAULT_OPTIONS })).toMatchObject({
      state: 'no-data',
      messages: [{ severity: 'info', text: 'Waiting for the first summary from the exporter…' }],
    });
    const failing = summaryToViewModel({ response, error: 'Cannot read the summary: HTTP 503', options: DEFAULT_OPTIONS });
    expect(failing.state).toBe('partial');
    expect(failing.baseline?.name).toBe('vllm-round-robin');
    expect(summaryToViewModel({ response: { ...response, targets: [] }, options: DEFAULT_OPTIONS }).messages[0]?.text).toBe(
      'No data yet: the exporter has no probe results in its window.'
    );
  });
});
