// Writes moment_formats.json: what moment 2.30.1 + moment-timezone (the
// versions docker/metadata-action v6.2.0 bundles) print for each case, as
// metadata-action's {{date}} helper calls them: moment(date).tz(tz).format(f).
// The Rust tests compare gantry's formatter with these committed values;
// this script is only re-run to extend the table:
//
//   MOMENT_TZ=/path/to/moment-tz.cjs node moment_formats.js > moment_formats.json
//
// MOMENT_TZ is a CommonJS module exporting moment with moment-timezone and
// its data loaded (e.g. the two modules cut out of metadata-action's
// dist/index.cjs, or `npm i moment@2.30.1 moment-timezone` and
// `module.exports = require('moment-timezone')`).
'use strict';
const moment = require(process.env.MOMENT_TZ);
if (moment.version !== '2.30.1') throw new Error(`moment ${moment.version}, want 2.30.1`);

const tokens = [
  'M', 'MM', 'Mo', 'MMM', 'MMMM', 'MMMMM', 'D', 'DD', 'Do', 'DDD', 'DDDD', 'DDDo', 'DDo', 'DDDDD',
  'd', 'do', 'dd', 'ddd', 'dddd', 'ddddd', 'e', 'E', 'w', 'ww', 'wo', 'www', 'W', 'WW', 'Wo', 'WWW',
  'w|', 'W|', 'g', 'gg', 'ggg', 'gggg', 'ggggg', 'gggggg', 'G', 'GG', 'GGG', 'GGGG', 'GGGGG',
  'GGGGGG', 'Q', 'Qo', 'N', 'NN', 'NNN', 'NNNN', 'NNNNN', 'NNNNNN', 'y', 'yo', 'yy', 'yyy', 'yyyy',
  'yyyyy', 'Y', 'YY', 'YYY', 'YYYY', 'YYYYY', 'YYYYYY', 'YYYYYYY', 'H', 'HH', 'HHH', 'h', 'hh',
  'k', 'kk', 'Hmm', 'Hmmss', 'hmm', 'hmmss', 'Hm', 'hmms', 'm', 'mm', 's', 'ss', 'S', 'SS', 'SSS',
  'SSSS', 'SSSSS', 'SSSSSS', 'SSSSSSS', 'SSSSSSSS', 'SSSSSSSSS', 'SSSSSSSSSS', 'a', 'A', 'Z',
  'ZZ', 'ZZZ', 'z', 'zz', 'zzz', 'X', 'x', 'L', 'LL', 'LLL', 'LLLL', 'LLLLL', 'LT', 'LTS', 'LTT',
  'l', 'll', 'lll', 'llll', 'lllll', 'T', 'b', 'c', 'f', 'i', 'j', 'n', 'o', 'p', 'q', 'r', 't', 'u',
  'v', 'B', 'C', 'F', 'I', 'J', 'K', 'O', 'P', 'R', 'U', 'V',
];
const patterns = [
  null, '', 'YYYYMMDD', 'YYYYMMDD-HHmmss', 'YYYY-MM-DDTHH:mm:ss.SSS[Z]',
  'dddd, MMMM Do YYYY, h:mm:ss a', 'gggg-[W]ww', 'GGGG-[W]WW', 'GGGG-[W]WW-E', 'gggg.w.e',
  '[Week] ww', '[a]b]', '[a[b]', '[a]b[c]d]', '[', ']', '[]', '[[]]', '\\', '\\\\', 'a\\\\b',
  '\\YYYY', '\\Y\\Y', 'YYYY\\', '\\[YYYY]', '[\\YYYY]', '\\LT', '\\LTS', '[LT] LT', 'LTS LT L',
  'L[L]L', '\\lll', 'LTS-LT-L-LL', 'YYYY\nMM', 'a\rb', 'YYYY\u2028MM', '😀YYYY', 'é-YYYY',
  'YYYY-MM-DD [at] HH:mm', 'x-X', 'Z-ZZ-z', 'HHmmssSSS', 'YYYYMMDDHHmmss', 'YY.MM.DD',
  'Qo [quarter] YYYY', 'Do MMM', 'ddd D MMM', 'LT-[LT]-\\LT', 'Mo-Do-DDDo-do-wo-Wo-Qo-yo',
  'hh:mm A', 'kk:mm', '{{', 'YYYY/MM', 'YYYY_MM', 'w|W|',
];
const weekEdges = [];
for (const year of [2020, 2021, 2022, 2023, 2024, 2025, 2026, 2027, 2028]) {
  for (const md of ['-01-01', '-01-02', '-01-03', '-01-04', '-01-05', '-01-07', '-01-08',
    '-12-25', '-12-27', '-12-28', '-12-29', '-12-30', '-12-31']) {
    weekEdges.push(`${year}${md}T12:00:00.000Z`);
  }
}
const instants = [
  '2026-03-15T12:34:56.789Z', '2020-01-10T00:30:00.000Z', '2024-02-29T13:05:09.045Z',
  '2026-06-01T00:00:00.000Z', '2026-06-01T12:00:00.000Z', '2026-06-01T23:59:59.999Z',
  '2001-09-09T01:46:40.000Z', '2026-12-31T23:59:59.999Z', '2027-01-01T00:00:00.000Z',
];
const zones = ['UTC', 'Asia/Tokyo', 'America/New_York', 'Europe/Paris', 'Asia/Kolkata',
  'America/St_Johns', 'Pacific/Chatham', 'Australia/Lord_Howe', 'Pacific/Kiritimati'];
const zoneInstants = ['2026-03-08T06:59:59.000Z', '2026-03-08T07:00:00.000Z',
  '2026-03-29T00:59:59.000Z', '2026-03-29T01:00:00.000Z', '2026-10-25T00:30:00.000Z',
  '2026-11-01T05:30:00.000Z', '2026-12-31T14:30:00.000Z', '2026-12-31T23:30:00.000Z'];

const cases = [];
const add = (at, tz, format) => {
  const expect = moment(new Date(at)).tz(tz).format(format === null ? undefined : format);
  cases.push({ at, tz, format, expect });
};
for (const at of instants.slice(0, 3)) {
  for (const f of tokens.concat(patterns)) add(at, 'UTC', f);
}
for (const at of instants.slice(3)) {
  for (const f of tokens.filter(t => /^[HhkmsSaAXxLl]/.test(t)).concat(patterns.slice(0, 10))) add(at, 'UTC', f);
}
for (const at of weekEdges) {
  for (const f of ['w', 'ww', 'wo', 'gg', 'gggg', 'ggggg', 'W', 'WW', 'Wo', 'GG', 'GGGG', 'GGGGG',
    'e', 'E', 'd', 'DDD']) {
    add(at, 'UTC', f);
  }
}
for (const tz of zones) {
  for (const at of zoneInstants) {
    for (const f of [null, '', 'YYYYMMDD-HHmmss', 'Z', 'ZZ', 'z', 'zz', 'X', 'x', 'LLLL', 'gggg-ww', 'GGGG-WW']) {
      add(at, tz, f);
    }
  }
}
process.stdout.write(JSON.stringify({
  generator: 'moment_formats.js',
  moment: moment.version,
  'moment-timezone': moment.tz.version,
  tzdata: moment.tz.dataVersion,
  cases,
}, null, 0).replace(/\},\{/g, '},\n{') + '\n');
