// SPDX-License-Identifier: Apache-2.0
/**
 * The order lifecycle of the shop and the partner API, as a state machine.
 *
 * An order passes through a dozen states between the basket and the end of its return window, and
 * a dozen services send it events: the checkout, the payment provider, the warehouse handhelds,
 * the carriers, customer service. Before this module the rules lived in each of those services,
 * and they disagreed (a partner order could be cancelled after it was packed; a failed payment
 * left its stock on hold until the nightly sweep). Now there is one definition:
 *
 * - a small generic engine (`createMachine`) that checks a definition once, at start-up, and then
 *   turns (snapshot, event) into a new snapshot plus a list of effects, without doing any I/O;
 * - the order definition itself (`orderMachine`): states, events, guards and effects;
 * - `OrderService`, which loads an order, applies an event with optimistic concurrency, and keeps
 *   the effects in an outbox until they have been delivered, so that a crash between saving the
 *   order and calling the warehouse never loses a "release the stock" message;
 * - timers (hold expiry, the end of the return window) that fire as ordinary events.
 *
 * Compile with `tsc --strict --module nodenext --target es2022` and run the compiled file with Node
 * to execute the checks at the bottom.
 */

import { strict as assert } from 'node:assert';
import { fileURLToPath } from 'node:url';

// ---------------------------------------------------------------------------------------------
// The engine
// ---------------------------------------------------------------------------------------------

export interface EventBase {
  readonly type: string;
}

/** Returns why the transition may not happen, or undefined when it may. */
export type Guard<C, E> = (context: Readonly<C>, event: E, at: number) => string | undefined;

export interface TransitionSpec<S extends string, C, E, F> {
  readonly from: S | readonly S[];
  readonly to: S;
  readonly guard?: Guard<C, E>;
  readonly update?: (context: Readonly<C>, event: E, at: number) => C;
  readonly effects?: (context: Readonly<C>, event: E) => readonly F[];
}

/** Transitions per event type, each typed with its own event. Tried in order; the first allowed wins. */
export type TransitionTable<S extends string, C, E extends EventBase, F> = {
  readonly [K in E['type']]?: readonly TransitionSpec<S, C, Extract<E, { type: K }>, F>[];
};

export interface MachineDefinition<S extends string, C, E extends EventBase, F> {
  readonly name: string;
  readonly states: readonly S[];
  readonly initial: S;
  /** States nothing leaves. Every other state must have a way out, or orders get stuck in it. */
  readonly terminal: readonly S[];
  readonly on: TransitionTable<S, C, E, F>;
  /** Effects of entering a state, however it was entered (after the transition's own effects). */
  readonly onEnter?: { readonly [K in S]?: (context: Readonly<C>) => readonly F[] };
}

export interface Snapshot<S extends string, C> {
  readonly state: S;
  readonly context: C;
  /** Incremented by every accepted event; the store uses it for optimistic concurrency. */
  readonly version: number;
  readonly changedAt: number;
}

export type Outcome<S extends string, C, F> =
  | { readonly ok: true; readonly from: S; readonly snapshot: Snapshot<S, C>; readonly effects: readonly F[] }
  | { readonly ok: false; readonly reason: string };

export class DefinitionError extends Error {
  constructor(
    readonly machine: string,
    readonly problems: readonly string[],
  ) {
    super(`${machine}: ${problems.length} problem(s) in the definition: ${problems.join('; ')}`);
    this.name = 'DefinitionError';
  }
}

export interface Machine<S extends string, C, E extends EventBase, F> {
  readonly definition: MachineDefinition<S, C, E, F>;
  start(context: C, at: number): Snapshot<S, C>;
  send(snapshot: Snapshot<S, C>, event: E, at: number): Outcome<S, C, F>;
}

function fromStates<S extends string>(spec: { readonly from: S | readonly S[] }): readonly S[] {
  return typeof spec.from === 'string' ? [spec.from as S] : (spec.from as readonly S[]);
}

/** The table as plain entries; the per-event typing only matters to whoever writes the table. */
function entries<S extends string, C, E extends EventBase, F>(
  table: TransitionTable<S, C, E, F>,
): [E['type'], readonly TransitionSpec<S, C, E, F>[]][] {
  return Object.entries(table) as [E['type'], readonly TransitionSpec<S, C, E, F>[]][];
}

