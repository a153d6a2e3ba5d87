"""Setuptools hook: copy the shipped weights and model cards from models/ into the package
(muralstudio/models/) when a wheel is built, so a pip-installed MuralStudio finds them.
Everything else is configured in pyproject.toml."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildWithModels(build_py):
    def run(self):
        super().run()
        target = Path(self.build_lib) / "muralstudio" / "models"
        target.mkdir(parents=True, exist_ok=True)
        for pattern in ("*.safetensors", "*.md"):
            for path in (ROOT / "models").glob(pattern):
                shutil.copy2(path, target / path.name)


setup(cmdclass={"build_py": BuildWithModels})
