//! The `piiscan` binary: parse arguments, merge them over the config file, run the library,
//! write the report, map the result to an exit code. A closed pipe (`piiscan rules | head`) is a
//! normal way to stop reading, in every subcommand.

mod cli;

use clap::Parser;
use cli::{
    Cli, ColorArg, Command, ConfidenceArg, ConfigCommand, FailOnArg, FormatArg, MergeArgs, ScanArgs, TierPolicyArg,
};
use piiscan::config::file::{self as config_file, ConfigFile};
use piiscan::config::{FailOn, MemoryBudget};
use piiscan::container::Limits;
use piiscan::error::Problems;
use piiscan::finding::{Confidence, Kind};
use piiscan::fingerprint::{Fingerprinter, KeySources};
use piiscan::git::GitScan;
use piiscan::report::{write_report, Format, ReportOptions};
use piiscan::rules::{self, UserRules};
use piiscan::select::{Allow, Selection};
use piiscan::source::TextPolicy;
use piiscan::walk::WalkOptions;
use piiscan::{Exit, ScanConfig, TierPolicy};
use std::io::{BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let exit = match cli.command {
        Command::Scan(args) => scan(*args),
        Command::Rules { check, patterns, config } => rules_command(check, &patterns, config.as_deref()),
        Command::Merge(args) => merge(args),
        Command::Config(ConfigCommand::Check { file }) => config_check(file.as_deref()),
    };
    ExitCode::from(exit as u8)
}

/// Prints every problem of a config or pattern file, one per line.
fn report_problems(problems: &Problems) {
    for p in &problems.0 {
        eprintln!("piiscan: {p}");
    }
}

/// The config file for a scan: `--config`, else `.piiscan.toml` from the first path upward,
/// unless `--no-config`.
fn config_for(explicit: Option<&Path>, no_config: bool, root: &Path) -> Result<Option<ConfigFile>, Problems> {
    if no_config {
        return Ok(None);
    }
    let path = match explicit {
        Some(path) => Some(path.to_path_buf()),
        None => config_file::discover(root),
    };
    path.map(|p| config_file::load(&p)).transpose()
}

/// Kinds named on the command line (names or rule ids), against the built-in and user kinds.
fn parse_kinds(names: &[String], rules: &UserRules, flag: &str) -> Result<Vec<Kind>, String> {
    names
        .iter()
        .filter(|n| !n.trim().is_empty())
        .map(|name| {
            let name = name.trim();
            Kind::from_name_or_rule_id(name)
                .or_else(|| rules.compiled.iter().map(|r| r.kind).find(|k| k.name() == name || k.rule_id() == name))
                .ok_or_else(|| format!("{flag}: {}", config_file::unknown_kind(name)))
        })
        .collect()
}

