//! Command-line definition (clap derive types only); `main.rs` turns them, with the config
//! file, into a [`piiscan::ScanConfig`].

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

const EXIT_CODES: &str = "\
Exit codes:
  0  nothing found (or, with --fail-on, below that level), every input read
  1  personal information found (with --fail-on: the assessment reached that level)
  2  scan incomplete (some input could not be read), or a usage or config error";

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
    /// Scan files, directories, streams or git changes for personal information.
    #[command(after_help = EXIT_CODES)]
    Scan(Box<ScanArgs>),
    /// List the rules (built-in, config and pattern files), or check each against its examples.
    Rules {
        /// Run every rule's examples and negative examples through the scanner.
        #[arg(long)]
        check: bool,
        /// Also list and check the rules of these pattern files.
        #[arg(long = "patterns", value_name = "FILE")]
        patterns: Vec<PathBuf>,
        /// Also list and check the rules of this config file (default: .piiscan.toml found from
        /// the current directory upward).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Combine the counting states of separate runs (--summary-out) into one assessment.
    #[command(after_help = EXIT_CODES)]
    Merge(MergeArgs),
    /// Work with config files.
    #[command(subcommand)]
    Config(ConfigCommand),
}

/// `piiscan config ...`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Validate a config file and report every problem (default: .piiscan.toml found from the
    /// current directory upward). Exit 0 when valid, 2 otherwise.
    Check {
        /// The file to check.
        file: Option<PathBuf>,
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
    /// SARIF 2.1.0, for code scanning (GitHub, GitLab).
    Sarif,
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

/// A confidence floor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ConfidenceArg {
    /// Report everything, "maybe" findings too (a known BIN failing Luhn next to a card label).
    Low,
    /// Report what shape and context agree on (the default).
    Medium,
    /// Report only what passed every check.
    High,
}

