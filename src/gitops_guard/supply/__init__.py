"""Supply-chain gates: registry client, signatures, vulnerability reports, provenance, pin.

Everything here is imported lazily by the commands that need the network or the
reports (``check``, ``validate --supply-chain``, ``pin``, ``explain --registry``), so
the pre-commit path never pays for httpx, cryptography or sigstore.
"""
