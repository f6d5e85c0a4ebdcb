//! OpenAI's chat messages in the GenAI conventions' parts format (`gen_ai.input.messages`,
//! `gen_ai.output.messages`, `gen_ai.tool.definitions`), as the JSON schemas of semantic
//! conventions 1.41 describe them.
//!
//! System and developer messages stay in `gen_ai.input.messages` with their role: the chat
//! completions API sends them as part of the chat history, and the conventions ask for
//! `gen_ai.system_instructions` only where instructions are given apart from it.

use serde_json::{Map, Value, json};

/// A `text` part.
fn text_part(text: &str) -> Value {
    json!({"type": "text", "content": text})
}

/// A tool call's arguments: the JSON they hold when they parse, else the raw string.
fn arguments(raw: &str) -> Value {
    serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_owned()))
}

/// A `tool_call` part from an OpenAI tool call (`{"id", "function": {"name", "arguments"}}`
/// or a custom tool's `{"id", "custom": {"name", "input"}}`).
fn tool_call_part(call: &Value) -> Value {
    let mut part = Map::new();
    part.insert("type".into(), "tool_call".into());
    if let Some(id) = call.get("id").and_then(Value::as_str) {
        part.insert("id".into(), id.into());
    }
    let (name, args) = match (call.get("function"), call.get("custom")) {
        (Some(f), _) => (f.get("name"), f.get("arguments")),
        (None, Some(c)) => (c.get("name"), c.get("input")),
        (None, None) => (None, None),
    };
    part.insert(
        "name".into(),
        name.and_then(Value::as_str).unwrap_or_default().into(),
    );
    if let Some(args) = args.and_then(Value::as_str) {
        part.insert("arguments".into(), arguments(args));
    }
    Value::Object(part)
}

/// `data:<mime>;base64,<data>` split into MIME type and data.
fn data_url(url: &str) -> Option<(&str, &str)> {
    let rest = url.strip_prefix("data:")?;
    let (mime, data) = rest.split_once(";base64,")?;
    Some((mime, data))
}

/// One part of a message's `content` array in the conventions' terms: text, images (a URI or
/// an inline blob), audio and files.
fn content_part(part: &Value) -> Option<Value> {
    match part.get("type").and_then(Value::as_str)? {
        "text" => part.get("text").and_then(Value::as_str).map(text_part),
        "refusal" => part
            .get("refusal")
            .and_then(Value::as_str)
            .map(|r| json!({"type": "refusal", "content": r})),
        "image_url" => {
            let url = part.pointer("/image_url/url").and_then(Value::as_str)?;
            Some(match data_url(url) {
                Some((mime, data)) => json!({
                    "type": "blob", "modality": "image", "mime_type": mime, "content": data,
                }),
                None => json!({"type": "uri", "modality": "image", "uri": url}),
            })
        }
        "input_audio" => {
            let audio = part.get("input_audio")?;
            let format = audio.get("format").and_then(Value::as_str).unwrap_or("wav");
            Some(json!({
                "type": "blob",
                "modality": "audio",
                "mime_type": format!("audio/{format}"),
                "content": audio.get("data").cloned().unwrap_or_default(),
            }))
        }
        "file" => {
            let file = part.get("file")?;
            if let Some(id) = file.get("file_id").and_then(Value::as_str) {
                return Some(json!({"type": "file", "modality": "document", "file_id": id}));
            }
            let data = file.get("file_data").and_then(Value::as_str)?;
            Some(match data_url(data) {
                Some((mime, data)) => json!({
                    "type": "blob", "modality": "document", "mime_type": mime, "content": data,
                }),
                None => json!({"type": "blob", "modality": "document", "content": data}),
            })
        }
        other => Some(json!({"type": other})),
    }
}

/// The parts of a message's `content`: a string is one text part.
fn content_parts(content: Option<&Value>, parts: &mut Vec<Value>) {
    match content {
        Some(Value::String(text)) => parts.push(text_part(text)),
        Some(Value::Array(items)) => parts.extend(items.iter().filter_map(content_part)),
        _ => {}
    }
}

