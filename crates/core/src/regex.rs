//! A small regular-expression matcher for the models list: `matchPattern` against model names and tier
//! `usageDetailPattern` against usage keys. Only "does it match anywhere" is asked, so there are no
//! captures and no match positions; the web build carries this instead of a general regex crate (which
//! cost about 30 KB of wasm).
//!
//! Syntax (the `regex` crate family's, which covers the Postgres patterns Langfuse ships, e.g.
//! `(?i)^(openai/)?(gpt-4o)(-2024-08-06)?$`): literals; `.`; classes `[a-z_]`, `[^…]` with ranges, escapes,
//! Perl classes and POSIX classes `[[:alpha:]]`; groups `(…)`, `(?:…)`, `(?P<name>…)`, `(?<name>…)`;
//! alternation `|`; repetition `?`, `*`, `+`, `{n}`, `{n,}`, `{n,m}`, each also lazy (`??`, …: the same for
//! "does it match"); anchors `^`, `$`, `\A`, `\z`; word boundaries `\b`, `\B`; flags `i`, `m`, `s`, `U` as
//! `(?flags)`, `(?flags:…)` and `(?-flags)`; Perl classes `\d`, `\s`, `\w` and their negations; escapes
//! `\n`, `\t`, `\r`, `\f`, `\v`, `\a`, `\xHH`, `\x{…}`, `\u…`, `\U…` and any escaped ASCII punctuation (`\.`,
//! `\/`, `\-`). Like `regex-lite`: Perl classes, word boundaries and case-insensitive matching are ASCII
//! only (other characters match themselves exactly).
//!
//! Not supported (the pattern then does not compile, which the caller treats as "never matches"): verbose
//! mode `x`, CRLF mode `R`, class set operations (`&&`, `--`, `~~`), Unicode classes (`\p{…}`), and
//! programs over [`MAX_PROGRAM`] instructions (e.g. huge counted repetitions).
//!
//! Matching is a Pike VM without captures: O(pattern length × text length) whatever the pattern, no
//! backtracking.

/// Compiled program size limit, in instructions.
pub(crate) const MAX_PROGRAM: usize = 20_000;

const MAX_CHAR: u32 = 0x10_FFFF;

/// A compiled pattern.
#[derive(Clone, Debug)]
pub(crate) struct Regex {
    prog: Vec<Inst>,
}

#[derive(Clone, Debug)]
enum Inst {
    /// One character in any of the (inclusive, code point) ranges.
    Class(Box<[(u32, u32)]>),
    /// Continue at both targets.
    Split(u32, u32),
    Jump(u32),
    Look(Look),
    Match,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Look {
    TextStart,
    TextEnd,
    LineStart,
    LineEnd,
    WordBoundary,
    NotWordBoundary,
}

#[derive(Clone, Debug)]
enum Node {
    Empty,
    Class(Vec<(u32, u32)>),
    Look(Look),
    Concat(Vec<Node>),
    Alt(Vec<Node>),
    Repeat {
        node: Box<Node>,
        min: u32,
        max: Option<u32>,
    },
}

#[derive(Clone, Copy, Default)]
struct Flags {
    case_insensitive: bool,
    multi_line: bool,
    dot_all: bool,
}

/// Why a pattern did not compile (the caller only needs "it did not").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Unsupported;

type Parsed<T> = Result<T, Unsupported>;

impl Regex {
    /// Compiles `pattern`; `case_insensitive` is the initial `i` flag.
    pub(crate) fn new(pattern: &str, case_insensitive: bool) -> Result<Self, Unsupported> {
        let mut p = Parser {
            chars: pattern.chars().collect(),
            at: 0,
            depth: 0,
            names: Vec::new(),
        };
        let flags = Flags {
            case_insensitive,
            ..Flags::default()
        };
        let node = p.alternation(flags)?;
        if p.at != p.chars.len() {
            return Err(Unsupported); // an unopened `)`
        }
        let mut prog = Vec::new();
        compile(&node, &mut prog)?;
        prog.push(Inst::Match);
        Ok(Self { prog })
    }

