//! The HTTPS side of the Icinga 2 sink: one pooled keep-alive client (hyper-util over rustls)
//! that posts one result and says what became of it.

use std::error::Error as StdError;
use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, StatusCode, Uri};
use hyper_rustls::{FixedServerNameResolver, HttpsConnector};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, RootCertStore};

use crate::config::Icinga2Config;

/// The path of the action, below `icinga2_api_url`.
pub const ACTION: &str = "/v1/actions/process-check-result";

/// How long a TCP connect may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long one request may take, from sending to the end of the answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The most of an answer that is read (Icinga's answers to one result are about 100 bytes).
const MAX_ANSWER: usize = 64 * 1024;

/// Why the sink cannot be set up from the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupError(pub String);

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl StdError for SetupError {}

/// What became of one post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// 200: Icinga 2 processed the result.
    Delivered,
    /// 409: Icinga 2 already has a newer result for the object; counts as delivered.
    Superseded(String),
    /// 400, 403, 404 (and any other 4xx not listed here): this result will never be taken;
    /// not retried. The HTTP status and Icinga's message.
    Rejected(u16, String),
    /// 5xx (503: the object is not active yet, as right after a restart): retried later.
    Retry(u16, String),
    /// No answer: the connection failed or broke, or timed out. Retried later.
    Unreachable(String),
    /// 401: the credentials are wrong. The sink stops until the configuration is fixed.
    Unauthorized(String),
    /// The server's certificate does not verify (or the server refused ours). The sink stops
    /// until the configuration is fixed.
    Certificate(String),
}

/// A connection to one Icinga 2 API.
pub struct Api {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    uri: Uri,
    authorization: Option<HeaderValue>,
    base: String,
    check_source: String,
}

impl fmt::Debug for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Api")
            .field("uri", &self.uri)
            .field("check_source", &self.check_source)
            .finish_non_exhaustive()
    }
}

impl Api {
    /// Reads the files the configuration names (CA, client certificate and key, password
    /// file) and builds the client. Connects to nothing yet.
    ///
    /// # Errors
    /// A message naming the key and the problem: a URL that is not `https://host[:port]`, a
    /// file that cannot be read or holds no certificate or key, a TLS name that is not a name.
    pub fn new(config: &Icinga2Config) -> Result<Self, SetupError> {
        let base = config
            .api_url
            .clone()
            .ok_or_else(|| SetupError("icinga2_api_url is not set".into()))?;
        let uri = action_uri(&base)?;
        let tls = tls_config(config)?;
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(CONNECT_TIMEOUT));
        http.set_keepalive(Some(Duration::from_secs(60)));
        let mut builder = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_only();
        if let Some(name) = &config.api_tls_name {
            let name =
                ServerName::try_from(name.trim_matches(['[', ']']).to_owned()).map_err(|e| {
                    SetupError(format!(
                        "icinga2_api_tls_name `{name}` is not a host name or address: {e}"
                    ))
                })?;
            builder = builder.with_server_name_resolver(FixedServerNameResolver::new(name));
        }
        let connector = builder.enable_http1().wrap_connector(http);
        let client = Client::builder(TokioExecutor::new())
            // Icinga 2 closes a connection after 10 s without a request: leave it before that.
            .pool_idle_timeout(Duration::from_secs(5))
            .pool_timer(TokioTimer::new())
            .pool_max_idle_per_host(config.api_connections.max(1))
            .build(connector);
        let password = match (&config.api_password, &config.api_password_file) {
            (Some(password), _) => Some(password.clone()),
            (None, Some(path)) => Some(read_password(path)?),
            (None, None) => None,
        };
        let authorization = match &config.api_user {
            Some(user) => {
                let secret = format!("{user}:{}", password.unwrap_or_default());
                let value = format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(secret)
                );
                Some(HeaderValue::from_str(&value).map_err(|_| {
                    SetupError("icinga2_api_user cannot be sent in an HTTP header".into())
                })?)
            }
            None if password.is_some() => {
                return Err(SetupError(
                    "a password is set but icinga2_api_user is not".into(),
                ));
            }
            None => None,
        };
        if authorization.is_none() && config.api_client_cert.is_none() {
            return Err(SetupError(
                "set icinga2_api_user (with icinga2_api_password or icinga2_api_password_file) \
                 or icinga2_api_client_cert and icinga2_api_client_key: Icinga 2 needs one of \
                 them"
                    .into(),
            ));
        }
        let check_source = config.check_source.clone().unwrap_or_else(local_host_name);
        Ok(Self {
            client,
            uri,
            authorization,
            base,
            check_source,
        })
    }

    /// `icinga2_api_url` as configured.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The `check_source` sent with every result.
    pub fn check_source(&self) -> &str {
        &self.check_source
    }

    /// Posts one body (JSON) and classifies the answer.
    pub async fn post(&self, body: Bytes) -> Outcome {
        let mut request = Request::builder()
            .method(Method::POST)
            .uri(self.uri.clone())
            .header(ACCEPT, "application/json")
            .header(CONTENT_TYPE, "application/json");
        if let Some(authorization) = &self.authorization {
            request = request.header(AUTHORIZATION, authorization.clone());
        }
        let request = match request.body(Full::new(body)) {
            Ok(request) => request,
            Err(e) => return Outcome::Rejected(0, format!("cannot build the request: {e}")),
        };
        let exchange = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| error_outcome(&e))?;
            let status = response.status();
            let answer = Limited::new(response.into_body(), MAX_ANSWER)
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            Ok::<_, Outcome>(classify(status, &answer))
        };
        match tokio::time::timeout(REQUEST_TIMEOUT, exchange).await {
            Ok(Ok(outcome) | Err(outcome)) => outcome,
            Err(_) => {
                Outcome::Unreachable(format!("no answer within {} s", REQUEST_TIMEOUT.as_secs()))
            }
        }
    }
}