/** Every problem in a definition, so that one start-up failure lists them all. */
export function checkDefinition<S extends string, C, E extends EventBase, F>(
  definition: MachineDefinition<S, C, E, F>,
): string[] {
  const problems: string[] = [];
  const known = new Set<S>(definition.states);
  if (known.size !== definition.states.length) problems.push('a state is listed twice');
  if (!known.has(definition.initial)) problems.push(`initial state '${definition.initial}' is not a state`);
  const terminal = new Set<S>(definition.terminal);
  for (const state of terminal) {
    if (!known.has(state)) problems.push(`terminal state '${state}' is not a state`);
  }
  const outgoing = new Map<S, Set<S>>();
  for (const [type, specs] of entries(definition.on)) {
    const unguarded = new Map<S, number>();
    for (const spec of specs) {
      if (!known.has(spec.to)) problems.push(`${type} goes to unknown state '${spec.to}'`);
      for (const from of fromStates(spec)) {
        if (!known.has(from)) problems.push(`${type} leaves unknown state '${from}'`);
        if (terminal.has(from)) problems.push(`${type} leaves terminal state '${from}'`);
        if (!outgoing.has(from)) outgoing.set(from, new Set());
        outgoing.get(from)?.add(spec.to);
        if (spec.guard === undefined) {
          const count = (unguarded.get(from) ?? 0) + 1;
          unguarded.set(from, count);
          if (count === 2) problems.push(`${type} has two unguarded transitions from '${from}'; the second can never run`);
        }
      }
    }
  }
  const reached = new Set<S>([definition.initial]);
  const queue: S[] = [definition.initial];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const to of outgoing.get(next) ?? []) {
      if (!reached.has(to)) {
        reached.add(to);
        queue.push(to);
      }
    }
  }
  for (const state of definition.states) {
    if (!reached.has(state)) problems.push(`state '${state}' cannot be reached from '${definition.initial}'`);
    if (!terminal.has(state) && !outgoing.has(state)) problems.push(`state '${state}' is not terminal but nothing leaves it`);
  }
  return problems;
}

