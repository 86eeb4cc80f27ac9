"""Helm templates' `image:` lines: literal references are read, values images are known,
everything else that builds an image is named."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from gitops_guard.extract.helm_templates import (
    built_from,
    defines,
    image_lines,
    not_followed,
    set_paths,
)
from gitops_guard.model import Location

TEMPLATE = """\
apiVersion: apps/v1
kind: Deployment
spec:
  template:
    spec:
      containers:
        - name: api
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
        - name: proxy
          image: registry.example.com/team/proxy:1.2.3  # pinned by the chart
      initContainers:
        - "image": 'registry.example.com/team/init:0.1.0'
          name: init
        - name: helper
          image:
            {{- include "chart.image" . | nindent 12 }}
"""


def test_image_lines_are_found_with_their_positions() -> None:
    found = image_lines("t.yaml", TEMPLATE)
    assert [(f.location, f.literal) for f in found] == [
        (Location("t.yaml", 8, 18), None),
        (Location("t.yaml", 10, 18), "registry.example.com/team/proxy:1.2.3"),
        (Location("t.yaml", 12, 20), "registry.example.com/team/init:0.1.0"),
        # A value printed on the next line is read from there.
        (Location("t.yaml", 16, 13), None),
    ]


def test_helpers_are_followed_to_the_values_they_read() -> None:
    helpers = defines(
        [
            '{{- define "chart.image" -}}\n'
            "{{- if .Values.image.digest }}{{ .Values.image.repository }}@{{ .Values.image.digest }}"
            "{{- else }}{{ .Values.image.repository }}:{{ .Values.image.tag }}{{- end }}\n"
            "{{- end }}\n"
            '{{- define "chart.other" }}{{ .Values.registry }}/x{{ end }}\n'
        ]
    )
    assert set(helpers) == {"chart.image", "chart.other"}
    built = built_from('{{ include "chart.image" . }}', helpers)
    assert built.refs == {"image.digest", "image.repository", "image.tag"}
    assert built.unknown == []
    assert not_followed(built, ["image"], {"image.repository", "image.tag"}) == []
    # A helper the chart does not define cannot be followed.
    missing = built_from('{{ template "common.images.image" . }}', helpers)
    assert missing.unknown == ['helper "common.images.image", which the chart does not define']


@pytest.mark.parametrize(
    ("expression", "values_set", "reasons"),
    [
        ("{{ .Values.image.repository }}:{{ .Values.image.tag }}", {"image.tag"}, []),
        ("{{ toYaml .Values.image }}", {"image.tag"}, []),  # the whole image mapping
        # A value that is not an image key, set by a layer, builds the image.
        (
            "{{ .Values.registry }}/{{ .Values.image.repository }}:{{ .Values.image.tag }}",
            {"registry", "image.tag"},
            [".Values.registry, which is not an image key of the values"],
        ),
        # ... unset, it renders nothing and smuggles nothing in.
        ("{{ .Values.registry }}{{ .Values.image.repository }}", {"image.tag"}, []),
        (
            '{{ .Values.image.repository }}:{{ .Values.image.tag | default "2.0.0" }}',
            set(),
            ['the string "2.0.0"'],
        ),
        ("{{ $image }}", set(), ["a template variable"]),
        ("{{ $.Values.image.repository }}", set(), []),  # $ is the root, not a variable
        (
            '{{ index .Values "image" "repository" }}',
            set(),
            [
                'the string "image"',
                'the string "repository"',
                ".Values looked up by a computed key",
            ],
        ),
        ("{{ .Chart.AppVersion }}", set(), [".Chart.AppVersion, which gitops-guard does not read"]),
        ("{{/* a comment */}}{{ .Values.image.repository }}", set(), []),
    ],
)
def test_what_builds_an_image_is_followed_or_named(
    expression: str, values_set: set[str], reasons: list[str]
) -> None:
    assert not_followed(built_from(expression, {}), ["image"], values_set) == reasons


def test_set_paths_are_the_non_empty_leaves_and_mappings() -> None:
    root = yaml.compose("image: {repository: r, tag: ''}\nglobal: {imageRegistry: ~}\nlist: [a]\n")
    assert set_paths(root) == {"image.repository", "list"}
    assert set_paths(None) == set()


_TEXT = st.text(alphabet=st.sampled_from(list("image:{}.$\"' -\n\tValues/ab12#")), max_size=200)


@given(_TEXT)
def test_no_template_text_breaks_the_reader(text: str) -> None:
    for line in image_lines("t.yaml", text):
        assert line.location.line >= 1
        assert line.location.column >= 1
        not_followed(built_from(line.expression, defines([text])), ["image"], {"x"})


@given(
    st.from_regex(
        r"[a-z][a-z0-9.-]{0,20}/[a-z][a-z0-9-]{0,10}:[0-9]\.[0-9]\.[0-9]", fullmatch=True
    ),
    st.sampled_from(["", "- ", "  "]),
    st.sampled_from(["{}", '"{}"', "'{}'", "{}  # note"]),
)
def test_a_literal_reference_reads_back_as_written(reference: str, lead: str, form: str) -> None:
    (found,) = image_lines("t.yaml", f"x: 1\n{lead}image: {form.format(reference)}\n")
    assert found.literal == reference
    assert found.location == Location("t.yaml", 2, len(lead) + len("image: ") + 1)


REF = "registry.example.com/team/api:2.0.0"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # In a flow mapping, in JSON, on the next line (plain or block scalar).
        (f"      - {{name: api, image: {REF}}}\n", [(1, 28, REF)]),
        (f'    {{"name": "api", "image": "{REF}"}},\n', [(1, 30, REF)]),
        (f"  - name: api\n    image:\n      {REF}\n", [(3, 7, REF)]),
        (f"  - name: api\n    image: >-\n      {REF}\n", [(3, 7, REF)]),
        # A nested mapping under image: is not a reference.
        ("    image:\n      repository: x\n", []),
        # Template comments, on one line or several, are not read.
        (f"    {{{{/* image: {REF} */}}}}\n", []),
        (f"{{{{- /*\n    image: {REF}\n*/ -}}}}\n", []),
        ("# image: registry.example.com/x:1\n", []),
    ],
)
def test_image_values_are_found_wherever_yaml_puts_them(
    text: str, expected: list[tuple[int, int, str]]
) -> None:
    found = image_lines("t.yaml", text)
    assert [(f.location.line, f.location.column, f.literal) for f in found] == expected


def test_a_key_written_by_an_action_beside_an_image_is_named() -> None:
    text = f'  - name: api\n    {{{{ "image" }}}}: {REF}\n    {{{{ .Values.key }}}}: production\n'
    (found,) = image_lines("t.yaml", text)
    assert found.location == Location("t.yaml", 2, 20)
    assert found.unknown == ("a key written by a template action",)


@pytest.mark.parametrize(
    ("expression", "helpers", "values_set", "reasons"),
    [
        # Literal text beside the actions renders too.
        (
            "{{ .Values.image.repository }}:2.0.0",
            {},
            set(),
            ['the text ":2.0.0" written beside the template actions'],
        ),
        (
            '{{ include "img" . }}',
            {"img": "{{ .Values.image.repository }}:2.0.0"},
            set(),
            ['the text ":2.0.0" written beside the template actions'],
        ),
        # A key under the image mapping that is not an image field.
        (
            "{{ .Values.image.repository }}:{{ .Values.image.next }}",
            {},
            {"image.next"},
            [".Values.image.next, which is not an image key of the values"],
        ),
        (
            "{{ .Values.global.imageRegistry }}/{{ .Values.image.repository }}",
            {},
            {"global.imageRegistry"},
            [".Values.global.imageRegistry, which is not an image key of the values"],
        ),
        # Fields that are not values.
        (
            "{{ .Values.image.repository }}:{{ .Chart.AppVersion }}",
            {},
            set(),
            [".Chart.AppVersion, which gitops-guard does not read"],
        ),
        (
            "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}",
            {},
            set(),
            [],
        ),
        (
            '{{ .Files.Get "image.txt" }}',
            {},
            set(),
            ['the string "image.txt"', ".Files.Get, which gitops-guard does not read"],
        ),
        (
            "{{ range .Values.sidecars }}{{ .image }}{{ end }}",
            {},
            set(),
            [".image, which gitops-guard does not read"],
        ),
        # `with` and a helper called with a values mapping read that mapping.
        ("{{ with .Values.image }}{{ .repository }}:{{ .tag }}{{ end }}", {}, set(), []),
        ('{{ include "img" .Values.image }}', {"img": "{{ .repository }}:{{ .tag }}"}, set(), []),
        (
            '{{ include "img" .Values.image }}',
            {"img": "{{ .repository }}:{{ .next }}"},
            {"image.next"},
            [".Values.image.next, which is not an image key of the values"],
        ),
    ],
)
def test_what_builds_an_image_beyond_values_is_named(
    expression: str, helpers: dict[str, str], values_set: set[str], reasons: list[str]
) -> None:
    assert not_followed(built_from(expression, helpers), ["image"], values_set) == reasons
