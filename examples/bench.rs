//! The performance benchmark of SPEC §6; run it with `bench/run.sh`.
//!
//! It seeds databases through the library ([`Store::create_many`]), keeping
//! the secrets of a sample in memory only, then times the real `tokenctl`
//! binary as separate processes, beside `minimal_lookup` (the yardstick),
//! and prints a Markdown table of target against measured.
//!
//! Settings (environment): `BENCH_TOKENS` (default 1000000), `BENCH_RUNS`
//! (single-process runs per measurement, default 300), `BENCH_DIR` (where the
//! databases go, default `target/bench`), `BENCH_KEEP=1` (keep them),
//! `BENCH_ONLY` (some of `size,verify,batch,postgres,purge,list,create,serve,scan`),
//! `BENCH_SCAN_MIB` (the size of the scan row's tree, default 1024, 8 on a
//! debug build),
//! `BENCH_HTTP_SECS` (seconds per wrk run of the serve rows, default 10),
//! `BENCH_PG` (an empty PostgreSQL database's URL, for its rows),
//! `BENCH_BASELINE` (an older `tokenctl` binary, timed beside this one).
//! Wrong answers from the programs under test fail the benchmark; missed
//! targets are only reported.

use std::fmt::Write as _;
use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use tokenctl::core::ops::{self, NewToken};
use tokenctl::core::policy::Expiry;
use tokenctl::token::Secret;
use tokenctl::{SqliteStore, time};

type Res<T> = Result<T, Box<dyn std::error::Error>>;
/// One part of the benchmark, selected by name with `BENCH_ONLY`.
type Section = fn(&mut Bench) -> Res<()>;

const DAY: i64 = 86_400;
/// Valid secrets kept in memory for presenting: at most this many.
const SAMPLE: usize = 100_000;
/// Interleaved rounds of the batch rows (tokenctl, the yardstick, tokenctl
/// on one CPU); the median of each is compared.
const BATCH_ROUNDS: usize = 5;
/// GNU time, for peak memory (Debian package `time`).
const GNU_TIME: &str = "/usr/bin/time";

fn main() -> Res<()> {
    let tokens = env_num("BENCH_TOKENS", 1_000_000)?.max(100);
    let runs = env_num("BENCH_RUNS", 300)?.max(3);
    let only = std::env::var("BENCH_ONLY").ok();
    let wants = |section: &str| {
        only.as_deref()
            .is_none_or(|o| o.split(',').any(|s| s.trim() == section))
    };
    // bench/run.sh copies tokenctl and the minimal programs beside this one.
    let bins = match std::env::var_os("BENCH_BIN_DIR") {
        Some(d) => PathBuf::from(d),
        None => std::env::current_exe()?
            .parent()
            .ok_or("no directory for the benchmark executable")?
            .to_owned(),
    };
    let tokenctl = bins.join("tokenctl");
    let minimal = bins.join("minimal_lookup");
    for b in [&tokenctl, &minimal] {
        if !b.exists() {
            return Err(format!("{} is missing: run bench/run.sh", b.display()).into());
        }
    }
    let dir = match std::env::var_os("BENCH_DIR") {
        Some(d) => PathBuf::from(d),
        None => bins.join("../bench"),
    };
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    let mut b = Bench {
        tokenctl,
        minimal,
        dir: dir.clone(),
        big: dir.join("big.db"),
        tokens,
        runs,
        sample: Vec::new(),
        table: Table::default(),
        baseline: None,
        pg_loaded: false,
    };
    let load_before = loadavg();

    // Seeding: half the tokens active, half expired a day ago (for purge).
    let t = Instant::now();
    b.sample = seed(&b.big, tokens, true)?;
    let seed_time = t.elapsed();
    if let Some(old) = std::env::var_os("BENCH_BASELINE") {
        // A copy of its own, as this schema has it: the baseline must be a
        // revision that reads it (one of the same schema version).
        let copy = dir.join("baseline.db");
        std::fs::copy(&b.big, &copy)?;
        b.baseline = Some((PathBuf::from(old), copy));
    }
    note(format!(
        "seeded {tokens} tokens in {} through Store::create_many",
        secs(seed_time)
    ));
    let sections: [(&str, Section); 9] = [
        ("size", Bench::size),
        ("verify", Bench::verify_one),
        ("batch", Bench::batch),
        ("postgres", Bench::postgres),
        ("purge", Bench::purge),
        ("list", Bench::list),
        ("create", Bench::create),
        ("serve", Bench::serve),
        ("scan", Bench::scan),
    ];
    for (name, run) in sections {
        if wants(name) {
            run(&mut b)?;
        }
    }
    b.table.info(
        &format!("seeding {} tokens with `Store::create_many`", n(tokens)),
        format!(
            "{} ({} tokens/s)",
            secs(seed_time),
            n((tokens as f64 / seed_time.as_secs_f64()) as usize)
        ),
    );

    print!("{}", b.table.out);
    println!();
    println!("Machine: {}", machine());
    println!(
        "Load average (1, 5, 15 min) before: {load_before}; after: {}",
        loadavg()
    );
    println!(
        "Single-process medians of {runs} interleaved runs; SQLite batch: median of {BATCH_ROUNDS} interleaved rounds; PostgreSQL batch, purge and list: median of 3."
    );
    if cfg!(debug_assertions) {
        println!("This is a debug build, a smoke run: the targets are for a release build.");
    }
    if std::env::var_os("BENCH_KEEP").is_none() {
        std::fs::remove_dir_all(&dir)?;
    }
    Ok(())
}

