import type { Generated } from 'kysely';

export interface SagaRow {
  id: string;
  kind: string;
  workspace_id: string;
  requested_by: string | null;
  plan: string;
  previous_plan: string;
  amount_cents: number;
  currency: string;
  payment_method: string | null;
  state: string;
  outcome: string | null;
  attempts: Generated<number>;
  declines: Generated<number>;
  next_run_at: Generated<Date>;
  lease_until: Date | null;
  step_started_at: Generated<Date>;
  payment_id: string | null;
  refund_id: string | null;
  invoice_id: string | null;
  error: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface BillingTables {
  workspaces: { workspace_id: string; name: string; owner_id: string; created_at: Generated<Date> };
  members: { workspace_id: string; user_id: string; role: string };
  polls: { poll_id: string; workspace_id: string | null; open: Generated<boolean> };
  vote_usage: {
    workspace_id: string;
    month: string;
    votes: Generated<number>;
    warned_share: Generated<number>;
  };
  subscriptions: {
    workspace_id: string;
    plan: string;
    status: string;
    customer_id: string | null;
    payment_method: string | null;
    period_start: Date | null;
    period_end: Date | null;
    pending_plan: string | null;
    entitlements_version: Generated<number>;
    updated_at: Generated<Date>;
  };
  sagas: SagaRow;
  saga_steps: {
    saga_id: string;
    seq: number;
    step: string;
    outcome: string;
    detail: string | null;
    duration_ms: number;
    at: Generated<Date>;
  };
  invoices: {
    id: string;
    number: string;
    workspace_id: string;
    saga_id: string | null;
    plan: string;
    status: string;
    total_cents: number;
    currency: string;
    period_start: Date;
    period_end: Date;
    created_at: Generated<Date>;
    paid_at: Date | null;
  };
  invoice_lines: {
    invoice_id: string;
    line: number;
    description: string;
    quantity: number;
    unit_amount_cents: number;
    amount_cents: number;
  };
  provider_events: { id: string; type: string; payment_id: string | null; received_at: Generated<Date> };
  provider_payments: {
    payment_id: string;
    saga_id: string | null;
    status: string;
    amount_refunded: Generated<number>;
    provider_time: number;
  };
}
