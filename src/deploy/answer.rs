//! What Resource Manager answers, checked before it is believed: a 2xx answer whose body is
//! not JSON (a captive portal's HTML, a proxy's error page) or is cut off is not a success, and
//! a polling answer without a status is not "still running".

use super::client::Response;
use super::error::Error;
use serde_json::Value;

/// The JSON of a successful answer: `Null` for an empty body, an error for anything that is
/// not a complete JSON value.
pub fn json(resp: &Response, during: &str) -> Result<Value, Error> {
    let body = resp.body.trim();
    if body.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_str(body).map_err(|e| {
        let start: String = body.chars().take(60).collect();
        let why = if e.is_eof() {
            "that is cut off (incomplete JSON)".to_string()
        } else {
            format!(
                "that is not JSON (it starts with `{}`): is a proxy or a captive portal answering?",
                crate::term::clean(&start)
            )
        };
        Error::Network(format!(
            "{during}: Resource Manager answered HTTP {} with a body {why}",
            resp.status
        ))
    })
}

/// As [`json`], and the value must be an object.
pub fn object(resp: &Response, during: &str) -> Result<Value, Error> {
    let v = json(resp, during)?;
    if v.is_object() {
        Ok(v)
    } else {
        Err(Error::Network(format!(
            "{during}: Resource Manager answered HTTP {} without the JSON object it sends",
            resp.status
        )))
    }
}

/// A deployment resource's `properties.provisioningState`.
pub fn provisioning_state(v: &Value) -> Option<String> {
    v.get("properties")?
        .get("provisioningState")?
        .as_str()
        .map(str::to_string)
}

/// The `status` of an `Azure-AsyncOperation` answer; an answer without one is an error.
pub fn operation_status(resp: &Response, during: &str) -> Result<String, Error> {
    let v = object(resp, during)?;
    match v.get("status").and_then(Value::as_str) {
        Some(s) if !s.trim().is_empty() => Ok(s.to_string()),
        _ => Err(Error::Network(format!(
            "{during}: the operation's status answer (HTTP {}) has no `status`",
            resp.status
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(status: u16, body: &str) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    #[test]
    fn only_complete_json_is_believed() {
        assert_eq!(json(&r(200, ""), "x").unwrap(), Value::Null);
        assert!(object(&r(200, "{\"a\": 1}"), "x").is_ok());
        let e = json(&r(200, "<html><body>Sign in to the Wi-Fi</body></html>"), "validating").unwrap_err();
        assert!(e.to_string().contains("not JSON (it starts with `<html>"), "{e}");
        let e = json(
            &r(200, "{\"name\":\"d\",\"properties\":{\"provisioningState\":\"Succ"),
            "reading",
        )
        .unwrap_err();
        assert!(e.to_string().contains("cut off"), "{e}");
        assert!(object(&r(200, "[1]"), "x").is_err());
        assert_eq!(
            operation_status(&r(200, "{\"status\": \"Running\"}"), "x").unwrap(),
            "Running"
        );
        assert!(operation_status(&r(200, "{\"stat\": 1}"), "x").is_err());
    }
}
