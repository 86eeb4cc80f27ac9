"""``python -m gitops_guard``: the same command line as the ``gitops-guard`` script."""

from gitops_guard.cli.main import console_main

if __name__ == "__main__":
    console_main()
