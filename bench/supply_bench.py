#!/usr/bin/env python3
"""Benchmark of the supply-chain gates: 200 distinct images against a local registry.

Starts Debian's ``docker-registry`` on a free loopback port (as the tests do), pushes
200 distinct tiny images and signs each in cosign's layout with a generated key, then
runs the gates over 200 prod image uses, pinned by digest. Each case is run once to
warm (registry caches, Python imports), then ``--runs`` times with a fresh client (no
cached resolutions: "one resolution per image per run"); it prints the median time and
the requests per image by method. Target: under 5 s warm, HEAD only where a digest is
pinned and only the registry gate runs.

    python bench/supply_bench.py               # 200 images, 3 runs
    python bench/supply_bench.py --images 500 --runs 5
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.supply.helpers import (  # noqa: E402
    LocalRegistry,
    Pusher,
    cosign_sign,
    ec_key,
    public_pem,
)

from gitops_guard.imageref import parse_reference  # noqa: E402
from gitops_guard.model import ImageUse, Location, Source  # noqa: E402
from gitops_guard.policy.load import parse_policy  # noqa: E402
from gitops_guard.policy.model import Policy  # noqa: E402
from gitops_guard.supply.gates import run_gates  # noqa: E402
from gitops_guard.supply.registry import (  # noqa: E402
    ClientSettings,
    RegistryClient,
)

TARGET_SECONDS = 5.0


def policy(gates: str) -> Policy:
    text = (
        "version: 1\nenvironments: {prod: {}}\nsupply_chain:\n"
        '  registry: {environments: [prod], insecure: ["127.0.0.1:*"]}\n' + gates
    )
    return parse_policy(text.encode())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    binary = shutil.which("docker-registry")
    if binary is None:
        print("docker-registry is not installed: apt-get install docker-registry")
        return 2
    work = Path(tempfile.mkdtemp(prefix="gg-supply-bench-"))
    registry = LocalRegistry(binary, work / "registry")
    registry.start()
    try:
        return _run(registry, work, args.images, args.runs)
    finally:
        registry.stop()
        shutil.rmtree(work, ignore_errors=True)


def _run(registry: LocalRegistry, work: Path, count: int, runs: int) -> int:
    pusher = Pusher(registry.url)
    key = ec_key()
    started = time.perf_counter()
    pinned: list[ImageUse] = []
    tags: list[ImageUse] = []
    for index in range(count):
        name = f"bench/app-{index:03d}"
        image = pusher.image(name, "1.0.0", f"bench-{index}")
        cosign_sign(pusher, name, image.digest, [key])
        for target, raw in (
            (pinned, f"{registry.host}/{name}:1.0.0@{image.digest}"),
            (tags, f"{registry.host}/{name}:1.0.0"),
        ):
            location = Location(f"apps/app-{index:03d}/prod/deployment.yaml", 20, 18)
            target.append(
                ImageUse(location, Source.CONTAINER, raw, parse_reference(raw), environment="prod")
            )
    pusher.close()
    print(f"pushed and signed {count} images in {time.perf_counter() - started:.1f}s")
    repo = work / "repo"
    (repo / "keys").mkdir(parents=True)
    (repo / "keys" / "cosign.pub").write_bytes(public_pem(key))

    cases = [
        ("registry gate, pinned", policy(""), pinned),
        ("registry gate, tags only", policy(""), tags),
        (
            "registry + signatures, pinned",
            policy("  signatures: {environments: [prod], keys: [keys/cosign.pub]}\n"),
            pinned,
        ),
    ]
    print(f"\n{'case':<32} {'median s':>9} {'min s':>7} {'max s':>7}  requests per image")
    failed = False
    for name, case_policy, uses in cases:
        times: list[float] = []
        stats: Counter[str] = Counter()
        for run in range(runs + 1):  # the first run warms
            client = RegistryClient(ClientSettings(insecure=("127.0.0.1:*",)))
            began = time.perf_counter()
            findings = run_gates(uses, case_policy, offline=False, root=repo, client=client)
            elapsed = time.perf_counter() - began
            client.close()
            if findings:
                print(f"unexpected findings in {name}: {findings[:3]}")
                return 1
            if run:
                times.append(elapsed)
                stats = client.stats
        per_image = ", ".join(f"{k} {v / len(uses):g}" for k, v in sorted(stats.items()))
        median = statistics.median(times)
        failed |= median >= TARGET_SECONDS
        print(f"{name:<32} {median:>9.2f} {min(times):>7.2f} {max(times):>7.2f}  {per_image}")
    print(f"\ntarget: under {TARGET_SECONDS:g}s warm for {count} images")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
