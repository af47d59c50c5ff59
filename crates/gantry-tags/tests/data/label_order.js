// Writes label_order.json: label keys as docker/metadata-action v6 orders them,
// `keys.sort((a, b) => a.localeCompare(b))` under node (ICU root collation,
// the default en-US locale). The Rust tests compare gantry's order with these
// committed lists; this script is only re-run to extend them:
//
//   node label_order.js > label_order.json
'use strict';
let seed = 20261208;
const random = () => {
  // xorshift32: the same lists on every run
  seed ^= seed << 13; seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5; seed >>>= 0;
  return seed / 4294967296;
};
const pick = s => s[Math.floor(random() * s.length)];
const printable = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');
const keyish = 'aAbBzZ019._-:/@';

const lists = [];
// Every printable ASCII character, and each against a letter and a digit.
lists.push(printable.split(''));
lists.push(printable.split('').map(c => `a${c}b`));
lists.push(printable.split('').map(c => `${c}1`));
// What label keys look like.
lists.push([
  'org.opencontainers.image.version', 'org.opencontainers.image.title', 'org.opencontainers.image.source',
  'org.opencontainers.image.revision', 'org.opencontainers.image.licenses', 'org.opencontainers.image.created',
  'org.opencontainers.image.description', 'org.opencontainers.image.url', 'org.opencontainers.image.vendor',
  'org.opencontainers.image.Title', 'Org.opencontainers.image.title', 'org.opencontainers.image-title',
  'org.opencontainers.image_title', 'org.opencontainers.image', 'org.opencontainers', 'org',
  'com.example.build', 'com.example.Build', 'com.example.BUILD', 'com.example.build-id',
  'com.example.build_id', 'com.example.build.id', 'com.example.build2', 'com.example.build10',
  'maintainer', 'Maintainer', 'MAINTAINER', 'version', 'Version', 'a', 'A', 'b', 'B', '_a', '-a', '.a',
  '1', '10', '2', '01', '0', 'a1', 'a01', 'a_1', 'a-1', 'a.1', 'aB', 'Ab', 'ab', 'AB', 'aa', 'Aa', 'aA',
  'io.k8s.display-name', 'io.openshift.tags', 'description', 'summary', 'vendor', 'x', 'X', 'z', 'Z',
]);
// Random keys, from a key-like alphabet and from all printable characters.
for (let n = 0; n < 40; n++) {
  const alphabet = n % 2 ? keyish : printable;
  const list = [];
  for (let k = 0; k < 25; k++) {
    let key = '';
    const len = 1 + Math.floor(random() * 8);
    for (let i = 0; i < len; i++) key += pick(alphabet);
    if (!list.includes(key)) list.push(key);
  }
  lists.push(list);
}
const cases = lists.map(keys => ({ keys, sorted: [...keys].sort((a, b) => a.localeCompare(b)) }));
process.stdout.write(JSON.stringify({
  generator: 'label_order.js',
  node: process.version,
  icu: process.versions.icu,
  locale: new Intl.Collator().resolvedOptions().locale,
  cases,
}) + '\n');
