// What this process knows of one poll that has (or recently had) live viewers here.
import type { Snapshot } from './messages.ts';

export interface ChannelViewer {
  /** Counted in the poll's viewers: connected and admitted (allowed or hidden). */
  readonly counted: boolean;
  /** An update made a newer snapshot the channel's newest (and may have changed `public`). */
  updated(): void;
  showCount(count: number): void;
  /** The process is stopping: close so the client reconnects elsewhere. */
  goAway(): void;
}

export interface Channel {
  readonly pollId: string;
  newest: Snapshot | undefined;
  /** What the newest update said: may anyone see the results now? Unknown until one arrives. */
  public: boolean | undefined;
  readonly viewers: Set<ChannelViewer>;
  /** This process's viewer count as last reported to the viewer counts. */
  reported: number;
}

export function newChannel(pollId: string): Channel {
  return { pollId, newest: undefined, public: undefined, viewers: new Set(), reported: 0 };
}

/** Keeps the snapshot if it is newer than what the channel has; says whether it did. */
export function offerSnapshot(channel: Channel, snapshot: Snapshot): boolean {
  if (channel.newest && snapshot.sequence <= channel.newest.sequence) return false;
  channel.newest = snapshot;
  return true;
}

export function countedViewers(channel: Channel): number {
  let count = 0;
  for (const viewer of channel.viewers) if (viewer.counted) count++;
  return count;
}
