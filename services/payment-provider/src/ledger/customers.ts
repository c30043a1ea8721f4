// Customers: the minimum billing needs, an id to charge against with a name, an email and metadata.
import type { Params } from '../api/form.ts';
import { metadataOf, onlyKnown, optionalString } from '../api/params.ts';
import { noSuchObject } from '../errors.ts';
import { objectId, unixNow } from '../ids.ts';
import type { Customer } from '../objects.ts';
import type { LedgerDeps } from './state.ts';

const CUSTOMER_PARAMS = ['email', 'name', 'description', 'metadata', 'expand'];

export function createCustomer(deps: LedgerDeps, params: Params): Customer {
  onlyKnown(params, CUSTOMER_PARAMS);
  const customer: Customer = {
    id: objectId('cus'),
    object: 'customer',
    created: unixNow(),
    description: optionalString(params, 'description'),
    email: optionalString(params, 'email'),
    livemode: false,
    metadata: metadataOf(params),
    name: optionalString(params, 'name'),
  };
  deps.state.customers.set(customer.id, customer);
  return structuredClone(customer);
}

export function customerOf(deps: LedgerDeps, id: string): Customer {
  const customer = deps.state.customers.get(id);
  if (!customer) throw noSuchObject('customer', id);
  return structuredClone(customer);
}
