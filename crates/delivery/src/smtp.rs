//! Email delivery over SMTP (RFC 5321), with implicit TLS (RFC 8314), required STARTTLS
//! (RFC 3207) or, for a relay on the same host or a test server, no TLS at all.
//!
//! Sends `Channel::Email` messages as plain text with the message's subject. The body holds
//! a code or a temporary password: it goes to the SMTP server and nowhere else. Errors say
//! what failed (connection, TLS, the server's reply code) and never carry the password, the
//! body or the code.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tessera_core::messages::{
    Channel, DeliveryError, MessageSender, OutgoingMessage, mask_destination,
};
use tessera_core::secret::Secret;

/// How long one SMTP connection or command may take.
pub const SMTP_COMMAND_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a whole delivery (connect, TLS, auth, send) may take.
pub const SMTP_SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// Subject used when a message has none (email messages normally carry one).
const DEFAULT_SUBJECT: &str = "Your verification code";

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SmtpTls {
    /// Plain text. Only for a relay on the same host or a test server.
    None,
    /// Connect in plain text and upgrade with STARTTLS; refuse to go on without it.
    #[default]
    StartTls,
    /// TLS from the first byte ("implicit TLS", usually port 465).
    Tls,
}

impl SmtpTls {
    /// The port used when none is configured: 25, 587 or 465.
    pub fn default_port(self) -> u16 {
        match self {
            SmtpTls::None => 25,
            SmtpTls::StartTls => 587,
            SmtpTls::Tls => 465,
        }
    }
}

impl FromStr for SmtpTls {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" => Ok(SmtpTls::None),
            "starttls" => Ok(SmtpTls::StartTls),
            "tls" => Ok(SmtpTls::Tls),
            other => Err(format!(
                "SMTP TLS mode must be none, starttls or tls (got {other:?})"
            )),
        }
    }
}

impl fmt::Display for SmtpTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SmtpTls::None => "none",
            SmtpTls::StartTls => "starttls",
            SmtpTls::Tls => "tls",
        })
    }
}

/// SMTP settings. `Debug` hides the password.
#[derive(Debug, Clone)]
pub struct SmtpConfig {
    pub host: String,
    /// `None`: the TLS mode's usual port.
    pub port: Option<u16>,
    pub tls: SmtpTls,
    pub username: Option<String>,
    pub password: Option<Secret<String>>,
    /// The `From` mailbox, `no-reply@example.com` or `Example <no-reply@example.com>`.
    pub from: String,
}

/// Delivers email through an SMTP server.
pub struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    host: String,
    port: u16,
}

impl fmt::Debug for SmtpSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSender")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