fn config_from(args: &ScanArgs, file: Option<&ConfigFile>) -> Result<ScanConfig, String> {
    if args.threads == Some(0) {
        return Err("invalid value for -j/--threads: must be at least 1 (omit it for one thread per core)".into());
    }
    let mut rules = file.map(|f| f.rules.clone()).unwrap_or_default();
    let mut problems = Vec::new();
    for path in &args.patterns {
        match rules::load_user_file(path) {
            Ok(more) => rules.extend(more),
            Err(p) => problems.extend(p.0),
        }
    }
    if !problems.is_empty() {
        return Err(Problems(problems).to_string());
    }
    let kinds = match (&args.kinds[..], file.and_then(|f| f.kinds.clone())) {
        ([], from_file) => from_file,
        (names, _) => Some(parse_kinds(names, &rules, "--kinds")?),
    };
    let exclude_kinds = match &args.exclude_kinds[..] {
        [] => file.map(|f| f.exclude_kinds.clone()).unwrap_or_default(),
        names => parse_kinds(names, &rules, "--exclude-kinds")?,
    };
    // A "maybe" (a card number failing Luhn next to a card label) should not block a merge:
    // medium is the floor unless asked otherwise.
    let min_confidence = match args.min_confidence {
        Some(ConfidenceArg::Low) => Confidence::Low,
        Some(ConfidenceArg::Medium) => Confidence::Medium,
        Some(ConfidenceArg::High) => Confidence::High,
        None => file.and_then(|f| f.min_confidence).unwrap_or(Confidence::Medium),
    };
    let allow: Vec<Allow> = file.map(|f| f.allow.iter().map(|a| a.allow.clone()).collect()).unwrap_or_default();
    let format = args.format;
    let fingerprints_needed = format != FormatArg::Human
        || args.baseline.is_some()
        || args.baseline_out.is_some()
        || allow.iter().any(|a| matches!(a, Allow::Fingerprint(_)));
    let fingerprinter = if fingerprints_needed {
        let sources =
            KeySources::from_env(args.fingerprint_key.clone(), file.and_then(|f| f.fingerprint_key_file.clone()));
        let with_path = file.is_some_and(|f| f.fingerprint_includes_path);
        match sources.key() {
            Ok(Some(key)) => Some(Fingerprinter::new(&key, with_path)),
            Ok(None) => None,
            Err(e) if args.baseline.is_some() || args.baseline_out.is_some() => return Err(e.to_string()),
            Err(e) => {
                eprintln!("piiscan: warning: {e}; findings carry no fingerprint");
                None
            }
        }
    } else {
        None
    };
    let mut globs = args.globs.clone();
    if let Some(file) = file {
        globs.extend(file.exclude_paths.iter().map(|g| format!("!{g}")));
    }
    let limits_file = file.map(|f| f.limits).unwrap_or_default();
    let defaults = Limits::default();
    let fail_on = fail_on_level(args.fail_on).or(file.and_then(|f| f.fail_on)).unwrap_or_default();
    let git = if args.staged {
        Some(GitScan::Staged)
    } else if let Some(rev) = &args.since {
        Some(GitScan::Since(rev.clone()))
    } else if let Some(range) = &args.diff {
        Some(GitScan::Diff(range.clone()))
    } else if args.git_history {
        Some(GitScan::History(args.git_rev.clone()))
    } else {
        None
    };
    Ok(ScanConfig {
        paths: args.paths.clone(),
        threads: args.threads,
        max_findings_per_file: (args.max_findings_per_file > 0).then_some(args.max_findings_per_file),
        walk: WalkOptions {
            follow_links: args.follow,
            hidden: args.hidden,
            no_ignore: args.no_ignore,
            globs,
            max_filesize: args.max_filesize,
            stdin_name: args.stdin_name.clone(),
            threads: None,
        },
        text: TextPolicy { force: args.text, no_archives: args.no_archives },
        limits: Limits {
            max_bytes: args.max_archive_bytes.or(limits_file.max_bytes).unwrap_or(defaults.max_bytes),
            max_ratio: args.max_archive_ratio.or(limits_file.max_ratio).unwrap_or(defaults.max_ratio),
            max_entries: args.max_archive_entries.or(limits_file.max_entries).unwrap_or(defaults.max_entries),
            max_depth: args.max_archive_depth.or(limits_file.max_depth).unwrap_or(defaults.max_depth),
        },
        progress: None,
        selection: Selection {
            kinds,
            exclude_kinds,
            min_confidence: Some(min_confidence),
            allow,
            baseline: None,
            fingerprinter,
            user_kinds: rules.compiled.iter().map(|r| r.kind).collect(),
        },
        baseline: args.baseline.clone(),
        baseline_out: args.baseline_out.clone(),
        report_stale: args.report_stale,
        git,
        rules: rules.compiled,
        include_masked: args.include_masked,
        tier_policy: match args.tier_policy {
            Some(TierPolicyArg::Textual) => TierPolicy::Textual,
            Some(TierPolicyArg::Strict) => TierPolicy::Strict,
            None => file.and_then(|f| f.tier_policy).unwrap_or_default(),
        },
        insider: args.insider,
        assess: args.summary || fail_on.needs_assessment(),
        summary_out: args.summary_out.clone(),
        summary_key: args.summary_key.clone(),
        memory_budget: args.memory_budget.map(MemoryBudget).unwrap_or_default(),
        spill_dir: None,
        fail_on,
    })
}

fn fail_on_level(arg: Option<FailOnArg>) -> Option<FailOn> {
    arg.map(|level| match level {
        FailOnArg::Any => FailOn::Any,
        FailOnArg::Serious => FailOn::Serious,
        FailOnArg::EspeciallySerious => FailOn::EspeciallySerious,
    })
}

fn scan(args: ScanArgs) -> Exit {
    let root = args.paths.first().cloned().unwrap_or_else(|| PathBuf::from("."));
    let root = if root.as_os_str() == "-" { PathBuf::from(".") } else { root };
    let file = match config_for(args.config.as_deref(), args.no_config, &root) {
        Ok(file) => file,
        Err(problems) => {
            report_problems(&problems);
            return Exit::Incomplete;
        }
    };
    let mut config = match config_from(&args, file.as_ref()) {
        Ok(c) => c,
        Err(msg) => {
            for line in msg.lines() {
                eprintln!("piiscan: {line}");
            }
            return Exit::Incomplete;
        }
    };
    let line = (!args.quiet && std::io::stderr().is_terminal()).then(|| {
        let progress = std::sync::Arc::new(piiscan::progress::Progress::new());
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
            for line in e.to_string().lines() {
                eprintln!("piiscan: {line}");
            }
            return Exit::Incomplete;
        }
    };
    for problem in &outcome.problems {
        eprintln!("piiscan: {problem}");
    }
    if let Some(cap) = outcome.listing_cap {
        eprintln!(
            "piiscan: {} findings not listed: over --max-findings-per-file {cap} in some files; counts, --fail-on and --summary cover them all (--max-findings-per-file 0 lists every one)",
            outcome.stats.findings_not_listed
        );
    }
    let options = ReportOptions {
        format: match args.format {
            FormatArg::Human => Format::Human,
            FormatArg::Json => Format::Json,
            FormatArg::Jsonl => Format::Jsonl,
            FormatArg::Sarif => Format::Sarif,
        },
        reveal: args.reveal,
        summary: args.summary,
        color: args.output.is_none() && use_color(args.color),
        verbose: args.verbose,
        base: std::env::current_dir().ok(),
    };
    let written = match &args.output {
        Some(path) => write_file(path, |out| write_report(out, &outcome, &options)),
        None => {
            // Large writes: the report of a dump can run to gigabytes.
            let mut out = BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
            write_report(&mut out, &outcome, &options).and_then(|()| out.flush())
        }
    };
    if output_failed(written) {
        return Exit::Incomplete;
    }
    Exit::for_outcome_at(&outcome, config.fail_on)
}