    /// Whether the pattern matches anywhere in `text`.
    pub(crate) fn is_match(&self, text: &str) -> bool {
        let n = self.prog.len();
        let mut current = Threads::new(n);
        let mut next = Threads::new(n);
        let mut stack = Vec::new();
        let mut prev: Option<char> = None;
        let mut rest = text.chars();
        loop {
            let at_start = prev.is_none();
            let ch = rest.clone().next();
            // Unanchored search: a new thread starts at every position.
            let here = Position {
                prev,
                next: ch,
                at_start,
            };
            if self.add(&mut current, 0, here, &mut stack) {
                return true;
            }
            let Some(c) = ch else { return false };
            rest.next();
            let after = Position {
                prev: Some(c),
                next: rest.clone().next(),
                at_start: false,
            };
            next.clear();
            for &pc in &current.dense {
                if let Some(Inst::Class(ranges)) = self.prog.get(pc as usize)
                    && in_ranges(ranges, c as u32)
                    && self.add(&mut next, pc + 1, after, &mut stack)
                {
                    return true;
                }
            }
            core::mem::swap(&mut current, &mut next);
            prev = Some(c);
        }
    }

    /// Adds the thread at `pc` and everything reachable from it without consuming a character. True
    /// when `Match` is reachable.
    fn add(&self, set: &mut Threads, pc: u32, at: Position, stack: &mut Vec<u32>) -> bool {
        stack.clear();
        stack.push(pc);
        while let Some(pc) = stack.pop() {
            if !set.insert(pc) {
                continue;
            }
            match self.prog.get(pc as usize) {
                Some(Inst::Match) => return true,
                Some(Inst::Jump(to)) => stack.push(*to),
                Some(Inst::Split(a, b)) => {
                    stack.push(*b);
                    stack.push(*a);
                }
                Some(Inst::Look(look)) => {
                    if at.holds(*look) {
                        stack.push(pc + 1);
                    }
                }
                Some(Inst::Class(_)) | None => {}
            }
        }
        false
    }
}

#[derive(Clone, Copy)]
struct Position {
    prev: Option<char>,
    next: Option<char>,
    at_start: bool,
}

impl Position {
    fn holds(self, look: Look) -> bool {
        let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        match look {
            Look::TextStart => self.at_start,
            Look::TextEnd => self.next.is_none(),
            Look::LineStart => self.at_start || self.prev == Some('\n'),
            Look::LineEnd => self.next.is_none() || self.next == Some('\n'),
            Look::WordBoundary => word(self.prev) != word(self.next),
            Look::NotWordBoundary => word(self.prev) == word(self.next),
        }
    }
}

/// A sparse set of program counters, in insertion order.
struct Threads {
    dense: Vec<u32>,
    sparse: Vec<u32>,
}

impl Threads {
    fn new(n: usize) -> Self {
        Self {
            dense: Vec::with_capacity(n),
            sparse: vec![0; n],
        }
    }

    fn clear(&mut self) {
        self.dense.clear();
    }

    /// False when `pc` was already there (or out of range).
    fn insert(&mut self, pc: u32) -> bool {
        let Some(slot) = self.sparse.get_mut(pc as usize) else {
            return false;
        };
        if self.dense.get(*slot as usize) == Some(&pc) {
            return false;
        }
        *slot = self.dense.len() as u32;
        self.dense.push(pc);
        true
    }
}

fn in_ranges(ranges: &[(u32, u32)], c: u32) -> bool {
    ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi)
}

