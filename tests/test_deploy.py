"""Putting it online, tested where it can be without Docker or systemd running here.

The Dockerfile is parsed with BuildKit's own parser (the `dockerfile` package wraps Docker's Go
parser), so a command reads here exactly as `docker build` would read it; its CMD and
HEALTHCHECK are then run as they are, outside a container, against the real app. The systemd
unit is checked by `systemd-analyze verify`. The Community Cloud secrets documented in
deploy/README.md are fed to the app's source chooser and to Streamlit's own sign-in checks.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import dockerfile
import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
DEPLOY = (ROOT / "deploy" / "README.md").read_text(encoding="utf-8")
UNIT = ROOT / "deploy" / "tothu.service"
COMMANDS = {c.cmd: c for c in dockerfile.parse_file(str(ROOT / "Dockerfile"))}
ALL_COMMANDS = dockerfile.parse_file(str(ROOT / "Dockerfile"))
START_TIMEOUT = 60.0


def readme_two_commands() -> tuple[str, str]:
    """The README's 'run the app' line: (install command, run command)."""
    section = README.split("## The two commands", 1)[1]
    block = re.search(r"```bash\n(.*?)\n```", section, re.S).group(1).strip()
    install, run = (part.strip() for part in block.split("&&"))
    return install, run


def dockerfile_env() -> dict[str, str]:
    env = {}
    for command in ALL_COMMANDS:
        if command.cmd == "ENV":
            values = command.value
            env.update(zip(values[::2], values[1::2], strict=True))
    return env


def docker_commands(text: str, verb: str) -> list[list[str]]:
    """`docker VERB …` lines of the Markdown's bash blocks, continuation lines joined."""
    found = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        joined = block.replace("\\\n", " ")
        for line in joined.splitlines():
            words = shlex.split(line.split("#", 1)[0]) if line.strip() else []
            if words[:2] == ["docker", verb]:
                found.append(words)
    return found


def option_values(words: list[str], option: str) -> list[str]:
    return [words[i + 1] for i, w in enumerate(words) if w == option]


def test_the_image_runs_the_readme_s_two_commands():
    install, run = readme_two_commands()
    assert install == "python -m pip install -r requirements.txt"
    assert run == "streamlit run app.py"
    runs = [c.value[0] for c in ALL_COMMANDS if c.cmd == "RUN"]
    assert install in runs
    cmd = COMMANDS["CMD"]
    assert cmd.json, "exec form: the server gets the container's stop signal itself"
    assert list(cmd.value) == run.split()
    # requirements.txt is copied before the install, the code after it (layer cache).
    order = [(c.cmd, c.value) for c in ALL_COMMANDS]
    copy_requirements = order.index(("COPY", ("requirements.txt", ".")))
    assert copy_requirements < order.index(("RUN", (install,))) < order.index(("COPY", (".", ".")))


def test_the_image_is_slim_python_3_11_run_by_an_unprivileged_user():
    assert COMMANDS["FROM"].value == ("python:3.11-slim",)
    assert "Python 3.11" in README
    user = COMMANDS["USER"].value[0]
    assert user not in ("root", "0")
    created = " ".join(c.value[0] for c in ALL_COMMANDS if c.cmd == "RUN")
    assert re.search(rf"useradd [^&]*\b{user}\b", created), "the user is created in the image"
    names = [c.cmd for c in ALL_COMMANDS]
    assert names.index("USER") < names.index("CMD")


def test_the_data_folder_is_the_volume_and_the_readme_mounts_it():
    env = dockerfile_env()
    (volume,) = COMMANDS["VOLUME"].value
    assert env["TOTHU_DATA_DIR"] == volume
    assert Path(env["TOTHU_ACCOUNTS_FILE"]).parent == Path(volume), "accounts kept in the volume"
    (port,) = COMMANDS["EXPOSE"].value
    assert env["STREAMLIT_SERVER_PORT"] == port and env["STREAMLIT_SERVER_ADDRESS"] == "0.0.0.0"
    for text in (README, DEPLOY):
        (build, *_) = docker_commands(text, "build")
        tag = option_values(build, "-t")[0]
        runs = docker_commands(text, "run")
        assert runs
        for run in runs:
            assert run[-1] == tag
            assert any(v.split(":")[1] == port for v in option_values(run, "-p"))
            mounts = [v.split(":") for v in option_values(run, "-v")]
            assert any(m[1] == volume for m in mounts), run


