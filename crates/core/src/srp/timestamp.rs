//! Cognito's `TIMESTAMP`: `EEE MMM d HH:mm:ss UTC yyyy` in English, UTC, day of the month
//! not zero-padded (`Tue Sep 3 06:29:23 UTC 2024`), as `DateHelper.getNowString()` of
//! amazon-cognito-identity-js and `get_cognito_formatted_timestamp` of pycognito write it.
//!
//! Cognito reads the value with a lenient date parser (Java's `EEE MMM d HH:mm:ss z yyyy`:
//! the weekday is not checked against the date, one-digit fields are taken) and signs its
//! own rendering of the time it read; [`parse_timestamp`] reads the same way (only the `UTC`
//! zone, and no rolling over of out-of-range fields) and [`format_timestamp`] renders.

pub use tessera_wire::sigv4::civil_from_days;
use tessera_wire::sigv4::{days_from_civil, days_in_month};

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Parses Cognito's TIMESTAMP challenge response into seconds since the epoch (None if malformed).
///
/// Accepts `EEE MMM d HH:mm:ss UTC yyyy` with single spaces, English names in any case, a
/// day, hour, minute or second of one or two digits and a four-digit year. The weekday must
/// be a weekday name but is not checked against the date (the canonical form, and with it
/// the signature, is then different).
pub fn parse_timestamp(ts: &str) -> Option<i64> {
    let mut parts = ts.split(' ');
    let weekday = parts.next()?;
    let month = parts.next()?;
    let day = parts.next()?;
    let time = parts.next()?;
    let zone = parts.next()?;
    let year = parts.next()?;
    if parts.next().is_some() {
        return None;
    }
    WEEKDAYS.iter().find(|w| w.eq_ignore_ascii_case(weekday))?;
    let month = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(month))? + 1;
    if !zone.eq_ignore_ascii_case("UTC") {
        return None;
    }
    let year = digits(year, 4, 4)?;
    let day = digits(day, 1, 2)?;
    let mut hms = time.split(':');
    let hour = digits(hms.next()?, 1, 2)?;
    let minute = digits(hms.next()?, 1, 2)?;
    let second = digits(hms.next()?, 1, 2)?;
    if hms.next().is_some() || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    // month is 1..=12 here.
    let month = month as i64;
    if day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + hour * 3_600 + minute * 60 + second)
}

/// Renders seconds since the epoch as Cognito's `TIMESTAMP` (`Tue Sep 3 06:29:23 UTC 2024`).
pub fn format_timestamp(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    // 1970-01-01 was a Thursday; both indexes are in range by construction.
    let weekday = WEEKDAYS[(days + 4).rem_euclid(7) as usize];
    let month = MONTHS[(month - 1) as usize];
    format!(
        "{weekday} {month} {day} {:02}:{:02}:{:02} UTC {year}",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}

/// An unsigned decimal of `min..=max` ASCII digits.
fn digits(s: &str, min: usize, max: usize) -> Option<i64> {
    if s.len() < min || s.len() > max || !s.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}
