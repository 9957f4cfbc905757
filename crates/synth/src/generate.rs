//! The generator: sessions drawn over the time range with a daily and weekly rhythm, each session a few
//! turns (traces) separated by think time, each trace built by its service's tree builder, then rows
//! sorted into v2 order and scores drawn over the result.
//!
//! Exactly `config.observations` rows come out: the last trace is cut to the rows still wanted, which keeps
//! the tree valid because builders push parents before children. Every row starts inside
//! `[end_time_ms - span_ms, end_time_ms)`: a trace that would cross the end is dropped.

use crate::SynthConfig;
use crate::catalog::{self, n, pm, pp, st};
use crate::dataset::{
    Dataset, Level, NONE, Obs, ObsType, Score, Trace, flag, push_obs_id, push_trace_id,
};
use crate::ids;
use crate::rng::Rand;

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;

/// Relative traffic by UTC hour: Europe's afternoon overlapping America's morning peaks.
const HOURLY: [f64; 24] = [
    0.25, 0.2, 0.18, 0.18, 0.22, 0.3, 0.45, 0.65, 0.85, 0.95, 1.0, 1.0, 1.05, 1.15, 1.25, 1.25,
    1.2, 1.05, 0.9, 0.75, 0.6, 0.5, 0.4, 0.3,
];
/// Relative traffic by weekday (Monday first).
const WEEKLY: [f64; 7] = [1.0, 1.02, 1.0, 0.98, 0.92, 0.45, 0.4];

struct Timeline {
    start: i64,
    span: i64,
    end: i64,
    /// Production switches to release 1 between `rollout` and `rollout + 6 h`.
    rollout: i64,
    /// An Anthropic overload incident: `[incident, incident_end)`.
    incident: i64,
    incident_end: i64,
}

impl Timeline {
    fn new(config: &SynthConfig) -> Self {
        let span = config.span_ms.max(1);
        let end = config.end_time_ms;
        let start = end - span;
        let incident = start + span * 72 / 100;
        Self {
            start,
            span,
            end,
            rollout: start + span * 55 / 100,
            incident,
            incident_end: incident + (span / 50).min(45 * 60_000),
        }
    }

    fn intensity(&self, t: i64) -> f64 {
        let hour = (t.rem_euclid(DAY_MS) / HOUR_MS) as usize;
        let growth = 0.85 + 0.3 * ((t - self.start) as f64 / self.span as f64);
        HOURLY.get(hour).copied().unwrap_or(1.0)
            * WEEKLY
                .get(crate::json::weekday(t) as usize)
                .copied()
                .unwrap_or(1.0)
            * growth
    }

    fn sample(&self, rng: &mut Rand) -> i64 {
        let max = 1.25 * 1.02 * 1.15;
        for _ in 0..1000 {
            let t = self.start + rng.below(self.span as u64) as i64;
            if rng.unit() * max < self.intensity(t) {
                return t;
            }
        }
        self.start + rng.below(self.span as u64) as i64
    }

    /// (release index, runs the new version) for a trace at `t` in environment `env`.
    fn release(&self, rng: &mut Rand, env: u8, t: i64) -> (u8, bool) {
        match env {
            0 => {
                let ramp = 6 * HOUR_MS;
                let new = if t < self.rollout {
                    false
                } else if t < self.rollout + ramp {
                    rng.chance((t - self.rollout) as f64 / ramp as f64)
                } else {
                    true
                };
                (u8::from(new), new)
            }
            1 => {
                if t < self.rollout - DAY_MS {
                    (0, false)
                } else if t < self.start + self.span * 85 / 100 {
                    (1, true)
                } else {
                    (2, true)
                }
            }
            _ => (3, true),
        }
    }
}

/// Builds one trace's rows into a scratch buffer. Local parent indexes; `NONE` means "trace top level".
struct Builder<'r> {
    rng: &'r mut Rand,
    rows: Vec<Obs>,
    trace: u32,
    legacy: bool,
    env: u8,
    new_version: bool,
    in_incident: bool,
    /// The synthetic root's local index for legacy traces.
    top: u32,
}

/// The outcome of a model call.
struct Call {
    idx: u32,
    end: i64,
    failed: bool,
}

