// Who may manage a poll: a member of its workspace with polls:write, or, for a guest poll, whoever
// holds the manage token handed out when it was created (header `Manage-Token`).
import { conflict, HttpProblem, identityOf, requireScope, sha256 } from '@canvass/service-kit';
import type { FastifyRequest } from 'fastify';
import type { StoredPoll } from './poll-store.ts';

/** Returns who is acting (a user id, `api-key:<id>`, or `manage-token`), or throws 401/403/409. */
export async function authorizeOrganizer(
  request: FastifyRequest,
  poll: StoredPoll,
  internalSecret: string | undefined,
): Promise<string> {
  if (poll.homeRegion !== null) throw managedElsewhere(poll.homeRegion);
  const manageToken = request.headers['manage-token'];
  if (typeof manageToken === 'string' && poll.manageTokenHash !== null) {
    if (sha256(manageToken) === poll.manageTokenHash) return 'manage-token';
    throw new HttpProblem(403, 'forbidden', 'Not allowed', 'That manage token does not belong to this poll.');
  }
  const identity = await identityOf(request, internalSecret);
  if (!identity && poll.workspaceId === null) {
    throw new HttpProblem(
      401,
      'unauthenticated',
      'Manage token needed',
      'Send the manage token you got when you created this poll in the Manage-Token header.',
    );
  }
  const caller = requireScope(identity, 'polls:write');
  if (caller.workspace !== poll.workspaceId) {
    throw new HttpProblem(403, 'forbidden', 'Not allowed', 'This poll belongs to another workspace.');
  }
  return caller.subject;
}

/** Whether the caller manages the poll, without failing the request when they do not. */
export async function isOrganizer(
  request: FastifyRequest,
  poll: StoredPoll,
  internalSecret: string | undefined,
): Promise<boolean> {
  try {
    await authorizeOrganizer(request, poll, internalSecret);
    return true;
  } catch {
    return false;
  }
}

/** An imported poll (docs/regions.md) is changed in its home region only. */
export function managedElsewhere(region: string) {
  return conflict(
    'poll-managed-in-another-region',
    `This poll is managed in region ${region}`,
    `It was created in region ${region}: edit, open, close or claim it there. This region takes its votes and shows its results.`,
  );
}
