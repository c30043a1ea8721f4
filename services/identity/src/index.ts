export { authenticate, type SignInResult } from './accounts/authenticate.ts';
export { folderMailer, type Mail, type Mailer, memoryMailer } from './mail/mailer.ts';
export { hashPassword, verifyPassword } from './passwords.ts';
export { createIdentityService, type IdentityOptions } from './service.ts';
