"""The tally library stands alone: no Django, no other Taawun app."""

import ast
import pathlib
import subprocess
import sys

import taawun.tally

TALLY_DIR = pathlib.Path(taawun.tally.__file__).parent


def test_tally_modules_import_only_the_standard_library_numpy_and_themselves():
    for path in TALLY_DIR.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
            else:
                continue
            for module in modules:
                assert not module.startswith("django"), (path.name, module)
                if module.startswith("taawun"):
                    assert module.startswith("taawun.tally"), (path.name, module)


def test_importing_the_tally_loads_no_django():
    code = (
        "import sys, taawun.tally;"
        "loaded = [m for m in sys.modules if m.split('.')[0] == 'django'];"
        "print(','.join(loaded))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""
