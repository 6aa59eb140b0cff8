//! `enable` and `disable`: a reversible, idempotent switch that asks
//! nothing; on both backends.

use crate::Env;

#[test]
fn disable_then_enable_switches_verify_off_and_on() {
    let Some(env) = Env::new() else { return };
    let (id, secret) = env.create(&["--name", "n"]);
    // Reversible, so no question: it works without a terminal and --yes.
    env.cmd(&["disable", "1"])
        .run()
        .success()
        .stdout_is("")
        .stderr_is("disabled token 1\n");
    assert_eq!(env.show(id)["status"], "disabled");
    let (code, v) = env.verify(&secret, &[]);
    assert_eq!((code, v["reason"].as_str()), (3, Some("disabled")));
    env.cmd(&["enable", "1"])
        .run()
        .success()
        .stdout_is("")
        .stderr_is("enabled token 1\n");
    assert_eq!(env.show(id)["status"], "active");
    assert_eq!(env.verify(&secret, &[]).0, 0);
    assert_eq!(env.actions(id), ["created", "disabled", "enabled"]);
}

#[test]
fn switching_to_the_state_it_is_in_is_success_with_a_note() {
    let Some(env) = Env::new() else { return };
    let (id, _) = env.create(&["--name", "n"]);
    env.cmd(&["enable", "1"])
        .run()
        .success()
        .stdout_is("")
        .stderr_is("token 1 is already enabled; nothing changed\n");
    env.cmd(&["-q", "disable", "1"]).run().success();
    env.cmd(&["disable", "1"])
        .run()
        .success()
        .stderr_is("token 1 is already disabled; nothing changed\n");
    env.cmd(&["-q", "disable", "1"])
        .run()
        .success()
        .stdout_is("")
        .stderr_is("");
    // Only real changes reach the audit trail.
    assert_eq!(env.actions(id), ["created", "disabled"]);
    assert_eq!(env.show(id)["status"], "disabled");
}

#[test]
fn unknown_is_5_and_revoked_is_6() {
    let Some(env) = Env::new() else { return };
    env.create(&["--name", "n"]);
    for verb in ["enable", "disable"] {
        env.cmd(&[verb, "2"])
            .run()
            .code(5)
            .stdout_is("")
            .error_has("no token with id 2");
    }
    env.cmd(&["-q", "revoke", "1", "--yes"]).run().success();
    for verb in ["enable", "disable"] {
        env.cmd(&[verb, "1"])
            .run()
            .code(6)
            .stdout_is("")
            .error_has(&format!(
                "cannot {verb} token 1: it is revoked, and revocation is final"
            ));
    }
    assert_eq!(env.show(1)["status"], "revoked");
    assert_eq!(env.actions(1), ["created", "revoked"]);
}

#[test]
fn quiet_prints_nothing_and_json_prints_the_token() {
    let Some(env) = Env::new() else { return };
    env.create(&["--name", "n"]);
    env.cmd(&["-q", "disable", "1"])
        .run()
        .success()
        .stdout_is("")
        .stderr_is("");
    let v = env
        .cmd(&["--json", "enable", "1"])
        .run()
        .success()
        .stderr_is("enabled token 1\n")
        .json();
    assert_eq!(v["id"], 1);
    assert_eq!(v["status"], "active");
    assert_eq!(v, env.show(1));
    let v = env.cmd(&["--json", "disable", "1"]).run().success().json();
    assert_eq!(v["status"], "disabled");
    // Already so: still one document, the token as it is.
    let v = env.cmd(&["--json", "disable", "1"]).run().success().json();
    assert_eq!(v, env.show(1));
}

#[test]
fn enabling_an_expired_token_says_it_stays_invalid() {
    let Some(env) = Env::new() else { return };
    let (_, secret) = env.create(&["--name", "n"]);
    env.cmd(&["-q", "disable", "1"]).run().success();
    env.sql(&format!(
        "UPDATE tokens SET expires_at = {} WHERE id = 1",
        crate::now() - 60
    ));
    env.cmd(&["enable", "1"])
        .run()
        .success()
        .stderr_is(
            "enabled token 1\n\
             token 1 has expired, so it is still not valid; 'tokenctl reset 1' gives it a new secret and expiry\n",
        );
    assert_eq!(env.show(1)["status"], "expired");
    assert_eq!(env.verify(&secret, &[]).1["reason"], "expired");
    env.cmd(&["-q", "disable", "1"]).run().success();
    env.cmd(&["-q", "enable", "1"])
        .run()
        .success()
        .stderr_is("");
}

#[test]
fn the_actor_is_recorded() {
    let Some(env) = Env::new() else { return };
    env.create(&["--name", "n"]);
    env.cmd(&["-q", "--actor", "alice", "disable", "1"])
        .run()
        .success();
    env.cmd(&["-q", "enable", "1"])
        .env("TOKENCTL_ACTOR", "bob")
        .run()
        .success();
    let log = env.cmd(&["--json", "log", "1"]).run().success().json();
    assert_eq!(log[1]["action"], "disabled");
    assert_eq!(log[1]["actor"], "alice");
    assert_eq!(log[2]["action"], "enabled");
    assert_eq!(log[2]["actor"], "bob");
}
