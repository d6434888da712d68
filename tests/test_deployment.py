"""The deployment recipes hold together: compose.yaml, the Dockerfile and the systemd units
run commands the `vadesk` parser accepts, in the production shape (one migration first,
web replicas without the scheduler, one scheduler), stop later than the SIGTERM drain,
take secrets from an env file and never carry one, and name only variables VA Desk reads.
The files the image copies are installed with `pip install .` into a new environment and
must make a working `vadesk`; the image itself is built when a Docker daemon answers; the
units are checked by `systemd-analyze verify` where it is installed."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.cli import DRAIN_SECONDS, build_parser
from tests.vadesk_process import vadesk_argv

REPO = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))
SERVICES = COMPOSE["services"]
DOCKERFILE = (REPO / "Dockerfile").read_text(encoding="utf-8")
UNITS = REPO / "deploy" / "systemd"
README = (REPO / "README.md").read_text(encoding="utf-8")
ENVIRONMENT_SOURCE = (REPO / "bot" / "settings" / "environment.py").read_text(encoding="utf-8")
# Read by the recipes themselves, not by VA Desk: compose's database and site, libpq's.
RECIPE_VARIABLES = {"POSTGRES_PASSWORD", "VADESK_SITE", "PGPASSWORD"}


def parsed(argv: list[str]):
    """The `vadesk` command line as VA Desk's parser reads it (argparse exits 2 on error)."""
    assert argv[0].rsplit("/", 1)[-1] == "vadesk", argv
    return build_parser().parse_args(argv[1:])


def shell_vadesk(command: list[str]) -> list[str]:
    """The vadesk command inside `sh -c 'exec vadesk …'`, with $(…) taken as one word."""
    if command[0].rsplit("/", 1)[-1] != "sh":
        return command
    script = re.sub(r"\$\$?\([^)]*\)", "STAMP", command[-1])
    words = shlex.split(script)
    return words[words.index("exec") + 1 :]


def seconds(text: str) -> float:
    match = re.fullmatch(r"(\d+)(s|min)?", text.strip())
    assert match, text
    return int(match[1]) * (60 if match[2] == "min" else 1)


# --------------------------------------------------------------------------- compose.yaml


def vadesk_services() -> dict[str, object]:
    return {
        name: parsed(shell_vadesk(service["command"]))
        for name, service in SERVICES.items()
        if service.get("image", "").startswith("vadesk")
    }


def test_compose_runs_the_production_shape():
    commands = vadesk_services()
    always = {name for name in commands if "profiles" not in SERVICES[name]}
    assert {name: commands[name].command for name in always} == {
        "migrate": "migrate",
        "web1": "serve",
        "web2": "serve",
        "scheduler": "scheduler",
    }
    for web in ("web1", "web2"):
        assert commands[web].no_scheduler, f"{web} would run the scheduler too"
    assert commands["backup"].command == "backup"
    assert commands["backup"].out.startswith("/backups/")


