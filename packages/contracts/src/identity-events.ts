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
