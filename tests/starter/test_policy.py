"""The starter document: whatever the folder names, it loads and validates as a policy."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from gitops_guard.parse.loader import load_yaml, to_python
from gitops_guard.policy.load import parse_policy
from gitops_guard.starter.document import Key, Mapping, Note, render, to_data
from gitops_guard.starter.environments import order
from gitops_guard.starter.evidence import folders
from gitops_guard.starter.images import Registry, tag_pattern
from gitops_guard.starter.policy import Deployed, Inference, build, environment_settings
from gitops_guard.starter.templates import infer_layout
from gitops_guard.starter.write import header

names = st.text(
    alphabet=st.characters(blacklist_characters="/\x00", blacklist_categories=["Cs"]),
    min_size=1,
    max_size=10,
).filter(lambda n: n not in (".", ".."))
shapes = st.sampled_from(
    ["envs/{a}/k.yaml", "{a}/overlays/{b}/k.yaml", "clusters/{a}/{b}/r.yaml", "{a}/values-{b}.yaml"]
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(shapes, names, names), min_size=1, max_size=8), st.lists(names, max_size=3)
)
def test_whatever_the_folder_names_the_policy_loads_and_validates(
    paths: list[tuple[str, str, str]], registries: list[str]
) -> None:
    placed = [shape.format(a=a, b=b) for shape, a, b in paths]
    files = frozenset(placed)
    inferred = infer_layout(placed, files, folders(files))
    inference = Inference(
        templates=inferred.templates,
        order=order(inferred.environments),
        registries=[Registry(r, 1) for r in registries],
        tags=tag_pattern(["1.0", "latest"]),
        deployed={e: Deployed(2, 1, 0) for e in inferred.environments},
    )
    document = build(inference)
    text = render(document, header())
    policy = parse_policy(text.encode("utf-8"))
    assert list(policy.environments) == list(order(inferred.environments).names)
    assert policy.layout.templates == (tuple(inferred.templates) or policy.layout.templates)
    loaded = load_yaml(".gitops-guard.yaml", text.encode("utf-8"))
    assert to_python(loaded.documents[0].root) == to_data(document)


def _keys(settings: list[Key | Note]) -> dict[str, object]:
    return to_data(Mapping(tuple(settings)))


def test_the_last_environment_is_strict_where_today_allows() -> None:
    chain = order(["dev", "staging", "prod"])
    dev, staging, prod = chain.environments
    assert _keys(environment_settings(dev, chain, Deployed(3, 3, 3))) == {
        "automated": ["patch", "minor", "major", "digest"]
    }
    assert _keys(environment_settings(staging, chain, Deployed(3, 3, 3))) == {
        "from": "dev",
        "automated": ["patch"],
    }
    pinned = environment_settings(prod, chain, Deployed(uses=2, without_digest=0, prereleases=0))
    assert _keys(pinned) == {
        "from": "staging",
        "soak": "24h",
        "automated": [],
        "on_unresolved": "error",  # what gitops-guard cannot follow stays out of prod
        "require_digest": True,
        "allow_prerelease": False,
    }
    unpinned = environment_settings(prod, chain, Deployed(uses=2, without_digest=1, prereleases=2))
    assert "require_digest" not in _keys(unpinned)
    notes = [s.text for s in unpinned if isinstance(s, Note)]
    assert notes == [
        "require_digest: true  # not yet: 1 image use here without a digest",
        "allow_prerelease: false  # not yet: 2 image uses here with a prerelease",
    ]
    unseen = environment_settings(prod, chain, Deployed())
    assert [s.text for s in unseen if isinstance(s, Note)] == [
        "require_digest: true  # no image seen here yet",
        "allow_prerelease: false  # no image seen here yet",
    ]


def test_without_environments_the_document_says_so_and_still_loads() -> None:
    inference = Inference((), order([]), (), tag_pattern([]))
    text = render(build(inference), header())
    policy = parse_policy(text.encode("utf-8"))
    assert dict(policy.environments) == {}
    assert "No environment folders were found" in text
    assert "registries" not in policy.data["images"]
