//! Command-line definition (clap derive types only); `main.rs` turns them into a
//! [`piiscan::ScanConfig`].

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

const EXIT_CODES: &str = "\
Exit codes:
  0  nothing found (or, with --fail-on, below that level), every input read
  1  personal information found (with --fail-on: the assessment reached that level)
  2  scan incomplete (some input could not be read) or usage error";

/// Find leaked Chinese personal information in files and data dumps.
#[derive(Debug, Parser)]
#[command(name = "piiscan", version, about, after_help = EXIT_CODES)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files and directories for personal information.
    #[command(after_help = EXIT_CODES)]
    Scan(ScanArgs),
    /// List the built-in rules, or check every rule against its examples.
    Rules {
        /// Run every rule's examples and negative examples through the scanner.
        #[arg(long)]
        check: bool,
        /// Also list and check the rules of these pattern files.
        #[arg(long = "patterns", value_name = "FILE")]
        patterns: Vec<PathBuf>,
    },
    /// Combine the counting states of separate runs (--summary-out) into one assessment.
    #[command(after_help = EXIT_CODES)]
    Merge(MergeArgs),
    /// Write a synthetic, labelled-by-construction export to stdout (benchmarks, demos).
    #[command(hide = true)]
    Generate {
        /// Document format: csv, sql, jsonl, log, prose or source.
        #[arg(long, default_value = "csv", value_parser = parse_doc_format)]
        format: piiscan::synth::DocFormat,
        /// Number of records.
        #[arg(long, default_value_t = 1000)]
        rows: usize,
        /// Random seed; the same seed gives the same bytes.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Findings for people, then a summary.
    Human,
    /// One JSON document with `findings` and `summary`.
    Json,
    /// One JSON object per finding per line.
    Jsonl,
}

/// When to color human output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    /// On a terminal.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Tier policy for ID numbers and home addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TierPolicyArg {
    /// By the text of the interpretation (tier C).
    Textual,
    /// As some courts do (tier B).
    Strict,
}

/// Arguments of `piiscan scan`.
#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// Files, directories or streams to scan; `-` reads standard input.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// The name findings in standard input are shown with.
    #[arg(long, value_name = "NAME")]
    pub stdin_name: Option<String>,
    /// Include hidden files and directories.
    #[arg(long, help_heading = "Input")]
    pub hidden: bool,
    /// Do not honour .gitignore, .ignore and .piiscanignore files.
    #[arg(long, help_heading = "Input")]
    pub no_ignore: bool,
    /// Read only files matching GLOB, or leave out files matching !GLOB (repeatable, as ripgrep).
    #[arg(short = 'g', long = "glob", value_name = "GLOB", help_heading = "Input", allow_hyphen_values = true)]
    pub globs: Vec<String>,
    /// List files larger than SIZE (bytes, or with K, M, G) instead of reading them.
    #[arg(long, value_name = "SIZE", value_parser = parse_size, help_heading = "Input")]
    pub max_filesize: Option<u64>,
    /// Read binary files as text.
    #[arg(short = 'a', long, help_heading = "Input")]
    pub text: bool,
    /// Do not open compressed files and archives (they are listed as skipped).
    #[arg(long, help_heading = "Input")]
    pub no_archives: bool,
    /// Stop decompressing an input after SIZE bytes, over every layer and member.
    #[arg(long, value_name = "SIZE", value_parser = parse_size, default_value = "64G", help_heading = "Archive limits")]
    pub max_archive_bytes: u64,
    /// Stop a compressed stream or member that expands more than N times (a bomb).
    #[arg(long, value_name = "N", default_value_t = 200, help_heading = "Archive limits")]
    pub max_archive_ratio: u64,
    /// Stop after N archive members in one input.
    #[arg(long, value_name = "N", default_value_t = 100_000, help_heading = "Archive limits")]
    pub max_archive_entries: u64,
    /// Do not open archives nested more than N deep (a .tar.gz is two deep).
    #[arg(long, value_name = "N", default_value_t = 8, help_heading = "Archive limits")]
    pub max_archive_depth: u32,
    /// List every input not scanned, or not fully, in the human summary.
    #[arg(short = 'v', long)]
    pub verbose: bool,
    /// No progress line on a terminal.
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Human)]
    pub format: FormatArg,
    /// Print values unmasked. Without it no format prints raw personal data.
    #[arg(long)]
    pub reveal: bool,
    /// Also report masked values (138****8000) as mobile_masked / id_card_masked.
    #[arg(long)]
    pub include_masked: bool,
    /// Worker threads (default: one per core).
    #[arg(short = 'j', long)]
    pub threads: Option<usize>,
    /// List at most N findings per file (the first N by position); counts in the summary and
    /// the assessment stay exact. 0 lists all.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub max_findings_per_file: usize,
    /// Follow symbolic links.
    #[arg(short = 'L', long = "follow")]
    pub follow: bool,
    /// When to use colors in human output.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
    /// How ID numbers and home addresses are tiered.
    #[arg(long, value_enum, default_value_t = TierPolicyArg::Textual)]
    pub tier_policy: TierPolicyArg,
    /// A pattern file of your own rules (TOML, see README); repeatable.
    #[arg(long = "patterns", value_name = "FILE")]
    pub patterns: Vec<PathBuf>,
    /// Print the legal severity assessment (Art. 253-1 / Fa Shi [2017] No. 10): deduplicated
    /// items per tier and category, R, verdict, caveats.
    #[arg(long)]
    pub summary: bool,
    /// The data was obtained in the course of duties or services: half the standards apply.
    #[arg(long)]
    pub insider: bool,
    /// Exit 1 only when the assessment reaches this level (default: any finding).
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_on: Option<FailOnArg>,
    /// Write the mergeable counting state (fingerprints only, no raw values) to FILE.
    #[arg(long, value_name = "FILE")]
    pub summary_out: Option<PathBuf>,
    /// Fingerprint key shared by the shards of one export; created if missing. Shards scanned
    /// with different keys cannot be merged.
    #[arg(long, value_name = "FILE")]
    pub summary_key: Option<PathBuf>,
}

/// Arguments of `piiscan merge`.
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// State files written by `piiscan scan --summary-out`.
    #[arg(required = true)]
    pub states: Vec<PathBuf>,
    /// Output format (human or json).
    #[arg(long, value_enum, default_value_t = FormatArg::Human)]
    pub format: FormatArg,
    /// The data was obtained in the course of duties or services: half the standards apply.
    #[arg(long)]
    pub insider: bool,
    /// Exit 1 only when the assessment reaches this level (default: serious).
    #[arg(long, value_enum, value_name = "LEVEL", default_value_t = FailOnArg::Serious)]
    pub fail_on: FailOnArg,
    /// When to use colors in human output.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
}

/// Exit-code threshold for CI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOnArg {
    /// Any finding.
    Any,
    /// The estimate is at least 情节严重.
    Serious,
    /// The estimate is 情节特别严重.
    #[value(name = "especially_serious", alias = "especially-serious")]
    EspeciallySerious,
}

fn parse_size(text: &str) -> Result<u64, String> {
    piiscan::walk::parse_size(text)
}

fn parse_doc_format(name: &str) -> Result<piiscan::synth::DocFormat, String> {
    piiscan::synth::DocFormat::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = piiscan::synth::DocFormat::ALL.iter().map(|f| f.name()).collect();
        format!("unknown format `{name}`; use one of {}", names.join(", "))
    })
}