def test_compose_migrates_once_before_anything_starts():
    assert SERVICES["migrate"]["restart"] == "no"
    assert SERVICES["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert SERVICES["db"]["healthcheck"]["test"][0] == "CMD-SHELL"
    assert "pg_isready" in SERVICES["db"]["healthcheck"]["test"][1]
    for name in ("web1", "web2", "scheduler"):
        waits = SERVICES[name]["depends_on"]
        assert waits == {"migrate": {"condition": "service_completed_successfully"}}, name
    # A backup before an upgrade is of the old schema: it does not wait for a migration.
    assert "migrate" not in SERVICES["backup"]["depends_on"]


def test_compose_gives_the_drain_time_to_finish():
    for name in ("web1", "web2", "scheduler"):
        grace = seconds(SERVICES[name]["stop_grace_period"])
        assert grace > DRAIN_SECONDS + 5, name


def test_compose_balances_over_every_replica_and_checks_their_health():
    caddyfile = (REPO / "deploy" / "Caddyfile").read_text(encoding="utf-8")
    mounted = [volume.split(":")[0] for volume in SERVICES["lb"]["volumes"]]
    assert "./deploy/Caddyfile" in mounted
    upstreams = re.search(r"reverse_proxy ([^{]+)\{", caddyfile)[1].split()
    served = {
        f"{name}:{args.port}" for name, args in vadesk_services().items() if args.command == "serve"
    }
    assert set(upstreams) == served
    assert "health_uri /healthz" in caddyfile
    assert {SERVICES["lb"]["depends_on"][name]["condition"] for name in ("web1", "web2")} == {
        "service_healthy"
    }


def test_compose_takes_secrets_from_the_env_file_and_names_real_variables():
    text = (REPO / "compose.yaml").read_text(encoding="utf-8")
    assert not re.search(r"xox[bpa]-|SLACK_SIGNING_SECRET:", text)
    for name in ("migrate", "web1", "web2", "scheduler", "backup"):
        assert SERVICES[name]["env_file"] == ".env"
        for variable in SERVICES[name]["environment"]:
            assert f'"{variable}"' in ENVIRONMENT_SOURCE, variable
    password = SERVICES["db"]["environment"]["POSTGRES_PASSWORD"]
    assert password.startswith("${POSTGRES_PASSWORD:?")
    assert "${POSTGRES_PASSWORD:?" in SERVICES["web1"]["environment"]["DATABASE_URL"]


def test_the_env_example_names_only_variables_that_are_read():
    example = (REPO / "deploy" / "vadesk.env.example").read_text(encoding="utf-8")
    names = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", example, re.MULTILINE))
    assert {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "DATABASE_URL"} <= names
    for name in names - RECIPE_VARIABLES:
        assert f'"{name}"' in ENVIRONMENT_SOURCE, name


# --------------------------------------------------------------------------- Dockerfile


def dockerfile_instructions() -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    lines = [line.strip() for line in joined.splitlines()]
    return [
        (line.split(None, 1)[0], line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def copied_into_the_image() -> set[str]:
    return {
        source
        for kind, argument in dockerfile_instructions()
        if kind == "COPY"
        for source in argument.split()[:-1]
    }


def test_the_image_installs_as_the_readme_does():
    (install,) = re.findall(
        r"^(python3 -m venv \.venv && \.venv/bin/pip install \.) &&", README, re.M
    )
    runs = [argument for kind, argument in dockerfile_instructions() if kind == "RUN"]
    venv = re.search(r"python3 -m venv (\S+) &&", " ".join(runs))[1]
    assert install.replace(".venv", venv) in runs
    copied = copied_into_the_image()
    packages = re.search(r"include = \[([^\]]*)\]", (REPO / "pyproject.toml").read_text())[1]
    wanted = {name.strip(' "*') for name in packages.split(",")}
    assert wanted <= copied
    assert {"pyproject.toml", "README.md"} <= copied


def test_the_image_runs_serve_as_a_user_with_a_health_check():
    instructions = dict(dockerfile_instructions())
    assert instructions["FROM"].startswith("python:3.11-slim")
    assert "postgresql-client" in DOCKERFILE  # vadesk backup needs pg_dump
    assert instructions["USER"] not in ("root", "0")
    command = parsed(yaml.safe_load(instructions["CMD"]))
    assert command.command == "serve"
    assert f"http://127.0.0.1:{command.port}/healthz" in instructions["HEALTHCHECK"]
    assert instructions["STOPSIGNAL"] == "SIGTERM"


def test_nothing_secret_or_local_goes_into_the_image():
    ignored = (REPO / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".env", "*.env", "*.db", "*.backup", ".git", ".venv", "vadesk.toml"} <= set(ignored)
    copied = copied_into_the_image()
    assert not copied & set(ignored)


def docker_unavailable() -> str | None:
    if shutil.which("docker") is None:
        return "docker is not installed"
    info = subprocess.run(["docker", "info"], capture_output=True, text=True, check=False)
    if info.returncode != 0:
        return "no Docker daemon answers `docker info`"
    return None


@pytest.mark.skipif(docker_unavailable() is not None, reason=str(docker_unavailable()))
def test_the_image_builds_and_its_vadesk_runs():
    tag = "vadesk:test-deployment"
    build = subprocess.run(
        ["docker", "build", "--tag", tag, str(REPO)],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert build.returncode == 0, build.stderr[-4000:]
    ran = subprocess.run(
        ["docker", "run", "--rm", tag, "sh", "-c", "vadesk migrate && pg_dump --version && id -u"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    assert "Migrated the database from empty" in ran.stdout
    assert ran.stdout.split()[-1] != "0"


# --------------------------------------------------------------------------- systemd


def unit(name: str) -> dict[str, list[str]]:
    """A unit file's settings, each key with every value it is given."""
    settings: dict[str, list[str]] = {}
    for line in (UNITS / name).read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def unit_vadesk(name: str) -> list[str]:
    """The vadesk command a unit runs, its specifiers filled as systemd fills them."""
    (exec_start,) = unit(name)["ExecStart"]
    command = shlex.split(exec_start.replace("%i", "3001").replace("%%", "%"))
    return shell_vadesk(command)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("vadesk-web@.service", "serve"),
        ("vadesk-scheduler.service", "scheduler"),
        ("vadesk-backup.service", "backup"),
    ],
)
def test_each_unit_runs_a_real_command_hardened(name: str, expected: str):
    args = parsed(unit_vadesk(name))
    assert args.command == expected
    settings = unit(name)
    assert settings["EnvironmentFile"] == ["/etc/vadesk/vadesk.env"]
    assert settings["User"] == ["vadesk"]
    for key, value in {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "UMask": "0077",
    }.items():
        assert settings[key] == [value], (name, key)
    if expected != "backup":
        assert settings["KillSignal"] == ["SIGTERM"]
        (timeout,) = settings["TimeoutStopSec"]
        assert seconds(timeout) > args.drain_timeout + 5


def test_the_web_units_are_replicas_on_their_own_port():
    args = parsed(unit_vadesk("vadesk-web@.service"))
    assert args.no_scheduler
    assert args.port == 3001  # from the instance name, vadesk-web@3001


def test_the_backup_timer_starts_the_backup_service():
    timer = unit("vadesk-backup.timer")
    assert timer.get("Unit", ["vadesk-backup.service"]) == ["vadesk-backup.service"]
    assert (UNITS / "vadesk-backup.service").is_file()
    assert timer["Persistent"] == ["yes"]
    (out,) = [a for a in unit_vadesk("vadesk-backup.service") if a.startswith("/var/backups/")]
    assert unit("vadesk-backup.service")["ReadWritePaths"] == [str(Path(out).parent)]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd is not installed")
def test_systemd_accepts_the_units(tmp_path: Path):
    vadesk = vadesk_argv()[0]
    names = []
    for path in UNITS.iterdir():
        name = path.name.replace("@.", "@3001.")
        text = path.read_text(encoding="utf-8").replace("/opt/vadesk/venv/bin/vadesk", vadesk)
        (tmp_path / name).write_text(text, encoding="utf-8")
        names.append(str(tmp_path / name))
    verified = subprocess.run(
        ["systemd-analyze", "verify", *sorted(names)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert verified.returncode == 0, verified.stderr
    assert verified.stderr == "", verified.stderr


# --------------------------------------------------------------------------- the README


def deploying_section() -> str:
    start = README.index("\n## Deploying\n")
    return README[start : README.index("\n## ", start + 1)]


def test_the_readme_deploying_section_names_variables_that_are_read():
    named = set(re.findall(r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b", deploying_section()))
    read = set(re.findall(r'"([A-Z][A-Z0-9_]+)"', ENVIRONMENT_SOURCE))
    assert {"DATABASE_URL", "SLACK_BOT_TOKEN", "POSTGRES_PASSWORD"} <= named
    assert named - RECIPE_VARIABLES <= read


def test_the_readme_deploying_section_names_services_and_units_that_exist():
    section = deploying_section()
    services = set(
        re.findall(r"docker compose (?:run --rm|exec|up -d --no-deps(?: --wait)?) (\w+)", section)
    )
    assert {"migrate", "backup", "web1", "web2", "scheduler"} <= services <= set(SERVICES)
    units = set()
    for name in re.findall(r"\bvadesk-[a-z]+(?:@[\w$]*)?(?:\.service|\.timer)?", section):
        template = re.sub(r"@[\w$]*", "@", name)
        units.add(template if template.endswith((".service", ".timer")) else template + ".service")
    assert units == {path.name for path in UNITS.iterdir()}


def test_what_the_image_copies_installs_a_vadesk_that_migrates_and_runs(tmp_path: Path):
    """The Dockerfile's COPY lines and its `pip install .`, without Docker: only the copied
    files, installed (without their dependencies, which this environment lends) into a new
    virtual environment, must make a `vadesk` whose migrations and manifests are there."""
    source = tmp_path / "src"
    for name in copied_into_the_image():
        if (REPO / name).is_dir():
            shutil.copytree(
                REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            source.mkdir(exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install",
         "--quiet", "--no-deps", "."],
        cwd=source, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr[-3000:]
    shutil.rmtree(source)  # nothing may be read from the copied tree any more
    lent = next(Path(p) for p in sys.path if p.endswith("site-packages"))
    env = {"PATH": os.defpath, "PYTHONPATH": str(lent), "LANG": "C.UTF-8"}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'vadesk.db'}"
    vadesk = str(venv / "bin" / "vadesk")
    script = "import bot, store; print(bot.__file__, store.__file__)"
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", script],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    assert all(path.startswith(str(venv)) for path in where), where
    migrated = subprocess.run(
        [vadesk, "migrate"], cwd=tmp_path, env=env, capture_output=True, text=True, check=False
    )
    assert migrated.returncode == 0, migrated.stderr
    assert migrated.stdout.startswith("Migrated the database from empty to revision ")
    manifest = subprocess.run(
        [vadesk, "manifest"], cwd=tmp_path, env=env, capture_output=True, text=True, check=False
    )
    assert manifest.returncode == 0, manifest.stderr
    assert '"slash_commands"' in manifest.stdout
