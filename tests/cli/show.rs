//! `show`: one token in detail, masked; unknown ids; on both backends.

use crate::Env;

#[test]
fn show_is_masked() {
    let Some(env) = Env::new() else { return };
    let (id, secret) = env.create(&[
        "--name",
        "CI deploy",
        "--owner",
        "alice",
        "--scope",
        "deploy",
    ]);
    let out = env.cmd(&["show", "1"]).run().success().stderr_is("");
    assert!(
        out.stdout.contains("CI deploy")
            && out.stdout.contains("alice")
            && out.stdout.contains("deploy")
    );
    assert!(
        out.stdout
            .contains(&format!("tok_****{}", &secret[secret.len() - 4..]))
    );
    assert!(!out.stdout.contains(&secret));
    let v = env.show(id);
    assert_eq!(v["id"], 1);
    assert_eq!(v["status"], "active");
}

#[test]
fn unknown_and_bad_ids() {
    let Some(env) = Env::new() else { return };
    env.create(&["--name", "n"]);
    env.cmd(&["show", "2"])
        .run()
        .code(5)
        .error_has("no token with id 2")
        .stdout_is("");
    env.cmd(&["show", "99999999999999999999"])
        .run()
        .code(2)
        .error_has("positive whole number");
    // No store can issue an id beyond a 64-bit signed integer.
    env.cmd(&["show", "9223372036854775807"])
        .run()
        .code(5)
        .error_has("9223372036854775807");
    env.cmd(&["show", "9223372036854775808"])
        .run()
        .code(2)
        .error_has("at most 9223372036854775807");
    env.cmd(&["show", "0"])
        .run()
        .code(2)
        .error_has("positive whole number");
    env.cmd(&["show", "-1"]).run().code(2);
    env.cmd(&["show", "x"]).run().code(2);
}
