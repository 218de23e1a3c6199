// Checks that a runbook link leads somewhere: fetches the URL and looks for a Markdown heading
// whose anchor (GitHub's rule: lower case, spaces to dashes, punctuation dropped) is the
// link's fragment.   node runbook-anchor.js URL
'use strict';

const { URL } = require('node:url');

const url = new URL(process.argv[2]);
const anchor = decodeURIComponent(url.hash.slice(1));
const slug = (heading) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .replace(/\s/g, '-');

setTimeout(() => {
  process.stdout.write('no answer within 10 s\n');
  process.exit(1);
}, 10_000).unref();
fetch(url).then(
  async (response) => {
    const text = await response.text();
    const headings = text.split('\n').filter((line) => /^#{1,6}\s/.test(line));
    const found = headings.some((line) => slug(line.replace(/^#+/, '')) === anchor);
    process.stdout.write(`${response.status} ${found ? 'anchor found' : 'no such anchor'}\n`);
    process.exit(response.status === 200 && found ? 0 : 1);
  },
  (error) => {
    process.stdout.write(`unreachable: ${error.message}\n`);
    process.exit(1);
  },
);
