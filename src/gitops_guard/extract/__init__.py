"""Documents → image uses: the one parsing path every command shares.

``extract`` reads a repository state through a :class:`~gitops_guard.files.FileSource`
and returns an :class:`Inventory`: every image use with its location, source kind,
app and environment, plus the input problems (GG001) met on the way.
"""
