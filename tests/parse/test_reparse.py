"""A value edit patched into the old tree gives exactly the tree a full parse gives."""

from __future__ import annotations

from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from gitops_guard.parse.loader import (
    DEFAULT_MAX_BYTES,
    LoadedFile,
    load_yaml,
)
from gitops_guard.parse.reparse import (
    build_index,
    patch,
)


def shape(node: Node) -> tuple[Any, ...]:
    """Everything a node says, its position included, for comparing trees."""
    marks = (node.start_mark.line, node.start_mark.column, node.end_mark.line, node.end_mark.column)
    if isinstance(node, ScalarNode):
        return ("scalar", node.tag, node.value, node.style, marks)
    if isinstance(node, MappingNode):
        items = [(shape(k), shape(v)) for k, v in node.value]
        return ("map", node.tag, node.flow_style, marks, items)
    assert isinstance(node, SequenceNode)
    return ("seq", node.tag, node.flow_style, marks, [shape(i) for i in node.value])


def tree(loaded: LoadedFile) -> list[tuple[Any, ...]]:
    return [(d.index, shape(d.root)) for d in loaded.documents]


def patched_or_none(old_text: str, new_text: str) -> LoadedFile | None:
    old = load_yaml("f.yaml", old_text.encode())
    return patch(old, new_text.encode(), DEFAULT_MAX_BYTES)


def assert_same_as_a_parse(old_text: str, new_text: str) -> LoadedFile | None:
    """Patch (when the module dares) and compare with a full parse of the new text."""
    old = load_yaml("f.yaml", old_text.encode())
    patched = patch(old, new_text.encode(), DEFAULT_MAX_BYTES)
    if patched is not None:
        full = load_yaml("f.yaml", new_text.encode())
        assert full.problems == [], "a patch was made where the parser finds a problem"
        assert tree(patched) == tree(full)
        assert patched.text == full.text
        assert patched.lines == full.lines
    return patched


# --- generated documents ---------------------------------------------------------------

TOKENS = [
    "1.4.1", "v1.4.2", "1.10", "true", "yes", "no", "~", "null", "0x1F", "2024-01-05", "1e3",
    ".5", "-1", "-x", "-", "a:b", "x:", "a: b", "a b", "#x", "a #x", "@x", "*x", "&x v",
    "!!str 1", "|", ">", "[a]", "{a: b}", '"q"', '"1.10"', "'s'", "'it''s'", '"a\\"b"',
    '""', "''", "", "é", "ghcr.io/team/api:1.0@sha256:" + "a" * 64, "registry:5000/x",
    "=", "<<", "...", "---", "%x", "!x", "?x", "`x", "x,y",
]  # fmt: skip

tokens = st.sampled_from(TOKENS)


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, str]:
    """An old and a new text differing in a few scalar tokens."""
    slots: list[str] = []
    lines: list[tuple[str, int | None, str]] = []  # (prefix, slot, suffix)

    def slot(prefix: str, suffix: str = "") -> None:
        slots.append(draw(tokens))
        lines.append((prefix, len(slots) - 1, suffix))

    def value(indent: int, depth: int) -> None:
        kind = draw(st.sampled_from(["map", "seq"] if depth == 0 else ["map", "seq", "leaf"]))
        if kind == "leaf" or depth > 3:
            return
        for number in range(draw(st.integers(1, 3))):
            lead = " " * indent + (f"k{number}:" if kind == "map" else "-")
            shape = draw(st.sampled_from(["nested", "token", "token", "block", "compact"]))
            if draw(st.integers(0, 9)) == 0:
                lines.append((" " * indent + "# a comment line", None, ""))
            if shape == "nested" and depth < 3:
                lines.append((lead, None, ""))
                value(indent + 2, depth + 1)
            elif shape == "block":  # a literal block: its lines are content, not values
                lines.append((lead + " |", None, ""))
                for _ in range(draw(st.integers(1, 2))):
                    slot(" " * (indent + 2))
            elif shape == "compact" and kind == "seq":  # - key: value, more keys below
                slot(lead + " c0: ")
                if draw(st.booleans()):
                    slot(" " * (indent + 2) + "c1: ")
            else:
                slot(lead + " ", draw(st.sampled_from(["", "", "  # note", " "])))

    value(0, 0)
    if draw(st.booleans()):  # a second document
        lines.append(("---", None, ""))
        value(0, 0)
    new_slots = list(slots)
    for _ in range(draw(st.integers(1, 3))):
        if slots:
            new_slots[draw(st.integers(0, len(slots) - 1))] = draw(tokens)
    end = draw(st.sampled_from(["\n", ""]))

    def render(values: list[str]) -> str:
        rendered = [
            prefix + (values[slot] if slot is not None else "") + suffix
            for prefix, slot, suffix in lines
        ]
        return "\n".join(rendered) + end

    return render(slots), render(new_slots)


