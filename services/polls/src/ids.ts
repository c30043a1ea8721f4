import { createHash, randomBytes } from 'node:crypto';

/** A short, URL-safe random id (12 characters, 72 bits). */
export const newId = (): string => randomBytes(9).toString('base64url');

/** A secret for a guest to manage their poll (256 bits). */
export const newSecret = (): string => randomBytes(32).toString('base64url');

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('base64url');
