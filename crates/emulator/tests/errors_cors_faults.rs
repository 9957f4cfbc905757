#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Auth failures, 400/404/405 bodies, CORS, 429s and injected faults.

mod common;

use std::time::{SystemTime, UNIX_EPOCH};

use common::{BASIC, enc, get, request, start};
use loupe_emulator::EmulatorConfig;
use serde_json::json;

#[tokio::test]
async fn auth_failures_carry_langfuse_bodies() {
    let server = start(EmulatorConfig::default(), 5000).await;
    let addr = server.addr();
    let path = "/api/public/v2/observations";
    let cases: &[(Option<&str>, u16, &str)] = &[
        (None, 401, "No authorization header"),
        (
            Some("Basic cGstbGYteDpzay1sZi15"),
            401,
            "Invalid credentials. Confirm that you've configured the correct host.",
        ),
        (
            Some("Basic bm9jb2xvbg=="),
            401,
            "Invalid authorization header. Confirm that you've configured the correct host.",
        ),
        (Some("Token abc"), 401, "Invalid authorization header"),
        (
            Some("Bearer pk-lf-loupe-demo"),
            403,
            "Access denied - insufficient permissions for this endpoint",
        ),
        (
            Some("Bearer pk-lf-other"),
            401,
            "Invalid public key. Confirm that you've configured the correct host.",
        ),
    ];
    for (auth, status, message) in cases {
        let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("Authorization", *a)).collect();
        let resp = request(addr, "GET", path, &headers).await.unwrap();
        assert_eq!(resp.status, *status, "{auth:?}");
        assert_eq!(resp.json(), json!({ "message": message }), "{auth:?}");
    }
    let resp = request(
        addr,
        "GET",
        "/api/public/projects",
        &[("Authorization", "Bearer pk-lf-loupe-demo")],
    )
    .await
    .unwrap();
    assert_eq!(
        resp.json(),
        json!({"message": "Invalid API key. Are you using an organization key?"})
    );
    let resp = request(addr, "GET", "/api/public/health", &[])
        .await
        .unwrap();
    assert_eq!(resp.json(), json!({"status": "OK", "version": "4.16.0"}));
    let resp = get(addr, "/api/public/projects").await;
    assert_eq!(resp.json()["data"][0]["id"], loupe_synth::PROJECT_ID);
    server.shutdown().await;
}

#[tokio::test]
async fn bad_parameters_get_zod_and_invalid_request_bodies() {
    let server = start(EmulatorConfig::default(), 5000).await;
    let addr = server.addr();
    let obs = "/api/public/v2/observations";
    let v = get(addr, &format!("{obs}?limit=1001")).await;
    assert_eq!(v.status, 400);
    assert_eq!(
        v.json(),
        json!({"message":"Invalid request data","error":[{"origin":"number","code":"too_big","maximum":1000,"inclusive":true,"path":["limit"],"message":"Too big: expected number to be <=1000"}]})
    );
    let v = get(addr, &format!("{obs}?limit=abc")).await.json();
    assert_eq!(v["error"][0]["code"], "invalid_type");
    let v = get(addr, &format!("{obs}?type=WIDGET")).await.json();
    assert_eq!(v["error"][0]["code"], "invalid_value");
    assert_eq!(v["error"][0]["path"], json!(["type"]));
    let v = get(addr, &format!("{obs}?fromStartTime=2026-11-20"))
        .await
        .json();
    assert_eq!(v["error"][0]["code"], "invalid_format");
    assert_eq!(v["error"][0]["message"], "Invalid ISO datetime");
    let v = get(addr, &format!("{obs}?cursor=notbase64!!")).await;
    assert_eq!(
        (v.status, v.json()),
        (
            400,
            json!({"message":"Invalid cursor format","error":"InvalidRequestError"})
        )
    );
    let v = get(addr, &format!("{obs}?filter={}", enc("[{not json"))).await;
    assert_eq!(
        (v.status, v.json()),
        (
            400,
            json!({"message":"Invalid JSON in filter parameter","error":"InvalidRequestError"})
        )
    );
    let v = get(addr, &format!("{obs}?parseIoAsJson=true")).await;
    assert_eq!(
        (v.status, v.json()["error"].clone()),
        (400, json!("InvalidRequestError"))
    );
    let v = get(addr, "/api/public/models?page=0").await.json();
    assert_eq!(
        v["error"][0]["message"],
        "Too small: expected number to be >0"
    );
    let v = get(addr, "/api/public/models?limit=101").await.json();
    assert_eq!(v["error"][0]["maximum"], 100);
    let v = get(addr, "/api/public/v3/scores?foo=1").await.json();
    assert_eq!(
        v["error"][0],
        json!({"code":"unrecognized_keys","keys":["foo"],"path":[],"message":"Unrecognized key: \"foo\""})
    );
    let v = request(addr, "POST", obs, &[("Authorization", BASIC)])
        .await
        .unwrap();
    assert_eq!(
        (v.status, v.json()),
        (
            405,
            json!({"message":"Method not allowed","error":"MethodNotAllowedError"})
        )
    );
    let v = request(addr, "HEAD", obs, &[("Authorization", BASIC)])
        .await
        .unwrap();
    assert_eq!(v.status, 405);
    // Legacy reads 404 before auth on a v4 events_only deployment.
    let v = request(addr, "GET", "/api/public/traces", &[])
        .await
        .unwrap();
    assert_eq!(v.status, 404);
    assert!(
        v.json()["message"]
            .as_str()
            .unwrap()
            .contains("events_only")
    );
    server.shutdown().await;
}

