// Publishing a batch of messages to JetStream with one reply inbox per connection (see ackedPublisher).
import { createInbox, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';

/**
 * Publishes messages to JetStream and resolves once every one is stored (acknowledged), or fails
 * with the first refusal or after `timeoutMs`. What js.publish does per message, for a batch: each
 * message goes out with a reply subject under one inbox this connection subscribes to once, and
 * a counter settles the batch, where js.publish makes a request object, a timer and (when it
 * settles) a stack-capturing Error per message, measured at several percent of the polls
 * service's CPU per vote. A subject no stream takes is answered 503 (no responders).
 */
export function ackedPublisher(nc: NatsConnection) {
  const prefix = `${createInbox()}.`;
  const waiting = new Map<string, (error?: Error) => void>();
  let next = 0;
  /** Set once the inbox is gone (the connection closed, or the server refused it): publishes fail at once. */
  let broken: Error | undefined;
  const failAll = (error: Error) => {
    for (const [token, settle] of waiting) {
      waiting.delete(token);
      settle(error);
    }
  };
  const inbox = nc.subscribe(`${prefix}*`, {
    callback: (error, message) => {
      if (error) {
        failAll(new Error(`the publish inbox failed: ${error.message}`));
        return;
      }
      const token = message.subject.slice(prefix.length);
      const settle = waiting.get(token);
      if (!settle) return;
      // Each message is settled by its first answer only: a second one (a stray reply) must not
      // count another message of the batch as stored.
      waiting.delete(token);
      if (message.headers?.hasError) {
        settle(
          new Error(`JetStream refused a message: ${message.headers.code} ${message.headers.description}`),
        );
        return;
      }
      try {
        const ack = message.json<{ stream?: string; error?: { description?: string } }>();
        if (ack.error)
          settle(new Error(`JetStream refused a message: ${ack.error.description ?? 'no reason given'}`));
        else if (!ack.stream)
          settle(new Error('JetStream answered a publish with an invalid acknowledgement'));
        else settle();
      } catch {
        settle(new Error('JetStream answered a publish with an invalid acknowledgement'));
      }
    },
  });
  void inbox.closed.then(
    () => {
      broken = new Error('the NATS connection is closed');
      failAll(broken);
    },
    (error: Error) => {
      broken = new Error(`the publish inbox failed: ${error.message}`);
      failAll(broken);
    },
  );
  return (
    messages: readonly { subject: string; payload: string; headers: MsgHdrs }[],
    timeoutMs: number,
  ): Promise<void> =>
    new Promise((resolve, reject) => {
      if (messages.length === 0) return resolve();
      if (broken) return reject(broken);
      const tokens: string[] = [];
      let left = messages.length;
      let done = false;
      const finish = (error?: Error) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        for (const token of tokens) waiting.delete(token);
        if (error) reject(error);
        else resolve();
      };
      const timer = setTimeout(
        () =>
          finish(
            new Error(
              `JetStream did not acknowledge ${left} of ${messages.length} messages in ${timeoutMs} ms`,
            ),
          ),
        timeoutMs,
      );
      const settle = (error?: Error) => {
        if (error) finish(error);
        else if (--left === 0) finish();
      };
      try {
        for (const message of messages) {
          const token = String(++next);
          tokens.push(token);
          waiting.set(token, settle);
          nc.publish(message.subject, message.payload, { reply: prefix + token, headers: message.headers });
        }
      } catch (error) {
        // A closed connection refuses at once.
        finish(error as Error);
      }
    });
}
