//! Model formats: the `format` of a model deployment is its publisher's, and a deployment with the
//! wrong one is refused (a DeepSeek-R1 deployment with format `OpenAI` fails). Sources: Microsoft
//! Learn, "Foundry Models sold directly by Azure" (Azure OpenAI models; DeepSeek, Meta, Microsoft,
//! Mistral AI, xAI, Cohere models) and the Foundry model catalog's `format` values as published in
//! the catalog's generated descriptors (for example `DeepSeek-R1`: `DeepSeek`, `Llama-3.3-70B-Instruct`:
//! `Meta`, `Codestral-2501`: `Mistral AI`, `grok-3`: `xAI`, `cohere-command-a`: `Cohere`,
//! `MAI-DS-R1` and `Phi-4`: `Microsoft`).

/// Model-name prefixes (compared without regard to case) and their format. The first match wins, so
/// the open-weight `gpt-oss` models (not sold as `OpenAI` format) come before `gpt-`.
const PREFIXES: &[(&str, Option<&str>)] = &[
    ("gpt-oss", None),
    ("gpt-", Some("OpenAI")),
    ("o1", Some("OpenAI")),
    ("o3", Some("OpenAI")),
    ("o4-", Some("OpenAI")),
    ("text-embedding-", Some("OpenAI")),
    ("dall-e-", Some("OpenAI")),
    ("whisper", Some("OpenAI")),
    ("tts", Some("OpenAI")),
    ("sora", Some("OpenAI")),
    ("codex-", Some("OpenAI")),
    ("computer-use-", Some("OpenAI")),
    ("model-router", Some("OpenAI")),
    ("davinci-", Some("OpenAI")),
    ("babbage-", Some("OpenAI")),
    ("deepseek-", Some("DeepSeek")),
    ("meta-llama-", Some("Meta")),
    ("llama-", Some("Meta")),
    ("phi-", Some("Microsoft")),
    ("mai-ds-", Some("Microsoft")),
    ("mistral-", Some("Mistral AI")),
    ("ministral-", Some("Mistral AI")),
    ("codestral-", Some("Mistral AI")),
    ("grok-", Some("xAI")),
    ("cohere-", Some("Cohere")),
];

/// Formats the compiler knows, for suggestions when one is misspelt.
pub const KNOWN_FORMATS: &[&str] = &["OpenAI", "DeepSeek", "Meta", "Microsoft", "Mistral AI", "xAI", "Cohere"];

/// The format of a model, when its name is in the table.
pub fn format_of(model: &str) -> Option<&'static str> {
    let lower = model.to_ascii_lowercase();
    PREFIXES
        .iter()
        .find(|(prefix, _)| lower.starts_with(prefix))
        .and_then(|(_, format)| *format)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_follow_the_publisher() {
        for (model, format) in [
            ("gpt-4o", Some("OpenAI")),
            ("GPT-4.1-mini", Some("OpenAI")),
            ("o3-mini", Some("OpenAI")),
            ("text-embedding-3-large", Some("OpenAI")),
            ("DeepSeek-R1", Some("DeepSeek")),
            ("Llama-3.3-70B-Instruct", Some("Meta")),
            ("Meta-Llama-3.1-405B-Instruct", Some("Meta")),
            ("Phi-4", Some("Microsoft")),
            ("MAI-DS-R1", Some("Microsoft")),
            ("Mistral-Large-3", Some("Mistral AI")),
            ("Codestral-2501", Some("Mistral AI")),
            ("grok-3", Some("xAI")),
            ("cohere-command-a", Some("Cohere")),
            ("gpt-oss-120b", None),
            ("Kimi-K2.5", None),
        ] {
            assert_eq!(format_of(model), format, "{model}");
        }
    }
}