#[tokio::test]
async fn cors_echoes_origin_everywhere_route_code_answers() {
    let server = start(EmulatorConfig::default(), 5000).await;
    let addr = server.addr();
    let origin = ("Origin", "http://localhost:8080");
    let pre = request(
        addr,
        "OPTIONS",
        "/api/public/v2/observations?limit=1",
        &[
            origin,
            ("Access-Control-Request-Method", "GET"),
            (
                "Access-Control-Request-Headers",
                "authorization,content-type",
            ),
        ],
    )
    .await
    .unwrap();
    assert_eq!(pre.status, 204);
    assert_eq!(
        pre.header("access-control-allow-origin"),
        Some("http://localhost:8080")
    );
    assert_eq!(
        pre.header("access-control-allow-methods"),
        Some("GET,HEAD,PUT,PATCH,POST,DELETE")
    );
    assert_eq!(
        pre.header("access-control-allow-headers"),
        Some("authorization,content-type")
    );
    assert_eq!(
        pre.header("vary"),
        Some("Origin, Access-Control-Request-Headers")
    );
    assert!(pre.header("access-control-allow-credentials").is_none());
    assert!(pre.header("access-control-max-age").is_none());
    assert!(pre.body.is_empty());
    for (auth, status) in [(Some(BASIC), 200), (None, 401), (Some("Basic eDp5"), 401)] {
        let mut headers = vec![origin];
        if let Some(a) = auth {
            headers.push(("Authorization", a));
        }
        let resp = request(addr, "GET", "/api/public/v2/observations?limit=1", &headers)
            .await
            .unwrap();
        assert_eq!(resp.status, status);
        assert_eq!(
            resp.header("access-control-allow-origin"),
            Some("http://localhost:8080")
        );
        assert_eq!(resp.header("vary"), Some("Origin"));
        assert!(resp.header("access-control-expose-headers").is_none());
    }
    let resp = request(
        addr,
        "GET",
        "/api/public/v2/observations?limit=1",
        &[("Authorization", BASIC)],
    )
    .await
    .unwrap();
    assert!(
        resp.header("access-control-allow-origin").is_none(),
        "no Origin, no ACAO"
    );
    let resp = request(addr, "GET", "/api/public/nope", &[origin])
        .await
        .unwrap();
    assert_eq!(resp.status, 404);
    assert!(
        resp.header("access-control-allow-origin").is_none(),
        "Next.js 404s have no CORS headers"
    );
    server.shutdown().await;
}

fn minute_now() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis()
        / 60_000
}

#[tokio::test]
async fn rate_limit_answers_429_with_langfuse_body_and_headers() {
    for attempt in 0..2 {
        let config = EmulatorConfig {
            rate_limit_per_minute: Some(5),
            ..EmulatorConfig::default()
        };
        let server = start(config, 5000).await;
        let addr = server.addr();
        let minute = minute_now();
        let mut statuses = Vec::new();
        let mut last = None;
        for _ in 0..6 {
            let resp = request(
                addr,
                "GET",
                "/api/public/models",
                &[("Authorization", BASIC), ("Origin", "http://a.test")],
            )
            .await
            .unwrap();
            statuses.push(resp.status);
            last = Some(resp);
        }
        // Health and projects are not limited.
        assert_eq!(
            request(addr, "GET", "/api/public/health", &[])
                .await
                .unwrap()
                .status,
            200
        );
        if minute_now() != minute && attempt == 0 {
            server.shutdown().await;
            continue; // the fixed window rolled over mid-test; try again in the new window
        }
        assert_eq!(statuses, [200, 200, 200, 200, 200, 429]);
        let resp = last.unwrap();
        let v = resp.json();
        assert_eq!(v["message"], "Rate limit exceeded");
        assert_eq!(v["code"], "rate_limited");
        assert_eq!(v["details"]["limit"], 5);
        assert_eq!(v["details"]["remaining"], 0);
        let retry: u64 = resp.header("retry-after").unwrap().parse().unwrap();
        assert!((1..=60).contains(&retry));
        assert_eq!(v["details"]["retryAfterSeconds"].as_u64(), Some(retry));
        assert!(
            v["details"]["resetAt"]
                .as_str()
                .unwrap()
                .ends_with(":00.000Z")
        );
        assert_eq!(resp.header("x-ratelimit-limit"), Some("5"));
        assert_eq!(resp.header("x-ratelimit-remaining"), Some("0"));
        assert!(
            resp.header("x-ratelimit-reset")
                .unwrap()
                .ends_with("GMT+0000 (Coordinated Universal Time)")
        );
        assert_eq!(
            resp.header("access-control-allow-origin"),
            Some("http://a.test"),
            "429 readable cross-origin"
        );
        server.shutdown().await;
        return;
    }
}

