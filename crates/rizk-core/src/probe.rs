//! Turns function arguments, return values and errors into span content without requiring any
//! trait of them.
//!
//! The macros call `(&&&Probe(&value)).rizk_capture()`. Method resolution picks the first trait
//! whose receiver matches (autoref specialisation): a value that implements
//! [`serde::Serialize`] is recorded as JSON, else one that implements [`Debug`] as its debug text,
//! else only its type name. For generic parameters the bounds in scope decide. Nothing here runs
//! unless the content policy allows recording and the span is sampled.

use std::fmt::{Debug, Display};

/// Wraps a reference for capture; see the module docs.
///
/// ```
/// use rizk_core::probe::{Captured, Probe, ViaDebug as _, ViaNothing as _, ViaSerialize as _};
///
/// struct Opaque;
/// #[derive(Debug)]
/// struct OnlyDebug(u8);
///
/// assert!(matches!((&&&Probe(&vec![1, 2])).rizk_capture(), Captured::Json(_)));
/// assert!(matches!((&&&Probe(&OnlyDebug(1))).rizk_capture(), Captured::Text(t) if t == "OnlyDebug(1)"));
/// assert!(matches!((&&&Probe(&Opaque)).rizk_capture(), Captured::Opaque(_)));
/// ```
pub struct Probe<'a, T: ?Sized>(pub &'a T);

/// A captured value, ready to become `input.value` / `output.value`.
///
/// ```
/// use rizk_core::probe::{Captured, Probe, ViaDebug as _, ViaNothing as _, ViaSerialize as _};
///
/// assert_eq!((&&&Probe(&3)).rizk_capture(), Captured::Json(3.into()));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Captured {
    /// The value's `serde` form.
    Json(serde_json::Value),
    /// The value's `Debug` text.
    Text(String),
    /// Neither `Serialize` nor `Debug`: only the type's name is known.
    Opaque(&'static str),
}

impl Captured {
    /// The form used inside the JSON object of `input.value`.
    ///
    /// ```
    /// use rizk_core::probe::Captured;
    ///
    /// assert_eq!(Captured::Text("Sku(7)".into()).into_json(), serde_json::json!("Sku(7)"));
    /// assert_eq!(Captured::Opaque("Conn").into_json(), serde_json::json!("<Conn>"));
    /// ```
    pub fn into_json(self) -> serde_json::Value {
        match self {
            Captured::Json(v) => v,
            Captured::Text(t) => serde_json::Value::String(t),
            Captured::Opaque(type_name) => serde_json::Value::String(format!("<{type_name}>")),
        }
    }

    /// The text and MIME type for `output.value`; `None` for `()` and opaque values.
    ///
    /// ```
    /// use rizk_core::probe::Captured;
    /// let (text, mime) = Captured::Json(serde_json::json!("hello")).into_output().unwrap();
    /// assert_eq!((text.as_str(), mime), ("hello", "text/plain"));
    /// ```
    pub fn into_output(self) -> Option<(String, &'static str)> {
        match self {
            Captured::Json(serde_json::Value::Null) | Captured::Opaque(_) => None,
            Captured::Json(serde_json::Value::String(s)) => Some((s, "text/plain")),
            Captured::Json(v) => Some((v.to_string(), "application/json")),
            Captured::Text(t) => Some((t, "text/plain")),
        }
    }
}

/// Capture through `serde::Serialize` (highest priority).
///
/// ```
/// use rizk_core::probe::{Captured, Probe, ViaDebug as _, ViaNothing as _, ViaSerialize as _};
///
/// let captured = (&&&Probe(&["a", "b"])).rizk_capture();
/// assert_eq!(captured, Captured::Json(serde_json::json!(["a", "b"])));
/// ```
pub trait ViaSerialize {
    /// Captures the value.
    fn rizk_capture(&self) -> Captured;
}

impl<T: serde::Serialize + ?Sized> ViaSerialize for &&Probe<'_, T> {
    fn rizk_capture(&self) -> Captured {
        match serde_json::to_value(self.0) {
            Ok(v) => Captured::Json(v),
            Err(e) => Captured::Text(format!("<not serializable: {e}>")),
        }
    }
}

/// Capture through `Debug`.
///
/// ```
/// use rizk_core::probe::{Captured, Probe, ViaDebug as _, ViaNothing as _, ViaSerialize as _};
///
/// #[derive(Debug)]
/// struct Sku(u32);
/// assert_eq!((&&&Probe(&Sku(7))).rizk_capture(), Captured::Text("Sku(7)".into()));
/// ```
pub trait ViaDebug {
    /// Captures the value.
    fn rizk_capture(&self) -> Captured;
}