/// The programs under test, the database of `tokens` and the results.
struct Bench {
    tokenctl: PathBuf,
    minimal: PathBuf,
    dir: PathBuf,
    big: PathBuf,
    tokens: usize,
    runs: usize,
    /// Secrets of active tokens in `big`.
    sample: Vec<Secret>,
    table: Table,
    /// An older `tokenctl` to time beside this one (`BENCH_BASELINE`), on a
    /// copy of `big` marked with the schema it reads.
    baseline: Option<(PathBuf, PathBuf)>,
    /// Whether the PostgreSQL database (`BENCH_PG`) is filled.
    pg_loaded: bool,
}

/// The sections of the benchmark.
impl Bench {
    fn size(&mut self) -> Res<()> {
        let size = std::fs::metadata(&self.big)?.len();
        let per_token = size as f64 / self.tokens as f64;
        self.table.row(
            "database size",
            "< 320 B/token",
            format!(
                "{per_token:.0} B/token ({:.1} MiB for {})",
                size as f64 / 1048576.0,
                n(self.tokens)
            ),
            per_token < 320.0,
        );
        Ok(())
    }

    /// One verify process beside the minimal program, interleaved.
    fn verify_one(&mut self) -> Res<()> {
        let big = &self.big;
        let valid = self.sample.first().ok_or("no sample token")?.expose();
        let unknown = Secret::generate(&prefix(valid))?;
        for _ in 0..self.runs / 10 + 1 {
            self.minimal(big, valid, 0)?;
            self.verify(big, valid, 0)?;
        }
        let (mut t_min, mut t_ver, mut t_unk, mut t_first) = (vec![], vec![], vec![], vec![]);
        let mut t_old = vec![];
        let mut fresh = self.sample.iter().skip(1);
        for i in 0..self.runs {
            if let Some((old, copy)) = &self.baseline {
                let mut c = Command::new(old);
                c.arg("--db").arg(copy).args(["-q", "verify"]);
                t_old.push(timed_with_stdin(c, valid, 0, "baseline verify")?);
            }
            // Alternating the order keeps either program from always going first.
            if i % 2 == 0 {
                t_min.push(self.minimal(big, valid, 0)?);
                t_ver.push(self.verify(big, valid, 0)?);
            } else {
                t_ver.push(self.verify(big, valid, 0)?);
                t_min.push(self.minimal(big, valid, 0)?);
            }
            t_unk.push(self.verify(big, unknown.expose(), 3)?);
            if let Some(s) = fresh.next() {
                t_first.push(self.verify(big, s.expose(), 0)?);
            }
        }
        let m_min = median(&mut t_min);
        let ratio = |d: Duration| d.as_secs_f64() / m_min.as_secs_f64();
        let m_ver = median(&mut t_ver);
        self.table.row(
            "`verify`, one process, valid token (use recorded < 1 min ago)",
            "≤ 1.2× minimal",
            format!("{:.2}× ({} vs {})", ratio(m_ver), ms(m_ver), ms(m_min)),
            ratio(m_ver) <= 1.2,
        );
        let m_first = median(&mut t_first);
        self.table.info(
            "`verify`, one process, first use (writes `last_used_at`)",
            format!("{:.2}× ({})", ratio(m_first), ms(m_first)),
        );
        let m_unk = median(&mut t_unk);
        self.table.info(
            "`verify`, one process, unknown token",
            format!("{:.2}× ({})", ratio(m_unk), ms(m_unk)),
        );
        if !t_old.is_empty() {
            let m_old = median(&mut t_old);
            self.table.info(
                "`verify`, one process, valid token, the baseline binary (`BENCH_BASELINE`)",
                format!("{:.2}× ({})", ratio(m_old), ms(m_old)),
            );
        }
        Ok(())
    }

    /// `tokens` lines for `verify --batch`, valid and unknown alternating.
    fn batch_input(&self) -> Res<Vec<u8>> {
        let tokens = self.tokens;
        let prefix = prefix(self.sample.first().ok_or("no sample token")?.expose());
        let mut input = Vec::with_capacity(tokens * 56);
        for i in 0..tokens {
            if i % 2 == 0 {
                let s = &self.sample[(i / 2) % self.sample.len()];
                input.extend_from_slice(s.expose().as_bytes());
            } else {
                input.extend_from_slice(Secret::generate(&prefix)?.expose().as_bytes());
            }
            input.push(b'\n');
        }
        Ok(input)
    }

