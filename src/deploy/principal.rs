//! The deploying principal's object ID, read from the access token: Entra ID access tokens are
//! JWTs whose payload holds the `oid` claim, "the immutable identifier for the requestor, which
//! is the verified identity of the user or service principal" (Microsoft identity platform,
//! "Access token claims reference"). `deploy --stack` excludes that principal from the deny
//! settings. The token's signature is not checked: it only tells this tool who it is, and
//! Resource Manager checks the token itself.

use super::error::Error;

/// The claims (the JSON payload) of a bearer token (`Bearer ...` or the bare token), when it is
/// a JWT; its signature is not checked.
pub fn claims(token: &str) -> Option<serde_json::Value> {
    let token = token.strip_prefix("Bearer ").unwrap_or(token);
    token
        .split('.')
        .nth(1)
        .and_then(base64url)
        .and_then(|b| serde_json::from_slice(&b).ok())
}

/// The `oid` claim of a bearer token (`Bearer ...` or the bare token), when it is a GUID.
pub fn object_id(token: &str) -> Result<String, Error> {
    let payload = claims(token);
    let oid = payload
        .as_ref()
        .and_then(|p| p.get("oid"))
        .and_then(serde_json::Value::as_str)
        .filter(|o| super::check_subscription(o).is_ok());
    match (payload.is_some(), oid) {
        (_, Some(o)) => Ok(o.to_ascii_lowercase()),
        (true, None) => Err(Error::Credential(
            "the access token names no principal (no `oid` claim): --stack cannot exclude the deploying principal from the deny settings".into(),
        )),
        (false, None) => Err(Error::Credential(
            "the access token is not a JWT, so it does not say who deploys: --stack needs the principal's object ID to exclude it from the deny settings".into(),
        )),
    }
}

/// Base64url without padding (RFC 4648, section 5), as JWTs use it.
fn base64url(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `{"alg":"none"}` . `{"oid":"0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D","tid":"t"}` . signature
    const TOKEN: &str =
        "eyJhbGciOiJub25lIn0.eyJvaWQiOiIwQTFCMkMzRC00RTVGLTRBNkItOEM3RC05RTBGMUEyQjNDNEQiLCJ0aWQiOiJ0In0.c2ln";

    #[test]
    fn the_object_id_of_a_token() {
        assert_eq!(object_id(TOKEN).unwrap(), "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d");
        assert_eq!(
            object_id(&format!("Bearer {TOKEN}")).unwrap(),
            "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
        );
        assert_eq!(base64url("aGk").unwrap(), b"hi");
        assert_eq!(base64url("aGk=").unwrap(), b"hi");
        assert!(base64url("a+b").is_none());
        assert!(base64url("a*b").is_none());
        assert!(claims("not-a-jwt").is_none());
    }

    #[test]
    fn tokens_that_do_not_say_who_are_refused() {
        let e = object_id("opaque-token").unwrap_err();
        assert!(matches!(&e, Error::Credential(m) if m.contains("not a JWT")), "{e:?}");
        // {"tid":"t"}: no oid.
        let e = object_id("eyJhbGciOiJub25lIn0.eyJ0aWQiOiJ0In0.c2ln").unwrap_err();
        assert!(matches!(&e, Error::Credential(m) if m.contains("no `oid`")), "{e:?}");
    }
}
