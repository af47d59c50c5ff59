//! moment.js's `format()`, as metadata-action's `{{date}}` and
//! `{{commit_date}}` helpers call it: moment 2.30.1 with moment-timezone,
//! the default `en` locale.
//!
//! The format string is read the way moment reads it, quirks included,
//! so a pattern renders the same in both tools:
//!
//! - the locale's long formats first (`LTS`, `LT`, `L`…`LLLL`, `l`…`llll`
//!   become `h:mm:ss A`, `MM/DD/YYYY`, `M/D/YYYY`…);
//! - then one token at a time, the first alternative of moment's token
//!   regex that matches wins (so `YYY` is `YY` then `Y`, `ggg` is `gg`
//!   then a literal `g`, and `w|` is a literal);
//! - `[text]` is literal and reaches to the last `]` before the next `[`;
//!   `\` makes the whole next token literal (`\YYYY` is `YYYY`), and a
//!   lone `\` disappears;
//! - line breaks are dropped; an empty format is moment's default format.
//!
//! Weeks: `w`/`ww`/`wo`/`gg…` are the `en` locale's (weeks start on
//! Sunday, week 1 holds January 1st); `W`/`WW`/`Wo`/`GG…` are ISO 8601's.
//!
//! The expected values of the tests were computed by moment 2.30.1 itself
//! (`tests/data/moment_formats.json`, written by `moment_formats.js`).

use std::fmt::Write as _;

use jiff::civil;
use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// The `en` locale's long date formats (moment's `longDateFormat`).
fn long_date_format(token: &str) -> Option<&'static str> {
    Some(match token {
        "LTS" => "h:mm:ss A",
        "LT" => "h:mm A",
        "L" => "MM/DD/YYYY",
        "LL" => "MMMM D, YYYY",
        "LLL" => "MMMM D, YYYY h:mm A",
        "LLLL" => "dddd, MMMM D, YYYY h:mm A",
        // moment derives the short forms from the long ones by dropping
        // one letter of `MMMM`, `MM`, `DD` and `dddd`.
        "l" => "M/D/YYYY",
        "ll" => "MMM D, YYYY",
        "lll" => "MMM D, YYYY h:mm A",
        "llll" => "ddd, MMM D, YYYY h:mm A",
        _ => return None,
    })
}

/// Formats `at` in `zone` as moment's `format(format)` does. `None` or an
/// empty format is moment's default: `YYYY-MM-DDTHH:mm:ss[Z]` when the
/// offset is zero, else `YYYY-MM-DDTHH:mm:ssZ`.
pub(crate) fn format(at: Timestamp, zone: &TimeZone, format: Option<&str>) -> String {
    let moment = Moment::new(at, zone);
    let format = match format {
        Some(format) if !format.is_empty() => format,
        _ if moment.offset_seconds / 60 == 0 => "YYYY-MM-DDTHH:mm:ss[Z]",
        _ => "YYYY-MM-DDTHH:mm:ssZ",
    };
    let chars: Vec<char> = expand_long_date_formats(format).chars().collect();
    let mut out = String::new();
    let mut p = 0;
    while p < chars.len() {
        if let Some(end) = bracket_end(&chars, p) {
            out.extend(&chars[p + 1..end]);
            p = end + 1;
            continue;
        }
        if chars[p] == '\\'
            && let Some(len) = token_len(&chars, p + 1)
        {
            // An escaped token is literal, without its backslash (moment
            // removes every backslash of it: `\\` is nothing).
            out.extend(chars[p + 1..p + 1 + len].iter().filter(|c| **c != '\\'));
            p += 1 + len;
            continue;
        }
        let Some(len) = token_len(&chars, p) else {
            // A line break matches nothing in moment's token regex: dropped.
            p += 1;
            continue;
        };
        let token: String = chars[p..p + len].iter().collect();
        if !moment.render(&token, &mut out) {
            out.extend(token.chars().filter(|c| *c != '\\'));
        }
        p += len;
    }
    out
}

