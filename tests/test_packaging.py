"""The package as a whole: the wheel (schemas and py.typed included), layers that point one way, light imports."""
import ast
import site
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from helpers import ROOT

PACKAGE = ROOT / "kapture_nb"
# A module may import only modules of a lower rank (its own subpackage aside): the layers of DESIGN.md.
RANKS = {
    "exceptions": 0, "redacted": 0, "display": 0, "paths": 0, "jsonvalues": 0,
    "schema": 1, "effects": 1,
    "compiled": 2, "orderframes": 2, "converters": 2,
    "validation": 3, "retry": 3, "wire": 3, "auth": 3, "settings": 3, "journal": 3, "bodyfiles": 3, "detect": 3,
    "frames": 4, "mapping": 4,
    "batch": 5, "suggest": 5, "livecheck": 5,
    "plan": 6, "client": 6,
    "forms": 7, "sandbox": 7,
    "demo": 8, "studio": 8,
    "cli": 9,
}


def test_wheel_installed_outside_the_checkout_finds_and_uses_the_schema(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(wheels), str(ROOT)],
        check=True,
    )
    wheel = next(wheels.glob("kapture_nb-*.whl"))
    env_dir = tmp_path / "fresh-env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True)
    python = env_dir / "bin" / "python"
    target = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", target, str(wheel)], check=True
    )
    # The dependencies come from this test run's environment, appended after the wheel's own copy.
    with open(f"{target}/zz_deps.pth", "w") as pth:
        pth.write("\n".join(site.getsitepackages()) + "\n")
    script = textwrap.dedent(
        """
        import kapture_nb as kn
        print(kn.__file__)
        print(kn.schema.schema_dir())
        body = kn.template()
        body["customer_info"]["customer_name"] = "ABC"
        body["order_info"]["order_id"] = 23518265
        print(kn.validate(body).ok, kn.validate({}).ok)
        """
    )
    done = subprocess.run([str(python), "-c", script], capture_output=True, text=True, cwd=tmp_path, check=True)
    module, schemas, verdicts = done.stdout.splitlines()
    assert module.startswith(target) and str(ROOT) not in module
    assert schemas.startswith(target) and schemas.endswith("kapture_nb/schemas")
    assert verdicts == "True False"
    assert (Path(target) / "kapture_nb" / "py.typed").is_file()


def _own_imports(path):
    """The top-level kapture_nb modules a file imports, at any depth (inside functions and TYPE_CHECKING too)."""
    package = path.relative_to(ROOT).parent.parts  # ("kapture_nb",) or ("kapture_nb", "forms")
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                parts = [*base, *(node.module.split(".") if node.module else [])]
                names = [[*parts, alias.name] for alias in node.names] if len(parts) == 1 else [parts]
            else:
                names = [(node.module or "").split(".")]
        elif isinstance(node, ast.Import):
            names = [alias.name.split(".") for alias in node.names]
        else:
            continue
        found.update(name[1] for name in names if len(name) > 1 and name[0] == "kapture_nb")
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or p.parent != PACKAGE)


@pytest.mark.parametrize("path", MODULES, ids=str)
def test_layers_point_one_way(path):
    own = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
    higher = {name for name in _own_imports(path) - {own} if RANKS[name] >= RANKS[own]}
    assert not higher, f"{path.relative_to(ROOT)} imports {sorted(higher)}, which are not below it"


def test_every_module_has_a_rank():
    modules = {p.relative_to(PACKAGE).parts[0].removesuffix(".py") for p in PACKAGE.iterdir() if p.suffix == ".py" or p.is_dir()}
    assert modules - {"__init__", "__pycache__", "schemas"} == set(RANKS)


@pytest.mark.parametrize("statement", ["import kapture_nb", "import kapture_nb.sandbox", "import kapture_nb.cli"])
def test_imports_stay_light(statement):
    heavy = ("ipywidgets", "IPython", "tqdm", "jsonschema", "phonenumbers", "email_validator", "rapidfuzz")
    probe = f"import sys; {statement}; print(' '.join(m for m in {heavy!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.split() == []


def test_the_forms_and_the_sandbox_load_on_first_use():
    probe = (
        "import sys, kapture_nb as kn; before = 'ipywidgets' in sys.modules; kn.UpdateOrderForm; "
        "print(before, 'ipywidgets' in sys.modules, kn.Sandbox.__module__)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "True", "kapture_nb.sandbox.server"]