impl<T: Debug + ?Sized> ViaDebug for &Probe<'_, T> {
    fn rizk_capture(&self) -> Captured {
        Captured::Text(format!("{:?}", self.0))
    }
}

/// Fallback: only the type name.
///
/// ```
/// use rizk_core::probe::{Captured, Probe, ViaDebug as _, ViaNothing as _, ViaSerialize as _};
///
/// struct Connection;
/// assert!(matches!((&&&Probe(&Connection)).rizk_capture(), Captured::Opaque(name) if name.ends_with("Connection")));
/// ```
pub trait ViaNothing {
    /// Captures the value.
    fn rizk_capture(&self) -> Captured;
}

impl<T: ?Sized> ViaNothing for Probe<'_, T> {
    fn rizk_capture(&self) -> Captured {
        Captured::Opaque(std::any::type_name::<T>())
    }
}

/// An error, as an exception event records it.
///
/// ```
/// use rizk_core::probe::{ErrorViaDebug as _, ErrorViaDisplay as _, ErrorViaNothing as _, Probe};
///
/// let err = std::io::Error::other("disk full");
/// let captured = (&&&Probe(&err)).rizk_error();
/// assert_eq!(captured.message, "disk full");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapturedError {
    /// `exception.type`: the error's type name.
    pub type_name: &'static str,
    /// `exception.message`: its `Display` text (else `Debug`, else the type name).
    pub message: String,
}

/// Describe an error through `Display` (highest priority).
///
/// ```
/// use rizk_core::probe::{ErrorViaDebug as _, ErrorViaDisplay as _, ErrorViaNothing as _, Probe};
/// let err = "x".parse::<u8>().unwrap_err();
/// let captured = (&&&Probe(&err)).rizk_error();
/// assert_eq!(captured.message, "invalid digit found in string");
/// assert!(captured.type_name.ends_with("ParseIntError"));
/// ```
pub trait ErrorViaDisplay {
    /// Describes the error.
    fn rizk_error(&self) -> CapturedError;
}

impl<T: Display + ?Sized> ErrorViaDisplay for &&Probe<'_, T> {
    fn rizk_error(&self) -> CapturedError {
        CapturedError {
            type_name: std::any::type_name::<T>(),
            message: self.0.to_string(),
        }
    }
}

/// Describe an error through `Debug`.
///
/// ```
/// use rizk_core::probe::{ErrorViaDebug as _, ErrorViaDisplay as _, ErrorViaNothing as _, Probe};
///
/// #[derive(Debug)]
/// struct Timeout { after_ms: u64 }
/// assert_eq!((&&&Probe(&Timeout { after_ms: 500 })).rizk_error().message, "Timeout { after_ms: 500 }");
/// ```
pub trait ErrorViaDebug {
    /// Describes the error.
    fn rizk_error(&self) -> CapturedError;
}

impl<T: Debug + ?Sized> ErrorViaDebug for &Probe<'_, T> {
    fn rizk_error(&self) -> CapturedError {
        CapturedError {
            type_name: std::any::type_name::<T>(),
            message: format!("{:?}", self.0),
        }
    }
}

/// Fallback: the error's type name only.
///
/// ```
/// use rizk_core::probe::{ErrorViaDebug as _, ErrorViaDisplay as _, ErrorViaNothing as _, Probe};
///
/// struct Failed;
/// let captured = (&&&Probe(&Failed)).rizk_error();
/// assert!(captured.type_name.ends_with("Failed"));
/// ```
pub trait ErrorViaNothing {
    /// Describes the error.
    fn rizk_error(&self) -> CapturedError;
}

impl<T: ?Sized> ErrorViaNothing for Probe<'_, T> {
    fn rizk_error(&self) -> CapturedError {
        let type_name = std::any::type_name::<T>();
        CapturedError {
            type_name,
            message: type_name.to_owned(),
        }
    }
}