export function createMachine<S extends string, C, E extends EventBase, F>(
  definition: MachineDefinition<S, C, E, F>,
): Machine<S, C, E, F> {
  const problems = checkDefinition(definition);
  if (problems.length > 0) throw new DefinitionError(definition.name, problems);
  const table = new Map(entries(definition.on));
  const terminal = new Set<S>(definition.terminal);

  return {
    definition,
    start(context, at) {
      return { state: definition.initial, context, version: 0, changedAt: at };
    },
    send(snapshot, event, at) {
      const { state, context } = snapshot;
      if (terminal.has(state)) return { ok: false, reason: `${event.type} refused: '${state}' is final` };
      const candidates = (table.get(event.type) ?? []).filter((spec) => fromStates(spec).includes(state));
      if (candidates.length === 0) return { ok: false, reason: `${event.type} is not allowed in '${state}'` };
      const refusals: string[] = [];
      for (const spec of candidates) {
        const refusal = spec.guard?.(context, event, at);
        if (refusal !== undefined) {
          refusals.push(refusal);
          continue;
        }
        const effects = [...(spec.effects?.(context, event) ?? [])];
        const nextContext = spec.update ? spec.update(context, event, at) : context;
        if (spec.to !== state) effects.push(...(definition.onEnter?.[spec.to]?.(nextContext) ?? []));
        return {
          ok: true,
          from: state,
          snapshot: { state: spec.to, context: nextContext, version: snapshot.version + 1, changedAt: at },
          effects,
        };
      }
      return { ok: false, reason: `${event.type} refused in '${state}': ${refusals.join('; ')}` };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The order definition
// ---------------------------------------------------------------------------------------------

export type OrderState =
  | 'basket'
  | 'placed'
  | 'confirmed'
  | 'picking'
  | 'packed'
  | 'dispatched'
  | 'delivered'
  | 'completed'
  | 'cancelled'
  | 'payment_failed'
  | 'returned_to_sender';

export interface OrderLine {
  readonly sku: string;
  readonly quantity: number;
  readonly picked: number;
  readonly short: number;
}

export interface OrderContext {
  readonly orderId: string;
  readonly channel: 'shop' | 'partner';
  readonly site: string;
  readonly lines: readonly OrderLine[];
  readonly holdIds: readonly string[];
  readonly paymentRef?: string;
  readonly consignment?: { readonly carrier: string; readonly tracking: string };
  readonly deliveryAttempts: number;
  readonly cancelReason?: string;
}

export type OrderEvent =
  | { readonly type: 'CHECKOUT'; readonly holdIds: readonly string[] }
  | { readonly type: 'PAYMENT_CAPTURED'; readonly paymentRef: string }
  | { readonly type: 'PAYMENT_FAILED'; readonly reason: string }
  | { readonly type: 'HOLDS_EXPIRED' }
  | { readonly type: 'RELEASED_TO_PICKING'; readonly wave: string }
  | { readonly type: 'LINE_PICKED'; readonly sku: string; readonly quantity: number }
  | { readonly type: 'LINE_SHORT'; readonly sku: string; readonly missing: number }
  | { readonly type: 'PACKED'; readonly parcels: number }
  | { readonly type: 'DISPATCHED'; readonly carrier: string; readonly tracking: string }
  | { readonly type: 'DELIVERY_FAILED'; readonly reason: string }
  | { readonly type: 'DELIVERED' }
  | { readonly type: 'RETURN_WINDOW_CLOSED' }
  | { readonly type: 'CANCEL'; readonly reason: string; readonly by: 'customer' | 'staff' | 'system' };

export type TimerName = 'hold_expiry' | 'return_window';

export type NotifyTemplate =
  | 'order_confirmed'
  | 'payment_failed'
  | 'basket_expired'
  | 'partial_shipment'
  | 'dispatched'
  | 'delivery_failed'
  | 'delivered'
  | 'cancelled'
  | 'refunded';

export type OrderEffect =
  | { readonly kind: 'confirm_holds'; readonly orderId: string; readonly holdIds: readonly string[] }
  | { readonly kind: 'release_holds'; readonly holdIds: readonly string[] }
  | { readonly kind: 'release_reservations'; readonly orderId: string; readonly skus: readonly string[] }
  | { readonly kind: 'refund'; readonly orderId: string; readonly paymentRef: string; readonly reason: string }
  | { readonly kind: 'notify'; readonly orderId: string; readonly template: NotifyTemplate }
  | { readonly kind: 'book_collection'; readonly orderId: string; readonly site: string; readonly parcels: number }
  | { readonly kind: 'start_timer'; readonly orderId: string; readonly timer: TimerName; readonly afterMs: number }
  | { readonly kind: 'cancel_timer'; readonly orderId: string; readonly timer: TimerName };

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** The checkout asks Depot for 15-minute holds (Depot allows up to 30): the order expires with them. */
export const HOLD_TTL_MS = 15 * MINUTE;
export const RETURN_WINDOW_MS = 30 * DAY;
/** After this many failed attempts the carrier returns the parcel to us. */
export const MAX_DELIVERY_ATTEMPTS = 3;

const remaining = (line: OrderLine): number => line.quantity - line.picked - line.short;

function findLine(context: Readonly<OrderContext>, sku: string): OrderLine | undefined {
  return context.lines.find((line) => line.sku === sku);
}

function withLine(context: Readonly<OrderContext>, sku: string, change: (line: OrderLine) => OrderLine): OrderContext {
  return { ...context, lines: context.lines.map((line) => (line.sku === sku ? change(line) : line)) };
}

function notify(context: Readonly<OrderContext>, template: NotifyTemplate): OrderEffect {
  return { kind: 'notify', orderId: context.orderId, template };
}

function timer(context: Readonly<OrderContext>, name: TimerName, afterMs?: number): OrderEffect {
  return afterMs === undefined
    ? { kind: 'cancel_timer', orderId: context.orderId, timer: name }
    : { kind: 'start_timer', orderId: context.orderId, timer: name, afterMs };
}

function unpickedSkus(context: Readonly<OrderContext>): string[] {
  return context.lines.filter((line) => line.picked < line.quantity).map((line) => line.sku);
}

/** Refund whatever was paid for; no payment, nothing to refund. */
function refundIfPaid(context: Readonly<OrderContext>, reason: string): OrderEffect[] {
  return context.paymentRef === undefined
    ? []
    : [{ kind: 'refund', orderId: context.orderId, paymentRef: context.paymentRef, reason }];
}

function pickGuard(context: Readonly<OrderContext>, sku: string, quantity: number, what: string): string | undefined {
  const line = findLine(context, sku);
  if (line === undefined) return `${sku} is not on order ${context.orderId}`;
  if (!Number.isInteger(quantity) || quantity <= 0) return `${what} must be a positive whole number, got ${quantity}`;
  if (quantity > remaining(line)) return `${what} ${quantity} of ${sku} exceeds the ${remaining(line)} still to pick`;
  return undefined;
}

export const orderDefinition: MachineDefinition<OrderState, OrderContext, OrderEvent, OrderEffect> = {
  name: 'order',
  states: [
    'basket',
    'placed',
    'confirmed',
    'picking',
    'packed',
    'dispatched',
    'delivered',
    'completed',
    'cancelled',
    'payment_failed',
    'returned_to_sender',
  ],
  initial: 'basket',
  terminal: ['completed', 'cancelled', 'payment_failed', 'returned_to_sender'],
  on: {
    CHECKOUT: [
      {
        from: 'basket',
        to: 'placed',
        guard: (c, e) => {
          if (c.lines.length === 0) return 'the basket is empty';
          if (c.lines.some((l) => !Number.isInteger(l.quantity) || l.quantity <= 0)) return 'every line needs a positive quantity';
          if (e.holdIds.length !== c.lines.length) return `expected one hold per line (${c.lines.length}), got ${e.holdIds.length}`;
          return undefined;
        },
        update: (c, e) => ({ ...c, holdIds: [...e.holdIds] }),
        effects: (c) => [timer(c, 'hold_expiry', HOLD_TTL_MS)],
      },
    ],
    PAYMENT_CAPTURED: [
      {
        from: 'placed',
        to: 'confirmed',
        update: (c, e) => ({ ...c, paymentRef: e.paymentRef }),
        effects: (c) => [
          timer(c, 'hold_expiry'),
          { kind: 'confirm_holds', orderId: c.orderId, holdIds: c.holdIds },
          notify(c, 'order_confirmed'),
        ],
      },
    ],
    PAYMENT_FAILED: [
      {
        from: 'placed',
        to: 'payment_failed',
        effects: (c) => [timer(c, 'hold_expiry'), { kind: 'release_holds', holdIds: c.holdIds }, notify(c, 'payment_failed')],
      },
    ],
    HOLDS_EXPIRED: [
      {
        from: 'placed',
        to: 'cancelled',
        update: (c) => ({ ...c, cancelReason: 'the basket was not paid for before its holds expired' }),
        // Depot releases expired holds itself; asking again is harmless and covers a missed expiry.
        effects: (c) => [{ kind: 'release_holds', holdIds: c.holdIds }, notify(c, 'basket_expired')],
      },
    ],
    RELEASED_TO_PICKING: [{ from: 'confirmed', to: 'picking' }],
    LINE_PICKED: [
      {
        from: 'picking',
        to: 'picking',
        guard: (c, e) => pickGuard(c, e.sku, e.quantity, 'picked quantity'),
        update: (c, e) => withLine(c, e.sku, (l) => ({ ...l, picked: l.picked + e.quantity })),
      },
    ],
    LINE_SHORT: [
      {
        from: 'picking',
        to: 'picking',
        guard: (c, e) => pickGuard(c, e.sku, e.missing, 'missing quantity'),
        update: (c, e) => withLine(c, e.sku, (l) => ({ ...l, short: l.short + e.missing })),
      },
    ],
    PACKED: [
      {
        from: 'picking',
        to: 'packed',
        guard: (c, e) => {
          const open = c.lines.filter((l) => remaining(l) > 0).map((l) => l.sku);
          if (open.length > 0) return `lines still to pick or report short: ${open.join(', ')}`;
          if (c.lines.every((l) => l.picked === 0)) return 'nothing was picked; cancel the order instead';
          if (!Number.isInteger(e.parcels) || e.parcels < 1) return `parcels must be at least 1, got ${e.parcels}`;
          return undefined;
        },
        effects: (c, e) => {
          const short = c.lines.filter((l) => l.short > 0).map((l) => l.sku);
          const out: OrderEffect[] = [{ kind: 'book_collection', orderId: c.orderId, site: c.site, parcels: e.parcels }];
          if (short.length > 0) {
            out.push({ kind: 'release_reservations', orderId: c.orderId, skus: short }, notify(c, 'partial_shipment'));
          }
          return out;
        },
      },
    ],
    DISPATCHED: [
      {
        from: 'packed',
        to: 'dispatched',
        guard: (_c, e) => (e.tracking.trim() === '' ? 'a dispatch needs a tracking number' : undefined),
        update: (c, e) => ({ ...c, consignment: { carrier: e.carrier, tracking: e.tracking } }),
        effects: (c) => [notify(c, 'dispatched')],
      },
    ],
    DELIVERY_FAILED: [
      {
        from: 'dispatched',
        to: 'dispatched',
        guard: (c) => (c.deliveryAttempts + 1 >= MAX_DELIVERY_ATTEMPTS ? 'no attempts left' : undefined),
        update: (c) => ({ ...c, deliveryAttempts: c.deliveryAttempts + 1 }),
        effects: (c) => [notify(c, 'delivery_failed')],
      },
      {
        from: 'dispatched',
        to: 'returned_to_sender',
        update: (c) => ({ ...c, deliveryAttempts: c.deliveryAttempts + 1 }),
      },
    ],
    DELIVERED: [
      {
        from: 'dispatched',
        to: 'delivered',
        effects: (c) => [notify(c, 'delivered'), timer(c, 'return_window', RETURN_WINDOW_MS)],
      },
    ],
    RETURN_WINDOW_CLOSED: [{ from: 'delivered', to: 'completed' }],
    CANCEL: [
      {
        from: ['basket'],
        to: 'cancelled',
        update: (c, e) => ({ ...c, cancelReason: e.reason }),
      },
      {
        from: ['placed'],
        to: 'cancelled',
        update: (c, e) => ({ ...c, cancelReason: e.reason }),
        effects: (c) => [timer(c, 'hold_expiry'), { kind: 'release_holds', holdIds: c.holdIds }],
      },
      {
        from: ['confirmed', 'picking'],
        to: 'cancelled',
        // Once a picker has started, only staff may stop them: the customer cannot see the
        // warehouse, and a cancelled order with a tote half full is work for somebody.
        guard: (c, e) =>
          e.by === 'customer' && c.lines.some((l) => l.picked > 0)
            ? 'picking has started; ask customer service to cancel'
            : undefined,
        update: (c, e) => ({ ...c, cancelReason: e.reason }),
        effects: (c) => [{ kind: 'release_reservations', orderId: c.orderId, skus: unpickedSkus(c) }],
      },
    ],
  },
  onEnter: {
    cancelled: (c) => [...refundIfPaid(c, c.cancelReason ?? 'cancelled'), notify(c, 'cancelled')],
    returned_to_sender: (c) => [...refundIfPaid(c, 'returned to sender by the carrier'), notify(c, 'refunded')],
  },
};

export const orderMachine = createMachine(orderDefinition);

export function newOrder(orderId: string, channel: OrderContext['channel'], site: string, lines: readonly { sku: string; quantity: number }[]): OrderContext {
  return {
    orderId,
    channel,
    site,
    lines: lines.map((l) => ({ sku: l.sku, quantity: l.quantity, picked: 0, short: 0 })),
    holdIds: [],
    deliveryAttempts: 0,
  };
}

// ---------------------------------------------------------------------------------------------
// Storage, the outbox and the service
// ---------------------------------------------------------------------------------------------

export interface PendingEffect {
  /** Unique per effect; receivers use it to discard a delivery they have already seen. */
  readonly key: string;
  readonly effect: OrderEffect;
  readonly attempts: number;
}

export interface HistoryEntry {
  readonly at: number;
  readonly event: OrderEvent['type'];
  readonly from: OrderState;
  readonly to: OrderState;
}

export interface StoredOrder {
  readonly snapshot: Snapshot<OrderState, OrderContext>;
  readonly outbox: readonly PendingEffect[];
  readonly history: readonly HistoryEntry[];
}

/** Saves only when the stored version is still `expectedVersion`; returns false when it moved on. */
export interface OrderStore {
  load(orderId: string): Promise<StoredOrder | undefined>;
  save(order: StoredOrder, expectedVersion: number | undefined): Promise<boolean>;
}

export class InMemoryOrderStore implements OrderStore {
  private readonly orders = new Map<string, StoredOrder>();

  async load(orderId: string): Promise<StoredOrder | undefined> {
    return this.orders.get(orderId);
  }

  async save(order: StoredOrder, expectedVersion: number | undefined): Promise<boolean> {
    const id = order.snapshot.context.orderId;
    const current = this.orders.get(id);
    if (current?.snapshot.version !== expectedVersion) return false;
    this.orders.set(id, order);
    return true;
  }
}

/** Delivers one effect; throws when the receiver could not be reached, so it is retried. */
export type EffectSink = (effect: OrderEffect, key: string) => Promise<void>;

export type HandleResult =
  | { readonly ok: true; readonly state: OrderState; readonly version: number }
  | { readonly ok: false; readonly reason: string };

/** Kept per order: enough to answer "what happened to my order", small enough to store forever. */
export const MAX_HISTORY = 50;
/** Optimistic concurrency retries before giving up on an event. */
const MAX_CONFLICT_RETRIES = 3;

export class OrderService {
  constructor(
    private readonly store: OrderStore,
    private readonly sink: EffectSink,
    private readonly now: () => number,
  ) {}

  async create(context: OrderContext): Promise<HandleResult> {
    const snapshot = orderMachine.start(context, this.now());
    const saved = await this.store.save({ snapshot, outbox: [], history: [] }, undefined);
    return saved ? { ok: true, state: snapshot.state, version: snapshot.version } : { ok: false, reason: `order ${context.orderId} already exists` };
  }

  /**
   * Applies `event` to the order. On a version conflict (another event for the same order was
   * saved in between) the order is reloaded and the event tried again on the new state, because
   * the event may still be valid there, or may now be refused for a good reason.
   */
  async handle(orderId: string, event: OrderEvent): Promise<HandleResult> {
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
      const stored = await this.store.load(orderId);
      if (stored === undefined) return { ok: false, reason: `order ${orderId} does not exist` };
      const at = this.now();
      const outcome = orderMachine.send(stored.snapshot, event, at);
      if (!outcome.ok) return outcome;
      const { snapshot } = outcome;
      const pending = outcome.effects.map((effect, i) => ({ key: `${orderId}/${snapshot.version}/${i}`, effect, attempts: 0 }));
      const entry: HistoryEntry = { at, event: event.type, from: outcome.from, to: snapshot.state };
      const next: StoredOrder = {
        snapshot,
        outbox: [...stored.outbox, ...pending],
        history: [...stored.history, entry].slice(-MAX_HISTORY),
      };
      if (await this.store.save(next, stored.snapshot.version)) {
        await this.flush(orderId);
        return { ok: true, state: snapshot.state, version: snapshot.version };
      }
    }
    return { ok: false, reason: `order ${orderId} kept changing; ${event.type} not applied after ${MAX_CONFLICT_RETRIES} attempts` };
  }

  /**
   * Delivers the outbox in order and stops at the first failure, so effects of one order are never
   * delivered out of order. What is left is retried by the next flush (the service runs one every
   * few seconds for orders with a non-empty outbox).
   */
  async flush(orderId: string): Promise<number> {
    const stored = await this.store.load(orderId);
    if (stored === undefined || stored.outbox.length === 0) return 0;
    let delivered = 0;
    let failed: PendingEffect | undefined;
    for (const pending of stored.outbox) {
      try {
        await this.sink(pending.effect, pending.key);
        delivered++;
      } catch {
        failed = { ...pending, attempts: pending.attempts + 1 };
        break;
      }
    }
    const rest = stored.outbox.slice(delivered + (failed ? 1 : 0));
    const outbox = failed ? [failed, ...rest] : rest;
    // If the order moved on meanwhile, the next flush delivers from its newer outbox; the keys
    // make any repeat harmless.
    await this.store.save({ ...stored, outbox }, stored.snapshot.version);
    return delivered;
  }
}

// ---------------------------------------------------------------------------------------------
// Timers
// ---------------------------------------------------------------------------------------------

/** The event a timer sends when it fires. */
export const TIMER_EVENTS: Readonly<Record<TimerName, OrderEvent>> = {
  hold_expiry: { type: 'HOLDS_EXPIRED' },
  return_window: { type: 'RETURN_WINDOW_CLOSED' },
};

/**
 * Deadlines per order and timer, fed by the start_timer / cancel_timer effects. Starting a timer
 * that is already running moves its deadline, which is what a retried effect must do.
 */
export class TimerTable {
  private readonly deadlines = new Map<string, { orderId: string; timer: TimerName; at: number }>();

  apply(effect: OrderEffect, now: number): void {
    if (effect.kind === 'start_timer') {
      this.deadlines.set(`${effect.orderId}/${effect.timer}`, { orderId: effect.orderId, timer: effect.timer, at: now + effect.afterMs });
    } else if (effect.kind === 'cancel_timer') {
      this.deadlines.delete(`${effect.orderId}/${effect.timer}`);
    }
  }

  /** Removes and returns the timers due at `now`, earliest first. */
  due(now: number): { orderId: string; event: OrderEvent }[] {
    const fired = [...this.deadlines.entries()].filter(([, d]) => d.at <= now).sort(([, a], [, b]) => a.at - b.at);
    for (const [key] of fired) this.deadlines.delete(key);
    return fired.map(([, d]) => ({ orderId: d.orderId, event: TIMER_EVENTS[d.timer] }));
  }

  get size(): number {
    return this.deadlines.size;
  }
}

// ---------------------------------------------------------------------------------------------
// Checks (run the compiled file directly)
// ---------------------------------------------------------------------------------------------

interface Harness {
  service: OrderService;
  store: InMemoryOrderStore;
  delivered: { effect: OrderEffect; key: string }[];
  timers: TimerTable;
  clock: { now: number };
  failNext: { count: number };
}

function harness(): Harness {
  const clock = { now: Date.UTC(2031, 3, 14, 8, 0, 0) };
  const delivered: { effect: OrderEffect; key: string }[] = [];
  const timers = new TimerTable();
  const failNext = { count: 0 };
  const store = new InMemoryOrderStore();
  const sink: EffectSink = async (effect, key) => {
    if (failNext.count > 0) {
      failNext.count--;
      throw new Error('receiver unavailable');
    }
    delivered.push({ effect, key });
    timers.apply(effect, clock.now);
  };
  return { service: new OrderService(store, sink, () => clock.now), store, delivered, timers, clock, failNext };
}

async function expectOk(h: Harness, orderId: string, event: OrderEvent, state: OrderState): Promise<void> {
  const result = await h.service.handle(orderId, event);
  assert.deepEqual(result.ok ? result.state : result.reason, state, `${event.type} should lead to ${state}`);
}

async function expectRefused(h: Harness, orderId: string, event: OrderEvent, reason: RegExp): Promise<void> {
  const result = await h.service.handle(orderId, event);
  assert.ok(!result.ok, `${event.type} should have been refused`);
  assert.match(result.reason, reason);
}

const kinds = (h: Harness): string[] => h.delivered.map((d) => (d.effect.kind === 'notify' ? `notify:${d.effect.template}` : d.effect.kind));

async function placedAndPaid(h: Harness, id: string): Promise<void> {
  await h.service.create(newOrder(id, 'shop', 'LDS', [{ sku: 'GRD-HOSE-25', quantity: 2 }, { sku: 'FIX-SCR-4X40-200', quantity: 1 }]));
  await expectOk(h, id, { type: 'CHECKOUT', holdIds: ['h1', 'h2'] }, 'placed');
  await expectOk(h, id, { type: 'PAYMENT_CAPTURED', paymentRef: 'pay_77' }, 'confirmed');
}

/** Releases a paid order to picking, picks every line in full and packs it. */
async function packedInFull(h: Harness, id: string, parcels: number): Promise<void> {
  await expectOk(h, id, { type: 'RELEASED_TO_PICKING', wave: 'W-0830' }, 'picking');
  const stored = await h.store.load(id);
  for (const line of stored?.snapshot.context.lines ?? []) {
    await expectOk(h, id, { type: 'LINE_PICKED', sku: line.sku, quantity: line.quantity }, 'picking');
  }
  await expectOk(h, id, { type: 'PACKED', parcels }, 'packed');
}

const checks: Record<string, () => Promise<void>> = {
  async 'the definition is sound'() {
    assert.deepEqual(checkDefinition(orderDefinition), []);
  },

  async 'a broken definition lists all its problems at once'() {
    type S = 'a' | 'b' | 'c' | 'z';
    const broken: MachineDefinition<S, object, { type: 'GO' }, never> = {
      name: 'broken',
      states: ['a', 'b', 'c', 'z'],
      initial: 'a',
      terminal: ['z'],
      on: { GO: [{ from: 'a', to: 'b' }, { from: 'a', to: 'z' }, { from: 'z', to: 'a' }] },
    };
    assert.throws(() => createMachine(broken), (err: unknown) => {
      assert.ok(err instanceof DefinitionError);
      assert.deepEqual(err.problems, [
        "GO has two unguarded transitions from 'a'; the second can never run",
        "GO leaves terminal state 'z'",
        "state 'b' is not terminal but nothing leaves it",
        "state 'c' cannot be reached from 'a'",
        "state 'c' is not terminal but nothing leaves it",
      ]);
      return true;
    });
  },

  async 'the happy path confirms holds, books a collection and opens the return window'() {
    const h = harness();
    await placedAndPaid(h, 'SO-1');
    await packedInFull(h, 'SO-1', 1);
    await expectOk(h, 'SO-1', { type: 'DISPATCHED', carrier: 'northline', tracking: 'NL123' }, 'dispatched');
    await expectOk(h, 'SO-1', { type: 'DELIVERED' }, 'delivered');
    assert.deepEqual(kinds(h), [
      'start_timer',
      'cancel_timer',
      'confirm_holds',
      'notify:order_confirmed',
      'book_collection',
      'notify:dispatched',
      'notify:delivered',
      'start_timer',
    ]);
    assert.equal(h.timers.size, 1, 'only the return window is still running');
    h.clock.now += RETURN_WINDOW_MS;
    const due = h.timers.due(h.clock.now);
    assert.deepEqual(due, [{ orderId: 'SO-1', event: { type: 'RETURN_WINDOW_CLOSED' } }]);
    await expectOk(h, 'SO-1', due[0]!.event, 'completed');
    await expectRefused(h, 'SO-1', { type: 'CANCEL', reason: 'late', by: 'staff' }, /'completed' is final/);
  },

  async 'an unpaid basket expires, releases its holds and cannot be paid afterwards'() {
    const h = harness();
    await h.service.create(newOrder('SO-2', 'shop', 'LDS', [{ sku: 'GRD-HOSE-25', quantity: 1 }]));
    await expectOk(h, 'SO-2', { type: 'CHECKOUT', holdIds: ['h9'] }, 'placed');
    h.clock.now += HOLD_TTL_MS - 1;
    assert.deepEqual(h.timers.due(h.clock.now), []);
    h.clock.now += 1;
    const [fired] = h.timers.due(h.clock.now);
    assert.ok(fired);
    await expectOk(h, fired.orderId, fired.event, 'cancelled');
    assert.deepEqual(kinds(h).slice(-3), ['release_holds', 'notify:basket_expired', 'notify:cancelled']);
    await expectRefused(h, 'SO-2', { type: 'PAYMENT_CAPTURED', paymentRef: 'pay_late' }, /final/);
  },

  async 'guards explain themselves'() {
    const h = harness();
    await h.service.create(newOrder('SO-3', 'partner', 'BRS', []));
    await expectRefused(h, 'SO-3', { type: 'CHECKOUT', holdIds: [] }, /the basket is empty/);
    await placedAndPaid(h, 'SO-4');
    await expectRefused(h, 'SO-4', { type: 'PACKED', parcels: 1 }, /PACKED is not allowed in 'confirmed'/);
    await expectOk(h, 'SO-4', { type: 'RELEASED_TO_PICKING', wave: 'W-0900' }, 'picking');
    await expectRefused(h, 'SO-4', { type: 'LINE_PICKED', sku: 'GRD-HOSE-25', quantity: 3 }, /exceeds the 2 still to pick/);
    await expectRefused(h, 'SO-4', { type: 'LINE_PICKED', sku: 'NOPE', quantity: 1 }, /NOPE is not on order SO-4/);
    await expectRefused(h, 'SO-4', { type: 'PACKED', parcels: 1 }, /still to pick or report short: GRD-HOSE-25, FIX-SCR-4X40-200/);
  },

  async 'a short pick ships the rest, releases the shortfall and tells the customer'() {
    const h = harness();
    await placedAndPaid(h, 'SO-5');
    await expectOk(h, 'SO-5', { type: 'RELEASED_TO_PICKING', wave: 'W-1000' }, 'picking');
    await expectOk(h, 'SO-5', { type: 'LINE_PICKED', sku: 'GRD-HOSE-25', quantity: 1 }, 'picking');
    await expectOk(h, 'SO-5', { type: 'LINE_SHORT', sku: 'GRD-HOSE-25', missing: 1 }, 'picking');
    await expectOk(h, 'SO-5', { type: 'LINE_SHORT', sku: 'FIX-SCR-4X40-200', missing: 1 }, 'picking');
    await expectOk(h, 'SO-5', { type: 'PACKED', parcels: 1 }, 'packed');
    const release = h.delivered.map((d) => d.effect).find((e) => e.kind === 'release_reservations');
    assert.deepEqual(release, { kind: 'release_reservations', orderId: 'SO-5', skus: ['GRD-HOSE-25', 'FIX-SCR-4X40-200'] });
    assert.ok(kinds(h).includes('notify:partial_shipment'));
  },

  async 'customers may cancel until picking starts; staff may cancel later, and both refund'() {
    const h = harness();
    await placedAndPaid(h, 'SO-6');
    await expectOk(h, 'SO-6', { type: 'RELEASED_TO_PICKING', wave: 'W-1100' }, 'picking');
    await expectOk(h, 'SO-6', { type: 'LINE_PICKED', sku: 'GRD-HOSE-25', quantity: 2 }, 'picking');
    await expectRefused(h, 'SO-6', { type: 'CANCEL', reason: 'changed my mind', by: 'customer' }, /ask customer service/);
    await expectOk(h, 'SO-6', { type: 'CANCEL', reason: 'customer called', by: 'staff' }, 'cancelled');
    const effects = h.delivered.map((d) => d.effect).slice(-3);
    assert.deepEqual(effects, [
      { kind: 'release_reservations', orderId: 'SO-6', skus: ['FIX-SCR-4X40-200'] },
      { kind: 'refund', orderId: 'SO-6', paymentRef: 'pay_77', reason: 'customer called' },
      { kind: 'notify', orderId: 'SO-6', template: 'cancelled' },
    ]);
  },

  async 'the third failed delivery returns the parcel and refunds'() {
    const h = harness();
    await placedAndPaid(h, 'SO-7');
    await packedInFull(h, 'SO-7', 2);
    for (const [event, state] of [
      [{ type: 'DISPATCHED', carrier: 'northline', tracking: 'NL9' }, 'dispatched'],
      [{ type: 'DELIVERY_FAILED', reason: 'nobody home' }, 'dispatched'],
      [{ type: 'DELIVERY_FAILED', reason: 'nobody home' }, 'dispatched'],
      [{ type: 'DELIVERY_FAILED', reason: 'address not found' }, 'returned_to_sender'],
    ] as const) {
      await expectOk(h, 'SO-7', event, state);
    }
    assert.deepEqual(kinds(h).slice(-3), ['notify:delivery_failed', 'refund', 'notify:refunded']);
    const stored = await h.store.load('SO-7');
    assert.equal(stored?.snapshot.context.deliveryAttempts, 3);
    assert.equal(stored?.history.at(-1)?.to, 'returned_to_sender');
  },

  async 'effects wait in the outbox until delivered, in order, with stable keys'() {
    const h = harness();
    await h.service.create(newOrder('SO-9', 'shop', 'DUB', [{ sku: 'BLB-LED-GU10-4', quantity: 4 }]));
    await expectOk(h, 'SO-9', { type: 'CHECKOUT', holdIds: ['h5'] }, 'placed');
    h.failNext.count = 1;
    await expectOk(h, 'SO-9', { type: 'PAYMENT_CAPTURED', paymentRef: 'pay_9' }, 'confirmed');
    const waiting = await h.store.load('SO-9');
    assert.deepEqual(waiting?.outbox.map((p) => [p.key, p.effect.kind, p.attempts]), [
      ['SO-9/2/0', 'cancel_timer', 1],
      ['SO-9/2/1', 'confirm_holds', 0],
      ['SO-9/2/2', 'notify', 0],
    ]);
    assert.equal(await h.service.flush('SO-9'), 3);
    assert.deepEqual(h.delivered.map((d) => d.key), ['SO-9/1/0', 'SO-9/2/0', 'SO-9/2/1', 'SO-9/2/2']);
    assert.equal((await h.store.load('SO-9'))?.outbox.length, 0);
  },

};

async function runChecks(): Promise<number> {
  let failed = 0;
  for (const [name, check] of Object.entries(checks)) {
    try {
      await check();
      process.stdout.write(`ok   ${name}\n`);
    } catch (err) {
      failed++;
      process.stdout.write(`FAIL ${name}\n     ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  process.stdout.write(`${Object.keys(checks).length - failed} passed, ${failed} failed\n`);
  return failed;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runChecks().then((failed) => {
    process.exitCode = failed === 0 ? 0 : 1;
  });
}
