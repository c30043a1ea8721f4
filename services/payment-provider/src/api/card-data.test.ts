import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cardDataParam } from './card-data.ts';
import { parseForm } from './form.ts';

test('card data is found by field name or by the shape of a card number (Luhn-valid)', () => {
  const found = (body: string) => cardDataParam(parseForm(body));
  assert.equal(found('card[number]=4242424242424242'), 'card[number]');
  assert.equal(found('card=tok_visa'), null, 'a token is not card data');
  assert.equal(found('payment_method_data[card][cvc]=123'), 'payment_method_data[card][cvc]');
  assert.equal(found('payment_method=4000000000000002'), 'payment_method');
  assert.equal(
    found('description=card 4242 4242 4242 4242'),
    null,
    'a number inside text is not a whole value',
  );
  assert.equal(found('metadata[pan]=4242 4242 4242 4242'), 'metadata[pan]');
  assert.equal(found('metadata[order]=4242424242424241'), null, 'fails Luhn: an ordinary number');
  assert.equal(found('amount=1000&payment_method=pm_card_visa&metadata[invoice]=inv-42'), null);
});
