//! Reading scenario files: TOML parsing with positions, the `extends` chain
//! (merged key by key, arrays replaced whole, cycles refused) and finding where
//! in which file a key was written, for error messages.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};
use toml::de::{DeTable, DeValue};

use super::error::{ScenarioError, ScenarioErrors};

/// One file of an `extends` chain.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The path as the user (or the extending file) gave it.
    pub path: PathBuf,
    /// SHA-256 of the file's bytes, in hex.
    pub sha256: String,
    text: String,
    /// Byte span of every value, by dotted key path (`equity.dilution[0].year`).
    spans: HashMap<String, Range<usize>>,
    /// The key paths whose value replaces, whole, what the files it extends
    /// set there (see [`merge`]): a value that is not a table (an array of
    /// tables included), or a distribution, however it is written.
    whole: std::collections::HashSet<String>,
}

impl SourceFile {
    /// Whether this file's value at `key` replaces whatever the files it
    /// extends set there, whole (see [`merge`]): a value that is not a
    /// table, or a distribution.
    fn replaces_whole(&self, key: &str) -> bool {
        self.whole.contains(key)
    }

    /// Whether this file itself sets `key` (a dotted key path).
    pub fn sets(&self, key: &str) -> bool {
        self.spans.contains_key(key)
    }

    /// Whether this file sets a key of the deal or the model: anything but
    /// its name, description, `extends`, and how it is run (paths, seed,
    /// sampling).
    pub fn sets_the_model(&self) -> bool {
        self.spans.keys().any(|k| {
            let top = k.split(['.', '[']).next().unwrap_or(k);
            !matches!(top, "name" | "description" | "extends" | "paths" | "seed" | "sampling")
        })
    }

    fn position(&self, offset: usize) -> (usize, usize) {
        let before = &self.text[..offset.min(self.text.len())];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, col)
    }
}

/// A scenario file with its `extends` chain resolved into one merged table.
#[derive(Clone, Debug)]
pub struct Sources {
    /// The file that was asked for first, then the files it extends, in order.
    pub files: Vec<SourceFile>,
    /// The merged table: parents first, each child's values winning.
    pub merged: toml::Table,
    /// Keys set on the command line (`--set KEY=VALUE`, or a sweep's `--vary`
    /// for one combination), which win over every file, in the order applied.
    pub overrides: Vec<Override>,
}

/// One key set on the command line.
#[derive(Clone, Debug, PartialEq)]
pub struct Override {
    /// The option that set it: `--set`, or `--vary` for a sweep's combination.
    pub flag: &'static str,
    pub key: String,
    pub value: String,
    /// What the files gave the key before, or `None` where they did not
    /// set it.
    pub replaced: Option<toml::Value>,
}

impl Override {
    /// `--set KEY=VALUE`, as errors name it.
    pub fn label(&self) -> String {
        format!("{} {}={}", self.flag, self.key, self.value)
    }
}

/// Whether key path `a` lies inside key path `b` (`revenue_share.cap` inside
/// `revenue_share`, `equity.dilution[0].year` inside `equity.dilution`).
pub fn is_under(a: &str, b: &str) -> bool {
    a.strip_prefix(b).is_some_and(|rest| rest.starts_with(['.', '[']))
}