/// moment's `expandFormat`: each long date format token becomes its
/// definition, except inside `[…]` or after `\`. moment repeats the pass
/// up to six times; the `en` definitions hold no long token, so a pass that
/// changes nothing ends it.
fn expand_long_date_formats(format: &str) -> String {
    let mut text = format.to_owned();
    for _ in 0..6 {
        let chars: Vec<char> = text.chars().collect();
        let mut out = String::with_capacity(text.len());
        let mut p = 0;
        while p < chars.len() {
            if let Some(end) = bracket_end(&chars, p) {
                out.extend(&chars[p..=end]);
                p = end + 1;
                continue;
            }
            if chars[p] == '\\'
                && let Some(len) = long_token_len(&chars, p + 1)
            {
                out.extend(&chars[p..p + 1 + len]);
                p += 1 + len;
                continue;
            }
            if let Some(len) = long_token_len(&chars, p) {
                let token: String = chars[p..p + len].iter().collect();
                out.push_str(long_date_format(&token).unwrap_or(&token));
                p += len;
                continue;
            }
            out.push(chars[p]);
            p += 1;
        }
        if out == text {
            break;
        }
        text = out;
    }
    text
}

/// `LTS|LT|LL?L?L?|l{1,4}` at `p`.
fn long_token_len(chars: &[char], p: usize) -> Option<usize> {
    match chars.get(p)? {
        'L' if chars.get(p + 1) == Some(&'T') => {
            Some(if chars.get(p + 2) == Some(&'S') { 3 } else { 2 })
        }
        'L' => Some(run(chars, p, 'L', 4)),
        'l' => Some(run(chars, p, 'l', 4)),
        _ => None,
    }
}

/// `\[[^\[]*\]` at `p`: the index of the `]` that closes it, the last one
/// before the next `[` (the regex is greedy).
fn bracket_end(chars: &[char], p: usize) -> Option<usize> {
    if chars.get(p) != Some(&'[') {
        return None;
    }
    let rest = &chars[p + 1..];
    let until = rest.iter().position(|c| *c == '[').unwrap_or(rest.len());
    rest[..until]
        .iter()
        .rposition(|c| *c == ']')
        .map(|i| p + 1 + i)
}

/// How many times `c` repeats from `p`, at most `max`.
fn run(chars: &[char], p: usize, c: char, max: usize) -> usize {
    chars[p.min(chars.len())..]
        .iter()
        .take(max)
        .take_while(|x| **x == c)
        .count()
}

fn is_line_terminator(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}')
}

/// The length of the token at `p` by moment's token regex, whose
/// alternatives are tried in order (the first that matches wins, not the
/// longest): `[Hh]mm(ss)?|Mo|MM?M?M?|Do|DDDo|DD?D?D?|ddd?d?|do?|w[o|w]?|
/// W[o|W]?|Qo?|N{1,5}|YYYYYY|YYYYY|YYYY|YY|y{2,4}|yo?|gg(ggg?)?|GG(GGG?)?|
/// e|E|a|A|hh?|HH?|kk?|mm?|ss?|S{1,9}|x|X|zz?|ZZ?|.`; `None` at the end
/// or on a line break (`.` matches neither).
fn token_len(chars: &[char], p: usize) -> Option<usize> {
    let c = *chars.get(p)?;
    let next = chars.get(p + 1).copied();
    let at = |offset: usize, want: char| chars.get(p + offset) == Some(&want);
    let len = match c {
        'H' | 'h' if at(1, 'm') && at(2, 'm') => {
            if at(3, 's') && at(4, 's') {
                5
            } else {
                3
            }
        }
        'M' if next == Some('o') => 2,
        'M' => run(chars, p, 'M', 4),
        'D' if next == Some('o') => 2,
        'D' if at(1, 'D') && at(2, 'D') && at(3, 'o') => 4,
        'D' => run(chars, p, 'D', 4),
        'd' if next == Some('d') => run(chars, p, 'd', 4),
        'd' if next == Some('o') => 2,
        // `w[o|w]?`: the class holds `|` too, so `w|` is one (unknown) token.
        'w' if matches!(next, Some('o' | '|' | 'w')) => 2,
        'W' if matches!(next, Some('o' | '|' | 'W')) => 2,
        'Q' if next == Some('o') => 2,
        'N' => run(chars, p, 'N', 5),
        'Y' => match run(chars, p, 'Y', 6) {
            n @ (4..=6) => n,
            2 | 3 => 2,
            _ => 1,
        },
        'y' if next == Some('y') => run(chars, p, 'y', 4),
        'y' if next == Some('o') => 2,
        'g' | 'G' => match run(chars, p, c, 5) {
            n @ (4 | 5) => n,
            2 | 3 => 2,
            _ => 1,
        },
        'h' | 'H' | 'k' | 'm' | 's' | 'z' | 'Z' => run(chars, p, c, 2),
        'S' => run(chars, p, 'S', 9),
        c if is_line_terminator(c) => return None,
        _ => 1,
    };
    Some(len)
}