/// Writes a report to `path` atomically: into a temporary file beside it, renamed over it once
/// complete.
fn write_file(path: &Path, write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> std::io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let file = tempfile::NamedTempFile::new_in(dir)?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    write(&mut out)?;
    let file = out.into_inner().map_err(|e| e.into_error())?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| std::io::Error::new(e.error.kind(), format!("{}: {}", path.display(), e.error)))?;
    Ok(())
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
    fn start(progress: std::sync::Arc<piiscan::progress::Progress>) -> Self {
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

fn use_color(arg: ColorArg) -> bool {
    match arg {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    }
}

fn merge(args: MergeArgs) -> Exit {
    // One streaming pass over every state at once: memory does not grow with the items.
    let (counts, policy) = match piiscan::aggregate::merge_states(&args.states, None) {
        Ok(merged) => merged,
        Err(e) => {
            eprintln!("piiscan: {e}");
            return Exit::Incomplete;
        }
    };
    let assessment = piiscan::severity::assess(&counts, policy, args.insider);
    let options = ReportOptions {
        format: if args.format == FormatArg::Human { Format::Human } else { Format::Json },
        reveal: false,
        summary: true,
        color: use_color(args.color),
        verbose: false,
        base: None,
    };
    let mut out = BufWriter::new(std::io::stdout().lock());
    if output_failed(piiscan::report::write_assessment_only(&mut out, &assessment, &options).and_then(|()| out.flush()))
    {
        return Exit::Incomplete;
    }
    // The same default as `scan`: any item is a finding.
    let level = fail_on_level(args.fail_on).unwrap_or_default();
    Exit::for_verdict(level, Some(assessment.verdict), counts.items() > 0)
}

fn rules_command(check: bool, pattern_files: &[PathBuf], config: Option<&Path>) -> Exit {
    let mut user = UserRules::default();
    let mut problems = Vec::new();
    let config = match config {
        Some(path) => Some(path.to_path_buf()),
        None => config_file::discover(Path::new(".")),
    };
    if let Some(path) = config {
        match config_file::load(&path) {
            Ok(file) => user.extend(file.rules),
            Err(p) => problems.extend(p.0),
        }
    }
    for path in pattern_files {
        match rules::load_user_file(path) {
            Ok(more) => user.extend(more),
            Err(p) => problems.extend(p.0),
        }
    }
    if !problems.is_empty() {
        report_problems(&Problems(problems));
        return Exit::Incomplete;
    }
    let mut all = rules::builtin();
    all.extend(user.rules.iter().cloned());
    let mut out = BufWriter::new(std::io::stdout().lock());
    if !check {
        let written = all.iter().try_for_each(|r| {
            let rule_id = Kind::from_name(&r.kind).map_or(format!("custom.{}", r.kind), |k| k.rule_id().into_owned());
            writeln!(out, "{:<22} {:<16} {:<22} tier {}  {}", rule_id, r.kind, r.category, r.tier, r.description)
        });
        return if output_failed(written.and_then(|()| out.flush())) { Exit::Incomplete } else { Exit::Clean };
    }
    let failures = rules::check_all(&all, &user.compiled);
    for f in &failures {
        eprintln!("piiscan: {f}");
    }
    let examples: usize = all.iter().map(|r| r.examples.len() + r.negative_examples.len()).sum();
    let written = writeln!(
        out,
        "{} rules, {} examples: {} passed, {} failed",
        all.len(),
        examples,
        examples.saturating_sub(failures.len()),
        failures.len()
    );
    if output_failed(written.and_then(|()| out.flush())) {
        return Exit::Incomplete;
    }
    if failures.is_empty() {
        Exit::Clean
    } else {
        Exit::Findings
    }
}

fn config_check(file: Option<&Path>) -> Exit {
    let path = match file {
        Some(path) => path.to_path_buf(),
        None => match config_file::discover(Path::new(".")) {
            Some(path) => path,
            None => {
                eprintln!("piiscan: no {} here or in any directory above", config_file::FILE_NAME);
                return Exit::Incomplete;
            }
        },
    };
    match config_file::load(&path) {
        Ok(file) => {
            let mut out = BufWriter::new(std::io::stdout().lock());
            let written = writeln!(
                out,
                "{}: valid ({} allow entries, {} rules, {} excluded paths)",
                path.display(),
                file.allow.len(),
                file.rules.compiled.len(),
                file.exclude_paths.len()
            );
            if output_failed(written.and_then(|()| out.flush())) {
                Exit::Incomplete
            } else {
                Exit::Clean
            }
        }
        Err(problems) => {
            report_problems(&problems);
            Exit::Incomplete
        }
    }
}
