"""pytest set-up for the notebooks (run by nbval; see [tool.pytest.ini_options] in pyproject.toml)."""
from pathlib import Path


def pytest_configure(config):
    # addopts names the sanitizer relative to the repository root; find it from any working directory.
    given = getattr(config.option, "nbval_sanitize_with", None)
    if given and not Path(given).is_absolute() and not Path(given).exists():
        candidate = Path(config.rootpath, given)
        if candidate.exists():
            config.option.nbval_sanitize_with = str(candidate)
