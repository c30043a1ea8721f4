// Word-cloud terms of an open-text answer: lower-cased words of three or more letters, common
// English filler words left out, each counted once per answer (a cloud of how many said it).
const STOP_WORDS = new Set(
  `the and for are but not you with this that have was were from they will would there their what
  when your about just into than then them these those been has had its our out very can all any
  also more some such who why how which while where here over only own same too yes she him her his
  off did does doing don't isn't it's i'm we're they're you're`.split(/\s+/),
);

export function termsOf(text: string): Set<string> {
  const words =
    text
      .normalize('NFKC')
      .toLowerCase()
      .match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu) ?? [];
  const terms = new Set<string>();
  for (const word of words) {
    const term = word.replace(/['’-]+$/u, '');
    if ([...term].length >= 3 && !STOP_WORDS.has(term)) terms.add(term);
  }
  return terms;
}
