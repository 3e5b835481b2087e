"""The wheel carries the schemas: build it, install it outside the checkout, use it."""
import site
import subprocess
import sys
import textwrap

from helpers import ROOT


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
