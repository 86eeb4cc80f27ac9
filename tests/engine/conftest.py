"""Engine tests run YAML through the rules the same way rule tests do."""

from tests.rules.conftest import check  # noqa: F401 - the fixture, shared with the rule tests
