"""Pathwise learner model and decisions.

The core (``adaptive.core``) and the benchmark (``adaptive.benchmark``) import only the standard
library, numpy, torch, scikit-learn and tqdm, so they run with no Django settings and no database.
Keep this module free of Django imports: the Django layer imports from the core, never the reverse.
"""
