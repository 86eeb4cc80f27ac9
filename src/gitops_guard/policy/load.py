"""The policy file: find it, validate it against its JSON Schema, and freeze it.

A bad policy is a :class:`~gitops_guard.errors.PolicyError` naming the file, line,
key path and what was expected — one line, never a traceback. Without a policy file
the tool runs on :func:`default_policy` and the command line says so once.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from gitops_guard.errors import PolicyError
from gitops_guard.parse.loader import (
    DEFAULT_MAX_BYTES,
    load_yaml,
    location,
    mapping_items,
    to_python,
)
from gitops_guard.policy.layout import (
    COMMON_ENVIRONMENT_NAMES,
    DEFAULT_TEMPLATES,
    Layout,
    LayoutError,
)
from gitops_guard.policy.model import (
    _SIZE_UNITS,
    DEFAULT_BOTS,
    DEFAULT_ROLLBACK_TRAILER,
    DEFAULT_UPDATER_VERSION,
    DEFAULT_VULNERABILITY_LIMITS,
    ON_UNREACHABLE,
    POLICY_FILE,
    POLICY_FILES,
    WEEKDAYS,
    AgePolicy,
    AnnotationPolicy,
    Destination,
    EnvironmentPolicy,
    FixedFreeze,
    FreezeWindow,
    ImageOverride,
    ImageRules,
    Policy,
    ProvenancePolicy,
    RecurringFreeze,
    RegistryPolicy,
    SignaturePolicy,
    SignerIdentity,
    SupplyChainPolicy,
    VulnerabilityPolicy,
    parse_duration,
    parse_size,
)

if TYPE_CHECKING:
    pass


_SIZE_UNITS.update({"KiB": 1024, "MiB": 1024**2, "GiB": 1024**3})


@cache
def schema() -> dict[str, Any]:
    """The policy JSON Schema (Draft 2020-12) shipped with the package."""
    import json
    from importlib import resources  # with tempfile and shutil: only a policy check needs it

    text = resources.files("gitops_guard").joinpath("schemas/policy.schema.json").read_text()
    data: dict[str, Any] = json.loads(text)
    return data


@cache
def _validator() -> Any:
    # jsonschema costs ~100 ms to import; only runs that read a policy pay for it.
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema())


def _close_matches(word: str, possibilities: Sequence[str], n: int) -> list[str]:
    import difflib  # for the suggestions of an error message only

    return difflib.get_close_matches(word, possibilities, n=n)


def find_policy(root: Path) -> Path | None:
    """The policy file at the repository root (``.gitops-guard.yaml`` or ``.yml``), if any.

    Both at once is an error: which one rules would be a guess.
    """
    found = [root / name for name in POLICY_FILES if (root / name).is_file()]
    if len(found) > 1:
        raise PolicyError(
            f"both {POLICY_FILES[0]} and {POLICY_FILES[1]} are in {root}",
            hint="keep one policy file (gitops-guard reads either name)",
        )
    return found[0] if found else None


def load_policy_file(
    path: Path, display: str | None = None, cache_dir: Path | None = None
) -> Policy:
    """Read and validate a policy file from disk."""
    shown = display or path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PolicyError(f"{shown}: cannot read the policy file: {exc.strerror}") from None
    return parse_policy(data, shown, cache_dir)


def _schema_marker(cache_dir: Path, data: bytes) -> Path:
    import hashlib

    from gitops_guard import __version__

    digest = hashlib.sha256(__version__.encode() + b"\0" + data).hexdigest()
    return cache_dir / "valid-policies" / digest


def parse_policy(data: bytes, display: str = POLICY_FILE, cache_dir: Path | None = None) -> Policy:
    """Validate policy bytes (from disk or from a Git revision) and freeze them.

    With ``cache_dir``, a policy text that passed the schema once (with this tool
    version) is not validated again: importing jsonschema is most of a pre-commit run's
    start-up. The semantic checks (environments, RE2 patterns, constraints) always run.
    """
    loaded = load_yaml(display, data)
    if loaded.problems:
        problem = loaded.problems[0]
        raise PolicyError(f"{problem.location}: {problem.message}", hint=problem.hint)
    if not loaded.documents:
        raise PolicyError(
            f"{display}: the policy file is empty",
            hint="start from `gitops-guard init`, or write at least `version: 1`",
        )
    if len(loaded.documents) > 1:
        second = loaded.documents[1].root
        raise PolicyError(f"{location(display, second)}: the policy file must be one document")
    root = loaded.documents[0].root
    try:
        raw = to_python(root)
    except ValueError as exc:
        raise PolicyError(f"{display}: {exc}") from None
    _times_as_written(raw, root)
    marker = _schema_marker(cache_dir, data) if cache_dir is not None else None
    if marker is None or not marker.exists():
        errors = sorted(_validator().iter_errors(raw), key=_error_order)
        if errors:
            error = _most_useful(errors)
            where, message = _describe(error, root, display)
            raise PolicyError(f"{where}: {message}", hint="`gitops-guard schema` prints every key")
    assert isinstance(raw, dict)
    policy = _freeze(raw, root, display)
    if marker is not None and not marker.exists():
        try:
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()
        except OSError:
            pass  # a read-only .git only costs the next run the schema check
    return policy


_WRITTEN_TIMES = ("from", "until", "start", "end")


def _times_as_written(raw: object, root: Node) -> None:
    """The times of freeze windows as the policy writes them, quoted or not.

    YAML 1.1 reads an unquoted ``2026-12-20T00:00:00+01:00`` as a timestamp (a bare date
    or a time without offset as well) and ``22:00`` as the sexagesimal number 1320; the
    windows are read from the text itself, so both spellings mean what they say.
    """
    environments = raw.get("environments") if isinstance(raw, dict) else None
    if not isinstance(environments, dict):
        return
    for name, settings in environments.items():
        windows = settings.get("freeze") if isinstance(settings, dict) else None
        if not isinstance(windows, list):
            continue
        for index, window in enumerate(windows):
            if not isinstance(window, dict):
                continue
            for key in _WRITTEN_TIMES:
                if key not in window or isinstance(window[key], str):
                    continue
                node, _key = _node_at(root, ["environments", name, "freeze", index, key])
                if isinstance(node, ScalarNode) and window[key] is not None:
                    window[key] = str(node.value)


def _error_order(error: Any) -> tuple[int, ...]:
    return tuple(len(str(p)) for p in error.absolute_path)


def _most_useful(errors: Sequence[Any]) -> Any:
    from jsonschema.exceptions import best_match

    return best_match(errors)


def node_at(root: Node, path: Sequence[str | int]) -> Node:
    """The node at a key path in a policy document (or the deepest that exists)."""
    node, key = _node_at(root, path)
    return key or node


def _node_at(root: Node, path: Sequence[str | int]) -> tuple[Node, Node | None]:
    """The node at a JSON path, and the key node that names it (for mappings)."""
    node: Node = root
    key_node: Node | None = None
    for part in path:
        if isinstance(node, MappingNode) and isinstance(part, str):
            for name, key, value in mapping_items(node):
                if name == part:
                    node, key_node = value, key
                    break
            else:
                return node, key_node
        elif isinstance(node, SequenceNode) and isinstance(part, int) and part < len(node.value):
            node, key_node = node.value[part], None
        else:
            break
    return node, key_node


def _dotted(path: Sequence[str | int]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _describe(error: Any, root: Node, display: str) -> tuple[str, str]:
    """Where an error is (file:line:col) and what it says, in the user's terms."""
    path = list(error.absolute_path)
    node, key_node = _node_at(root, path)
    validator = error.validator
    instance = error.instance
    schema_part = error.schema if isinstance(error.schema, dict) else {}
    message: str
    if validator in ("additionalProperties", "unevaluatedProperties"):
        allowed = sorted(schema_part.get("properties", {}))
        unexpected = [k for k in instance if k not in allowed] if isinstance(instance, dict) else []
        name = unexpected[0] if unexpected else "?"
        for key_name, key, _value in mapping_items(node):
            if key_name == name:
                key_node = key
                break
        path = [*path, name]
        suggestion = _close_matches(name, allowed, n=1)
        message = f"unknown key {name!r}"
        if suggestion:
            message += f" (did you mean {suggestion[0]!r}?)"
        elif allowed:
            message += f"; expected one of: {', '.join(allowed)}"
    elif validator == "required":
        missing = [k for k in error.validator_value if k not in instance]
        message = f"missing required key {missing[0]!r}" if missing else error.message
    elif validator == "type":
        expected = error.validator_value
        expected_text = (
            " or ".join(_TYPE_WORDS.get(str(t), str(t)) for t in expected)
            if isinstance(expected, list)
            else _TYPE_WORDS.get(expected, expected)
        )
        message = f"expected {expected_text}, found {_describe_value(instance)}"
    elif validator in ("enum", "const"):
        options = error.validator_value if validator == "enum" else [error.validator_value]
        message = (
            f"{_describe_value(instance)} is not allowed; expected "
            f"{' or '.join(repr(o) for o in options)}"
        )
    elif validator == "pattern" and "description" in schema_part:
        message = f"expected {schema_part['description']}, found {instance!r}"
    elif validator == "pattern" and error.path and error.schema_path[-2:][0] == "propertyNames":
        message = f"{instance!r} is not a valid name"
    elif validator == "minItems":
        message = "must not be empty"
    elif validator == "minLength":
        message = "must not be an empty string"
    else:
        message = str(error.message)
    # Point at the unknown key itself; for anything else at the offending value.
    unknown_key = validator in ("additionalProperties", "unevaluatedProperties")
    anchor = key_node if key_node is not None and unknown_key else node
    loc = location(display, anchor)
    return str(loc), f"{_dotted(path)}: {message}"


