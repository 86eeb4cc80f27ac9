"""``gitops-guard init``: a commented starter policy inferred from the repository.

``evidence`` reads what the repository deploys; ``templates`` and ``environments`` infer
the layout and the promotion order from the folders in use; ``images`` the registries and
the tag pattern from the images in use; ``policy`` lays that out as a commented document
(``document`` writes it, every string quoted); ``write`` checks the repository against it,
records what remains in a baseline, and writes both.
"""
