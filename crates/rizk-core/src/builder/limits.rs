//! The limits options of [`RizkBuilder`].

use super::RizkBuilder;

impl RizkBuilder {
    /// Exports inline base64 media in content (`data:image/png;base64,...` URIs, long base64
    /// runs such as audio in a message) as is. By default (`false`) each is replaced, before
    /// redaction scans it, by a placeholder with its media type, decoded size and hash:
    /// `[inline image/png, 48213 bytes, sha256:3f2a9c0d5e6b7a81]`.
    ///
    /// ```
    /// let config = rizk_core::RizkBuilder::new()
    ///     .app_name("svc")
    ///     .keep_inline_media(true)
    ///     .ignore_environment()
    ///     .build_config()
    ///     .unwrap();
    /// assert!(config.limits.keep_inline_media.value);
    /// ```
    pub fn keep_inline_media(mut self, keep: bool) -> Self {
        self.input.limits.keep_inline_media = Some(keep);
        self
    }

    /// The longest content value exported, in bytes (default 128 KiB, see
    /// [`DEFAULT_MAX_CONTENT_LENGTH`](crate::config::DEFAULT_MAX_CONTENT_LENGTH)). Longer
    /// prompts, completions, inputs, outputs and error messages are cut at a character
    /// boundary and end with `…[truncated by rizk: 131072 of 300000 bytes kept]`.
    /// `usize::MAX` turns the cap off; 0 is refused.
    ///
    /// ```
    /// let config = rizk_core::RizkBuilder::new()
    ///     .app_name("svc")
    ///     .max_content_length(usize::MAX) // no cap
    ///     .ignore_environment()
    ///     .build_config()
    ///     .unwrap();
    /// assert_eq!(config.limits.max_content_length.value, usize::MAX);
    /// ```
    pub fn max_content_length(mut self, bytes: usize) -> Self {
        self.input.limits.max_content_length = Some(bytes);
        self
    }

    /// The OpenTelemetry attribute value length limit: every string attribute value (and each
    /// string of an array) of spans, events and links longer than this many characters is cut
    /// to it, without a marker. Default: unlimited, or
    /// `OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT` / `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`.
    ///
    /// ```
    /// let config = rizk_core::RizkBuilder::new()
    ///     .app_name("svc")
    ///     .attribute_value_length_limit(4096)
    ///     .ignore_environment()
    ///     .build_config()
    ///     .unwrap();
    /// assert_eq!(config.limits.attribute_value_length_limit.unwrap().value, 4096);
    /// ```
    pub fn attribute_value_length_limit(mut self, characters: usize) -> Self {
        self.input.limits.attribute_value_length_limit = Some(characters);
        self
    }

    /// Attributes a span keeps (default 128, or `OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT`); later ones
    /// are dropped and counted in the span's `dropped_attributes_count`.
    ///
    /// ```
    /// let config = rizk_core::RizkBuilder::new()
    ///     .app_name("svc")
    ///     .span_attribute_count_limit(256)
    ///     .ignore_environment()
    ///     .build_config()
    ///     .unwrap();
    /// assert_eq!(config.limits.span_attribute_count_limit.value, 256);
    /// ```
    pub fn span_attribute_count_limit(mut self, count: u32) -> Self {
        self.input.limits.span_attribute_count_limit = Some(count);
        self
    }

    /// Events a span keeps (default 128, or `OTEL_SPAN_EVENT_COUNT_LIMIT`); later ones are
    /// dropped and counted in the span's dropped event count.
    ///
    /// ```
    /// let config = rizk_core::RizkBuilder::new()
    ///     .app_name("svc")
    ///     .span_event_count_limit(16)
    ///     .ignore_environment()
    ///     .build_config()
    ///     .unwrap();
    /// assert_eq!(config.limits.sdk_span_limits().max_events_per_span, 16);
    /// ```
    pub fn span_event_count_limit(mut self, count: u32) -> Self {
        self.input.limits.span_event_count_limit = Some(count);
        self
    }
}
