//! Writes a synthetic, labelled-by-construction export to stdout, for benchmarks and demos; what
//! was planted, line by line per kind, goes to stderr (`benches/compare.sh` checks a scan's
//! counts against it). Not part of the product binary:
//!
//! ```sh
//! cargo run --release --example generate -- --format csv --rows 1000 --seed 1
//! ```

use piiscan_synth::{document, DocFormat, Rng};
use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::process::ExitCode;

fn usage() -> ExitCode {
    let names: Vec<&str> = DocFormat::ALL.iter().map(|f| f.name()).collect();
    eprintln!("usage: generate [--format {}] [--rows N] [--seed N]", names.join("|"));
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let (mut format, mut rows, mut seed) = (DocFormat::Csv, 1000usize, 1u64);
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let Some(value) = args.next() else { return usage() };
        match flag.as_str() {
            "--format" => match DocFormat::from_name(&value) {
                Some(f) => format = f,
                None => return usage(),
            },
            "--rows" => match value.parse() {
                Ok(n) => rows = n,
                Err(_) => return usage(),
            },
            "--seed" => match value.parse() {
                Ok(n) => seed = n,
                Err(_) => return usage(),
            },
            _ => return usage(),
        }
    }
    let mut rng = Rng::new(seed);
    let mut planted: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut out = BufWriter::new(std::io::stdout().lock());
    // Generated in batches so memory stays flat for multi-gigabyte corpora.
    let mut left = rows;
    while left > 0 {
        let batch = left.min(10_000);
        // One CSV header for the whole file, not one per batch.
        let skip = usize::from(
            matches!(format, DocFormat::Csv | DocFormat::Digits | DocFormat::Export | DocFormat::Records)
                && left < rows,
        );
        for line in document(format, batch, &mut rng).into_iter().skip(skip) {
            for kind in &line.kinds {
                *planted.entry(kind.name()).or_default() += 1;
            }
            if writeln!(out, "{}", line.text).is_err() {
                // A closed pipe: the reader has what it wanted.
                return ExitCode::SUCCESS;
            }
        }
        left -= batch;
    }
    let counts: Vec<String> = planted.iter().map(|(k, n)| format!("{k}={n}")).collect();
    eprintln!("planted lines: {}", counts.join(" "));
    match out.flush() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("generate: cannot write: {e}");
            ExitCode::from(2)
        }
    }
}
