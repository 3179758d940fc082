"""Import rules, checked by reading the source: tests share helpers through support.py only (no
module imports a test module or a conftest, which pytest imports itself), and every private
Dagster import says why no public API serves."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent


def _is_test_or_conftest(module: str) -> bool:
    last = module.rsplit(".", 1)[-1]
    return last == "conftest" or last.startswith("test_")


def forbidden_imports(source: str) -> list[str]:
    """Modules named test_* or conftest that `source` imports, relative or absolute."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if _is_test_or_conftest(a.name)]
        elif isinstance(node, ast.ImportFrom):
            if node.module and _is_test_or_conftest(node.module):
                found.append(node.module)
            elif not node.module:  # `from . import test_x`
                found += [a.name for a in node.names if _is_test_or_conftest(a.name)]
    return found


def test_the_scan_sees_every_way_of_importing_a_test_module() -> None:
    source = (
        "from .conftest import x\n"
        "from ccdata_assets_tests.test_platform import NOW\n"
        "import ccdata_assets_tests.checks.conftest\n"
        "from . import test_other\n"
        "from ccdata_assets_tests.support import NOW\n"
        "from ccdata_assets_tests.alerts.receivers import Webhook\n"
    )
    assert forbidden_imports(source) == [
        "conftest",
        "ccdata_assets_tests.test_platform",
        "ccdata_assets_tests.checks.conftest",
        "test_other",
    ]


def test_no_module_imports_a_test_module_or_a_conftest() -> None:
    offenders = {
        str(path.relative_to(TESTS)): found
        for path in sorted(TESTS.rglob("*.py"))
        if (found := forbidden_imports(path.read_text()))
    }
    assert offenders == {}, "import shared helpers from ccdata_assets_tests.support instead"


def test_every_private_dagster_import_says_why() -> None:
    """Public Dagster APIs wherever one exists; a `dagster._` import needs a `# private:` reason
    on the line above it."""
    unexplained = []
    for package in (REPO / "ccdata_assets", TESTS):
        for path in sorted(package.rglob("*.py")):
            lines = path.read_text().splitlines()
            for node in ast.walk(ast.parse("\n".join(lines))):
                names = (
                    [node.module or ""]
                    if isinstance(node, ast.ImportFrom)
                    else [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else []
                )
                if any(n.startswith("dagster._") for n in names):
                    above = lines[node.lineno - 2].strip() if node.lineno > 1 else ""
                    if not above.startswith("# private: "):
                        unexplained.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert unexplained == []


def test_loading_the_code_location_leaves_run_only_libraries_unimported(tmp_path) -> None:
    """Every run and every code-server start imports the definitions; the warehouse client,
    aiohttp and the simulator are imported by the runs that use them (about 1 s)."""
    script = (
        "import sys, ccdata_assets.definitions; "
        "print(','.join(sorted({m.split('.')[0] for m in sys.modules} | "
        "{m for m in sys.modules if m.startswith('ccdata_assets.simulator')})))"
    )
    env = {"PATH": os.environ["PATH"], "CCDATA_HOME": str(tmp_path)}
    loaded = (
        subprocess.run(
            [sys.executable, "-c", script],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO,
        )
        .stdout.strip()
        .split(",")
    )
    assert "dagster" in loaded  # the probe sees what the import loaded
    assert {"singlestoredb", "aiohttp", "ccdata_assets.simulator"}.isdisjoint(loaded)