fn compile(node: &Node, prog: &mut Vec<Inst>) -> Result<(), Unsupported> {
    if prog.len() > MAX_PROGRAM {
        return Err(Unsupported);
    }
    let here = |prog: &Vec<Inst>| prog.len() as u32;
    match node {
        Node::Empty => {}
        Node::Class(ranges) => prog.push(Inst::Class(ranges.clone().into_boxed_slice())),
        Node::Look(look) => prog.push(Inst::Look(*look)),
        Node::Concat(nodes) => {
            for n in nodes {
                compile(n, prog)?;
            }
        }
        Node::Alt(nodes) => {
            // split L1, next; L1: a; jump end; next: split L2, next2; ... last: z; end:
            let mut jumps = Vec::new();
            for (i, n) in nodes.iter().enumerate() {
                if i + 1 < nodes.len() {
                    let split = prog.len();
                    prog.push(Inst::Split(0, 0));
                    compile(n, prog)?;
                    jumps.push(prog.len());
                    prog.push(Inst::Jump(0));
                    let next = here(prog);
                    if let Some(s) = prog.get_mut(split) {
                        *s = Inst::Split(split as u32 + 1, next);
                    }
                } else {
                    compile(n, prog)?;
                }
            }
            let end = here(prog);
            for j in jumps {
                if let Some(s) = prog.get_mut(j) {
                    *s = Inst::Jump(end);
                }
            }
        }
        Node::Repeat { node, min, max } => {
            for _ in 0..*min {
                compile(node, prog)?;
            }
            match max {
                None => {
                    // loop: split body, end; body; jump loop; end:
                    let split = prog.len();
                    prog.push(Inst::Split(0, 0));
                    compile(node, prog)?;
                    prog.push(Inst::Jump(split as u32));
                    let end = here(prog);
                    if let Some(s) = prog.get_mut(split) {
                        *s = Inst::Split(split as u32 + 1, end);
                    }
                }
                Some(max) => {
                    // Each optional copy: split body, end.
                    let mut splits = Vec::new();
                    for _ in *min..*max {
                        splits.push(prog.len());
                        prog.push(Inst::Split(0, 0));
                        compile(node, prog)?;
                        if prog.len() > MAX_PROGRAM {
                            return Err(Unsupported);
                        }
                    }
                    let end = here(prog);
                    for s in splits {
                        if let Some(i) = prog.get_mut(s) {
                            *i = Inst::Split(s as u32 + 1, end);
                        }
                    }
                }
            }
        }
    }
    if prog.len() > MAX_PROGRAM {
        return Err(Unsupported);
    }
    Ok(())
}

struct Parser {
    chars: Vec<char>,
    at: usize,
    /// Current group nesting.
    depth: u32,
    /// Group names so far (a repeated name does not compile).
    names: Vec<String>,
}

