import Type from 'typebox';
import { defineEvent } from './envelope.ts';

const Id = Type.String({ minLength: 1, maxLength: 64 });
export const Role = Type.Union([
  Type.Literal('owner'),
  Type.Literal('admin'),
  Type.Literal('editor'),
  Type.Literal('viewer'),
]);

export const UserRegisteredV1 = defineEvent(
  'identity.user.registered.v1',
  Type.Object({ userId: Id, registeredAt: Type.String({ format: 'date-time' }) }),
);

export const WorkspaceCreatedV1 = defineEvent(
  'identity.workspace.created.v1',
  Type.Object({
    workspaceId: Id,
    name: Type.String({ minLength: 1 }),
    ownerId: Id,
    plan: Type.String({ minLength: 1 }),
    createdAt: Type.String({ format: 'date-time' }),
  }),
);

/** A member joined, changed role (`role` set) or left (`role` null). */
export const MemberChangedV1 = defineEvent(
  'identity.member.changed.v1',
  Type.Object({
    workspaceId: Id,
    userId: Id,
    role: Type.Union([Role, Type.Null()]),
    changedAt: Type.String({ format: 'date-time' }),
  }),
);

/** A new account, with what notifications needs to reach its person (v1 had neither). */
export const UserRegisteredV2 = defineEvent(
  'identity.user.registered.v2',
  Type.Object({
    userId: Id,
    email: Type.String({ minLength: 3, maxLength: 320 }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    registeredAt: Type.String({ format: 'date-time' }),
  }),
);

/** An account was deleted: forget its address. */
export const UserDeletedV1 = defineEvent(
  'identity.user.deleted.v1',
  Type.Object({ userId: Id, deletedAt: Type.String({ format: 'date-time' }) }),
);

/** Someone joined a workspace through an invitation. */
export const InvitationAcceptedV1 = defineEvent(
  'identity.invitation.accepted.v1',
  Type.Object({
    workspaceId: Id,
    invitationId: Id,
    userId: Id,
    role: Role,
    invitedBy: Type.Union([Id, Type.Null()]),
    acceptedAt: Type.String({ format: 'date-time' }),
  }),
);

export const AccountMailKind = Type.Union([
  Type.Literal('verify-email'),
  Type.Literal('reset-password'),
  Type.Literal('sign-up-exists'),
  Type.Literal('invitation'),
]);

/**
 * Identity asks for an account mail. The link's secret never travels in clear: `sealedLink` is
 * `sealSecret()` of the link under the internal secret (AES-256-GCM, purpose `account-mail`), and
 * carries its own expiry, so the 7-day event log and the broker hold only ciphertext of a link
 * that is dead within a day (docs/architecture.md, "Account mails").
 */
export const AccountMailRequestedV1 = defineEvent(
  'identity.account_mail.requested.v1',
  Type.Object({
    kind: AccountMailKind,
    to: Type.String({ minLength: 3, maxLength: 320 }),
    userId: Type.Union([Id, Type.Null()]),
    /** Display name of the recipient, when known. */
    name: Type.Union([Type.String(), Type.Null()]),
    sealedLink: Type.Union([Type.String({ minLength: 1 }), Type.Null()]),
    /** When the link stops working: a mail that could only go out later is not sent. */
    linkExpiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    workspaceName: Type.Union([Type.String(), Type.Null()]),
    role: Type.Union([Role, Type.Null()]),
    inviterName: Type.Union([Type.String(), Type.Null()]),
  }),
);