/// `icinga2_api_url` plus [`ACTION`], checked.
fn action_uri(base: &str) -> Result<Uri, SetupError> {
    let bad = |why: &str| SetupError(format!("icinga2_api_url `{base}` {why}"));
    let parsed: Uri = base
        .parse()
        .map_err(|e| bad(&format!("is not a URL: {e}")))?;
    match parsed.scheme_str() {
        Some("https") => {}
        Some(_) => {
            return Err(bad(
                "must start with https:// (the Icinga 2 API speaks TLS only)",
            ));
        }
        None => return Err(bad("must start with https://")),
    }
    if parsed.host().is_none_or(str::is_empty) {
        return Err(bad("has no host"));
    }
    if parsed.query().is_some() {
        return Err(bad("must not have a query"));
    }
    let full = format!("{}{ACTION}", base.trim_end_matches('/'));
    full.parse()
        .map_err(|e| bad(&format!("does not make a valid URL: {e}")))
}

fn read_password(path: &Path) -> Result<String, SetupError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        SetupError(format!(
            "icinga2_api_password_file {}: cannot read it: {e}",
            path.display()
        ))
    })?;
    // The first line, without its line end: `echo secret > file` writes one.
    let password = text
        .lines()
        .next()
        .unwrap_or_default()
        .trim_end_matches('\r');
    if password.is_empty() {
        return Err(SetupError(format!(
            "icinga2_api_password_file {}: the first line is empty",
            path.display()
        )));
    }
    Ok(password.to_owned())
}

fn tls_config(config: &Icinga2Config) -> Result<ClientConfig, SetupError> {
    let mut roots = RootCertStore::empty();
    match &config.api_ca_file {
        Some(path) => {
            let pem = read_file("icinga2_api_ca_file", path)?;
            for cert in CertificateDer::pem_slice_iter(&pem) {
                let cert = cert.map_err(|e| {
                    SetupError(format!(
                        "icinga2_api_ca_file {}: not a PEM certificate file: {e}",
                        path.display()
                    ))
                })?;
                roots.add(cert).map_err(|e| {
                    SetupError(format!(
                        "icinga2_api_ca_file {}: unusable certificate: {e}",
                        path.display()
                    ))
                })?;
            }
            if roots.is_empty() {
                return Err(SetupError(format!(
                    "icinga2_api_ca_file {}: no certificate in it",
                    path.display()
                )));
            }
        }
        None => {
            let native = rustls_native_certs::load_native_certs();
            roots.add_parsable_certificates(native.certs);
            if roots.is_empty() {
                return Err(SetupError(
                    "the system has no CA certificates to check the Icinga 2 API's certificate \
                     with; set icinga2_api_ca_file"
                        .into(),
                ));
            }
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| SetupError(format!("TLS set-up: {e}")))?
        .with_root_certificates(roots);
    match (&config.api_client_cert, &config.api_client_key) {
        (Some(cert_path), Some(key_path)) => {
            let pem = read_file("icinga2_api_client_cert", cert_path)?;
            let chain = CertificateDer::pem_slice_iter(&pem)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| {
                    SetupError(format!(
                        "icinga2_api_client_cert {}: not a PEM certificate file: {e}",
                        cert_path.display()
                    ))
                })?;
            if chain.is_empty() {
                return Err(SetupError(format!(
                    "icinga2_api_client_cert {}: no certificate in it",
                    cert_path.display()
                )));
            }
            let pem = read_file("icinga2_api_client_key", key_path)?;
            let key = PrivateKeyDer::from_pem_slice(&pem).map_err(|e| {
                SetupError(format!(
                    "icinga2_api_client_key {}: no usable private key in it: {e}",
                    key_path.display()
                ))
            })?;
            builder.with_client_auth_cert(chain, key).map_err(|e| {
                SetupError(format!(
                    "icinga2_api_client_cert and icinga2_api_client_key do not go together: {e}"
                ))
            })
        }
        _ => Ok(builder.with_no_client_auth()),
    }
}