/// One OpenAI message (request or response side) as a conventions' `ChatMessage`. A `tool`
/// message becomes a `tool_call_response` part of role `tool`.
fn message(message: &Value) -> Value {
    let role = message
        .get("role")
        .and_then(Value::as_str)
        .unwrap_or("assistant");
    let mut parts = Vec::new();
    if role == "tool" {
        let mut texts = Vec::new();
        content_parts(message.get("content"), &mut texts);
        let response: Vec<&str> = texts
            .iter()
            .filter_map(|p| p.get("content").and_then(Value::as_str))
            .collect();
        let mut part = json!({"type": "tool_call_response", "response": response.join("\n")});
        if let Some(id) = message.get("tool_call_id").and_then(Value::as_str) {
            part["id"] = id.into();
        }
        parts.push(part);
    } else {
        content_parts(message.get("content"), &mut parts);
        if let Some(refusal) = message.get("refusal").and_then(Value::as_str) {
            parts.push(json!({"type": "refusal", "content": refusal}));
        }
        for call in message
            .get("tool_calls")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            parts.push(tool_call_part(call));
        }
        if let Some(call) = message.get("function_call") {
            parts.push(tool_call_part(&json!({"function": call})));
        }
    }
    let mut out = json!({"role": role, "parts": parts});
    if let Some(name) = message.get("name").and_then(Value::as_str) {
        out["name"] = name.into();
    }
    out
}

/// The request's messages (OpenAI's JSON) as `gen_ai.input.messages`.
pub(crate) fn input_messages(messages: &Value) -> Value {
    Value::Array(
        messages
            .as_array()
            .into_iter()
            .flatten()
            .map(message)
            .collect(),
    )
}

/// The conventions' name of an OpenAI finish reason (`tool_calls` is `tool_call`).
pub(crate) fn finish_reason(reason: &str) -> &str {
    match reason {
        "tool_calls" | "function_call" => "tool_call",
        other => other,
    }
}

/// A response choice's message (OpenAI's JSON) and its finish reason as an output message.
/// A choice without a finish reason (a stream dropped early) reads `cancelled`.
pub(crate) fn output_message(choice_message: &Value, reason: Option<&str>) -> Value {
    let mut out = message(choice_message);
    out["finish_reason"] = finish_reason(reason.unwrap_or("cancelled")).into();
    out
}

/// The tools of a request (OpenAI's JSON) as `gen_ai.tool.definitions`: `type`, `name`,
/// `description` and `parameters` of each.
pub(crate) fn tool_definitions(tools: &[Value]) -> Value {
    Value::Array(
        tools
            .iter()
            .map(|tool| {
                let kind = tool
                    .get("type")
                    .and_then(Value::as_str)
                    .unwrap_or("function");
                let inner = tool.get(kind).cloned().unwrap_or_default();
                let mut out = json!({"type": kind});
                for field in ["name", "description", "parameters"] {
                    if let Some(v) = inner.get(field) {
                        out[field] = v.clone();
                    }
                }
                out
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_messages_become_tool_call_responses() {
        let m = message(&json!({"role": "tool", "content": "sunny", "tool_call_id": "call_1"}));
        assert_eq!(
            m,
            json!({"role": "tool", "parts": [{"type": "tool_call_response", "id": "call_1", "response": "sunny"}]})
        );
    }

    #[test]
    fn tool_calls_carry_parsed_arguments() {
        let m = output_message(
            &json!({"role": "assistant", "content": null, "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{\"a\":1}"}}
            ]}),
            Some("tool_calls"),
        );
        assert_eq!(m["parts"][0]["arguments"], json!({"a": 1}));
        assert_eq!(m["finish_reason"], "tool_call");
    }

    #[test]
    fn images_are_uris_or_blobs() {
        let uri =
            content_part(&json!({"type": "image_url", "image_url": {"url": "https://x/y.png"}}));
        assert_eq!(uri.unwrap()["type"], "uri");
        let blob = content_part(
            &json!({"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}),
        )
        .unwrap();
        assert_eq!(blob["mime_type"], "image/png");
        assert_eq!(blob["content"], "AAAA");
    }
}
