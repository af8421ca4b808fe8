//! `cargo run -p bench -- [--quick] [--reps N] [--no-reference] [--only SECTION] [--json FILE]`: the
//! benchmarks, with the reference Linux VM; prints a table and writes JSON.

use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;

/// Run the benchmarks (and the reference Linux VM); print a table and write JSON.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Repetitions after the warm-up (the median, min and max are reported).
    #[arg(long, default_value_t = 5)]
    reps: usize,
    /// One repetition, no warm-up, a reduced reference (the Linux VM once, one CoreMark
    /// pair): checks that everything runs.
    #[arg(long)]
    quick: bool,
    /// Skip the reference Linux VM, hosted wasmi and qemu-user.
    #[arg(long)]
    no_reference: bool,
    /// Run only these sections (repeatable): boot, cpu, proc, load, wasix, lowering,
    /// reference. `lowering` times our wasix-libc test program and tests/fixtures/bash.
    #[arg(long, value_parser = ["boot", "cpu", "proc", "load", "wasix", "lowering", "reference"])]
    only: Vec<String>,
    /// Where to write the JSON report.
    #[arg(long, default_value = "target/bench/bench.json")]
    json: std::path::PathBuf,
}

fn main() -> ExitCode {
    match bench(&Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn bench(args: &Args) -> Result<()> {
    let opts = bench::BenchOptions {
        reps: args.reps,
        quick: args.quick,
        reference: !args.no_reference,
        json: args.json.clone(),
        only: args.only.clone(),
    };
    let report = bench::run_bench(&opts)?;
    print!("{}", bench::table(&report));
    eprintln!("bench: wrote {}", args.json.display());
    Ok(())
}