    /// The PostgreSQL rows, when `BENCH_PG` names an empty database (a URL,
    /// the password in `PGPASSWORD`): seeded by `dump | load` from the
    /// SQLite database, then one `verify` beside `minimal_pg_lookup`, and
    /// `verify --batch` over the same mix as SQLite's.
    fn postgres(&mut self) -> Res<()> {
        let Ok(url) = std::env::var("BENCH_PG") else {
            note("BENCH_PG is not set: no PostgreSQL rows (bench/run.sh sets it up)".into());
            return Ok(());
        };
        let db = PathBuf::from(&url);
        self.load_pg(&db)?;
        let minimal_pg = self.minimal.with_file_name("minimal_pg_lookup");
        let valid = self
            .sample
            .first()
            .ok_or("no sample token")?
            .expose()
            .to_owned();
        let minimal = |want| {
            let mut c = Command::new(&minimal_pg);
            c.arg(&url);
            timed_with_stdin(c, &valid, want, "minimal_pg_lookup")
        };
        for _ in 0..self.runs / 10 + 1 {
            minimal(0)?;
            self.verify(&db, &valid, 0)?;
        }
        let (mut t_min, mut t_ver) = (vec![], vec![]);
        for i in 0..self.runs {
            if i % 2 == 0 {
                t_min.push(minimal(0)?);
                t_ver.push(self.verify(&db, &valid, 0)?);
            } else {
                t_ver.push(self.verify(&db, &valid, 0)?);
                t_min.push(minimal(0)?);
            }
        }
        let (m_min, m_ver) = (median(&mut t_min), median(&mut t_ver));
        let ratio = m_ver.as_secs_f64() / m_min.as_secs_f64();
        self.table.row(
            "`verify`, one process, PostgreSQL on the same machine",
            "≤ 1.5× minimal",
            format!("{ratio:.2}× ({} vs {})", ms(m_ver), ms(m_min)),
            ratio <= 1.5,
        );
        let input = self.batch_input()?;
        let m = self.median_batch(&db, &input)?;
        let rate = self.tokens as f64 / m.as_secs_f64();
        self.table.row(
            &format!(
                "`verify --batch`, PostgreSQL, {} lines, half valid",
                n(self.tokens)
            ),
            "≥ 100,000 tokens/s",
            format!("{} tokens/s ({})", n(rate as usize), secs(m)),
            rate >= 100_000.0,
        );
        Ok(())
    }

    /// Fills the PostgreSQL database `db` from the SQLite one by `dump |
    /// load`, once.
    fn load_pg(&mut self, db: &Path) -> Res<()> {
        if self.pg_loaded {
            return Ok(());
        }
        let t = Instant::now();
        let dump = self.cmd(&self.big, &["dump"]).output()?;
        check(dump.status, 0, "dump")?;
        let mut load = self.cmd(db, &["-q", "load"]);
        load.stdin(Stdio::piped());
        let mut child = load.spawn()?;
        let mut stdin = child.stdin.take().ok_or("no stdin")?;
        stdin.write_all(&dump.stdout)?;
        drop(stdin);
        check(child.wait()?, 0, "load")?;
        let seeded = t.elapsed();
        note(format!(
            "PostgreSQL: loaded {} tokens in {}",
            self.tokens,
            secs(seeded)
        ));
        self.table.info(
            &format!(
                "`dump \\| load` of {} tokens into PostgreSQL",
                n(self.tokens)
            ),
            format!(
                "{} ({} tokens/s)",
                secs(seeded),
                n((self.tokens as f64 / seeded.as_secs_f64()) as usize)
            ),
        );
        // A bulk load leaves the tables to autovacuum, which would run
        // during the measurements: settle them first.
        let url = db.to_string_lossy();
        match Command::new("psql")
            .args(["-q", "-X", "-c", "VACUUM ANALYZE", &url])
            .status()
        {
            Ok(s) if s.success() => {}
            _ => note("could not VACUUM ANALYZE the PostgreSQL database (psql)".into()),
        }
        self.pg_loaded = true;
        Ok(())
    }

    /// `GET /auth` through `tokenctl serve` under wrk (64 keep-alive
    /// connections, valid tokens), beside `minimal_http` (the same stack
    /// answering 200 without a lookup), interleaved, on SQLite and, with
    /// `BENCH_PG`, PostgreSQL.
    fn serve(&mut self) -> Res<()> {
        let Some(wrk) = which("wrk") else {
            note("wrk is not installed (apt-get install wrk): no serve rows".into());
            return Ok(());
        };
        let secs = env_num("BENCH_HTTP_SECS", 10)?.max(1);
        // wrk presents up to 1,000 valid tokens in turn; the minimal server
        // gets the same requests.
        let mut lua = String::from("local tokens = {\n");
        for s in self.sample.iter().take(1000) {
            let _ = writeln!(lua, "  \"{}\",", s.expose());
        }
        lua.push_str(
            "}\nlocal i = 0\nrequest = function()\n  i = i % #tokens + 1\n  \
             return wrk.format(\"GET\", \"/auth\", { [\"Authorization\"] = \"Bearer \" .. tokens[i] })\nend\n",
        );
        let script = self.dir.join("tokens.lua");
        std::fs::write(&script, lua)?;
        let mut targets = vec![("SQLite", self.big.clone())];
        if let Ok(url) = std::env::var("BENCH_PG") {
            let db = PathBuf::from(url);
            self.load_pg(&db)?;
            targets.push(("PostgreSQL", db));
        }
        for (backend, db) in targets {
            let minimal =
                Listening::start(Command::new(self.minimal.with_file_name("minimal_http")))?;
            let mut c = self.cmd(&db, &["serve", "--listen", "127.0.0.1:0"]);
            c.stderr(Stdio::piped());
            let served = Listening::start(c)?;
            let run = |addr: &str, secs: usize, what: &str| -> Res<Wrk> {
                let out = Command::new(&wrk)
                    .args(["-t2", "-c64", "--latency", "-s"])
                    .arg(&script)
                    .arg(format!("-d{secs}s"))
                    .arg(format!("http://{addr}/auth"))
                    .output()?;
                check(out.status, 0, "wrk")?;
                Wrk::parse(&String::from_utf8_lossy(&out.stdout), what)
            };
            run(&minimal.addr, 1, "minimal_http")?;
            run(&served.addr, 1, "serve")?;
            let (mut min, mut srv) = (vec![], vec![]);
            for round in 0..2 {
                if round % 2 == 0 {
                    min.push(run(&minimal.addr, secs, "minimal_http")?);
                    srv.push(run(&served.addr, secs, "serve")?);
                } else {
                    srv.push(run(&served.addr, secs, "serve")?);
                    min.push(run(&minimal.addr, secs, "minimal_http")?);
                }
            }
            let code = served.stop()?;
            minimal.stop()?;
            check_code(code, 0, "serve after SIGTERM")?;
            let best = |v: &[Wrk]| {
                let rps = v.iter().map(|w| w.rps).fold(0.0, f64::max);
                let p99 = v.iter().map(|w| w.p99_ms).fold(f64::MAX, f64::min);
                (rps, p99)
            };
            let ((m_rps, m_p99), (s_rps, s_p99)) = (best(&min), best(&srv));
            let ratio = s_rps / m_rps;
            self.table.row(
                &format!("`serve`, `GET /auth`, valid tokens, 64 connections, {backend}"),
                "≥ 0.6× minimal req/s",
                format!(
                    "{ratio:.2}× ({} vs {} req/s)",
                    n(s_rps as usize),
                    n(m_rps as usize)
                ),
                ratio >= 0.6,
            );
            let lat = s_p99 / m_p99;
            self.table.row(
                &format!("`serve`, `GET /auth`, p99 latency, {backend}"),
                "≤ 2× minimal p99",
                format!("{lat:.2}× ({s_p99:.2} ms vs {m_p99:.2} ms)"),
                lat <= 2.0,
            );
        }
        Ok(())
    }