_TYPE_WORDS = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "nothing",
}


def _describe_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    if isinstance(value, str):
        return f"the string {value!r}"
    return f"the {type(value).__name__} {value!r}"


# --- freezing ----------------------------------------------------------------------------


def _image_rules(data: Mapping[str, Any] | None) -> ImageRules:
    if not data:
        return ImageRules()
    overrides = tuple(
        ImageOverride(
            image=item["image"],
            tag_pattern=item.get("tag_pattern"),
            constraint=item.get("constraint"),
            forbidden_tags=_tuple_or_none(item.get("forbidden_tags")),
            require_digest=item.get("require_digest"),
            allow_prerelease=item.get("allow_prerelease"),
        )
        for item in data.get("overrides", ())
    )
    return ImageRules(
        registries=_tuple_or_none(data.get("registries")),
        forbidden_tags=_tuple_or_none(data.get("forbidden_tags")),
        tag_pattern=data.get("tag_pattern"),
        constraint=data.get("constraint"),
        require_digest=data.get("require_digest"),
        allow_prerelease=data.get("allow_prerelease"),
        overrides=overrides,
    )


def _tuple_or_none(value: Sequence[str] | None) -> tuple[str, ...] | None:
    return None if value is None else tuple(value)


def _freeze(raw: dict[str, Any], root: Node, display: str) -> Policy:
    def fail(path: Sequence[str | int], message: str, hint: str | None = None) -> PolicyError:
        node, key = _node_at(root, path)
        return PolicyError(f"{location(display, key or node)}: {_dotted(path)}: {message}", hint)

    env_data: dict[str, Any] = raw.get("environments") or {}
    names = list(env_data)
    environments: dict[str, EnvironmentPolicy] = {}
    for name, settings in env_data.items():
        settings = settings or {}
        source = settings.get("from")
        if source is not None and source not in env_data:
            raise fail(
                ["environments", name, "from"],
                f"unknown environment {source!r}; declared: {', '.join(names)}",
            )
        if source == name:
            raise fail(["environments", name, "from"], "an environment cannot come from itself")
        if source is not None and names.index(source) > names.index(name):
            raise fail(
                ["environments", name, "from"],
                f"{source!r} is declared after {name!r}; list environments in promotion order",
            )
        environments[name] = EnvironmentPolicy(
            name=name,
            from_environment=source,
            soak_seconds=parse_duration(settings["soak"]) if "soak" in settings else None,
            min_image_age_seconds=(
                parse_duration(settings["min_image_age"]) or None
                if "min_image_age" in settings
                else None
            ),
            automated=frozenset(settings.get("automated", ())),
            automated_set="automated" in settings,
            require_digest=bool(settings.get("require_digest", False)),
            allow_prerelease=bool(settings.get("allow_prerelease", True)),
            require_signed_commits=bool(settings.get("require_signed_commits", False)),
            require_pr=bool(settings.get("require_pr", False)),
            allow_suppressions=bool(settings.get("allow_suppressions", True)),
            single_environment_commits=bool(settings.get("single_environment_commits", False)),
            on_unresolved=str(settings.get("on_unresolved", "warning")),
            images=_image_rules(settings.get("images")),
            destinations=tuple(
                Destination(item.get("server"), item.get("name"), item.get("namespace"))
                for item in settings.get("destinations", ())
            ),
            freeze=_freeze_windows(name, settings.get("freeze") or (), fail),
        )

    _check_environment_lists(raw, names, fail)
    _check_expressions(raw, fail)
    _check_rule_names(raw, fail)

    layout_templates = raw.get("layout") or list(DEFAULT_TEMPLATES)
    try:
        layout = Layout.build(layout_templates, names or COMMON_ENVIRONMENT_NAMES)
    except LayoutError as exc:
        raise fail(["layout"], str(exc)) from None

    annotations = raw.get("annotations") or {}
    top_images = _image_rules(raw.get("images"))
    return Policy(
        path=display,
        layout=layout,
        environments=MappingProxyType(environments),
        bots=tuple(raw.get("bots", DEFAULT_BOTS)),
        rollback_trailer=raw.get("rollback_trailer", DEFAULT_ROLLBACK_TRAILER),
        images=top_images,
        annotations=AnnotationPolicy(
            require_selection_rule=tuple(annotations.get("require_selection_rule", ())),
            require_git_write_back=tuple(annotations.get("require_git_write_back", ())),
            forbidden_strategies=MappingProxyType(
                {k: tuple(v) for k, v in (annotations.get("forbidden_strategies") or {}).items()}
            ),
        ),
        supply_chain=_age_gate(_supply_chain(raw.get("supply_chain") or {}, fail), environments),
        updater_version=str(
            (raw.get("image_updater") or {}).get("version", DEFAULT_UPDATER_VERSION)
        ),
        severity=MappingProxyType(
            {k: "off" if v is False else v for k, v in (raw.get("severity") or {}).items()}
        ),
        exclude=tuple(raw.get("exclude", ())),
        protected_refs=tuple(raw.get("protected_refs", ())),
        repositories=tuple(raw.get("repositories", ())),
        allow_history_rewrites=bool(raw.get("allow_history_rewrites", False)),
        owners_file=(raw.get("policy_owners") or {}).get("allowed_signers"),
        merge_key_file=(raw.get("pull_requests") or {}).get("merge_key"),
        baseline=raw.get("baseline"),
        max_file_size=parse_size(raw.get("max_file_size", DEFAULT_MAX_BYTES)),
        data=MappingProxyType(raw),
    )


