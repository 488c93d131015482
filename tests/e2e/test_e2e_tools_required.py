"""Issue 10, item 10: on a machine without the end-to-end tools, `make test` fails and says what
to install, while a plain build still configures; after ctest, scripts/e2e-summary.sh says how
many end-to-end tests ran.

The machine without them is stood for by scripts/find-python.sh looking only at a fresh venv with
no packages (OT_PYTHON_CANDIDATES); the configure steps are those `make test` and `make build`
run, in a scratch build dir."""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

SRC = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))


class E2eToolsRequiredTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="ot-tools-")
        venv = os.path.join(cls.tmp, "venv")
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
        cls.env = dict(os.environ, OT_PYTHON_CANDIDATES=os.path.join(venv, "bin", "python3"))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def configure(self, require):
        build = tempfile.mkdtemp(dir=self.tmp)
        return subprocess.run(["cmake", "-S", SRC, "-B", build, "-DCMAKE_BUILD_TYPE=RelWithDebInfo",
                               "-DOT_REQUIRE_E2E=" + require],
                              env=self.env, capture_output=True, text=True, timeout=300)

    def test_make_test_configure_fails_naming_what_to_install(self):
        p = self.configure("ON")
        self.assertNotEqual(p.returncode, 0, p.stdout + p.stderr)
        for needed in ("CMake Error", "end-to-end tests cannot run", "lacks: boto3, moto[server], awscli",
                       "awscli >= 1.29", "v2 >= 2.13", "pip install boto3 'moto[server]' awscli"):
            self.assertIn(needed, p.stderr)

    def test_plain_build_configures_with_a_warning(self):
        p = self.configure("OFF")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("end-to-end tests are not registered", p.stderr)

    def test_makefile_test_targets_require_the_tools(self):
        with open(os.path.join(SRC, "Makefile")) as f:
            makefile = f.read()
        for target in ("test:", "test-release:"):
            body = makefile.split("\n" + target, 1)[1].split("\n\n", 1)[0]
            self.assertIn("-DOT_REQUIRE_E2E=ON", body, target)
            self.assertIn("scripts/e2e-summary.sh", body, target)

    def test_summary_counts_the_e2e_tests_ctest_ran(self):
        # A real ctest run of a scratch project: two e2e_ files (3 test cases, one skipped) and a
        # unit test whose own "Ran 7 tests" line is not an end-to-end test.
        proj = os.path.join(self.tmp, "proj")
        os.makedirs(proj)
        cases = {"e2e_a": "def test_1(self): pass\n    def test_2(self): self.skipTest('no')",
                 "e2e_b": "def test_1(self): pass"}
        for name, body in cases.items():
            with open(os.path.join(proj, name + ".py"), "w") as f:
                f.write("import unittest\nclass T(unittest.TestCase):\n    %s\n"
                        "unittest.main(verbosity=2)\n" % body)
        with open(os.path.join(proj, "CMakeLists.txt"), "w") as f:
            f.write("cmake_minimum_required(VERSION 3.18)\nproject(p NONE)\nenable_testing()\n"
                    "add_test(NAME e2e_a COMMAND %s ${CMAKE_SOURCE_DIR}/e2e_a.py)\n"
                    "add_test(NAME e2e_b COMMAND %s ${CMAKE_SOURCE_DIR}/e2e_b.py)\n"
                    "add_test(NAME unit_c COMMAND sh -c \"echo Ran 7 tests in 0.1s\")\n"
                    % (sys.executable, sys.executable))
        build = os.path.join(proj, "build")
        subprocess.run(["cmake", "-S", proj, "-B", build], check=True, capture_output=True)
        subprocess.run(["ctest", "-j2"], cwd=build, check=True, capture_output=True)
        p = subprocess.run([os.path.join(SRC, "scripts", "e2e-summary.sh"), build],
                           capture_output=True, text=True)
        self.assertEqual(p.stdout, "end-to-end tests run: 2 (2 files, 1 skipped)\n")


if __name__ == "__main__":
    unittest.main(verbosity=2)