impl Builder<'_> {
    fn push(&mut self, parent: u32, kind: ObsType, name: u16, start: i64) -> u32 {
        let id = if self.legacy {
            ids::as_uuid_v4(self.rng.u128())
        } else {
            // OTel span ids are never all-zero.
            u128::from(self.rng.u64().max(1))
        };
        let (parent, flags) = if parent == NONE {
            (self.top, if self.top == NONE { flag::ROOT } else { 0 })
        } else {
            (parent, 0)
        };
        self.rows.push(Obs {
            id,
            start_ms: start,
            trace: self.trace,
            parent,
            duration_ms: NONE,
            ttft_ms: NONE,
            usage: [0; 5],
            name,
            status: st::NONE,
            kind,
            level: Level::Default,
            model: 0,
            params: 0,
            prompt: 0,
            flags,
        });
        (self.rows.len() - 1) as u32
    }

    fn get(&mut self, idx: u32) -> Option<&mut Obs> {
        self.rows.get_mut(idx as usize)
    }

    fn end(&mut self, idx: u32, end: i64) {
        if let Some(o) = self.get(idx) {
            o.duration_ms = (end - o.start_ms).clamp(0, i64::from(u32::MAX - 1)) as u32;
        }
    }

    fn set_status(&mut self, idx: u32, level: Level, status: u16) {
        if let Some(o) = self.get(idx) {
            o.level = level;
            o.status = status;
        }
    }

    /// A leaf with a log-normal duration; fails with `fail_p` (level, status). Returns its end.
    #[allow(clippy::too_many_arguments)]
    fn leaf(
        &mut self,
        parent: u32,
        kind: ObsType,
        name: u16,
        t: i64,
        median_ms: f64,
        fail: Option<(f64, Level, u16)>,
    ) -> (u32, i64) {
        let idx = self.push(parent, kind, name, t);
        let mut dur = self.rng.latency(median_ms, 0.7, 0.03);
        if let Some((p, level, status)) = fail
            && self.rng.chance(p)
        {
            self.set_status(idx, level, status);
            if status == st::TESTS_TIMEOUT {
                dur = 60_000.0 * self.rng.range(1, 5) as f64;
            }
        }
        let end = t + dur.max(1.0) as i64;
        self.end(idx, end);
        (idx, end)
    }

    /// A model call of `kind` (GENERATION, EMBEDDING, EVALUATOR). `input`/`output` are the prompt and
    /// completion token counts the provider reports (details included).
    #[allow(clippy::too_many_arguments)]
    fn call(
        &mut self,
        parent: u32,
        kind: ObsType,
        name: u16,
        model: u8,
        t: i64,
        input: f64,
        output: f64,
        stream: bool,
        prompt: u8,
        params: u8,
    ) -> Call {
        let idx = self.push(parent, kind, name, t);
        let Some(pmodel) = catalog::PROVIDED.get(usize::from(model).saturating_sub(1)) else {
            self.end(idx, t + 1);
            return Call {
                idx,
                end: t + 1,
                failed: false,
            };
        };
        if let Some(o) = self.get(idx) {
            o.model = model;
            o.params = params;
            o.prompt = prompt;
        }
        // Provider failures.
        let anthropic = pmodel.style == catalog::UsageStyle::Anthropic;
        let failure = if anthropic {
            let p = if self.in_incident { 0.35 } else { 0.003 };
            if self.rng.chance(p) {
                Some(if self.rng.chance(0.8) {
                    st::ANTHROPIC_OVERLOADED
                } else {
                    st::ANTHROPIC_502
                })
            } else {
                None
            }
        } else if model == pm::GEMINI_FLASH {
            self.rng.chance(0.004).then_some(st::GEMINI_503)
        } else if matches!(pmodel.style, catalog::UsageStyle::OpenAi) && model != pm::LLAMA {
            let r = self.rng.unit();
            if r < 0.005 {
                Some(st::OPENAI_RATE_LIMIT)
            } else if r < 0.007 {
                Some(st::OPENAI_TIMEOUT)
            } else if r < 0.0075 && input > 100_000.0 {
                Some(st::CONTEXT_LENGTH)
            } else {
                None
            }
        } else {
            None
        };
        if let Some(status) = failure {
            let dur = if status == st::OPENAI_TIMEOUT {
                30_000.0 + self.rng.unit() * 50.0
            } else {
                self.rng.latency(350.0, 0.6, 0.02)
            };
            self.set_status(idx, Level::Error, status);
            let end = t + dur as i64;
            self.end(idx, end);
            return Call {
                idx,
                end,
                failed: true,
            };
        }
        let input = input.clamp(1.0, 4_000_000.0) as u32;
        let output = output.clamp(1.0, 200_000.0) as u32;
        let mut usage = [0u32; 5];
        let dur_ms;
        let mut ttft = NONE;
        match pmodel.style {
            catalog::UsageStyle::OpenAi | catalog::UsageStyle::Anthropic => {
                let mut detail = 0;
                let mut creation = 0;
                if input >= 1024 && self.rng.chance(0.55) {
                    let share = 0.3 + 0.6 * self.rng.unit();
                    detail = ((f64::from(input) * share) as u32 / 128) * 128;
                }
                if anthropic && self.rng.chance(0.1) {
                    creation = (self.rng.range(1000, 4000) as u32).min(input - detail);
                }
                let reasoning = if model == pm::O4_MINI
                    || (model == pm::GEMINI_FLASH && self.rng.chance(0.5))
                {
                    (f64::from(output) * (0.4 + 0.45 * self.rng.unit())) as u32
                } else {
                    0
                };
                usage = [
                    input - detail - creation,
                    detail,
                    creation,
                    output - reasoning,
                    reasoning,
                ];
                let first = self.rng.latency(pmodel.ttft_median_ms, 0.45, 0.03);
                let decode =
                    f64::from(output) / pmodel.tokens_per_s * 1000.0 * self.rng.lognormal(1.0, 0.3);
                dur_ms = first + decode;
                if stream {
                    ttft = first.max(1.0) as u32;
                }
            }
            catalog::UsageStyle::Embedding => {
                usage[0] = input;
                dur_ms = self.rng.latency(110.0, 0.5, 0.02);
            }
            catalog::UsageStyle::Images => {
                usage[3] = 1;
                dur_ms = self.rng.latency(
                    if params == pp::IMAGE_HD {
                        14_000.0
                    } else {
                        9_000.0
                    },
                    0.35,
                    0.03,
                );
            }
        }
        let retried = self.rng.chance(0.008);
        let dur_ms = if retried {
            dur_ms + 1_000.0 + self.rng.unit() * 8_000.0
        } else {
            dur_ms
        };
        if let Some(o) = self.get(idx) {
            o.usage = usage;
            o.flags |= flag::USAGE;
            o.ttft_ms = if ttft == NONE {
                NONE
            } else {
                ttft.min((dur_ms as u32).max(1))
            };
        }
        if retried {
            self.set_status(idx, Level::Warning, st::RETRY_WARNING);
        }
        let end = t + dur_ms.max(1.0) as i64;
        self.end(idx, end);
        Call {
            idx,
            end,
            failed: false,
        }
    }

    fn tokens(&mut self, median: f64, sigma: f64) -> f64 {
        self.rng.lognormal(median, sigma)
    }

    fn support_agent(&mut self, t0: i64) -> i64 {
        let root = self.push(NONE, ObsType::Agent, n::SUPPORT_AGENT, t0);
        let mut t = t0 + self.rng.range(2, 15) as i64;
        let (guard, end) = self.leaf(
            root,
            ObsType::Guardrail,
            n::INPUT_MODERATION,
            t,
            45.0,
            Some((0.012, Level::Warning, st::GUARD_INJECTION)),
        );
        t = end + 1;
        if self
            .rows
            .get(guard as usize)
            .is_some_and(|o| o.level == Level::Warning)
        {
            self.end(root, t + 3);
            return t + 3;
        }
        let retriever = self.push(root, ObsType::Retriever, n::SEARCH_KB, t);
        let q = self.tokens(24.0, 0.5);
        let embed = self.call(
            retriever,
            ObsType::Embedding,
            n::EMBED_QUERY,
            pm::EMBED,
            t + 2,
            q,
            0.0,
            false,
            0,
            0,
        );
        t = embed.end + self.rng.latency(60.0, 0.5, 0.02) as i64;
        if self.rng.chance(0.015) {
            self.set_status(retriever, Level::Warning, st::LOW_RECALL);
        }
        self.end(retriever, t);
        let max_steps = if self.rng.chance(0.004) {
            8
        } else {
            self.rng.range(1, 4) as u32
        };
        let prompt = if self.new_version { 2 } else { 1 };
        let model = if self.new_version {
            pm::GPT41
        } else {
            pm::GPT4O
        };
        let params = if model == pm::GPT41 && self.rng.chance(0.15) {
            pp::PRIORITY
        } else if self.rng.chance(0.1) {
            pp::DEFAULT_TIER
        } else {
            pp::CHAT
        };
        for step in 0..max_steps {
            let input = self.tokens(2400.0 + 600.0 * f64::from(step), 0.35);
            let output = self.tokens(140.0, 0.6);
            let call = self.call(
                root,
                ObsType::Generation,
                n::AGENT_STEP,
                model,
                t + 1,
                input,
                output,
                true,
                prompt,
                params,
            );
            t = call.end + 2;
            if call.failed {
                self.set_status(root, Level::Error, st::AGENT_FAILED);
                self.end(root, t);
                return t;
            }
            if step + 1 < max_steps || self.rng.chance(0.3) {
                let tool = n::LOOKUP_ORDER + self.rng.below(4) as u16;
                let fail = match tool {
                    n::LOOKUP_ORDER => Some((0.015, Level::Error, st::ORDER_404)),
                    7 => Some((0.01, Level::Error, st::CRM_500)),
                    _ => None,
                };
                let (_, end) = self.leaf(root, ObsType::Tool, tool, t, 180.0, fail);
                t = end + 1;
            }
        }
        if max_steps == 8 {
            self.set_status(root, Level::Warning, st::MAX_ITERATIONS);
        }
        let input = self.tokens(1800.0, 0.3);
        let output = self.tokens(220.0, 0.5);
        let reply = self.call(
            root,
            ObsType::Generation,
            n::COMPOSE_REPLY,
            pm::GPT4O_MINI,
            t,
            input,
            output,
            true,
            3,
            pp::CREATIVE,
        );
        t = reply.end + 1;
        let (_, end) = self.leaf(
            root,
            ObsType::Guardrail,
            n::PII_FILTER,
            t,
            30.0,
            Some((0.02, Level::Warning, st::GUARD_PII)),
        );
        t = end + 1;
        self.end(root, t);
        if self.rng.chance(0.08) {
            let at = t + self.rng.latency(8_000.0, 0.8, 0.05) as i64;
            let ev = self.push(root, ObsType::Event, n::USER_FEEDBACK, at);
            self.end(ev, at);
            return at;
        }
        t
    }

    fn rag_qa(&mut self, t0: i64) -> i64 {
        let root = self.push(NONE, ObsType::Chain, n::RAG_QA, t0);
        let mut t = t0 + 1;
        let (i, o) = (self.tokens(350.0, 0.3), self.tokens(40.0, 0.4));
        let rewrite = self.call(
            root,
            ObsType::Generation,
            n::REWRITE_QUERY,
            pm::GPT4O_MINI,
            t,
            i,
            o,
            false,
            0,
            pp::JSON,
        );
        t = rewrite.end + 1;
        let q = self.tokens(30.0, 0.4);
        let embed = self.call(
            root,
            ObsType::Embedding,
            n::EMBED_QUERY,
            pm::EMBED,
            t,
            q,
            0.0,
            false,
            0,
            0,
        );
        t = embed.end + 1;
        let (_, end) = self.leaf(
            root,
            ObsType::Retriever,
            n::VECTOR_SEARCH,
            t,
            85.0,
            Some((0.04, Level::Warning, st::LOW_RECALL)),
        );
        t = end + 1;
        let (_, end) = self.leaf(root, ObsType::Span, n::RERANK, t, 140.0, None);
        t = end + 1;
        let model = if self.env == 2 {
            pm::LLAMA
        } else if self.rng.chance(0.6) {
            pm::SONNET
        } else {
            pm::GEMINI_FLASH
        };
        let (i, o) = (self.tokens(5200.0, 0.4), self.tokens(380.0, 0.5));
        let answer = self.call(
            root,
            ObsType::Generation,
            n::ANSWER,
            model,
            t,
            i,
            o,
            true,
            6,
            pp::LONG,
        );
        t = answer.end + 1;
        if answer.failed {
            self.set_status(root, Level::Error, st::NONE);
        }
        self.end(root, t);
        t
    }

    fn classify_ticket(&mut self, t0: i64) -> i64 {
        let root = self.push(NONE, ObsType::Span, n::CLASSIFY_TICKET, t0);
        let t = t0 + 1;
        let model = if self.new_version && self.env == 0 && self.rng.chance(0.7) {
            pm::FT_MINI
        } else {
            pm::GPT4O_MINI
        };
        let prompt = if self.new_version { 5 } else { 4 };
        let (i, o) = (self.tokens(650.0, 0.4), self.tokens(18.0, 0.3));
        let call = self.call(
            root,
            ObsType::Generation,
            n::CLASSIFY,
            model,
            t,
            i,
            o,
            false,
            prompt,
            pp::JSON,
        );
        let mut end = call.end + 1;
        let parse_fail = if self.new_version { 0.04 } else { 0.025 };
        if call.failed || self.rng.chance(parse_fail) {
            if !call.failed {
                self.set_status(call.idx, Level::Error, st::JSON_PARSE);
            }
            let (i, o) = (self.tokens(700.0, 0.4), self.tokens(20.0, 0.3));
            let retry = self.call(
                root,
                ObsType::Generation,
                n::RETRY_CLASSIFY,
                pm::GPT4O_MINI,
                end,
                i,
                o,
                false,
                prompt,
                pp::JSON,
            );
            end = retry.end + 1;
        }
        self.end(root, end);
        end
    }

    fn code_review(&mut self, t0: i64) -> i64 {
        let root = self.push(NONE, ObsType::Agent, n::CODE_REVIEW_AGENT, t0);
        let mut t = t0 + 2;
        let plan = self.push(root, ObsType::Chain, n::PLAN, t);
        let (i, o) = (self.tokens(3500.0, 0.4), self.tokens(900.0, 0.5));
        let p = self.call(
            plan,
            ObsType::Generation,
            n::PLAN_REVIEW,
            pm::O4_MINI,
            t + 1,
            i,
            o,
            false,
            0,
            pp::REASONING,
        );
        t = p.end + 1;
        self.end(plan, t);
        let files = self.rng.range(1, 5);
        for _ in 0..files {
            let (_, end) = self.leaf(root, ObsType::Tool, n::FETCH_DIFF, t, 320.0, None);
            t = end + 1;
            let model = if self.rng.chance(0.7) {
                pm::SONNET
            } else {
                pm::O4_MINI
            };
            let prompt = if self.new_version { 8 } else { 7 };
            let (i, o) = (self.tokens(6000.0, 0.6), self.tokens(450.0, 0.5));
            let review = self.call(
                root,
                ObsType::Generation,
                n::REVIEW_FILE,
                model,
                t,
                i,
                o,
                true,
                prompt,
                pp::LONG,
            );
            t = review.end + 1;
        }
        let runner = self.push(root, ObsType::Agent, n::TEST_RUNNER, t);
        let (tests, end) = self.leaf(
            runner,
            ObsType::Tool,
            n::RUN_TESTS,
            t + 1,
            18_000.0,
            Some((0.03, Level::Error, st::TESTS_TIMEOUT)),
        );
        t = end + 1;
        if self
            .rows
            .get(tests as usize)
            .is_some_and(|o| o.level == Level::Default)
            && self.rng.chance(0.08)
        {
            self.set_status(tests, Level::Warning, st::TESTS_FAILED);
        }
        let (i, o) = (self.tokens(4000.0, 0.5), self.tokens(200.0, 0.5));
        let summary = self.call(
            runner,
            ObsType::Generation,
            n::SUMMARIZE_TESTS,
            pm::HAIKU,
            t,
            i,
            o,
            true,
            0,
            pp::CHAT,
        );
        t = summary.end + 1;
        self.end(runner, t);
        if self.rng.chance(0.25) {
            let (i, o) = (self.tokens(2500.0, 0.4), self.tokens(60.0, 0.4));
            let eval = self.call(
                root,
                ObsType::Evaluator,
                n::REVIEW_QUALITY,
                pm::GPT41_MINI,
                t,
                i,
                o,
                false,
                0,
                pp::JSON,
            );
            t = eval.end + 1;
        }
        let (i, o) = (self.tokens(3000.0, 0.4), self.tokens(350.0, 0.5));
        let fin = self.call(
            root,
            ObsType::Generation,
            n::FINAL_SUMMARY,
            pm::GPT41,
            t,
            i,
            o,
            true,
            0,
            pp::CHAT,
        );
        t = fin.end + 1;
        if self.rng.chance(0.3) {
            let (_, end) = self.leaf(
                root,
                ObsType::Tool,
                n::POST_TO_SLACK,
                t,
                250.0,
                Some((0.02, Level::Warning, st::SLACK_RATELIMITED)),
            );
            t = end + 1;
        }
        self.end(root, t);
        t
    }

    fn image_studio(&mut self, t0: i64) -> i64 {
        let root = self.push(NONE, ObsType::Span, n::IMAGE_STUDIO, t0);
        let mut t = t0 + 1;
        let (i, o) = (self.tokens(420.0, 0.3), self.tokens(160.0, 0.4));
        let enhance = self.call(
            root,
            ObsType::Generation,
            n::PROMPT_ENHANCE,
            pm::GPT4O_MINI,
            t,
            i,
            o,
            true,
            9,
            pp::CREATIVE,
        );
        t = enhance.end + 1;
        let (guard, end) = self.leaf(
            root,
            ObsType::Guardrail,
            n::CONTENT_POLICY,
            t,
            90.0,
            Some((0.015, Level::Warning, st::GUARD_INJECTION)),
        );
        t = end + 1;
        if self
            .rows
            .get(guard as usize)
            .is_some_and(|o| o.level == Level::Warning)
        {
            self.end(root, t);
            return t;
        }
        let params = if self.rng.chance(0.25) {
            pp::IMAGE_HD
        } else {
            pp::IMAGE_STD
        };
        let render = self.call(
            root,
            ObsType::Generation,
            n::RENDER_IMAGE,
            pm::DALL_E,
            t,
            1.0,
            1.0,
            false,
            0,
            params,
        );
        t = render.end + 1;
        if self.rng.chance(0.02) {
            // A safety rejection: no image, no usage.
            self.set_status(render.idx, Level::Error, st::SAFETY_REJECTED);
            if let Some(o) = self.get(render.idx) {
                o.flags &= !flag::USAGE;
                o.usage = [0; 5];
            }
        } else {
            let (_, end) = self.leaf(
                root,
                ObsType::Tool,
                n::UPLOAD_ASSET,
                t,
                350.0,
                Some((0.015, Level::Error, st::S3_SLOWDOWN)),
            );
            t = end + 1;
        }
        self.end(root, t);
        t
    }

    fn doc_summarizer(&mut self, t0: i64) -> i64 {
        let root = self.push(NONE, ObsType::Chain, n::DOC_SUMMARIZER, t0);
        let (_, chunked) = self.leaf(root, ObsType::Span, n::CHUNK_DOCUMENT, t0 + 1, 120.0, None);
        let chunks = self.rng.range(2, 12);
        let mut t = chunked + 1;
        let mut map_end = t;
        for k in 0..chunks {
            let model = if self.rng.chance(0.7) {
                pm::HAIKU
            } else {
                pm::GEMINI_FLASH
            };
            let at = t + k as i64 * self.rng.range(5, 40) as i64;
            let (i, o) = (self.tokens(3500.0, 0.3), self.tokens(260.0, 0.4));
            let call = self.call(
                root,
                ObsType::Generation,
                n::SUMMARIZE_CHUNK,
                model,
                at,
                i,
                o,
                false,
                0,
                pp::CHAT,
            );
            map_end = map_end.max(call.end);
        }
        t = map_end + 1;
        let input = if self.rng.chance(0.08) {
            self.rng.range(205_000, 340_000) as f64
        } else {
            chunks as f64 * 300.0 + self.tokens(1500.0, 0.4)
        };
        let o = self.tokens(700.0, 0.4);
        let reduce = self.call(
            root,
            ObsType::Generation,
            n::REDUCE_SUMMARIES,
            pm::SONNET,
            t,
            input,
            o,
            true,
            0,
            pp::LONG,
        );
        t = reduce.end + 1;
        self.end(root, t);
        t
    }
}