    /// `scan` of a generated tree of text files with real tokens planted,
    /// beside ripgrep searching the regular expression of `scan --rules
    /// gitleaks` over the same tree (both with their default walk, a thread
    /// per core), interleaved, after a run of each that fills the page
    /// cache. Both must find exactly the planted tokens.
    fn scan(&mut self) -> Res<()> {
        let Some(rg) = which("rg") else {
            note("ripgrep is not installed (apt-get install ripgrep): no scan row".into());
            return Ok(());
        };
        let default_mib = if cfg!(debug_assertions) { 8 } else { 1024 };
        let mib = env_num("BENCH_SCAN_MIB", default_mib)?.max(1);
        let planted = 300.min(self.sample.len());
        let tree = self.dir.join("scan-tree");
        let t = Instant::now();
        let (files, bytes) = scan_tree(&tree, mib << 20, &self.sample[..planted])?;
        note(format!(
            "scan: wrote {files} files, {} MiB, {planted} tokens planted, in {}",
            bytes >> 20,
            secs(t.elapsed())
        ));
        let rule = self
            .cmd(&self.big, &["scan", "--rules", "gitleaks"])
            .output()?;
        check(rule.status, 0, "scan --rules gitleaks")?;
        let rule = String::from_utf8(rule.stdout)?;
        let regex = rule
            .split("regex = '''")
            .nth(1)
            .and_then(|r| r.split("'''").next())
            .ok_or("no regex in the gitleaks rule")?
            .to_owned();
        let ours = || -> Res<Duration> {
            let mut c = self.cmd(&self.big, &["scan", "--format", "jsonl"]);
            c.arg(&tree).stdout(Stdio::piped()).stderr(Stdio::null());
            let t = Instant::now();
            let out = c.output()?;
            let took = t.elapsed();
            check(out.status, 7, "scan")?;
            let found = out
                .stdout
                .split(|&b| b == b'\n')
                .filter(|l| !l.is_empty())
                .count();
            let active = out
                .stdout
                .windows(17)
                .filter(|w| w == br#""status":"active""#)
                .count();
            // Each token object carries a status of its own.
            if found != planted || active != 2 * planted {
                return Err(format!(
                    "scan found {found} tokens ({active} active), {planted} planted"
                )
                .into());
            }
            Ok(took)
        };
        let theirs = || -> Res<Duration> {
            let mut c = Command::new(&rg);
            c.args(["--no-unicode", "--count", "--no-messages", "-e", &regex])
                .arg(&tree)
                .stdin(Stdio::null())
                .stderr(Stdio::null());
            let t = Instant::now();
            let out = c.output()?;
            let took = t.elapsed();
            check(out.status, 0, "rg")?;
            let found: usize = String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter_map(|l| l.rsplit(':').next()?.parse::<usize>().ok())
                .sum();
            if found != planted {
                return Err(format!("rg found {found} tokens, {planted} planted").into());
            }
            Ok(took)
        };
        ours()?;
        theirs()?;
        let (mut t_ours, mut t_rg) = (vec![], vec![]);
        for i in 0..3 {
            if i % 2 == 0 {
                t_ours.push(ours()?);
                t_rg.push(theirs()?);
            } else {
                t_rg.push(theirs()?);
                t_ours.push(ours()?);
            }
        }
        let rate = |d: Duration| bytes as f64 / d.as_secs_f64();
        let (ours, rg) = (rate(median(&mut t_ours)), rate(median(&mut t_rg)));
        let ratio = ours / rg;
        note(format!(
            "scan: {:.0} MB/s, rg: {:.0} MB/s",
            ours / 1e6,
            rg / 1e6
        ));
        self.table.row(
            &format!(
                "`scan` of {} MiB of text in {} files, {planted} tokens planted",
                n((bytes >> 20) as usize),
                n(files)
            ),
            "≥ 0.5× ripgrep bytes/s",
            format!(
                "{ratio:.2}× ({} vs {} MB/s)",
                n((ours / 1e6) as usize),
                n((rg / 1e6) as usize)
            ),
            ratio >= 0.5,
        );
        if std::env::var_os("BENCH_KEEP").is_none() {
            std::fs::remove_dir_all(&tree)?;
        }
        Ok(())
    }

    /// The median of three runs of `verify --batch` over `input`.
    fn median_batch(&self, db: &Path, input: &[u8]) -> Res<Duration> {
        let mut times = vec![];
        for _ in 0..3 {
            times.push(self.one_batch(db, input, false)?);
        }
        Ok(median(&mut times))
    }

    /// One run of `verify --batch` over `input`, checked: every line
    /// answered, half valid.
    fn one_batch(&self, db: &Path, input: &[u8], one_cpu: bool) -> Res<Duration> {
        let tokens = self.tokens;
        let (took, out) = self.run_batch_on(db, input, one_cpu)?;
        let (lines, valid) = (out.lines, out.valid);
        if lines != tokens || valid != tokens.div_ceil(2) {
            return Err(format!(
                "verify --batch on {} answered {lines} lines, {valid} valid; expected {tokens}, {}",
                db.display(),
                tokens.div_ceil(2)
            )
            .into());
        }
        note(format!(
            "verify --batch{}: {tokens} lines in {} ({:.0}/s, peak RSS {})",
            if one_cpu { " on one CPU" } else { "" },
            secs(took),
            tokens as f64 / took.as_secs_f64(),
            out.kib.map_or_else(|| "n/a".into(), mib)
        ));
        Ok(took)
    }

    /// verify --batch over `tokens` lines, valid and unknown alternating.
    fn batch(&mut self) -> Res<()> {
        let tokens = self.tokens;
        let input = self.batch_input()?;
        if std::env::var_os("BENCH_KEEP").is_some() {
            // For profiling by hand, beside the database it was made for.
            std::fs::write(self.dir.join("batch-input.txt"), &input)?;
        }
        // One run first that nobody times: it finds the file in the page
        // cache as every later run does. Then rounds of tokenctl, the
        // yardstick and tokenctl on one CPU (no second connection: what a
        // group costs on one core), interleaved, the order turning.
        let one_cpu = which("taskset").is_some();
        self.one_minimal_batch(&self.big, &input)?;
        let (mut t_ours, mut t_yard, mut t_one) = (vec![], vec![], vec![]);
        for round in 0..BATCH_ROUNDS {
            for k in 0..3 {
                match (round + k) % 3 {
                    0 => t_ours.push(self.one_batch(&self.big, &input, false)?),
                    1 => t_yard.push(self.one_minimal_batch(&self.big, &input)?),
                    _ if one_cpu => t_one.push(self.one_batch(&self.big, &input, true)?),
                    _ => {}
                }
            }
        }
        let ours = median(&mut t_ours);
        if let Some((old, copy)) = self.baseline.clone() {
            let mut old_times = vec![];
            for _ in 0..3 {
                let mut c = Command::new(&old);
                c.arg("--db").arg(&copy).args(["verify", "--batch"]);
                c.stdin(Stdio::piped())
                    .stdout(Stdio::null())
                    .stderr(Stdio::inherit());
                let t = Instant::now();
                let mut child = c.spawn()?;
                let mut stdin = child.stdin.take().ok_or("no stdin")?;
                stdin.write_all(&input)?;
                drop(stdin);
                check(child.wait()?, 0, "baseline verify --batch")?;
                old_times.push(t.elapsed());
            }
            let m = median(&mut old_times);
            self.table.info(
                "`verify --batch`, the same lines, the baseline binary (`BENCH_BASELINE`)",
                format!(
                    "{} tokens/s ({})",
                    n((tokens as f64 / m.as_secs_f64()) as usize),
                    secs(m)
                ),
            );
        }
        let m = ours;
        let rate = tokens as f64 / m.as_secs_f64();
        let yard = median(&mut t_yard);
        let yard_rate = tokens as f64 / yard.as_secs_f64();
        let ratio = rate / yard_rate;
        self.table.row(
            &format!(
                "`verify --batch`, {} lines, half valid, half unknown",
                n(tokens)
            ),
            "≥ 0.9× minimal (tuned) tokens/s",
            format!(
                "{ratio:.2}× ({} vs {} tokens/s)",
                n(rate as usize),
                n(yard_rate as usize)
            ),
            ratio >= 0.9,
        );
        if one_cpu {
            let one = median(&mut t_one);
            let one_rate = tokens as f64 / one.as_secs_f64();
            self.table.info(
                "`verify --batch`, the same lines, on one CPU (`taskset -c 0`)",
                format!(
                    "{:.2}× ({} tokens/s)",
                    one_rate / yard_rate,
                    n(one_rate as usize)
                ),
            );
        }
        Ok(())
    }

    /// One run of `minimal_batch` over `input`, checked: every line
    /// answered, half found.
    fn one_minimal_batch(&self, db: &Path, input: &[u8]) -> Res<Duration> {
        let program = self.minimal.with_file_name("minimal_batch");
        let mut c = Command::new(&program);
        c.arg(db)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let t = Instant::now();
        let mut child = c.spawn()?;
        let mut stdin = child.stdin.take().ok_or("no stdin")?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (lines, found) = std::thread::scope(|s| -> Res<(usize, usize)> {
            s.spawn(move || stdin.write_all(input));
            let (mut lines, mut found) = (0, 0);
            for line in std::io::BufReader::with_capacity(1 << 20, stdout).split(b'\n') {
                lines += 1;
                found += usize::from(line? == b"1");
            }
            Ok((lines, found))
        })?;
        check(child.wait()?, 0, "minimal_batch")?;
        let took = t.elapsed();
        if lines != self.tokens || found != self.tokens.div_ceil(2) {
            return Err(format!("minimal_batch answered {lines} lines, {found} found").into());
        }
        note(format!(
            "minimal_batch: {} lines in {}",
            self.tokens,
            secs(took)
        ));
        Ok(took)
    }

    /// purge of the expired half, on a fresh copy each run.
    fn purge(&mut self) -> Res<()> {
        let tokens = self.tokens;
        let mut times = vec![];
        for _ in 0..3 {
            let copy = self.dir.join("purge.db");
            std::fs::copy(&self.big, &copy)?;
            let t = Instant::now();
            let out = self
                .cmd(&copy, &["--json", "purge"])
                .stderr(Stdio::inherit())
                .output()?;
            let took = t.elapsed();
            check(out.status, 0, "purge")?;
            let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
            if v["purged"].as_u64() != Some((tokens / 2) as u64) {
                let purged = &v["purged"];
                return Err(format!("purge reported {purged}, expected {}", tokens / 2).into());
            }
            note(format!("purge: {} tokens in {}", tokens / 2, secs(took)));
            times.push(took);
            std::fs::remove_file(&copy)?;
        }
        let m = median(&mut times);
        self.table.row(
            &format!(
                "`purge` of {} expired tokens (of {})",
                n(tokens / 2),
                n(tokens)
            ),
            "< 5 s",
            secs(m),
            m < Duration::from_secs(5),
        );
        Ok(())
    }

    /// list --json: time, and peak memory against the number of rows.
    fn list(&mut self) -> Res<()> {
        let tokens = self.tokens;
        for (count, target) in [(tokens / 100, false), (tokens / 10, true), (tokens, false)] {
            let db = if count == tokens {
                self.big.clone()
            } else {
                let db = self.dir.join(format!("list-{count}.db"));
                seed(&db, count, false)?;
                db
            };
            let mut times = vec![];
            let mut peak = None;
            for _ in 0..3 {
                let (took, kib) = self.run_list(&db, count)?;
                times.push(took);
                peak = peak.max(kib);
            }
            let m = median(&mut times);
            let mem = peak.map_or_else(|| "max RSS n/a".into(), |k| format!("max RSS {}", mib(k)));
            let what = format!("`list --json` of {} tokens", n(count));
            if target {
                self.table.row(
                    &what,
                    "< 2 s, memory flat",
                    format!("{}, {mem}", secs(m)),
                    m < Duration::from_secs(2),
                );
            } else {
                self.table.info(&what, format!("{}, {mem}", secs(m)));
            }
        }
        Ok(())
    }

    /// create, one process each, on the database of `tokens`.
    fn create(&mut self) -> Res<()> {
        let mut times = vec![];
        for _ in 0..(self.runs / 4).max(3) {
            let t = Instant::now();
            let out = self
                .cmd(&self.big, &["-q", "create", "--name", "bench create"])
                .stderr(Stdio::inherit())
                .output()?;
            times.push(t.elapsed());
            check(out.status, 0, "create")?;
            if tokenctl::token::parse(String::from_utf8_lossy(&out.stdout).trim()).is_none() {
                return Err("create printed no token".into());
            }
        }
        let m = median(&mut times);
        self.table.info(
            &format!("`create`, one process, into {} tokens", n(self.tokens)),
            ms(m),
        );
        Ok(())
    }
}

/// What `verify --batch` answered, and its peak memory.
struct BatchOut {
    lines: usize,
    valid: usize,
    kib: Option<u64>,
}

impl Bench {
    fn cmd(&self, db: &Path, args: &[&str]) -> Command {
        let mut c = Command::new(&self.tokenctl);
        c.arg("--db").arg(db).args(args).stdin(Stdio::null());
        c
    }