def _freeze_windows(
    environment: str, windows: Sequence[Mapping[str, Any]], fail: Any
) -> tuple[FreezeWindow, ...]:
    """``environments.<env>.freeze``: each window fixed (from, until) or recurring (days,
    start, end, timezone); the schema has checked the keys and their shapes."""
    frozen: list[FreezeWindow] = []
    for index, window in enumerate(windows):
        path: list[str | int] = ["environments", environment, "freeze", index]
        fixed = [key for key in ("from", "until") if key in window]
        recurring = [key for key in ("days", "start", "end", "timezone") if key in window]
        if fixed and recurring:
            raise fail(
                [*path, recurring[0]],
                f"a window is fixed ({', '.join(fixed)}) or recurring "
                f"({', '.join(recurring)}), not both",
                hint="write two windows",
            )
        if fixed:
            frozen.append(_fixed_window(window, path, fail))
        elif recurring:
            frozen.append(_recurring_window(window, path, fail))
        else:
            raise fail(
                path,
                "a window needs from: and until: (fixed) or days: and timezone: (recurring)",
                hint="e.g. {reason: year-end, from: 2026-12-20T00:00:00+01:00, "
                "until: 2027-01-04T00:00:00+01:00}",
            )
    return tuple(frozen)


def _fixed_window(window: Mapping[str, Any], path: list[str | int], fail: Any) -> FixedFreeze:
    for key in ("from", "until"):
        if key not in window:
            raise fail(path, f"a fixed window needs {key}: as well")
    start = _timestamp(window["from"], [*path, "from"], fail)
    end = _timestamp(window["until"], [*path, "until"], fail)
    if end <= start:
        raise fail(
            [*path, "until"], f"{window['until']} is not after the window's from: {window['from']}"
        )
    return FixedFreeze(window["reason"], start, end)


