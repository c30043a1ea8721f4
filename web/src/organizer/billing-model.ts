// What the plan page reads from the billing API (packages/contracts/src/api-billing.ts), the
// provider's test cards it offers, and how it writes money, months and quotas.
import { api } from './auth.ts';

export type PlanId = 'free' | 'pro' | 'business';

export interface Quotas {
  votesPerMonth: number;
  /** null: no limit. */
  openPolls: number | null;
  members: number;
  apiKeys: number;
  webhookEndpoints: number;
}

export interface PlanView {
  id: PlanId;
  name: string;
  priceCents: number;
  currency: string;
  blurb: string;
  quotas: Quotas;
}

export interface SagaStep {
  seq: number;
  step: string;
  title: string;
  /** ok, retry, failed, timed out */
  outcome: string;
  detail: string | null;
}

/** A plan change (the upgrade saga) as the API shows it. */
export interface PlanChange {
  id: string;
  plan: PlanId;
  previousPlan: PlanId;
  state: string;
  outcome: 'completed' | 'compensated' | 'failed' | null;
  amountCents: number;
  currency: string;
  error: string | null;
  refundId: string | null;
  steps: SagaStep[];
}

export interface BillingOverview {
  plan: PlanId;
  /** active, or past_due while a renewal is being retried */
  status: string;
  periodStart: string | null;
  periodEnd: string | null;
  pendingPlan: PlanId | null;
  paymentMethod: string | null;
  quotas: Quotas;
  usage: { month: string; votes: number; openPolls: number; members: number };
  plans: PlanView[];
  change: PlanChange | null;
}

export interface InvoiceLine {
  description: string;
  quantity: number;
  unitAmountCents: number;
  amountCents: number;
}

export interface Invoice {
  id: string;
  number: string;
  plan: PlanId;
  /** draft, paid, void or refunded */
  status: string;
  totalCents: number;
  currency: string;
  periodStart: string;
  periodEnd: string;
  createdAt: string;
  paidAt: string | null;
  lines: InvoiceLine[];
}

/** The shares of the month's votes at which owners are warned, then told (as in contracts' plans.ts). */
export const VOTE_WARNINGS = [0.8, 1] as const;

export const loadOverview = () => api<BillingOverview>('GET', '/api/v1/billing');
export const loadInvoices = () => api<{ invoices: Invoice[] }>('GET', '/api/v1/billing/invoices');
export const loadChange = (id: string) =>
  api<PlanChange>('GET', `/api/v1/billing/changes/${encodeURIComponent(id)}`);
export const startUpgrade = (plan: PlanId, paymentMethod: string) =>
  api<PlanChange>('POST', '/api/v1/billing/upgrade', { plan, paymentMethod });
export const scheduleDowngrade = (plan: PlanId) =>
  api<BillingOverview>('POST', '/api/v1/billing/downgrade', { plan });
export const keepPlan = () => api<unknown>('DELETE', '/api/v1/billing/downgrade');

/**
 * The provider's test tokens (Stripe test mode and the in-repo provider alike). A real deployment
 * collects the card in the provider's own form, which hands Canvass a token like these.
 */
export const TEST_CARDS: [token: string, name: string, outcome: string][] = [
  ['pm_card_visa', 'Visa test card', 'the payment goes through'],
  ['pm_card_chargeDeclined', 'Declined test card', 'the bank declines the payment'],
  ['pm_card_authenticationRequired', 'Test card with bank confirmation', 'the bank asks you to confirm'],
];

export const cardName = (token: string) => TEST_CARDS.find(([t]) => t === token)?.[1] ?? token;

/** The provider's reason without the request id some answers start with (`[req_…] Your card…`). */
export const plainReason = (text: string | null) => (text ?? '').replace(/^\[[^\]]*\]\s*/, '');

/** `2900` → `$29.00`; `whole` drops cents that are zero (`$29`), for prices. */
export function money(cents: number, currency: string, whole = false): string {
  const digits = whole && cents % 100 === 0 ? 0 : 2;
  return new Intl.NumberFormat(undefined, {
    style: 'currency',
    currency: currency.toUpperCase(),
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(cents / 100);
}

export const price = (plan: PlanView) => `${money(plan.priceCents, plan.currency, true)} a month`;

export const count = (n: number) => n.toLocaleString();

/** `2025-06` → `June 2025` (usage months are calendar months in UTC). */
export const monthName = (month: string) =>
  new Date(`${month}-01T00:00:00Z`).toLocaleDateString(undefined, {
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  });

export const day = (iso: string | null) =>
  iso ? new Date(iso).toLocaleDateString(undefined, { dateStyle: 'medium' }) : '';

export const planName = (plans: PlanView[], id: PlanId | null) =>
  plans.find((plan) => plan.id === id)?.name ?? id ?? '';

export const rank = (plans: PlanView[], id: PlanId) => plans.findIndex((plan) => plan.id === id);
