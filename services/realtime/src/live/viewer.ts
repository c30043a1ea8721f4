// One live viewer of one poll: admitted by asking analytics (see access.ts), then sent the newest
// snapshot whenever one arrives that is newer than what it has. A viewer that is not keeping up
// gets no queue: it keeps at most one pending state message (the newest snapshot, or `hidden`,
// shared with every other viewer) and one pending viewer count, written once its connection
// drains. One that stays congested for `stallMs` is cut off: what it has not taken (up to the
// transport's buffer limit plus one message) is not kept for it any longer, and its client
// reconnects and resumes from its last sequence.
import type { Logger } from '@canvass/service-kit';
import type { AccessOutcome, CheckAccess, Credentials } from './access.ts';
import { type Channel, type ChannelViewer, offerSnapshot } from './channel.ts';
import type { LiveMessage } from './messages.ts';
import type { LiveMetrics } from './metrics.ts';
import type { Transport } from './transport.ts';

export interface ViewerOptions {
  channel: Channel;
  /** The last sequence the client has (a resume); nothing older or equal is sent. */
  since: number | undefined;
  /** The viewer's credentials, fresh for each check (a forwarded identity is short-lived). */
  credentials: () => Credentials | Promise<Credentials>;
  checkAccess: CheckAccess;
  metrics: LiveMetrics;
  logger: Logger;
  /** How long a connection may stay congested before it is cut off. */
  stallMs: number;
  /** Called once when the viewer is gone. */
  onLeave(viewer: Viewer): void;
}

export interface Viewer extends ChannelViewer {
  /**
   * Asks whether this viewer may see the results; an allowed answer's snapshot joins the channel.
   * `patient`: a 404 is asked again for a few seconds (a poll created a moment ago).
   */
  check(patient?: boolean): Promise<AccessOutcome>;
  /** Starts sending over the connection, from the outcome of `check()`. */
  attach(transport: Transport, outcome: AccessOutcome): void;
  leave(): void;
}

type State = 'checking' | 'allowed' | 'hidden' | 'gone';
type Slot = 'state' | 'viewers';
interface Pending {
  message: LiveMessage;
  /** A snapshot pushed by an update (not the one on connect): its freshness is measured. */
  live: boolean;
}

const MAX_RECHECKS = 3;

/**
 * One message object per snapshot, shared by every viewer of the poll, so the transports can
 * serialize it once (see ws-transport.ts) instead of once per viewer.
 */
const snapshotMessages = new WeakMap<object, LiveMessage>();
function snapshotMessage(newest: {
  sequence: number;
  results: Record<string, unknown>;
  trace?: string;
}): LiveMessage {
  let message = snapshotMessages.get(newest);
  if (!message) {
    message = { type: 'snapshot', ...newest };
    snapshotMessages.set(newest, message);
  }
  return message;
}

