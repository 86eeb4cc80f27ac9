"""The YAML loader: positions, and every kind of bad input as a located GG001 finding."""

from __future__ import annotations

import textwrap

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gitops_guard.parse.loader import (
    WrongType,
    child,
    child_path,
    load_yaml,
    location,
    mapping_items,
    scalar_text,
    sequence,
    string_value,
    to_python,
)


def load(text: str, **kwargs: int):  # type: ignore[no-untyped-def]
    return load_yaml("f.yaml", textwrap.dedent(text).lstrip("\n").encode(), **kwargs)


def problems(text: str | bytes, **kwargs: int) -> list[tuple[int, int, str]]:
    data = text if isinstance(text, bytes) else textwrap.dedent(text).lstrip("\n").encode()
    loaded = load_yaml("f.yaml", data, **kwargs)
    return [(p.location.line, p.location.column, p.rule) for p in loaded.problems]


def test_every_document_of_a_multi_document_file_is_read_with_positions() -> None:
    loaded = load(
        """
        kind: A
        ---
        # comment
        kind: B
        spec:
          image: nginx:1.2
        """
    )
    assert [scalar_text(child(d.root, "kind")) for d in loaded.documents] == ["A", "B"]
    image = child_path(loaded.documents[1].root, "spec", "image")
    assert image is not None
    assert location("f.yaml", image) == location("f.yaml", image)
    assert (location("f.yaml", image).line, location("f.yaml", image).column) == (6, 10)
    assert loaded.lines[2] == "# comment"


def test_empty_documents_are_skipped_but_counted() -> None:
    loaded = load("---\n---\nkind: A\n")
    assert len(loaded.documents) == 1
    assert loaded.documents[0].index == 1


def test_a_syntax_error_is_a_located_finding_and_earlier_documents_are_kept() -> None:
    loaded = load(
        """
        kind: A
        ---
        kind: B
          bad: indentation
        """
    )
    assert len(loaded.documents) == 1
    assert [(p.location.line, p.rule) for p in loaded.problems] == [(4, "GG001")]
    assert "YAML syntax error" in loaded.problems[0].message


def test_duplicate_keys_are_reported_at_the_second_key() -> None:
    found = problems(
        """
        spec:
          image: a
          name: x
          image: b
        """
    )
    assert found == [(4, 3, "GG001")]


def test_the_same_key_in_sibling_mappings_is_not_a_duplicate() -> None:
    assert problems("a: {x: 1}\nb: {x: 1}\n") == []


def test_a_file_over_the_size_limit_is_a_finding_and_not_parsed() -> None:
    loaded = load_yaml("f.yaml", b"a: " + b"x" * 200 + b"\n", max_bytes=100)
    assert loaded.documents == []
    assert "over the" in loaded.problems[0].message


def test_non_utf8_bytes_are_located() -> None:
    assert problems(b"ok: 1\nname: caf\xe9\n") == [(2, 10, "GG001")]


def test_binary_files_are_a_finding_not_a_crash() -> None:
    loaded = load_yaml("f.yaml", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert loaded.documents == []
    assert "binary" in loaded.problems[0].message


def test_utf16_with_a_bom_is_read() -> None:
    data = "kind: A\n".encode("utf-16")
    loaded = load_yaml("f.yaml", data)
    assert loaded.problems == []
    assert scalar_text(child(loaded.documents[0].root, "kind")) == "A"


def test_utf8_bom_is_accepted() -> None:
    assert problems(b"\xef\xbb\xbfkind: A\n") == []


def test_an_alias_bomb_costs_nothing() -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 30):
        refs = ", ".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    loaded = load_yaml("f.yaml", "\n".join(lines).encode())
    assert loaded.problems == []
    # Walking the merged mapping must not expand the aliases either.
    assert len(list(mapping_items(loaded.documents[0].root))) == 30


def test_to_python_refuses_an_alias_bomb() -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 12):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]")
    loaded = load_yaml("f.yaml", "\n".join(lines).encode())
    with pytest.raises(ValueError, match="too large"):
        to_python(loaded.documents[0].root)


def test_recursive_aliases_do_not_hang() -> None:
    loaded = load_yaml("f.yaml", b"a: &x\n  b: *x\n")
    assert len(loaded.documents) <= 1


def test_very_deep_nesting_is_a_finding() -> None:
    loaded = load_yaml("f.yaml", b"[" * 100_000)
    assert loaded.documents == []
    assert loaded.problems
    assert loaded.problems[0].rule == "GG001"


def test_merge_keys_are_resolved_and_own_keys_win() -> None:
    loaded = load(
        """
        base: &base
          image: a
          name: base
        item:
          <<: *base
          name: own
        """
    )
    item = child(loaded.documents[0].root, "item")
    assert scalar_text(child(item, "image")) == "a"
    assert scalar_text(child(item, "name")) == "own"