def test_the_healthcheck_asks_streamlit_s_health_endpoint():
    check = COMMANDS["HEALTHCHECK"]
    assert check.json and check.value[0] == "CMD"
    (port,) = COMMANDS["EXPOSE"].value
    assert f"http://127.0.0.1:{port}/_stcore/health" in " ".join(check.value)
    flags = dict(f.lstrip("-").split("=") for f in check.flags)
    assert set(flags) >= {"interval", "timeout", "start-period", "retries"}


def _pattern(pattern: str) -> re.Pattern:
    """A .dockerignore pattern as a regex: `*` and `?` stay within one folder, `**` crosses
    any number of them, `**/` also matches none (Go's filepath.Match plus Docker's `**`)."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def _dockerignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule (docs.docker.com, .dockerignore file): the last matching pattern wins, a
    `!` pattern takes a path back in, and a pattern naming a folder covers all under it."""
    parts = path.split("/")
    excluded = False
    for raw in patterns:
        negate = raw.startswith("!")
        regex = _pattern(raw.removeprefix("!").strip("/"))
        if any(regex.match("/".join(parts[:depth])) for depth in range(1, len(parts) + 1)):
            excluded = not negate
    return excluded


def test_the_build_context_has_the_app_and_no_secret_or_state():
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    needed = [
        p
        for p in tracked
        if p in ("app.py", "requirements.txt", ".streamlit/config.toml")
        or p.startswith(("pages/", "tothu_core/"))
    ]
    assert "tothu_core/sheet/template.py" in needed
    assert [p for p in needed if _dockerignored(p, patterns)] == []
    for private in (
        ".streamlit/secrets.toml",
        ".data/outbox.sqlite",
        ".data/demo.xlsx",
        ".git/config",
        "tothu_core/__pycache__/cli.cpython-311.pyc",
        "so-lieu.xlsx.lock",
        "tests/conftest.py",
    ):
        assert _dockerignored(private, patterns), private
    # The matcher itself: a `!` pattern takes a file back, `**/` matches at the top too.
    assert not _dockerignored("tests/keep.py", ["tests", "!tests/keep.py"])
    assert _dockerignored("__pycache__/x.pyc", ["**/__pycache__"])
    assert not _dockerignored("app.py", ["*.pyc", "tests"])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthcheck(port: int) -> subprocess.CompletedProcess:
    (image_port,) = COMMANDS["EXPOSE"].value
    argv = [a.replace(f":{image_port}/", f":{port}/") for a in COMMANDS["HEALTHCHECK"].value[1:]]
    if argv[0] == "python":
        argv[0] = sys.executable
    return subprocess.run(argv, capture_output=True, timeout=30)