impl SmtpSender {
    /// Checks the settings and prepares the transport. Connects to nothing yet.
    pub fn new(config: &SmtpConfig) -> Result<Self, DeliveryError> {
        let host = config.host.trim();
        if host.is_empty() {
            return Err(DeliveryError("the SMTP host is empty".into()));
        }
        let from: Mailbox = config.from.parse().map_err(|_| {
            DeliveryError(format!(
                "the SMTP from address {:?} is not a valid mailbox",
                config.from
            ))
        })?;
        let port = config.port.unwrap_or_else(|| config.tls.default_port());
        let builder = match config.tls {
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
            SmtpTls::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                .map_err(|e| DeliveryError(format!("preparing STARTTLS for {host}: {e}")))?,
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)
                .map_err(|e| DeliveryError(format!("preparing TLS for {host}: {e}")))?,
        };
        let mut builder = builder.port(port).timeout(Some(SMTP_COMMAND_TIMEOUT));
        match (&config.username, &config.password) {
            (Some(user), Some(password)) => {
                builder =
                    builder.credentials(Credentials::new(user.clone(), password.expose().clone()));
            }
            (None, None) => {}
            _ => {
                return Err(DeliveryError(
                    "SMTP authentication needs both a username and a password".into(),
                ));
            }
        }
        if config.tls == SmtpTls::None && config.username.is_some() && !is_loopback(host) {
            tracing::warn!(
                smtp_host = %host,
                "SMTP credentials will be sent without TLS; use tls = \"starttls\" or \"tls\""
            );
        }
        Ok(SmtpSender {
            transport: builder.build(),
            from,
            host: host.to_string(),
            port,
        })
    }

    fn build_message(&self, m: &OutgoingMessage) -> Result<Message, DeliveryError> {
        let masked = mask_destination(Channel::Email, &m.destination);
        let to: Mailbox = m
            .destination
            .parse()
            .map_err(|_| DeliveryError(format!("the recipient address {masked} is not valid")))?;
        // The pool's sender when it names one (its EmailConfiguration); one that is not an
        // address is passed over for the configured sender rather than losing the message.
        let pool_mailbox = |v: &Option<String>, what: &str| {
            let parsed = v.as_deref().map(str::parse::<Mailbox>)?;
            match parsed {
                Ok(mailbox) => Some(mailbox),
                Err(_) => {
                    tracing::warn!(pool_id = %m.pool_id, "the pool's email {what} is not an address; left out");
                    None
                }
            }
        };
        let mut builder = Message::builder()
            .from(pool_mailbox(&m.sender.from, "From").unwrap_or_else(|| self.from.clone()));
        if let Some(reply_to) = pool_mailbox(&m.sender.reply_to, "Reply-To") {
            builder = builder.reply_to(reply_to);
        }
        builder
            .to(to)
            .subject(m.subject.as_deref().unwrap_or(DEFAULT_SUBJECT))
            .message_id(None)
            .header(ContentType::TEXT_PLAIN)
            .body(m.body.expose().clone())
            .map_err(|e| DeliveryError(format!("building the email to {masked}: {e}")))
    }
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A description of an SMTP failure that is safe to log and return: the kind and the server's
/// reply, never credentials or the message.
fn describe(e: &lettre::transport::smtp::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_tls() {
        format!("TLS failed: {e}")
    } else {
        e.to_string()
    }
}