/// Group nesting limit (parser and compiler recurse per group).
const MAX_DEPTH: u32 = 64;
/// Limit of repetition operators applied in a row (`a{2}{3}` is two).
const MAX_REPEAT_RUN: u32 = 4;

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn bump(&mut self) -> Parsed<char> {
        let c = self.peek().ok_or(Unsupported)?;
        self.at += 1;
        Ok(c)
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    /// `a|b|…` up to an unmatched `)` or the end. Inline flags `(?i)` apply up to the end of the group.
    /// A repetition operator applies to the item before it (as in `regex-lite`).
    fn alternation(&mut self, mut flags: Flags) -> Parsed<Node> {
        let mut alts = Vec::new();
        let mut items: Vec<Node> = Vec::new();
        let mut run = 0u32; // repetition operators on the last item
        while let Some(c) = self.peek() {
            match c {
                ')' => break,
                '|' => {
                    self.at += 1;
                    alts.push(Node::Concat(core::mem::take(&mut items)));
                }
                '?' | '*' | '+' | '{' => {
                    self.at += 1;
                    let (min, max) = match c {
                        '?' => (0, Some(1)),
                        '*' => (0, None),
                        '+' => (1, None),
                        _ => self.counted()?,
                    };
                    self.eat('?'); // lazy: the same set of matches
                    let node = items.pop().ok_or(Unsupported)?;
                    // `a{2}{3}` nests: bounded, as the compiler recurses through it.
                    run += 1;
                    if run > MAX_REPEAT_RUN {
                        return Err(Unsupported);
                    }
                    items.push(Node::Repeat {
                        node: Box::new(node),
                        min,
                        max,
                    });
                }
                _ => {
                    if let Some(atom) = self.atom(&mut flags)? {
                        items.push(atom);
                        run = 0;
                    }
                }
            }
        }
        alts.push(Node::Concat(items));
        Ok(if alts.len() == 1 {
            alts.pop().unwrap_or(Node::Empty)
        } else {
            Node::Alt(alts)
        })
    }

    /// After `{`: `n}`, `n,}` or `n,m}`.
    fn counted(&mut self) -> Parsed<(u32, Option<u32>)> {
        let min = self.number()?;
        let max = if self.eat(',') {
            if self.peek() == Some('}') {
                None
            } else {
                Some(self.number()?)
            }
        } else {
            Some(min)
        };
        if !self.eat('}') || max.is_some_and(|m| m < min) {
            return Err(Unsupported);
        }
        Ok((min, max))
    }

    fn number(&mut self) -> Parsed<u32> {
        let start = self.at;
        let mut n: u32 = 0;
        while let Some(d) = self.peek().and_then(|c| c.to_digit(10)) {
            n = n
                .checked_mul(10)
                .and_then(|n| n.checked_add(d))
                .ok_or(Unsupported)?;
            self.at += 1;
        }
        if self.at == start || n as usize > MAX_PROGRAM {
            return Err(Unsupported);
        }
        Ok(n)
    }

    /// One atom; `None` for a flag directive `(?i)` (which changes `flags` instead).
    fn atom(&mut self, flags: &mut Flags) -> Parsed<Option<Node>> {
        let ci = flags.case_insensitive;
        let node = match self.bump()? {
            '(' => return self.group(flags),
            '[' => Node::Class(self.class(ci)?),
            '.' => Node::Class(if flags.dot_all {
                vec![(0, MAX_CHAR)]
            } else {
                vec![(0, 9), (11, MAX_CHAR)]
            }),
            '^' if flags.multi_line => Node::Look(Look::LineStart),
            '^' => Node::Look(Look::TextStart),
            '$' if flags.multi_line => Node::Look(Look::LineEnd),
            '$' => Node::Look(Look::TextEnd),
            '\\' => match self.escape()? {
                Escape::Look(look) => Node::Look(look),
                Escape::Class(ranges) => Node::Class(fold(ranges, ci)),
            },
            c => Node::Class(fold(vec![(c as u32, c as u32)], ci)),
        };
        Ok(Some(node))
    }

    /// After `(`: a group, or a flag directive.
    fn group(&mut self, flags: &mut Flags) -> Parsed<Option<Node>> {
        let mut inner = *flags;
        if self.eat('?') {
            if self.eat('P') && self.peek() != Some('<') {
                return Err(Unsupported);
            }
            if self.eat('<') {
                // A named group (the name is checked like `regex-lite` does; captures are not kept).
                let start = self.at;
                while let Some(c) = self.peek().filter(|&c| c != '>') {
                    let ok = if self.at == start {
                        c == '_' || c.is_alphabetic()
                    } else {
                        c == '_' || c == '.' || c == '[' || c == ']' || c.is_alphanumeric()
                    };
                    if !ok {
                        return Err(Unsupported);
                    }
                    self.at += 1;
                }
                let name: String = self
                    .chars
                    .get(start..self.at)
                    .unwrap_or(&[])
                    .iter()
                    .collect();
                if name.is_empty() || !self.eat('>') || self.names.contains(&name) {
                    return Err(Unsupported);
                }
                self.names.push(name);
            } else {
                // Flags: `(?ims-ims)` or `(?ims-ims:…)`; no repeats, no dangling or double `-`.
                let (mut negate, mut last_negate, mut seen) = (false, false, Vec::new());
                loop {
                    let c = self.bump()?;
                    if c == ')' || c == ':' {
                        if last_negate || (c == ')' && seen.is_empty() && !negate) {
                            return Err(Unsupported);
                        }
                        if c == ')' {
                            *flags = inner;
                            return Ok(None);
                        }
                        break;
                    }
                    if c == '-' {
                        if negate {
                            return Err(Unsupported);
                        }
                        (negate, last_negate) = (true, true);
                        continue;
                    }
                    last_negate = false;
                    if seen.contains(&c) {
                        return Err(Unsupported);
                    }
                    seen.push(c);
                    match c {
                        'i' => inner.case_insensitive = !negate,
                        'm' => inner.multi_line = !negate,
                        's' => inner.dot_all = !negate,
                        'U' | 'u' => {} // greed and Unicode mode: no effect on whether there is a match
                        _ => return Err(Unsupported),
                    }
                }
            }
        }
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Unsupported);
        }
        let node = self.alternation(inner)?;
        self.depth -= 1;
        if !self.eat(')') {
            return Err(Unsupported);
        }
        Ok(Some(node))
    }

    /// After `[`: the class's ranges, case-folded with `ci` before negation (so `(?i)[^x]` excludes `X`).
    fn class(&mut self, ci: bool) -> Parsed<Vec<(u32, u32)>> {
        let negated = self.eat('^');
        let mut ranges = Vec::new();
        // Leading `-`s and a first `]` are literals.
        while self.eat('-') {
            ranges.push((u32::from(b'-'), u32::from(b'-')));
        }
        if ranges.is_empty() && self.eat(']') {
            ranges.push((u32::from(b']'), u32::from(b']')));
        }
        loop {
            let c = self.bump()?;
            match c {
                ']' => break,
                '[' => {
                    // Only POSIX classes nest.
                    let (set, negate) = self.posix().ok_or(Unsupported)?;
                    ranges.extend(if negate { negate_ranges(set) } else { set });
                }
                '&' | '-' | '~' if self.peek() == Some(c) => return Err(Unsupported),
                _ => {
                    let first = self.class_item(c)?;
                    let next = self.chars.get(self.at + 1).copied();
                    if self.peek() != Some('-') || matches!(next, Some(']' | '-')) {
                        ranges.extend(first);
                        continue;
                    }
                    self.at += 1;
                    let c = self.bump()?;
                    let (lo, hi) = match (first.as_slice(), self.class_item(c)?.as_slice()) {
                        ([(lo, l2)], [(hi, h2)]) if lo == l2 && hi == h2 => (*lo, *hi),
                        _ => return Err(Unsupported), // a class as a range end
                    };
                    if hi < lo {
                        return Err(Unsupported);
                    }
                    ranges.push((lo, hi));
                }
            }
        }
        let ranges = fold(ranges, ci);
        Ok(if negated {
            negate_ranges(ranges)
        } else {
            ranges
        })
    }

    /// One class item: a character or an escape (a Perl class gives several ranges).
    fn class_item(&mut self, c: char) -> Parsed<Vec<(u32, u32)>> {
        if c != '\\' {
            return Ok(vec![(c as u32, c as u32)]);
        }
        match self.escape()? {
            Escape::Class(set) => Ok(set),
            Escape::Look(_) => Err(Unsupported),
        }
    }

    /// After `[` inside a class: `:name:]` or `:^name:]`; `None` (parser unmoved) when it is not one.
    fn posix(&mut self) -> Option<(Vec<(u32, u32)>, bool)> {
        let start = self.at;
        let parsed = self.posix_name();
        if parsed.is_none() {
            self.at = start;
        }
        parsed
    }

    fn posix_name(&mut self) -> Option<(Vec<(u32, u32)>, bool)> {
        if !self.eat(':') {
            return None;
        }
        let negate = self.eat('^');
        let start = self.at;
        while self.peek().is_some_and(|c| c != ':') {
            self.at += 1;
        }
        let name: String = self
            .chars
            .get(start..self.at)
            .unwrap_or(&[])
            .iter()
            .collect();
        if !(self.eat(':') && self.eat(']')) {
            return None;
        }
        let r = |s: &[(char, char)]| s.iter().map(|&(a, b)| (a as u32, b as u32)).collect();
        let set = match name.as_str() {
            "alnum" => r(&[('0', '9'), ('A', 'Z'), ('a', 'z')]),
            "alpha" => r(&[('A', 'Z'), ('a', 'z')]),
            "ascii" => vec![(0, 0x7F)],
            "blank" => r(&[('\t', '\t'), (' ', ' ')]),
            "cntrl" => vec![(0, 0x1F), (0x7F, 0x7F)],
            "digit" => r(&[('0', '9')]),
            "graph" => r(&[('!', '~')]),
            "lower" => r(&[('a', 'z')]),
            "print" => r(&[(' ', '~')]),
            "punct" => r(&[('!', '/'), (':', '@'), ('[', '`'), ('{', '~')]),
            "space" => r(&[('\t', '\r'), (' ', ' ')]),
            "upper" => r(&[('A', 'Z')]),
            "word" => r(&[('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z')]),
            "xdigit" => r(&[('0', '9'), ('A', 'F'), ('a', 'f')]),
            _ => return None,
        };
        Some((set, negate))
    }

    /// After `\`.
    fn escape(&mut self) -> Parsed<Escape> {
        let c = self.bump()?;
        let one = |c: char| Ok(Escape::Class(vec![(c as u32, c as u32)]));
        let perl = |set: &[(char, char)], negate: bool| {
            let set: Vec<(u32, u32)> = set.iter().map(|&(a, b)| (a as u32, b as u32)).collect();
            Ok(Escape::Class(if negate { negate_ranges(set) } else { set }))
        };
        const DIGIT: &[(char, char)] = &[('0', '9')];
        const SPACE: &[(char, char)] = &[('\t', '\r'), (' ', ' ')];
        const WORD: &[(char, char)] = &[('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z')];
        match c {
            'd' => perl(DIGIT, false),
            'D' => perl(DIGIT, true),
            's' => perl(SPACE, false),
            'S' => perl(SPACE, true),
            'w' => perl(WORD, false),
            'W' => perl(WORD, true),
            'b' => Ok(Escape::Look(Look::WordBoundary)),
            'B' => Ok(Escape::Look(Look::NotWordBoundary)),
            'A' => Ok(Escape::Look(Look::TextStart)),
            'z' => Ok(Escape::Look(Look::TextEnd)),
            'n' => one('\n'),
            't' => one('\t'),
            'r' => one('\r'),
            'f' => one('\x0C'),
            'v' => one('\x0B'),
            'a' => one('\x07'),
            'x' => self.hex(2),
            'u' => self.hex(4),
            'U' => self.hex(8),
            c if c.is_ascii() && !c.is_ascii_alphanumeric() && !matches!(c, '<' | '>') => one(c),
            _ => Err(Unsupported),
        }
    }

    /// After `\x`, `\u` or `\U`: `digits` hex digits, or `{…}` with one to eight.
    fn hex(&mut self, digits: usize) -> Parsed<Escape> {
        let braced = self.eat('{');
        let start = self.at;
        while self.peek().is_some_and(|c| c.is_ascii_hexdigit())
            && (braced || self.at - start < digits)
        {
            self.at += 1;
        }
        let text: String = self
            .chars
            .get(start..self.at)
            .unwrap_or(&[])
            .iter()
            .collect();
        let len_ok = if braced {
            (1..=8).contains(&text.len()) && self.eat('}')
        } else {
            text.len() == digits
        };
        let c = u32::from_str_radix(&text, 16)
            .ok()
            .and_then(char::from_u32)
            .filter(|_| len_ok)
            .ok_or(Unsupported)?;
        Ok(Escape::Class(vec![(c as u32, c as u32)]))
    }
}

