#!/usr/bin/env python3
"""check-layers.py — checks every #include in src/ against the layering in src/LAYERS.

    scripts/check-layers.py [ROOT]      ROOT: the checkout (default: this script's parent's parent)

Prints one line per violation, "src/<file>:<line>: includes "<header>": <why it is not allowed>",
and exits 1 if there is any (2 if src/LAYERS itself cannot be read). A violation is:
  - an include of a module that is above the including one, or not on its line in src/LAYERS;
  - an include of another module's internal header (a file name ending in "_int.h");
  - a directory of src/ that src/LAYERS does not list, or an exception in src/LAYERS that no
    longer occurs (so a fixed one is deleted rather than kept forever).
Only the standard library is used. src/LAYERS describes its own format.
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
SOURCE_SUFFIXES = (".c", ".h", ".cpp")
INTERNAL_SUFFIX = "_int.h"


class Layers:
    """The parsed src/LAYERS: modules bottom to top, what each may include, the exceptions."""

    def __init__(self):
        self.order = []        # module names, bottom first
        self.allowed = {}      # module -> set of modules it may include
        self.exceptions = {}   # (file, header) -> line number in src/LAYERS


def parse_layers(path):
    """Reads src/LAYERS; returns (Layers, errors). Errors are complete report lines."""
    layers, errors = Layers(), []
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    for n, raw in enumerate(lines, 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        where = "src/LAYERS:%d" % n
        if line.startswith("allow "):
            parts = line.split()
            if len(parts) != 3:
                errors.append("%s: an exception is 'allow <file> <header>': %r" % (where, line))
            else:
                layers.exceptions[(parts[1], parts[2])] = n
            continue
        name, colon, deps = line.partition(":")
        name = name.strip()
        if not colon or not name or " " in name:
            errors.append("%s: a module line is '<module>: <modules it may include>': %r"
                          % (where, line))
            continue
        if name in layers.allowed:
            errors.append("%s: module %s is listed twice" % (where, name))
            continue
        for dep in deps.split():
            if dep not in layers.allowed:
                errors.append("%s: %s may not depend on %s: it is not on an earlier line"
                              " (dependencies point downward only)" % (where, name, dep))
        layers.order.append(name)
        layers.allowed[name] = set(deps.split()) & set(layers.allowed)
    return layers, errors


def module_of(rel):
    """src-relative path -> module: its first directory, or the file's own name at the top."""
    return rel.split("/", 1)[0]


def resolve(src, file_dir, kind, text):
    """Where an include lands, as a src-relative path, or None if it is not a file of src/.

    Quoted includes are looked up next to the including file first, then in src/ (the one
    include directory), as the compiler does. An angle include counts only if it names a file
    under src/ (so <sys/stat.h> stays the system's)."""
    if kind == '"':
        local = os.path.normpath(os.path.join(file_dir, text))
        if os.path.isfile(local):
            target = local
        else:
            target = os.path.normpath(os.path.join(src, text))
    else:
        target = os.path.normpath(os.path.join(src, text))
        if not os.path.isfile(target):
            return None
    rel = os.path.relpath(target, src)
    if rel.startswith(".."):
        return rel  # outside src/: reported by the caller
    return rel.replace(os.sep, "/")


def why_not(layers, module, target_rel, target_module):
    """The reason module may not include target_rel, or None if it may."""
    if target_rel.startswith(".."):
        return "a file outside src/"
    if target_module == module:
        return None
    if os.path.basename(target_rel).endswith(INTERNAL_SUFFIX):
        return ("%s is internal to %s (a *%s header is included only by its own module)"
                % (target_rel, target_module, INTERNAL_SUFFIX))
    if target_module not in layers.allowed:
        return "%s is not a module in src/LAYERS" % target_module
    if target_module in layers.allowed[module]:
        return None
    if layers.order.index(target_module) > layers.order.index(module):
        return ("upward: %s is above %s in src/LAYERS (dependencies point downward only)"
                % (target_module, module))
    return ("%s may include only: %s (src/LAYERS)"
            % (module, " ".join(sorted(layers.allowed[module], key=layers.order.index)) or
               "nothing"))


def source_files(src):
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith(SOURCE_SUFFIXES):
                path = os.path.join(dirpath, name)
                yield path, os.path.relpath(path, src).replace(os.sep, "/")


def check(root):
    """Returns (report lines, files checked, includes checked)."""
    src = os.path.join(root, "src")
    layers, report = parse_layers(os.path.join(src, "LAYERS"))
    for entry in sorted(os.listdir(src)):
        if os.path.isdir(os.path.join(src, entry)) and entry not in layers.allowed:
            report.append("src/%s/: module %s is not in src/LAYERS (add its line where it "
                          "belongs, above every module it includes)" % (entry, entry))
    used, nfiles, nincludes = set(), 0, 0
    for path, rel in source_files(src):
        module = module_of(rel)
        if module not in layers.allowed:
            continue  # reported once above (or a top-level file: listed by name)
        nfiles += 1
        with open(path, encoding="utf-8", errors="replace") as f:
            for n, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                target = resolve(src, os.path.dirname(path), m.group(1), m.group(2))
                if target is None:
                    continue
                nincludes += 1
                reason = why_not(layers, module, target, module_of(target))
                if not reason:
                    continue
                if (rel, target) in layers.exceptions:
                    used.add((rel, target))
                    continue
                report.append('src/%s:%d: includes "%s": %s' % (rel, n, m.group(2), reason))
    for (rel, header), n in sorted(layers.exceptions.items(), key=lambda e: e[1]):
        if (rel, header) not in used:
            report.append("src/LAYERS:%d: the exception 'allow %s %s' no longer occurs: delete it"
                          % (n, rel, header))
    return report, nfiles, nincludes


def main(argv):
    root = argv[1] if len(argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        report, nfiles, nincludes = check(root)
    except OSError as e:
        print("check-layers: %s" % e, file=sys.stderr)
        return 2
    for line in report:
        print(line)
    if report:
        print("check-layers: %d violation(s) of src/LAYERS" % len(report), file=sys.stderr)
        return 1
    print("check-layers: %d files, %d includes, all follow src/LAYERS" % (nfiles, nincludes))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
