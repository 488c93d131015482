#!/usr/bin/env python3
"""check-layers-test.py — tests of scripts/check-layers.py on a temporary copy of src/.

    scripts/check-layers-test.py [-v]       (ctest: layers_checker)

The copy of today's tree must pass; each test then plants one violation in a fresh copy and
asserts that the checker fails and names the file, the line and the reason."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CHECKER = os.path.join(HERE, "check-layers.py")


def run_checker(root):
    p = subprocess.run([sys.executable, CHECKER, root], capture_output=True, text=True)
    return p.returncode, p.stdout


class CheckLayersTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="check-layers-")
        self.root = self.tmp.name
        shutil.copytree(os.path.join(ROOT, "src"), os.path.join(self.root, "src"))

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, rel):
        return os.path.join(self.root, "src", rel)

    def append(self, rel, text):
        """Appends text to src/rel; returns the line number of its first line."""
        with open(self.path(rel), encoding="utf-8") as f:
            n = f.read().count("\n")
        with open(self.path(rel), "a", encoding="utf-8") as f:
            f.write(text)
        return n + 1

    def assert_fails_with(self, *needles):
        rc, out = run_checker(self.root)
        self.assertEqual(rc, 1, out)
        line = next((l for l in out.splitlines() if all(n in l for n in needles)), None)
        self.assertIsNotNone(line, "no report line with %r in:\n%s" % (needles, out))

    def test_clean_tree_passes(self):
        rc, out = run_checker(self.root)
        self.assertEqual(rc, 0, out)
        self.assertIn("all follow src/LAYERS", out)

    def test_upward_include_fails(self):
        n = self.append("util/buf.c", '#include "cli/cli.h"\n')
        self.assert_fails_with('src/util/buf.c:%d: includes "cli/cli.h"' % n, "upward")

    def test_upward_include_from_a_header_fails(self):
        n = self.append("wal/wal.h", '#include "deliver/deliver.h"\n')
        self.assert_fails_with('src/wal/wal.h:%d: includes "deliver/deliver.h"' % n,
                               "upward: deliver is above wal")

    def test_angle_include_of_a_src_header_is_checked(self):
        n = self.append("event/event_codec.c", "#include <api/api.h>\n")
        self.assert_fails_with("src/event/event_codec.c:%d: includes \"api/api.h\"" % n, "upward")

    def test_relative_include_is_resolved(self):
        n = self.append("store/store.c", '#include "../history/history.h"\n')
        self.assert_fails_with("src/store/store.c:%d:" % n, "upward: history is above store")

    def test_lower_module_not_on_the_line_fails(self):
        n = self.append("trail/trail_db.c", '#include "wal/wal.h"\n')  # below trail, not listed
        self.assert_fails_with("src/trail/trail_db.c:%d:" % n, "trail may include only: util")

    def test_other_modules_internal_header_fails(self):
        n = self.append("api/dispatch.c", '#include "store/local_int.h"\n')
        self.assert_fails_with("src/api/dispatch.c:%d:" % n, "internal to store")

    def test_internal_header_of_a_lower_allowed_module_still_fails(self):
        n = self.append("deliver/deliver_db.c", '#include "digest/digest_int.h"\n')
        self.assert_fails_with("src/deliver/deliver_db.c:%d:" % n, "internal to digest")

    def test_own_internal_header_passes(self):
        self.append("store/store.c", '#include "store/local_int.h"\n')
        rc, out = run_checker(self.root)
        self.assertEqual(rc, 0, out)

    def test_module_missing_from_layers_fails(self):
        os.mkdir(self.path("newmod"))
        with open(self.path("newmod/newmod.c"), "w", encoding="utf-8") as f:
            f.write('#include "util/err.h"\n')
        self.assert_fails_with("src/newmod/", "not in src/LAYERS")

    def test_stale_exception_fails(self):
        self.append("LAYERS", "allow util/buf.c cli/cli.h\n")
        self.assert_fails_with("'allow util/buf.c cli/cli.h' no longer occurs")

    def test_exception_allows_exactly_its_include(self):
        n = self.append("util/buf.c", '#include "cli/cli.h"\n#include "api/api.h"\n')
        self.append("LAYERS", "allow util/buf.c cli/cli.h\n")
        rc, out = run_checker(self.root)
        self.assertEqual(rc, 1, out)
        self.assertNotIn("cli/cli.h", out)
        self.assertIn('src/util/buf.c:%d: includes "api/api.h"' % (n + 1), out)

    def test_upward_dependency_in_layers_fails(self):
        with open(self.path("LAYERS"), encoding="utf-8") as f:
            text = f.read()
        with open(self.path("LAYERS"), "w", encoding="utf-8") as f:
            f.write(re.sub(r"(?m)^(wal:.*)$", r"\1 api", text, count=1))
        self.assert_fails_with("src/LAYERS:", "wal may not depend on api")


if __name__ == "__main__":
    unittest.main()