def _timestamp(text: str, path: list[str | int], fail: Any) -> datetime.datetime:
    example = "e.g. 2026-12-20T00:00:00+01:00 or 2026-12-19T23:00:00Z"
    try:
        value = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise fail(path, f"{text!r} is not an ISO 8601 timestamp", hint=example) from None
    if value.utcoffset() is None:
        what = "is a date" if len(text) <= len("2026-12-20") else "has no UTC offset"
        raise fail(
            path,
            f"{text!r} {what}: it would mean a different instant on every machine",
            hint=f"give the time and its offset, {example}",
        )
    return value


def _recurring_window(
    window: Mapping[str, Any], path: list[str | int], fail: Any
) -> RecurringFreeze:
    for key, what in (("days", "the weekdays it starts on"), ("timezone", "an IANA time zone")):
        if key not in window:
            raise fail(path, f"a recurring window needs {key}: ({what})")
    zone = window["timezone"]
    _check_zone(zone, [*path, "timezone"], fail)
    start = _time_of_day(window.get("start", "00:00"))
    end = _time_of_day(window["end"]) if "end" in window else start
    return RecurringFreeze(
        window["reason"],
        frozenset(WEEKDAYS.index(day) for day in window["days"]),
        start,
        end,
        zone,
    )


def _time_of_day(text: str) -> datetime.time:
    hours, minutes = text.split(":")
    return datetime.time(int(hours), int(minutes))