fn read_file(key: &str, path: &Path) -> Result<Vec<u8>, SetupError> {
    std::fs::read(path)
        .map_err(|e| SetupError(format!("{key} {}: cannot read it: {e}", path.display())))
}

/// This host's name, the default `check_source`.
pub fn local_host_name() -> String {
    nix::unistd::gethostname()
        .ok()
        .and_then(|name| name.into_string().ok())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "nsca".to_owned())
}

/// What an answer means.
pub fn classify(status: StatusCode, answer: &[u8]) -> Outcome {
    let json: Option<serde_json::Value> = serde_json::from_slice(answer).ok();
    // A single-object action answers {"results":[{"code":C,"status":"..."}]}; errors before the
    // action answer {"error":C,"status":"..."}; some answer HTML.
    let first = json
        .as_ref()
        .and_then(|j| j.get("results"))
        .and_then(|r| r.get(0));
    let message = first
        .and_then(|r| r.get("status"))
        .or_else(|| json.as_ref().and_then(|j| j.get("status")))
        .and_then(|s| s.as_str())
        .map_or_else(|| text_of(answer), str::to_owned);
    // The code inside the result wins over the HTTP status when it says more.
    let code = first
        .and_then(|r| r.get("code"))
        .and_then(serde_json::Value::as_f64)
        .map_or(status.as_u16(), |c| c as u16);
    let code = if status.is_success() {
        code
    } else {
        status.as_u16()
    };
    match code {
        200..=299 => Outcome::Delivered,
        401 => Outcome::Unauthorized(message),
        409 => Outcome::Superseded(message),
        400..=499 => Outcome::Rejected(code, message),
        _ => Outcome::Retry(code, message),
    }
}

/// An answer that is not JSON, as one short line (tags of an HTML page removed).
fn text_of(answer: &[u8]) -> String {
    let text = String::from_utf8_lossy(answer);
    let mut plain = String::new();
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => plain.push(if c.is_control() { ' ' } else { c }),
            _ => {}
        }
    }
    let plain = plain.split_whitespace().collect::<Vec<_>>().join(" ");
    if plain.is_empty() {
        "(no message)".to_owned()
    } else {
        plain.chars().take(300).collect()
    }
}

/// What a failed request means: a certificate problem stops the sink, anything else is a
/// connection problem that is retried.
fn error_outcome(error: &hyper_util::client::legacy::Error) -> Outcome {
    if let Some(tls) = find_tls_error(error) {
        use rustls::AlertDescription as A;
        match tls {
            rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented => {
                return Outcome::Certificate(format!(
                    "the server's certificate does not verify: {tls}"
                ));
            }
            rustls::Error::AlertReceived(
                A::BadCertificate
                | A::UnknownCA
                | A::CertificateRequired
                | A::CertificateUnknown
                | A::UnsupportedCertificate
                | A::CertificateExpired
                | A::CertificateRevoked
                | A::AccessDenied,
            ) => {
                return Outcome::Certificate(format!(
                    "the server refused this client's certificate: {tls}"
                ));
            }
            _ => return Outcome::Unreachable(format!("TLS error: {tls}")),
        }
    }
    Outcome::Unreachable(chain_text(error))
}

/// The rustls error somewhere in `error`'s chain (through `io::Error` wrappers too).
fn find_tls_error<'a>(error: &'a (dyn StdError + 'static)) -> Option<&'a rustls::Error> {
    let mut current: Option<&'a (dyn StdError + 'static)> = Some(error);
    while let Some(e) = current {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if let Some(inner) = io.get_ref() {
                if let Some(tls) = find_tls_error(inner) {
                    return Some(tls);
                }
            }
        }
        current = e.source();
    }
    None
}

