//! `loupe rollup`: files in, rollups out as JSON.
//!
//! Exit status: 0 when every file was read (bad rows are reported and skipped, not fatal), 1 when a file
//! could not be read or was not an observation file at all (the other files are still rolled up), 2 for
//! usage errors.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use loupe_core::{
    Dimension, Filter, GroupStats, HistogramLevel, LatencyHistogram, Overview, STANDARD_DIMENSIONS,
    SeriesSpec, Store, TimeSeries, group_by, overview, time_series,
};
use serde::Serialize;

use crate::tz::{Zone, parse_time};

#[derive(clap::Args)]
pub struct RollupArgs {
    /// Group by a dimension (repeatable): model, service, user, session, environment, release, version,
    /// tag, type, level, name, prompt, metadata:KEY. Default: model service user session environment type.
    #[arg(long = "by", value_name = "DIM")]
    pub by: Vec<String>,
    /// Time zone for the series buckets and for civil times in --from/--to (IANA name, UTC, or local).
    #[arg(long, default_value = "UTC", value_name = "ZONE")]
    pub tz: String,
    /// Keep observations starting at or after T (Unix ms, RFC 3339, or a date/date-time in --tz).
    #[arg(long, value_name = "T")]
    pub from: Option<String>,
    /// Keep observations starting before T.
    #[arg(long, value_name = "T")]
    pub to: Option<String>,
    /// A /api/public/models response: prices for observations Langfuse left without a cost.
    #[arg(long, value_name = "FILE")]
    pub models: Option<PathBuf>,
    /// Target number of buckets in the time series.
    #[arg(long, default_value_t = 48)]
    pub points: u32,
    /// Pretty-print the JSON.
    #[arg(long)]
    pub pretty: bool,
    /// v2 observation pages ({"data":[...],"meta":{...}}), JSON arrays or JSON lines of observations.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

#[derive(Serialize)]
struct FileReport {
    path: String,
    rows: u32,
    skipped: usize,
    error: Option<String>,
}

#[derive(Serialize)]
struct GroupBy {
    dimension: String,
    groups: Vec<GroupStats>,
}

#[derive(Serialize)]
struct Output {
    files: Vec<FileReport>,
    observations_loaded: usize,
    filter: Filter,
    time_zone: String,
    overview: Overview,
    group_by: Vec<GroupBy>,
    series: TimeSeries,
    latency_histogram: LatencyHistogram,
    trace_latency_histogram: LatencyHistogram,
}

pub fn run(args: &RollupArgs) -> Result<ExitCode, String> {
    let zone = Zone::parse(&args.tz)?;
    let mut dims = Vec::new();
    for d in &args.by {
        dims.push(
            Dimension::parse(d).ok_or_else(|| format!("unknown dimension {d:?} (see --help)"))?,
        );
    }
    if dims.is_empty() {
        dims = STANDARD_DIMENSIONS.to_vec();
    }
    let filter = Filter {
        from_ms: args
            .from
            .as_deref()
            .map(|t| parse_time(t, &zone))
            .transpose()?,
        to_ms: args
            .to
            .as_deref()
            .map(|t| parse_time(t, &zone))
            .transpose()?,
        ..Filter::default()
    };

    let mut failed = false;
    let mut store = Store::new();
    if let Some(path) = &args.models {
        let body = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let (models, _) = loupe_langfuse::decode::models_page(&body)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        store.set_models(models);
    }
    let mut files = Vec::new();
    for path in &args.files {
        let shown = path.display().to_string();
        let body = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("{shown}: {e}");
                failed = true;
                files.push(FileReport {
                    path: shown,
                    rows: 0,
                    skipped: 0,
                    error: Some(e.to_string()),
                });
                continue;
            }
        };
        let result = loupe_langfuse::decode::observations_any(&body, |row| {
            store.upsert(row);
        });
        match result {
            Ok(summary) => {
                for issue in &summary.skipped {
                    eprintln!("{shown}: {issue}");
                }
                files.push(FileReport {
                    path: shown,
                    rows: summary.rows,
                    skipped: summary.skipped.len(),
                    error: None,
                });
            }
            Err(e) => {
                eprintln!("{shown}: {e}");
                failed = true;
                files.push(FileReport {
                    path: shown,
                    rows: 0,
                    skipped: 0,
                    error: Some(e.to_string()),
                });
            }
        }
    }
    store.shrink_to_fit();

    let overview = overview(&store, &filter);
    let group_by = dims
        .iter()
        .map(|d| GroupBy {
            dimension: d.short_name(),
            groups: group_by(&store, &filter, d),
        })
        .collect();
    let from_ms = filter.from_ms.or(overview.first_start_ms).unwrap_or(0);
    let to_ms = filter
        .to_ms
        .or(overview.last_start_ms.map(|t| t + 1))
        .unwrap_or(from_ms);
    let spec = SeriesSpec {
        from_ms,
        to_ms,
        target_points: args.points,
        bucket: None,
    };
    let series = time_series(&store, &filter, &spec, &zone);
    let output = Output {
        files,
        observations_loaded: store.len(),
        time_zone: args.tz.clone(),
        latency_histogram: loupe_core::latency_histogram(
            &store,
            &filter,
            HistogramLevel::Observation,
            10,
        ),
        trace_latency_histogram: loupe_core::latency_histogram(
            &store,
            &filter,
            HistogramLevel::Trace,
            10,
        ),
        filter,
        overview,
        group_by,
        series,
    };
    let json = if args.pretty {
        serde_json::to_string_pretty(&output)
    } else {
        serde_json::to_string(&output)
    }
    .map_err(|e| e.to_string())?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{json}").map_err(|e| e.to_string())?;
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