/// Lexically tidy a path (`a/./b/../c` → `a/c`) without touching the disk.
fn tidy(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if out.components().next_back().is_some_and(|l| matches!(l, Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    if out.as_os_str().is_empty() { PathBuf::from(".") } else { out }
}

fn whole_file(rule: &'static str, path: &Path, message: impl Into<String>, fix: impl Into<String>) -> ScenarioError {
    ScenarioError {
        rule,
        file: path.to_path_buf(),
        position: None,
        key: String::new(),
        message: message.into(),
        fix: fix.into(),
    }
}

/// Where each key path of a file is, and which of them are set whole.
#[derive(Default)]
struct Recorded {
    spans: HashMap<String, Range<usize>>,
    whole: std::collections::HashSet<String>,
}

fn record_spans(prefix: &str, table: &DeTable<'_>, out: &mut Recorded) {
    for (k, v) in table.iter() {
        let path = if prefix.is_empty() { k.get_ref().to_string() } else { format!("{prefix}.{}", k.get_ref()) };
        record_value(&path, v.get_ref(), v.span(), out);
    }
}

fn record_value(path: &str, value: &DeValue<'_>, span: Range<usize>, out: &mut Recorded) {
    out.spans.insert(path.to_string(), span);
    let whole = match value {
        DeValue::Table(t) => t.iter().any(|(k, _)| k.get_ref() == "dist"),
        _ => true,
    };
    if whole {
        out.whole.insert(path.to_string());
    }
    match value {
        DeValue::Table(t) => record_spans(path, t, out),
        DeValue::Array(a) => {
            for (i, item) in a.iter().enumerate() {
                record_value(&format!("{path}[{i}]"), item.get_ref(), item.span(), out);
            }
        }
        _ => {}
    }
}

/// Read and parse one file (no `extends` yet).
fn read_one(path: &Path) -> Result<(SourceFile, toml::Table), ScenarioErrors> {
    let bytes = std::fs::read(path).map_err(|e| {
        let fix = match e.kind() {
            std::io::ErrorKind::NotFound => "check the path; `revshare list` shows the scenarios in a folder",
            std::io::ErrorKind::IsADirectory => {
                "give a scenario file (`revshare run FOLDER` runs every scenario in a folder; `revshare list FOLDER` lists them)"
            }
            _ => "check that the file is readable",
        };
        ScenarioErrors::from(whole_file("unreadable", path, format!("cannot read the file: {e}"), fix))
    })?;
    let sha256: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    let text = String::from_utf8(bytes).map_err(|_| {
        ScenarioErrors::from(whole_file(
            "not-utf8",
            path,
            "is not a text file (it is not UTF-8)",
            "give a TOML scenario file",
        ))
    })?;
    let mut file =
        SourceFile { path: path.to_path_buf(), sha256, text, spans: HashMap::new(), whole: Default::default() };
    let table: toml::Table = match toml::from_str(&file.text) {
        Ok(t) => t,
        Err(e) => {
            let position = e.span().map(|s| file.position(s.start));
            return Err(ScenarioError {
                rule: "not-toml",
                file: path.to_path_buf(),
                position,
                key: String::new(),
                message: format!("is not valid TOML: {}", e.message().trim()),
                fix: if e.message().contains("integer") {
                    "TOML integers run from about -9.2e18 to 9.2e18: give a smaller whole number (or a decimal)"
                } else {
                    "correct the TOML syntax at that position (a scenario is a TOML file: key = value, [tables])"
                }
                .into(),
            }
            .into());
        }
    };
    if let Ok(de) = DeTable::parse(&file.text) {
        let mut recorded = Recorded::default();
        record_spans("", de.get_ref(), &mut recorded);
        (file.spans, file.whole) = (recorded.spans, recorded.whole);
    }
    Ok((file, table))
}

/// Merge `child` over `base`: tables key by key, anything else (arrays
/// included) replaced whole. A child table with a `dist` key is a distribution
/// and replaces the parent's value whole, so that its keys never mix with those
/// of another distribution.
pub fn merge(base: &mut toml::Table, child: toml::Table) {
    for (key, value) in child {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(c))
                if !c.contains_key("dist") && !b.contains_key("dist") =>
            {
                merge(b, c)
            }
            (_, v) => {
                base.insert(key, v);
            }
        }
    }
}