    /// One run of the minimal program with `token` on stdin.
    fn minimal(&self, db: &Path, token: &str, want: i32) -> Res<Duration> {
        let mut c = Command::new(&self.minimal);
        c.arg(db);
        timed_with_stdin(c, token, want, "minimal_lookup")
    }

    /// One `tokenctl -q verify` process with `token` on stdin.
    fn verify(&self, db: &Path, token: &str, want: i32) -> Res<Duration> {
        timed_with_stdin(self.cmd(db, &["-q", "verify"]), token, want, "verify")
    }

    /// One `tokenctl verify --batch` over `input`, counting its answers.
    /// One `tokenctl verify --batch` over `input` on database `db`.
    fn run_batch_on(&self, db: &Path, input: &[u8], one_cpu: bool) -> Res<(Duration, BatchOut)> {
        let mut c = self.measured_on(db, &["verify", "--batch"], one_cpu);
        c.stdin(Stdio::piped());
        let t = Instant::now();
        let mut child = c.spawn()?;
        let mut stdin = child.stdin.take().ok_or("no stdin")?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let out = std::thread::scope(|s| -> Res<BatchOut> {
            s.spawn(move || stdin.write_all(input));
            let mut out = BatchOut {
                lines: 0,
                valid: 0,
                kib: None,
            };
            for line in std::io::BufReader::with_capacity(1 << 20, stdout).split(b'\n') {
                let line = line?;
                out.lines += 1;
                out.valid += usize::from(line.starts_with(br#"{"valid":true"#));
            }
            Ok(out)
        })?;
        let status = child.wait()?;
        let took = t.elapsed();
        check(status, 0, "verify --batch")?;
        let out = BatchOut {
            kib: self.peak_rss()?,
            ..out
        };
        Ok((took, out))
    }

    /// `tokenctl --db DB ARGS` under GNU time, which leaves its peak RSS
    /// for [`Bench::peak_rss`]; plain `tokenctl` where there is no GNU time.
    /// stdout is piped.
    fn measured(&self, db: &Path, args: &[&str]) -> Command {
        self.measured_on(db, args, false)
    }

    /// [`Bench::measured`], on the first CPU alone when `one_cpu` (through
    /// util-linux's taskset: tokenctl then sees one core).
    fn measured_on(&self, db: &Path, args: &[&str], one_cpu: bool) -> Command {
        let rss_file = self.dir.join("rss.txt");
        let _ = std::fs::remove_file(&rss_file);
        let mut program: Vec<std::ffi::OsString> = Vec::new();
        if one_cpu {
            program.extend(["taskset".into(), "-c".into(), "0".into()]);
        }
        if Path::new(GNU_TIME).exists() {
            program.extend([GNU_TIME.into(), "-f".into(), "%M".into(), "-o".into()]);
            program.push(rss_file.into());
        }
        program.push(self.tokenctl.clone().into());
        let mut c = Command::new(&program[0]);
        c.args(&program[1..]);
        c.arg("--db")
            .arg(db)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped());
        c
    }

    /// Peak RSS in KiB of the last [`Bench::measured`] command, if known.
    fn peak_rss(&self) -> Res<Option<u64>> {
        let rss_file = self.dir.join("rss.txt");
        if !rss_file.exists() {
            return Ok(None);
        }
        Ok(Some(std::fs::read_to_string(rss_file)?.trim().parse()?))
    }

    /// One `tokenctl --json list`; returns the wall time and the peak RSS in
    /// KiB when GNU time is there to tell it.
    fn run_list(&self, db: &Path, count: usize) -> Res<(Duration, Option<u64>)> {
        let mut c = self.measured(db, &["--json", "list"]);
        let t = Instant::now();
        let mut child = c.spawn()?;
        let mut stdout = child.stdout.take().ok_or("no stdout")?;
        let mut body = Vec::new();
        stdout.read_to_end(&mut body)?;
        let status = child.wait()?;
        let took = t.elapsed();
        check(status, 0, "list")?;
        let rows = body.windows(6).filter(|w| w == br#"{"id":"#).count();
        if rows < count || !body.starts_with(b"[") || !body.ends_with(b"]\n") {
            return Err(format!("list --json printed {rows} tokens, expected {count}").into());
        }
        Ok((took, self.peak_rss()?))
    }
}

/// Seeds `count` tokens into a new database at `path` in one transaction;
/// with `expired_half`, every other one expired a day ago. Returns the
/// secrets of a sample of the active ones.
fn seed(path: &Path, count: usize, expired_half: bool) -> Res<Vec<Secret>> {
    let now = time::now();
    let mut store = SqliteStore::open(path, None)?;
    let new: Vec<NewToken> = (0..count)
        .map(|i| NewToken {
            name: format!("bench token {i}"),
            owner: Some(format!("owner{}@example.com", i % 1000)),
            scopes: vec![],
            expiry: Expiry::At(time::Timestamp(if expired_half && i % 2 == 1 {
                now - DAY
            } else {
                now + 180 * DAY
            })),
            replace: None,
        })
        .collect();
    let mut sample = Vec::new();
    let mut i = 0;
    // Issued two days ago, so that half of them can have expired since.
    ops::create_many(
        &mut store,
        &new,
        "bench",
        now - 2 * DAY,
        &mut |_, secret| {
            if (!expired_half || i % 2 == 0) && sample.len() < SAMPLE {
                sample.push(secret);
            }
            i += 1;
            Ok(())
        },
    )?;
    Ok(sample)
}

/// Writes a tree of text files of about `size` bytes in all under `dir`
/// (64 directories, files of 256 KiB to 2 MiB, so some are read in more
/// than one piece), lines of words from a seeded generator, each token of
/// `plant` on a line of its own, spread evenly. Returns the number of
/// files and bytes.
fn scan_tree(dir: &Path, size: usize, plant: &[Secret]) -> Res<(usize, u64)> {
    const WORDS: [&str; 24] = [
        "token", "deploy", "the", "of", "request", "config", "value", "server", "alpha", "user",
        "return", "function", "key", "id", "error", "let", "mut", "string", "path", "file", "tok",
        "_", "base62", "checksum",
    ];
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut sizes = Vec::new();
    let mut total = 0;
    while total < size {
        let s = ((256 << 10) * (1 + sizes.len() % 8)).min(size - total);
        sizes.push(s);
        total += s;
    }
    let files = sizes.len();
    let mut bytes = 0u64;
    for (i, &len) in sizes.iter().enumerate() {
        let sub = dir.join(format!("d{:02}", i % 64));
        std::fs::create_dir_all(&sub)?;
        // The tokens that fall in this file, and where.
        let here: Vec<(usize, &Secret)> = plant
            .iter()
            .enumerate()
            .filter(|(j, _)| j * files / plant.len() == i)
            .collect();
        let mut spots: Vec<usize> = (0..here.len())
            .map(|k| (here.len() - k) * len / (here.len() + 1))
            .collect();
        let mut here = here.into_iter();
        let mut text = Vec::with_capacity(len + 128);
        while text.len() < len {
            let mut line = 0;
            while line < 70 {
                let w = WORDS[(next() % WORDS.len() as u64) as usize];
                text.extend_from_slice(w.as_bytes());
                text.push(if next() % 5 == 0 { b'_' } else { b' ' });
                line += w.len() + 1;
            }
            text.push(b'\n');
            if spots.last().is_some_and(|&at| text.len() >= at) {
                spots.pop();
                if let Some((j, s)) = here.next() {
                    text.extend_from_slice(format!("TOKEN_{j}={}\n", s.expose()).as_bytes());
                }
            }
        }
        for (j, s) in here {
            text.extend_from_slice(format!("TOKEN_{j}={}\n", s.expose()).as_bytes());
        }
        bytes += text.len() as u64;
        std::fs::write(sub.join(format!("f{i:05}.txt")), &text)?;
    }
    Ok((files, bytes))
}

/// The prefix of a token.
fn prefix(token: &str) -> String {
    token.split('_').next().unwrap_or("tok").to_owned()
}

/// Runs `c` with `token` on stdin and checks its exit code.
fn timed_with_stdin(mut c: Command, token: &str, want: i32, what: &str) -> Res<Duration> {
    c.stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    let t = Instant::now();
    let mut child = c.spawn()?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    // A program that exits before reading closes the pipe; its exit code tells.
    let _ = writeln!(stdin, "{token}");
    drop(stdin);
    let status = child.wait()?;
    let took = t.elapsed();
    check(status, want, what)?;
    Ok(took)
}

fn check(status: ExitStatus, want: i32, what: &str) -> Res<()> {
    if status.code() != Some(want) {
        return Err(format!("{what} exited with {status}, expected {want}").into());
    }
    Ok(())
}

/// The Markdown table of results.
#[derive(Default)]
struct Table {
    out: String,
}

impl Table {
    /// A measurement against its target.
    fn row(&mut self, what: &str, target: &str, measured: String, met: bool) {
        self.add(what, target, measured, if met { "yes" } else { "**no**" });
    }

    /// A measurement the SPEC sets no target for.
    fn info(&mut self, what: &str, measured: String) {
        self.add(what, "-", measured, "-");
    }

    fn add(&mut self, what: &str, target: &str, measured: String, met: &str) {
        if self.out.is_empty() {
            self.out
                .push_str("| measurement | target | measured | met |\n|---|---|---|---|\n");
        }
        let _ = writeln!(self.out, "| {what} | {target} | {measured} | {met} |");
    }
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort_unstable();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn env_num(name: &str, default: usize) -> Res<usize> {
    match std::env::var(name) {
        Ok(v) => Ok(v.replace('_', "").parse()?),
        Err(_) => Ok(default),
    }
}

fn note(msg: String) {
    eprintln!("bench: {msg}");
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

/// 1000000 as `1,000,000`.
fn n(x: usize) -> String {
    let s = x.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "n/a".into())
}

/// CPU count and model, and memory, from /proc.
fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, usize::from);
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']).to_owned())
        .unwrap_or_else(|| "unknown CPU".into());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_kib: u64 = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|l| l.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    format!(
        "{cpus} CPUs ({model}), {:.1} GiB memory, Linux",
        mem_kib as f64 / 1048576.0
    )
}

/// A server started for the benchmark, and where it listens (from its
/// `listening on http://ADDR` line on stderr).
struct Listening {
    child: std::process::Child,
    addr: String,
}

impl Listening {
    fn start(mut c: Command) -> Res<Listening> {
        c.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = c.spawn()?;
        let stderr = child.stderr.take().ok_or("no stderr")?;
        let mut lines = std::io::BufReader::new(stderr).lines();
        let addr = loop {
            let line = lines
                .next()
                .ok_or("the server ended before it listened")??;
            if let Some(rest) = line.split("listening on http://").nth(1) {
                break rest.trim().to_owned();
            }
        };
        // The access log goes on being read, so the server never blocks on it.
        std::thread::spawn(move || for _ in lines {});
        Ok(Listening { child, addr })
    }

