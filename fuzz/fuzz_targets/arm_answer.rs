//! What a Resource Manager (or something in its place) may answer, as arbitrary bytes: error
//! bodies nested past any depth, bodies cut off or not JSON, operations with absurd durations,
//! what-if results full of control characters, token errors that echo secrets. Reading and
//! rendering them must never panic, and nothing rendered may hold a raw control character.
#![no_main]

use aoai_vnet::deploy::{answer, arm, client::Response, credentials, error::ArmError, whatif};
use libfuzzer_sys::fuzz_target;

fn assert_clean(text: &str) {
    assert!(
        !text.chars().any(|c| c.is_control() && c != '\n' || ('\u{202a}'..='\u{202e}').contains(&c)),
        "raw control character in {text:?}"
    );
}

fuzz_target!(|data: &[u8]| {
    let body = String::from_utf8_lossy(data);
    let resp = Response {
        status: 200,
        headers: Vec::new(),
        body: body.to_string(),
    };
    let _ = answer::json(&resp, "fuzzing");
    let _ = answer::operation_status(&resp, "fuzzing");

    let e = ArmError::from_response(400, &body);
    let mut s = String::new();
    e.render(2, &mut s);
    assert_clean(&s);

    if let Ok(v) = serde_json::from_str::<serde_json::Value>(&body) {
        if let Some(op) = arm::Operation::from_json(&v) {
            let _ = op.duration;
        }
        let shown = whatif::render(&aoai_vnet::term::clean_json(&v), false);
        assert_clean(&shown);
    }
    let _ = arm::parse_iso_duration(&body);

    let redacted = credentials::redact(&body, &["s3cret-value"]);
    assert!(!redacted.contains("s3cret-value"));
    assert_clean(&redacted);
    assert_clean(&aoai_vnet::term::message(&body));
    let _ = aoai_vnet::doctor::target_of(&body);
});
