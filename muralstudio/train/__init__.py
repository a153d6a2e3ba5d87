"""Training commands (``muralstudio train ...``): data pipelines, recipes, checkpoints, logs.

Every command runs on CPU at small sizes and resumes from its last checkpoint when rerun with
the same ``--out``.
"""
