import { createServer } from 'node:http';
import { describe, expect, it } from '@jest/globals';
import { closeServer, listen, urlFor } from './http-util.js';
import { VirtualClock } from './virtual-clock.js';

describe('virtual clock', () => {
  it('wakes sleeps in due order at their due times, equal times in the order they were asked for', async () => {
    const clock = new VirtualClock(0);
    const woke: string[] = [];
    const sleeps = [
      clock.sleep(30).then(() => woke.push(`a@${clock.now()}`)),
      clock.sleep(10).then(() => woke.push(`b@${clock.now()}`)),
      clock.sleep(30).then(() => woke.push(`c@${clock.now()}`)),
      clock.sleep(0).then(() => woke.push(`d@${clock.now()}`)),
    ];
    await Promise.all(sleeps);
    expect(woke).toEqual(['d@0', 'b@10', 'a@30', 'c@30']);
    expect(clock.wallNow()).toBe(30);
    expect(clock.pending()).toBe(0);
  });

  it('wakes a sleep that is aborted at once, and forgets it', async () => {
    const clock = new VirtualClock(0);
    const stop = new AbortController();
    const aborted = clock.sleep(1_000_000, stop.signal);
    const later = clock.sleep(5);
    stop.abort();
    await aborted;
    await later;
    expect(clock.now()).toBe(5);
  });

  it('stands still while a request is on its way over loopback: time moves only when nothing else happens', async () => {
    const clock = new VirtualClock(0);
    const events: string[] = [];
    const server = createServer((req, res) => {
      events.push(`request arrived @${clock.now()}`);
      req.resume();
      void clock.sleep(100).then(() => res.end('done'));
    });
    const port = await listen(server, '127.0.0.1', 0);
    try {
      const competing = clock.sleep(50).then(() => events.push(`competing sleep @${clock.now()}`));
      const body = await (await fetch(urlFor('127.0.0.1', port), { method: 'POST', body: 'x'.repeat(100_000) })).text();
      events.push(`answer ${body} @${clock.now()}`);
      await competing;
      expect(events).toEqual(['request arrived @0', 'competing sleep @50', 'answer done @100']);
    } finally {
      await closeServer(server);
    }
  });
});