def test_the_image_s_command_serves_and_its_healthcheck_says_so(tmp_path):
    """CMD with the image's ENV, run here: healthy while it serves, unhealthy once stopped."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TOTHU_", "STREAMLIT_"))}
    env.update(dockerfile_env())
    env.update(
        STREAMLIT_SERVER_PORT=str(port),
        STREAMLIT_SERVER_ADDRESS="127.0.0.1",
        TOTHU_DATA_DIR=str(tmp_path / "data"),
        TOTHU_ACCOUNTS_FILE=str(tmp_path / "data" / "accounts.json"),
    )
    argv = list(COMMANDS["CMD"].value)
    if shutil.which(argv[0]) is None:
        argv = [sys.executable, "-m", *argv]
    log = (tmp_path / "streamlit.log").open("wb")
    process = subprocess.Popen(
        argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if requests.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).ok:
                    break
            except requests.RequestException:
                time.sleep(0.25)
        assert process.poll() is None, (tmp_path / "streamlit.log").read_text()
        result = _healthcheck(port)
        assert result.returncode == 0, result.stderr
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        log.close()
    assert _healthcheck(port).returncode != 0


def unit_settings() -> dict[str, list[str]]:
    """Key -> every value given to it (systemd allows a key several times, e.g. Environment)."""
    found: dict[str, list[str]] = {}
    for line in UNIT.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";", "[")):
            continue
        key, value = line.split("=", 1)
        found.setdefault(key.strip(), []).append(value.strip())
    return found


def test_the_systemd_unit_runs_the_readme_s_commands_with_its_state_dir():
    settings = unit_settings()
    _install, run = readme_two_commands()
    (start,) = settings["ExecStart"]
    (folder,) = settings["WorkingDirectory"]
    assert start == f"{folder}/.venv/bin/{run}"
    assert f"{folder}/.venv/bin/python -m pip install -r {folder}/requirements.txt" in DEPLOY
    environment = dict(v.split("=", 1) for v in settings["Environment"])
    (state,) = settings["StateDirectory"]
    assert environment["TOTHU_DATA_DIR"] == f"/var/lib/{state}"
    assert environment["TOTHU_ACCOUNTS_FILE"].startswith(f"/var/lib/{state}/")
    assert settings["User"][0] not in ("root", "0")
    assert settings["ProtectSystem"] == ["strict"], "only the state directory is writable"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze missing")
def test_systemd_accepts_the_unit(tmp_path):
    """`systemd-analyze verify` on the unit as shipped, its program swapped for one that
    exists here (verify checks the binary; the app is not installed in /opt here)."""
    (start,) = unit_settings()["ExecStart"]
    text = UNIT.read_text(encoding="utf-8").replace(start.split()[0], shutil.which("true"))
    unit = tmp_path / UNIT.name
    unit.write_text(text, encoding="utf-8")
    result = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr
    unit.write_text(text.replace("Restart=", "Restat="), encoding="utf-8")
    typo = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60
    )
    assert "Unknown key" in typo.stderr, "verify reports a mistake, so the check above can fail"


def cloud_secrets() -> dict:
    section = DEPLOY.split("## Streamlit Community Cloud", 1)[1]
    block = re.search(r"```toml\n(.*?)```", section, re.S).group(1)
    return tomllib.loads(block)  # TOML ignores the indentation of a Markdown list item


def test_the_documented_cloud_secrets_configure_the_sheet(service_account_info):
    """The documented tables, with a real key pasted where the placeholder stands, are what
    the app needs to choose the Google Sheet (nothing is read: no request is sent)."""
    from tothu_core.sheet.sources import resolve_source

    secrets = cloud_secrets()
    account = secrets["gcp_service_account"]
    assert set(account) >= {"type", "client_email", "private_key", "token_uri"}
    account["private_key"] = service_account_info["private_key"]
    source = resolve_source(secrets=secrets, environ={})
    assert source.kind == "gsheets"
    assert "YOUR_SHEET_KEY" in source.identity


def test_the_documented_cloud_secrets_pass_streamlit_s_sign_in_checks(tmp_path, monkeypatch):
    from streamlit import auth_util, config
    from streamlit.runtime.secrets import Secrets

    secrets = cloud_secrets()
    redirect = secrets["auth"]["redirect_uri"]
    assert re.fullmatch(r"https://[a-z0-9-]+\.streamlit\.app/oauth2callback", redirect)
    assert "https://<app-name>.streamlit.app/oauth2callback" in DEPLOY
    assert "https://<app-name>.streamlit.app/oauth2callback" in README

    path = tmp_path / "secrets.toml"
    section = DEPLOY.split("## Streamlit Community Cloud", 1)[1]
    path.write_text(re.search(r"```toml\n(.*?)```", section, re.S).group(1), encoding="utf-8")
    previous = config.get_option("secrets.files")
    config.set_option("secrets.files", [str(path)])
    try:
        monkeypatch.setattr(auth_util, "secrets_singleton", Secrets())
        auth_util.validate_auth_credentials("default")  # raises StreamlitAuthError if wrong
        assert auth_util.get_validated_redirect_uri() == redirect
    finally:
        config.set_option("secrets.files", previous)