/// moment's `zeroFill`: at least `width` digits, a `-` for negative
/// numbers and, with `force_sign`, a `+` for the others.
fn zero_fill(n: i64, width: usize, force_sign: bool) -> String {
    let sign = if n < 0 {
        "-"
    } else if force_sign {
        "+"
    } else {
        ""
    };
    format!("{sign}{:0width$}", n.unsigned_abs())
}

/// The `en` locale's ordinal: `1st`, `2nd`, `3rd`, `4th`, `11th`…`19th`.
fn ordinal(n: i64) -> String {
    let suffix = if (n % 100) / 10 == 1 {
        "th"
    } else {
        match n % 10 {
            1 => "st",
            2 => "nd",
            3 => "rd",
            _ => "th",
        }
    };
    format!("{n}{suffix}")
}

/// moment's `weekOfYear`: the week and its year for weeks starting on day
/// `dow` (0 Sunday) whose week 1 holds January `7 + dow - doy`.
fn week_of_year(date: civil::Date, dow: i64, doy: i64) -> (i64, i64) {
    let year = i64::from(date.year());
    let offset = first_week_offset(year, dow, doy);
    let week = (i64::from(date.day_of_year()) - offset - 1).div_euclid(7) + 1;
    if week < 1 {
        (week + weeks_in_year(year - 1, dow, doy), year - 1)
    } else if week > weeks_in_year(year, dow, doy) {
        (week - weeks_in_year(year, dow, doy), year + 1)
    } else {
        (week, year)
    }
}

/// moment's `firstWeekOffset`.
fn first_week_offset(year: i64, dow: i64, doy: i64) -> i64 {
    let fwd = 7 + dow - doy;
    let weekday = i16::try_from(year)
        .ok()
        .and_then(|y| civil::Date::new(y, 1, i8::try_from(fwd).ok()?).ok())
        .map_or(0, |d| i64::from(d.weekday().to_sunday_zero_offset()));
    let fwdlw = (7 + weekday - dow) % 7;
    -fwdlw + fwd - 1
}