impl Sources {
    /// Load `path` and every file it extends.
    pub fn load(path: &Path) -> Result<Sources, ScenarioErrors> {
        let mut files: Vec<SourceFile> = Vec::new();
        let mut tables: Vec<toml::Table> = Vec::new();
        let mut seen: Vec<PathBuf> = Vec::new();
        let mut current = path.to_path_buf();
        loop {
            let (file, mut table) = read_one(&current)?;
            seen.push(std::fs::canonicalize(&current).unwrap_or_else(|_| current.clone()));
            let extends = table.remove("extends");
            if !files.is_empty() {
                // A parent's name is its own; the child is named by its own file.
                table.remove("name");
            }
            files.push(file);
            tables.push(table);
            let Some(extends) = extends else { break };
            let here = files.last().expect("just pushed");
            let locate = |rule: &'static str, message: String, fix: &str| ScenarioError {
                rule,
                file: here.path.clone(),
                position: here.spans.get("extends").map(|s| here.position(s.start)),
                key: "extends".into(),
                message,
                fix: fix.into(),
            };
            let toml::Value::String(target) = extends else {
                return Err(locate(
                    "extends-type",
                    format!("must be a file name in quotes, not {}", type_name(&extends)),
                    "write extends = \"other.toml\" (relative to this file)",
                )
                .into());
            };
            let dir = current.parent().unwrap_or(Path::new("."));
            let next = tidy(&dir.join(&target));
            if !next.is_file() {
                // The name without `.toml`, or relative to the wrong folder.
                let with_toml = format!("{target}.toml");
                let fix = if tidy(&dir.join(&with_toml)).is_file() {
                    format!("add the extension: extends = \"{with_toml}\"")
                } else if let Some(name) = Path::new(&target).file_name()
                    && dir.join(name).is_file()
                    && Path::new(&target) != Path::new(name)
                {
                    format!(
                        "the path is relative to this file's folder, where {} is: extends = \"{}\"",
                        name.to_string_lossy(),
                        name.to_string_lossy()
                    )
                } else {
                    "give the path of an existing scenario file, relative to this file".to_string()
                };
                return Err(locate(
                    "extends-missing",
                    if next.exists() {
                        format!("extends \"{target}\", but {} is not a file", next.display())
                    } else {
                        format!("extends \"{target}\", but {} does not exist", next.display())
                    },
                    &fix,
                )
                .into());
            }
            let canon = std::fs::canonicalize(&next).unwrap_or_else(|_| next.clone());
            if seen.contains(&canon) {
                let chain: Vec<String> = files.iter().map(|f| f.path.display().to_string()).collect();
                return Err(locate(
                    "extends-cycle",
                    format!("extends forms a cycle: {} → {}", chain.join(" → "), next.display()),
                    "remove the `extends` that points back to a file already in the chain",
                )
                .into());
            }
            current = next;
        }
        let mut merged = toml::Table::new();
        for t in tables.into_iter().rev() {
            merge(&mut merged, t);
        }
        Ok(Sources { files, merged, overrides: Vec::new() })
    }

    /// Apply `--set KEY=VALUE` overrides after `extends` (`flag` says which
    /// option gave them: `--set`, or `--vary` for a sweep's combination):
    /// VALUE is read as a TOML value (`45`, `"text"`, `{ dist = "uniform",
    /// low = 1, high = 2 }`), or as a plain string if it is not one; KEY is a
    /// dotted path, with `[i]` for an element of an array of tables
    /// (`equity.dilution[0].fraction`).
    pub fn apply_overrides(
        &mut self,
        overrides: &[(String, String)],
        flag: &'static str,
    ) -> Result<(), ScenarioErrors> {
        let mut errors = Vec::new();
        for (key, text) in overrides {
            let refusal = |message: String, fix: &str| ScenarioError {
                rule: "override",
                file: PathBuf::from(format!("{flag} {key}={text}")),
                position: None,
                key: key.clone(),
                message,
                fix: fix.into(),
            };
            if key == "extends" {
                errors.push(refusal(
                    "`extends` is followed before any --set is applied, so it cannot be overridden".into(),
                    "run the other scenario file itself, or change `extends` in the file",
                ));
                continue;
            }
            let value = match toml::from_str::<toml::Table>(&format!("v = {text}")) {
                // A line break and more after the value (`45\ntypo = 1`) would
                // read as further keys of its own, silently dropped.
                Ok(t) if t.len() > 1 => {
                    errors.push(refusal(
                        "holds more than one value: the text after the line break would be ignored".into(),
                        &format!("give each key its own {flag}, and the value on one line: {flag} '{key}=VALUE'"),
                    ));
                    continue;
                }
                Ok(mut t) => t.remove("v").expect("parsed"),
                Err(_) if is_huge_integer(text) => {
                    let fix = if key == "seed" {
                        format!("a seed is a whole number from 0 to {}", super::MAX_SEED)
                    } else {
                        "give a whole number from about -9.2e18 to 9.2e18".to_string()
                    };
                    errors.push(refusal(format!("{text} is too large for a whole number"), &fix));
                    continue;
                }
                // Rust reads 1e400 (and "Infinity") as infinity, TOML refuses it.
                Err(_) if text.trim().replace('_', "").parse::<f64>().is_ok_and(f64::is_infinite) => {
                    let fix = match key.as_str() {
                        "seed" => format!("a seed is a whole number from 0 to {}", super::MAX_SEED),
                        "paths" => "give a whole number of paths, such as 100000 or 1e6".to_string(),
                        _ => "give a finite number, in $B for amounts and as a fraction for rates".to_string(),
                    };
                    errors.push(refusal(
                        format!("{} is beyond the largest number a double holds (about ±1.8e308)", text.trim()),
                        &fix,
                    ));
                    continue;
                }
                // A key that takes text reads any text that is not TOML as
                // itself: --set 'description=[draft] cap 45'.
                Err(e) if looks_structured(text) && !matches!(key.as_str(), "name" | "description") => {
                    let fix = match quote_bare_words(text).filter(|q| !q.contains('\'')) {
                        Some(quoted) => format!("write words in double quotes: {flag} '{key}={quoted}'"),
                        None => format!(
                            "write the value as TOML (a table as {{a = 1, b = \"x\"}}, a list as [1, 2], \
                             words in double quotes) and quote the whole {flag} for the shell: {flag} '{key}=...'"
                        ),
                    };
                    errors.push(refusal(format!("is not a TOML value: {}", e.message().trim()), &fix));
                    continue;
                }
                // A bare word is read as a string: --set name=my-run.
                Err(_) => toml::Value::String(text.clone()),
            };
            let replaced = match set_path(&mut self.merged, key, value) {
                Ok(old) => old,
                Err((message, fix)) => {
                    errors.push(refusal(message, fix));
                    None
                }
            };
            self.overrides.push(Override { flag, key: key.clone(), value: text.clone(), replaced });
        }
        if errors.is_empty() { Ok(()) } else { Err(ScenarioErrors(errors)) }
    }

    /// The file and position where `key` was set: `--set` if the key, a
    /// table holding it or a key inside it was overridden (`--set
    /// revenue.volatility.x=1` makes `revenue.volatility` a table), else the
    /// most derived file that sets it, or else sets its closest enclosing
    /// table; else the first file.
    pub fn locate(&self, key: &str) -> (PathBuf, Option<(usize, usize)>) {
        if let Some(o) = self.overridden(key) {
            return (PathBuf::from(o.label()), None);
        }
        // The most derived file that sets the key, or a value around it that
        // replaced the extended files' whole (a distribution of its own: the
        // key is then missing or wrong in that file, not where the extended
        // file set it).
        for f in &self.files {
            let mut k = key;
            loop {
                if let Some(span) = f.spans.get(k).filter(|_| k == key || f.replaces_whole(k)) {
                    return (f.path.clone(), Some(f.position(span.start)));
                }
                match k.rfind(['.', '[']) {
                    Some(i) => k = &k[..i],
                    None => break,
                }
            }
        }
        let mut k = key;
        loop {
            for f in &self.files {
                if let Some(span) = f.spans.get(k) {
                    return (f.path.clone(), Some(f.position(span.start)));
                }
            }
            match k.rfind(['.', '[']) {
                Some(i) => k = &k[..i],
                None => break,
            }
        }
        // No file sets the key nor any table around it: a --set made that
        // table (`--set counter_share.rate=0.2` where no file has
        // [counter_share], and its base_ratio is then missing).
        let top = key.split(['.', '[']).next().unwrap_or(key);
        if let Some(o) = self.overrides.iter().rev().find(|o| o.key.split(['.', '[']).next() == Some(top)) {
            return (PathBuf::from(o.label()), None);
        }
        (self.files[0].path.clone(), None)
    }

    /// The last override that set `key`, a table holding it, or a key inside it.
    pub fn overridden(&self, key: &str) -> Option<&Override> {
        self.overrides.iter().rev().find(|o| key == o.key || is_under(key, &o.key) || is_under(&o.key, key))
    }

    /// Where a file sets `key` (or else its closest enclosing table), as
    /// `file:line:col`, ignoring overrides; `None` if no file sets it.
    pub fn file_position(&self, key: &str) -> Option<String> {
        let mut k = key;
        loop {
            for f in &self.files {
                if let Some(span) = f.spans.get(k) {
                    let (line, col) = f.position(span.start);
                    return Some(format!("{}:{line}:{col}", f.path.display()));
                }
            }
            k = &k[..k.rfind(['.', '['])?];
        }
    }

    /// Build an error about `key`, placed where that key was written.
    pub fn error(
        &self,
        rule: &'static str,
        key: &str,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> ScenarioError {
        debug_assert!(super::RULES.contains(&rule), "validation rule `{rule}` is not listed in RULES");
        let (file, position) = self.locate(key);
        let mut message = message.into();
        // A key of the file that only a --set beside it in the same table
        // made wrong (`--set revenue.initial.dist="normal"` leaves the
        // PERT's `mode` unknown): the file's line, and the --set.
        let parent = |k: &str| k.rfind(['.', '[']).map(|i| k[..i].to_string());
        if position.is_some()
            && let Some(o) = self
                .overrides
                .iter()
                .rev()
                .find(|o| o.key != key && parent(&o.key).is_some() && parent(&o.key) == parent(key))
        {
            message.push_str(&format!(" (with {})", o.label()));
        }
        ScenarioError { rule, file, position, key: key.to_string(), message, fix: fix.into() }
    }
}