export function createViewer(options: ViewerOptions): Viewer {
  const { channel, metrics } = options;
  let state: State = 'checking';
  let transport: Transport | undefined;
  let lastSequence = options.since ?? -1;
  /** The channel's `public` when access was last confirmed (a move to non-public re-asks). */
  let confirmedWhilePublic: boolean | undefined;
  let shownCount: number | undefined;
  const pending = new Map<Slot, Pending>();
  let awaitingDrain = false;
  let stallTimer: NodeJS.Timeout | undefined;

  function write(entry: Pending): void {
    transport!.write(entry.message);
    metrics.messages.inc({ type: entry.message.type });
    if (entry.live && entry.message.type === 'snapshot') {
      const updatedAt = Date.parse(String(entry.message.results.updatedAt));
      if (Number.isFinite(updatedAt)) metrics.freshness.observe(Math.max(0, Date.now() - updatedAt) / 1000);
    }
  }

  function send(slot: Slot, entry: Pending): void {
    if (!transport || state === 'gone') return;
    if (awaitingDrain || transport.congested()) {
      if (pending.get(slot)?.message.type === 'snapshot') metrics.coalesced.inc();
      pending.set(slot, entry);
      awaitDrain();
      return;
    }
    write(entry);
    // Watched from the write that congested it, not from the next message: a reader that stops
    // while nothing new comes is cut off all the same.
    if (transport.congested()) awaitDrain();
  }

  /** Holds back until the connection drains; cut off if it does not within `stallMs`. */
  function awaitDrain(): void {
    if (awaitingDrain || !transport) return;
    awaitingDrain = true;
    transport.onDrain(flush);
    stallTimer = setTimeout(cutOff, options.stallMs);
    stallTimer.unref();
  }

  function flush(): void {
    clearTimeout(stallTimer);
    awaitingDrain = false;
    const queued = [...pending];
    pending.clear();
    for (const [slot, entry] of queued) send(slot, entry);
  }

  function sendNewest(live: boolean): void {
    const newest = channel.newest;
    if (!newest || newest.sequence <= lastSequence) return;
    lastSequence = newest.sequence;
    send('state', { message: snapshotMessage(newest), live });
  }

  /** The connection stopped taking what it is sent: nothing more is kept or sent for it. */
  function cutOff(): void {
    if (state === 'gone' || !transport) return;
    metrics.stalled.inc({ transport: transport.kind });
    options.logger.debug({ pollId: channel.pollId }, 'cutting off a live viewer that stopped reading');
    transport.cutOff();
    viewer.leave();
  }

  async function check(patient = false): Promise<AccessOutcome> {
    // If the poll's visibility moved while we asked, the answer may predate it: ask again.
    for (let attempt = 1; ; attempt++) {
      const publicBefore = channel.public;
      const outcome = await options.checkAccess(channel.pollId, await options.credentials(), patient);
      if (channel.public !== publicBefore && attempt < MAX_RECHECKS) continue;
      if (outcome.kind === 'allowed') {
        offerSnapshot(channel, outcome.snapshot);
        confirmedWhilePublic = channel.public;
      }
      return outcome;
    }
  }

  function apply(outcome: AccessOutcome): void {
    if (state === 'gone') return;
    if (outcome.kind === 'allowed') {
      state = 'allowed';
      sendNewest(false);
    } else if (outcome.kind === 'hidden') {
      state = 'hidden';
      send('state', { message: { type: 'hidden', reason: outcome.reason }, live: false });
    } else {
      const { status, title, detail } = outcome;
      transport?.write({ type: 'error', status, title, detail });
      metrics.messages.inc({ type: 'error' });
      transport?.end(outcome.closeCode, title.slice(0, 120));
      viewer.leave();
    }
  }

  function recheck(): void {
    state = 'checking';
    check().then(apply, (error: unknown) => {
      options.logger.error({ err: error }, 'live access recheck failed');
      transport?.end(1011, 'internal error');
      viewer.leave();
    });
  }

  const viewer: Viewer = {
    get counted() {
      return transport !== undefined && state !== 'gone';
    },
    check,
    attach(connection, outcome) {
      // Sent away (shutdown) while its access was being checked.
      if (state === 'gone') return connection.end(1001, 'server going away');
      transport = connection;
      connection.onClose(() => viewer.leave());
      apply(outcome);
    },
    updated() {
      if (state === 'allowed') {
        // Results that stop being public are asked for again, unless access was confirmed while
        // they were not public (an organizer, a voter with a receipt: their credentials did it).
        if (channel.public === false && confirmedWhilePublic !== false) return recheck();
        sendNewest(true);
      } else if (state === 'hidden' && channel.public === true) {
        state = 'allowed';
        confirmedWhilePublic = true;
        sendNewest(true);
      }
    },
    showCount(count) {
      if (!viewer.counted || count === shownCount) return;
      shownCount = count;
      send('viewers', { message: { type: 'viewers', count }, live: false });
    },
    goAway() {
      transport?.end(1001, 'server going away');
      viewer.leave();
    },
    leave() {
      if (state === 'gone') return;
      state = 'gone';
      clearTimeout(stallTimer);
      pending.clear();
      options.onLeave(viewer);
    },
  };
  return viewer;
}
