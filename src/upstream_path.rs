//! Upstream paths built only from checked segments: the one way caller text (a proxy path, an
//! id, an API version) becomes part of a URL sent to Nango, a provider or Panora. Dot segments
//! in any encoding, backslashes, control characters and empty segments are refused, and the
//! final URL is checked to still be under the API base it was joined to.

use url::Url;

/// How many rounds of percent-decoding are tried before a segment counts as too deeply encoded.
const MAX_DECODE_ROUNDS: usize = 8;
/// How much of a refused segment is quoted back in the message.
const QUOTE_CHARS: usize = 80;

/// A refused path or path segment: `field` names the input at fault (`path`, `id`, …).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PathError {
    pub field: String,
    pub message: String,
}

impl PathError {
    fn new(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

/// Why one segment was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    Dot,
    Backslash,
    Control,
    EmptyPiece,
    TooDeep,
}

fn quote(raw: &str) -> String {
    let mut text: String = raw.chars().take(QUOTE_CHARS).collect();
    if raw.chars().count() > QUOTE_CHARS {
        text.push('…');
    }
    format!("{text:?}")
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// `raw` as the base URL of an API Patchbay calls (Nango, Panora, a provider): http(s) with a
/// host. The one rule every configured or caller-sent base is held to.
pub fn api_base(raw: &str) -> Option<Url> {
    Url::parse(raw)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
}

/// One round of percent-decoding; malformed escapes stay as they are.
fn decode_once(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            out.push(h * 16 + l);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

/// Percent-decodes `raw` once (e.g. a connection id from a raw URI); `None` unless UTF-8.
pub fn percent_decode(raw: &str) -> Option<String> {
    String::from_utf8(decode_once(raw.as_bytes())).ok()
}

/// Checks one encoded segment (text between two raw `/`), decoding it until nothing changes so
/// double encoding (`%252e`) and split escapes (`%%32%65`) are seen for what they become.
fn check_segment(raw: &str) -> Result<(), Refusal> {
    let mut current = raw.as_bytes().to_vec();
    let mut rounds = 0;
    loop {
        if current.contains(&b'\\') {
            return Err(Refusal::Backslash);
        }
        if current.iter().any(|b| *b < 0x20 || *b == 0x7f) {
            return Err(Refusal::Control);
        }
        // An encoded `/` splits the segment for whoever decodes it: check every piece, and
        // `;` parameters (`..;`) as the piece before them.
        let pieces: Vec<&[u8]> = current.split(|b| *b == b'/').collect();
        for piece in &pieces {
            let head = piece.split(|b| *b == b';').next().unwrap_or(piece);
            if head == b"." || head == b".." {
                return Err(Refusal::Dot);
            }
        }
        if pieces.len() > 1 && pieces.iter().any(|p| p.is_empty()) {
            return Err(Refusal::EmptyPiece);
        }
        let next = decode_once(&current);
        if next == current {
            return Ok(());
        }
        rounds += 1;
        if rounds > MAX_DECODE_ROUNDS {
            return Err(Refusal::TooDeep);
        }
        current = next;
    }
}

/// What a caller-path refusal says: what was refused and what to send instead.
fn path_message(segment: &str, refusal: Refusal) -> String {
    let q = quote(segment);
    match refusal {
        Refusal::Dot => format!(
            "path segment {q} is refused: \".\" and \"..\" segments are not allowed in any encoding (raw, %2e, double-encoded, or around an encoded \"/\" or \"\\\"); send the provider's path as it is, e.g. /crm/v3/objects/contacts"
        ),
        Refusal::Backslash => format!(
            "path segment {q} is refused: backslashes (raw or %5C) are not allowed; send \"/\" between segments (or %2F inside one segment)"
        ),
        Refusal::Control => format!(
            "path segment {q} is refused: control characters (such as %00) are not allowed; send printable text, percent-encoded where needed"
        ),
        Refusal::EmptyPiece => format!(
            "path segment {q} is refused: an encoded \"/\" may not start, end or double a segment; send the provider's path with single \"/\" between segments"
        ),
        Refusal::TooDeep => format!(
            "path segment {q} is refused: it is percent-encoded too many times over; send it encoded once"
        ),
    }
}

/// True for a first segment that makes the path read as an absolute URL (`http:`).
fn looks_like_scheme(first: &str) -> bool {
    let decoded = decode_once(first.as_bytes());
    let Some(colon) = decoded.iter().position(|b| *b == b':') else {
        return false;
    };
    let scheme = &decoded[..colon];
    colon + 1 == decoded.len()
        && scheme.first().is_some_and(u8::is_ascii_alphabetic)
        && scheme
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
}

/// An upstream path (starting with `/`) made of checked, percent-encoded segments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamPath {
    segments: Vec<String>,
    /// A trailing `/` the caller sent (some APIs insist on it).
    trailing_slash: bool,
}

impl UpstreamPath {
    /// A caller's path exactly as it came in the request URI (still percent-encoded), with or
    /// without its leading `/`. Every percent-escape is kept as it was sent.
    pub fn from_caller(raw: &str) -> Result<Self, PathError> {
        const FIELD: &str = "path";
        let body = raw.strip_prefix('/').unwrap_or(raw);
        if body.is_empty() {
            return Err(PathError::new(
                FIELD,
                "the path is empty; send the provider's path after the connection, e.g. /api/proxy/{connection}/crm/v3/objects/contacts",
            ));
        }
        let (body, trailing_slash) = match body.strip_suffix('/') {
            Some(rest) => (rest, true),
            None => (body, false),
        };
        let segments: Vec<String> = body.split('/').map(str::to_owned).collect();
        for segment in &segments {
            if segment.is_empty() {
                return Err(PathError::new(
                    FIELD,
                    "the path has an empty segment (\"//\"); send the provider's path with single \"/\" between segments, e.g. /crm/v3/objects/contacts",
                ));
            }
            check_segment(segment).map_err(|r| PathError::new(FIELD, path_message(segment, r)))?;
        }
        if let Some(first) = segments.first()
            && looks_like_scheme(first)
        {
            return Err(PathError::new(
                FIELD,
                format!(
                    "the path starts with {}: send the provider's path, not a full URL (e.g. /v1/persons, not https://api.example.com/v1/persons)",
                    quote(first)
                ),
            ));
        }
        Ok(Self {
            segments,
            trailing_slash,
        })
    }

    /// A path written in the code (`/crm/v3/objects/contacts`): fixed text, never caller input.
    pub fn fixed(path: &'static str) -> Self {
        let segments: Vec<String> = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        debug_assert!(
            segments.iter().all(|s| check_segment(s).is_ok()),
            "a fixed path with a refused segment: {path}"
        );
        Self {
            segments,
            trailing_slash: false,
        }
    }

    /// Appends fixed text from the code (a version constant, `messages`).
    pub fn lit(mut self, segment: &'static str) -> Self {
        self.segments.extend(
            segment
                .split('/')
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
        );
        self
    }

    /// Appends caller text (an id) as one percent-encoded segment; empty, `.` and `..` (in any
    /// encoding), backslashes and control characters are refused, naming `field`.
    pub fn segment(mut self, field: &str, value: &str) -> Result<Self, PathError> {
        if value.is_empty() {
            return Err(PathError::new(field, format!("{field} must not be empty")));
        }
        let encoded = encode_segment(value);
        check_segment(&encoded).map_err(|refusal| {
            let why = match refusal {
                Refusal::Dot => "\".\" and \"..\" (in any encoding) are not ids",
                Refusal::Backslash => "backslashes are not allowed",
                Refusal::Control => "control characters are not allowed",
                Refusal::EmptyPiece | Refusal::TooDeep => "it does not look like an id",
            };
            PathError::new(
                field,
                format!(
                    "{field} {} is refused: {why}; send the id as the provider gave it",
                    quote(value)
                ),
            )
        })?;
        self.segments.push(encoded);
        Ok(self)
    }

    /// The encoded segments, in order.
    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().map(String::as_str)
    }

    /// The encoded path, starting with `/`.
    pub fn as_str(&self) -> String {
        let mut path = String::new();
        for segment in &self.segments {
            path.push('/');
            path.push_str(segment);
        }
        if self.trailing_slash || path.is_empty() {
            path.push('/');
        }
        path
    }

    /// The URL of this path under `base` and the fixed `mount` segments (`["proxy"]`), checked
    /// after the url crate's own normalisation: same scheme, host and port, still under
    /// `{base}/{mount}/`, and no segment dropped or resolved away.
    pub fn url_under(&self, base: &Url, mount: &[&'static str]) -> Result<Url, PathError> {
        let base_segments: Vec<&str> = base
            .path_segments()
            .map(|s| s.filter(|s| !s.is_empty()).collect())
            .unwrap_or_default();
        let mut prefix = String::new();
        for segment in base_segments.iter().chain(mount) {
            prefix.push('/');
            prefix.push_str(segment);
        }
        let mut url = base.clone();
        url.set_query(None);
        url.set_fragment(None);
        url.set_path(&format!("{prefix}{}", self.as_str()));
        let expected = base_segments.len() + mount.len() + self.segments.len();
        let got: Vec<&str> = url
            .path_segments()
            .map(|s| s.filter(|s| !s.is_empty()).collect())
            .unwrap_or_default();
        let same_origin = url.scheme() == base.scheme()
            && url.host_str() == base.host_str()
            && url.port_or_known_default() == base.port_or_known_default();
        let under = url.path().starts_with(&format!("{prefix}/"));
        let intact = got.len() == expected && got.iter().all(|s| check_segment(s).is_ok());
        if same_origin && under && intact {
            Ok(url)
        } else {
            Err(PathError::new(
                "path",
                format!(
                    "the path would resolve outside {prefix}/ of the API; send the provider's path without \".\" or \"..\" segments"
                ),
            ))
        }
    }
}

/// Percent-encodes caller text as one segment (everything but `A-Z a-z 0-9 * - . _`).
fn encode_segment(raw: &str) -> String {
    url::form_urlencoded::byte_serialize(raw.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// A path with its query string: what is sent after `/proxy` (or after an API base).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub path: UpstreamPath,
    /// The encoded query string, without `?`.
    pub query: Option<String>,
}

impl Endpoint {
    pub fn new(path: UpstreamPath) -> Self {
        Self { path, query: None }
    }

    /// The path with `pairs` form-encoded as its query string.
    pub fn with_query(path: UpstreamPath, pairs: &[(&str, &str)]) -> Self {
        let query = (!pairs.is_empty()).then(|| {
            url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs)
                .finish()
        });
        Self { path, query }
    }

    /// A caller's raw path and raw query string (both as sent, still encoded).
    pub fn from_caller(path: &str, query: Option<&str>) -> Result<Self, PathError> {
        let path = UpstreamPath::from_caller(path)?;
        if let Some(q) = query
            && q.bytes().any(|b| b < 0x20 || b == 0x7f)
        {
            return Err(PathError::new(
                "query",
                "the query string has control characters; send printable text, percent-encoded",
            ));
        }
        Ok(Self {
            path,
            query: query.filter(|q| !q.is_empty()).map(str::to_owned),
        })
    }

    /// `path?query` as one text (a path and query written out, e.g. in a test or a CLI flag).
    pub fn parse(path_and_query: &str) -> Result<Self, PathError> {
        match path_and_query.split_once('?') {
            Some((path, query)) => Self::from_caller(path, Some(query)),
            None => Self::from_caller(path_and_query, None),
        }
    }

    /// The URL under `base` and `mount`, checked (see [`UpstreamPath::url_under`]).
    pub fn url_under(&self, base: &Url, mount: &[&'static str]) -> Result<Url, PathError> {
        let mut url = self.path.url_under(base, mount)?;
        url.set_query(self.query.as_deref());
        Ok(url)
    }
}

impl From<UpstreamPath> for Endpoint {
    fn from(path: UpstreamPath) -> Self {
        Self::new(path)
    }
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.path.as_str())?;
        if let Some(q) = &self.query {
            write!(f, "?{q}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ATTACKS: [&str; 26] = [
        "../connections",
        "..%2fconnections",
        "..%2Fconnections",
        "%2e%2e/connections",
        "%2e%2e%2fconnections",
        "%2E%2E%2Fconnections",
        ".%2e/connections",
        "%2e./connections",
        "%252e%252e%252fconnections",
        "%25252e%25252e/x",
        "%%32%65%%32%65/x",
        "crm/../../connections",
        "crm/..%2f..%2fconnections",
        "..\\connections",
        "%2e%2e%5cconnections",
        "..%5cconnections",
        "..%5Cconnections",
        "./connections",
        "crm/.",
        "crm/%00",
        "crm/a%0ab",
        "http://169.254.169.254/latest",
        "//evil.example/x",
        "crm//x",
        "..;/connections",
        "group%2F..%2Fx",
    ];

    #[test]
    fn the_traversal_corpus_is_refused() {
        for raw in ATTACKS {
            for candidate in [raw.to_owned(), format!("/{raw}")] {
                let err = UpstreamPath::from_caller(&candidate)
                    .expect_err(&format!("{candidate} must be refused"));
                assert_eq!(err.field, "path", "{candidate}");
                assert!(err.message.contains("send"), "{candidate}: {}", err.message);
            }
        }
        assert!(UpstreamPath::from_caller("").is_err());
        assert!(UpstreamPath::from_caller("/").is_err());
        assert!(UpstreamPath::from_caller("http:").is_err());
    }

    #[test]
    fn legitimate_paths_stay_byte_identical() {
        let base = Url::parse("http://127.0.0.1:3003/sandbox/nango").unwrap();
        for raw in [
            "/crm/v3/objects/contacts",
            "/projects/group%2Fproject/issues",
            "/files/My%20Report.pdf",
            "/v1/spaces/abc:batchGet",
            "/.well-known/openid-configuration",
            "/v1/a.b/...",
            "/v1/x%2e1",
            "/v1/persons/",
            "/search/caf%C3%A9",
            "/a+b/c~d/e@f",
        ] {
            let path = UpstreamPath::from_caller(raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
            assert_eq!(path.as_str(), raw);
            let url = path.url_under(&base, &["proxy"]).unwrap();
            assert_eq!(url.path(), format!("/sandbox/nango/proxy{raw}"), "{raw}");
            assert_eq!(url.host_str(), Some("127.0.0.1"));
        }
        let endpoint = Endpoint::parse("/crm/v3/objects/contacts?limit=3&q=a%20b").unwrap();
        assert_eq!(
            endpoint.url_under(&base, &["proxy"]).unwrap().as_str(),
            "http://127.0.0.1:3003/sandbox/nango/proxy/crm/v3/objects/contacts?limit=3&q=a%20b"
        );
        assert_eq!(
            endpoint.to_string(),
            "/crm/v3/objects/contacts?limit=3&q=a%20b"
        );
    }

    #[test]
    fn ids_are_one_encoded_segment_and_never_dots() {
        let path = UpstreamPath::fixed("/crm/v3/objects/contacts")
            .segment("id", "a b/c?d")
            .unwrap();
        assert_eq!(path.as_str(), "/crm/v3/objects/contacts/a%20b%2Fc%3Fd");
        for bad in [
            "",
            ".",
            "..",
            "%2e%2e",
            "..%2f",
            "a/../b",
            "x\\y",
            "a\0",
            "%252e%252e",
        ] {
            let err = UpstreamPath::fixed("/v1/persons")
                .segment("id", bad)
                .expect_err(bad);
            assert_eq!(err.field, "id", "{bad}");
        }
        assert!(
            UpstreamPath::fixed("/v1")
                .segment("id", "...")
                .is_ok_and(|p| p.as_str() == "/v1/...")
        );
    }

    #[test]
    fn the_final_url_stays_under_the_mount() {
        let base = Url::parse("https://api.nango.dev").unwrap();
        let path = UpstreamPath::fixed("/connections")
            .segment("id", "c1")
            .unwrap();
        assert_eq!(
            path.url_under(&base, &[]).unwrap().as_str(),
            "https://api.nango.dev/connections/c1"
        );
        // A path that slipped past the checks is still caught once the url crate resolves it.
        let sneaky = UpstreamPath {
            segments: vec!["..".to_owned(), "connections".to_owned()],
            trailing_slash: false,
        };
        let err = sneaky.url_under(&base, &["proxy"]).unwrap_err();
        assert_eq!(err.field, "path");
        let encoded = UpstreamPath {
            segments: vec!["%2E%2e".to_owned(), "connections".to_owned()],
            trailing_slash: false,
        };
        assert!(encoded.url_under(&base, &["proxy"]).is_err());
    }
}
