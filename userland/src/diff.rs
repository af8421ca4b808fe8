//! Line differences for `diff`: a shortest edit script (Myers' O(ND) algorithm, after the
//! common prefix and suffix are set aside) and its rendering in the normal and unified
//! formats of GNU diff. Lines keep their `\n`, so a last line without one differs from
//! the same text with it, and is marked `\ No newline at end of file`.

/// One line of the edit script, by index into the old (`a`) and new (`b`) lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    Same(usize, usize),
    Delete(usize),
    Insert(usize),
}

/// Splits `text` into lines, each with its `\n` (the last may have none).
pub fn lines(text: &[u8]) -> Vec<&[u8]> {
    text.split_inclusive(|&b| b == b'\n').collect()
}

/// A shortest edit script turning `a` into `b`; deletions come before insertions within a
/// change.
pub fn edits(a: &[&[u8]], b: &[&[u8]]) -> Vec<Edit> {
    let pre = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suf = a[pre..]
        .iter()
        .rev()
        .zip(b[pre..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (am, bm) = (&a[pre..a.len() - suf], &b[pre..b.len() - suf]);
    let mut out: Vec<Edit> = (0..pre).map(|i| Edit::Same(i, i)).collect();
    for e in myers(am, bm) {
        out.push(match e {
            Edit::Same(i, j) => Edit::Same(i + pre, j + pre),
            Edit::Delete(i) => Edit::Delete(i + pre),
            Edit::Insert(j) => Edit::Insert(j + pre),
        });
    }
    out.extend((0..suf).map(|k| Edit::Same(a.len() - suf + k, b.len() - suf + k)));
    order_changes(&mut out);
    out
}

/// Within each run of changes, deletions first.
fn order_changes(script: &mut [Edit]) {
    let mut i = 0;
    while i < script.len() {
        if matches!(script[i], Edit::Same(..)) {
            i += 1;
            continue;
        }
        let start = i;
        while i < script.len() && !matches!(script[i], Edit::Same(..)) {
            i += 1;
        }
        script[start..i].sort_by_key(|e| match *e {
            Edit::Delete(x) => (0, x),
            Edit::Insert(y) => (1, y),
            Edit::Same(..) => (2, 0),
        });
    }
}

fn myers(a: &[&[u8]], b: &[&[u8]]) -> Vec<Edit> {
    let (n, m) = (a.len() as isize, b.len() as isize);
    let max = (n + m) as usize;
    let off = max as isize + 1;
    let mut v = vec![0isize; 2 * max + 3];
    let mut trace: Vec<Vec<isize>> = Vec::new();
    'outer: for d in 0..=max as isize {
        trace.push(v.clone());
        let mut k = -d;
        while k <= d {
            let idx = (k + off) as usize;
            let mut x = if k == -d || (k != d && v[idx - 1] < v[idx + 1]) {
                v[idx + 1]
            } else {
                v[idx - 1] + 1
            };
            let mut y = x - k;
            while x < n && y < m && a[x as usize] == b[y as usize] {
                x += 1;
                y += 1;
            }
            v[idx] = x;
            if x >= n && y >= m {
                break 'outer;
            }
            k += 2;
        }
    }
    // Walk back through the saved rows: each step is one edit plus a diagonal snake.
    let mut out = Vec::new();
    let (mut x, mut y) = (n, m);
    for d in (0..trace.len() as isize).rev() {
        let v = &trace[d as usize];
        let k = x - y;
        let idx = (k + off) as usize;
        let prev_k = if k == -d || (k != d && v[idx - 1] < v[idx + 1]) {
            k + 1
        } else {
            k - 1
        };
        let prev_x = if d == 0 {
            0
        } else {
            v[(prev_k + off) as usize]
        };
        let prev_y = if d == 0 { 0 } else { prev_x - prev_k };
        while x > prev_x && y > prev_y {
            x -= 1;
            y -= 1;
            out.push(Edit::Same(x as usize, y as usize));
        }
        if d > 0 {
            if x == prev_x {
                out.push(Edit::Insert(prev_y as usize));
            } else {
                out.push(Edit::Delete(prev_x as usize));
            }
        }
        x = prev_x;
        y = prev_y;
    }
    out.reverse();
    out
}

/// A maximal run of changes: old lines `a0..a1` replaced by new lines `b0..b1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    pub a0: usize,
    pub a1: usize,
    pub b0: usize,
    pub b1: usize,
}

/// The changes of an edit script.
pub fn changes(script: &[Edit]) -> Vec<Change> {
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    let mut k = 0;
    while k < script.len() {
        match script[k] {
            Edit::Same(x, y) => {
                i = x + 1;
                j = y + 1;
                k += 1;
            }
            _ => {
                let mut c = Change {
                    a0: i,
                    a1: i,
                    b0: j,
                    b1: j,
                };
                while k < script.len() {
                    match script[k] {
                        Edit::Delete(x) => c.a1 = x + 1,
                        Edit::Insert(y) => c.b1 = y + 1,
                        Edit::Same(..) => break,
                    }
                    k += 1;
                }
                i = c.a1;
                j = c.b1;
                out.push(c);
            }
        }
    }
    out
}

fn push_line(out: &mut Vec<u8>, prefix: &[u8], line: &[u8]) {
    out.extend_from_slice(prefix);
    out.extend_from_slice(line);
    if !line.ends_with(b"\n") {
        out.extend_from_slice(b"\n\\ No newline at end of file\n");
    }
}

