export { authenticate, type SignInResult } from './accounts/authenticate.ts';
export { hashPassword, verifyPassword } from './passwords.ts';
export { createIdentityService, type IdentityOptions } from './service.ts';