def _check_zone(name: str, path: list[str | int], fail: Any) -> None:
    """An IANA time zone name the zone database knows (zoneinfo: the system's, else the
    ``tzdata`` package)."""
    from zoneinfo import ZoneInfo, available_timezones

    try:
        ZoneInfo(name)
    except (KeyError, ValueError, OSError):
        known = available_timezones()
        if not known:
            raise fail(
                path,
                f"unknown time zone {name!r}: this machine has no time zone database",
                hint="install one: the system's tzdata package, or `pip install tzdata`",
            ) from None
        suggestion = _close_matches(name, sorted(known), n=1)
        extra = f" (did you mean {suggestion[0]!r}?)" if suggestion else ""
        raise fail(
            path,
            f"unknown time zone {name!r}{extra}",
            hint="an IANA name such as Europe/Berlin, America/New_York or UTC",
        ) from None


def _supply_chain(raw: Mapping[str, Any], fail: Any) -> SupplyChainPolicy:
    """The ``supply_chain:`` block, typed; the schema has checked every key's shape."""
    value = raw.get("on_unreachable") or "fail"
    on_unreachable = next((choice for choice in ON_UNREACHABLE if choice == value), None)
    if on_unreachable is None:  # only a policy the schema did not see gets here
        raise fail(["supply_chain", "on_unreachable"], f"{value!r} is not fail|warn|skip")
    return SupplyChainPolicy(
        on_unreachable=on_unreachable,
        registry=_registry_gate(raw["registry"]) if "registry" in raw else None,
        signatures=_signature_gate(raw["signatures"]) if "signatures" in raw else None,
        vulnerabilities=(
            _vulnerability_gate(raw["vulnerabilities"]) if "vulnerabilities" in raw else None
        ),
        provenance=_provenance_gate(raw["provenance"]) if "provenance" in raw else None,
    )


def _age_gate(
    supply_chain: SupplyChainPolicy, environments: Mapping[str, EnvironmentPolicy]
) -> SupplyChainPolicy:
    """The age gate (GG507) over the environments that set ``min_image_age`` (0s: none)."""
    minimum = {
        name: env.min_image_age_seconds
        for name, env in environments.items()
        if env.min_image_age_seconds
    }
    if not minimum:
        return supply_chain
    return replace(supply_chain, age=AgePolicy(MappingProxyType(minimum), frozenset(minimum)))


def _registry_gate(section: Mapping[str, Any]) -> RegistryPolicy:
    retries = section.get("retries")
    return RegistryPolicy(
        insecure=tuple(section.get("insecure") or ()),
        timeout=_number(section.get("timeout")),
        max_wait=_number(section.get("max_wait")),
        retries=None if retries is None else int(retries),
        platform=section.get("platform"),
        config=section.get("config"),
        environments=_environments(section),
    )


def _signature_gate(section: Mapping[str, Any]) -> SignaturePolicy:
    return SignaturePolicy(
        keys=tuple(section.get("keys") or ()),
        trusted_root=section.get("trusted_root"),
        identities=tuple(
            SignerIdentity(item["issuer"], item["subject"])
            for item in section.get("identities") or ()
        ),
        environments=_environments(section),
    )


def _vulnerability_gate(section: Mapping[str, Any]) -> VulnerabilityPolicy:
    limits = section.get("max")
    return VulnerabilityPolicy(
        reports=_strings(section.get("reports")),
        max=DEFAULT_VULNERABILITY_LIMITS if limits is None else MappingProxyType(dict(limits)),
        attestations=bool(section.get("attestations")),
        environments=_environments(section),
    )