@settings(max_examples=400, deadline=None)
@given(documents())
@example(("a:\n  newTag: 1.4.1\n", "a:\n  newTag: 1.4.2\n"))
def test_a_patch_is_what_a_parse_gives(texts: tuple[str, str]) -> None:
    assert_same_as_a_parse(*texts)


# --- what is patched, and what is left to the parser -----------------------------------

KUSTOMIZATION = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../base
images:
  - name: registry.example.com/team/api
    newTag: "1.4.1"  # bumped by the pipeline
  - name: registry.example.com/team/worker
    newTag: 2.0.0
"""


def test_a_tag_bump_is_patched() -> None:
    new = KUSTOMIZATION.replace('"1.4.1"', '"1.4.2"').replace("2.0.0", "2.0.10")
    patched = assert_same_as_a_parse(KUSTOMIZATION, new)
    assert patched is not None


def test_an_unquoted_number_keeps_its_type() -> None:
    # `newTag: 1.10` is the float 1.1 to YAML 1.1: the patch must say so as a parse does.
    patched = assert_same_as_a_parse(KUSTOMIZATION, KUSTOMIZATION.replace("2.0.0", "1.10"))
    assert patched is not None
    node = patched.documents[0].root.value[3][1].value[1].value[1][1]
    assert node.tag == "tag:yaml.org,2002:float"


def test_the_patched_file_shares_what_did_not_change() -> None:
    old = load_yaml("k.yaml", KUSTOMIZATION.encode())
    patched = patch(old, KUSTOMIZATION.replace("2.0.0", "2.0.1").encode(), DEFAULT_MAX_BYTES)
    assert patched is not None
    old_root, new_root = old.documents[0].root, patched.documents[0].root
    assert old_root is not new_root
    assert old_root.value[2] is new_root.value[2]  # resources: untouched, shared
    assert old_root.value[3][1].value[0] is new_root.value[3][1].value[0]


def test_a_second_patch_reuses_the_index() -> None:
    old = load_yaml("k.yaml", KUSTOMIZATION.encode())
    first = patch(old, KUSTOMIZATION.replace("2.0.0", "2.0.1").encode(), DEFAULT_MAX_BYTES)
    assert first is not None
    second = patch(first, KUSTOMIZATION.replace("2.0.0", "2.0.2").encode(), DEFAULT_MAX_BYTES)
    assert second is not None
    assert second.patch_index is old.patch_index


def test_what_is_left_to_the_parser() -> None:
    cases = {
        "a key": KUSTOMIZATION.replace("newTag: 2.0.0", "newTeg: 2.0.0"),
        "a line added": KUSTOMIZATION + "namespace: x\n",
        "a new value with a space": KUSTOMIZATION.replace("2.0.0", "2.0 0"),
        "a value becoming a key": KUSTOMIZATION.replace("2.0.0", "x:"),
        "non-ASCII": KUSTOMIZATION.replace("2.0.0", "2.0.é"),
        "a tab": KUSTOMIZATION.replace("  newTag: 2.0.0", "\tnewTag: 2.0.0"),
        "CRLF": KUSTOMIZATION.replace("\n", "\r\n"),
        "a comment changed": KUSTOMIZATION.replace("bumped by", "set by"),
    }
    for what, new in cases.items():
        assert patched_or_none(KUSTOMIZATION, new) is None, what
    shared = "base: &b\n  tag: 1.0\nitem:\n  <<: *b\n"
    assert patched_or_none(shared, shared.replace("1.0", "1.1")) is None, "an alias"
    tagged = "tag: !!str 1.0\n"
    assert patched_or_none(tagged, tagged.replace("1.0", "1.1")) is None, "an explicit tag"
    flow = "images: [a, b]\n"
    assert patched_or_none(flow, flow.replace("b", "c")) is None, "a flow sequence"
    broken = "a: [\n"
    assert patched_or_none(broken, b"a: ]\n".decode()) is None, "a file with problems"


def test_the_index_knows_no_alias_and_no_ambiguous_line() -> None:
    assert build_index(load_yaml("f", b"a: &x 1\nb: *x\n")) is None
    index = build_index(load_yaml("f", b"a: 1\nb: {c: 2}\nd:\n  - 3\n"))
    assert index is not None
    assert index.lines[0] == (0, ((0, 1),))
    assert index.lines[1] is None
    assert index.lines[3] == (0, ((2, 1), (0, 0)))