/// An error and its causes, as one line without repeats.
fn chain_text(error: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current: Option<&(dyn StdError + 'static)> = Some(error);
    while let Some(e) = current {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = e.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers() {
        let ok = br#"{"results":[{"code":200,"status":"Successfully processed check result for object 'web1!HTTP'."}]}"#;
        assert_eq!(classify(StatusCode::OK, ok), Outcome::Delivered);
        let newer = br#"{"results":[{"code":409,"status":"Newer check result already present."}]}"#;
        assert_eq!(
            classify(StatusCode::CONFLICT, newer),
            Outcome::Superseded("Newer check result already present.".into())
        );
        let host = br#"{"results":[{"code":400,"status":"Invalid 'exit_status' for Host db1."}]}"#;
        assert_eq!(
            classify(StatusCode::BAD_REQUEST, host),
            Outcome::Rejected(400, "Invalid 'exit_status' for Host db1.".into())
        );
        let missing = br#"{"error":404,"status":"No objects found."}"#;
        assert_eq!(
            classify(StatusCode::NOT_FOUND, missing),
            Outcome::Rejected(404, "No objects found.".into())
        );
        assert!(matches!(
            classify(StatusCode::FORBIDDEN, b"{}"),
            Outcome::Rejected(403, _)
        ));
        let auth = br#"{"error":401,"status":"Unauthorized. Please check your user credentials."}"#;
        assert_eq!(
            classify(StatusCode::UNAUTHORIZED, auth),
            Outcome::Unauthorized("Unauthorized. Please check your user credentials.".into())
        );
        let inactive = br#"{"results":[{"code":503,"status":"Object not active yet."}]}"#;
        assert_eq!(
            classify(StatusCode::SERVICE_UNAVAILABLE, inactive),
            Outcome::Retry(503, "Object not active yet.".into())
        );
        assert!(matches!(
            classify(StatusCode::INTERNAL_SERVER_ERROR, b""),
            Outcome::Retry(500, _)
        ));
        // A 200 whose one result is an error is that error.
        let inner = br#"{"results":[{"code":404,"status":"gone"}]}"#;
        assert_eq!(
            classify(StatusCode::OK, inner),
            Outcome::Rejected(404, "gone".into())
        );
        // HTML answers are reduced to their text.
        let html = b"<h1>Accept header is missing or not set to 'application/json'.</h1>";
        assert_eq!(
            classify(StatusCode::BAD_REQUEST, html),
            Outcome::Rejected(
                400,
                "Accept header is missing or not set to 'application/json'.".into()
            )
        );
    }

    #[test]
    fn urls() {
        let uri = action_uri("https://icinga.example:5665").expect("url");
        assert_eq!(
            uri.to_string(),
            "https://icinga.example:5665/v1/actions/process-check-result"
        );
        let uri = action_uri("https://[::1]:5665/").expect("url");
        assert_eq!(
            uri.to_string(),
            "https://[::1]:5665/v1/actions/process-check-result"
        );
        let uri = action_uri("https://proxy.example/icinga/").expect("url");
        assert_eq!(uri.path(), "/icinga/v1/actions/process-check-result");
        assert!(
            action_uri("http://icinga:5665")
                .expect_err("http")
                .0
                .contains("https://")
        );
        assert!(action_uri("icinga:5665").is_err());
        assert!(action_uri("https://x/?a=b").is_err());
        assert!(action_uri("not a url").is_err());
    }

    fn config(extra: impl FnOnce(&mut Icinga2Config)) -> Icinga2Config {
        let mut config = Icinga2Config {
            api_url: Some("https://127.0.0.1:5665".into()),
            api_user: Some("nsca".into()),
            api_password: Some("secret".into()),
            ..Icinga2Config::default()
        };
        extra(&mut config);
        config
    }

    #[test]
    fn setup_errors_name_the_key() {
        let dir = std::env::temp_dir().join(format!("nsca-icinga-api-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let missing = dir.join("missing.crt");
        let e = Api::new(&config(|c| c.api_ca_file = Some(missing.clone()))).expect_err("ca");
        assert!(e.0.starts_with("icinga2_api_ca_file "), "{e}");
        assert!(e.0.contains("cannot read it"), "{e}");
        let empty = dir.join("empty.crt");
        std::fs::write(&empty, "not a certificate\n").expect("write");
        let e = Api::new(&config(|c| c.api_ca_file = Some(empty.clone()))).expect_err("ca");
        assert!(e.0.contains("no certificate in it"), "{e}");
        let e = Api::new(&config(|c| {
            c.api_password = None;
            c.api_password_file = Some(missing.clone());
        }))
        .expect_err("password file");
        assert!(e.0.starts_with("icinga2_api_password_file "), "{e}");
        let e = Api::new(&config(|c| {
            c.api_user = None;
            c.api_password = None;
        }))
        .expect_err("no credentials");
        assert!(e.0.contains("icinga2_api_user"), "{e}");
        let e =
            Api::new(&config(|c| c.api_tls_name = Some("bad name!".into()))).expect_err("tls name");
        assert!(e.0.contains("icinga2_api_tls_name"), "{e}");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn password_file_first_line() {
        let dir = std::env::temp_dir().join(format!("nsca-icinga-pw-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("pw");
        std::fs::write(&path, "s3cret\r\nignored\n").expect("write");
        assert_eq!(read_password(&path).expect("password"), "s3cret");
        std::fs::write(&path, "\n").expect("write");
        assert!(read_password(&path).is_err());
        let _ = std::fs::remove_dir_all(dir);
    }
}
