"""Every doc stands on its own: each relative Markdown link in the repository's .md files points at
a file that exists, each #anchor at a heading of the file it names (GitHub's slug rules), and no
doc sends the reader to files outside the repository (../shared/…, spec/…, a .md file that is not
here). Plain Python: no server, no AWS client.

    python3 tests/e2e/test_doc_links.py [-v]
"""
import os
import re
import sys
import tempfile
import unittest
import urllib.parse

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SKIP_DIRS = {".git", "node_modules", "out", "opentrail-data"}

FENCE = re.compile(r"^\s{0,3}(```|~~~)")
ATX = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
INLINE_LINK = re.compile(r"!?\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
REF_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+\"[^\"]*\")?\s*$")
HTML_ANCHOR = re.compile(r"<a\s+(?:[^>]*\s)?(?:id|name)\s*=\s*\"([^\"]+)\"", re.I)
CODE_SPAN = re.compile(r"(`+)(.+?)\1")
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
# Places outside this repository that docs once pointed at.
OUTSIDE = re.compile(r"\.\./shared\b|/work/shared\b|\bshared/(?:spec|tools)\b|(?<![\w./-])spec/[\w.-]*\w")
MD_MENTION = re.compile(r"(?<![\w/.-])((?:\.{1,2}/)?[\w.-]+(?:/[\w.-]+)*\.md)\b")


def is_build_dir(name):
    return name.startswith("build") or name in SKIP_DIRS


def markdown_files(root):
    for d, dirs, files in os.walk(root):
        dirs[:] = sorted(x for x in dirs if not is_build_dir(x))
        for f in sorted(files):
            if f.endswith(".md"):
                yield os.path.join(d, f)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def prose_lines(text):
    """(line number, line) outside fenced code blocks."""
    fence = None
    for n, line in enumerate(text.split("\n"), 1):
        m = FENCE.match(line)
        if m:
            fence = None if fence == m.group(1) else (fence or m.group(1))
            continue
        if fence is None:
            yield n, line


