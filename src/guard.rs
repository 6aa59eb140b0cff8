//! The process around a secret: not dumpable and without core files, and
//! what happens when a signal arrives while something must not be left half
//! done (a secret committed but not delivered, a terminal with echo off).

use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use signal_hook::consts::signal::{
    SIGALRM, SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGXFSZ,
};

use crate::error::{Result, runtime};

/// Signals whose default action ends the process; they are caught so the
/// undo step runs first, then the process ends as the signal says.
const FATAL: [i32; 7] = [SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGALRM, SIGUSR1, SIGUSR2];

/// How long a signal waits for a commit under way to finish, so it knows
/// whether there is a token to revoke.
const COMMIT_WAIT: Duration = Duration::from_secs(10);

/// What a signal must undo before the process ends.
pub enum Undo {
    /// Nothing: end as the signal says.
    Nothing,
    /// A transaction that issues a secret may be committing; once it has,
    /// the caller says what to undo.
    Committing,
    /// Run this, then end.
    Run(Box<dyn FnOnce(i32) + Send>),
}

struct Shared {
    undo: Mutex<Undo>,
    changed: Condvar,
}

static SHARED: OnceLock<Shared> = OnceLock::new();

fn shared() -> &'static Shared {
    SHARED.get_or_init(|| Shared {
        undo: Mutex::new(Undo::Nothing),
        changed: Condvar::new(),
    })
}

fn lock() -> MutexGuard<'static, Undo> {
    shared()
        .undo
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Makes this process hold a secret safely: no core file (`RLIMIT_CORE`
/// 0), and not dumpable (no core through a pipe handler either, and no
/// `ptrace` or `/proc/PID/mem` by other processes of the user). Two system
/// calls: cheap enough for every `verify`.
pub fn protect() -> Result<()> {
    use rustix::process::{DumpableBehavior, Resource, Rlimit, set_dumpable_behavior, setrlimit};
    let none = Rlimit {
        current: Some(0),
        maximum: Some(0),
    };
    setrlimit(Resource::Core, none)
        .map_err(|e| runtime(format!("cannot switch off core files ({e})")))?;
    set_dumpable_behavior(DumpableBehavior::NotDumpable)
        .map_err(|e| runtime(format!("cannot make the process undumpable ({e})")))?;
    Ok(())
}

/// Before something a signal must not leave half done: `SIGXFSZ` ignored,
/// so a file-size limit fails a write instead of killing the process
/// mid-delivery, and the fatal signals caught by a thread that runs the
/// current [`Undo`] first. Started once, and only by the commands that need
/// it (a thread costs a `verify` more than the rest of its start).
pub fn watch() -> Result<()> {
    static STARTED: OnceLock<std::io::Result<()>> = OnceLock::new();
    let started = STARTED.get_or_init(|| {
        // A handler that only sets a flag: the write then fails with EFBIG.
        let ignored = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        signal_hook::flag::register(SIGXFSZ, ignored)?;
        let mut signals = signal_hook::iterator::Signals::new(FATAL)?;
        std::thread::Builder::new()
            .name("signals".into())
            .spawn(move || {
                if let Some(signal) = signals.forever().next() {
                    stop(signal);
                }
            })?;
        Ok(())
    });
    started
        .as_ref()
        .map(|_| ())
        .map_err(|e| runtime(format!("cannot handle signals ({e})")))
}

/// Sets what a signal must undo from now on.
pub fn set(undo: Undo) {
    *lock() = undo;
    shared().changed.notify_all();
}

/// Runs the undo step for `signal`, then ends the process as the signal's
/// default action would. The lock stays held, so the main thread cannot
/// carry on as if nothing had happened.
fn stop(signal: i32) {
    let mut undo = lock();
    let deadline = Instant::now() + COMMIT_WAIT;
    while matches!(*undo, Undo::Committing) {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        undo = shared()
            .changed
            .wait_timeout(undo, left)
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .0;
    }
    if let Undo::Run(f) = std::mem::replace(&mut *undo, Undo::Nothing) {
        f(signal);
    }
    let _ = signal_hook::low_level::emulate_default_handler(signal);
    // Only reached if the default action did not end the process.
    std::process::exit(128 + signal);
}

/// The name of a signal, for an audit detail: `SIGTERM`.
pub fn name(signal: i32) -> String {
    signal_hook::low_level::signal_name(signal)
        .map_or_else(|| format!("signal {signal}"), str::to_owned)
}
