// The provider in one call, for in-process use (the embedded tier, tests) and main.ts: built,
// listening, and closed again without leaving a held answer or a webhook retry behind.
import { createLogger, type Logger } from '@canvass/service-kit';
import type { PaymentProviderControl } from './control/control.ts';
import { buildPaymentProvider, type PaymentProviderOptions } from './service.ts';

export interface CreatePaymentProviderOptions extends Omit<PaymentProviderOptions, 'logger'> {
  /** Default 0: any free port. */
  port?: number;
  /** Default 127.0.0.1: the control API has no authentication, so keep it off public interfaces. */
  host?: string;
  /** Default: a silent logger. */
  logger?: Logger;
}

export interface PaymentProvider {
  /** Where the provider listens, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  url: string;
  port: number;
  control: PaymentProviderControl;
  close(): Promise<void>;
}

export async function createPaymentProvider(
  options: CreatePaymentProviderOptions = {},
): Promise<PaymentProvider> {
  const {
    port = 0,
    host = '127.0.0.1',
    logger = createLogger('payment-provider', 'silent'),
    ...rest
  } = options;
  const provider = buildPaymentProvider({ ...rest, logger });
  await provider.app.listen({ port, host });
  const address = provider.app.server.address();
  const listening = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${listening}`,
    port: listening,
    control: provider.control,
    async close() {
      provider.stop();
      await provider.app.close();
    },
  };
}