/// Generates the dataset for `config`.
pub(crate) fn generate(config: &SynthConfig) -> Dataset {
    let target = config.observations;
    let tl = Timeline::new(config);
    let mut rng = Rand::new(config.seed ^ 0x4c6f_7570_6553_796e);
    let n_users = (target / 150).max(8) as u64;
    let weights: Vec<u32> = catalog::SERVICES.iter().map(|s| s.weight).collect();
    let mut rows: Vec<Obs> = Vec::with_capacity(target);
    let mut traces: Vec<Trace> = Vec::with_capacity(target / 6 + 1);
    let mut sessions: Vec<i64> = Vec::new();
    let mut id_buf = String::with_capacity(40);
    let mut scratch: Vec<Obs> = Vec::with_capacity(64);
    let mut guard = 0u64;
    while rows.len() < target && guard < (target as u64 + 1000) * 20 {
        guard += 1;
        let session_start = tl.sample(&mut rng);
        let service = rng.weighted(&weights) as u8;
        let env = rng.weighted(&[82, 13, 5]) as u8;
        let batch = matches!(service, 2 | 5);
        let user = if batch && rng.chance(0.7) || rng.chance(0.06) {
            NONE
        } else {
            rng.skewed(n_users, 2.6) as u32
        };
        let tenant = if user == NONE {
            rng.below(catalog::TENANTS.len() as u64) as u8
        } else {
            (crate::dataset::permute32(user) % catalog::TENANTS.len() as u32) as u8
        };
        let turns = match service {
            0 => rng.turns(0.62, 12),
            1 => rng.turns(0.45, 6),
            3 => rng.turns(0.35, 4),
            4 => rng.turns(0.55, 8),
            _ => 1,
        };
        let session = if batch {
            NONE
        } else {
            sessions.push(session_start);
            (sessions.len() - 1) as u32
        };
        let svc = catalog::SERVICES.get(usize::from(service));
        let legacy_share = svc.map_or(0.0, |s| s.legacy_share) * config.legacy_share / 0.15;
        let tag_count = svc.map_or(0, |s| s.tags.len());
        let mut t = session_start;
        for _ in 0..turns {
            if rows.len() >= target || t >= tl.end {
                break;
            }
            let (release, new_version) = tl.release(&mut rng, env, t);
            let legacy = rng.chance(legacy_share);
            let trace_idx = traces.len() as u32;
            let mut tags = 0u8;
            if tag_count > 0 {
                tags |= 1;
                for bit in 1..tag_count.min(8) {
                    if rng.chance(0.3) {
                        tags |= 1 << bit;
                    }
                }
            }
            let id = if legacy {
                ids::as_uuid_v4(rng.u128())
            } else {
                rng.u128().max(1)
            };
            let mut trace = Trace {
                id,
                start_ms: t,
                hash: 0,
                user,
                session,
                service,
                env,
                release,
                tags,
                tenant,
                legacy,
                new_version,
            };
            id_buf.clear();
            push_trace_id(&mut id_buf, &trace);
            trace.hash = ids::xxhash32(id_buf.as_bytes());
            scratch.clear();
            let mut b = Builder {
                rng: &mut rng,
                rows: std::mem::take(&mut scratch),
                trace: trace_idx,
                legacy,
                env,
                new_version,
                in_incident: t >= tl.incident && t < tl.incident_end,
                top: NONE,
            };
            if legacy {
                let root = b.push(NONE, ObsType::Span, root_name(service), t);
                if let Some(o) = b.get(root) {
                    o.flags |= flag::SYNTH_ROOT;
                }
                b.top = root;
            }
            let trace_end = match service {
                0 => b.support_agent(t),
                1 => b.rag_qa(t),
                2 => b.classify_ticket(t),
                3 => b.code_review(t),
                4 => b.image_studio(t),
                _ => b.doc_summarizer(t),
            };
            scratch = b.rows;
            if scratch.iter().any(|o| o.start_ms >= tl.end) {
                break;
            }
            let base = rows.len() as u32;
            let take = scratch.len().min(target - rows.len());
            for o in scratch.iter().take(take) {
                let mut o = *o;
                if o.parent != NONE {
                    o.parent += base;
                }
                rows.push(o);
            }
            traces.push(trace);
            t = trace_end + rng.latency(40_000.0, 0.9, 0.05) as i64;
        }
    }
    finish(config.clone(), rows, traces, sessions)
}