enum Escape {
    Class(Vec<(u32, u32)>),
    Look(Look),
}

/// The complement of `ranges` over all code points.
fn negate_ranges(mut ranges: Vec<(u32, u32)>) -> Vec<(u32, u32)> {
    crate::sort::sort_by(&mut ranges, Ord::cmp);
    let mut out = Vec::new();
    let mut next = 0u32;
    for (lo, hi) in ranges {
        if lo > next {
            out.push((next, lo - 1));
        }
        next = next.max(hi.saturating_add(1));
    }
    if next <= MAX_CHAR {
        out.push((next, MAX_CHAR));
    }
    out
}

/// With `case_insensitive`, adds the other ASCII case of every letter in `ranges` (ASCII only, as
/// `regex-lite`).
fn fold(mut ranges: Vec<(u32, u32)>, case_insensitive: bool) -> Vec<(u32, u32)> {
    if case_insensitive {
        let mut extra = Vec::new();
        for &(lo, hi) in &ranges {
            for (from_lo, from_hi, to) in [(b'a', b'z', b'A'), (b'A', b'Z', b'a')] {
                let (a, b) = (lo.max(u32::from(from_lo)), hi.min(u32::from(from_hi)));
                if a <= b {
                    let shift = |x: u32| x - u32::from(from_lo) + u32::from(to);
                    extra.push((shift(a), shift(b)));
                }
            }
        }
        ranges.extend(extra);
    }
    ranges
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;

    fn lite(pattern: &str, ci: bool) -> Option<regex_lite::Regex> {
        regex_lite::RegexBuilder::new(pattern)
            .case_insensitive(ci)
            .build()
            .ok()
    }

    /// Same compile outcome and same answer as `regex-lite` on every text.
    fn agrees(pattern: &str, ci: bool, texts: &[&str]) {
        let ours = Regex::new(pattern, ci).ok();
        let theirs = lite(pattern, ci);
        assert_eq!(
            ours.is_some(),
            theirs.is_some(),
            "compiles: {pattern:?} (ours {}, regex-lite {})",
            ours.is_some(),
            theirs.is_some()
        );
        if let (Some(a), Some(b)) = (ours, theirs) {
            for t in texts {
                assert_eq!(a.is_match(t), b.is_match(t), "{pattern:?} on {t:?}");
            }
        }
    }

    const NAMES: &[&str] = &[
        "",
        "gpt-4o",
        "GPT-4O",
        "openai/gpt-4o",
        "gpt-4o-mini",
        "gpt-4o-2024-08-06",
        "azure/gpt-4o",
        "claude-sonnet-4-5",
        "anthropic/claude-sonnet-4-5-20250929",
        "anthropic.claude-3-haiku-20240307-v1:0",
        "ft:gpt-4o-mini-2024-07-18:acme:ticket-classifier:abc",
        "gemini-2.5-flash",
        "input",
        "input_cached_tokens",
        "output",
        "output_reasoning",
        "total",
        "a\nb",
        "héllo wörld",
        "x_y z",
    ];

    #[test]
    fn langfuse_style_patterns() {
        for p in [
            "(?i)^(openai/)?(gpt-4o)$",
            "(?i)^(openai/)?(gpt-4o-mini)$",
            "(?i)^(openai\\/)?(gpt-4o)(-2024-08-06)?$",
            "(?i)^(anthropic/)?(claude-sonnet-4-5(-20250929)?)$",
            "(?i)^ft:gpt-4o-mini-2024-07-18:acme:ticket-classifier:.*$",
            "(?i)^((eu|us)\\.)?(anthropic\\.)?(claude-3-haiku-20240307-v1:0)$",
            "(?i)^(google/)?(gemini-2.5-flash)$",
            "input",
            "^input",
            "^(input|prompt)",
            "cached",
            "_tokens$",
            "^output(_reasoning)?$",
            "gpt-4o",
            "GPT",
        ] {
            for ci in [false, true] {
                agrees(p, ci, NAMES);
            }
        }
    }

    #[test]
    fn syntax_corners() {
        for p in [
            "a{2}",
            "a{2,}",
            "a{1,3}?",
            "[a-c]+",
            "[^a-c]",
            "[]a]",
            "[a-]",
            "[-a]",
            "[\\d\\-x]",
            "[[:alpha:]]+",
            "[[:^digit:]]",
            "[a[0-9]]",
            "\\bgpt\\b",
            "\\Bpt",
            "\\Ainput\\z",
            "(?m)^b",
            "(?s)a.b",
            "a.b",
            "(?i:GPT)-4o",
            "(?i)gpt(?-i)-4O",
            "(?P<name>gpt)",
            "(?<name>gpt)",
            "(?:a|b|)c",
            "x|",
            "|x",
            "()",
            "\\x41",
            "\\x{48}",
            "\\u0048",
            "h\\u00e9llo",
            "w\\x{f6}rld",
            "\\d+",
            "\\W",
            "\\s",
            "\\S+",
            "a**",
            "a+?",
            "(a*)*b",
            "(|a)+",
            // Not compiling, here and in regex-lite.
            "(",
            ")",
            "a)",
            "[",
            "[a",
            "[z-a]",
            "*a",
            "a{2",
            "a{3,2}",
            "(?)",
            "\\q",
            "(?P<>a)",
            "(?z)a",
            "\\x{110000}",
        ] {
            for ci in [false, true] {
                agrees(p, ci, NAMES);
            }
        }
    }

    #[test]
    fn unsupported_patterns_do_not_compile() {
        for p in ["(?x) a", "[a&&b]", "\\p{L}", "a{100000}", "(a{200}){200}"] {
            assert!(Regex::new(p, false).is_err(), "{p:?}");
        }
    }

    #[test]
    fn no_blowup_on_nested_repetition() {
        let re = Regex::new("(a*)*(a*)*(a*)*b", false).unwrap();
        assert!(!re.is_match(&"a".repeat(5000)));
    }

    fn pattern() -> impl Strategy<Value = String> {
        let atom = prop_oneof![
            Just("a".to_owned()),
            Just("b".to_owned()),
            Just("B".to_owned()),
            Just("-".to_owned()),
            Just(".".to_owned()),
            Just("[a-c]".to_owned()),
            Just("[^b]".to_owned()),
            Just("\\d".to_owned()),
            Just("\\w".to_owned()),
            Just("\\b".to_owned()),
            Just("^".to_owned()),
            Just("$".to_owned()),
        ];
        let leaf = (
            atom,
            prop_oneof![
                Just(""),
                Just("?"),
                Just("*"),
                Just("+"),
                Just("{2}"),
                Just("{1,2}"),
                Just("{0,}?"),
            ],
        )
            .prop_map(|(a, q)| format!("{a}{q}"));
        leaf.prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 1..4).prop_map(|v| v.concat()),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a}|{b}")),
                (
                    inner.clone(),
                    prop_oneof![Just(""), Just("?"), Just("*"), Just("+")]
                )
                    .prop_map(|(a, q)| format!("({a}){q}")),
                inner.prop_map(|a| format!("(?i:{a})")),
            ]
        })
    }

    proptest! {
        #[test]
        fn matches_like_regex_lite(p in pattern(), ci in any::<bool>(), texts in proptest::collection::vec("[abB1 \\-_\n]{0,8}", 1..6)) {
            let ours = Regex::new(&p, ci).ok();
            let theirs = lite(&p, ci);
            prop_assert_eq!(ours.is_some(), theirs.is_some(), "compiles: {:?}", p);
            if let (Some(a), Some(b)) = (ours, theirs) {
                for t in &texts {
                    prop_assert_eq!(a.is_match(t), b.is_match(t), "{:?} on {:?}", p, t);
                }
            }
        }
    }
}
