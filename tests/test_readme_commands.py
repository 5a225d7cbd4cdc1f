"""The README's commands work as written: each one a test runs verbatim (with the small values it shows)."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def readme_line(containing: str) -> str:
    """The one command line of the README holding `containing`, without its trailing comment."""
    lines = [line for line in README.splitlines() if containing in line and not line.startswith(("`", "|"))]
    assert len(lines) == 1, f"expected one README command with {containing!r}, found {lines}"
    return re.sub(r"\s+#.*$", "", lines[0])


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()} if folder.exists() else set()


@pytest.mark.slow
def test_the_papermill_example_runs_one_chapter_under_a_profile_of_ones_own():
    command = readme_line("papermill notebooks/")
    mine = ROOT / "artifacts" / "mine"
    before = files_under(mine)
    env = {**os.environ, "MNIST_PROGRESS": "lines"}
    try:
        done = subprocess.run(command, shell=True, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stderr[-3000:]
        assert "epoch 1/1" in done.stdout + done.stderr  # --log-output streams the epoch lines
        written = files_under(mine) - before
        assert any(p.name == "03_mlp.json" for p in written)  # the chapter's metrics, under the own profile
        untracked = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=all", "artifacts"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        assert untracked.stdout == ""  # nothing the example leaves behind is untracked and unignored
    finally:  # remove what the command wrote, never what was there before
        for path in files_under(mine) - before:
            path.unlink()
        for folder in sorted((p for p in mine.rglob("*") if p.is_dir()), reverse=True) if mine.exists() else []:
            if not any(folder.iterdir()):
                folder.rmdir()
        if mine.exists() and not any(mine.iterdir()):
            mine.rmdir()


@pytest.mark.slow
def test_the_runner_example_writes_the_chapters_it_names_into_the_folder_it_names():
    command = readme_line("mnist-reproduce --profile quick --only 01 02 --out")
    out = ROOT / "artifacts" / "quick" / "try"
    before = files_under(out)
    try:
        done = subprocess.run(command, shell=True, cwd=ROOT, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stderr[-3000:]
        assert {"01_preprocessing.ipynb", "02_augmentation.ipynb"} <= {p.name for p in files_under(out)}
        untracked = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=all", "artifacts"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        assert untracked.stdout == ""
    finally:
        for path in files_under(out) - before:
            path.unlink()


@pytest.mark.slow
def test_an_installed_package_runs_a_checkouts_notebooks_as_the_readme_shows(tmp_path):
    """A non-editable install (pip install --target) runs the README's --notebooks line from outside the checkout;
    the kernels import the installed copy and write their artifacts beside that checkout, not into the package."""
    command = re.search(r"`(mnist-reproduce [^`]*--notebooks path/to/checkout/notebooks)`", README).group(1)
    site = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(site),
            str(ROOT),
        ],
        check=True,
        timeout=600,
    )
    checkout = tmp_path / "path" / "to" / "checkout"
    (checkout / "notebooks").mkdir(parents=True)
    for nb in (ROOT / "notebooks").glob("*.ipynb"):
        (checkout / "notebooks" / nb.name).write_bytes(nb.read_bytes())
    bin_dir = Path(sys.executable).parent
    env = {
        **os.environ,
        "PYTHONPATH": str(site),
        "PATH": f"{site / 'bin'}{os.pathsep}{bin_dir}{os.pathsep}{os.environ['PATH']}",
    }
    done = subprocess.run(command, shell=True, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (checkout / "artifacts" / "quick" / "notebooks" / "01_preprocessing.ipynb").is_file()
    assert (checkout / "artifacts" / "quick" / "metrics" / "01_preprocessing.json").is_file()
    assert not (site / "artifacts").exists() and not (site / "notebooks").exists()


def untracked_files() -> set[str]:
    """The repository's untracked, unignored files (git status's `??` entries)."""
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return {line[3:] for line in status.stdout.splitlines() if line.startswith("??")}


def dirs_under(folder: Path) -> set[Path]:
    return {folder, *(p for p in folder.rglob("*") if p.is_dir())} if folder.exists() else set()


def all_under(folders: tuple[Path, ...], listing) -> set[Path]:
    return set().union(*(listing(folder) for folder in folders))


def stop(process: subprocess.Popen) -> None:
    """End a process started in its own session, and what it started (a worker's nannies), by its group id."""
    if process.poll() is not None:
        return
    for sig, grace in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


@pytest.mark.slow  # a Dask scheduler and worker as the README starts them, and one chapter on the worker
def test_the_cluster_example_runs_a_chapter_on_a_local_worker_and_streams_its_lines_to_the_runner(tmp_path):
    distributed = pytest.importorskip("distributed")
    start_scheduler = readme_line("dask scheduler --host")
    start_worker = readme_line("dask worker tcp://")
    run_chapter = readme_line("MNIST_DASK_SCHEDULER=tcp://")
    host, port = re.search(r"--host (\S+) --port (\d+)", start_scheduler).groups()
    address = f"tcp://{host}:{port}"
    assert address in start_worker and address in run_chapter  # the three lines name the same scheduler
    n_workers = int(re.search(r"--nworkers (\d+)", start_worker).group(1))
    only = re.search(r"--only (\S+)", run_chapter).group(1)
    (chapter,) = (ROOT / "notebooks").glob(f"{only}_*.ipynb")
    out = ROOT / re.search(r"--out (\S+)", run_chapter).group(1)
    profile = re.search(r"--profile (\S+)", run_chapter).group(1)
    written_under = (ROOT / "artifacts" / profile, out)  # the chapter's models and metrics, and its notebook
    with socket.socket() as probe:
        if probe.connect_ex((host, int(port))) == 0:
            pytest.fail(
                f"{host}:{port} is in use: the README's scheduler cannot listen there; stop what does and re-run"
            )
    files_before, dirs_before = all_under(written_under, files_under), all_under(written_under, dirs_under)
    untracked_before = untracked_files()
    # the worker's scratch space (dask's temporary-directory) in tmp_path, not in the system's /tmp
    env = {**os.environ, "DASK_TEMPORARY_DIRECTORY": str(tmp_path)}
    logs = {name: (tmp_path / f"{name}.log").open("w") for name in ("scheduler", "worker")}
    started: list[subprocess.Popen] = []

    def log_tail(name: str) -> str:
        logs[name].flush()
        return (tmp_path / f"{name}.log").read_text()[-3000:]

    try:
        for name, command in (("scheduler", start_scheduler), ("worker", start_worker)):
            started.append(
                subprocess.Popen(
                    command,
                    shell=True,
                    cwd=ROOT,
                    env=env,
                    stdout=logs[name],
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # its own process group: stop() ends its children too
                )
            )
            if name == "scheduler":  # the worker and the runner need it listening
                deadline = time.monotonic() + 60
                while True:
                    assert started[0].poll() is None, f"the scheduler exited:\n{log_tail('scheduler')}"
                    with socket.socket() as probe:
                        if probe.connect_ex((host, int(port))) == 0:
                            break
                    assert time.monotonic() < deadline, (
                        f"no scheduler at {address} after 60 s:\n{log_tail('scheduler')}"
                    )
                    time.sleep(0.5)
        with distributed.Client(address, timeout=30) as client:
            try:
                client.wait_for_workers(n_workers, timeout=180)
            except TimeoutError:
                pytest.fail(f"{n_workers} workers did not join in 180 s:\n{log_tail('worker')}")
        started_at = time.perf_counter()
        done = subprocess.run(run_chapter, shell=True, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
        print(f"runner: {time.perf_counter() - started_at:.0f} s")
        assert done.returncode == 0, done.stderr[-3000:] + log_tail("worker")
        executed = out / chapter.name
        assert executed.is_file(), sorted(p.name for p in files_under(out))
        printed = [
            line
            for cell in nbformat.read(executed, as_version=4).cells
            for output in cell.get("outputs", [])
            if output.get("output_type") == "stream"
            for line in output["text"].replace("\r", "\n").split("\n")
            if line.strip()
        ]
        assert printed, "the chapter printed nothing to check"
        console = done.stdout + done.stderr
        missing = [line for line in printed if f"  {chapter.stem} | {line}" not in console]
        assert not missing, f"the chapter's lines missing from the runner's console: {missing[:5]}"
        assert f"  {chapter.stem} | {printed[0]}" in log_tail("worker")  # it ran on the worker, not in the runner
        assert untracked_files() - untracked_before == set()  # nothing left untracked and unignored
    finally:  # stop what the test started, then remove what the command wrote, never what was there before
        for process in reversed(started):
            stop(process)
        for log in logs.values():
            log.close()
        for path in all_under(written_under, files_under) - files_before:
            path.unlink()
        for folder in sorted(all_under(written_under, dirs_under) - dirs_before, reverse=True):
            if not any(folder.iterdir()):
                folder.rmdir()


@pytest.mark.slow  # a fresh clone installs [book,lab] into its own .venv (a minute or two with pip's cache warm)
def test_make_lab_starts_jupyterlab_on_the_notebooks_in_a_fresh_clone(tmp_path):
    """`make lab` verbatim, as a new user runs it: in a fresh clone it builds that clone's .venv with [book,lab]
    (so this checkout's environment is left as it was) and serves JupyterLab, which answers on its URL."""
    command = readme_line("make lab")
    assert command == "make lab"
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, timeout=120)
    env = {**os.environ, "BROWSER": "true"}  # the machine has no display: JupyterLab's "open a browser" does nothing
    lab = subprocess.Popen(
        command,
        shell=True,
        cwd=clone,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 900
        url = None
        while url is None and time.monotonic() < deadline and lab.poll() is None:
            line = lab.stdout.readline()
            lines.append(line)
            found = re.search(r"(http://(?:localhost|127\.0\.0\.1):\d+/lab\?token=\w+)", line)
            url = found.group(1) if found else None
        assert url, "JupyterLab did not print its URL:\n" + "".join(lines[-40:])
        page = ""
        for _ in range(30):  # the server may print its address a moment before it takes connections
            try:
                with urllib.request.urlopen(url, timeout=30) as answer:
                    page = answer.read().decode("utf-8", "replace") if answer.status == 200 else ""
                break
            except OSError:
                time.sleep(1)
        assert "JupyterLab" in page, f"{url} did not answer with JupyterLab:\n" + "".join(lines[-40:])
        assert (clone / ".venv" / "bin" / "jupyter-lab").exists()
    finally:
        os.killpg(lab.pid, signal.SIGTERM)
        try:
            lab.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(lab.pid, signal.SIGKILL)


INSTALL_LINES = (
    "pip install -e . -c",
    "pip install -e '.[book]'",
    "pip install -e '.[lab]'",
    "pip install -e '.[dev]'",
)


@pytest.mark.slow  # pip resolves each extra against the lock: ~10-60 s a line (build isolation fetches setuptools)
@pytest.mark.parametrize("start", INSTALL_LINES)
def test_the_readmes_install_lines_run_as_written_in_a_fresh_virtual_environment(tmp_path, start):
    """Each "Installing" line, verbatim, with a fresh venv's pip first on PATH. The venv sees this environment's
    packages through one .pth line, so pip finds the lock's versions installed and downloads only what is
    missing (torch's CPU build is not on PyPI for every platform: the CPU-only block below the lines, which
    needs download.pytorch.org, and `conda env create`, which needs conda, are checked by test_packaging
    instead). Then the package imports, from this checkout, in the venv's own Python."""
    line = readme_line(start)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    site = next((venv / "lib").glob("python3*/site-packages"))
    (site / "_this_environment.pth").write_text("\n".join(p for p in sys.path if p.endswith("site-packages")) + "\n")
    env = {**os.environ, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}", "VIRTUAL_ENV": str(venv)}
    env.pop("PYTHONPATH", None)
    assert subprocess.run(["which", "pip"], env=env, capture_output=True, text=True).stdout.strip() == str(
        venv / "bin" / "pip"
    )
    done = subprocess.run(line, shell=True, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import mnist_helpers; print(mnist_helpers.__file__)"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert where.stdout.strip() == str(ROOT / "mnist_helpers" / "__init__.py"), where.stderr[-2000:]