/// Whether a `--set` value that is not valid TOML was meant as a table, a
/// list or a quoted string (and is refused), rather than a bare word (read
/// as a string).
fn looks_structured(text: &str) -> bool {
    text.trim_start().starts_with(['{', '[', '"', '\''])
}

/// The value with each bare word after `=` or inside a list put in double
/// quotes, if that makes it valid TOML: `{dist=pert,low=1}` gives
/// `{dist="pert",low=1}`.
fn quote_bare_words(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len() + 8);
    let mut open: Vec<char> = Vec::new();
    let mut chars = text.chars().peekable();
    let mut prev = '=';
    while let Some(c) = chars.next() {
        let value_starts = prev == '=' || (matches!(prev, '[' | ',') && open.last() == Some(&'['));
        if value_starts && (c.is_ascii_alphabetic() || c == '_') {
            let mut word = String::from(c);
            while let Some(d) = chars.next_if(|d| d.is_ascii_alphanumeric() || *d == '_' || *d == '-') {
                word.push(d);
            }
            let literal = matches!(word.as_str(), "true" | "false" | "inf" | "nan");
            if literal {
                out.push_str(&word);
            } else {
                out.push_str(&format!("\"{word}\""));
            }
            prev = 'w';
            continue;
        }
        match c {
            '{' | '[' => open.push(c),
            '}' | ']' => {
                open.pop();
            }
            _ => {}
        }
        out.push(c);
        if !c.is_whitespace() {
            prev = c;
        }
    }
    (out != text && toml::from_str::<toml::Table>(&format!("v = {out}")).is_ok()).then_some(out)
}

