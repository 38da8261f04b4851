import { render, screen, within } from '@testing-library/react';
import React from 'react';
import { emptyReplica } from '../model/view-model';
import { ReplicaTable } from './ReplicaTable';

const cells = (row: HTMLElement) => within(row).getAllByRole('cell').map((c) => c.textContent);

describe('ReplicaTable', () => {
  it('says "off" for a replica whose prefix caching is off, with the reason on hover, never a 0 % or negative ratio', () => {
    const off = { ...emptyReplica('vllm-v0'), up: true, prefixCache: 'disabled' as const, prefixCacheNote: 'prefix caching is off (vllm:gpu_prefix_cache_hit_rate is -1)', kvUsage: 0, waiting: 0 };
    const cold = { ...emptyReplica('vllm-v1'), up: true, prefixCache: 'enabled' as const, kvUsage: 0.1, waiting: 3, schedulerQueue: 9 };
    render(<ReplicaTable targetName="t" color="#888" replicas={[off, cold]} compact={false} />);
    const table = screen.getByRole('table', { name: 'Replicas of t' });
    expect(cells(within(table).getByRole('row', { name: /^vllm-v0/ }))).toEqual(['off', '0%', '–', '0', '–']);
    expect(within(table).getByText('off')).toHaveAttribute('title', 'prefix caching is off (vllm:gpu_prefix_cache_hit_rate is -1)');
    // Caching on but no ratio yet (cold): a dash; the picker sees 9 waiting where the replica says 3.
    expect(cells(within(table).getByRole('row', { name: /^vllm-v1/ }))).toEqual(['–', '10%', '–', '3 (picker 9)', '–']);
  });
});
