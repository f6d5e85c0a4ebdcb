//! A string that never shows itself in `Debug`, `Display` or logs.

use std::fmt;

/// A secret such as an API key or an HTTP header value.
///
/// `Debug` prints a mask that keeps only the length class, so the value never reaches logs,
/// `get_trace_config()` output or spans by accident. Read it with [`Secret::expose`] at the one
/// place that must send it.
///
/// ```
/// use rizk_core::Secret;
///
/// let key = Secret::new("sk-live-0123456789");
/// assert_eq!(format!("{key:?}"), "Secret(\"***\")");
/// assert_eq!(key.expose(), "sk-live-0123456789");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    ///
    /// ```
    /// use rizk_core::Secret;
    ///
    /// let key = Secret::new(String::from("from-a-vault"));
    /// assert_eq!(key, Secret::from("from-a-vault"));
    /// assert_eq!(format!("{key:?}"), "Secret(\"***\")");
    /// ```
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself: call this only where the value is sent to its destination.
    ///
    /// ```
    /// use rizk_core::Secret;
    ///
    /// let key = Secret::new("sk-live-0123456789");
    /// let header = format!("Bearer {}", key.expose()); // only where the request is built
    /// assert!(!format!("{key:?}").contains(key.expose())); // Debug never shows it
    /// # drop(header);
    /// ```
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// A masked form for display: `***` plus the last four characters when the secret is long
    /// enough that they do not give it away (at least 16 characters).
    ///
    /// ```
    /// use rizk_core::Secret;
    /// assert_eq!(Secret::new("short").masked(), "***");
    /// assert_eq!(Secret::new("rk_0123456789abcdef").masked(), "***cdef");
    /// ```
    pub fn masked(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        if chars.len() >= 16 {
            let tail: String = chars[chars.len() - 4..].iter().collect();
            format!("***{tail}")
        } else {
            "***".to_owned()
        }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Secret").field(&"***").finish()
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret::new(value)
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}