/// Whether `text` is a whole number written out too long for TOML's 64-bit
/// integers (19 digits or more), rather than some other text.
fn is_huge_integer(text: &str) -> bool {
    let digits = text.trim().trim_start_matches(['-', '+']).replace('_', "");
    digits.len() >= 19 && digits.chars().all(|c| c.is_ascii_digit())
}

/// Set `value` at a dotted `path` (`a.b[0].c`), creating tables on the
/// way; returns the value it replaced.
fn set_path(
    root: &mut toml::Table,
    path: &str,
    value: toml::Value,
) -> Result<Option<toml::Value>, (String, &'static str)> {
    const KEY_FIX: &str = "write --set KEY=VALUE with a dotted key such as revenue_share.cap=45";
    const INDEX_FIX: &str = "use an index the file has, or add the entry to the file first";
    let parts: Vec<&str> = path.split('.').collect();
    if path.is_empty() || parts.iter().any(|p| p.is_empty()) {
        return Err((format!("`{path}` is not a key path"), KEY_FIX));
    }
    let mut table = root;
    for (n, part) in parts.iter().enumerate() {
        let (name, index) = match part.split_once('[') {
            Some((name, rest)) => {
                // Written as the index is: `[01]` would get past the check
                // that a key is given once.
                let i = rest.strip_suffix(']').and_then(|i| i.parse::<usize>().ok().filter(|n| n.to_string() == i));
                match i {
                    Some(i) => (name, Some(i)),
                    None => return Err((format!("`{part}` is not `name[index]`"), KEY_FIX)),
                }
            }
            None => (*part, None),
        };
        let last = n + 1 == parts.len();
        match (index, last) {
            (None, true) => return Ok(table.insert(name.to_string(), value)),
            (None, false) => {
                let entry = table.entry(name.to_string()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
                // A key inside a plain value (a year of a growth given as one
                // number): replacing the value by a table of that key alone
                // would drop it without a word.
                if !entry.is_table() {
                    // A year of a value by year, or a parameter of a distribution.
                    let year = parts[n + 1].len() == 4 && parts[n + 1].chars().all(|c| c.is_ascii_digit());
                    return Err((
                        format!(
                            "`{}` is {} here ({entry}), not a table, so `{path}` cannot be set inside it",
                            parts[..=n].join("."),
                            type_name(entry)
                        ),
                        if year {
                            "set the whole value instead, e.g. --set 'revenue.growth={2026=0.5,2027=0.1}' (a year's value holds until the next year given)"
                        } else {
                            "set the whole value instead, e.g. --set 'revenue_share.cap={dist=\"uniform\",low=30,high=45}'"
                        },
                    ));
                }
                table = entry.as_table_mut().expect("a table");
            }
            (Some(i), _) => {
                let Some(toml::Value::Array(items)) = table.get_mut(name) else {
                    return Err((format!("`{name}` is not an array of tables in this scenario"), INDEX_FIX));
                };
                let count = items.len();
                let Some(item) = items.get_mut(i) else {
                    let entries = if count == 1 { "entry" } else { "entries" };
                    return Err((
                        format!("`{name}` has {count} {entries} (counted from 0), so [{i}] does not exist"),
                        INDEX_FIX,
                    ));
                };
                if last {
                    return Ok(Some(std::mem::replace(item, value)));
                }
                let Some(t) = item.as_table_mut() else {
                    return Err((format!("`{name}[{i}]` is not a table"), KEY_FIX));
                };
                table = t;
            }
        }
    }
    Ok(None)
}

/// The TOML type of a value, for messages ("a string", "a table").
pub fn type_name(v: &toml::Value) -> &'static str {
    match v {
        toml::Value::String(_) => "a string",
        toml::Value::Integer(_) => "an integer",
        toml::Value::Float(_) => "a number",
        toml::Value::Boolean(_) => "a boolean",
        toml::Value::Datetime(_) => "a date",
        toml::Value::Array(_) => "an array",
        toml::Value::Table(_) => "a table",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_replaces_arrays_and_distributions_whole() {
        let mut base: toml::Table =
            toml::from_str("a = [1, 2]\n[t]\nx = 1\ny = 2\nd = { dist = \"uniform\", low = 1, high = 2 }\n").unwrap();
        let child: toml::Table =
            toml::from_str("a = [3]\n[t]\ny = 5\nd = { dist = \"normal\", mean = 1, sd = 2 }\n").unwrap();
        merge(&mut base, child);
        assert_eq!(base["a"].as_array().unwrap().len(), 1);
        assert_eq!(base["t"]["x"].as_integer(), Some(1));
        assert_eq!(base["t"]["y"].as_integer(), Some(5));
        let d = base["t"]["d"].as_table().unwrap();
        assert!(d.get("low").is_none(), "distribution tables must not mix: {d:?}");
    }

    #[test]
    fn tidy_removes_dots() {
        assert_eq!(tidy(Path::new("scenarios/./a/../b.toml")), PathBuf::from("scenarios/b.toml"));
    }
}
