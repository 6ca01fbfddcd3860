//! `wallet-auth inspect TOKEN|-`: decode without verifying; clearly labelled UNVERIFIED.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};
use wallet_auth::claims::error::shorten;
use wallet_auth::claims::header::algorithm_name;
use wallet_auth::claims::providers::magic::split_did_token;
use wallet_auth::claims::providers::{recognise, turnkey};
use wallet_auth::claims::{DEFAULT_MAX_TOKEN_BYTES, NumericDate, ProviderId, UnverifiedToken};

use crate::output::{Failure, Text, refused};
use crate::{INSPECT_MAX_BYTES, now_or, read_token};

/// Decode `arg` (or the token on stdin) and print what it says, relative to `at` or now.
pub(crate) fn inspect(arg: &str, at: Option<i64>) -> Result<(), Failure> {
    let raw = read_token(arg)?;
    let now = now_or(at);
    if !raw.contains('.')
        && let Ok((proof, claim)) = split_did_token(&raw)
    {
        return inspect_did_token(&raw, &proof, &claim, now);
    }
    let token = UnverifiedToken::parse(&raw, INSPECT_MAX_BYTES)
        .map_err(|e| refused(format!("cannot decode the token: {e}")))?;
    let header: Value = raw
        .split('.')
        .next()
        .and_then(|h| URL_SAFE_NO_PAD.decode(h).ok())
        .and_then(|h| serde_json::from_slice(&h).ok())
        .unwrap_or(Value::Null);
    let claims: Option<Value> = serde_json::from_slice(token.payload()).ok();

    let mut out = Text::default();
    out.line("UNVERIFIED: decoded only. The signature and the claims have NOT been checked.");
    out.blank();
    out.line("header:");
    out.json(&header);
    out.blank();
    out.line("claims:");
    match &claims {
        Some(c) => out.json(c),
        None => out.line(format_args!(
            "(not JSON) {:?}",
            String::from_utf8_lossy(token.payload())
                .chars()
                .take(200)
                .collect::<String>()
        )),
    }
    out.blank();
    let obj = claims.as_ref().and_then(Value::as_object);
    out.line(format_args!("provider: {}", guess_provider(&token, obj)));
    match token.header().check() {
        Ok(alg) => out.line(format_args!(
            "header rules: pass (alg {})",
            algorithm_name(alg)
        )),
        Err(e) => out.line(format_args!("header rules: would be refused: {e}")),
    }
    if raw.len() > DEFAULT_MAX_TOKEN_BYTES {
        out.line(format_args!(
            "size: {} bytes; would be refused by the default {DEFAULT_MAX_TOKEN_BYTES}-byte cap",
            raw.len()
        ));
    } else {
        out.line(format_args!("size: {} bytes", raw.len()));
    }
    time_lines(&mut out, obj, "exp", now);
    out.print()
}

/// A Magic DID token: `base64([proof, claim])`, the claim printed as signed.
fn inspect_did_token(raw: &str, proof: &str, claim: &str, now: i64) -> Result<(), Failure> {
    let claims: Option<Value> = serde_json::from_str(claim).ok();
    let mut out = Text::default();
    out.line("UNVERIFIED: decoded only. The signature and the claims have NOT been checked.");
    out.blank();
    out.line(format_args!("proof: {}", shorten(proof)));
    out.blank();
    out.line("claims:");
    match &claims {
        Some(c) => out.json(c),
        None => out.line(format_args!(
            "(not JSON) {:?}",
            claim.chars().take(200).collect::<String>()
        )),
    }
    out.blank();
    out.line("provider: magic (base64 of [proof, claim]: a Magic DID token)");
    out.line(format_args!("size: {} bytes", raw.len()));
    time_lines(
        &mut out,
        claims.as_ref().and_then(Value::as_object),
        "ext",
        now,
    );
    out.print()
}

/// `now`, then the `iat`, `nbf` and expiry (`expiry`: `exp`, or Magic's `ext`) lines.
fn time_lines(out: &mut Text, obj: Option<&Map<String, Value>>, expiry: &str, now: i64) {
    out.line(format_args!("now: {now} ({})", utc(now)));
    for (name, label) in [
        ("iat", "issued"),
        ("nbf", "valid from"),
        (expiry, "expires"),
    ] {
        if let Some(line) = time_line(obj, name, label, now) {
            out.line(line);
        }
    }
}

/// The line for the time claim `name`, read exactly as the verifier reads it (the library's
/// `NumericDate`: integers, fractions floored, nothing out of the `i64` range, no strings); `null`
/// is absent, as for the verifier.
fn time_line(
    obj: Option<&Map<String, Value>>,
    name: &str,
    label: &str,
    now: i64,
) -> Option<String> {
    match obj.and_then(|o| o.get(name)) {
        None | Some(Value::Null) => {
            (name == "exp").then(|| "exp: missing (every provider requires it)".to_owned())
        }
        Some(v) => Some(match serde_json::from_value::<NumericDate>(v.clone()) {
            Ok(NumericDate(t)) if v.as_i64() == Some(t) => {
                format!("{name}: {t} ({}, {})", utc(t), relative(label, t, now))
            }
            Ok(NumericDate(t)) => format!(
                "{name}: {v} (read as {t}: {}, {})",
                utc(t),
                relative(label, t, now)
            ),
            Err(e) => format!("{name}: {v} (would be refused: {e})"),
        }),
    }
}

/// Which provider the token would be routed to, judged from the unverified header and `iss`:
/// a built-in provider it looks like, or a generic issuer for an `[[oidc]]` table.
fn guess_provider(token: &UnverifiedToken<'_>, claims: Option<&Map<String, Value>>) -> String {
    let cty = token.header().cty();
    if let Some((id, why)) = recognise(None, cty).filter(|(id, _)| *id != ProviderId::PARA) {
        return format!("{id} ({why})");
    }
    let Some(claims) = claims else {
        return "unknown (the payload is not a JSON object)".into();
    };
    if let Some(why) = turnkey::recognise_payload(claims) {
        return format!("{} ({why})", ProviderId::TURNKEY);
    }
    match claims.get("iss") {
        None => recognise(None, None).map_or_else(
            || "unknown (no iss)".to_owned(),
            |(id, why)| format!("{id} ({why})"),
        ),
        Some(Value::String(iss)) => match recognise(Some(iss), cty) {
            Some((id, why)) => format!("{id} ({why})"),
            None => format!(
                "generic issuer (iss {:?} matches no built-in provider: an [[oidc]] issuer, a parra API key id, or your own provider)",
                shorten(iss)
            ),
        },
        Some(other) => format!("unknown (iss is not a string: {other})"),
    }
}

fn span(seconds: i64) -> String {
    let s = seconds.unsigned_abs();
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min", s / 60),
        3600..172_800 => format!("{} h {} min", s / 3600, (s % 3600) / 60),
        _ => format!("{} days", s / 86_400),
    }
}

fn relative(label: &str, t: i64, now: i64) -> String {
    let d = t.saturating_sub(now);
    match (label, d >= 0) {
        ("expires", false) => format!("expired {} ago", span(d)),
        ("expires", true) => format!("expires in {}", span(d)),
        ("issued", true) if d > 0 => format!("issued in the future, in {}", span(d)),
        ("issued", _) => format!("issued {} ago", span(d)),
        (_, true) if d > 0 => format!("not valid yet, valid in {}", span(d)),
        (_, _) => format!("valid since {} ago", span(d)),
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` for seconds since the epoch (proleptic Gregorian, UTC).
fn utc(t: i64) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        (secs % 3600) / 60,
        secs % 60
    )
}