/// moment's `weeksInYear`.
fn weeks_in_year(year: i64, dow: i64, doy: i64) -> i64 {
    let days = if is_leap(year) { 366 } else { 365 };
    (days - first_week_offset(year, dow, doy) + first_week_offset(year + 1, dow, doy)) / 7
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// The fields moment formats, at millisecond precision (a JavaScript Date).
struct Moment {
    zoned: Zoned,
    millis: i64,
    epoch_millis: i64,
    offset_seconds: i64,
}

impl Moment {
    fn new(at: Timestamp, zone: &TimeZone) -> Moment {
        let epoch_millis = at.as_millisecond();
        let at = Timestamp::from_millisecond(epoch_millis).unwrap_or(at);
        let zoned = at.to_zoned(zone.clone());
        Moment {
            millis: i64::from(zoned.millisecond()),
            offset_seconds: i64::from(zoned.offset().seconds()),
            zoned,
            epoch_millis,
        }
    }

    /// Writes the value of `token`; false when moment has no such token
    /// (then it is literal text).
    fn render(&self, token: &str, out: &mut String) -> bool {
        let z = &self.zoned;
        let year = i64::from(z.year());
        let month = i64::from(z.month());
        let day = i64::from(z.day());
        let hour = i64::from(z.hour());
        let minute = i64::from(z.minute());
        let second = i64::from(z.second());
        let weekday = i64::from(z.weekday().to_sunday_zero_offset());
        let day_of_year = i64::from(z.day_of_year());
        let hour12 = if hour % 12 == 0 { 12 } else { hour % 12 };
        let month_name = MONTHS.get((month - 1) as usize).copied().unwrap_or("");
        let day_name = WEEKDAYS.get(weekday as usize).copied().unwrap_or("");
        let locale_week = || week_of_year(z.date(), 0, 6);
        let iso_week = || week_of_year(z.date(), 1, 4);
        let era_year = if year >= 1 { year } else { 1 - year };
        let offset = |separator: &str| {
            let minutes = self.offset_seconds / 60;
            let sign = if minutes < 0 { '-' } else { '+' };
            let abs = minutes.abs();
            format!(
                "{sign}{}{separator}{}",
                zero_fill(abs / 60, 2, false),
                zero_fill(abs % 60, 2, false)
            )
        };
        let value = match token {
            "M" => month.to_string(),
            "MM" => zero_fill(month, 2, false),
            "Mo" => ordinal(month),
            "MMM" => month_name.chars().take(3).collect(),
            "MMMM" => month_name.to_owned(),
            "D" => day.to_string(),
            "DD" => zero_fill(day, 2, false),
            "Do" => ordinal(day),
            "DDD" => day_of_year.to_string(),
            "DDDD" => zero_fill(day_of_year, 3, false),
            "DDDo" => ordinal(day_of_year),
            // The `en` locale's weeks start on Sunday: `e` is `d`.
            "d" | "e" => weekday.to_string(),
            "do" => ordinal(weekday),
            "dd" => day_name.chars().take(2).collect(),
            "ddd" => day_name.chars().take(3).collect(),
            "dddd" => day_name.to_owned(),
            "E" => i64::from(z.weekday().to_monday_one_offset()).to_string(),
            "w" => locale_week().0.to_string(),
            "ww" => zero_fill(locale_week().0, 2, false),
            "wo" => ordinal(locale_week().0),
            "W" => iso_week().0.to_string(),
            "WW" => zero_fill(iso_week().0, 2, false),
            "Wo" => ordinal(iso_week().0),
            "gg" => zero_fill(locale_week().1 % 100, 2, false),
            "gggg" => zero_fill(locale_week().1, 4, false),
            "ggggg" => zero_fill(locale_week().1, 5, false),
            "GG" => zero_fill(iso_week().1 % 100, 2, false),
            "GGGG" => zero_fill(iso_week().1, 4, false),
            "GGGGG" => zero_fill(iso_week().1, 5, false),
            "Q" => ((month - 1) / 3 + 1).to_string(),
            "Qo" => ordinal((month - 1) / 3 + 1),
            "N" | "NN" | "NNN" | "NNNNN" => (if year >= 1 { "AD" } else { "BC" }).to_owned(),
            "NNNN" => (if year >= 1 {
                "Anno Domini"
            } else {
                "Before Christ"
            })
            .to_owned(),
            "y" => era_year.to_string(),
            "yy" => zero_fill(era_year, 2, false),
            "yyy" => zero_fill(era_year, 3, false),
            "yyyy" => zero_fill(era_year, 4, false),
            "yo" => ordinal(era_year),
            "Y" if year <= 9999 => zero_fill(year, 4, false),
            "Y" => format!("+{year}"),
            "YY" => zero_fill(year % 100, 2, false),
            "YYYY" => zero_fill(year, 4, false),
            "YYYYY" => zero_fill(year, 5, false),
            "YYYYYY" => zero_fill(year, 6, true),
            "H" => hour.to_string(),
            "HH" => zero_fill(hour, 2, false),
            "h" => hour12.to_string(),
            "hh" => zero_fill(hour12, 2, false),
            "k" => (if hour == 0 { 24 } else { hour }).to_string(),
            "kk" => zero_fill(if hour == 0 { 24 } else { hour }, 2, false),
            "Hmm" => format!("{hour}{}", zero_fill(minute, 2, false)),
            "Hmmss" => format!(
                "{hour}{}{}",
                zero_fill(minute, 2, false),
                zero_fill(second, 2, false)
            ),
            "hmm" => format!("{hour12}{}", zero_fill(minute, 2, false)),
            "hmmss" => format!(
                "{hour12}{}{}",
                zero_fill(minute, 2, false),
                zero_fill(second, 2, false)
            ),
            "m" => minute.to_string(),
            "mm" => zero_fill(minute, 2, false),
            "s" => second.to_string(),
            "ss" => zero_fill(second, 2, false),
            "S" => (self.millis / 100).to_string(),
            "SS" => zero_fill(self.millis / 10, 2, false),
            // SSS…SSSSSSSSS: the milliseconds then zeros (a Date has no more).
            s if s.len() >= 3 && s.chars().all(|c| c == 'S') => {
                format!(
                    "{}{}",
                    zero_fill(self.millis, 3, false),
                    "0".repeat(s.len() - 3)
                )
            }
            "a" => (if hour > 11 { "pm" } else { "am" }).to_owned(),
            "A" => (if hour > 11 { "PM" } else { "AM" }).to_owned(),
            "Z" => offset(":"),
            "ZZ" => offset(""),
            // moment-timezone answers both with the zone's abbreviation.
            "z" | "zz" => z
                .time_zone()
                .to_offset_info(z.timestamp())
                .abbreviation()
                .to_owned(),
            "X" => self.epoch_millis.div_euclid(1000).to_string(),
            "x" => self.epoch_millis.to_string(),
            _ => return false,
        };
        let _ = write!(out, "{value}");
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::Weekday;

    /// Every case moment 2.30.1 formatted (tests/data/moment_formats.json):
    /// each token, escapes, brackets, long formats, week edges.
    #[test]
    fn formats_exactly_as_moment() {
        let data: serde_json::Value =
            serde_json::from_str(include_str!("../tests/data/moment_formats.json")).unwrap();
        let cases = data["cases"].as_array().unwrap();
        assert!(cases.len() > 500, "{}", cases.len());
        let mut failures = Vec::new();
        for case in cases {
            let text = |key: &str| case[key].as_str().unwrap();
            let at: Timestamp = text("at").parse().unwrap();
            let zone = crate::template::zone(text("tz")).unwrap();
            let pattern = case["format"].as_str();
            let got = format(at, &zone, pattern);
            if got != text("expect") {
                failures.push(format!(
                    "{} {} {pattern:?}: moment {:?}, gantry {got:?}",
                    text("at"),
                    text("tz"),
                    text("expect"),
                ));
            }
        }
        assert!(
            failures.is_empty(),
            "{} of {} differ:\n{}",
            failures.len(),
            cases.len(),
            failures.join("\n")
        );
    }

    proptest::proptest! {
        /// Any format, any instant, any offset: a string, never a panic.
        #[test]
        fn any_format_renders(
            format in "[\\[\\]\\\\YyMDdwWgGNQHhkmsSaAZzXxLlTo|\n -]{0,24}|\\PC{0,12}",
            millis in -62_000_000_000_000_i64..250_000_000_000_000,
            zone in proptest::sample::select(vec!["UTC", "Asia/Kolkata", "America/St_Johns"]),
        ) {
            let at = Timestamp::from_millisecond(millis).unwrap();
            let _ = super::format(at, &crate::template::zone(zone).unwrap(), Some(&format));
        }
    }

    #[test]
    fn locale_weeks_start_on_sunday_and_hold_january_first() {
        // 2027-01-01 is a Friday: in `en` it is week 1 of 2027, in ISO
        // week 53 of 2026.
        let date = civil::date(2027, 1, 1);
        assert_eq!(week_of_year(date, 0, 6), (1, 2027));
        assert_eq!(week_of_year(date, 1, 4), (53, 2026));
        // Sunday 2026-03-15 starts an `en` week; ISO weeks start Monday.
        let sunday = civil::date(2026, 3, 15);
        assert_eq!(sunday.weekday(), Weekday::Sunday);
        assert_eq!(week_of_year(sunday, 0, 6), (12, 2026));
        assert_eq!(week_of_year(sunday, 1, 4), (11, 2026));
    }
}
