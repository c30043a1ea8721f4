// Card numbers never enter this provider: payment methods are test tokens. A request carrying
// anything that looks like card data is refused before any handler sees it, and the refusal names
// the field, never the value.
import { rawCardDataRefused } from '../errors.ts';
import type { Param, Params } from './form.ts';

/** Field names that only ever hold raw card data (`card[number]`, `payment_method_data[card][cvc]`, ...). */
const CARD_FIELDS = new Set(['number', 'cvc', 'exp_month', 'exp_year']);
/** 13 to 19 digits, spaces or dashes allowed between them: the shape of a card number. */
const PAN_SHAPED = /^\d(?:[ -]?\d){12,18}$/;

function passesLuhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

function looksLikeCardNumber(value: string): boolean {
  return PAN_SHAPED.test(value) && passesLuhn(value.replace(/[ -]/g, ''));
}

/** The first parameter (as `a[b][c]`) holding card data, or null. */
export function cardDataParam(params: Params): string | null {
  const visit = (value: Param, path: string[]): string | null => {
    const name = path.map((segment, i) => (i === 0 ? segment : `[${segment}]`)).join('');
    if (typeof value === 'string') {
      const inCard = path.includes('card') && CARD_FIELDS.has(path[path.length - 1]!);
      const digits = value.replace(/[ -]/g, '');
      // payment_method and source take tokens only: a long run of digits there is a card number.
      const tokenField = (name === 'payment_method' || name === 'source') && /^\d{12,}$/.test(digits);
      return inCard || tokenField || looksLikeCardNumber(value) ? name : null;
    }
    const entries = Array.isArray(value)
      ? value.map((item, i) => [String(i), item] as const)
      : Object.entries(value);
    for (const [key, item] of entries) {
      const found = visit(item, [...path, key]);
      if (found) return found;
    }
    return null;
  };
  for (const [key, value] of Object.entries(params)) {
    const found = visit(value, [key]);
    if (found) return found;
  }
  return null;
}

export function refuseCardData(params: Params): void {
  const param = cardDataParam(params);
  if (param) throw rawCardDataRefused(param);
}
