//! The kernel command line: space-separated `key=value` words (or bare `flag` words) that the
//! boot tool writes into the ramdisk. Unknown keys are kept so later stages can read them.

/// A parsed command line borrowing from the original text.
#[derive(Debug, Clone, Copy)]
pub struct Cmdline<'a> {
    text: &'a str,
}

impl<'a> Cmdline<'a> {
    /// Wraps `text`; parsing is lazy and never fails.
    pub fn new(text: &'a str) -> Self {
        Self { text }
    }

    /// Every `(key, value)` pair in order; a bare word has an empty value.
    pub fn pairs(&self) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.text
            .split_ascii_whitespace()
            .map(|word| word.split_once('=').unwrap_or((word, "")))
    }

    /// The value of the last occurrence of `key`.
    pub fn get(&self, key: &str) -> Option<&'a str> {
        self.pairs()
            .filter(|(k, _)| *k == key)
            .map(|(_, v)| v)
            .last()
    }

    /// True when `key` appears at all (as `key` or `key=...`).
    pub fn has(&self, key: &str) -> bool {
        self.pairs().any(|(k, _)| k == key)
    }

    /// The value of `key` parsed as a decimal integer.
    pub fn get_u64(&self, key: &str) -> Option<u64> {
        self.get(key)?.parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::Cmdline;

    #[test]
    fn pairs_flags_and_last_wins() {
        let c = Cmdline::new("  log=debug test=selftest quiet hz=250 log=trace ");
        assert_eq!(c.get("log"), Some("trace"));
        assert_eq!(c.get("test"), Some("selftest"));
        assert!(c.has("quiet"));
        assert_eq!(c.get("quiet"), Some(""));
        assert_eq!(c.get_u64("hz"), Some(250));
        assert_eq!(c.get("missing"), None);
        assert_eq!(c.get_u64("log"), None);
    }
}
