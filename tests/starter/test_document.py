"""The starter's emitter: whatever text a repository puts in it, the file reads back as built."""

from __future__ import annotations

import io

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from gitops_guard.parse.loader import load_yaml, to_python
from gitops_guard.starter.document import (
    Item,
    Items,
    Key,
    Mapping,
    Note,
    Word,
    flow,
    is_plain_safe,
    render,
    scalar,
    to_data,
)

text = st.text(max_size=30)
scalars = st.one_of(
    text,
    text.map(Word),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.booleans(),
)
items = st.builds(Items, st.lists(st.builds(Item, scalars, text), max_size=4), flow=st.booleans())


def mappings(depth: int) -> st.SearchStrategy[Mapping]:
    values = (
        st.one_of(scalars, items) if depth == 0 else st.one_of(scalars, items, mappings(depth - 1))
    )
    keys = st.one_of(text, text.map(Word))
    entry = st.builds(Key, keys, values, text, st.lists(text, max_size=2))
    notes = st.builds(Note, text)

    def unique(entries: list[Key | Note]) -> Mapping:
        seen: set[str] = set()
        kept: list[Key | Note] = []
        for e in entries:
            name = e.name.text if isinstance(e, Key) and isinstance(e.name, Word) else None
            name = e.name if isinstance(e, Key) and isinstance(e.name, str) else name
            if name is None or name not in seen:
                kept.append(e)
                if name is not None:
                    seen.add(name)
        return Mapping(tuple(kept))

    return st.lists(st.one_of(entry, notes), min_size=1, max_size=5).map(unique)


def read_like_the_tool(source: str) -> object:
    loaded = load_yaml("policy.yaml", source.encode("utf-8"))
    assert not loaded.problems, (loaded.problems, source)
    return to_python(loaded.documents[0].root) if loaded.documents else None


@settings(max_examples=200, deadline=None)
@given(document=mappings(2), header=st.lists(text, max_size=3))
def test_every_reader_reads_back_what_was_built(document: Mapping, header: list[str]) -> None:
    source = render(document, header)
    expected = to_data(document) or None  # a document of comments only is empty
    assert read_like_the_tool(source) == expected  # libyaml, YAML 1.1, as the tool reads it
    assert (yaml.safe_load(source) or None) == expected  # PyYAML's constructor
    editor = YAML(typ="safe", pure=True)  # YAML 1.2, as editors read it
    assert (editor.load(io.StringIO(source)) or None) == expected


@given(value=text)
def test_a_string_from_the_repository_is_always_quoted(value: str) -> None:
    assert scalar(value)[0] in "'\""


def test_words_are_plain_only_where_every_yaml_reads_them_as_strings() -> None:
    plain = ["dev", "prod-eu", "staging_1", "24h", "newest-build", "prod.eu"]
    quoted = [
        "on",
        "Yes",
        "n",
        "null",
        "true",
        "2024",
        "1.0",
        "1e3",
        "2001-12-14",
        ".inf",
        "a:b",
        "",
    ]
    assert [is_plain_safe(w) for w in plain] == [True] * len(plain)
    assert [is_plain_safe(w) for w in quoted] == [False] * len(quoted)
    assert scalar(Word("on")) == "'on'"


def test_a_long_one_line_sequence_is_written_one_item_a_line() -> None:
    names = [Word(f"environment-{i}") for i in range(12)]
    source = render(Mapping((Key("envs", flow(names)), Key("short", flow([Word("a")])))))
    assert "  - environment-11" in source
    assert "short: [a]" in source


def test_comments_stay_one_line_of_printable_text() -> None:
    source = render(Mapping((Note("a\nb\tc\x00"), Key("k", 1, comment="x\u2028y"))), ["h\rh"])
    assert source.splitlines() == ["# h h", "# a b\\u0009c\\u0000", "k: 1  # x y"]
