/** "an open", "an in_progress", "a pending": the article goes by the first letter's sound (the statuses' vowels are all spoken as vowels). */
export function withArticle(word: string): string {
  return `${/^[aeiou]/i.test(word) ? 'an' : 'a'} ${word}`;
}

export function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