#[async_trait]
impl MessageSender for SmtpSender {
    async fn send(&self, m: &OutgoingMessage) -> Result<(), DeliveryError> {
        if m.channel != Channel::Email {
            return Err(DeliveryError("the SMTP sender only delivers email".into()));
        }
        let masked = mask_destination(Channel::Email, &m.destination);
        let email = self.build_message(m)?;
        let sent = tokio::time::timeout(SMTP_SEND_TIMEOUT, self.transport.send(email)).await;
        match sent {
            Ok(Ok(_)) => {
                tracing::info!(
                    pool_id = %m.pool_id,
                    destination = %masked,
                    purpose = ?m.purpose,
                    smtp_host = %self.host,
                    "email delivered to the SMTP server"
                );
                Ok(())
            }
            Ok(Err(e)) => Err(DeliveryError(format!(
                "sending email to {masked} through {}:{}: {}",
                self.host,
                self.port,
                describe(&e)
            ))),
            Err(_) => Err(DeliveryError(format!(
                "sending email to {masked} through {}:{}: timed out",
                self.host, self.port
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use tessera_core::messages::Purpose;
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    use tokio::net::TcpListener;

    /// A minimal SMTP server: accepts one message and returns (envelope lines, data).
    async fn fake_smtp(listener: TcpListener) -> (Vec<String>, String) {
        let (stream, _) = listener.accept().await.unwrap();
        let (r, mut w) = stream.into_split();
        let mut r = BufReader::new(r);
        w.write_all(b"220 fake ESMTP\r\n").await.unwrap();
        let mut commands = Vec::new();
        let mut data = String::new();
        loop {
            let mut line = String::new();
            if r.read_line(&mut line).await.unwrap() == 0 {
                break;
            }
            let cmd = line.trim_end().to_string();
            let verb = cmd
                .split(' ')
                .next()
                .unwrap_or_default()
                .to_ascii_uppercase();
            match verb.as_str() {
                "EHLO" => w.write_all(b"250-fake\r\n250 8BITMIME\r\n").await.unwrap(),
                "MAIL" | "RCPT" => {
                    commands.push(cmd);
                    w.write_all(b"250 OK\r\n").await.unwrap();
                }
                "DATA" => {
                    w.write_all(b"354 go on\r\n").await.unwrap();
                    loop {
                        let mut l = String::new();
                        r.read_line(&mut l).await.unwrap();
                        if l == ".\r\n" {
                            break;
                        }
                        data.push_str(&l);
                    }
                    w.write_all(b"250 queued\r\n").await.unwrap();
                }
                "QUIT" => {
                    w.write_all(b"221 bye\r\n").await.unwrap();
                    break;
                }
                _ => w.write_all(b"502 no\r\n").await.unwrap(),
            }
        }
        (commands, data)
    }

    fn message() -> OutgoingMessage {
        OutgoingMessage {
            pool_id: "us-east-1_x".into(),
            username: "alice".into(),
            channel: Channel::Email,
            destination: "alice@example.com".into(),
            subject: Some("Your verification code".into()),
            body: Secret::new("Your confirmation code is 123456".into()),
            code: Some(Secret::new("123456".into())),
            purpose: Purpose::SignUp,
            sender: Default::default(),
        }
    }

    fn config(port: u16) -> SmtpConfig {
        SmtpConfig {
            host: "127.0.0.1".into(),
            port: Some(port),
            tls: SmtpTls::None,
            username: None,
            password: None,
            from: "Tessera <no-reply@tessera.test>".into(),
        }
    }

    #[tokio::test]
    async fn sends_plain_text_email() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = tokio::spawn(fake_smtp(listener));
        let sender = SmtpSender::new(&config(port)).unwrap();
        sender.send(&message()).await.unwrap();
        let (commands, data) = server.await.unwrap();
        assert!(
            commands[0].contains("<no-reply@tessera.test>"),
            "{commands:?}"
        );
        assert!(commands[1].contains("<alice@example.com>"), "{commands:?}");
        assert!(data.contains("Subject: Your verification code"), "{data}");
        assert!(data.contains("text/plain"), "{data}");
        assert!(data.contains("123456"), "{data}");
    }

    #[tokio::test]
    async fn sends_as_the_pool_asks() {
        for (from, reply_to, envelope, header) in [
            (
                "Example Team <team@example.org>",
                Some("help@example.org"),
                "<team@example.org>",
                "From: \"Example Team\" <team@example.org>",
            ),
            // Not an address: the configured sender, and no Reply-To.
            (
                "not an address",
                None,
                "<no-reply@tessera.test>",
                "From: Tessera <no-reply@tessera.test>",
            ),
        ] {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let port = listener.local_addr().unwrap().port();
            let server = tokio::spawn(fake_smtp(listener));
            let mut m = message();
            m.sender = tessera_core::messages::EmailSender {
                from: Some(from.into()),
                reply_to: reply_to.map(Into::into),
            };
            SmtpSender::new(&config(port))
                .unwrap()
                .send(&m)
                .await
                .unwrap();
            let (commands, data) = server.await.unwrap();
            assert!(commands[0].contains(envelope), "{commands:?}");
            assert!(data.contains(header), "{data}");
            assert_eq!(
                data.contains("Reply-To: help@example.org"),
                reply_to.is_some(),
                "{data}"
            );
        }
    }

    #[tokio::test]
    async fn failures_name_no_secret() {
        // Nothing listens on this port once the listener is dropped.
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let mut cfg = config(port);
        cfg.username = Some("user".into());
        cfg.password = Some(Secret::new("hunter2-smtp".into()));
        let sender = SmtpSender::new(&cfg).unwrap();
        let err = sender.send(&message()).await.unwrap_err().to_string();
        assert!(!err.contains("hunter2"), "{err}");
        assert!(!err.contains("123456"), "{err}");
        assert!(err.contains("a***@e***"), "{err}");
        assert!(!format!("{cfg:?} {sender:?}").contains("hunter2"));
    }

    #[tokio::test]
    async fn refuses_sms_and_bad_settings() {
        let sender = SmtpSender::new(&config(25)).unwrap();
        let mut sms = message();
        sms.channel = Channel::Sms;
        assert!(sender.send(&sms).await.is_err());
        let mut bad = config(25);
        bad.from = "not an address".into();
        assert!(SmtpSender::new(&bad).is_err());
        let mut half = config(25);
        half.username = Some("u".into());
        assert!(SmtpSender::new(&half).is_err());
        assert_eq!("STARTTLS".parse::<SmtpTls>().unwrap(), SmtpTls::StartTls);
        assert!("ssl".parse::<SmtpTls>().is_err());
        assert_eq!(SmtpTls::Tls.default_port(), 465);
    }
}