def _provenance_gate(section: Mapping[str, Any]) -> ProvenancePolicy:
    return ProvenancePolicy(
        source_repositories=tuple(section.get("source_repositories") or ()),
        refs=tuple(section.get("refs") or ()),
        builders=tuple(section.get("builders") or ()),
        environments=_environments(section),
    )


def _environments(gate: Mapping[str, Any]) -> frozenset[str] | None:
    """A gate's ``environments``; None (every environment) when it lists none."""
    listed = gate.get("environments")
    return None if listed is None else frozenset(listed)


def _number(value: float | None) -> float | None:
    return None if value is None else float(value)


def _strings(value: str | Sequence[str] | None) -> tuple[str, ...]:
    """One string or a list of strings (``reports: "scans/**"`` or ``[a, b]``) as a tuple."""
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _check_environment_lists(raw: Mapping[str, Any], names: list[str], fail: Any) -> None:
    """Every environment a list names must be declared (a typo would disable a check)."""
    if not names:
        return
    lists: list[tuple[list[str | int], Any]] = []
    annotations = raw.get("annotations") or {}
    for key in ("require_selection_rule", "require_git_write_back"):
        lists.append((["annotations", key], annotations.get(key)))
    for env in annotations.get("forbidden_strategies") or {}:
        lists.append((["annotations", "forbidden_strategies"], [env]))
    for gate, settings in (raw.get("supply_chain") or {}).items():
        if isinstance(settings, dict):
            lists.append((["supply_chain", gate, "environments"], settings.get("environments")))
    for path, values in lists:
        for index, value in enumerate(values or ()):
            if value not in names:
                item_path = path if path[-1] == "forbidden_strategies" else [*path, index]
                suggestion = _close_matches(value, names, n=1)
                extra = f" (did you mean {suggestion[0]!r}?)" if suggestion else ""
                raise fail(
                    item_path,
                    f"unknown environment {value!r}{extra}; declared: {', '.join(names)}",
                )


def _check_rule_names(raw: Mapping[str, Any], fail: Any) -> None:
    """Severity overrides must name rules that exist (a typo would silently do nothing)."""
    from gitops_guard.catalogue import CONTRACT_IDS, RULE_NAMES, rule_id

    for name in raw.get("severity") or {}:
        if rule_id(name) is None and name not in CONTRACT_IDS:
            known = [*RULE_NAMES, *RULE_NAMES.values()]
            suggestion = _close_matches(name, known, n=1)
            extra = f" (did you mean {suggestion[0]!r}?)" if suggestion else ""
            raise fail(
                ["severity", name],
                f"unknown rule {name!r}{extra}",
                hint="`gitops-guard rules` lists every rule",
            )


def _check_expressions(raw: Mapping[str, Any], fail: Any) -> None:
    """Tag patterns must compile with RE2 and constraints must parse, before any check runs."""
    from gitops_guard.patterns.re2 import (
        InvalidRegex,
        compile_re2,
    )

    blocks: list[tuple[list[str | int], Mapping[str, Any]]] = []
    if raw.get("images"):
        blocks.append((["images"], raw["images"]))
    for name, settings in (raw.get("environments") or {}).items():
        if settings and settings.get("images"):
            blocks.append((["environments", name, "images"], settings["images"]))
    for path, block in list(blocks):
        for index, override in enumerate(block.get("overrides", ())):
            blocks.append(([*path, "overrides", index], override))
    for path, block in blocks:
        pattern = block.get("tag_pattern")
        if pattern is not None:
            try:
                compile_re2(pattern)
            except InvalidRegex as exc:
                raise fail(
                    [*path, "tag_pattern"],
                    f"not a valid RE2 regular expression: {exc.reason}",
                    hint="tag patterns use RE2 syntax (no lookahead or backreferences)",
                ) from None
        constraint = block.get("constraint")
        if constraint is not None:
            from gitops_guard.versions import InvalidConstraint, parse_constraint

            try:
                parse_constraint(constraint)
            except InvalidConstraint as exc:
                raise fail(
                    [*path, "constraint"],
                    f"not a valid semver constraint: {exc.reason}",
                    hint="constraints use Masterminds/semver v3 syntax, e.g. ~1.4 or >=1.2 <2",
                ) from None