/// A type name as people write it, from [`std::any::type_name`]'s output: module paths are
/// dropped, inside generics too, and an `Error` keeps the crate or module that tells it apart
/// (`io::Error`, `serde_json::Error`), except the standard `Error` trait. Used for
/// `exception.type`.
///
/// ```
/// use rizk_core::probe::short_type_name;
///
/// assert_eq!(short_type_name("alloc::string::String"), "String");
/// assert_eq!(short_type_name("std::io::error::Error"), "io::Error");
/// assert_eq!(short_type_name("core::num::error::ParseIntError"), "ParseIntError");
/// assert_eq!(
///     short_type_name("alloc::boxed::Box<dyn core::error::Error + core::marker::Send + core::marker::Sync>"),
///     "Box<dyn Error + Send + Sync>"
/// );
/// ```
pub fn short_type_name(full: &str) -> std::borrow::Cow<'_, str> {
    if !full.contains("::") {
        return std::borrow::Cow::Borrowed(full);
    }
    let mut out = String::with_capacity(full.len());
    let mut rest = full;
    while !rest.is_empty() {
        // A path: identifier characters and `::` separators.
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(rest.len());
        if end == 0 {
            let c = rest.chars().next().unwrap_or(' ');
            out.push(c);
            rest = &rest[c.len_utf8()..];
            continue;
        }
        out.push_str(&short_path(&rest[..end]));
        rest = &rest[end..];
    }
    std::borrow::Cow::Owned(out)
}

/// The short form of one path (`std::io::error::Error` -> `io::Error`).
fn short_path(path: &str) -> String {
    let segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
    let Some((&last, modules)) = segments.split_last() else {
        return path.to_owned();
    };
    if last == "Error" {
        // `serde_json::error::Error` is `serde_json::Error` to its users; `core::error::Error`
        // (the trait) is just `Error`.
        let qualifier = modules.iter().rev().find(|m| **m != "error");
        if let Some(q) = qualifier
            && !matches!(*q, "std" | "core" | "alloc")
        {
            return format!("{q}::Error");
        }
    }
    last.to_owned()
}

// The borrows select the capture (autoref specialisation): clippy sees only concrete types.
#[allow(clippy::needless_borrow)]
#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize, Debug)]
    struct Order {
        id: u32,
    }

    #[test]
    fn serialize_wins_over_debug() {
        let got = (&&&Probe(&Order { id: 7 })).rizk_capture();
        assert_eq!(got, Captured::Json(serde_json::json!({"id": 7})));
    }

    #[test]
    fn strings_become_plain_text_outputs() {
        let got = (&&&Probe(&"hello")).rizk_capture().into_output();
        assert_eq!(got, Some(("hello".to_owned(), "text/plain")));
    }

    #[test]
    fn unit_and_opaque_values_record_no_output() {
        struct Opaque;
        assert_eq!((&&&Probe(&())).rizk_capture().into_output(), None);
        assert_eq!((&&&Probe(&Opaque)).rizk_capture().into_output(), None);
    }

    #[test]
    fn generic_bounds_pick_the_strongest_capture() {
        fn debug_only<T: Debug>(v: &T) -> Captured {
            (&&&Probe(v)).rizk_capture()
        }
        fn unbounded<T>(v: &T) -> Captured {
            (&&&Probe(v)).rizk_capture()
        }
        assert_eq!(
            debug_only(&Order { id: 1 }),
            Captured::Text("Order { id: 1 }".into())
        );
        assert!(matches!(unbounded(&Order { id: 1 }), Captured::Opaque(_)));
    }

    #[test]
    fn type_names_read_as_people_write_them() {
        let cases = [
            (std::any::type_name::<String>(), "String"),
            (std::any::type_name::<std::io::Error>(), "io::Error"),
            (
                std::any::type_name::<std::num::ParseIntError>(),
                "ParseIntError",
            ),
            (
                std::any::type_name::<Box<dyn std::error::Error + Send + Sync>>(),
                "Box<dyn Error + Send + Sync>",
            ),
            (std::any::type_name::<std::fmt::Error>(), "fmt::Error"),
            (
                std::any::type_name::<serde_json::Error>(),
                "serde_json::Error",
            ),
            (
                std::any::type_name::<Result<Vec<String>, std::io::Error>>(),
                "Result<Vec<String>, io::Error>",
            ),
            (std::any::type_name::<&str>(), "&str"),
            (std::any::type_name::<[u8; 4]>(), "[u8; 4]"),
            ("panic", "panic"),
            ("my_app::errors::PaymentError", "PaymentError"),
        ];
        for (full, short) in cases {
            assert_eq!(short_type_name(full), short, "{full}");
        }
    }

    #[test]
    fn errors_prefer_display_then_debug_then_type_name() {
        #[derive(Debug)]
        struct DebugOnly;
        struct Nothing;
        assert_eq!(
            (&&&Probe(&std::fmt::Error)).rizk_error().message,
            "an error occurred when formatting an argument"
        );
        assert_eq!((&&&Probe(&DebugOnly)).rizk_error().message, "DebugOnly");
        assert!(
            (&&&Probe(&Nothing))
                .rizk_error()
                .message
                .ends_with("Nothing")
        );
    }
}
