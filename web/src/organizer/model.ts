// What the organizer pages read from the API, beyond what voters see.
import { type Poll, type PollSettings, pollPath, type Results } from '../api.ts';
import { accessToken, api, type Role } from './auth.ts';
import { saveFile } from './ui.tsx';

export type { PollSettings };

export interface OrganizerPoll extends Poll {
  workspaceId: string | null;
  settings: PollSettings;
  createdAt: string;
  accessCode?: string;
}

export interface FullResults extends Results {
  series: NonNullable<Results['series']>;
  breakdown: NonNullable<Results['breakdown']>;
}

export interface Workspace {
  id: string;
  name: string;
  role: Role;
  plan: string;
}

export const loadPoll = (pollId: string) => api<OrganizerPoll>('GET', pollPath(pollId));
export const loadResults = (pollId: string) => api<FullResults>('GET', `${pollPath(pollId)}/results`);

/** A poll with its results as they are now (none yet, or not readable: null). */
export const loadPollAndResults = async (pollId: string) => ({
  poll: await loadPoll(pollId),
  results: await loadResults(pollId).catch(() => null),
});

export const shareLink = (pollId: string) => `${location.origin}/p/${encodeURIComponent(pollId)}`;
export const embedLink = (pollId: string) => `${location.origin}/embed/${encodeURIComponent(pollId)}`;
/**
 * The iframe, and a few lines that size it to the height the embed posts (voter/embed.ts), so
 * results never get cut off; 520 px until the first message (or where scripts are not allowed).
 * Only messages from Canvass's origin about this poll are heeded.
 */
export const embedSnippet = (pollId: string) => {
  const frameId = `canvass-${pollId}`;
  return `<iframe src="${embedLink(pollId)}" id="${frameId}" title="Canvass poll" width="100%" height="520" style="border:0;max-width:36rem" loading="lazy"></iframe>
<script>addEventListener("message",function(e){var d=e.data;if(e.origin==="${location.origin}"&&d&&d.type==="canvass:embed-height"&&d.pollId===${JSON.stringify(pollId)})document.getElementById("${frameId}").style.height=d.height+"px"})</script>`;
};

/** Downloads an organizer's file (an export, a report) with their access token, and saves it. */
export async function downloadFile(url: string, name: string): Promise<void> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${await accessToken()}` } });
  if (!response.ok) throw new Error('The export did not work. Try again.');
  saveFile(await response.blob(), name);
}
