"""Output formats: the findings formats (``findings/``), the report formats (``report/``), and
the outputs of ``images``, ``explain`` and ``at``. Each renders what it is given; none runs a
command, reads a repository or imports the stages that produced its input.
"""