/// `N` or `N,M` for 1-based lines `lo+1..=hi` (an empty range names the line before).
fn range(lo: usize, hi: usize) -> String {
    if hi <= lo + 1 {
        format!("{}", if hi == lo { lo } else { hi })
    } else {
        format!("{},{}", lo + 1, hi)
    }
}

/// The default (normal) format: `2c2`, `< old`, `---`, `> new`.
pub fn normal(a: &[&[u8]], b: &[&[u8]], changes: &[Change]) -> Vec<u8> {
    let mut out = Vec::new();
    for c in changes {
        let op = match (c.a0 == c.a1, c.b0 == c.b1) {
            (true, _) => 'a',
            (_, true) => 'd',
            _ => 'c',
        };
        out.extend_from_slice(
            format!("{}{op}{}\n", range(c.a0, c.a1), range(c.b0, c.b1)).as_bytes(),
        );
        for line in &a[c.a0..c.a1] {
            push_line(&mut out, b"< ", line);
        }
        if op == 'c' {
            out.extend_from_slice(b"---\n");
        }
        for line in &b[c.b0..c.b1] {
            push_line(&mut out, b"> ", line);
        }
    }
    out
}

/// `start,count` of a unified hunk header (`count` 1 is left out; an empty range starts
/// at the line before).
fn uni_range(lo: usize, hi: usize) -> String {
    match hi - lo {
        0 => format!("{lo},0"),
        1 => format!("{}", lo + 1),
        n => format!("{},{n}", lo + 1),
    }
}

/// The hunks of the unified format with `context` lines around each change (the `---`/
/// `+++` header is the caller's).
pub fn unified(a: &[&[u8]], b: &[&[u8]], changes: &[Change], context: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut k = 0;
    while k < changes.len() {
        // Changes closer than two contexts share a hunk.
        let mut last = k;
        while last + 1 < changes.len() && changes[last + 1].a0 - changes[last].a1 <= 2 * context {
            last += 1;
        }
        let (first, end) = (changes[k], changes[last]);
        let a0 = first.a0.saturating_sub(context);
        let b0 = first.b0 - (first.a0 - a0);
        let a1 = (end.a1 + context).min(a.len());
        let b1 = end.b1 + (a1 - end.a1);
        out.extend_from_slice(
            format!("@@ -{} +{} @@\n", uni_range(a0, a1), uni_range(b0, b1)).as_bytes(),
        );
        let mut i = a0;
        for c in &changes[k..=last] {
            for line in &a[i..c.a0] {
                push_line(&mut out, b" ", line);
            }
            for line in &a[c.a0..c.a1] {
                push_line(&mut out, b"-", line);
            }
            for line in &b[c.b0..c.b1] {
                push_line(&mut out, b"+", line);
            }
            i = c.a1;
        }
        for line in &a[i..a1] {
            push_line(&mut out, b" ", line);
        }
        k = last + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(a: &str, b: &str, unified_context: Option<usize>) -> String {
        let (la, lb) = (lines(a.as_bytes()), lines(b.as_bytes()));
        let ch = changes(&edits(&la, &lb));
        let out = match unified_context {
            Some(n) => unified(&la, &lb, &ch, n),
            None => normal(&la, &lb, &ch),
        };
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn normal_format_like_gnu_diff() {
        assert_eq!(run("a\nb\nc\n", "a\nb\nc\n", None), "");
        assert_eq!(run("a\nb\nc\n", "a\nx\nc\n", None), "2c2\n< b\n---\n> x\n");
        assert_eq!(run("a\nb\nc\n", "a\nc\n", None), "2d1\n< b\n");
        assert_eq!(run("a\nc\n", "a\nb\nb2\nc\n", None), "1a2,3\n> b\n> b2\n");
        assert_eq!(run("", "x\n", None), "0a1\n> x\n");
        assert_eq!(
            run("a\nb", "a\nb\n", None),
            "2c2\n< b\n\\ No newline at end of file\n---\n> b\n"
        );
    }

    #[test]
    fn unified_hunks_merge_and_split_like_gnu_diff() {
        let a: String = (1..=20).map(|i| format!("{i}\n")).collect();
        let b = a.replace("\n3\n", "\nthree\n").replace("\n18\n", "\n");
        assert_eq!(
            run(&a, &b, Some(3)),
            "@@ -1,6 +1,6 @@\n 1\n 2\n-3\n+three\n 4\n 5\n 6\n\
             @@ -15,6 +15,5 @@\n 15\n 16\n 17\n-18\n 19\n 20\n"
        );
        assert_eq!(run("x\n", "", Some(3)), "@@ -1 +0,0 @@\n-x\n");
        let b = a.replace("\n9\n", "\n").replace("\n3\n", "\n");
        assert!(run(&a, &b, Some(3)).starts_with("@@ -1,12 +1,10 @@\n"));
    }

    #[test]
    fn edit_scripts_are_shortest() {
        let a = lines(b"a\nb\nc\na\nb\nb\na\n");
        let b = lines(b"c\nb\na\nb\na\nc\n");
        let n = edits(&a, &b)
            .iter()
            .filter(|e| !matches!(e, Edit::Same(..)))
            .count();
        assert_eq!(n, 5);
    }
}
