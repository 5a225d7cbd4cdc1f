"""Profiles: the named parameter sets (quick, full, seed) read, checked whole and applied to the chapters."""

from __future__ import annotations

import ast
import difflib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from mnist_helpers.reproduce.chapters import default_notebooks_dir, notebooks
from mnist_helpers.reproduce.params import PROFILES, ParameterError, profile_name, validate

if TYPE_CHECKING:
    import pandas as pd


PROFILE_DIR = Path(__file__).resolve().parent / "profiles"


class _UniqueKeyLoader(yaml.SafeLoader):
    """yaml.SafeLoader that refuses a key given twice in one mapping (PyYAML silently keeps the last)."""


def _unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            duplicate = key in seen
            seen.add(key)
        except TypeError:  # an unhashable key: construct_mapping reports it
            continue
        if duplicate:
            raise yaml.constructor.ConstructorError(
                "while reading a mapping", node.start_mark, f"found the key {key!r} twice", key_node.start_mark
            )
    return loader.construct_mapping(node, deep=deep)


def declared_parameters(notebook: Path) -> dict[str, Any]:
    """The names and default values in a notebook's `parameters` cell (`name = literal` lines).

    ast, not papermill.inspect_notebook: papermill gives defaults as source text and costs seconds to import
    in every kernel that checks its profile (run_record.Run).
    """
    for cell in json.loads(Path(notebook).read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            out = {}
            source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            for stmt in ast.parse(source).body:
                target = stmt.targets[0] if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 else None
                target = stmt.target if isinstance(stmt, ast.AnnAssign) else target
                if isinstance(target, ast.Name) and stmt.value is not None:
                    out[target.id] = ast.literal_eval(stmt.value)
            return out
    return {}


_VALUES = {"type": ["object", "null"], "propertyNames": {"type": "string"}}  # name: value lines (or nothing)
PROFILE_SCHEMA = {  # a profile's layout; the values themselves are checked by params' rules, chapter by chapter
    "type": ["object", "null"],
    "propertyNames": {"enum": ["all", "chapters"]},
    "properties": {
        "all": _VALUES,
        "chapters": {"type": ["object", "null"], "propertyNames": {"type": "string"}, "additionalProperties": _VALUES},
    },
}


def _check_layout(raw: Any, where: str) -> None:
    """ParameterError for the first place `raw` breaks PROFILE_SCHEMA, said in the profile's own terms."""
    import jsonschema

    error = next(iter(sorted(jsonschema.Draft202012Validator(PROFILE_SCHEMA).iter_errors(raw), key=_depth)), None)
    if error is None:
        return
    path = list(error.absolute_path)
    if not path:  # the top level: not a mapping, or a key other than all and chapters
        got = sorted(map(str, raw)) if isinstance(raw, dict) else type(raw).__name__
        raise ParameterError(f"{where}: expected top-level keys 'all' and 'chapters' only, got {got}.")
    place = "'all'" if path == ["all"] else "'chapters'" if path == ["chapters"] else f"chapter {path[-1]!r}"
    if "propertyNames" in error.schema_path:  # a key that is not text, e.g. `1:` (YAML reads it as a number)
        kind, fix = ("chapter", "e.g. '01_preprocessing:'") if path == ["chapters"] else ("parameter", "e.g. 'epochs:'")
        raise ParameterError(
            f"{where}: {place} has the key {error.instance!r} ({type(error.instance).__name__}), where a {kind} "
            f"name belongs: write the {kind}'s name ({fix})."
        )
    raise ParameterError(
        f"{where}: {place} must be a mapping (name: value, one per line), got {type(error.instance).__name__} "
        f"{error.instance!r}."
    )


def _depth(error: Any) -> int:
    return len(error.absolute_path)


def _unknown(kind: str, names: list[str], known: list[str], where: str) -> ParameterError:
    """An error for unknown names, with the closest known name for each and the full list."""
    guesses = [
        f"{n!r}" + (f" (did you mean {m[0]!r}?)" if (m := difflib.get_close_matches(n, known, 1)) else "")
        for n in names
    ]
    return ParameterError(f"{where}: unknown {kind} {', '.join(guesses)}; known {kind}s: {', '.join(known)}.")


def load_profile(profile: str | os.PathLike, notebooks_dir: Path | None = None) -> dict[str, Any]:
    """A profile by name (quick, full, seed) or by path to a YAML file: {'all': {...}, 'chapters': {...}}.

    The whole profile is checked before anything runs: its layout, no key given twice, every chapter name
    against the notebooks in `notebooks_dir`, every parameter against what its chapter's notebook declares
    (for 'all': some notebook), and every chapter's values against their rules (params.validate).
    """
    path = Path(profile)
    if not path.suffix:
        if str(profile) not in PROFILES:
            raise ParameterError(
                f"parameter 'profile' = {str(profile)!r} is not allowed: "
                f"one of {', '.join(PROFILES)}, or a path to a .yaml file."
            )
        path = PROFILE_DIR / f"{profile}.yaml"
    if not path.is_file():
        raise ParameterError(
            f"profile file {path} does not exist; pass one of {', '.join(PROFILES)} or an existing .yaml file."
        )
    try:
        raw = yaml.load(path.read_text(), Loader=_UniqueKeyLoader) or {}
    except yaml.YAMLError as e:
        raise ParameterError(f"profile file {path} is not valid YAML: {e}") from None
    where = f"profile file {path}"
    _check_layout(raw, where)
    spec = {"all": dict(raw.get("all") or {}), "chapters": {}}
    for chapter, own in (raw.get("chapters") or {}).items():
        spec["chapters"][chapter] = dict(own or {})
    books = {nb.stem: nb for nb in notebooks(notebooks_dir)}
    unknown = sorted(set(spec["chapters"]) - set(books))
    if unknown:
        raise _unknown("chapter", unknown, list(books), where)
    declared = {stem: declared_parameters(nb) for stem, nb in books.items()}
    anywhere = sorted(set().union(*declared.values()))
    unknown = sorted(set(spec["all"]) - set(anywhere))
    if unknown:
        raise _unknown("parameter", unknown, anywhere, f"{where}: 'all'")
    for stem, nb in books.items():
        try:
            chapter_parameters(spec, nb, declared[stem])
        except ParameterError as e:
            raise ParameterError(f"{where}, chapter {stem}: {e}") from None
    return spec


def chapter_parameters(spec: dict[str, Any], notebook: Path, declared: dict[str, Any] | None = None) -> dict[str, Any]:
    """The validated parameters a profile gives one notebook (its 'all' values it declares, plus its own)."""
    declared = declared_parameters(notebook) if declared is None else declared
    own = dict(spec["chapters"].get(notebook.stem) or {})
    unknown = sorted(set(own) - set(declared))
    if unknown:
        raise _unknown("parameter", unknown, sorted(declared), f"{notebook.stem} (it does not have them)")
    params = {k: v for k, v in spec["all"].items() if k in declared}
    params.update(own)
    return validate(**params)


def profile_values(profile: str, chapter: str, notebooks_dir: Path | None = None) -> dict[str, Any]:
    """The canonical values named profile `profile` runs `chapter` with: the notebook's defaults under the profile's.

    Raises ParameterError when the profile has no such chapter (run_record.Run then refuses to write under it).
    """
    notebooks_dir = Path(notebooks_dir) if notebooks_dir is not None else default_notebooks_dir()
    spec = load_profile(profile, notebooks_dir)
    notebook = notebooks_dir / f"{chapter}.ipynb"
    if not notebook.is_file():
        raise ParameterError(
            f"chapter {chapter!r} is not part of profile {profile!r} (no {notebook}); set 'profile' to a name of "
            f"your own (e.g. profile='mine') to write its results under <artifacts_dir>/mine/."
        )
    defaults = declared_parameters(notebook)
    defaults.pop("artifacts_dir", None)
    return {**validate(**defaults), **chapter_parameters(spec, notebook)}


def profile_table(profile: str | os.PathLike, artifacts_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """A profile's parameters as a table: one row per (chapter, parameter), shared values marked 'all'.

    A profile of one's own (`profile: mine`) has no file: its values are read from its chapters' metrics
    records under <artifacts_dir>/<profile>/ (none yet: an empty table).
    """
    import pandas as pd

    if isinstance(profile, str) and not Path(profile).suffix and profile not in PROFILES:
        from mnist_helpers.reproduce.run_record import metrics_or_reason  # it imports this module, lazily too

        metrics, _ = metrics_or_reason(artifacts_dir, profile_name("profile", profile))
        rows = [
            {"chapter": ch, "parameter": k, "value": v}
            for ch, record in metrics.items()
            for k, v in (record.get("params") or {}).items()
            if k not in ("profile", "artifacts_dir")
        ]
    else:
        spec = load_profile(profile)
        rows = [{"chapter": "all", "parameter": k, "value": v} for k, v in spec["all"].items()]
        rows += [
            {"chapter": ch, "parameter": k, "value": v}
            for ch, own in spec["chapters"].items()
            for k, v in (own or {}).items()
        ]
    return pd.DataFrame(rows, columns=["chapter", "parameter", "value"]).set_index(["chapter", "parameter"])


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)
