//! The `piiscan` binary: parse arguments, run the library, map the result to an exit code.

mod cli;

use clap::Parser;
use cli::{Cli, ColorArg, Command, FailOnArg, FormatArg, MergeArgs, ScanArgs, TierPolicyArg};
use piiscan::container::Limits;
use piiscan::report::{write_report, Format, ReportOptions};
use piiscan::severity::Verdict;
use piiscan::source::TextPolicy;
use piiscan::walk::WalkOptions;
use piiscan::{rules, Exit, ScanConfig, TierPolicy};
use std::io::{BufWriter, IsTerminal, Write};
use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let exit = match cli.command {
        Command::Scan(args) => scan(args),
        Command::Rules { check, patterns } => rules_command(check, &patterns),
        Command::Merge(args) => merge(args),
        Command::Generate { format, rows, seed } => generate(format, rows, seed),
    };
    ExitCode::from(exit as u8)
}

fn config_from(args: &ScanArgs) -> Result<ScanConfig, String> {
    if args.threads == Some(0) {
        return Err("invalid value for -j/--threads: must be at least 1 (omit it for one thread per core)".into());
    }
    Ok(ScanConfig {
        paths: args.paths.clone(),
        threads: args.threads,
        max_findings_per_file: (args.max_findings_per_file > 0).then_some(args.max_findings_per_file),
        walk: WalkOptions {
            follow_links: args.follow,
            hidden: args.hidden,
            no_ignore: args.no_ignore,
            globs: args.globs.clone(),
            max_filesize: args.max_filesize,
            stdin_name: args.stdin_name.clone(),
            threads: None,
        },
        text: TextPolicy { force: args.text, no_archives: args.no_archives },
        limits: Limits {
            max_bytes: args.max_archive_bytes,
            max_ratio: args.max_archive_ratio,
            max_entries: args.max_archive_entries,
            max_depth: args.max_archive_depth,
        },
        progress: None,
        include_masked: args.include_masked,
        tier_policy: match args.tier_policy {
            TierPolicyArg::Textual => TierPolicy::Textual,
            TierPolicyArg::Strict => TierPolicy::Strict,
        },
        pattern_files: args.patterns.clone(),
        insider: args.insider,
        assess: args.summary || matches!(args.fail_on, Some(FailOnArg::Serious | FailOnArg::EspeciallySerious)),
        summary_out: args.summary_out.clone(),
        summary_key: args.summary_key.clone(),
    })
}

fn scan(args: ScanArgs) -> Exit {
    let mut config = match config_from(&args) {
        Ok(c) => c,
        Err(msg) => {
            eprintln!("piiscan: {msg}");
            return Exit::Incomplete;
        }
    };
    let line = (!args.quiet && std::io::stderr().is_terminal()).then(|| {
        let progress = std::sync::Arc::new(piiscan::scan::Progress::new());
        config.progress = Some(progress.clone());
        ProgressLine::start(progress)
    });
    let outcome = piiscan::run(&config);
    if let Some(line) = line {
        line.stop();
    }
    let outcome = match outcome {
        Ok(o) => o,
        Err(e) => {
            eprintln!("piiscan: {e}");
            return Exit::Incomplete;
        }
    };
    for problem in &outcome.problems {
        eprintln!("piiscan: {problem}");
    }
    let stdout = std::io::stdout();
    let options = ReportOptions {
        format: match args.format {
            FormatArg::Human => Format::Human,
            FormatArg::Json => Format::Json,
            FormatArg::Jsonl => Format::Jsonl,
        },
        reveal: args.reveal,
        summary: args.summary,
        color: use_color(args.color),
        verbose: args.verbose,
    };
    // Large writes: the report of a dump can run to gigabytes.
    let mut out = BufWriter::with_capacity(1 << 20, stdout.lock());
    if output_failed(write_report(&mut out, &outcome, &options).and_then(|()| out.flush())) {
        return Exit::Incomplete;
    }
    match (args.fail_on, Exit::for_outcome(&outcome)) {
        (_, Exit::Incomplete) => Exit::Incomplete,
        (None | Some(FailOnArg::Any), exit) => exit,
        (Some(level), _) => {
            exit_for_verdict(level, outcome.assessment.as_ref().map(|a| a.verdict), outcome.stats.findings() > 0)
        }
    }
}

/// Reports a failed write; a closed pipe (`piiscan scan | head`) is a normal way to stop
/// reading and no failure.
fn output_failed(written: std::io::Result<()>) -> bool {
    match written {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            eprintln!("piiscan: cannot write output: {e}");
            true
        }
        _ => false,
    }
}

/// A progress line on stderr while a scan runs (only on a terminal): inputs, bytes, MB/s and,
/// when the total is known, the time left. Drawn from the scan's counters by a thread of its
/// own, after half a second so that short scans do not flash it.
struct ProgressLine {
    done: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: std::thread::JoinHandle<()>,
}

