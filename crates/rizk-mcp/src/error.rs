//! The errors of this crate.

/// What can go wrong setting up MCP tracing.
///
/// ```
/// let error = rizk_mcp::Error::InvalidUrl {
///     url: "mcp".to_owned(),
///     reason: "relative URL without a base".to_owned(),
/// };
/// assert!(error.to_string().contains("http://127.0.0.1:8000/mcp"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The URL given to [`crate::TracedPeer::http`] is not an absolute URL with a host.
    #[error(
        "the MCP server URL {url:?} cannot be traced: {reason}; pass the URL the streamable HTTP \
         client transport was given, such as \"http://127.0.0.1:8000/mcp\""
    )]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// Why it was refused.
        reason: String,
    },
}