def github_slug(heading):
    """The anchor GitHub gives a heading: its rendered text, lowercased, with everything but
    letters, digits, marks, '-', '_' and spaces removed, and spaces turned into '-'."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)   # links and images: their text
    text = CODE_SPAN.sub(lambda m: m.group(2), text)           # code spans: their content
    text = re.sub(r"<[^>]+>", "", text)                        # inline HTML tags
    keep = []
    for ch in text.lower():
        if ch in "-_ " or ch.isalnum() or re.match(r"\w", ch):
            keep.append(ch)
    return "".join(keep).replace(" ", "-")


def anchors(text):
    """Every anchor a file offers: its headings' slugs (duplicates numbered -1, -2, … as GitHub
    numbers them) and explicit <a id/name="…"> anchors."""
    seen, out = {}, set()
    prev = ""
    for _, line in prose_lines(text):
        heading = None
        m = ATX.match(line)
        if m:
            heading = m.group(2)
        elif SETEXT.match(line) and prev.strip() and not prev.lstrip().startswith(("|", "-", "*", ">")):
            heading = prev.strip()
        if heading is not None:
            slug = github_slug(heading)
            n = seen.get(slug, 0)
            seen[slug] = n + 1
            out.add(slug if n == 0 else "%s-%d" % (slug, n))
        out.update(a for a in HTML_ANCHOR.findall(line))
        prev = line
    return out


def links(text):
    """(line number, target) of every inline link, image and reference definition in prose."""
    for n, line in prose_lines(text):
        bare = CODE_SPAN.sub("", line)
        m = REF_DEF.match(bare)
        if m:
            yield n, m.group(1)
            continue
        for m in INLINE_LINK.finditer(bare):
            yield n, m.group(2)


def mentions_outside(text):
    """(line number, what) for each mention of a place outside the repository, code spans and
    code blocks included: a reader cannot open those either."""
    for n, line in enumerate(text.split("\n"), 1):
        for m in OUTSIDE.finditer(line):
            yield n, m.group(0)


def md_mentions(text):
    """(line number, path) of every *.md path the text names, links and code included."""
    for n, line in enumerate(text.split("\n"), 1):
        for m in MD_MENTION.finditer(line):
            yield n, m.group(1)


def check_file(root, path, md_names, anchor_cache):
    """The problems of one Markdown file, as 'file:line: what' strings."""
    rel = os.path.relpath(path, root)
    text = read(path)
    here = os.path.dirname(path)
    problems = []

    def anchors_of(p):
        if p not in anchor_cache:
            anchor_cache[p] = anchors(read(p))
        return anchor_cache[p]

    for n, target in links(text):
        if not target or SCHEME.match(target) or target.startswith("//"):
            continue
        part, _, frag = target.partition("#")
        part = urllib.parse.unquote(part)
        dest = path if not part else os.path.normpath(
            os.path.join(root, part.lstrip("/")) if part.startswith("/") else os.path.join(here, part))
        if not dest.startswith(root + os.sep) and dest != root:
            problems.append("%s:%d: link to %s leaves the repository" % (rel, n, target))
            continue
        if not os.path.exists(dest):
            problems.append("%s:%d: link to %s: no such file" % (rel, n, target))
            continue
        if frag and dest.endswith(".md"):
            if urllib.parse.unquote(frag).lower() not in anchors_of(dest):
                problems.append("%s:%d: link to %s: no heading or anchor '%s' in %s"
                                % (rel, n, target, frag, os.path.relpath(dest, root)))
    for n, what in mentions_outside(text):
        problems.append("%s:%d: names %s, which is outside this repository" % (rel, n, what))
    linked = {(n, urllib.parse.unquote(t.partition("#")[0])) for n, t in links(text)}
    for n, name in md_mentions(text):
        if (n, name) in linked or OUTSIDE.search(name):
            continue  # reported above
        candidates = [os.path.normpath(os.path.join(here, name)), os.path.normpath(os.path.join(root, name))]
        if any(os.path.exists(c) for c in candidates) or ("/" not in name and name in md_names):
            continue
        problems.append("%s:%d: names %s, which is not in this repository" % (rel, n, name))
    return problems


def check_tree(root):
    root = os.path.normpath(os.path.abspath(root))
    files = list(markdown_files(root))
    md_names = {os.path.basename(f) for f in files}
    cache = {}
    problems = []
    for f in files:
        problems += check_file(root, f, md_names, cache)
    return files, problems


class SlugTest(unittest.TestCase):
    def test_github_slugs(self):
        self.assertEqual(github_slug("HTTP or HTTPS"), "http-or-https")
        self.assertEqual(github_slug("When a log file cannot be delivered (quarantine)"),
                         "when-a-log-file-cannot-be-delivered-quarantine")
        self.assertEqual(github_slug("`--any-credentials` (emulator mode)"), "--any-credentials-emulator-mode")
        self.assertEqual(github_slug("bench/import — `opentrail import` vs DuckDB"),
                         "benchimport--opentrail-import-vs-duckdb")
        self.assertEqual(github_slug("The [link](x.md) and *stars*"), "the-link-and-stars")

    def test_duplicate_headings_are_numbered(self):
        self.assertEqual(anchors("# A\n## A\n## A\n"), {"a", "a-1", "a-2"})

    def test_headings_in_code_blocks_do_not_count(self):
        self.assertEqual(anchors("# Real\n```\n# not a heading\n```\n"), {"real"})


class PlantedProblemsTest(unittest.TestCase):
    """The checker on a small tree with one of each problem planted, and their good twins."""

    def test_finds_each_planted_problem(self):
        with tempfile.TemporaryDirectory() as d:
            os.makedirs(os.path.join(d, "docs"))
            os.makedirs(os.path.join(d, "build", "x"))
            with open(os.path.join(d, "README.md"), "w") as f:
                f.write("# Top\n\nSee [ok](docs/a.md), [ok anchor](docs/a.md#first-part),\n"
                        "[self](#top), [web](https://example.com/x.md), `code [x](nope.md)`,\n"
                        "[broken](docs/missing.md), [bad anchor](docs/a.md#no-such-part).\n"
                        "```\n[in a code block](also-missing.md)\n```\n")
            with open(os.path.join(d, "docs", "a.md"), "w") as f:
                f.write("# First part\n\nThe facts are in ../shared/spec/formats.md.\n"
                        "See [up](../README.md) and [out](../../elsewhere.md); also DESIGN.md.\n")
            with open(os.path.join(d, "build", "x", "junk.md"), "w") as f:
                f.write("[ignored](nowhere.md)\n")
            _, problems = check_tree(d)
            text = "\n".join(problems)
            self.assertIn("README.md:5: link to docs/missing.md: no such file", text)
            self.assertIn("README.md:5: link to docs/a.md#no-such-part: no heading or anchor", text)
            self.assertIn("docs/a.md:3: names ../shared", text)
            self.assertIn("docs/a.md:4: link to ../../elsewhere.md leaves the repository", text)
            self.assertIn("docs/a.md:4: names DESIGN.md, which is not in this repository", text)
            self.assertNotIn("nope.md: no such file", text)          # inside a code span
            self.assertNotIn("also-missing.md: no such file", text)  # inside a code block
            self.assertNotIn("junk.md", text)                         # build dirs are skipped
            self.assertNotIn("#top", text)
            self.assertNotIn("first-part'", text)
            self.assertNotIn("example.com", text)


class RepositoryDocsTest(unittest.TestCase):
    def test_every_link_resolves_and_nothing_points_outside(self):
        files, problems = check_tree(ROOT)
        self.assertIn(os.path.join(ROOT, "README.md"), files)
        self.assertGreater(len(files), 10)
        self.assertEqual(problems, [], "\n" + "\n".join(problems))


if __name__ == "__main__":
    unittest.main()
