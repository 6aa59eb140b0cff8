//! The OpenAPI document of `tokenctl serve` (SPEC §9, "Description"): it
//! is the one in the source tree, and every response the server sends
//! matches it, as schemathesis checks by fuzzing every route with it, on
//! both backends.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::Env;
use crate::proxies::program;
use crate::server::{Server, admin};

/// The checks that must all pass: no 5xx, and every status, content type,
/// header and body as described; a request the document rules out is
/// refused.
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
    response_headers_conformance,response_schema_conformance,negative_data_rejection";

/// How long the whole run may take (it takes seconds).
const RUN_TIME: Duration = Duration::from_secs(600);

#[test]
fn the_served_document_is_the_one_in_the_source_tree() {
    let Some(env) = Env::new() else { return };
    env.cmd(&["init"]).run().success();
    let s = Server::start(&env, &[]);
    let r = s.req("GET", "/openapi.json").send().status(200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/serve/openapi.json");
    let want = std::fs::read(&file).unwrap();
    assert!(
        r.body == want,
        "/openapi.json differs from {}",
        file.display()
    );
    let doc = r.json();
    assert_eq!(doc["openapi"], "3.1.0");
    // HEAD has the headers alone.
    let r = s.req("HEAD", "/openapi.json").send().status(200);
    assert!(r.body.is_empty());
}

#[test]
fn schemathesis_finds_every_response_as_the_document_says() {
    let Some(env) = Env::new() else { return };
    let Some(schemathesis) = program("schemathesis", &[], "pip install schemathesis") else {
        return;
    };
    // Tokens to list, show, edit, reset and revoke; the admin token the
    // run authenticates with is kept out of its reach (the hooks).
    for i in 0..20 {
        env.create(&["--name", &format!("f{i}"), "--owner", &format!("o{i}")]);
    }
    let (admin_id, admin) = admin(&env);
    let s = Server::start(&env, &[]);

    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let work = env.dir().join("schemathesis");
    std::fs::create_dir_all(&work).unwrap();
    let output = work.join("output");
    let out = std::fs::File::create(&output).unwrap();
    let mut cmd = Command::new(&schemathesis);
    cmd.arg("run")
        .arg(format!("http://{}/openapi.json", s.addr))
        // All three: else it makes up values for the schemes it is not
        // given, and a request with two different tokens is refused.
        .args(["-H", &format!("Authorization: Bearer {admin}")])
        .args(["-H", &format!("Api-Token: {admin}")])
        .args(["-H", &format!("X-Api-Key: {admin}")])
        .args(["--checks", CHECKS])
        .args(["--max-examples", "30"])
        .args(["--phases", "examples,coverage,fuzzing,stateful"])
        // The same cases every run, so CI passes or fails on a change of
        // ours, not on a draw; TOKENCTL_FUZZ_SEED explores others.
        .args([
            "--seed",
            &std::env::var("TOKENCTL_FUZZ_SEED").unwrap_or_else(|_| "20261201".into()),
        ])
        .arg("--no-color")
        .env("SCHEMATHESIS_HOOKS", "schemathesis_hooks")
        .env("PYTHONPATH", &fixtures)
        .env("TOKENCTL_ADMIN_ID", admin_id.to_string())
        .env("NO_COLOR", "1")
        // Whatever it writes (.hypothesis, reports) stays in the sandbox.
        .current_dir(&work)
        .stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(out);
    let mut child = cmd.spawn().expect("spawn schemathesis");
    let end = Instant::now() + RUN_TIME;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > end {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "schemathesis still ran after {RUN_TIME:?}:\n{}",
                std::fs::read_to_string(&output).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let said = std::fs::read_to_string(&output).unwrap_or_default();
    assert!(
        status.success(),
        "schemathesis failed ({status}):\n{said}\nthe server's log:\n{}",
        s.stderr()
    );

    // Every operation was tried (the summary of schemathesis 4).
    let count = |label: &str| {
        let line = said.lines().find_map(|l| l.trim().strip_prefix(label));
        line.unwrap_or_else(|| panic!("no {label:?} in what schemathesis said:\n{said}"))
            .trim()
            .to_owned()
    };
    let selected = count("Selected:");
    let tested = count("Tested:");
    let (some, all) = selected.split_once('/').expect("Selected: N/M");
    assert!(
        some == all && tested == all,
        "operations selected {selected}, tested {tested}:\n{said}"
    );
    // The server lives on, and never answered 5xx.
    s.req("GET", "/healthz").send().status(200);
    let log = s.wait_stderr("GET /healthz 200 ");
    let statuses: Vec<u16> = log.lines().filter_map(access_status).collect();
    assert!(
        statuses.len() > 100,
        "only {} requests reached the server:\n{said}",
        statuses.len()
    );
    let errors: Vec<&str> = log
        .lines()
        .filter(|l| access_status(l).is_some_and(|s| s >= 500))
        .collect();
    assert!(errors.is_empty(), "5xx answers:\n{}", errors.join("\n"));
    assert!(!log.contains("panicked"), "{log}");
}

/// The status of an access line (`TIME METHOD PATH STATUS 0.876ms
/// token=2 from=ADDR`), or `None` for any other line.
fn access_status(line: &str) -> Option<u16> {
    if line.starts_with("tokenctl:") {
        return None;
    }
    let words: Vec<&str> = line.split_whitespace().collect();
    // The last word in milliseconds is the duration (the path, which a
    // client chooses, comes before it).
    let took = words.iter().rposition(|w| {
        w.strip_suffix("ms")
            .is_some_and(|n| n.parse::<f64>().is_ok())
    })?;
    words.get(took.checked_sub(1)?)?.parse().ok()
}
