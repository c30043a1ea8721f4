// Who may see a poll's results, by its resultsVisibility: everyone (live), voters who present
// their receipt (after_vote), everyone once closed (after_close), or organizers only (hidden).
// Organizers (the poll's workspace, or a guest poll's manage token) always may. Receipts and
// manage tokens are HMAC-signed by polls (newSignedToken), so checking one needs no lookup.
import { HttpProblem, identityOf, verifySignedToken } from '@canvass/service-kit';
import type { FastifyRequest } from 'fastify';
import type { PollAccessFacts } from './view.ts';

/** Whether anyone at all may see the results now. */
export function resultsArePublic(access: PollAccessFacts): boolean {
  const visibility = access.settings?.resultsVisibility ?? 'live';
  return visibility === 'live' || (visibility === 'after_close' && access.status === 'closed');
}

const header = (request: FastifyRequest, name: string, query: string) => {
  const value = request.headers[name] ?? (request.query as Record<string, unknown> | undefined)?.[query];
  return typeof value === 'string' ? value : undefined;
};

async function isOrganizer(request: FastifyRequest, access: PollAccessFacts, secret: string | undefined) {
  const manageToken = header(request, 'manage-token', 'manageToken');
  if (secret && manageToken && access.workspaceId === null)
    return verifySignedToken(secret, 'manage', access.pollId, manageToken);
  const identity = await identityOf(request, secret).catch(() => undefined);
  return (
    identity !== undefined &&
    identity.workspace === access.workspaceId &&
    identity.scopes.includes('results:read')
  );
}

/** Throws 403 with the reason when this caller may not see the results now. */
export async function checkResultsAccess(
  request: FastifyRequest,
  access: PollAccessFacts,
  secret: string | undefined,
): Promise<void> {
  if (resultsArePublic(access) || (await isOrganizer(request, access, secret))) return;
  const visibility = access.settings?.resultsVisibility ?? 'live';
  if (visibility === 'after_vote') {
    const receipt = header(request, 'vote-receipt', 'receipt');
    if (secret && receipt && verifySignedToken(secret, 'receipt', access.pollId, receipt)) return;
    throw new HttpProblem(
      403,
      'results-after-vote',
      'Results show once you vote',
      'Vote first; then send your receipt id in the Vote-Receipt header.',
    );
  }
  if (visibility === 'after_close')
    throw new HttpProblem(
      403,
      'results-after-close',
      'Results show when the poll closes',
      'The organizer shows results once voting ends.',
    );
  throw new HttpProblem(
    403,
    'results-hidden',
    'Results are private',
    'The organizer keeps these results to themselves.',
  );
}