/// Arguments of `piiscan scan`.
#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// Files, directories or streams to scan; `-` reads standard input.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Human)]
    pub format: FormatArg,
    /// Write the report to FILE (atomically) instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
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
    /// When to use colors in human output.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
    /// List every input not scanned, or not fully, in the human summary.
    #[arg(short = 'v', long)]
    pub verbose: bool,
    /// No progress line on a terminal.
    #[arg(short = 'q', long)]
    pub quiet: bool,

    /// Read this config file instead of the .piiscan.toml found from the scan root upward.
    #[arg(long, value_name = "FILE", help_heading = "Selection")]
    pub config: Option<PathBuf>,
    /// Do not read any config file.
    #[arg(long, conflicts_with = "config", help_heading = "Selection")]
    pub no_config: bool,
    /// Report only these kinds (names or rule ids, comma-separated: mobile,id_card).
    #[arg(long, value_name = "KINDS", value_delimiter = ',', help_heading = "Selection")]
    pub kinds: Vec<String>,
    /// Never report these kinds (comma-separated).
    #[arg(long, value_name = "KINDS", value_delimiter = ',', help_heading = "Selection")]
    pub exclude_kinds: Vec<String>,
    /// Report only findings of at least this confidence (default: medium); the others are
    /// counted in the summary.
    #[arg(long, value_enum, value_name = "LEVEL", help_heading = "Selection")]
    pub min_confidence: Option<ConfidenceArg>,
    /// A pattern file of your own rules (TOML, see README); repeatable.
    #[arg(long = "patterns", value_name = "FILE", help_heading = "Selection")]
    pub patterns: Vec<PathBuf>,
    /// Report only findings not in this baseline.
    #[arg(long, value_name = "FILE", help_heading = "Selection")]
    pub baseline: Option<PathBuf>,
    /// Write a baseline of every finding reported (fingerprints, kinds and paths; no values).
    #[arg(long, value_name = "FILE", help_heading = "Selection")]
    pub baseline_out: Option<PathBuf>,
    /// List the entries of --baseline that matched no finding.
    #[arg(long, requires = "baseline", help_heading = "Selection")]
    pub report_stale: bool,
    /// The fingerprint key file (default: PIISCAN_FINGERPRINT_KEY, else the config file's
    /// fingerprint_key_file, else ~/.config/piiscan/fingerprint.key, created if missing).
    #[arg(long, value_name = "FILE", help_heading = "Selection")]
    pub fingerprint_key: Option<PathBuf>,

    /// Scan what is staged for commit (the index, not the working tree): added lines only.
    #[arg(long, help_heading = "Git", conflicts_with_all = ["since", "diff", "git_history"])]
    pub staged: bool,
    /// Scan the lines added since REV (REV...HEAD: the changes of a branch).
    #[arg(long, value_name = "REV", help_heading = "Git", conflicts_with_all = ["diff", "git_history"])]
    pub since: Option<String>,
    /// Scan the lines added between two revisions (A..B, or A...B from their merge base).
    #[arg(long, value_name = "A..B", help_heading = "Git", conflicts_with = "git_history")]
    pub diff: Option<String>,
    /// Scan every blob reachable from the --git-rev revisions (default HEAD), each once; a
    /// finding names the commit, author date and path that introduced it.
    #[arg(long, help_heading = "Git")]
    pub git_history: bool,
    /// A revision (or --all) whose history --git-history scans; repeatable.
    #[arg(long, value_name = "REV", requires = "git_history", allow_hyphen_values = true, help_heading = "Git")]
    pub git_rev: Vec<String>,

    /// The name findings in standard input are shown with.
    #[arg(long, value_name = "NAME", help_heading = "Input")]
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
    /// Follow symbolic links.
    #[arg(short = 'L', long = "follow", help_heading = "Input")]
    pub follow: bool,
    /// Read binary files as text.
    #[arg(short = 'a', long, help_heading = "Input")]
    pub text: bool,
    /// Do not open compressed files and archives (they are listed as skipped).
    #[arg(long, help_heading = "Input")]
    pub no_archives: bool,
    /// Stop decompressing an input after SIZE bytes, over every layer and member [default: 64G].
    #[arg(long, value_name = "SIZE", value_parser = parse_size, help_heading = "Archive limits")]
    pub max_archive_bytes: Option<u64>,
    /// Stop a compressed stream or member that expands more than N times (a bomb) [default: 200].
    #[arg(long, value_name = "N", help_heading = "Archive limits")]
    pub max_archive_ratio: Option<u64>,
    /// Stop after N archive members in one input [default: 100000].
    #[arg(long, value_name = "N", help_heading = "Archive limits")]
    pub max_archive_entries: Option<u64>,
    /// Do not open archives nested more than N deep (a .tar.gz is two deep) [default: 8].
    #[arg(long, value_name = "N", help_heading = "Archive limits")]
    pub max_archive_depth: Option<u32>,

    /// How ID numbers and home addresses are tiered [default: textual].
    #[arg(long, value_enum, help_heading = "Severity")]
    pub tier_policy: Option<TierPolicyArg>,
    /// Print the legal severity assessment (Art. 253-1 / Fa Shi [2017] No. 10): deduplicated
    /// items per tier and category, R, verdict, caveats.
    #[arg(long, help_heading = "Severity")]
    pub summary: bool,
    /// The data was obtained in the course of duties or services: half the standards apply.
    #[arg(long, help_heading = "Severity")]
    pub insider: bool,
    /// Exit 1 only when the assessment reaches this level [default: any finding].
    #[arg(long, value_enum, value_name = "LEVEL", help_heading = "Severity")]
    pub fail_on: Option<FailOnArg>,
    /// Write the mergeable counting state (fingerprints only, no raw values) to FILE.
    #[arg(long, value_name = "FILE", help_heading = "Severity")]
    pub summary_out: Option<PathBuf>,
    /// Fingerprint key shared by the shards of one export; created if missing. Shards scanned
    /// with different keys cannot be merged.
    #[arg(long, value_name = "FILE", help_heading = "Severity")]
    pub summary_key: Option<PathBuf>,
    /// Memory for the distinct-item sets of the assessment; past it they spill to sorted runs
    /// in the temporary directory (TMPDIR), and counts stay exact [default: 96M].
    #[arg(long, value_name = "SIZE", value_parser = parse_size, help_heading = "Severity")]
    pub memory_budget: Option<u64>,
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
    /// Exit 1 only when the assessment reaches this level [default: any item, as for scan].
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_on: Option<FailOnArg>,
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
