"""The supply-chain gates GG501–GG507, one module each, over the typed ``supply_chain:``.

``run`` resolves every distinct image once and runs the gates its uses ask for;
``registry`` (GG501, GG502), ``signatures`` (GG503), ``vulnerabilities`` (GG504),
``provenance`` (GG505) and ``age`` (GG507, from ``environments.<env>.min_image_age``) are
the gates; ``unreachable`` is GG506, for gates that could not ask the registry;
``context`` is what they share (client, trust, reports) and ``attestations`` the signed
statements three of them read.

The two entry points are named here, the one exception to package ``__init__`` files
holding only a docstring: every caller wants the whole run, and the run imports every
gate, so importing them here loads nothing a caller would not load anyway.
"""

from gitops_guard.supply.gates.run import run_gates, supply_findings

__all__ = ["run_gates", "supply_findings"]
