//! A minimal HTTP/1.1 client over a raw socket, so tests can see exactly what the server sends,
//! including truncated bodies and closed connections.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use loupe_emulator::{Dataset, EmulatorConfig, SynthConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub const BASIC: &str = "Basic cGstbGYtbG91cGUtZGVtbzpzay1sZi1sb3VwZS1kZW1v";

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The body has as many bytes as Content-Length announced.
    pub complete: bool,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// Sends one request on a fresh connection; `Err` when the connection closed without a response.
pub async fn request(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
) -> Result<Resp, String> {
    let mut stream = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    let mut head = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream
        .write_all(head.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw).await;
    if raw.is_empty() {
        return Err("connection closed without a response".to_string());
    }
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("no header end")?;
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let body = raw[split + 4..].to_vec();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or("bad status")?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok());
    let complete = length.is_none_or(|n| n == body.len());
    Ok(Resp {
        status,
        headers,
        body: String::from_utf8_lossy(&body).to_string(),
        complete,
    })
}

pub async fn get(addr: SocketAddr, target: &str) -> Resp {
    request(addr, "GET", target, &[("Authorization", BASIC)])
        .await
        .unwrap()
}

/// One dataset per test binary and size, shared by its servers.
pub fn dataset(observations: usize) -> Arc<Dataset> {
    static SMALL: OnceLock<Arc<Dataset>> = OnceLock::new();
    static LARGE: OnceLock<Arc<Dataset>> = OnceLock::new();
    let cell = if observations <= 10_000 {
        &SMALL
    } else {
        &LARGE
    };
    cell.get_or_init(|| {
        Arc::new(Dataset::generate(&SynthConfig {
            observations,
            ..SynthConfig::default()
        }))
    })
    .clone()
}

pub async fn start(config: EmulatorConfig, observations: usize) -> loupe_emulator::Emulator {
    loupe_emulator::serve_dataset(config, dataset(observations))
        .await
        .unwrap()
}

/// Percent-encodes a query value.
pub fn enc(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
