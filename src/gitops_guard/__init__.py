"""gitops-guard: policy checks and audit history for image promotion in GitOps repositories."""

__version__ = "0.2.0"

# Where the project lives; `[project.urls]` in pyproject.toml says the same (a test keeps
# them equal). SARIF's `informationUri` and `helpUri` and the schemas' `$id` point here,
# at documentation this repository owns, on its main branch.
REPOSITORY_URL = "https://github.com/acme/gitops-guard"
RULES_URL = f"{REPOSITORY_URL}/blob/main/docs/rules.md"
_RAW = REPOSITORY_URL.replace("https://github.com/", "https://raw.githubusercontent.com/", 1)
SCHEMAS_URL = f"{_RAW}/main/schemas"
