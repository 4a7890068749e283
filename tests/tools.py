"""The checkers the accessibility tests run besides Python, fetched from the npm registry on first use
into tests/.node/ (ignored by git) at pinned versions: axe-core, injected into Chromium, and the Nu
HTML Checker (vnu-jar), run with Debian's Java. `./dev test` installs java and npm when missing; a
machine without them fails these tests with a message saying what to install, never skips them."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

NODE_DIR = Path(__file__).resolve().parent / ".node"
PINNED = {"axe-core": "4.14.1", "vnu-jar": "26.9.27"}


def _installed_version(package: str) -> str | None:
    manifest = NODE_DIR / "node_modules" / package / "package.json"
    try:
        return json.loads(manifest.read_text("utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        return None


def _require_command(command: str, debian_packages: str) -> str:
    """The full path of `command`, or a test failure naming the Debian packages that provide it."""
    path = shutil.which(command)
    if path is None:
        pytest.fail(f"`{command}` is not installed; the accessibility tests need it. Run ./dev test, "
                    f"which installs it, or: apt-get install {debian_packages}", pytrace=False)
    return path


def node_package(package: str) -> Path:
    """The folder of an npm package at its pinned version, installing every pinned package into
    tests/.node/ first when any is missing or at another version. Install scripts are not run:
    vnu-jar's would download a Java runtime of its own, and Debian's is used instead."""
    if any(_installed_version(name) != version for name, version in PINNED.items()):
        npm = _require_command("npm", "nodejs npm")
        command = [npm, "install", "--prefix", str(NODE_DIR), "--ignore-scripts", "--no-audit",
                   "--no-fund", "--no-save", *(f"{name}@{version}" for name, version in PINNED.items())]
        NODE_DIR.mkdir(exist_ok=True)
        result = subprocess.run(command, capture_output=True, text=True, timeout=600)
        if result.returncode != 0 or _installed_version(package) != PINNED[package]:
            pytest.fail(f"could not install {package}@{PINNED[package]} with `{' '.join(command)}`:\n"
                        f"{result.stderr[-3000:]}", pytrace=False)
    return NODE_DIR / "node_modules" / package


def axe_script() -> Path:
    """axe-core's minified script, to inject into a page."""
    return node_package("axe-core") / "axe.min.js"


def vnu_command() -> list[str]:
    """The command that runs the Nu HTML Checker with Debian's Java."""
    java = _require_command("java", "default-jre-headless")
    return [java, "-jar", str(node_package("vnu-jar") / "build" / "dist" / "vnu.jar")]