#[tokio::test]
async fn faults_are_injected_deterministically() {
    let obs = "/api/public/v2/observations?limit=5";
    let drop = start(
        EmulatorConfig {
            drop_share: 1.0,
            ..EmulatorConfig::default()
        },
        5000,
    )
    .await;
    assert!(
        request(drop.addr(), "GET", obs, &[("Authorization", BASIC)])
            .await
            .is_err(),
        "connection closed, no answer"
    );
    assert_eq!(
        request(drop.addr(), "GET", "/api/public/health", &[])
            .await
            .unwrap()
            .status,
        200,
        "health is exempt"
    );
    drop.shutdown().await;

    let cut = start(
        EmulatorConfig {
            truncate_share: 1.0,
            ..EmulatorConfig::default()
        },
        5000,
    )
    .await;
    let resp = request(cut.addr(), "GET", obs, &[("Authorization", BASIC)])
        .await
        .unwrap();
    assert_eq!(resp.status, 200);
    assert!(
        !resp.complete && !resp.body.is_empty(),
        "half a body, then the connection closes"
    );
    cut.shutdown().await;

    let fail = start(
        EmulatorConfig {
            fail_share: 1.0,
            ..EmulatorConfig::default()
        },
        5000,
    )
    .await;
    let mut seen = std::collections::HashSet::new();
    for _ in 0..30 {
        let resp = request(
            fail.addr(),
            "GET",
            obs,
            &[("Authorization", BASIC), ("Origin", "http://a.test")],
        )
        .await
        .unwrap();
        seen.insert(resp.status);
        match resp.status {
            500 => assert_eq!(resp.json()["message"], "Internal Server Error"),
            502 => assert!(
                resp.header("access-control-allow-origin").is_none(),
                "proxy errors carry no CORS"
            ),
            503 => assert_eq!(resp.json(), json!({"message": "Service Unavailable"})),
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!(seen.len(), 3);
    fail.shutdown().await;

    let outcomes = |seed: u64| async move {
        let config = EmulatorConfig {
            fail_share: 0.3,
            drop_share: 0.2,
            fault_seed: seed,
            ..EmulatorConfig::default()
        };
        let server = start(config, 5000).await;
        let mut out = Vec::new();
        for _ in 0..20 {
            out.push(
                request(server.addr(), "GET", obs, &[("Authorization", BASIC)])
                    .await
                    .map(|r| r.status)
                    .unwrap_or(0),
            );
        }
        server.shutdown().await;
        out
    };
    let a = outcomes(7).await;
    assert_eq!(a, outcomes(7).await, "same seed, same faults");
    assert_ne!(a, outcomes(8).await);
    assert!(a.contains(&0) && a.contains(&200));

    let slow = start(
        EmulatorConfig {
            slow_ms: 300,
            ..EmulatorConfig::default()
        },
        5000,
    )
    .await;
    let t = std::time::Instant::now();
    assert_eq!(
        request(slow.addr(), "GET", obs, &[("Authorization", BASIC)])
            .await
            .unwrap()
            .status,
        200
    );
    assert!(t.elapsed().as_millis() >= 300);
    slow.shutdown().await;
}

#[tokio::test]
async fn a_failing_path_answers_503_while_the_other_routes_serve() {
    let config = EmulatorConfig {
        fail_paths: vec!["/api/public/v3/scores".to_string()],
        ..EmulatorConfig::default()
    };
    let server = start(config, 500).await;
    let addr = server.addr();
    let headers = [("Authorization", BASIC), ("Origin", "http://a.test")];
    for path in [
        "/api/public/v3/scores",
        "/api/public/v3/scores/",
        "/api/public/v3/scores?limit=10",
    ] {
        let resp = request(addr, "GET", path, &headers).await.unwrap();
        assert_eq!(resp.status, 503, "{path}");
        assert_eq!(resp.json()["message"], "Service Unavailable");
        assert_eq!(
            resp.header("access-control-allow-origin"),
            Some("http://a.test"),
            "a JSON 503 is readable cross-origin"
        );
    }
    for path in [
        "/api/public/v2/observations?limit=5",
        "/api/public/models",
        "/api/public/health",
    ] {
        let resp = request(addr, "GET", path, &headers).await.unwrap();
        assert_eq!(resp.status, 200, "{path}");
    }
    server.shutdown().await;
}
