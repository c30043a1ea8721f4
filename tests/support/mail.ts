// Mail in embedded-tier tests: notifications sends it after the event that asks for it, a moment
// after the request that caused it answered, so tests wait for the next mail to an address.
import { memoryTransport } from '@canvass/notifications';

type Sent = ReturnType<typeof memoryTransport>['sent'][number];

export interface TestMail {
  /** Give this to `startEmbeddedPlatform({ mail })`. */
  transport: ReturnType<typeof memoryTransport>;
  /** The oldest mail to `to` (matching `subject`) not returned before; waits for one to come. */
  next(to: string, subject?: RegExp, timeoutMs?: number): Promise<Sent>;
  /** The token of the next such mail's link. */
  token(to: string, subject?: RegExp): Promise<string>;
  /** Every mail sent to `to` so far. */
  to(address: string): Sent[];
}

export const tokenIn = (text: string) => /token=([\w.-]+)/.exec(text)?.[1] ?? '';

export function testMail(): TestMail {
  const transport = memoryTransport();
  const taken = new Set<Sent>();
  const next = async (to: string, subject?: RegExp, timeoutMs = 10_000) => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = transport.sent.find(
        (mail) => mail.to === to && !taken.has(mail) && (!subject || subject.test(mail.subject)),
      );
      if (found) {
        taken.add(found);
        return found;
      }
      if (Date.now() > until)
        throw new Error(`no mail to ${to}${subject ? ` matching ${subject}` : ''} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  return {
    transport,
    next,
    async token(to, subject) {
      const token = tokenIn((await next(to, subject)).text);
      if (!token) throw new Error(`the mail to ${to} has no link with a token`);
      return token;
    },
    to: (address) => transport.sent.filter((mail) => mail.to === address),
  };
}