    /// SIGTERM, then its exit code.
    fn stop(mut self) -> Res<Option<i32>> {
        let pid = i32::try_from(self.child.id())?;
        Command::new("kill").arg(pid.to_string()).status()?;
        Ok(self.child.wait()?.code())
    }
}

impl Drop for Listening {
    /// A run that failed half way leaves no server behind.
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// What one wrk run measured.
struct Wrk {
    rps: f64,
    p99_ms: f64,
}

impl Wrk {
    fn parse(out: &str, what: &str) -> Res<Wrk> {
        if out.contains("Non-2xx or 3xx responses") || out.contains("Socket errors") {
            return Err(format!("{what} answered wrongly under wrk:\n{out}").into());
        }
        let rps = out
            .lines()
            .find_map(|l| l.trim().strip_prefix("Requests/sec:"))
            .ok_or_else(|| format!("no Requests/sec in wrk's output:\n{out}"))?
            .trim()
            .parse()?;
        let p99 = out
            .lines()
            .find_map(|l| l.trim().strip_prefix("99%"))
            .ok_or_else(|| format!("no 99% latency in wrk's output:\n{out}"))?
            .trim();
        let (num, unit) = p99.split_at(
            p99.find(|c: char| c.is_ascii_alphabetic())
                .ok_or("no unit")?,
        );
        let num: f64 = num.parse()?;
        let p99_ms = match unit {
            "us" => num / 1000.0,
            "ms" => num,
            "s" => num * 1000.0,
            _ => return Err(format!("latency unit {unit}").into()),
        };
        Ok(Wrk { rps, p99_ms })
    }
}

/// A program on PATH.
fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

fn check_code(code: Option<i32>, want: i32, what: &str) -> Res<()> {
    if code == Some(want) {
        Ok(())
    } else {
        Err(format!("{what}: exit {code:?}, expected {want}").into())
    }
}
