//! In-process timing of the estimator's pure steps on a generated plan:
//! parsing (TOML + validation + prompt counting) and estimation (resolving,
//! quoting, arithmetic, timing), reported as items per second, and writing
//! the JSON report (as the CLI does, to a sink). Each step uses every core.
//! A last case counts one 100,000-character prompt without spaces (one
//! piece of 300 KB for the tokenizer), which a quadratic byte-pair merge
//! took 27 s on.
//!
//!     bash benches/estimate.sh        (generates the plan, then runs this)
//!     cargo bench --bench estimate -- target/bench/plan-100000.toml

use std::time::Instant;

use chrono::NaiveDate;
use genbudget::plan::{self, Options};
use genbudget::pricing::PriceBook;

fn main() {
    let path = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .unwrap_or_else(|| "target/bench/plan-100000.toml".into());
    let source = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e} (generate it with benches/gen-plan.py)"));
    let book = PriceBook::load(true, &[]).expect("built-in book");
    let runs = 5;
    let (mut parse_best, mut est_best, mut json_best) = (f64::MAX, f64::MAX, f64::MAX);
    let mut items = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let plan = plan::parse(&path, &source).expect("plan parses");
        parse_best = parse_best.min(t.elapsed().as_secs_f64());
        let opts = Options {
            as_of: plan
                .as_of
                .unwrap_or(NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()),
            budget: None,
            allow_retired: false,
            swaps: vec![],
        };
        let t = Instant::now();
        let mut e = plan::estimate(&plan, &book, &opts).expect("plan prices");
        est_best = est_best.min(t.elapsed().as_secs_f64());
        items = e.items.len();
        let t = Instant::now();
        let sink = std::io::BufWriter::new(std::io::sink());
        genbudget::render::estimate::write_json(&mut e, sink).expect("writes");
        json_best = json_best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "{items} items, best of {runs}: parse {:.0} ms ({:.0} items/s), estimate {:.0} ms ({:.0} items/s), JSON {:.0} ms",
        parse_best * 1e3,
        items as f64 / parse_best,
        est_best * 1e3,
        items as f64 / est_best,
        json_best * 1e3
    );

    let phrase = "生成メディアの予算を見積もり、上限の中で支出を守る。";
    let long: String = phrase.chars().cycle().take(100_000).collect();
    let mut best = f64::MAX;
    let mut tokens = 0;
    for _ in 0..runs {
        let t = Instant::now();
        tokens = genbudget::pricing::tokens::count(&long);
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "one 100,000-character prompt without spaces: {tokens} tokens, best of {runs}: {:.0} ms",
        best * 1e3
    );
}
