#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The DESIGN.md §4 contract of the binary: one line `listening on http://127.0.0.1:PORT` when ready.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn binary_prints_one_listening_line_and_serves() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_loupe-emulator"))
        .args(["--port", "0", "--seed", "3", "--observations", "300"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let url = line
        .trim_end()
        .strip_prefix("listening on ")
        .expect("listening line")
        .to_string();
    let port: u16 = url
        .strip_prefix("http://127.0.0.1:")
        .unwrap()
        .parse()
        .unwrap();
    assert!(port > 0);
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    use std::io::{Read, Write};
    stream
        .write_all(b"GET /api/public/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut resp = String::new();
    stream.read_to_string(&mut resp).unwrap();
    assert!(resp.starts_with("HTTP/1.1 200"));
    assert!(resp.ends_with("{\"status\":\"OK\",\"version\":\"4.16.0\"}"));
    child.kill().unwrap();
    let _ = child.wait();
    let help = Command::new(env!("CARGO_BIN_EXE_loupe-emulator"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    for flag in [
        "--port",
        "--seed",
        "--observations",
        "--public-key",
        "--secret-key",
        "--legacy-only",
        "--rate-limit-per-minute",
        "--metrics-per-day",
        "--fail-share",
        "--slow-ms",
        "--truncate-share",
        "--drop-share",
        "--fault-seed",
        "pk-lf-loupe-demo",
        "sk-lf-loupe-demo",
    ] {
        assert!(help.contains(flag), "--help documents {flag}");
    }
}