@pytest.mark.parametrize(
    ("value", "reads_as"),
    [
        ("1.10", "the number 1.1"),
        ("1", "the number 1"),
        ("true", "the boolean true"),
        ("yes", "the boolean true"),
        ("2024-01-05", "the date 2024-01-05"),
    ],
)
def test_a_non_string_where_a_string_is_expected_is_wrong_type(value: str, reads_as: str) -> None:
    loaded = load(f"newTag: {value}\n")
    with pytest.raises(WrongType) as caught:
        string_value(child(loaded.documents[0].root, "newTag"), "Kustomize newTag")
    assert reads_as in caught.value.message
    assert caught.value.hint == f'quote it: newTag: "{value}"'


def test_quoted_values_are_strings() -> None:
    loaded = load('newTag: "1.10"\n')
    assert string_value(child(loaded.documents[0].root, "newTag"), "newTag") == "1.10"


def test_null_is_absent_and_collections_are_wrong_type() -> None:
    loaded = load("a: ~\nb: [1]\n")
    root = loaded.documents[0].root
    assert string_value(child(root, "a"), "a") is None
    with pytest.raises(WrongType, match="found a list"):
        string_value(child(root, "b"), "b")


def test_sequence_of_a_non_sequence_is_empty() -> None:
    loaded = load("a: 1\n")
    assert sequence(child(loaded.documents[0].root, "a")) == []


@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    loaded = load_yaml("f.yaml", data)
    for problem in loaded.problems:
        assert problem.rule == "GG001"
        assert problem.location.line >= 1


@given(st.text(max_size=300))
def test_arbitrary_text_never_raises(text: str) -> None:
    load_yaml("f.yaml", text.encode("utf-8", "surrogatepass"))


def _tags(node: object) -> object:
    from yaml.nodes import MappingNode, SequenceNode

    if isinstance(node, MappingNode):
        return [(_tags(k), _tags(v)) for k, v in node.value]
    if isinstance(node, SequenceNode):
        return [_tags(item) for item in node.value]
    return (node.tag, node.value)  # type: ignore[attr-defined]


plain_scalars = st.sampled_from(
    [
        "yes",
        "No",
        "on",
        "OFF",
        "true",
        "~",
        "null",
        "1.10",
        "0x1f",
        "1e3",
        "-.inf",
        ".nan",
        "2024-01-05",
        "12:30:00",
        "0o17",
        "+12",
        "=",
        "nginx:1.2",
        "v1.0",
        "y",
        "n",
        "Yes please",
        "1_000",
        "0b101",
        "190:20:30",
        "2001-12-14t21:59:43.10-05:00",
        "- x",
        "word",
        "off-by-one",
    ]
)


@given(st.lists(st.tuples(st.sampled_from(["a", "b", "1", "yes", "~"]), plain_scalars), max_size=8))
def test_the_fast_tag_resolution_agrees_with_pyyaml(pairs: list[tuple[str, str]]) -> None:
    import yaml

    text = "".join(f"k{index}{key}: {value}\n" for index, (key, value) in enumerate(pairs))
    text += "".join(
        f"s{index}: [{value}]\n" for index, (_k, value) in enumerate(pairs) if "," not in value
    )
    ours = load_yaml("f.yaml", text.encode()).documents
    try:
        theirs = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.YAMLError:
        return
    assert [_tags(d.root) for d in ours] == [_tags(n) for n in theirs if n is not None]
    assert text.count(":") == 0 or ours


_KEYS = st.sampled_from(["image", "name", "tag", "<<x"])


@given(
    own=st.lists(st.tuples(_KEYS, st.integers(0, 9)), max_size=4),
    merged=st.lists(st.tuples(_KEYS, st.integers(0, 9)), max_size=4),
    merge_first=st.booleans(),
    wanted=_KEYS,
)
def test_child_finds_what_the_merged_items_list_first(
    own: list[tuple[str, int]], merged: list[tuple[str, int]], merge_first: bool, wanted: str
) -> None:
    base = "".join(f"  {k}: m{v}\n" for k, v in merged) or "  {}\n"
    lines = [f"  {k}: o{v}\n" for k, v in own]
    merge = "  <<: *base\n"
    item = "".join([merge, *lines] if merge_first else [*lines, merge])
    loaded = load_yaml("f.yaml", f"base: &base\n{base}item:\n{item}".encode())
    node = child(loaded.documents[0].root, "item")
    expected = next((v for name, _k, v in mapping_items(node) if name == wanted), None)
    assert child(node, wanted) is expected