impl ProgressLine {
    fn start(progress: std::sync::Arc<piiscan::scan::Progress>) -> Self {
        use std::sync::atomic::Ordering;
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stop = done.clone();
        let thread = std::thread::spawn(move || {
            let tick = std::time::Duration::from_millis(100);
            let mut waited = std::time::Duration::ZERO;
            while waited < std::time::Duration::from_millis(500) {
                if stop.load(Ordering::Relaxed) {
                    return;
                }
                std::thread::sleep(tick);
                waited += tick;
            }
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} {msg}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            while !stop.load(Ordering::Relaxed) {
                let s = progress.snapshot();
                let eta = s.eta().map(|d| format!(", {} left", indicatif::HumanDuration(d))).unwrap_or_default();
                bar.set_message(format!(
                    "scanning: {}/{} inputs, {}, {:.0} MB/s{eta}",
                    s.inputs_done,
                    s.inputs_total,
                    indicatif::HumanBytes(s.bytes_done),
                    s.mb_per_s()
                ));
                bar.tick();
                std::thread::sleep(tick);
            }
            bar.finish_and_clear();
        });
        ProgressLine { done, thread }
    }

    fn stop(self) {
        self.done.store(true, std::sync::atomic::Ordering::Relaxed);
        let _ = self.thread.join();
    }
}

fn exit_for_verdict(level: FailOnArg, verdict: Option<Verdict>, any: bool) -> Exit {
    let reached = match level {
        FailOnArg::Any => any,
        FailOnArg::Serious => verdict.is_some_and(|v| v >= Verdict::Serious),
        FailOnArg::EspeciallySerious => verdict == Some(Verdict::EspeciallySerious),
    };
    if reached {
        Exit::Findings
    } else {
        Exit::Clean
    }
}

fn use_color(arg: ColorArg) -> bool {
    match arg {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    }
}

fn merge(args: MergeArgs) -> Exit {
    let (tally, policy) = match piiscan::aggregate::merge_states(&args.states) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("piiscan: {e}");
            return Exit::Incomplete;
        }
    };
    let counts = tally.counts();
    let assessment = piiscan::severity::assess(&counts, policy, args.insider);
    let options = ReportOptions {
        format: if args.format == FormatArg::Human { Format::Human } else { Format::Json },
        reveal: false,
        summary: true,
        color: use_color(args.color),
        verbose: false,
    };
    let mut out = BufWriter::new(std::io::stdout().lock());
    if output_failed(piiscan::report::write_assessment_only(&mut out, &assessment, &options).and_then(|()| out.flush()))
    {
        return Exit::Incomplete;
    }
    exit_for_verdict(args.fail_on, Some(assessment.verdict), !tally.is_empty())
}

fn rules_command(check: bool, pattern_files: &[std::path::PathBuf]) -> Exit {
    let mut rules = match rules::builtin() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("piiscan: {e}");
            return Exit::Incomplete;
        }
    };
    let mut custom = Vec::new();
    for path in pattern_files {
        match rules::load_user_file(path) {
            Ok(user) => {
                rules.extend(user.rules);
                custom.extend(user.compiled);
            }
            Err(e) => {
                eprintln!("piiscan: {e}");
                return Exit::Incomplete;
            }
        }
    }
    if !check {
        for r in &rules {
            println!("{:<16} {:<22} tier {}  {}", r.kind, r.category, r.tier, r.description);
        }
        return Exit::Clean;
    }
    let failures = rules::check_all(&rules, &custom);
    for f in &failures {
        eprintln!("piiscan: {f}");
    }
    let examples: usize = rules.iter().map(|r| r.examples.len() + r.negative_examples.len()).sum();
    println!(
        "{} rules, {} examples: {} passed, {} failed",
        rules.len(),
        examples,
        examples.saturating_sub(failures.len()),
        failures.len()
    );
    if failures.is_empty() {
        Exit::Clean
    } else {
        Exit::Findings
    }
}

fn generate(format: piiscan::synth::DocFormat, rows: usize, seed: u64) -> Exit {
    use piiscan::synth::{document, DocFormat, Rng};
    let mut rng = Rng::new(seed);
    let mut planted: std::collections::BTreeMap<&'static str, u64> = std::collections::BTreeMap::new();
    let mut out = BufWriter::new(std::io::stdout().lock());
    // Generate in batches so memory stays flat for multi-gigabyte corpora.
    let mut left = rows;
    while left > 0 {
        let batch = left.min(10_000);
        // One CSV header for the whole file, not one per batch.
        let skip = usize::from(matches!(format, DocFormat::Csv | DocFormat::Digits) && left < rows);
        for line in document(format, batch, &mut rng).into_iter().skip(skip) {
            for kind in &line.kinds {
                *planted.entry(kind.name()).or_default() += 1;
            }
            if writeln!(out, "{}", line.text).is_err() {
                return Exit::Clean;
            }
        }
        left -= batch;
    }
    // What was planted, line-level per kind, for checking a scan's counts (benches/compare.sh).
    let counts: Vec<String> = planted.iter().map(|(k, n)| format!("{k}={n}")).collect();
    eprintln!("planted lines: {}", counts.join(" "));
    match out.flush() {
        Ok(()) => Exit::Clean,
        Err(_) => Exit::Incomplete,
    }
}