fn root_name(service: u8) -> u16 {
    match service {
        0 => n::SUPPORT_AGENT,
        1 => n::RAG_QA,
        2 => n::CLASSIFY_TICKET,
        3 => n::CODE_REVIEW_AGENT,
        4 => n::IMAGE_STUDIO,
        _ => n::DOC_SUMMARIZER,
    }
}

/// Sorts rows into v2 order, remaps parents, builds the trace index and draws scores.
fn finish(config: SynthConfig, rows: Vec<Obs>, traces: Vec<Trace>, sessions: Vec<i64>) -> Dataset {
    let mut order: Vec<u32> = (0..rows.len() as u32).collect();
    let mut a_buf = String::with_capacity(40);
    let mut b_buf = String::with_capacity(40);
    let hash_of = |o: &Obs| traces.get(o.trace as usize).map_or(0, |t| t.hash);
    loupe_core::sort::sort_by(&mut order, |&a, &b| {
        let (Some(oa), Some(ob)) = (rows.get(a as usize), rows.get(b as usize)) else {
            return std::cmp::Ordering::Equal;
        };
        ob.start_ms
            .cmp(&oa.start_ms)
            .then_with(|| hash_of(ob).cmp(&hash_of(oa)))
            .then_with(|| {
                a_buf.clear();
                b_buf.clear();
                if let Some(t) = traces.get(oa.trace as usize) {
                    push_obs_id(&mut a_buf, oa, t);
                }
                if let Some(t) = traces.get(ob.trace as usize) {
                    push_obs_id(&mut b_buf, ob, t);
                }
                b_buf.cmp(&a_buf)
            })
    });
    let mut position = vec![0u32; rows.len()];
    for (pos, &old) in order.iter().enumerate() {
        if let Some(p) = position.get_mut(old as usize) {
            *p = pos as u32;
        }
    }
    let sorted: Vec<Obs> = order
        .iter()
        .filter_map(|&old| rows.get(old as usize))
        .map(|o| {
            let mut o = *o;
            if o.parent != NONE {
                o.parent = position.get(o.parent as usize).copied().unwrap_or(NONE);
            }
            o
        })
        .collect();
    drop(rows);
    drop(order);
    drop(position);

    // CSR index of rows per trace.
    let mut trace_offsets = vec![0u32; traces.len() + 1];
    for o in &sorted {
        if let Some(c) = trace_offsets.get_mut(o.trace as usize + 1) {
            *c += 1;
        }
    }
    for i in 1..trace_offsets.len() {
        trace_offsets[i] += trace_offsets[i - 1];
    }
    let mut fill = trace_offsets.clone();
    let mut trace_rows = vec![0u32; sorted.len()];
    for (i, o) in sorted.iter().enumerate() {
        if let Some(slot) = fill.get_mut(o.trace as usize)
            && let Some(r) = trace_rows.get_mut(*slot as usize)
        {
            *r = i as u32;
            *slot += 1;
        }
    }
    let mut traces_by_time: Vec<u32> = (0..traces.len() as u32).collect();
    loupe_core::sort::sort_by(&mut traces_by_time, |&a, &b| {
        let (Some(ta), Some(tb)) = (traces.get(a as usize), traces.get(b as usize)) else {
            return std::cmp::Ordering::Equal;
        };
        a_buf.clear();
        b_buf.clear();
        push_trace_id(&mut a_buf, ta);
        push_trace_id(&mut b_buf, tb);
        tb.start_ms
            .cmp(&ta.start_ms)
            .then_with(|| b_buf.cmp(&a_buf))
    });
    let mut ds = Dataset {
        config,
        rows: sorted,
        traces,
        sessions,
        trace_offsets,
        trace_rows,
        traces_by_time,
        scores: Vec::new(),
    };
    ds.scores = draw_scores(&ds);
    ds
}

/// Score kinds: (name, data type, source).
pub(crate) const SCORE_KINDS: &[(&str, &str, &str)] = &[
    ("helpfulness", "NUMERIC", "EVAL"),
    ("sentiment", "CATEGORICAL", "EVAL"),
    ("hallucination", "BOOLEAN", "EVAL"),
    ("quality", "NUMERIC", "ANNOTATION"),
    ("correct-category", "BOOLEAN", "ANNOTATION"),
    ("user-feedback", "BOOLEAN", "API"),
];
pub(crate) const SENTIMENTS: &[&str] = &["positive", "neutral", "negative"];

fn draw_scores(ds: &Dataset) -> Vec<Score> {
    let mut rng = Rand::new(ds.config.seed ^ 0x5c0e_5c0e_5c0e_5c0e);
    let end = ds.config.end_time_ms;
    let mut scores = Vec::new();
    for trace_idx in 0..ds.traces.len() {
        let Some(trace) = ds.traces.get(trace_idx) else {
            continue;
        };
        let rows = ds.trace_row_indexes(trace_idx);
        let trace_end = rows
            .iter()
            .filter_map(|&r| ds.row(r as usize))
            .map(|r| r.end_ms().unwrap_or(r.start_ms()))
            .max()
            .unwrap_or(trace.start_ms);
        let failed = rows
            .iter()
            .filter_map(|&r| ds.row(r as usize))
            .any(|r| r.level() == Level::Error);
        let mut push = |rng: &mut Rand, kind: u8, obs: u32, value: f64, delay_ms: i64| {
            let ts = trace_end + delay_ms;
            if ts < end {
                scores.push(Score {
                    id: ids::as_uuid_v4(rng.u128()),
                    timestamp_ms: ts,
                    trace: trace_idx as u32,
                    obs,
                    kind,
                    value,
                });
            }
        };
        let eval_delay = |rng: &mut Rand| rng.latency(45_000.0, 0.6, 0.05) as i64;
        if matches!(trace.service, 0 | 1 | 3) && rng.chance(0.4) {
            let base = if failed { 0.25 } else { 0.78 };
            let v = (base + 0.18 * rng.normal()).clamp(0.0, 1.0);
            let d = eval_delay(&mut rng);
            push(&mut rng, 0, NONE, (v * 100.0).round() / 100.0, d);
        }
        if trace.service == 0 && rng.chance(0.25) {
            let cat = rng.weighted(if failed { &[1, 3, 6] } else { &[5, 4, 1] }) as f64;
            let d = eval_delay(&mut rng);
            push(&mut rng, 1, NONE, cat, d);
        }
        for &r in rows {
            let Some(row) = ds.row(r as usize) else {
                continue;
            };
            match row.name() {
                "answer" if rng.chance(0.3) => {
                    let v = f64::from(u8::from(rng.chance(0.12)));
                    let d = eval_delay(&mut rng);
                    push(&mut rng, 2, r, v, d);
                }
                "classify" if rng.chance(0.05) => {
                    let v = f64::from(u8::from(rng.chance(0.9)));
                    let d = rng.range(HOUR_MS as u64, 30 * HOUR_MS as u64) as i64;
                    push(&mut rng, 4, r, v, d);
                }
                "user-feedback" => {
                    let v = f64::from(u8::from(rng.chance(if failed { 0.3 } else { 0.8 })));
                    push(&mut rng, 5, r, v, 1);
                }
                _ => {}
            }
        }
        if trace.service == 0 && rng.chance(0.03) {
            let v = rng.range(1, 5) as f64;
            let d = rng.range(HOUR_MS as u64, 30 * HOUR_MS as u64) as i64;
            push(&mut rng, 3, NONE, v, d);
        }
    }
    let mut buf_a = String::with_capacity(36);
    let mut buf_b = String::with_capacity(36);
    loupe_core::sort::sort_by(&mut scores, |a, b| {
        buf_a.clear();
        buf_b.clear();
        ids::push_uuid(&mut buf_a, a.id);
        ids::push_uuid(&mut buf_b, b.id);
        b.timestamp_ms
            .cmp(&a.timestamp_ms)
            .then_with(|| buf_b.cmp(&buf_a))
    });
    scores
}
